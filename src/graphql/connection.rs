//! Relay connections: opaque cursors over the keyset pages of `service::page`. Connection types
//! are declared with `connection_type!` so each carries a description for integrators.
use crate::error::AppError;
use crate::service::page::{Page, PageArgs};
use base64::{engine::general_purpose::URL_SAFE_NO_PAD, Engine};

pub use async_graphql::connection::PageInfo;

fn encode_cursor(id: i64) -> String {
    URL_SAFE_NO_PAD.encode(format!("cursor:{id}"))
}

fn decode_cursor(field: &str, raw: &str) -> Result<i64, AppError> {
    URL_SAFE_NO_PAD
        .decode(raw.as_bytes())
        .ok()
        .and_then(|b| String::from_utf8(b).ok())
        .and_then(|s| s.strip_prefix("cursor:").and_then(|n| n.parse().ok()))
        .ok_or_else(|| AppError::bad_input(field, "分页游标无效", "Invalid pagination cursor"))
}

/// Parses `first/after/last/before` as every connection field takes them, and notes whether
/// the query asks for `totalCount` (counting costs a statement, so only then).
pub fn page_args(
    ctx: &async_graphql::Context<'_>,
    after: Option<String>,
    before: Option<String>,
    first: Option<i32>,
    last: Option<i32>,
) -> Result<PageArgs, AppError> {
    let after = after.map(|a| decode_cursor("after", &a)).transpose()?;
    let before = before.map(|b| decode_cursor("before", &b)).transpose()?;
    let mut args = PageArgs::new(after, before, first, last)?;
    args.count = ctx.look_ahead().field("totalCount").exists();
    Ok(args)
}

/// What a list field costs against the complexity limit: its page size (as `PageArgs` clamps
/// it) times what one item costs, plus one for the field itself. Every connection field names
/// this in its `complexity` attribute.
pub fn cost(first: Option<i32>, last: Option<i32>, child_complexity: usize) -> usize {
    let size = first
        .or(last)
        .map_or(crate::service::page::DEFAULT_PAGE, |n| {
            n.clamp(0, crate::service::page::MAX_PAGE as i32) as u64
        });
    size as usize * child_complexity + 1
}

/// Implemented by every `connection_type!`.
pub trait ConnectionOf<T> {
    fn from_parts(edges: Vec<(String, T)>, page_info: PageInfo, total: Option<u64>) -> Self;
}

/// Wraps a page of rows into a connection of GraphQL nodes.
pub fn connection<M, T, C: ConnectionOf<T>>(
    page: Page<M>,
    id_of: impl Fn(&M) -> i64,
    wrap: impl Fn(M) -> T,
) -> C {
    let edges: Vec<(String, T)> = page
        .items
        .into_iter()
        .map(|m| (encode_cursor(id_of(&m)), wrap(m)))
        .collect();
    let page_info = PageInfo {
        has_previous_page: page.has_previous,
        has_next_page: page.has_next,
        start_cursor: edges.first().map(|e| e.0.clone()),
        end_cursor: edges.last().map(|e| e.0.clone()),
    };
    C::from_parts(edges, page_info, page.total)
}

/// Declares `XConnection` and `XEdge` for node type `X`, with descriptions.
#[macro_export]
macro_rules! connection_type {
    ($conn:ident, $edge:ident, $node:ty, $what:literal) => {
        #[doc = concat!("A page of ", $what, ", with cursors to fetch the pages around it.")]
        #[derive(async_graphql::SimpleObject)]
        #[graphql(complex)]
        pub struct $conn {
            /// The items of this page, each with its cursor.
            pub edges: Vec<$edge>,
            /// Whether there are more pages, and the cursors to ask for them.
            pub page_info: $crate::graphql::connection::PageInfo,
            /// How many items the whole list holds, on every page together (one more statement,
            /// run only when asked for). Null for a list merged from several sources, where
            /// counting would read them all: the owner's own repair orders (`myRepairOrders`).
            pub total_count: Option<i64>,
        }

        #[async_graphql::ComplexObject]
        impl $conn {
            /// The items of this page without their cursors, in the same order as `edges`: for a
            /// screen that shows a page and pages on with `pageInfo`'s cursors.
            async fn nodes(&self) -> Vec<&$node> {
                self.edges.iter().map(|e| &e.node).collect()
            }
        }

        #[doc = concat!("One of ", $what, " and its cursor.")]
        #[derive(async_graphql::SimpleObject)]
        pub struct $edge {
            /// Pass as `after` or `before` to page from here.
            pub cursor: String,
            /// The item.
            pub node: $node,
        }

        impl $crate::graphql::connection::ConnectionOf<$node> for $conn {
            fn from_parts(
                edges: Vec<(String, $node)>,
                page_info: $crate::graphql::connection::PageInfo,
                total: Option<u64>,
            ) -> Self {
                Self {
                    edges: edges
                        .into_iter()
                        .map(|(cursor, node)| $edge { cursor, node })
                        .collect(),
                    page_info,
                    total_count: total.map(|n| n as i64),
                }
            }
        }
    };
}
