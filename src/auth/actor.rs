//! The `Actor`: the caller of one request, resolved once by the HTTP layer and passed to services.
use super::ApiScope;
use crate::error::{AppError, AppResult, AuthProblem};
use entity::enums::StaffRole;

#[derive(Clone, Debug)]
pub enum Actor {
    /// No usable credentials; the problem says why (missing, expired, revoked ...).
    Anonymous(AuthProblem),
    User(UserActor),
    Integrator(IntegratorActor),
}

#[derive(Clone, Debug)]
pub struct UserActor {
    pub user_id: i64,
    /// The refresh-token family the access token belongs to; logout revokes it.
    pub session_id: String,
    pub staff: Option<StaffGrant>,
}

/// A live staff membership.
#[derive(Clone, Debug)]
pub struct StaffGrant {
    pub member_id: i64,
    pub role: StaffRole,
    /// None only for ADMIN.
    pub community_id: Option<i64>,
    /// A butler's assigned buildings (empty for other roles).
    pub building_ids: Vec<i64>,
}

#[derive(Clone, Debug)]
pub struct IntegratorActor {
    pub key_id: i64,
    pub community_id: i64,
    pub scopes: Vec<ApiScope>,
}

impl Actor {
    /// A signed-in person (owner, resident or staff); integrators and anonymous callers are refused.
    pub fn user(&self) -> AppResult<&UserActor> {
        match self {
            Actor::User(u) => Ok(u),
            Actor::Anonymous(p) => Err(AppError::Unauthenticated(*p)),
            Actor::Integrator(_) => Err(AppError::Forbidden),
        }
    }
    /// Fails with UNAUTHENTICATED for anonymous callers.
    pub fn require_signed_in(&self) -> AppResult<()> {
        match self {
            Actor::Anonymous(p) => Err(AppError::Unauthenticated(*p)),
            _ => Ok(()),
        }
    }
    pub fn staff(&self) -> Option<&StaffGrant> {
        match self {
            Actor::User(u) => u.staff.as_ref(),
            _ => None,
        }
    }
    pub fn staff_role(&self) -> Option<StaffRole> {
        self.staff().map(|s| s.role)
    }
    pub fn is_admin(&self) -> bool {
        self.staff_role() == Some(StaffRole::Admin)
    }
    /// Staff with one of `roles` (ADMIN always passes), else FORBIDDEN / UNAUTHENTICATED.
    pub fn require_staff(&self, roles: &[StaffRole]) -> AppResult<&StaffGrant> {
        self.require_signed_in()?;
        match self.staff() {
            Some(s) if s.role == StaffRole::Admin || roles.contains(&s.role) => Ok(s),
            _ => Err(AppError::Forbidden),
        }
    }
    /// Whether a staff grant covers `community_id` (ADMIN covers all).
    pub fn staff_covers_community(grant: &StaffGrant, community_id: i64) -> bool {
        grant.role == StaffRole::Admin || grant.community_id == Some(community_id)
    }
    pub fn integrator_with(&self, scope: ApiScope) -> Option<&IntegratorActor> {
        match self {
            Actor::Integrator(i) if i.scopes.contains(&scope) => Some(i),
            _ => None,
        }
    }
    /// How the event log names this caller.
    pub fn label(&self) -> String {
        match self {
            Actor::User(u) => format!("user:{}", u.user_id),
            Actor::Integrator(i) => format!("apikey:{}", i.key_id),
            Actor::Anonymous(_) => "anonymous".into(),
        }
    }
}
