//! Per-request loaders (`batch::Batcher`): every "load the related row" field batches into one query per type.
//! They are only reached from rows the caller was already allowed to see, so they do not scope.
use super::batch::{Batcher, Passes};
use crate::error::AppError;
use async_graphql::dataloader::Loader;
use sea_orm::{
    ColumnTrait, DatabaseConnection, EntityTrait, Iterable, PrimaryKeyToColumn, QueryFilter, Value,
};
use std::collections::HashMap;
use std::marker::PhantomData;
use std::sync::Arc;

pub struct ById<E> {
    db: DatabaseConnection,
    _entity: PhantomData<fn() -> E>,
}

impl<E> Loader<i64> for ById<E>
where
    E: EntityTrait + Send + Sync + 'static,
    E::Model: Clone + Send + Sync + 'static,
{
    type Value = E::Model;
    type Error = Arc<AppError>;

    async fn load(&self, keys: &[i64]) -> Result<HashMap<i64, E::Model>, Self::Error> {
        let col = E::PrimaryKey::iter()
            .next()
            .expect("entity has a primary key")
            .into_column();
        let rows = E::find()
            .filter(col.is_in(keys.iter().copied()))
            .all(&self.db)
            .await
            .map_err(|e| Arc::new(AppError::from(e)))?;
        Ok(rows
            .into_iter()
            .filter_map(|m| match sea_orm::ModelTrait::get(&m, col) {
                Value::BigInt(Some(id)) => Some((id, m)),
                _ => None,
            })
            .collect())
    }
}

pub type ByIdLoader<E> = Batcher<ById<E>>;

fn loader<E>(db: &DatabaseConnection) -> ByIdLoader<E>
where
    E: EntityTrait + Send + Sync + 'static,
    E::Model: Clone + Send + Sync + 'static,
{
    batched(ById {
        db: db.clone(),
        _entity: PhantomData,
    })
}

/// Child rows of many parents at once, grouped by the parent column (a renovation's workers,
/// inspections, files ...).
pub struct ByParent<E: EntityTrait> {
    db: DatabaseConnection,
    col: E::Column,
}

impl<E> Loader<i64> for ByParent<E>
where
    E: EntityTrait + Send + Sync + 'static,
    E::Model: Clone + Send + Sync + 'static,
    E::Column: Send + Sync,
{
    type Value = Vec<E::Model>;
    type Error = Arc<AppError>;

    async fn load(&self, keys: &[i64]) -> Result<HashMap<i64, Self::Value>, Self::Error> {
        let rows = E::find()
            .filter(self.col.is_in(keys.iter().copied()))
            .all(&self.db)
            .await
            .map_err(|e| Arc::new(AppError::from(e)))?;
        let mut out: HashMap<i64, Vec<E::Model>> = HashMap::new();
        for m in rows {
            if let Value::BigInt(Some(parent)) = sea_orm::ModelTrait::get(&m, self.col) {
                out.entry(parent).or_default().push(m);
            }
        }
        Ok(out)
    }
}

pub type ChildrenLoader<E> = Batcher<ByParent<E>>;

fn children<E>(db: &DatabaseConnection, col: E::Column) -> ChildrenLoader<E>
where
    E: EntityTrait + Send + Sync + 'static,
    E::Model: Clone + Send + Sync + 'static,
    E::Column: Send + Sync,
{
    batched(ByParent {
        db: db.clone(),
        col,
    })
}

/// The children of one parent (empty when it has none).
pub async fn children_of<E>(
    l: &ChildrenLoader<E>,
    parent: i64,
) -> async_graphql::Result<Vec<E::Model>>
where
    E: EntityTrait + Send + Sync + 'static,
    E::Model: Clone + Send + Sync + 'static,
    E::Column: Send + Sync,
{
    Ok(l.load_one(parent)
        .await
        .map_err(|e| AppError::internal("children", format!("{e:?}")))?
        .unwrap_or_default())
}

/// What each house owes today: two statements for any number of houses.
pub struct OwedByHouse {
    db: DatabaseConnection,
}

impl Loader<i64> for OwedByHouse {
    type Value = crate::service::fees::billing::Owed;
    type Error = Arc<AppError>;

    async fn load(&self, keys: &[i64]) -> Result<HashMap<i64, Self::Value>, Self::Error> {
        crate::service::fees::billing::owed_by_houses(&self.db, keys)
            .await
            .map_err(Arc::new)
    }
}

/// Live members of each house: one statement for a whole list of houses.
pub struct MembersByHouse {
    db: DatabaseConnection,
}

impl Loader<i64> for MembersByHouse {
    type Value = Vec<entity::house_member::Model>;
    type Error = Arc<AppError>;

    async fn load(&self, keys: &[i64]) -> Result<HashMap<i64, Self::Value>, Self::Error> {
        crate::service::members::live_by_houses(&self.db, keys)
            .await
            .map_err(Arc::new)
    }
}

/// Recorded events of repair orders (their timelines).
pub struct RepairTimeline {
    db: DatabaseConnection,
}

impl Loader<i64> for RepairTimeline {
    type Value = Vec<entity::event::Model>;
    type Error = Arc<AppError>;

    async fn load(&self, keys: &[i64]) -> Result<HashMap<i64, Self::Value>, Self::Error> {
        crate::service::events::timelines(&self.db, "RepairOrder", keys)
            .await
            .map_err(Arc::new)
    }
}

/// Recorded events of complaints (their timelines).
pub struct ComplaintTimeline {
    db: DatabaseConnection,
}

impl Loader<i64> for ComplaintTimeline {
    type Value = Vec<entity::event::Model>;
    type Error = Arc<AppError>;

    async fn load(&self, keys: &[i64]) -> Result<HashMap<i64, Self::Value>, Self::Error> {
        crate::service::events::timelines(&self.db, "Complaint", keys)
            .await
            .map_err(Arc::new)
    }
}

/// Each community's repair clocks.
pub struct RepairSettings {
    db: DatabaseConnection,
}

impl Loader<i64> for RepairSettings {
    type Value = crate::service::repairs::clock::Settings;
    type Error = Arc<AppError>;

    async fn load(&self, keys: &[i64]) -> Result<HashMap<i64, Self::Value>, Self::Error> {
        crate::service::repairs::settings_of(&self.db, keys)
            .await
            .map_err(Arc::new)
    }
}

/// Photos of repair orders.
pub struct RepairPhotos {
    db: DatabaseConnection,
}

impl Loader<i64> for RepairPhotos {
    type Value = Vec<entity::repair_photo::Model>;
    type Error = Arc<AppError>;

    async fn load(&self, keys: &[i64]) -> Result<HashMap<i64, Self::Value>, Self::Error> {
        crate::service::repairs::photos::of_orders(&self.db, keys)
            .await
            .map_err(Arc::new)
    }
}

/// Declares the request's loaders: each is built the first time a resolver asks for it, since
/// a screen uses a few of them and building all of them cost every request ~100 allocations.
macro_rules! loaders {
    ($( $(#[$doc:meta])* $name:ident : $ty:ty = |$db:ident| $make:expr; )*) => {
        /// The loaders of one request.
        pub struct Loaders {
            db: DatabaseConnection,
            passes: Option<Arc<Passes>>,
            $( $name: std::sync::OnceLock<$ty>, )*
        }

        impl Loaders {
            /// Loaders whose batches watch the polls of the request `passes` drives (None for
            /// a websocket, which has no one request to watch; see `batch`).
            pub fn new(db: &DatabaseConnection, passes: Option<Arc<Passes>>) -> Self {
                Self { db: db.clone(), passes, $( $name: std::sync::OnceLock::new(), )* }
            }
            $(
                $(#[$doc])*
                pub fn $name(&self) -> &$ty {
                    self.$name.get_or_init(|| {
                        let $db = &self.db;
                        let made: $ty = $make;
                        made.watching(self.passes.clone())
                    })
                }
            )*
        }
    };
}

fn batched<T: Loader<i64>>(loader: T) -> Batcher<T> {
    Batcher::new(loader)
}

loaders! {
    bill_lines: ChildrenLoader<entity::bill_line::Entity> = |db| children(db, entity::bill_line::Column::BillId);
    payment_allocations: ChildrenLoader<entity::payment_allocation::Entity> = |db| children(db, entity::payment_allocation::Column::PaymentId);
    renovation_workers: ChildrenLoader<entity::renovation_worker::Entity> = |db| children(db, entity::renovation_worker::Column::RenovationId);
    renovation_inspections: ChildrenLoader<entity::renovation_inspection::Entity> = |db| children(db, entity::renovation_inspection::Column::RenovationId);
    renovation_files: ChildrenLoader<entity::renovation_file::Entity> = |db| children(db, entity::renovation_file::Column::RenovationId);
    renovation_extensions: ChildrenLoader<entity::renovation_extension::Entity> = |db| children(db, entity::renovation_extension::Column::RenovationId);
    /// A renovation's deposit refund (at most one, once accepted).
    deposit_refunds: ChildrenLoader<entity::deposit_refund::Entity> = |db| children(db, entity::deposit_refund::Column::RenovationId);
    /// A butler's assigned buildings.
    butler_buildings: ChildrenLoader<entity::butler_building::Entity> = |db| children(db, entity::butler_building::Column::StaffMemberId);
    house_cards: ChildrenLoader<entity::card::Entity> = |db| children(db, entity::card::Column::HouseId);
    key_loans: ChildrenLoader<entity::key_loan::Entity> = |db| children(db, entity::key_loan::Column::KeyId);
    timeline: Batcher<RepairTimeline> = |db| batched(RepairTimeline { db: db.clone() });
    complaint_timeline: Batcher<ComplaintTimeline> = |db| batched(ComplaintTimeline { db: db.clone() });
    notice_buildings: ChildrenLoader<entity::notice_building::Entity> = |db| children(db, entity::notice_building::Column::NoticeId);
    public_area: ByIdLoader<entity::public_area::Entity> = |db| loader(db);
    repair_settings: Batcher<RepairSettings> = |db| batched(RepairSettings { db: db.clone() });
    photos: Batcher<RepairPhotos> = |db| batched(RepairPhotos { db: db.clone() });
    members: Batcher<MembersByHouse> = |db| batched(MembersByHouse { db: db.clone() });
    owed: Batcher<OwedByHouse> = |db| batched(OwedByHouse { db: db.clone() });
    community: ByIdLoader<entity::community::Entity> = |db| loader(db);
    building: ByIdLoader<entity::building::Entity> = |db| loader(db);
    unit: ByIdLoader<entity::unit::Entity> = |db| loader(db);
    house: ByIdLoader<entity::house::Entity> = |db| loader(db);
    /// Bills that rows point at (allocations, repair charges, renovation deposits and fees).
    bill: ByIdLoader<entity::bill::Entity> = |db| loader(db);
    user: ByIdLoader<entity::user::Entity> = |db| loader(db);
    /// Payments that reversals point at: the original paid the same bills as its reversal, so
    /// whoever sees the reversal may see it.
    payment: ByIdLoader<entity::payment::Entity> = |db| loader(db);
    /// Each payment's reversal (at most one), by the payment it reverses.
    payment_reversals: ChildrenLoader<entity::payment::Entity> = |db| children(db, entity::payment::Column::ReversesPaymentId);
    /// Keys behind lists already authorized (loans, openings).
    custody_key: ByIdLoader<entity::custody_key::Entity> = |db| loader(db);
    patrol_checkpoint: ByIdLoader<entity::patrol_checkpoint::Entity> = |db| loader(db);
    patrol_route: ByIdLoader<entity::patrol_route::Entity> = |db| loader(db);
    patrol_route_points: ChildrenLoader<entity::patrol_route_point::Entity> = |db| children(db, entity::patrol_route_point::Column::RouteId);
    patrol_records: ChildrenLoader<entity::patrol_record::Entity> = |db| children(db, entity::patrol_record::Column::TaskId);
    patrol_photos: ChildrenLoader<entity::patrol_photo::Entity> = |db| children(db, entity::patrol_photo::Column::RecordId);
}

/// Loads one related row that must exist (a foreign key points at it).
pub async fn load_one<E>(l: &ByIdLoader<E>, id: i64) -> async_graphql::Result<E::Model>
where
    E: EntityTrait + Send + Sync + 'static,
    E::Model: Clone + Send + Sync + 'static,
{
    l.load_one(id)
        .await
        .map_err(|_| async_graphql::Error::from(AppError::Internal))?
        .ok_or_else(|| AppError::internal("loader", format!("dangling reference {id}")).into())
}
