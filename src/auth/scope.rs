//! What an integrator's API key may do. Each scope is read or write on one kind of record.
use async_graphql::Enum;

/// A permission carried by an integrator API key (one community per key).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Enum)]
pub enum ApiScope {
    /// `estate:read` — buildings, units and houses (no personal data).
    EstateRead,
    /// `bills:read` — bills and amounts due.
    BillsRead,
    /// `payments:write` — confirm online payments (payment gateways).
    PaymentsWrite,
    /// `cards:read` — smart-card status (access-control systems).
    CardsRead,
}

impl ApiScope {
    pub const ALL: [ApiScope; 4] = [
        ApiScope::EstateRead,
        ApiScope::BillsRead,
        ApiScope::PaymentsWrite,
        ApiScope::CardsRead,
    ];
    pub fn as_str(self) -> &'static str {
        match self {
            ApiScope::EstateRead => "estate:read",
            ApiScope::BillsRead => "bills:read",
            ApiScope::PaymentsWrite => "payments:write",
            ApiScope::CardsRead => "cards:read",
        }
    }
    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|x| x.as_str() == s)
    }
    /// Stored form: space-separated.
    pub fn join(scopes: &[ApiScope]) -> String {
        scopes
            .iter()
            .map(|s| s.as_str())
            .collect::<Vec<_>>()
            .join(" ")
    }
    pub fn split(stored: &str) -> Vec<ApiScope> {
        stored.split_whitespace().filter_map(Self::parse).collect()
    }
}
