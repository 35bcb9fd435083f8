//! Sign-in mutations.
use super::cx;
use super::members::User;
use crate::service::auth;
use async_graphql::{Context, Object, Result, SimpleObject};
use chrono::{DateTime, Utc};

/// The client's network address, for throttling failed sign-ins.
#[derive(Clone, Debug)]
pub struct ClientAddr(pub String);

/// Tokens for a signed-in session.
#[derive(SimpleObject)]
pub struct AuthPayload {
    /// Send as `Authorization: Bearer <accessToken>`; valid for 15 minutes.
    pub access_token: String,
    /// When the access token expires.
    pub access_token_expires_at: DateTime<Utc>,
    /// Exchange with `refreshToken` for a new pair; good once.
    pub refresh_token: String,
    /// When the refresh token expires.
    pub refresh_token_expires_at: DateTime<Utc>,
    /// The signed-in person.
    pub user: User,
}

impl From<auth::Tokens> for AuthPayload {
    fn from(t: auth::Tokens) -> Self {
        Self {
            access_token: t.access_token,
            access_token_expires_at: t.access_expires_at,
            refresh_token: t.refresh_token,
            refresh_token_expires_at: t.refresh_expires_at,
            user: User(t.user),
        }
    }
}

#[derive(Default)]
pub struct AuthMutation;

#[Object]
impl AuthMutation {
    /// Sign in with phone and password. A wrong phone and a wrong password get the same
    /// UNAUTHENTICATED answer; repeated failures are RATE_LIMITED per phone and per address.
    async fn login(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "11-digit mobile number.")] phone: String,
        #[graphql(desc = "Password.", secret)] password: String,
    ) -> Result<AuthPayload> {
        let addr = ctx
            .data_opt::<ClientAddr>()
            .map(|a| a.0.clone())
            .unwrap_or_default();
        Ok(auth::login(&cx(ctx).core, &phone, password, &addr)
            .await?
            .into())
    }
    /// Rotate a refresh token: returns a new pair. Presenting a used token again revokes the
    /// whole session (both apps must sign in again).
    async fn refresh_token(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The current refresh token.", secret)] refresh_token: String,
    ) -> Result<AuthPayload> {
        Ok(auth::refresh(&cx(ctx).core, &refresh_token).await?.into())
    }
    /// Sign out: the current session's access and refresh tokens stop working at once.
    async fn logout(&self, ctx: &Context<'_>) -> Result<bool> {
        Ok(auth::logout(cx(ctx)).await?)
    }
}
