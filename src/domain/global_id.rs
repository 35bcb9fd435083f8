//! Relay global ids: opaque base64url of "Type:id", so clients never build or parse them.
use crate::error::AppError;
use base64::{engine::general_purpose::URL_SAFE_NO_PAD, Engine};

/// Declares the kinds once: the enum, the list of all of them and each one's name come from the
/// same line, so a kind can never be missing from decoding or from the event log's mapping.
macro_rules! node_kinds {
    ($($kind:ident),+ $(,)?) => {
        /// Every type that implements `Node`, and every kind of record an event can be about.
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
        pub enum NodeKind {
            $($kind,)+
        }

        impl NodeKind {
            /// Every kind, in declaration order.
            pub const ALL: &'static [NodeKind] = &[$(NodeKind::$kind,)+];
            /// The GraphQL type name (also what the event log stores as `subject_type`).
            pub fn name(self) -> &'static str {
                match self {
                    $(NodeKind::$kind => stringify!($kind),)+
                }
            }
        }
    };
}

node_kinds!(
    Community,
    Building,
    Unit,
    House,
    PublicArea,
    User,
    HouseMember,
    StaffMember,
    ApiKey,
    FeeItem,
    Bill,
    Payment,
    RepairOrder,
    Renovation,
    RenovationWorker,
    RenovationInspection,
    RenovationExtension,
    Card,
    Handover,
    MoveBooking,
    CustodyKey,
    KeyOpening,
    Complaint,
    Notice,
    PatrolCheckpoint,
    PatrolRoute,
    PatrolTask,
    PaymentIntent,
    ServicePrice,
);

impl NodeKind {
    /// The kind of a type name, as stored in the event log.
    pub fn named(name: &str) -> Option<Self> {
        Self::ALL.iter().copied().find(|k| k.name() == name)
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct GlobalId {
    pub kind: NodeKind,
    pub id: i64,
}

impl GlobalId {
    pub fn new(kind: NodeKind, id: i64) -> Self {
        Self { kind, id }
    }
    pub fn encode(kind: NodeKind, id: i64) -> async_graphql::ID {
        async_graphql::ID(URL_SAFE_NO_PAD.encode(format!("{}:{id}", kind.name())))
    }
    /// Any well-formed id.
    pub fn decode(field: &str, raw: &str) -> Result<Self, AppError> {
        let bad = || AppError::bad_input(field, "ID 格式不正确", "Malformed ID");
        let bytes = URL_SAFE_NO_PAD.decode(raw.as_bytes()).map_err(|_| bad())?;
        let text = String::from_utf8(bytes).map_err(|_| bad())?;
        let (name, id) = text.split_once(':').ok_or_else(bad)?;
        let kind = NodeKind::named(name).ok_or_else(bad)?;
        let id = id.parse::<i64>().map_err(|_| bad())?;
        Ok(Self { kind, id })
    }
    /// An id that must name a row of `kind` (a House id where a House is expected).
    pub fn decode_as(field: &str, raw: &str, kind: NodeKind) -> Result<i64, AppError> {
        let gid = Self::decode(field, raw)?;
        if gid.kind != kind {
            return Err(AppError::bad_input(
                field,
                format!("ID 类型不符，应为 {}", kind.name()),
                format!("ID is not a {}", kind.name()),
            ));
        }
        Ok(gid.id)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    #[test]
    fn round_trips_and_rejects_wrong_kind() {
        let id = GlobalId::encode(NodeKind::House, 42);
        assert_eq!(GlobalId::decode_as("id", &id, NodeKind::House).unwrap(), 42);
        assert!(GlobalId::decode_as("id", &id, NodeKind::Building).is_err());
        assert!(GlobalId::decode("id", "not base64!").is_err());
    }
}
