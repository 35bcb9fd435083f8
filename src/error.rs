//! The one error type. Each variant maps to an `extensions.code`; messages are Chinese by
//! default and English on request; database and internal errors are logged, never shown.
use std::borrow::Cow;

/// The language a caller reads error messages in (from `Accept-Language`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum Locale {
    #[default]
    Zh,
    En,
}

impl Locale {
    pub fn from_accept_language(header: Option<&str>) -> Self {
        match header {
            Some(h) if h.trim_start().to_ascii_lowercase().starts_with("en") => Locale::En,
            _ => Locale::Zh,
        }
    }
}

/// A message in both languages.
#[derive(Clone, Debug)]
pub struct Msg {
    pub zh: Cow<'static, str>,
    pub en: Cow<'static, str>,
}

impl Msg {
    pub fn new(zh: impl Into<Cow<'static, str>>, en: impl Into<Cow<'static, str>>) -> Self {
        Self {
            zh: zh.into(),
            en: en.into(),
        }
    }
    pub fn get(&self, locale: Locale) -> &str {
        match locale {
            Locale::Zh => &self.zh,
            Locale::En => &self.en,
        }
    }
}

/// Deliberately not `Display`: async-graphql converts any `Display` type into a bare error, and
/// every AppError must go through the `From` below to keep its code.
#[derive(Debug)]
pub enum AppError {
    Unauthenticated(AuthProblem),
    Forbidden,
    NotFound,
    BadUserInput {
        field: String,
        msg: Msg,
    },
    Conflict {
        field: String,
        msg: Msg,
    },
    /// A step the current state does not allow. `current` is the state's code (reported as
    /// `currentState`); `action` the step's key in `domain::flow::STEPS`, which words it.
    InvalidStateTransition {
        current: String,
        action: String,
    },
    /// A step the state allows but something else holds back (the deposit is unpaid): the
    /// same code as a wrong state, the state alone in `currentState`, why in `reason` (a stable
    /// code for apps) and in words in the message.
    StepBlocked {
        current: String,
        reason: &'static str,
        msg: Msg,
    },
    /// A payment already reversed: INVALID_STATE_TRANSITION in state REVERSED, with the
    /// reversal's receipt number in its own extension field (`reversalReceiptNo`).
    AlreadyReversed {
        reversal_receipt_no: String,
    },
    RateLimited {
        retry_after_secs: u64,
    },
    /// Something needs the house's bills cleared first; says what is owed.
    BillsOutstanding {
        total_fen: i64,
        bills: Vec<OwedBill>,
    },
    /// An APQ hash this server group has not seen: send the query with it once.
    PersistedQueryNotFound,
    Internal,
}

/// One unpaid bill named in a BILLS_OUTSTANDING error (only to those who may see the bills).
#[derive(Debug, Clone)]
pub struct OwedBill {
    pub bill_id: String,
    pub period: String,
    pub outstanding_fen: i64,
}

/// Why a caller is not signed in, so an app knows whether to refresh or to ask for a login.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AuthProblem {
    Missing,
    Expired,
    Invalid,
    Revoked,
    BadCredentials,
}

impl std::fmt::Display for AuthProblem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{self:?}")
    }
}

pub type AppResult<T> = Result<T, AppError>;

impl AppError {
    pub fn bad_input(
        field: impl Into<String>,
        zh: impl Into<Cow<'static, str>>,
        en: impl Into<Cow<'static, str>>,
    ) -> Self {
        AppError::BadUserInput {
            field: field.into(),
            msg: Msg::new(zh, en),
        }
    }
    pub fn conflict(
        field: impl Into<String>,
        zh: impl Into<Cow<'static, str>>,
        en: impl Into<Cow<'static, str>>,
    ) -> Self {
        AppError::Conflict {
            field: field.into(),
            msg: Msg::new(zh, en),
        }
    }
    /// Log an unexpected failure in full and return the bare INTERNAL error.
    pub fn internal(context: &str, err: impl std::fmt::Display) -> Self {
        tracing::error!(%context, error = %err, "internal error");
        AppError::Internal
    }

    pub fn code(&self) -> &'static str {
        match self {
            AppError::Unauthenticated(_) => "UNAUTHENTICATED",
            AppError::Forbidden => "FORBIDDEN",
            AppError::NotFound => "NOT_FOUND",
            AppError::BadUserInput { .. } => "BAD_USER_INPUT",
            AppError::Conflict { .. } => "CONFLICT",
            AppError::InvalidStateTransition { .. }
            | AppError::StepBlocked { .. }
            | AppError::AlreadyReversed { .. } => "INVALID_STATE_TRANSITION",
            AppError::RateLimited { .. } => "RATE_LIMITED",
            AppError::BillsOutstanding { .. } => "BILLS_OUTSTANDING",
            AppError::PersistedQueryNotFound => "PERSISTED_QUERY_NOT_FOUND",
            AppError::Internal => "INTERNAL",
        }
    }

    pub fn message(&self, locale: Locale) -> String {
        let zh = locale == Locale::Zh;
        match self {
            AppError::Unauthenticated(p) => match (p, zh) {
                (AuthProblem::Missing, true) => "请先登录".into(),
                (AuthProblem::Missing, false) => "Please sign in".into(),
                (AuthProblem::Expired, true) => "登录已过期，请刷新令牌或重新登录".into(),
                (AuthProblem::Expired, false) => {
                    "Your session token has expired; refresh it or sign in again".into()
                }
                (AuthProblem::Invalid, true) => "身份令牌无效".into(),
                (AuthProblem::Invalid, false) => "The token is not valid".into(),
                (AuthProblem::Revoked, true) => "登录已失效，请重新登录".into(),
                (AuthProblem::Revoked, false) => {
                    "This session has been revoked; please sign in again".into()
                }
                (AuthProblem::BadCredentials, true) => "手机号或密码不正确".into(),
                (AuthProblem::BadCredentials, false) => "Wrong phone number or password".into(),
            },
            AppError::Forbidden => {
                if zh {
                    "无权进行此操作".into()
                } else {
                    "You are not allowed to do this".into()
                }
            }
            AppError::NotFound => {
                if zh {
                    "找不到该记录".into()
                } else {
                    "Not found".into()
                }
            }
            AppError::BadUserInput { msg, .. } | AppError::Conflict { msg, .. } => {
                msg.get(locale).to_owned()
            }
            AppError::InvalidStateTransition { current, action } => {
                use crate::domain::flow::{state_words, step_words};
                let (state, step) = (state_words(current, locale), step_words(action, locale));
                if zh {
                    format!("当前状态为「{state}」，不能{step}")
                } else {
                    format!("Cannot {step}: it is {state}")
                }
            }
            AppError::StepBlocked { msg, .. } => msg.get(locale).to_owned(),
            AppError::AlreadyReversed {
                reversal_receipt_no,
            } => {
                if zh {
                    format!("该笔付款已冲正（冲正收据 {reversal_receipt_no}），不能再次冲正")
                } else {
                    format!("This payment was already reversed (reversal receipt {reversal_receipt_no})")
                }
            }
            AppError::RateLimited { retry_after_secs } => {
                if zh {
                    format!("尝试次数过多，请在 {retry_after_secs} 秒后重试")
                } else {
                    format!("Too many attempts; try again in {retry_after_secs} seconds")
                }
            }
            AppError::BillsOutstanding { total_fen, .. } => {
                let amount = crate::domain::Fen(*total_fen);
                if zh {
                    format!("该房屋尚有未结清的费用 {amount}，请先缴清")
                } else {
                    format!("The house owes {amount}; clear its bills first")
                }
            }
            // Apollo clients match this exact text, whatever the language.
            AppError::PersistedQueryNotFound => "PersistedQueryNotFound".into(),
            AppError::Internal => {
                if zh {
                    "服务器内部错误".into()
                } else {
                    "Internal server error".into()
                }
            }
        }
    }

    /// Extension fields besides `code`: the field at fault, the current state, when to retry.
    pub fn extra_extensions(&self) -> Vec<(&'static str, async_graphql::Value)> {
        use async_graphql::Value;
        match self {
            AppError::BadUserInput { field, .. } | AppError::Conflict { field, .. } => {
                vec![("field", Value::from(field.clone()))]
            }
            AppError::InvalidStateTransition { current, .. } => {
                vec![("currentState", Value::from(current.clone()))]
            }
            AppError::StepBlocked {
                current, reason, ..
            } => {
                vec![
                    ("currentState", Value::from(current.clone())),
                    ("reason", Value::from(*reason)),
                ]
            }
            AppError::AlreadyReversed {
                reversal_receipt_no,
            } => {
                vec![
                    ("currentState", Value::from("REVERSED")),
                    (
                        "reversalReceiptNo",
                        Value::from(reversal_receipt_no.clone()),
                    ),
                ]
            }
            AppError::RateLimited { retry_after_secs } => {
                vec![("retryAfterSeconds", Value::from(*retry_after_secs))]
            }
            AppError::Unauthenticated(p) => {
                vec![("reason", Value::from(format!("{p:?}").to_uppercase()))]
            }
            AppError::BillsOutstanding { total_fen, bills } => {
                let list: Vec<Value> = bills
                    .iter()
                    .map(|b| {
                        let mut m = async_graphql::indexmap::IndexMap::new();
                        m.insert(
                            async_graphql::Name::new("billId"),
                            Value::from(b.bill_id.clone()),
                        );
                        m.insert(
                            async_graphql::Name::new("period"),
                            Value::from(b.period.clone()),
                        );
                        m.insert(
                            async_graphql::Name::new("outstandingFen"),
                            Value::from(b.outstanding_fen),
                        );
                        Value::Object(m)
                    })
                    .collect();
                vec![
                    ("owedFen", Value::from(*total_fen)),
                    ("bills", Value::List(list)),
                ]
            }
            _ => vec![],
        }
    }
}

impl From<sea_orm::DbErr> for AppError {
    fn from(err: sea_orm::DbErr) -> Self {
        if let Some(sea_orm::SqlErr::UniqueConstraintViolation(detail)) = err.sql_err() {
            tracing::info!(%detail, "unique constraint violation");
            return AppError::conflict("id", "记录已存在", "This record already exists");
        }
        AppError::internal("database", err)
    }
}

impl From<sea_orm::TransactionError<AppError>> for AppError {
    fn from(err: sea_orm::TransactionError<AppError>) -> Self {
        match err {
            sea_orm::TransactionError::Connection(e) => e.into(),
            sea_orm::TransactionError::Transaction(e) => e,
        }
    }
}

/// The AppError as an async-graphql error source; the localizing extension reads it back
/// (`graphql::extension`) once the caller's language is known.
pub struct ErrorSource(pub AppError);

impl std::fmt::Display for ErrorSource {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0.message(Locale::Zh))
    }
}

impl From<AppError> for async_graphql::Error {
    fn from(err: AppError) -> Self {
        let code = err.code();
        let extras = err.extra_extensions();
        let mut e = async_graphql::Error::new_with_source(ErrorSource(err));
        let mut ext = async_graphql::ErrorExtensionValues::default();
        ext.set("code", code);
        for (k, v) in extras {
            ext.set(k, v);
        }
        e.extensions = Some(ext);
        e
    }
}
