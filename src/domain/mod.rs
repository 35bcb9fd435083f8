//! Parse-don't-validate newtypes shared by services and the GraphQL layer.
mod area;
pub mod flow;
pub mod key_flow;
pub mod move_flow;
pub mod pass_code;
pub mod complaint_flow;
mod global_id;
pub mod money;
pub mod patrol_schedule;
pub mod renovation_flow;
pub mod repair_flow;
mod phone;

pub use area::AreaM2;
pub use global_id::{GlobalId, NodeKind};
pub use money::Fen;
pub use phone::Phone;
