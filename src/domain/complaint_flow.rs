//! The complaint workflow (客户投诉受理规程) as one table: (state, action, who) → next state.
//! Services look steps up here and nowhere else; anything not listed is an
//! INVALID_STATE_TRANSITION naming the current state.
//!
//! A complaint is REGISTERED (a major one goes straight to ESCALATED), turned into a work order
//! for the responsible department (ASSIGNED), answered within 24 h (a reply does not change the
//! state; it stamps `repliedAt`), handled (RESOLVED), and closed by the return visit (回访) that
//! records the owner's satisfaction (CLOSED). An unsatisfactory result is reopened to the
//! department; the complainant may withdraw it until it is handled.
use super::flow::Flow;
use entity::enums::ComplaintState as S;

/// What someone does to a complaint.
#[derive(Clone, Copy, Debug, PartialEq, Eq, async_graphql::Enum)]
pub enum ComplaintAction {
    /// Turn it into a work order for the responsible department and handler.
    Assign,
    /// Hand a major complaint to the manager (管理处主任).
    Escalate,
    /// Answer the complainant (due 24 h after registration).
    Reply,
    /// Record how it was handled.
    Resolve,
    /// The return visit (回访): satisfaction 1–5 and remarks; closes it.
    ReturnVisit,
    /// The handling did not solve it: back to the department.
    Reopen,
    /// The complainant withdraws it.
    Withdraw,
}

/// Who may take a step, relative to the complaint.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Party {
    /// The complainant, or a resident of the house complained about.
    Complainant,
    /// The service desk: reception, the manager, the butler of the building.
    Desk,
    /// The manager of the community (and admins): major complaints.
    Manager,
    /// The staff member the work order is assigned to.
    Handler,
}

use ComplaintAction::*;
use Party::*;

/// The whole workflow.
pub const COMPLAINTS: Flow<S, ComplaintAction, Party> = Flow::new(&[
    (S::Registered, Assign, Desk, S::Assigned),
    (S::Escalated, Assign, Manager, S::Assigned),
    (S::Registered, Escalate, Desk, S::Escalated),
    (S::Assigned, Escalate, Desk, S::Escalated),
    (S::Registered, Reply, Desk, S::Registered),
    (S::Assigned, Reply, Desk, S::Assigned),
    (S::Assigned, Reply, Handler, S::Assigned),
    (S::Escalated, Reply, Manager, S::Escalated),
    (S::Assigned, Resolve, Desk, S::Resolved),
    (S::Assigned, Resolve, Handler, S::Resolved),
    (S::Escalated, Resolve, Manager, S::Resolved),
    (S::Resolved, ReturnVisit, Desk, S::Closed),
    (S::Resolved, Reopen, Desk, S::Assigned),
    (S::Registered, Withdraw, Complainant, S::Withdrawn),
    (S::Escalated, Withdraw, Complainant, S::Withdrawn),
    (S::Assigned, Withdraw, Complainant, S::Withdrawn),
])
.repeatable(&[Reply]);

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::flow::Refusal::*;
    #[test]
    fn the_table_answers_the_workflow() {
        let next = |s, a, p| COMPLAINTS.step(s, a, &[p]);
        assert_eq!(next(S::Registered, Assign, Desk), Ok(S::Assigned));
        assert_eq!(
            next(S::Escalated, Assign, Desk),
            Err(Forbidden),
            "only the manager assigns a major complaint"
        );
        assert_eq!(next(S::Escalated, Assign, Manager), Ok(S::Assigned));
        assert_eq!(
            next(S::Registered, Resolve, Desk),
            Err(WrongState),
            "handled only once assigned"
        );
        assert_eq!(
            next(S::Resolved, ReturnVisit, Handler),
            Err(Forbidden),
            "the handler does not visit their own work"
        );
        assert_eq!(next(S::Resolved, Reopen, Desk), Ok(S::Assigned));
        assert_eq!(next(S::Closed, Withdraw, Complainant), Err(WrongState));
        // No (state, action, party) twice: the table is unambiguous.
        for (i, a) in COMPLAINTS.steps.iter().enumerate() {
            for b in &COMPLAINTS.steps[i + 1..] {
                assert!(
                    !(a.0 == b.0 && a.1 == b.1 && a.2 == b.2),
                    "duplicate step {:?} {:?} {:?}",
                    a.0,
                    a.1,
                    a.2
                );
            }
        }
    }
}
