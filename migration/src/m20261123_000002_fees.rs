//! Fees: fee items, meter readings, bills and their lines, payments (append-only) with their
//! allocations, receipt counters, online payment intents, day closes and arrears calls.
use crate::util::{at, at_null, fk, id_col, index};
use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden, Clone, Copy)]
enum Communities {
    Table,
}
#[derive(DeriveIden, Clone, Copy)]
enum Houses {
    Table,
}
#[derive(DeriveIden, Clone, Copy)]
enum FeeItems {
    Table,
    Id,
    CommunityId,
    Name,
    Kind,
    Formula,
    Cycle,
    UnitPriceFen,
    LateFeeBpsPerDay,
    LateFeeGraceDays,
    LateFeeCapBps,
    VacantDiscountBps,
    Active,
    CreatedAt,
}
#[derive(DeriveIden, Clone, Copy)]
enum MeterReadings {
    Table,
    Id,
    CommunityId,
    HouseId,
    FeeItemId,
    Reading,
    ReadOn,
    IsReplacement,
    EnteredBy,
    CreatedAt,
}
#[derive(DeriveIden, Clone, Copy)]
enum Bills {
    Table,
    Id,
    CommunityId,
    BuildingId,
    HouseId,
    Period,
    Kind,
    SourceKey,
    DueOn,
    AmountFen,
    PaidFen,
    CreatedAt,
    CancelledAt,
    CancelReason,
}
#[derive(DeriveIden, Clone, Copy)]
enum BillLines {
    Table,
    Id,
    CommunityId,
    BillId,
    FeeItemId,
    Position,
    Description,
    AmountFen,
    LateFeeBpsPerDay,
    LateFeeGraceDays,
    LateFeeCapBps,
}
#[derive(DeriveIden, Clone, Copy)]
enum Payments {
    Table,
    Id,
    CommunityId,
    ClientKey,
    Kind,
    Method,
    AmountFen,
    ReceiptNo,
    ReceiptYear,
    ReceiptSeq,
    BusinessDate,
    RecordedBy,
    ReversesPaymentId,
    Reason,
    GatewayReference,
    CreatedAt,
}
#[derive(DeriveIden, Clone, Copy)]
enum PaymentAllocations {
    Table,
    Id,
    CommunityId,
    PaymentId,
    BillId,
    AmountFen,
}
#[derive(DeriveIden, Clone, Copy)]
enum ReceiptCounters {
    Table,
    Id,
    CommunityId,
    Year,
    LastSeq,
}
#[derive(DeriveIden, Clone, Copy)]
enum PaymentIntents {
    Table,
    Id,
    CommunityId,
    ClientKey,
    UserId,
    BillIds,
    AmountFen,
    Status,
    PaymentId,
    CreatedAt,
}
#[derive(DeriveIden, Clone, Copy)]
enum DayCloses {
    Table,
    Id,
    CommunityId,
    BusinessDate,
    BankedBy,
    BankedAt,
    CashFen,
    Note,
}
#[derive(DeriveIden, Clone, Copy)]
enum ArrearsCalls {
    Table,
    Id,
    CommunityId,
    HouseId,
    CalledBy,
    Outcome,
    Note,
    PromisedOn,
    CreatedAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table(FeeItems::Table)
                .col(id_col(FeeItems::Id))
                .col(big_integer(FeeItems::CommunityId))
                .col(string(FeeItems::Name))
                .col(string_len(FeeItems::Kind, 24))
                .col(string_len(FeeItems::Formula, 16))
                .col(string_len(FeeItems::Cycle, 16))
                .col(big_integer(FeeItems::UnitPriceFen))
                .col(integer_null(FeeItems::LateFeeBpsPerDay))
                .col(integer(FeeItems::LateFeeGraceDays).default(0))
                .col(integer_null(FeeItems::LateFeeCapBps))
                .col(integer_null(FeeItems::VacantDiscountBps))
                .col(boolean(FeeItems::Active).default(true))
                .col(at(FeeItems::CreatedAt))
                .foreign_key(&mut fk(
                    FeeItems::Table,
                    FeeItems::CommunityId,
                    Communities::Table,
                ))
                .take(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table(MeterReadings::Table)
                .col(id_col(MeterReadings::Id))
                .col(big_integer(MeterReadings::CommunityId))
                .col(big_integer(MeterReadings::HouseId))
                .col(big_integer(MeterReadings::FeeItemId))
                .col(big_integer(MeterReadings::Reading))
                .col(date(MeterReadings::ReadOn))
                .col(boolean(MeterReadings::IsReplacement).default(false))
                .col(string(MeterReadings::EnteredBy))
                .col(at(MeterReadings::CreatedAt))
                .foreign_key(&mut fk(
                    MeterReadings::Table,
                    MeterReadings::HouseId,
                    Houses::Table,
                ))
                .foreign_key(&mut fk(
                    MeterReadings::Table,
                    MeterReadings::FeeItemId,
                    FeeItems::Table,
                ))
                .take(),
        )
        .await?;
        m.create_index(index(
            MeterReadings::Table,
            &["house_id", "fee_item_id", "id"],
            false,
        ))
        .await?;
        m.create_table(
            Table::create()
                .table(Bills::Table)
                .col(id_col(Bills::Id))
                .col(big_integer(Bills::CommunityId))
                .col(big_integer(Bills::BuildingId))
                .col(big_integer(Bills::HouseId))
                .col(string_len(Bills::Period, 7))
                .col(string_len(Bills::Kind, 16))
                .col(string_len_null(Bills::SourceKey, 120))
                .col(date(Bills::DueOn))
                .col(big_integer(Bills::AmountFen))
                .col(big_integer(Bills::PaidFen).default(0))
                .col(at(Bills::CreatedAt))
                .col(at_null(Bills::CancelledAt))
                .col(string_null(Bills::CancelReason))
                .foreign_key(&mut fk(
                    Bills::Table,
                    Bills::CommunityId,
                    Communities::Table,
                ))
                .foreign_key(&mut fk(Bills::Table, Bills::HouseId, Houses::Table))
                .take(),
        )
        .await?;
        m.create_index(index(Bills::Table, &["house_id", "paid_fen"], false))
            .await?;
        m.create_index(index(
            Bills::Table,
            &["community_id", "period", "building_id"],
            false,
        ))
        .await?;
        m.create_index(index(Bills::Table, &["community_id", "source_key"], true))
            .await?;
        m.create_table(
            Table::create()
                .table(BillLines::Table)
                .col(id_col(BillLines::Id))
                .col(big_integer(BillLines::CommunityId))
                .col(big_integer(BillLines::BillId))
                .col(big_integer_null(BillLines::FeeItemId))
                .col(integer(BillLines::Position))
                .col(string(BillLines::Description))
                .col(big_integer(BillLines::AmountFen))
                .col(integer_null(BillLines::LateFeeBpsPerDay))
                .col(integer(BillLines::LateFeeGraceDays).default(0))
                .col(integer_null(BillLines::LateFeeCapBps))
                .foreign_key(&mut fk(BillLines::Table, BillLines::BillId, Bills::Table))
                .take(),
        )
        .await?;
        m.create_index(index(BillLines::Table, &["bill_id"], false))
            .await?;
        m.create_table(
            Table::create()
                .table(Payments::Table)
                .col(id_col(Payments::Id))
                .col(big_integer(Payments::CommunityId))
                .col(string_len(Payments::ClientKey, 120))
                .col(string_len(Payments::Kind, 16))
                .col(string_len(Payments::Method, 16))
                .col(big_integer(Payments::AmountFen))
                .col(string_len(Payments::ReceiptNo, 40))
                .col(integer(Payments::ReceiptYear))
                .col(big_integer(Payments::ReceiptSeq))
                .col(date(Payments::BusinessDate))
                .col(string(Payments::RecordedBy))
                .col(big_integer_null(Payments::ReversesPaymentId))
                .col(text_null(Payments::Reason))
                .col(string_null(Payments::GatewayReference))
                .col(at(Payments::CreatedAt))
                .foreign_key(&mut fk(
                    Payments::Table,
                    Payments::CommunityId,
                    Communities::Table,
                ))
                .take(),
        )
        .await?;
        m.create_index(index(
            Payments::Table,
            &["community_id", "client_key"],
            true,
        ))
        .await?;
        m.create_index(index(
            Payments::Table,
            &["community_id", "receipt_year", "receipt_seq"],
            true,
        ))
        .await?;
        m.create_index(index(Payments::Table, &["reverses_payment_id"], true))
            .await?;
        m.create_index(index(
            Payments::Table,
            &["community_id", "business_date"],
            false,
        ))
        .await?;
        m.create_table(
            Table::create()
                .table(PaymentAllocations::Table)
                .col(id_col(PaymentAllocations::Id))
                .col(big_integer(PaymentAllocations::CommunityId))
                .col(big_integer(PaymentAllocations::PaymentId))
                .col(big_integer(PaymentAllocations::BillId))
                .col(big_integer(PaymentAllocations::AmountFen))
                .foreign_key(&mut fk(
                    PaymentAllocations::Table,
                    PaymentAllocations::PaymentId,
                    Payments::Table,
                ))
                .foreign_key(&mut fk(
                    PaymentAllocations::Table,
                    PaymentAllocations::BillId,
                    Bills::Table,
                ))
                .take(),
        )
        .await?;
        m.create_index(index(PaymentAllocations::Table, &["bill_id"], false))
            .await?;
        m.create_index(index(PaymentAllocations::Table, &["payment_id"], false))
            .await?;
        m.create_table(
            Table::create()
                .table(ReceiptCounters::Table)
                .col(id_col(ReceiptCounters::Id))
                .col(big_integer(ReceiptCounters::CommunityId))
                .col(integer(ReceiptCounters::Year))
                .col(big_integer(ReceiptCounters::LastSeq))
                .take(),
        )
        .await?;
        m.create_index(index(
            ReceiptCounters::Table,
            &["community_id", "year"],
            true,
        ))
        .await?;
        m.create_table(
            Table::create()
                .table(PaymentIntents::Table)
                .col(id_col(PaymentIntents::Id))
                .col(big_integer(PaymentIntents::CommunityId))
                .col(string_len(PaymentIntents::ClientKey, 120))
                .col(big_integer(PaymentIntents::UserId))
                .col(text(PaymentIntents::BillIds))
                .col(big_integer(PaymentIntents::AmountFen))
                .col(string_len(PaymentIntents::Status, 16))
                .col(big_integer_null(PaymentIntents::PaymentId))
                .col(at(PaymentIntents::CreatedAt))
                .take(),
        )
        .await?;
        m.create_index(index(
            PaymentIntents::Table,
            &["user_id", "client_key"],
            true,
        ))
        .await?;
        m.create_table(
            Table::create()
                .table(DayCloses::Table)
                .col(id_col(DayCloses::Id))
                .col(big_integer(DayCloses::CommunityId))
                .col(date(DayCloses::BusinessDate))
                .col(string(DayCloses::BankedBy))
                .col(at(DayCloses::BankedAt))
                .col(big_integer(DayCloses::CashFen))
                .col(text_null(DayCloses::Note))
                .take(),
        )
        .await?;
        m.create_index(index(
            DayCloses::Table,
            &["community_id", "business_date"],
            true,
        ))
        .await?;
        m.create_table(
            Table::create()
                .table(ArrearsCalls::Table)
                .col(id_col(ArrearsCalls::Id))
                .col(big_integer(ArrearsCalls::CommunityId))
                .col(big_integer(ArrearsCalls::HouseId))
                .col(string(ArrearsCalls::CalledBy))
                .col(string_len(ArrearsCalls::Outcome, 16))
                .col(text_null(ArrearsCalls::Note))
                .col(date_null(ArrearsCalls::PromisedOn))
                .col(at(ArrearsCalls::CreatedAt))
                .foreign_key(&mut fk(
                    ArrearsCalls::Table,
                    ArrearsCalls::HouseId,
                    Houses::Table,
                ))
                .take(),
        )
        .await?;
        // One periodic bill per house and period; one-off bills are keyed by their source.
        m.get_connection()
            .execute_unprepared("CREATE UNIQUE INDEX uq_bills_periodic ON bills (house_id, period) WHERE kind = 'PERIODIC'")
            .await?;
        Ok(())
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        for t in [
            "arrears_calls",
            "day_closes",
            "payment_intents",
            "receipt_counters",
            "payment_allocations",
            "payments",
            "bill_lines",
            "bills",
            "meter_readings",
            "fee_items",
        ] {
            m.drop_table(Table::drop().table(Alias::new(t)).take())
                .await?;
        }
        Ok(())
    }
}
