//! A workflow as data: rows of (state, action, who may, next state), and the one lookup every
//! service uses to decide whether a step is allowed, forbidden, or wrong for the current state.

/// Why a step cannot be taken.
#[derive(Debug, PartialEq, Eq)]
pub enum Refusal {
    /// The caller can never take this step, or it belongs to someone else from this state.
    Forbidden,
    /// Nobody may take this step from the current state.
    WrongState,
}

pub struct Flow<S: 'static, A: 'static, P: 'static>(pub &'static [(S, A, P, S)]);

impl<S: Copy + Eq, A: Copy + Eq, P: Copy + Eq> Flow<S, A, P> {
    /// The next state when any of `parties` takes `action` from `state`.
    pub fn step(&self, state: S, action: A, parties: &[P]) -> Result<S, Refusal> {
        if let Some(t) = self
            .0
            .iter()
            .find(|t| t.0 == state && t.1 == action && parties.contains(&t.2))
        {
            return Ok(t.3);
        }
        let ever = self
            .0
            .iter()
            .any(|t| t.1 == action && parties.contains(&t.2));
        let from_here = self.0.iter().any(|t| t.0 == state && t.1 == action);
        if !ever || from_here {
            Err(Refusal::Forbidden)
        } else {
            Err(Refusal::WrongState)
        }
    }
}

impl<S, A, P> Flow<S, A, P>
where
    S: Copy + Eq + sea_orm::ActiveEnum<Value = String>,
    A: Copy + Eq + std::fmt::Debug,
    P: Copy + Eq,
{
    /// `step` as the typed error every workflow answers: FORBIDDEN, or INVALID_STATE_TRANSITION
    /// naming the current state.
    pub fn check(&self, state: S, action: A, parties: &[P]) -> crate::error::AppResult<S> {
        self.step(state, action, parties).map_err(|r| match r {
            Refusal::Forbidden => crate::error::AppError::Forbidden,
            Refusal::WrongState => crate::error::AppError::InvalidStateTransition {
                current: state.to_value(),
                action: format!("{action:?}"),
            },
        })
    }
}
