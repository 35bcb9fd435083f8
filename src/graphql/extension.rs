//! One extension per request that (1) caps aliases, (2) gives every error an `extensions.code`
//! and a message in the caller's language, (3) tells the HTTP layer whether the request
//! failed before execution (a "request error": 400 under application/graphql-response+json),
//! and (4) reuses parsed documents: apps send the same few documents over and over.
use crate::error::{AppError, ErrorSource, Locale};
use async_graphql::extensions::{
    Extension, ExtensionContext, ExtensionFactory, NextExecute, NextParseQuery, NextRequest,
    NextSubscribe,
};
use async_graphql::parser::types::{ExecutableDocument, Selection, SelectionSet};
use async_graphql::{Response, ServerError, ServerResult, Variables};
use futures_util::stream::{BoxStream, StreamExt};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};

/// Internal response header marking a request error; the HTTP layer removes it.
pub const REQUEST_ERROR_HEADER: &str = "x-guanjia-request-error";

/// Parsed documents kept per server, least recently used dropped first. Parsing is a pest
/// grammar walk that cost more than the rest of validation on the owner's home screen; a
/// document's parse does not depend on its variables, so the text alone is the key.
const PARSED_DOCUMENTS_KEPT: usize = 512;

type DocumentCache = Mutex<lru::LruCache<String, ExecutableDocument>>;

pub struct RequestPolicy {
    max_aliases: usize,
    parsed: Arc<DocumentCache>,
}

impl RequestPolicy {
    pub fn new(max_aliases: usize) -> Self {
        let kept = std::num::NonZeroUsize::new(PARSED_DOCUMENTS_KEPT).expect("non-zero");
        Self { max_aliases, parsed: Arc::new(Mutex::new(lru::LruCache::new(kept))) }
    }
}

impl ExtensionFactory for RequestPolicy {
    fn create(&self) -> Arc<dyn Extension> {
        Arc::new(PolicyExtension {
            max_aliases: self.max_aliases,
            parsed: self.parsed.clone(),
            executed: AtomicBool::new(false),
        })
    }
}

struct PolicyExtension {
    max_aliases: usize,
    parsed: Arc<DocumentCache>,
    executed: AtomicBool,
}

#[async_trait::async_trait]
impl Extension for PolicyExtension {
    async fn request(&self, ctx: &ExtensionContext<'_>, next: NextRequest<'_>) -> Response {
        // Messages are localized by the HTTP layer, which knows the caller's language before
        // the request's own data exists.
        let mut resp = next.run(ctx).await;
        if !resp.errors.is_empty() && !self.executed.load(Ordering::SeqCst) {
            resp.http_headers
                .insert(REQUEST_ERROR_HEADER, http::HeaderValue::from_static("1"));
        }
        resp
    }

    fn subscribe<'s>(
        &self,
        ctx: &ExtensionContext<'_>,
        stream: BoxStream<'s, Response>,
        next: NextSubscribe<'_>,
    ) -> BoxStream<'s, Response> {
        let locale = ctx.data_opt::<Locale>().copied().unwrap_or_default();
        next.run(ctx, stream)
            .map(move |mut resp| {
                for e in &mut resp.errors {
                    localize(e, locale);
                }
                resp
            })
            .boxed()
    }

    async fn parse_query(
        &self,
        ctx: &ExtensionContext<'_>,
        query: &str,
        variables: &Variables,
        next: NextParseQuery<'_>,
    ) -> ServerResult<ExecutableDocument> {
        if let Some(doc) = self.parsed.lock().unwrap_or_else(|e| e.into_inner()).get(query) {
            return Ok(doc.clone());
        }
        let doc = next.run(ctx, query, variables).await?;
        let aliases = count_aliases(&doc);
        if aliases > self.max_aliases {
            let err = AppError::bad_input(
                "query",
                format!("别名数量 {aliases} 超过上限 {}", self.max_aliases),
                format!(
                    "The query uses {aliases} aliases; the limit is {}",
                    self.max_aliases
                ),
            );
            return Err(async_graphql::Error::from(err).into_server_error(Default::default()));
        }
        // Only documents that passed the checks above are kept.
        self.parsed.lock().unwrap_or_else(|e| e.into_inner()).put(query.to_owned(), doc.clone());
        Ok(doc)
    }

    async fn execute(
        &self,
        ctx: &ExtensionContext<'_>,
        operation_name: Option<&str>,
        next: NextExecute<'_>,
    ) -> Response {
        self.executed.store(true, Ordering::SeqCst);
        next.run(ctx, operation_name).await
    }
}

fn count_aliases(doc: &ExecutableDocument) -> usize {
    fn walk(set: &SelectionSet) -> usize {
        set.items
            .iter()
            .map(|s| match &s.node {
                Selection::Field(f) => {
                    usize::from(f.node.alias.is_some()) + walk(&f.node.selection_set.node)
                }
                Selection::InlineFragment(f) => walk(&f.node.selection_set.node),
                Selection::FragmentSpread(_) => 0,
            })
            .sum()
    }
    doc.operations
        .iter()
        .map(|(_, op)| walk(&op.node.selection_set.node))
        .sum::<usize>()
        + doc
            .fragments
            .values()
            .map(|f| walk(&f.node.selection_set.node))
            .sum::<usize>()
}

/// Our own errors carry an `AppError` source: render it in the caller's language. Errors from
/// the GraphQL engine (syntax, validation, limits, variable types) are the caller's fault:
/// BAD_USER_INPUT, with a Chinese summary in front of the engine's English detail.
pub fn localize(e: &mut ServerError, locale: Locale) {
    if let Some(src) = e.source::<ErrorSource>() {
        e.message = src.0.message(locale);
        return;
    }
    let has_code = e
        .extensions
        .as_ref()
        .is_some_and(|x| x.get("code").is_some());
    if !has_code {
        let mut ext = e.extensions.take().unwrap_or_default();
        ext.set("code", "BAD_USER_INPUT");
        e.extensions = Some(ext);
        if locale == Locale::Zh {
            let summary = if e.message.contains("nested too deep") {
                "查询嵌套层数超过上限"
            } else if e.message.contains("too complex") {
                "查询复杂度超过上限"
            } else {
                "请求无效"
            };
            e.message = format!("{summary}：{}", e.message);
        }
    }
}
