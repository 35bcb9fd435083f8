//! Key custody (钥匙管理规程) as two tables: where a key is, and where a request to break its seal
//! in an emergency stands. Services add what a table cannot hold (the witnesses, the owner told).
use super::flow::Flow;
use entity::enums::{KeyOpeningState as O, KeyState as K};

/// What the desk does with a key.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum KeyAction {
    /// Lend an unsealed key for a repair or an inspection.
    Lend,
    /// Take a lent key back into the cabinet.
    Return,
    /// Seal a key in the cabinet (again), with a seal number.
    Seal,
    /// Break the seal under an approved emergency opening.
    OpenInEmergency,
    /// Give the key back to its owner.
    HandBack,
}

/// What happens to a request to open a sealed key.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum OpeningAction {
    Approve,
    Refuse,
    Open,
}

/// Who may take a step.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Party {
    /// Reception, the butler, the manager at the key cabinet.
    Desk,
    /// The community's manager.
    Manager,
}

use KeyAction::*;
use Party::*;

pub const KEYS: Flow<K, KeyAction, Party> = Flow::new(&[
    (K::Held, Lend, Desk, K::Lent),
    (K::Lent, Return, Desk, K::Held),
    (K::Held, Seal, Desk, K::Sealed),
    (K::Sealed, OpenInEmergency, Desk, K::Lent),
    (K::Held, HandBack, Desk, K::ReturnedToOwner),
    (K::Sealed, HandBack, Desk, K::ReturnedToOwner),
]);

pub const OPENINGS: Flow<O, OpeningAction, Party> = Flow::new(&[
    (O::Requested, OpeningAction::Approve, Manager, O::Approved),
    (O::Requested, OpeningAction::Refuse, Manager, O::Refused),
    (O::Approved, OpeningAction::Open, Desk, O::Opened),
]);

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::flow::Refusal;
    #[test]
    fn a_sealed_key_is_never_lent_and_opening_needs_approval() {
        assert_eq!(
            KEYS.step(K::Sealed, Lend, &[Desk]),
            Err(Refusal::WrongState)
        );
        assert_eq!(
            OPENINGS.step(O::Requested, OpeningAction::Open, &[Desk]),
            Err(Refusal::WrongState)
        );
        assert_eq!(
            OPENINGS.step(O::Requested, OpeningAction::Approve, &[Desk]),
            Err(Refusal::Forbidden)
        );
        assert_eq!(
            OPENINGS.step(O::Approved, OpeningAction::Open, &[Desk]),
            Ok(O::Opened)
        );
    }
}
