//! Short-lived HS256 access tokens. The session id inside lets logout and refresh-token reuse
//! revoke a token before it expires.
use crate::error::{AppError, AuthProblem};
use jsonwebtoken::{decode, encode, Algorithm, DecodingKey, EncodingKey, Header, Validation};
use serde::{Deserialize, Serialize};

#[derive(Debug, Serialize, Deserialize)]
pub struct Claims {
    /// User id.
    pub sub: String,
    /// Session (refresh-token family) id.
    pub sid: String,
    pub iat: i64,
    pub exp: i64,
    /// Always "access": refuses other token kinds signed with the same key.
    pub typ: String,
}

#[derive(Clone)]
pub struct JwtKeys {
    encoding: EncodingKey,
    decoding: DecodingKey,
}

impl JwtKeys {
    pub fn new(secret: &[u8]) -> Self {
        Self {
            encoding: EncodingKey::from_secret(secret),
            decoding: DecodingKey::from_secret(secret),
        }
    }

    pub fn issue(
        &self,
        user_id: i64,
        session_id: &str,
        ttl: std::time::Duration,
    ) -> Result<(String, chrono::DateTime<chrono::Utc>), AppError> {
        let now = chrono::Utc::now();
        let exp =
            now + chrono::Duration::from_std(ttl).map_err(|e| AppError::internal("ttl", e))?;
        let claims = Claims {
            sub: user_id.to_string(),
            sid: session_id.to_owned(),
            iat: now.timestamp(),
            exp: exp.timestamp(),
            typ: "access".into(),
        };
        let token = encode(&Header::new(Algorithm::HS256), &claims, &self.encoding)
            .map_err(|e| AppError::internal("jwt encode", e))?;
        Ok((token, exp))
    }

    pub fn verify(&self, token: &str) -> Result<(i64, String), AuthProblem> {
        self.verify_claims(token)
            .map(|(user_id, session_id, _)| (user_id, session_id))
    }

    /// Like `verify`, with the token's expiry (seconds since the epoch): a websocket closes then.
    pub fn verify_claims(&self, token: &str) -> Result<(i64, String, i64), AuthProblem> {
        let mut validation = Validation::new(Algorithm::HS256);
        validation.leeway = 5;
        validation.set_required_spec_claims(&["exp", "sub"]);
        let data =
            decode::<Claims>(token, &self.decoding, &validation).map_err(|e| match e.kind() {
                jsonwebtoken::errors::ErrorKind::ExpiredSignature => AuthProblem::Expired,
                _ => AuthProblem::Invalid,
            })?;
        if data.claims.typ != "access" {
            return Err(AuthProblem::Invalid);
        }
        let user_id = data.claims.sub.parse().map_err(|_| AuthProblem::Invalid)?;
        Ok((user_id, data.claims.sid, data.claims.exp))
    }
}
