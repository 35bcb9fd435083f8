//! The demo estate (`--demo`): two communities of ~40 houses each, owners, family, a tenant and
//! one staff member per role, all with the password in `DEMO_PASSWORD`, and (unless turned off)
//! each community's price lists: fee items and paid-service prices. Never loaded otherwise.
use crate::auth::password;
use crate::error::AppError;
use entity::enums::{
    BillingCycle, FeeFormula, FeeKind, HouseRelation, HouseStatus, PublicAreaKind, StaffRole,
};
use entity::{
    building, butler_building, community, fee_item, house, house_member, public_area,
    service_price, staff_member, unit, user,
};
use sea_orm::{
    ActiveModelTrait, DatabaseConnection, EntityTrait, PaginatorTrait, Set, TransactionTrait,
};

pub const DEMO_PASSWORD: &str = "guanjia2026";

pub async fn is_empty(db: &DatabaseConnection) -> Result<bool, AppError> {
    Ok(community::Entity::find().count(db).await? == 0)
}

/// One community's ids, for binding people below.
struct Estate {
    community_id: i64,
    buildings: Vec<i64>,
    /// In creation order: 1栋1单元 101, 201, ... 701, then 1栋2单元 ...
    houses: Vec<house::Model>,
}

/// Loads the demo estate; `price_lists` adds each community's fee items and paid-service prices.
pub async fn load(db: &DatabaseConnection, price_lists: bool) -> Result<(), AppError> {
    let hash = tokio::task::spawn_blocking(|| password::hash_blocking(DEMO_PASSWORD))
        .await
        .map_err(|e| AppError::internal("demo", e))??;
    let txn = db.begin().await?;
    let now = crate::service::now();
    let cuihu = estate(&txn, "翠湖花园", "CUIHU", now).await?;
    let yunqi = estate(&txn, "云栖苑", "YUNQI", now).await?;

    let mk_user = |phone: &'static str, name: &'static str| user::ActiveModel {
        phone: Set(phone.into()),
        password_hash: Set(Some(hash.clone())),
        display_name: Set(name.into()),
        locale: Set("zh-CN".into()),
        created_at: Set(now),
        ..Default::default()
    };
    let bind =
        |c: i64, h: &house::Model, u: i64, rel: HouseRelation, ends: Option<chrono::NaiveDate>| {
            house_member::ActiveModel {
                community_id: Set(c),
                house_id: Set(h.id),
                user_id: Set(u),
                relation: Set(rel),
                tenancy_ends_on: Set(ends),
                tenant_may_see_bills: Set(false),
                invited_by: Set(None),
                created_at: Set(now),
                ended_at: Set(None),
                ..Default::default()
            }
        };

    // People in 翠湖花园 1栋: two owners on different floors of the same building, a family
    // member of the first and a tenant of the second; one owner in 云栖苑.
    let h101 = cuihu.houses[0].clone();
    let h201 = cuihu.houses[1].clone();
    let owner1 = mk_user("13800000001", "王建国").insert(&txn).await?;
    let owner2 = mk_user("13800000002", "李秀英").insert(&txn).await?;
    let tenant = mk_user("13800000003", "张伟").insert(&txn).await?;
    let family = mk_user("13800000004", "王小明").insert(&txn).await?;
    let owner3 = mk_user("13800000011", "陈静").insert(&txn).await?;
    let year_ahead = crate::service::today_in_community() + chrono::Duration::days(365);
    bind(
        cuihu.community_id,
        &h101,
        owner1.id,
        HouseRelation::Owner,
        None,
    )
    .insert(&txn)
    .await?;
    bind(
        cuihu.community_id,
        &h101,
        family.id,
        HouseRelation::Family,
        None,
    )
    .insert(&txn)
    .await?;
    bind(
        cuihu.community_id,
        &h201,
        owner2.id,
        HouseRelation::Owner,
        None,
    )
    .insert(&txn)
    .await?;
    bind(
        cuihu.community_id,
        &h201,
        tenant.id,
        HouseRelation::Tenant,
        Some(year_ahead),
    )
    .insert(&txn)
    .await?;
    bind(
        yunqi.community_id,
        &yunqi.houses[0],
        owner3.id,
        HouseRelation::Owner,
        None,
    )
    .insert(&txn)
    .await?;
    let mut occupied = vec![h101.id, h201.id, yunqi.houses[0].id];
    // More owners so lists look like a real estate: every third house.
    for (i, h) in cuihu
        .houses
        .iter()
        .chain(yunqi.houses.iter())
        .enumerate()
        .filter(|(i, _)| i % 3 == 2)
    {
        let phone = format!("1380001{:04}", i);
        let u = user::ActiveModel {
            phone: Set(phone),
            display_name: Set(format!("业主{:02}", i)),
            ..mk_user("", "")
        }
        .insert(&txn)
        .await?;
        bind(h.community_id, h, u.id, HouseRelation::Owner, None)
            .insert(&txn)
            .await?;
        occupied.push(h.id);
    }
    for id in occupied {
        house::ActiveModel {
            id: Set(id),
            status: Set(HouseStatus::Occupied),
            ..Default::default()
        }
        .update(&txn)
        .await?;
    }

    let staff = [
        ("13900000000", "赵管理员", StaffRole::Admin, None),
        (
            "13900000001",
            "刘管家",
            StaffRole::Butler,
            Some(cuihu.community_id),
        ),
        (
            "13900000002",
            "孙前台",
            StaffRole::Reception,
            Some(cuihu.community_id),
        ),
        (
            "13900000003",
            "周师傅",
            StaffRole::Technician,
            Some(cuihu.community_id),
        ),
        (
            "13900000004",
            "吴保安",
            StaffRole::Security,
            Some(cuihu.community_id),
        ),
        (
            "13900000005",
            "郑主任",
            StaffRole::Manager,
            Some(cuihu.community_id),
        ),
        (
            "13900000006",
            "钱会计",
            StaffRole::Finance,
            Some(cuihu.community_id),
        ),
        (
            "13900000015",
            "冯主任",
            StaffRole::Manager,
            Some(yunqi.community_id),
        ),
    ];
    for (phone, name, role, community_id) in staff {
        let u = mk_user(phone, name).insert(&txn).await?;
        let m = staff_member::ActiveModel {
            user_id: Set(u.id),
            community_id: Set(community_id),
            role: Set(role),
            created_at: Set(now),
            ended_at: Set(None),
            ..Default::default()
        }
        .insert(&txn)
        .await?;
        if role == StaffRole::Butler {
            // The butler looks after 1栋 and 2栋 of 翠湖花园.
            for b in &cuihu.buildings[..2] {
                butler_building::ActiveModel {
                    community_id: Set(cuihu.community_id),
                    staff_member_id: Set(m.id),
                    building_id: Set(*b),
                    ..Default::default()
                }
                .insert(&txn)
                .await?;
            }
        }
    }
    if price_lists {
        for c in [cuihu.community_id, yunqi.community_id] {
            price_list(&txn, c, now).await?;
        }
    }
    txn.commit().await?;
    Ok(())
}

/// A community's 收费标准 as a new project typically starts: the monthly management fee
/// (¥2.80/m², 0.05%/day late after 5 days' grace, capped at 10%, vacant houses half price),
/// metered water and electricity (billed once readings are recorded), the card replacement fee,
/// the renovation deposit and fee; and a paid-service price list (有偿服务项目收费标准) for repairs.
async fn price_list(
    txn: &sea_orm::DatabaseTransaction,
    community_id: i64,
    now: chrono::DateTime<chrono::Utc>,
) -> Result<(), AppError> {
    use BillingCycle::{Monthly, OneOff};
    use FeeFormula::{ByArea, ByMeter, Fixed};
    let items: [(&str, FeeKind, FeeFormula, BillingCycle, i64, bool); 6] = [
        (
            "物业管理费",
            FeeKind::Management,
            ByArea,
            Monthly,
            280,
            true,
        ),
        ("水费", FeeKind::Water, ByMeter, Monthly, 350, false),
        ("电费", FeeKind::Electricity, ByMeter, Monthly, 62, false),
        (
            "补卡费",
            FeeKind::CardReplacement,
            Fixed,
            OneOff,
            2000,
            false,
        ),
        (
            "装修押金",
            FeeKind::RenovationDeposit,
            Fixed,
            OneOff,
            300_000,
            false,
        ),
        (
            "装修管理费",
            FeeKind::RenovationFee,
            Fixed,
            OneOff,
            50_000,
            false,
        ),
    ];
    for (name, kind, formula, cycle, price, late_fees) in items {
        fee_item::ActiveModel {
            community_id: Set(community_id),
            name: Set(name.into()),
            kind: Set(kind),
            formula: Set(formula),
            cycle: Set(cycle),
            unit_price_fen: Set(price),
            late_fee_bps_per_day: Set(late_fees.then_some(5)),
            late_fee_grace_days: Set(if late_fees { 5 } else { 0 }),
            late_fee_cap_bps: Set(late_fees.then_some(1000)),
            vacant_discount_bps: Set((kind == FeeKind::Management).then_some(5000)),
            active: Set(true),
            created_at: Set(now),
            ..Default::default()
        }
        .insert(txn)
        .await?;
    }
    let services: [(&str, &str, i64); 5] = [
        ("更换水龙头", "个", 5000),
        ("疏通下水道", "次", 8000),
        ("更换灯具", "个", 3000),
        ("更换门锁", "把", 12000),
        ("更换插座开关", "个", 2000),
    ];
    for (name, unit, price) in services {
        service_price::ActiveModel {
            community_id: Set(community_id),
            name: Set(name.into()),
            unit: Set(unit.into()),
            price_fen: Set(price),
            active: Set(true),
            created_at: Set(now),
            ..Default::default()
        }
        .insert(txn)
        .await?;
    }
    Ok(())
}

/// Three buildings × two units × seven floors, lobbies and lifts, a garden and a car park.
async fn estate(
    txn: &sea_orm::DatabaseTransaction,
    name: &str,
    code: &str,
    now: chrono::DateTime<chrono::Utc>,
) -> Result<Estate, AppError> {
    let c = community::ActiveModel {
        name: Set(name.into()),
        code: Set(code.into()),
        timezone: Set("Asia/Shanghai".into()),
        created_at: Set(now),
        ..Default::default()
    }
    .insert(txn)
    .await?;
    let mut buildings = vec![];
    let mut houses = vec![];
    for b in 1..=3 {
        let bm = building::ActiveModel {
            community_id: Set(c.id),
            name: Set(format!("{b}栋")),
            created_at: Set(now),
            ..Default::default()
        }
        .insert(txn)
        .await?;
        buildings.push(bm.id);
        for (kind, label) in [
            (PublicAreaKind::Lobby, "大堂"),
            (PublicAreaKind::Lift, "电梯"),
        ] {
            public_area::ActiveModel {
                community_id: Set(c.id),
                building_id: Set(Some(bm.id)),
                name: Set(format!("{b}栋{label}")),
                kind: Set(kind),
                ..Default::default()
            }
            .insert(txn)
            .await?;
        }
        for u in 1..=2 {
            let um = unit::ActiveModel {
                community_id: Set(c.id),
                building_id: Set(bm.id),
                name: Set(format!("{u}单元")),
                ..Default::default()
            }
            .insert(txn)
            .await?;
            for floor in 1..=7 {
                let h = house::ActiveModel {
                    community_id: Set(c.id),
                    building_id: Set(bm.id),
                    unit_id: Set(um.id),
                    number: Set(format!("{floor}0{u}")),
                    floor: Set(floor),
                    // 89.50 m² to 143.50 m², in hundredths of a m².
                    area_centi_m2: Set(8950 + (floor as i64 % 4) * 1800 + (u as i64 - 1) * 1200),
                    status: Set(HouseStatus::Vacant),
                    created_at: Set(now),
                    ..Default::default()
                }
                .insert(txn)
                .await?;
                houses.push(h);
            }
        }
    }
    for (kind, label) in [
        (PublicAreaKind::Garden, "中心花园"),
        (PublicAreaKind::CarPark, "地下停车场"),
    ] {
        public_area::ActiveModel {
            community_id: Set(c.id),
            building_id: Set(None),
            name: Set(label.into()),
            kind: Set(kind),
            ..Default::default()
        }
        .insert(txn)
        .await?;
    }
    Ok(Estate {
        community_id: c.id,
        buildings,
        houses,
    })
}
