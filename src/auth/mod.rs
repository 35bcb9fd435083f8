//! Who is asking: passwords, access tokens, API keys, and the `Actor` every service receives.
pub mod actor;
pub mod api_key;
pub mod jwt;
pub mod password;
pub mod scope;

pub use actor::{Actor, IntegratorActor, StaffGrant, UserActor};
pub use scope::ApiScope;
