//! Parse-don't-validate newtypes shared by services and the GraphQL layer.
mod area;
pub mod card_flow;
pub mod complaint_flow;
pub mod flow;
mod global_id;
pub mod key_flow;
pub mod money;
pub mod move_flow;
pub mod pass_code;
pub mod patrol_schedule;
mod phone;
pub mod renovation_flow;
pub mod repair_flow;

pub use area::AreaM2;
pub use global_id::{GlobalId, NodeKind};
pub use money::Fen;
pub use phone::Phone;
