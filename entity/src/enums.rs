//! Closed sets of values stored as short strings; each is also a GraphQL enum.
use async_graphql::Enum;
use sea_orm::entity::prelude::*;

/// Whether a house is lived in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum, Enum)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(16))")]
pub enum HouseStatus {
    /// Nobody lives there (空置).
    #[sea_orm(string_value = "VACANT")]
    Vacant,
    /// Lived in (入住).
    #[sea_orm(string_value = "OCCUPIED")]
    Occupied,
    /// Under renovation with a permit (装修中).
    #[sea_orm(string_value = "RENOVATING")]
    Renovating,
}

/// How a person is bound to a house.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum, Enum)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(16))")]
pub enum HouseRelation {
    /// The owner (业主): manages the house's members.
    #[sea_orm(string_value = "OWNER")]
    Owner,
    /// A family member living with the owner (家属).
    #[sea_orm(string_value = "FAMILY")]
    Family,
    /// A tenant (租户); the tenancy has an end date.
    #[sea_orm(string_value = "TENANT")]
    Tenant,
}

/// A staff member's role in a community.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum, Enum)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(16))")]
pub enum StaffRole {
    /// Butler (客服管家): looks after the households of assigned buildings.
    #[sea_orm(string_value = "BUTLER")]
    Butler,
    /// Reception (接待): registers requests, takes payments, issues cards.
    #[sea_orm(string_value = "RECEPTION")]
    Reception,
    /// Technician (维修工): works the repair orders assigned to them.
    #[sea_orm(string_value = "TECHNICIAN")]
    Technician,
    /// Security guard (保安): checks passes at the gate.
    #[sea_orm(string_value = "SECURITY")]
    Security,
    /// Manager (管理处主任 / 客服部经理): the whole community.
    #[sea_orm(string_value = "MANAGER")]
    Manager,
    /// Finance (财务): fees, bills and payments of the community.
    #[sea_orm(string_value = "FINANCE")]
    Finance,
    /// Administrator: every community, staff and API keys.
    #[sea_orm(string_value = "ADMIN")]
    Admin,
}

/// A kind of public area (公共区域).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum, Enum)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(16))")]
pub enum PublicAreaKind {
    /// Entrance lobby (大堂).
    #[sea_orm(string_value = "LOBBY")]
    Lobby,
    /// Lift (电梯).
    #[sea_orm(string_value = "LIFT")]
    Lift,
    /// Car park (停车场).
    #[sea_orm(string_value = "CAR_PARK")]
    CarPark,
    /// Garden (园林绿化).
    #[sea_orm(string_value = "GARDEN")]
    Garden,
    /// Anything else.
    #[sea_orm(string_value = "OTHER")]
    Other,
}

/// What a fee item charges for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum, Enum)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(24))")]
pub enum FeeKind {
    /// 物业管理费.
    #[sea_orm(string_value = "MANAGEMENT")]
    Management,
    /// 水费.
    #[sea_orm(string_value = "WATER")]
    Water,
    /// 电费.
    #[sea_orm(string_value = "ELECTRICITY")]
    Electricity,
    /// 停车费.
    #[sea_orm(string_value = "PARKING")]
    Parking,
    /// 有偿服务 (paid repairs and services).
    #[sea_orm(string_value = "PAID_SERVICE")]
    PaidService,
    /// 补卡费.
    #[sea_orm(string_value = "CARD_REPLACEMENT")]
    CardReplacement,
    /// 装修押金 (refundable).
    #[sea_orm(string_value = "RENOVATION_DEPOSIT")]
    RenovationDeposit,
    /// 装修管理费.
    #[sea_orm(string_value = "RENOVATION_FEE")]
    RenovationFee,
    /// Anything else.
    #[sea_orm(string_value = "OTHER")]
    Other,
}

/// How a fee item's amount is computed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum, Enum)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(16))")]
pub enum FeeFormula {
    /// Unit price per m² per month × the house's gross area × months in the cycle.
    #[sea_orm(string_value = "BY_AREA")]
    ByArea,
    /// Unit price per unit × (this reading − last reading).
    #[sea_orm(string_value = "BY_METER")]
    ByMeter,
    /// The unit price itself, per month of the cycle (or once, for one-off items).
    #[sea_orm(string_value = "FIXED")]
    Fixed,
}

/// How often a fee item is billed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum, Enum)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(16))")]
pub enum BillingCycle {
    /// Every month.
    #[sea_orm(string_value = "MONTHLY")]
    Monthly,
    /// January, April, July and October, for three months.
    #[sea_orm(string_value = "QUARTERLY")]
    Quarterly,
    /// January, for twelve months.
    #[sea_orm(string_value = "YEARLY")]
    Yearly,
    /// Never by period: raised as a one-off charge.
    #[sea_orm(string_value = "ONE_OFF")]
    OneOff,
}

/// Where a bill came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum, Enum)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(16))")]
pub enum BillKind {
    /// The monthly bill of a house (one per house and period).
    #[sea_orm(string_value = "PERIODIC")]
    Periodic,
    /// A one-off charge: paid service, card replacement, renovation deposit ...
    #[sea_orm(string_value = "ONE_OFF")]
    OneOff,
}

/// A payment, or the reversal of one.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum, Enum)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(16))")]
pub enum PaymentKind {
    /// Money received.
    #[sea_orm(string_value = "PAYMENT")]
    Payment,
    /// Cancels a mistaken payment (negative amount, linked to it).
    #[sea_orm(string_value = "REVERSAL")]
    Reversal,
}

/// How money was paid.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum, Enum)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(16))")]
pub enum PaymentMethod {
    /// Cash at the counter.
    #[sea_orm(string_value = "CASH")]
    Cash,
    /// Bank card at the counter.
    #[sea_orm(string_value = "BANK_CARD")]
    BankCard,
    /// Bank transfer.
    #[sea_orm(string_value = "TRANSFER")]
    Transfer,
    /// Online, confirmed by a payment gateway.
    #[sea_orm(string_value = "ONLINE")]
    Online,
}

/// What came of a call chasing arrears (催缴).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum, Enum)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(16))")]
pub enum CallOutcome {
    /// Promised to pay (by `promisedOn`).
    #[sea_orm(string_value = "PROMISED")]
    Promised,
    /// Refused to pay; say why in the note.
    #[sea_orm(string_value = "REFUSED")]
    Refused,
    /// Nobody answered.
    #[sea_orm(string_value = "NO_ANSWER")]
    NoAnswer,
    /// The number is wrong.
    #[sea_orm(string_value = "WRONG_NUMBER")]
    WrongNumber,
    /// Says they have already paid.
    #[sea_orm(string_value = "PAID")]
    Paid,
}

/// What needs repairing.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum, Enum)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(24))")]
pub enum RepairCategory {
    /// 水 (pipes, taps, leaks).
    #[sea_orm(string_value = "WATER")]
    Water,
    /// 电 (sockets, switches, lights).
    #[sea_orm(string_value = "ELECTRICITY")]
    Electricity,
    /// 门窗.
    #[sea_orm(string_value = "DOORS_WINDOWS")]
    DoorsWindows,
    /// 墙面.
    #[sea_orm(string_value = "WALLS")]
    Walls,
    /// 电梯.
    #[sea_orm(string_value = "LIFT")]
    Lift,
    /// 燃气.
    #[sea_orm(string_value = "GAS")]
    Gas,
    /// Anything else.
    #[sea_orm(string_value = "OTHER")]
    Other,
}

/// How hard a repair is: general problems are solved the same day, hard ones within days.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum, Enum)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(16))")]
pub enum RepairDifficulty {
    /// 一般问题: solved the same day.
    #[sea_orm(string_value = "GENERAL")]
    General,
    /// 疑难问题: solved within the community's limit (7 days by default).
    #[sea_orm(string_value = "HARD")]
    Hard,
}

/// How a repair request reached the property company.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum, Enum)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(16))")]
pub enum RepairChannel {
    /// The owner app.
    #[sea_orm(string_value = "APP")]
    App,
    /// A phone call registered by staff.
    #[sea_orm(string_value = "PHONE")]
    Phone,
    /// A visit to the service centre registered by staff.
    #[sea_orm(string_value = "VISIT")]
    Visit,
    /// Found on a patrol.
    #[sea_orm(string_value = "PATROL")]
    Patrol,
    /// Raised by staff for a public area.
    #[sea_orm(string_value = "STAFF")]
    Staff,
}

/// Where a repair order stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum, Enum)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(24))")]
pub enum RepairState {
    /// Booked, waiting for dispatch.
    #[sea_orm(string_value = "SUBMITTED")]
    Submitted,
    /// Assigned to a technician with an appointment.
    #[sea_orm(string_value = "DISPATCHED")]
    Dispatched,
    /// Work has started.
    #[sea_orm(string_value = "IN_PROGRESS")]
    InProgress,
    /// Waiting (for parts ...); the clocks stop.
    #[sea_orm(string_value = "PAUSED")]
    Paused,
    /// Work done; the repair ticket is closed, the follow-up call is due.
    #[sea_orm(string_value = "COMPLETED")]
    Completed,
    /// Followed up by the butler; the order is finished.
    #[sea_orm(string_value = "FOLLOWED_UP")]
    FollowedUp,
    /// Cancelled by the owner before work started.
    #[sea_orm(string_value = "CANCELLED")]
    Cancelled,
    /// The owner was not satisfied at the follow-up: back to dispatch.
    #[sea_orm(string_value = "REOPENED")]
    Reopened,
}

/// Where a renovation application stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum, Enum)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(32))")]
pub enum RenovationState {
    /// Being written by the owner; nobody else sees it.
    #[sea_orm(string_value = "DRAFT")]
    Draft,
    /// Submitted, waiting for the butler's check.
    #[sea_orm(string_value = "APPLIED")]
    Applied,
    /// Checked by the butler, waiting for the manager.
    #[sea_orm(string_value = "REVIEWED")]
    Reviewed,
    /// Approved: the deposit and management fee are billed; the permit follows payment.
    #[sea_orm(string_value = "APPROVED")]
    Approved,
    /// Refused, with a reason.
    #[sea_orm(string_value = "REJECTED")]
    Rejected,
    /// Withdrawn by the owner before approval.
    #[sea_orm(string_value = "WITHDRAWN")]
    Withdrawn,
    /// Permit issued, works under way, worker passes valid.
    #[sea_orm(string_value = "IN_PROGRESS")]
    InProgress,
    /// Works finished; the owner asked for the acceptance inspection (验收).
    #[sea_orm(string_value = "ACCEPTANCE_REQUESTED")]
    AcceptanceRequested,
    /// Accepted; the deposit was refunded less fines.
    #[sea_orm(string_value = "ACCEPTED")]
    Accepted,
    /// The acceptance inspection found items to fix; works resume.
    #[sea_orm(string_value = "RECTIFICATION_REQUIRED")]
    RectificationRequired,
}

/// A resident's smart card.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum, Enum)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(16))")]
pub enum CardKind {
    /// 门禁卡: doors and lifts.
    #[sea_orm(string_value = "ACCESS")]
    Access,
    /// 车辆出入卡: the car park barrier.
    #[sea_orm(string_value = "VEHICLE")]
    Vehicle,
}

/// Whether a card opens anything.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum, Enum)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(16))")]
pub enum CardState {
    /// Works.
    #[sea_orm(string_value = "ACTIVE")]
    Active,
    /// Reported lost (挂失): dead until found again or replaced.
    #[sea_orm(string_value = "LOST")]
    Lost,
    /// Reported damaged (报损): dead until replaced.
    #[sea_orm(string_value = "DAMAGED")]
    Damaged,
    /// Replaced by a new card (补办): dead forever.
    #[sea_orm(string_value = "REPLACED")]
    Replaced,
    /// The holder moved out (退伙): dead forever.
    #[sea_orm(string_value = "RETIRED")]
    Retired,
}

/// The identity document checked at handover (入伙).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum, Enum)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(16))")]
pub enum IdDocumentKind {
    /// Resident identity card (居民身份证); the number's check digit is verified.
    #[sea_orm(string_value = "RESIDENT_ID")]
    ResidentId,
    /// Passport (护照).
    #[sea_orm(string_value = "PASSPORT")]
    Passport,
    /// Mainland travel permit for Hong Kong and Macao residents (回乡证).
    #[sea_orm(string_value = "HK_MACAO_PERMIT")]
    HkMacaoPermit,
    /// Mainland travel permit for Taiwan residents (台胞证).
    #[sea_orm(string_value = "TAIWAN_PERMIT")]
    TaiwanPermit,
}

/// Goods moved into or out of the estate.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum, Enum)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(8))")]
pub enum MoveDirection {
    /// Moving goods in (搬入).
    #[sea_orm(string_value = "IN")]
    In,
    /// Moving goods out (搬出): needs cleared bills, and the owner's consent when a tenant asks.
    #[sea_orm(string_value = "OUT")]
    Out,
}

/// Where a move booking stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum, Enum)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(24))")]
pub enum MoveState {
    /// A tenant's move out waits for the owner's consent in the app.
    #[sea_orm(string_value = "AWAITING_CONSENT")]
    AwaitingConsent,
    /// Approved: the pass and its one-time code are issued.
    #[sea_orm(string_value = "APPROVED")]
    Approved,
    /// The owner refused consent.
    #[sea_orm(string_value = "REFUSED")]
    Refused,
    /// Called off by the resident, the owner or the desk before the move.
    #[sea_orm(string_value = "CANCELLED")]
    Cancelled,
    /// The desk withdrew the pass.
    #[sea_orm(string_value = "REVOKED")]
    Revoked,
    /// The guard let the goods through; the code never works again.
    #[sea_orm(string_value = "USED")]
    Used,
}

/// Where a key held for an owner is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum, Enum)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(24))")]
pub enum KeyState {
    /// In the key cabinet, sealed (封存): only an approved emergency opening may use it.
    #[sea_orm(string_value = "SEALED")]
    Sealed,
    /// In the key cabinet, not sealed: may be lent for a repair or an inspection.
    #[sea_orm(string_value = "HELD")]
    Held,
    /// Lent to a staff member, due back.
    #[sea_orm(string_value = "LENT")]
    Lent,
    /// Given back to the owner; no longer in custody.
    #[sea_orm(string_value = "RETURNED_TO_OWNER")]
    ReturnedToOwner,
}

/// Why a key left the cabinet.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum, Enum)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(16))")]
pub enum KeyLoanPurpose {
    /// A repair in the house.
    #[sea_orm(string_value = "REPAIR")]
    Repair,
    /// An inspection (renovation, leak, safety).
    #[sea_orm(string_value = "INSPECTION")]
    Inspection,
    /// An approved emergency opening of a sealed key.
    #[sea_orm(string_value = "EMERGENCY")]
    Emergency,
}

/// Where a request to open a sealed key in an emergency stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum, Enum)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(16))")]
pub enum KeyOpeningState {
    /// Waiting for the manager.
    #[sea_orm(string_value = "REQUESTED")]
    Requested,
    /// The manager approved; the seal may be broken with two staff and a guard present.
    #[sea_orm(string_value = "APPROVED")]
    Approved,
    /// The manager refused.
    #[sea_orm(string_value = "REFUSED")]
    Refused,
    /// The seal was broken and the key taken; the owner was told.
    #[sea_orm(string_value = "OPENED")]
    Opened,
}

/// How a complaint (投诉) reached the service centre.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum, Enum)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(16))")]
pub enum ComplaintChannel {
    /// The owner app, by an owner or resident.
    #[sea_orm(string_value = "APP")]
    App,
    /// A phone call registered by staff.
    #[sea_orm(string_value = "PHONE")]
    Phone,
    /// A visit to the service centre registered by staff.
    #[sea_orm(string_value = "VISIT")]
    Visit,
    /// A letter (or fax) registered by staff.
    #[sea_orm(string_value = "LETTER")]
    Letter,
}

/// What a complaint is about; with the place, the key of the monthly analysis.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, EnumIter, DeriveActiveEnum, Enum,
)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(24))")]
pub enum ComplaintCategory {
    /// Staff attitude or conduct (服务态度).
    #[sea_orm(string_value = "SERVICE")]
    Service,
    /// Repairs: slow, poor or unfinished work (维修).
    #[sea_orm(string_value = "REPAIR")]
    Repair,
    /// Cleaning and rubbish (环境卫生).
    #[sea_orm(string_value = "CLEANING")]
    Cleaning,
    /// Gardens and planting (绿化).
    #[sea_orm(string_value = "GREENING")]
    Greening,
    /// Security and the gate (安全秩序).
    #[sea_orm(string_value = "SECURITY")]
    Security,
    /// Noise (噪音), e.g. renovation outside the allowed hours.
    #[sea_orm(string_value = "NOISE")]
    Noise,
    /// Parking and vehicles (停车).
    #[sea_orm(string_value = "PARKING")]
    Parking,
    /// Fees and bills (收费).
    #[sea_orm(string_value = "FEES")]
    Fees,
    /// Shared facilities: lifts, lights, water pressure (公共设施).
    #[sea_orm(string_value = "FACILITIES")]
    Facilities,
    /// Disputes between neighbours (邻里纠纷).
    #[sea_orm(string_value = "NEIGHBOURS")]
    Neighbours,
    /// Anything else.
    #[sea_orm(string_value = "OTHER")]
    Other,
}

/// How serious a complaint is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum, Enum)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(16))")]
pub enum ComplaintSeverity {
    /// Handled by the responsible department.
    #[sea_orm(string_value = "GENERAL")]
    General,
    /// Major (重大投诉): beyond one department; escalated to the manager (管理处主任).
    #[sea_orm(string_value = "MAJOR")]
    Major,
}

/// The department responsible for handling a complaint.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum, Enum)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(24))")]
pub enum Department {
    /// Customer service (客服部).
    #[sea_orm(string_value = "CUSTOMER_SERVICE")]
    CustomerService,
    /// Engineering and repairs (工程部).
    #[sea_orm(string_value = "ENGINEERING")]
    Engineering,
    /// Security (保安部).
    #[sea_orm(string_value = "SECURITY")]
    Security,
    /// Cleaning and greening (保洁绿化).
    #[sea_orm(string_value = "ENVIRONMENT")]
    Environment,
    /// Finance (财务部).
    #[sea_orm(string_value = "FINANCE")]
    Finance,
    /// The management office (管理处).
    #[sea_orm(string_value = "MANAGEMENT")]
    Management,
}

/// Where a complaint stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum, Enum)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(16))")]
pub enum ComplaintState {
    /// Registered (登记), waiting to be turned into a work order.
    #[sea_orm(string_value = "REGISTERED")]
    Registered,
    /// A major complaint with the manager, who handles or assigns it.
    #[sea_orm(string_value = "ESCALATED")]
    Escalated,
    /// With the responsible department (工作联系单 issued).
    #[sea_orm(string_value = "ASSIGNED")]
    Assigned,
    /// Handled; waiting for the return visit (回访).
    #[sea_orm(string_value = "RESOLVED")]
    Resolved,
    /// Return visit done, satisfaction recorded.
    #[sea_orm(string_value = "CLOSED")]
    Closed,
    /// Withdrawn by the complainant before it was handled.
    #[sea_orm(string_value = "WITHDRAWN")]
    Withdrawn,
}

/// What a notice announces.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum, Enum)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(16))")]
pub enum NoticeKind {
    /// A planned water cut (停水); start and end required.
    #[sea_orm(string_value = "WATER_CUT")]
    WaterCut,
    /// A planned power cut (停电); start and end required.
    #[sea_orm(string_value = "POWER_CUT")]
    PowerCut,
    /// A planned gas cut (停气); start and end required.
    #[sea_orm(string_value = "GAS_CUT")]
    GasCut,
    /// Community news and activities (社区文化).
    #[sea_orm(string_value = "NEWS")]
    News,
    /// Any other announcement.
    #[sea_orm(string_value = "OTHER")]
    Other,
}

impl NoticeKind {
    /// Outages must say when they start and end.
    pub fn is_outage(self) -> bool {
        matches!(
            self,
            NoticeKind::WaterCut | NoticeKind::PowerCut | NoticeKind::GasCut
        )
    }
}

/// What a patrol record is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum, Enum)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(16))")]
pub enum PatrolRecordKind {
    /// 签到: the checkpoint's code was scanned on site.
    #[sea_orm(string_value = "CHECK_IN")]
    CheckIn,
    /// 巡查发现: something found at the checkpoint.
    #[sea_orm(string_value = "FINDING")]
    Finding,
}

/// How serious a patrol finding is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum, Enum)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(16))")]
pub enum PatrolSeverity {
    /// Minor: note it, fix when convenient.
    #[sea_orm(string_value = "LOW")]
    Low,
    /// Needs fixing soon.
    #[sea_orm(string_value = "MEDIUM")]
    Medium,
    /// A safety risk or an outage: act now.
    #[sea_orm(string_value = "HIGH")]
    High,
}
