//! Coarse role guards on staff-only fields; the services still decide row by row.
use crate::service::Cx;
use async_graphql::{Context, Guard, Result};
use entity::enums::StaffRole;
use std::sync::Arc;

/// Passes for signed-in staff holding one of the roles (ADMIN always).
pub struct StaffGuard(pub &'static [StaffRole]);

impl Guard for StaffGuard {
    async fn check(&self, ctx: &Context<'_>) -> Result<()> {
        let cx = ctx.data_unchecked::<Arc<Cx>>();
        cx.actor
            .require_staff(self.0)
            .map(|_| ())
            .map_err(async_graphql::Error::from)
    }
}

pub const MANAGERS: &[StaffRole] = &[StaffRole::Manager];
pub const ADMINS: &[StaffRole] = &[];
