//! SeaORM entities: one module per table. Hand-written rules live in the app's `service/`.
pub mod api_key;
pub mod auth_session;
pub mod building;
pub mod butler_building;
pub mod community;
pub mod enums;
pub mod event;
pub mod house;
pub mod house_member;
pub mod login_throttle;
pub mod public_area;
pub mod refresh_token;
pub mod staff_member;
pub mod unit;
pub mod user;
