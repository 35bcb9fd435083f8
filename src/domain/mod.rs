//! Parse-don't-validate newtypes shared by services and the GraphQL layer.
mod area;
mod global_id;
mod phone;

pub use area::AreaM2;
pub use global_id::{GlobalId, NodeKind};
pub use phone::Phone;
