//! The renovation workflow as one table: (state, action, who) → next state.
use super::flow::Flow;
use entity::enums::RenovationState as S;

/// What someone does to a renovation application.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RenovationAction {
    /// The owner submits a draft.
    Submit,
    /// The owner withdraws before approval.
    Withdraw,
    /// The butler has checked it and passes it to the manager.
    Forward,
    /// The manager approves: deposit and fee are billed.
    Approve,
    /// The manager refuses, with a reason.
    Reject,
    /// Staff issue the permit once deposit and fee are paid.
    IssuePermit,
    /// The owner asks for the acceptance inspection.
    RequestAcceptance,
    /// Staff accept the works: the deposit is refunded less fines.
    Accept,
    /// Staff find items to fix at acceptance.
    RequireRectification,
}

/// Who may take a step.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Party {
    /// The owner of the house.
    Owner,
    /// The butler of the building (or the manager).
    Butler,
    /// The community's manager.
    Manager,
    /// Reception, the butler or the manager at the counter.
    Desk,
}

use Party::*;
use RenovationAction::*;

pub const RENOVATIONS: Flow<S, RenovationAction, Party> = Flow::new(&[
    (S::Draft, Submit, Owner, S::Applied),
    (S::Applied, Withdraw, Owner, S::Withdrawn),
    (S::Reviewed, Withdraw, Owner, S::Withdrawn),
    (S::Applied, Forward, Butler, S::Reviewed),
    (S::Reviewed, Approve, Manager, S::Approved),
    (S::Applied, Reject, Manager, S::Rejected),
    (S::Reviewed, Reject, Manager, S::Rejected),
    (S::Approved, IssuePermit, Desk, S::InProgress),
    (
        S::InProgress,
        RequestAcceptance,
        Owner,
        S::AcceptanceRequested,
    ),
    (
        S::RectificationRequired,
        RequestAcceptance,
        Owner,
        S::AcceptanceRequested,
    ),
    (S::AcceptanceRequested, Accept, Butler, S::Accepted),
    (
        S::AcceptanceRequested,
        RequireRectification,
        Butler,
        S::RectificationRequired,
    ),
]);

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::flow::Refusal::*;
    #[test]
    fn only_the_manager_approves_and_only_after_the_butler() {
        let next = |s, a, p| RENOVATIONS.step(s, a, &[p]);
        assert_eq!(next(S::Reviewed, Approve, Manager), Ok(S::Approved));
        assert_eq!(next(S::Reviewed, Approve, Butler), Err(Forbidden));
        assert_eq!(next(S::Applied, Approve, Manager), Err(WrongState));
        assert_eq!(
            next(S::Approved, Withdraw, Owner),
            Err(WrongState),
            "no withdrawal once approved"
        );
    }
}
