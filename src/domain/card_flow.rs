//! Access and parking cards (门禁卡/停车卡) as one table: (state, action, who) → next state. A
//! card is issued ACTIVE; moving out retires it (the service does that for every card at once).
use super::flow::Flow;
use entity::enums::CardState as S;

/// What someone does to a card.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CardAction {
    /// 挂失: the card stops working at once.
    ReportLost,
    /// 报损: the card is broken and stops working.
    ReportDamaged,
    /// 解挂: a lost card found again works again.
    Reactivate,
    /// 补办: a new card replaces a lost or damaged one, for a fee.
    Replace,
}

/// Who may take a step.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Party {
    /// Whoever may act for the holder: the holder, the house's owner, the desk.
    ForHolder,
    /// Reception or the manager at the counter.
    Desk,
}

use CardAction::*;
use Party::*;

pub const CARDS: Flow<S, CardAction, Party> = Flow::new(&[
    (S::Active, ReportLost, ForHolder, S::Lost),
    (S::Active, ReportDamaged, ForHolder, S::Damaged),
    (S::Lost, Reactivate, ForHolder, S::Active),
    (S::Lost, Replace, Desk, S::Replaced),
    (S::Damaged, Replace, Desk, S::Replaced),
]);

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::flow::Refusal;
    #[test]
    fn a_replaced_card_is_final_and_only_the_desk_replaces() {
        assert_eq!(CARDS.step(S::Lost, Replace, &[Desk]), Ok(S::Replaced));
        assert_eq!(
            CARDS.step(S::Lost, Replace, &[ForHolder]),
            Err(Refusal::Forbidden)
        );
        assert_eq!(
            CARDS.step(S::Replaced, Reactivate, &[ForHolder]),
            Err(Refusal::WrongState)
        );
        assert_eq!(
            CARDS.step(S::Damaged, Reactivate, &[ForHolder]),
            Err(Refusal::WrongState)
        );
    }
}
