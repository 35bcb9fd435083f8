//! Move bookings (搬入/搬出) as one table: (state, action, who) → next state. A booking starts
//! APPROVED, or AWAITING_CONSENT when a tenant books a move out; the service adds the rules the
//! table cannot hold (cleared bills, the pass's day and window).
use super::flow::Flow;
use entity::enums::MoveState as S;

/// What someone does to a move booking.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MoveAction {
    /// The owner agrees to a tenant's move out: the pass is issued.
    Consent,
    /// The owner refuses a tenant's move out.
    Refuse,
    /// The resident who booked, the owner or the desk call it off.
    Cancel,
    /// The desk withdraws an issued pass.
    Revoke,
    /// The guard lets the goods through (uses the one-time code).
    Pass,
}

/// Who may take a step.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Party {
    /// The owner of the house.
    Owner,
    /// The resident who booked.
    Requester,
    /// Reception, the butler of the building, the manager.
    Desk,
    /// A guard of the community.
    Guard,
}

use MoveAction::*;
use Party::*;

pub const MOVES: Flow<S, MoveAction, Party> = Flow::new(&[
    (S::AwaitingConsent, Consent, Owner, S::Approved),
    (S::AwaitingConsent, Refuse, Owner, S::Refused),
    (S::AwaitingConsent, Cancel, Requester, S::Cancelled),
    (S::AwaitingConsent, Cancel, Owner, S::Cancelled),
    (S::AwaitingConsent, Cancel, Desk, S::Cancelled),
    (S::Approved, Cancel, Requester, S::Cancelled),
    (S::Approved, Cancel, Owner, S::Cancelled),
    (S::Approved, Cancel, Desk, S::Cancelled),
    (S::Approved, Revoke, Desk, S::Revoked),
    (S::Approved, Pass, Guard, S::Used),
]);

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::flow::Refusal;
    #[test]
    fn only_the_owner_consents_and_a_used_pass_is_final() {
        assert_eq!(
            MOVES.step(S::AwaitingConsent, Consent, &[Owner]),
            Ok(S::Approved)
        );
        assert_eq!(
            MOVES.step(S::AwaitingConsent, Consent, &[Requester, Desk]),
            Err(Refusal::Forbidden)
        );
        assert_eq!(
            MOVES.step(S::Used, Pass, &[Guard]),
            Err(Refusal::WrongState)
        );
        assert_eq!(
            MOVES.step(S::Used, Cancel, &[Owner]),
            Err(Refusal::WrongState)
        );
    }
}
