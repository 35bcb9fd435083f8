//! The repair workflow as one table: (state, action, who) → next state. Services look steps up
//! here and nowhere else; anything not listed is an INVALID_STATE_TRANSITION.
use super::flow::Flow;
use entity::enums::RepairState as S;

/// What someone does to a repair order.
#[derive(Clone, Copy, Debug, PartialEq, Eq, async_graphql::Enum)]
pub enum RepairAction {
    /// Assign a technician and an appointment (reception, butler, manager).
    Dispatch,
    /// Give the order to another technician.
    Reassign,
    /// The technician takes the job at the agreed time.
    Accept,
    /// The technician is busy then and proposes another time.
    ProposeTime,
    /// The owner accepts the proposed time.
    ConfirmTime,
    /// Work begins.
    Start,
    /// Waiting for parts (with a reason); the clocks stop.
    Pause,
    /// Back to work.
    Resume,
    /// Work done, with materials and charges.
    Complete,
    /// The butler's follow-up call (回访), owner satisfied.
    FollowUp,
    /// The follow-up call found the owner unsatisfied: back to dispatch.
    FollowUpUnsatisfied,
    /// The owner rates the work.
    Evaluate,
    /// The owner chases the order (催单).
    Urge,
    /// The owner cancels before work starts.
    Cancel,
}

/// Who may take a step, relative to the order.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Party {
    /// The household that booked it (owner or resident of the house).
    Requester,
    /// Reception, the butler of the building, the manager.
    Dispatcher,
    /// The technician the order is assigned to.
    Assignee,
    /// The butler of the building or the manager (follow-up calls).
    FollowUpStaff,
}

use Party::*;
use RepairAction::*;

/// Where an order's work is over: followed up (the owner may still rate it, which changes no
/// state) or cancelled. Every other state is open, `COMPLETED` too: its follow-up call is due.
pub const FINISHED: [S; 2] = [S::FollowedUp, S::Cancelled];

/// The whole workflow.
pub const REPAIRS: Flow<S, RepairAction, Party> = Flow::new(&[
    (S::Submitted, Dispatch, Dispatcher, S::Dispatched),
    (S::Reopened, Dispatch, Dispatcher, S::Dispatched),
    (S::Dispatched, Reassign, Dispatcher, S::Dispatched),
    (S::Paused, Reassign, Dispatcher, S::Paused),
    (S::Dispatched, Accept, Assignee, S::Dispatched),
    (S::Dispatched, ProposeTime, Assignee, S::Dispatched),
    (S::Dispatched, ConfirmTime, Requester, S::Dispatched),
    (S::Dispatched, Start, Assignee, S::InProgress),
    (S::InProgress, Pause, Assignee, S::Paused),
    (S::Paused, Resume, Assignee, S::InProgress),
    (S::InProgress, Complete, Assignee, S::Completed),
    (S::Completed, FollowUp, FollowUpStaff, S::FollowedUp),
    (
        S::Completed,
        FollowUpUnsatisfied,
        FollowUpStaff,
        S::Reopened,
    ),
    (S::Completed, Evaluate, Requester, S::Completed),
    (S::FollowedUp, Evaluate, Requester, S::FollowedUp),
    (S::Submitted, Urge, Requester, S::Submitted),
    (S::Dispatched, Urge, Requester, S::Dispatched),
    (S::InProgress, Urge, Requester, S::InProgress),
    (S::Paused, Urge, Requester, S::Paused),
    (S::Reopened, Urge, Requester, S::Reopened),
    (S::Submitted, Cancel, Requester, S::Cancelled),
    (S::Dispatched, Cancel, Requester, S::Cancelled),
])
.repeatable(&[Reassign, ProposeTime, Urge]);

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::flow::Refusal::*;
    #[test]
    fn the_table_answers_the_workflow() {
        let next = |s, a, p| REPAIRS.step(s, a, &[p]);
        assert_eq!(next(S::Submitted, Dispatch, Dispatcher), Ok(S::Dispatched));
        assert_eq!(
            next(S::Submitted, Start, Assignee),
            Err(WrongState),
            "never started without dispatch"
        );
        assert_eq!(
            next(S::InProgress, Cancel, Requester),
            Err(WrongState),
            "no cancel once work started"
        );
        assert_eq!(
            next(S::Completed, FollowUp, Assignee),
            Err(Forbidden),
            "technicians do not follow up"
        );
        assert_eq!(
            next(S::Completed, FollowUpUnsatisfied, FollowUpStaff),
            Ok(S::Reopened)
        );
        assert_eq!(next(S::Reopened, Dispatch, Dispatcher), Ok(S::Dispatched));
        // Every (state, action) pair has exactly one party: no ambiguity in the table.
        for (i, a) in REPAIRS.steps.iter().enumerate() {
            for b in &REPAIRS.steps[i + 1..] {
                assert!(
                    !(a.0 == b.0 && a.1 == b.1),
                    "duplicate step {:?} {:?}",
                    a.0,
                    a.1
                );
            }
        }
    }
}
