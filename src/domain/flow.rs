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

/// A workflow's table. A step that leaves the record in its state (accepting an order) is taken
/// once: taken again with nothing in between, it is refused as the wrong state. Steps listed in
/// `repeatable` (chasing an order again, a second reply) may follow themselves.
pub struct Flow<S: 'static, A: 'static, P: 'static> {
    pub steps: &'static [(S, A, P, S)],
    pub repeatable: &'static [A],
}

impl<S, A, P> Flow<S, A, P> {
    /// A table whose every step is taken once.
    pub const fn new(steps: &'static [(S, A, P, S)]) -> Self {
        Self {
            steps,
            repeatable: &[],
        }
    }
    /// The same table, where these same-state steps may be taken again right after themselves.
    pub const fn repeatable(self, repeatable: &'static [A]) -> Self {
        Self {
            steps: self.steps,
            repeatable,
        }
    }
}

impl<S: Copy + Eq, A: Copy + Eq, P: Copy + Eq> Flow<S, A, P> {
    /// The next state when any of `parties` takes `action` from `state`.
    pub fn step(&self, state: S, action: A, parties: &[P]) -> Result<S, Refusal> {
        if let Some(t) = self
            .steps
            .iter()
            .find(|t| t.0 == state && t.1 == action && parties.contains(&t.2))
        {
            return Ok(t.3);
        }
        let ever = self
            .steps
            .iter()
            .any(|t| t.1 == action && parties.contains(&t.2));
        let from_here = self.steps.iter().any(|t| t.0 == state && t.1 == action);
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
            Refusal::WrongState => wrong_state(state, action),
        })
    }
}

/// INVALID_STATE_TRANSITION: `action` cannot be taken from `state`.
pub fn wrong_state<S, A>(state: S, action: A) -> crate::error::AppError
where
    S: sea_orm::ActiveEnum<Value = String>,
    A: std::fmt::Debug,
{
    crate::error::AppError::InvalidStateTransition {
        current: state.to_value(),
        action: step_key(action),
    }
}

/// The key an action of a workflow table goes by in `STEPS`: its type and variant
/// (`RepairAction::Accept`), since the same word means different steps in different workflows.
pub fn step_key<A: std::fmt::Debug>(action: A) -> String {
    let ty = std::any::type_name::<A>();
    format!("{}::{action:?}", ty.rsplit("::").next().unwrap_or(ty))
}

/// A step in words, by its key (a workflow action's `step_key`, or the name a service gives a
/// step outside the tables), in Chinese and in English. Errors name steps with these, never
/// with the code's names.
pub const STEPS: &[(&str, &str, &str)] = &[
    ("RepairAction::Dispatch", "派工", "dispatch the order"),
    ("RepairAction::Reassign", "改派", "reassign the order"),
    ("RepairAction::Accept", "接单", "take the job"),
    (
        "RepairAction::ProposeTime",
        "改约上门时间",
        "propose another time",
    ),
    (
        "RepairAction::ConfirmTime",
        "确认改约时间",
        "confirm the proposed time",
    ),
    ("RepairAction::Start", "开始维修", "start the work"),
    (
        "RepairAction::Pause",
        "暂停维修（等待配件）",
        "pause the work",
    ),
    ("RepairAction::Resume", "恢复维修", "resume the work"),
    ("RepairAction::Complete", "完工", "complete the work"),
    (
        "RepairAction::FollowUp",
        "回访",
        "record the follow-up call",
    ),
    (
        "RepairAction::FollowUpUnsatisfied",
        "登记不满意回访",
        "record an unsatisfied follow-up call",
    ),
    ("RepairAction::Evaluate", "评价", "rate the work"),
    ("RepairAction::Urge", "催单", "chase the order"),
    ("RepairAction::Cancel", "取消报修", "cancel the order"),
    ("ComplaintAction::Assign", "派单", "assign the complaint"),
    (
        "ComplaintAction::Escalate",
        "升级给经理",
        "escalate the complaint",
    ),
    ("ComplaintAction::Reply", "答复", "reply to the complaint"),
    (
        "ComplaintAction::Resolve",
        "登记处理结果",
        "record how it was handled",
    ),
    (
        "ComplaintAction::ReturnVisit",
        "回访",
        "record the return visit",
    ),
    (
        "ComplaintAction::Reopen",
        "重新处理",
        "reopen the complaint",
    ),
    (
        "ComplaintAction::Withdraw",
        "撤回投诉",
        "withdraw the complaint",
    ),
    (
        "RenovationAction::Submit",
        "提交申请",
        "submit the application",
    ),
    (
        "RenovationAction::Withdraw",
        "撤回申请",
        "withdraw the application",
    ),
    (
        "RenovationAction::Forward",
        "初审后转交经理",
        "forward it to the manager",
    ),
    (
        "RenovationAction::Approve",
        "批准",
        "approve the application",
    ),
    ("RenovationAction::Reject", "驳回", "reject the application"),
    (
        "RenovationAction::IssuePermit",
        "发放装修许可证",
        "issue the permit",
    ),
    (
        "RenovationAction::RequestAcceptance",
        "申请验收",
        "ask for the acceptance inspection",
    ),
    ("RenovationAction::Accept", "验收通过", "accept the works"),
    (
        "RenovationAction::RequireRectification",
        "要求整改",
        "require rectification",
    ),
    ("MoveAction::Consent", "同意搬出", "consent to the move"),
    ("MoveAction::Refuse", "拒绝搬出", "refuse the move"),
    ("MoveAction::Cancel", "取消预约", "cancel the booking"),
    (
        "MoveAction::Revoke",
        "撤销放行条",
        "revoke the release pass",
    ),
    ("MoveAction::Pass", "放行", "let the goods through"),
    ("KeyAction::Lend", "借出钥匙", "lend the key"),
    ("KeyAction::Return", "归还钥匙", "take the key back"),
    ("KeyAction::Seal", "封存钥匙", "seal the key"),
    (
        "KeyAction::OpenInEmergency",
        "紧急启封",
        "open it in an emergency",
    ),
    (
        "KeyAction::HandBack",
        "交还业主",
        "hand the key back to the owner",
    ),
    ("OpeningAction::Approve", "批准启封", "approve the opening"),
    ("OpeningAction::Refuse", "拒绝启封", "refuse the opening"),
    ("OpeningAction::Open", "启封", "break the seal"),
    // Steps services check outside the tables.
    ("inspect", "登记装修巡查", "record an inspection"),
    ("markRectified", "报告已整改", "report the violation fixed"),
    ("confirmRectified", "确认整改", "confirm the fix"),
    ("requestExtension", "申请延期", "ask for more time"),
    ("decideExtension", "审批延期", "decide the extension"),
    ("addRenovationWorker", "增加施工人员", "add a worker"),
    (
        "removeRenovationWorker",
        "移除施工人员",
        "remove the worker",
    ),
    ("attachDrawings", "上传图纸", "attach drawings"),
    ("cancelBill", "作废账单", "cancel the bill"),
    ("pay", "缴费", "pay the bill"),
    ("reversePayment", "冲正", "reverse the payment"),
    (
        "confirmOnlinePayment",
        "确认在线支付",
        "confirm the online payment",
    ),
    ("CardAction::ReportLost", "挂失", "report the card lost"),
    (
        "CardAction::ReportDamaged",
        "报损",
        "report the card damaged",
    ),
    ("CardAction::Reactivate", "解挂", "reactivate the card"),
    ("CardAction::Replace", "补办", "replace the card"),
    (
        "requestKeyOpening",
        "申请紧急启封",
        "ask to open the sealed key",
    ),
    ("openSealedKey", "启封", "open the sealed key"),
    ("revokeApiKey", "吊销密钥", "revoke the key"),
    ("changeStaffRole", "调整岗位", "change the role"),
];

/// Every state a record can be in, in words (codes shared by several workflows read the same).
pub const STATES: &[(&str, &str, &str)] = &[
    ("SUBMITTED", "已提交", "submitted"),
    ("DISPATCHED", "已派工", "dispatched"),
    ("IN_PROGRESS", "进行中", "in progress"),
    ("PAUSED", "已暂停", "paused"),
    ("COMPLETED", "已完工", "completed"),
    ("FOLLOWED_UP", "已回访", "followed up"),
    ("CANCELLED", "已取消", "cancelled"),
    ("REOPENED", "已重新打开", "reopened"),
    ("DRAFT", "草稿", "a draft"),
    ("APPLIED", "已申请", "applied for"),
    ("REVIEWED", "已初审", "reviewed"),
    ("APPROVED", "已批准", "approved"),
    ("REJECTED", "已驳回", "rejected"),
    ("WITHDRAWN", "已撤回", "withdrawn"),
    ("ACCEPTANCE_REQUESTED", "待验收", "awaiting acceptance"),
    ("ACCEPTED", "已验收", "accepted"),
    ("RECTIFICATION_REQUIRED", "待整改", "to be rectified"),
    ("ACTIVE", "正常使用", "active"),
    ("LOST", "已挂失", "reported lost"),
    ("DAMAGED", "已报损", "reported damaged"),
    ("REPLACED", "已补办", "replaced"),
    ("RETIRED", "已停用", "retired"),
    (
        "AWAITING_CONSENT",
        "待业主同意",
        "awaiting the owner's consent",
    ),
    ("REFUSED", "已拒绝", "refused"),
    ("REVOKED", "已撤销", "revoked"),
    ("USED", "已使用", "already used"),
    ("SEALED", "已封存", "sealed"),
    ("HELD", "在钥匙柜中", "in the key cabinet"),
    ("LENT", "已借出", "lent out"),
    ("RETURNED_TO_OWNER", "已交还业主", "returned to the owner"),
    ("REQUESTED", "待批准", "awaiting approval"),
    ("OPENED", "已启封", "opened"),
    ("REGISTERED", "已登记", "registered"),
    ("ESCALATED", "已升级", "escalated"),
    ("ASSIGNED", "已派单", "assigned"),
    ("RESOLVED", "已处理", "resolved"),
    ("CLOSED", "已结案", "closed"),
    ("PAID", "已缴清", "paid"),
    ("REVERSED", "已冲正", "reversed"),
    ("PENDING", "待处理", "pending"),
    ("SUCCEEDED", "已支付", "paid"),
    ("CONFIRMED", "已确认", "confirmed"),
    ("ENDED", "已结束", "ended"),
    ("REMOVED", "已移除", "removed"),
    (
        "NO_PROPOSAL",
        "没有待确认的改约时间",
        "without a proposed time",
    ),
    ("RECTIFIED", "已报告整改", "reported fixed"),
    ("NO_VIOLATION", "不是违规", "not a violation"),
    ("OPEN", "尚未整改", "not yet fixed"),
];

/// A state in the caller's language; a code missing from `STATES` reads as "the current state"
/// rather than leaking the code (the unit test below keeps the table complete).
pub fn state_words(code: &str, locale: crate::error::Locale) -> &'static str {
    words(STATES, code, locale).unwrap_or(match locale {
        crate::error::Locale::Zh => "当前状态",
        crate::error::Locale::En => "in its current state",
    })
}

/// A step in the caller's language; an unknown key reads as "this step".
pub fn step_words(key: &str, locale: crate::error::Locale) -> &'static str {
    words(STEPS, key, locale).unwrap_or(match locale {
        crate::error::Locale::Zh => "进行此操作",
        crate::error::Locale::En => "take this step",
    })
}

fn words(
    table: &[(&'static str, &'static str, &'static str)],
    key: &str,
    locale: crate::error::Locale,
) -> Option<&'static str> {
    table.iter().find(|t| t.0 == key).map(|t| match locale {
        crate::error::Locale::Zh => t.1,
        crate::error::Locale::En => t.2,
    })
}

#[cfg(test)]
mod words_tests {
    use super::*;
    use crate::domain::{complaint_flow, key_flow, move_flow, renovation_flow, repair_flow};
    use sea_orm::{ActiveEnum, Iterable};

    fn has_step(key: &str) {
        assert!(
            STEPS.iter().any(|s| s.0 == key),
            "no words for the step {key}"
        );
    }
    fn has_state(code: &str) {
        assert!(
            STATES.iter().any(|s| s.0 == code),
            "no words for the state {code}"
        );
    }

    /// Every action any workflow table holds can be refused for the wrong state, so each needs words.
    #[test]
    fn every_step_of_every_workflow_has_words() {
        repair_flow::REPAIRS
            .steps
            .iter()
            .for_each(|t| has_step(&step_key(t.1)));
        complaint_flow::COMPLAINTS
            .steps
            .iter()
            .for_each(|t| has_step(&step_key(t.1)));
        renovation_flow::RENOVATIONS
            .steps
            .iter()
            .for_each(|t| has_step(&step_key(t.1)));
        move_flow::MOVES
            .steps
            .iter()
            .for_each(|t| has_step(&step_key(t.1)));
        key_flow::KEYS
            .steps
            .iter()
            .for_each(|t| has_step(&step_key(t.1)));
        key_flow::OPENINGS
            .steps
            .iter()
            .for_each(|t| has_step(&step_key(t.1)));
        crate::domain::card_flow::CARDS
            .steps
            .iter()
            .for_each(|t| has_step(&step_key(t.1)));
        assert_eq!(
            step_key(repair_flow::RepairAction::Accept),
            "RepairAction::Accept"
        );
    }

    #[test]
    fn every_state_of_every_record_has_words() {
        use entity::enums::*;
        RepairState::iter().for_each(|s| has_state(&s.to_value()));
        ComplaintState::iter().for_each(|s| has_state(&s.to_value()));
        RenovationState::iter().for_each(|s| has_state(&s.to_value()));
        MoveState::iter().for_each(|s| has_state(&s.to_value()));
        KeyState::iter().for_each(|s| has_state(&s.to_value()));
        KeyOpeningState::iter().for_each(|s| has_state(&s.to_value()));
        CardState::iter().for_each(|s| has_state(&s.to_value()));
    }

    /// Steps and states services name as text (`action: "cancelBill".into()`): every one of them
    /// in the source has words, so a new one cannot ship as a bare code name.
    #[test]
    fn every_step_and_state_named_in_the_services_has_words() {
        fn walk(dir: &std::path::Path, out: &mut Vec<String>) {
            for e in std::fs::read_dir(dir).unwrap() {
                let p = e.unwrap().path();
                if p.is_dir() {
                    walk(&p, out);
                } else if p.extension().is_some_and(|x| x == "rs") {
                    out.push(std::fs::read_to_string(&p).unwrap());
                }
            }
        }
        let mut files = vec![];
        walk(
            &std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src"),
            &mut files,
        );
        let quoted = |text: &str, marker: &str| -> Vec<String> {
            text.match_indices(marker)
                .filter_map(|(i, _)| {
                    text[i + marker.len()..]
                        .split('"')
                        .next()
                        .map(str::to_owned)
                })
                .collect()
        };
        let (mut steps, mut states) = (0, 0);
        for f in &files {
            for s in quoted(f, "action: \"")
                .into_iter()
                .filter(|s| f.contains(&format!("action: \"{s}\".into()")))
            {
                has_step(&s);
                steps += 1;
            }
            for s in quoted(f, "current: \"")
                .into_iter()
                .filter(|s| f.contains(&format!("current: \"{s}\".into()")))
            {
                has_state(&s);
                states += 1;
            }
        }
        assert!(
            steps > 5 && states > 3,
            "the scan found the services' steps ({steps}) and states ({states})"
        );
    }
}
