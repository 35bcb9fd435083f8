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
            // Built as a struct, not through `conflict(..)`: the field comes from UNIQUE_KEYS,
            // whose names tests/api/unique_keys.rs checks against the catalogue and the schema.
            return AppError::Conflict {
                field: unique_key_of(&detail).map_or("id", |k| k.field).to_owned(),
                msg: Msg::new("记录已存在", "This record already exists"),
            };
        }
        AppError::internal("database", err)
    }
}

/// A unique index and the input field a caller sent that clashed with it. A CONFLICT names the
/// field, so an app can put the message beside it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct UniqueKey {
    /// The index's name (what PostgreSQL reports).
    pub index: &'static str,
    /// Its table and columns (what SQLite reports).
    pub table: &'static str,
    pub columns: &'static [&'static str],
    /// The GraphQL input field the clash is about.
    pub field: &'static str,
}

const fn key(
    index: &'static str,
    table: &'static str,
    columns: &'static [&'static str],
    field: &'static str,
) -> UniqueKey {
    UniqueKey {
        index,
        table,
        columns,
        field,
    }
}

/// Every unique index in the migrations; a test compares this list with both databases'
/// catalogues, so a new index without an entry fails there rather than answering `id`.
#[rustfmt::skip]
pub const UNIQUE_KEYS: &[UniqueKey] = &[
    key("idx_bills_community_id_source_key", "bills", &["community_id", "source_key"], "clientKey"),
    key("uq_bills_periodic", "bills", &["house_id", "period"], "period"),
    key("idx_payments_community_id_client_key", "payments", &["community_id", "client_key"], "clientKey"),
    key("idx_payments_community_id_receipt_year_receipt_seq", "payments", &["community_id", "receipt_year", "receipt_seq"], "receiptNo"),
    key("idx_payments_reverses_payment_id", "payments", &["reverses_payment_id"], "paymentId"),
    key("idx_receipt_counters_community_id_year", "receipt_counters", &["community_id", "year"], "receiptNo"),
    key("idx_payment_intents_user_id_client_key", "payment_intents", &["user_id", "client_key"], "clientKey"),
    key("idx_day_closes_community_id_business_date", "day_closes", &["community_id", "business_date"], "businessDate"),
    key("idx_repair_orders_requested_by_client_key", "repair_orders", &["requested_by", "client_key"], "clientKey"),
    key("idx_repair_settings_community_id", "repair_settings", &["community_id"], "communityId"),
    key("idx_renovation_rules_community_id", "renovation_rules", &["community_id"], "communityId"),
    key("idx_deposit_refunds_renovation_id", "deposit_refunds", &["renovation_id"], "renovationId"),
    key("idx_houses_unit_id_number", "houses", &["unit_id", "number"], "number"),
    key("uq_house_members_live", "house_members", &["house_id", "user_id"], "phone"),
    key("uq_staff_members_live", "staff_members", &["user_id"], "phone"),
    key("idx_butler_buildings_staff_member_id_building_id", "butler_buildings", &["staff_member_id", "building_id"], "buildingIds"),
    key("idx_notice_buildings_notice_id_building_id", "notice_buildings", &["notice_id", "building_id"], "buildingIds"),
    key("idx_cards_community_id_number", "cards", &["community_id", "number"], "number"),
    key("idx_handovers_community_id_client_key", "handovers", &["community_id", "client_key"], "clientKey"),
    key("idx_move_bookings_community_id_pass_code", "move_bookings", &["community_id", "pass_code"], "passCode"),
    key("idx_move_bookings_requested_by_user_id_client_key", "move_bookings", &["requested_by_user_id", "client_key"], "clientKey"),
    key("idx_patrol_checkpoints_community_id_code", "patrol_checkpoints", &["community_id", "code"], "code"),
    key("idx_patrol_route_points_route_id_position", "patrol_route_points", &["route_id", "position"], "checkpointIds"),
    key("idx_patrol_tasks_route_id_on_date_round", "patrol_tasks", &["route_id", "on_date", "round"], "routeId"),
    key("idx_patrol_records_community_id_client_id", "patrol_records", &["community_id", "client_id"], "clientId"),
    key("idx_patrol_photos_record_id_sha256", "patrol_photos", &["record_id", "sha256"], "photos"),
    // Column constraints: PostgreSQL names them `<table>_<column>_key`.
    key("users_phone_key", "users", &["phone"], "phone"),
    key("communities_code_key", "communities", &["code"], "code"),
    key("api_keys_key_prefix_key", "api_keys", &["key_prefix"], "prefix"),
    key("refresh_tokens_token_hash_key", "refresh_tokens", &["token_hash"], "refreshToken"),
    key("renovation_workers_pass_code_key", "renovation_workers", &["pass_code"], "passCode"),
];

/// The unique index a database's violation message names: PostgreSQL quotes the index
/// (`violates unique constraint "idx_…"`), SQLite lists `table.column, …` (or `index 'name'`).
pub fn unique_key_of(detail: &str) -> Option<&'static UniqueKey> {
    let quoted = |open: char, close: char| {
        let start = detail.find(open)? + 1;
        let len = detail[start..].find(close)?;
        Some(&detail[start..start + len])
    };
    if let Some(name) = quoted('"', '"').or_else(|| quoted('\'', '\'')) {
        return UNIQUE_KEYS.iter().find(|k| k.index == name);
    }
    let list = detail.rsplit(": ").next()?;
    let cols: Vec<(&str, &str)> = list
        .split(',')
        .filter_map(|c| c.trim().split_once('.'))
        .collect();
    let table = cols.first()?.0;
    UNIQUE_KEYS
        .iter()
        .find(|k| k.table == table && k.columns.iter().copied().eq(cols.iter().map(|(_, c)| *c)))
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
