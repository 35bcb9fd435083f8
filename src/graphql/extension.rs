//! Parsed documents kept and checked once against the alias and depth caps (`Documents`), and
//! the one extension the websocket schema carries (`RequestPolicy`).
//!
//! Over HTTP nothing runs as an async-graphql extension: with any extension registered, the
//! engine builds a `ResolveInfo` and a boxed hook chain for every field of every response,
//! which on the owner's home screen (~100 fields) cost more than the parse cache saved. So the
//! HTTP layer parses through `Documents::prepare` before executing, and tells request errors
//! apart with `is_request_error`. The websocket keeps the extension: it localizes the errors of
//! subscription events, which no HTTP layer sees.
//!
//! A document also remembers which of its operations passed validation without variables: sent
//! again without variables (a home screen, a dashboard), it runs on a schema that skips the
//! validation rules (about 3% of the owner home's CPU), since their answer would not change.
//! With variables it is validated every time: the rules also check the variables' values.
use crate::error::{AppError, ErrorSource, Locale};
use async_graphql::extensions::{
    Extension, ExtensionContext, ExtensionFactory, NextParseQuery, NextSubscribe,
};
use async_graphql::parser::types::{ExecutableDocument, Selection, SelectionSet};
use async_graphql::{Request, Response, ServerError, ServerResult, Value, Variables};
use futures_util::stream::{BoxStream, StreamExt};
use std::sync::{Arc, Mutex};

/// Parsed documents kept per server, least recently used dropped first. Parsing is a pest
/// grammar walk that cost more than the rest of validation on the owner's home screen; a
/// document's parse does not depend on its variables, so the text alone is the key.
const PARSED_DOCUMENTS_KEPT: usize = 512;

/// The server's parsed documents, and the alias and depth caps every document is held to.
pub struct Documents {
    max_aliases: usize,
    max_depth: usize,
    parsed: Mutex<lru::LruCache<String, Kept>>,
}

/// A parsed document, and the operations of it that passed validation without variables.
struct Kept {
    doc: ExecutableDocument,
    valid_without_variables: Vec<Option<String>>,
}

/// Whether a prepared request may skip the validation rules (`Documents::prepare`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Validation {
    /// Validate it (and, if it has no variables, tell `Documents::passed` when it passes).
    Needed,
    /// The same document and operation, also without variables, passed validation before.
    /// What the rules decide depends only on the document, the operation, the variables and
    /// the schema, so the answer would be the same; the complexity limit is still checked
    /// (`ValidationMode::Fast` computes it), and the caps on aliases and depth were checked
    /// when the document was kept.
    Passed,
}

impl Documents {
    pub fn new(max_aliases: usize, max_depth: usize) -> Self {
        let kept = std::num::NonZeroUsize::new(PARSED_DOCUMENTS_KEPT).expect("non-zero");
        Self {
            max_aliases,
            max_depth,
            parsed: Mutex::new(lru::LruCache::new(kept)),
        }
    }

    fn cached(&self, query: &str) -> Option<ExecutableDocument> {
        self.parsed
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .get(query)
            .map(|k| k.doc.clone())
    }

    /// Checks a freshly parsed document and keeps it: only documents that pass are kept.
    fn admit(&self, query: &str, doc: &ExecutableDocument) -> ServerResult<()> {
        let aliases = count_aliases(doc);
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
        let depth = depth(doc, self.max_depth);
        if depth > self.max_depth {
            let err = AppError::bad_input(
                "query",
                format!("查询嵌套超过 {} 层", self.max_depth),
                format!(
                    "The query is nested more than {} fields deep",
                    self.max_depth
                ),
            );
            return Err(request_error(err));
        }
        super::text::check_document(query, doc).map_err(request_error)?;
        let kept = Kept {
            doc: doc.clone(),
            valid_without_variables: Vec::new(),
        };
        self.parsed
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .put(query.to_owned(), kept);
        Ok(())
    }

    /// Gives the request its parsed document, from the cache or parsed and checked now. Err is
    /// a request error (syntax, too many aliases): nothing was executed.
    pub fn prepare(&self, req: &mut Request) -> ServerResult<Validation> {
        super::text::check_variables(&req.variables).map_err(request_error)?;
        let found = {
            let mut parsed = self.parsed.lock().unwrap_or_else(|e| e.into_inner());
            parsed.get(&req.query).map(|k| {
                let passed = req.variables.is_empty()
                    && k.valid_without_variables.contains(&req.operation_name);
                (
                    k.doc.clone(),
                    if passed {
                        Validation::Passed
                    } else {
                        Validation::Needed
                    },
                )
            })
        };
        if let Some((doc, validation)) = found {
            req.set_parsed_query(doc);
            return Ok(validation);
        }
        let query = req.query.clone();
        let doc = req.parsed_query()?;
        self.admit(&query, doc)?;
        Ok(Validation::Needed)
    }

    /// Records that `operation` of the kept document `query`, sent without variables, passed
    /// validation (its response was not a request error).
    pub fn passed(&self, query: &str, operation: Option<String>) {
        let mut parsed = self.parsed.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(k) = parsed.peek_mut(query) {
            if !k.valid_without_variables.contains(&operation) {
                k.valid_without_variables.push(operation);
            }
        }
    }
}

/// An error found before execution: it has no position or path.
fn request_error(err: AppError) -> async_graphql::ServerError {
    async_graphql::Error::from(err).into_server_error(Default::default())
}

/// Whether a response failed before execution (syntax, validation, limits, variables): the
/// GraphQL-over-HTTP "request error", answered 400 under application/graphql-response+json.
/// Execution always yields a data object, or null with errors that carry the path of the
/// non-null field that failed; errors found before execution have no path.
pub fn is_request_error(resp: &Response) -> bool {
    resp.data == Value::Null
        && !resp.errors.is_empty()
        && resp.errors.iter().all(|e| e.path.is_empty())
}

/// The websocket schema's extension: parsed documents through `Documents`, and the errors of
/// every subscription event in the caller's language; in production (no introspection) with
/// the schema concealed as on `/graphql` (`conceal_schema`).
pub struct RequestPolicy {
    documents: Arc<Documents>,
    conceal: bool,
}

impl RequestPolicy {
    pub fn new(documents: Arc<Documents>, conceal: bool) -> Self {
        Self { documents, conceal }
    }
}

impl ExtensionFactory for RequestPolicy {
    fn create(&self) -> Arc<dyn Extension> {
        Arc::new(PolicyExtension {
            documents: self.documents.clone(),
            query: self.conceal.then(Default::default),
        })
    }
}

struct PolicyExtension {
    documents: Arc<Documents>,
    /// The operation's text, once parsed, when its errors are to be concealed.
    query: Option<Arc<std::sync::Mutex<String>>>,
}

#[async_trait::async_trait]
impl Extension for PolicyExtension {
    fn subscribe<'s>(
        &self,
        ctx: &ExtensionContext<'_>,
        stream: BoxStream<'s, Response>,
        next: NextSubscribe<'_>,
    ) -> BoxStream<'s, Response> {
        let locale = ctx.data_opt::<Locale>().copied().unwrap_or_default();
        let query = self.query.clone();
        next.run(ctx, stream)
            .map(move |mut resp| {
                for e in &mut resp.errors {
                    if let Some(q) = &query {
                        let q = q.lock().map(|q| q.clone()).unwrap_or_default();
                        conceal_schema(e, &q, locale);
                    }
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
        super::text::check_variables(variables).map_err(request_error)?;
        if let Some(q) = &self.query {
            if let Ok(mut kept) = q.lock() {
                query.clone_into(&mut kept);
            }
        }
        if let Some(doc) = self.documents.cached(query) {
            return Ok(doc);
        }
        let doc = next.run(ctx, query, variables).await?;
        self.documents.admit(query, &doc)?;
        Ok(doc)
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

/// Nesting, counted in every field of a selection, that no real document reaches; past it
/// `depth` stops walking (an `ofType` chain adds no depth, but would still recurse).
const MAX_NESTING: usize = 64;

/// How deep the document's deepest operation nests fields, fragments inlined, as the engine's
/// own depth limit counts, except inside introspection (`__schema`, `__type`): there `ofType`
/// adds no depth. A type reference unwraps one `NON_NULL` or `LIST` per `ofType`, a chain of one
/// object each that never fans out, and the standard introspection query (graphql-js's, which
/// GraphiQL, graphql-inspector and code generators send) nests it nine times, 15 fields deep in
/// all; the fields that do fan out (`types`, `fields`, `args`, ...) still count. Stops counting
/// once past `cap` (the answer is then some depth above it).
fn depth(doc: &ExecutableDocument, cap: usize) -> usize {
    struct Walk<'a> {
        doc: &'a ExecutableDocument,
        cap: usize,
        /// Fragments being walked now: a cycle (refused by validation later) ends here.
        open: Vec<&'a str>,
    }
    impl<'a> Walk<'a> {
        fn set(
            &mut self,
            set: &'a SelectionSet,
            depth: usize,
            nesting: usize,
            introspection: bool,
        ) -> usize {
            if depth > self.cap || nesting > MAX_NESTING {
                return depth.max(self.cap + 1);
            }
            let mut deepest = depth;
            for item in &set.items {
                let found = match &item.node {
                    Selection::Field(f) => {
                        let name = f.node.name.node.as_str();
                        let introspection = introspection || name == "__schema" || name == "__type";
                        let here = if introspection && name == "ofType" {
                            depth
                        } else {
                            depth + 1
                        };
                        self.set(&f.node.selection_set.node, here, nesting + 1, introspection)
                    }
                    Selection::InlineFragment(f) => self.set(
                        &f.node.selection_set.node,
                        depth,
                        nesting + 1,
                        introspection,
                    ),
                    Selection::FragmentSpread(s) => {
                        let name = s.node.fragment_name.node.as_str();
                        match self.doc.fragments.get(name) {
                            Some(frag) if !self.open.contains(&name) => {
                                self.open.push(name);
                                let found = self.set(
                                    &frag.node.selection_set.node,
                                    depth,
                                    nesting + 1,
                                    introspection,
                                );
                                self.open.pop();
                                found
                            }
                            _ => depth,
                        }
                    }
                };
                deepest = deepest.max(found);
            }
            deepest
        }
    }
    let mut walk = Walk {
        doc,
        cap,
        open: Vec::new(),
    };
    doc.operations
        .iter()
        .map(|(_, op)| walk.set(&op.node.selection_set.node, 0, 0, false))
        .max()
        .unwrap_or(0)
}

/// Our own errors carry an `AppError` source: render it in the caller's language. Errors from
/// the GraphQL engine (syntax, validation, limits, variable types) are the caller's fault:
/// BAD_USER_INPUT, with a Chinese summary in front of the engine's English detail.
/// On a server without introspection a request error names only what the query itself named.
/// async-graphql's validation messages name the type a field was looked up on, the type an
/// argument expects, or (without `disable_suggestions`) the field meant: enough for a stranger
/// to map the schema a field at a time. Such a message becomes a plain one (its location
/// stays); errors of our own (they carry a code) are left as they are.
pub fn conceal_schema(e: &mut ServerError, query: &str, locale: Locale) {
    if e.source::<ErrorSource>().is_some()
        || e.extensions
            .as_ref()
            .is_some_and(|x| x.get("code").is_some())
    {
        return;
    }
    let names_more = e
        .message
        .split('"')
        .skip(1)
        .step_by(2)
        .any(|name| !query.contains(name.trim_start_matches('$')));
    if !names_more {
        return;
    }
    e.message = match locale {
        Locale::Zh => "查询与接口不符：请检查其中的字段、参数和类型".into(),
        Locale::En => {
            "The query does not match the API: check its fields, arguments and types".into()
        }
    };
    let mut ext = e.extensions.take().unwrap_or_default();
    ext.set("code", "BAD_USER_INPUT");
    e.extensions = Some(ext);
}

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
            let summary = if e.message.contains("too complex") {
                "查询复杂度超过上限"
            } else {
                "请求无效"
            };
            e.message = format!("{summary}：{}", e.message);
        }
    }
}
