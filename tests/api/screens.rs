//! The main screens cost a fixed number of SQL statements, however long their lists are
//! (batched loaders, no N+1).
use crate::fees::{bill_community, period};
use crate::helpers::*;
use serde_json::json;

const HOUSE_LIST: &str = "query($c: ID!, $n: Int!) { node(id: $c) { ... on Community { houses(first: $n) { edges { node { number address status building { name } unit { name } owed { totalFen } members(first: 5) { edges { node { displayName phone relation } } } } } } } } }";
const OWNER_HOME: &str = "{ me { displayName houses { edges { node { relation house { address owed { dueFen overdueFen lateFeeFen totalFen openBills { amountFen status } } } } } } } }";

// Two workers, as a server has: the request and its batches may run on different threads.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_staff_house_list_does_not_grow_with_its_length() {
    let app = spawn_app().await;
    bill_community(&app, &[period(0)]).await;
    let manager = app.login(MANAGER).await;
    let c1 = app.community_id("CUIHU").await;
    let (small, few) = app
        .counted(Some(&manager), HOUSE_LIST, json!({ "c": c1, "n": 3 }))
        .await;
    let (big, many) = app
        .counted(Some(&manager), HOUSE_LIST, json!({ "c": c1, "n": 40 }))
        .await;
    assert_eq!(outcome(&small), "OK", "{small}");
    assert_eq!(
        big["data"]["node"]["houses"]["edges"]
            .as_array()
            .unwrap()
            .len(),
        40
    );
    // Forty rows are more than async-graphql asks for in one poll (see `graphql::batch`): the
    // loaders still take each level in one batch. A statement per row would add dozens.
    assert_eq!(many, few, "3 houses cost {few} statements, 40 cost {many}");
}

#[tokio::test]
async fn what_do_i_owe_does_not_grow_with_the_number_of_bills() {
    let app = spawn_app().await;
    let finance = bill_community(&app, &[period(0)]).await;
    let owner = app.login(OWNER1).await;
    let (one, with_one) = app.counted(Some(&owner), OWNER_HOME, json!({})).await;
    assert_eq!(
        one["data"]["me"]["houses"]["edges"][0]["node"]["house"]["owed"]["openBills"]
            .as_array()
            .unwrap()
            .len(),
        1
    );
    let c1 = app.community_id("CUIHU").await;
    for p in [period(1), period(2), period(3), period(4)] {
        let out = app.gql(Some(&finance), "mutation($c: ID!, $p: String!) { generateBills(communityId: $c, period: $p) { created } }", json!({ "c": c1, "p": p })).await;
        assert_eq!(outcome(&out), "OK", "{out}");
    }
    let (five, with_five) = app.counted(Some(&owner), OWNER_HOME, json!({})).await;
    assert_eq!(
        five["data"]["me"]["houses"]["edges"][0]["node"]["house"]["owed"]["openBills"]
            .as_array()
            .unwrap()
            .len(),
        5
    );
    assert!(
        with_five <= with_one + 1,
        "1 bill cost {with_one} statements, 5 bills cost {with_five}"
    );
}

#[tokio::test]
async fn the_owners_bill_history_does_not_grow_with_the_number_of_bills() {
    let app = spawn_app().await;
    let finance = bill_community(&app, &[period(1)]).await;
    let owner = app.login(OWNER1).await;
    let reception = app.login(RECEPTION).await;
    let house = app.house_id("CUIHU", "1栋", "1单元", "101").await;
    let q = "query($h: ID!) { node(id: $h) { ... on House { bills { edges { node { period amountFen lateFeeFen lines { description amountFen } } } } payments { edges { node { receiptNo reverses { receiptNo } reversedBy { receiptNo } allocations { amountFen bill { id paidFen } } } } } } } }";
    let c1 = app.community_id("CUIHU").await;
    // A mistaken payment and its reversal come first in the history: they point at each other.
    let manager = app.login(MANAGER).await;
    let first_bill = app
        .gql(
            Some(&owner),
            "query($h: ID!) { owed(houseId: $h) { openBills { id } } }",
            json!({ "h": house }),
        )
        .await["data"]["owed"]["openBills"][0]["id"]
        .clone();
    let mistaken = app.gql(Some(&reception), "mutation($b: ID!) { recordPayment(clientKey: \"m\", method: CASH, allocations: [{ billId: $b, amountFen: 50 }]) { id } }", json!({ "b": first_bill })).await;
    let reversed = app
        .gql(
            Some(&manager),
            "mutation($p: ID!) { reversePayment(paymentId: $p, reason: \"收错了户\") { id } }",
            json!({ "p": mistaken["data"]["recordPayment"]["id"] }),
        )
        .await;
    assert_eq!(outcome(&reversed), "OK", "{reversed}");
    let mut counts = vec![];
    for (i, p) in [period(2), period(3), period(4)].iter().enumerate() {
        if i > 0 {
            app.gql(Some(&finance), "mutation($c: ID!, $p: String!) { generateBills(communityId: $c, period: $p) { created } }", json!({ "c": c1, "p": p })).await;
        }
        let bills = app
            .gql(
                Some(&owner),
                "query($h: ID!) { owed(houseId: $h) { openBills { id } } }",
                json!({ "h": house }),
            )
            .await;
        let bill = bills["data"]["owed"]["openBills"][0]["id"].clone();
        app.gql(Some(&reception), "mutation($k: String!, $b: ID!) { recordPayment(clientKey: $k, method: CASH, allocations: [{ billId: $b, amountFen: 100 }]) { id } }", json!({ "k": format!("h{i}"), "b": bill })).await;
        let (out, n) = app.counted(Some(&owner), q, json!({ "h": house })).await;
        assert_eq!(
            out["data"]["node"]["bills"]["edges"]
                .as_array()
                .unwrap()
                .len(),
            i + 1,
            "{out}"
        );
        // The newest payment (listed last) shows the bill it paid.
        let payments = out["data"]["node"]["payments"]["edges"].as_array().unwrap();
        assert_eq!(payments.len(), i + 3, "{out}");
        let paid = &payments[i + 2]["node"]["allocations"][0]["bill"];
        assert_eq!(
            (&paid["id"], paid["paidFen"].as_i64()),
            (&bill, Some(100)),
            "{out}"
        );
        let (mistaken, reversal) = (&payments[0]["node"], &payments[1]["node"]);
        assert_eq!(
            mistaken["reversedBy"]["receiptNo"], reversal["receiptNo"],
            "{out}"
        );
        assert_eq!(
            reversal["reverses"]["receiptNo"], mistaken["receiptNo"],
            "{out}"
        );
        assert!(
            payments[2..]
                .iter()
                .all(|p| p["node"]["reversedBy"].is_null() && p["node"]["reverses"].is_null()),
            "{out}"
        );
        counts.push(n);
    }
    assert!(
        counts[2] <= counts[0] + 1,
        "1 vs 3 bills and payments (and a reversed pair): {counts:?}"
    );
}

#[tokio::test]
async fn the_key_desk_the_gate_list_and_my_moves_do_not_grow_with_their_length() {
    let app = spawn_app().await;
    let reception = app.login(RECEPTION).await;
    let guard = app.login(SECURITY).await;
    let owner = app.login(OWNER1).await;
    let c1 = app.community_id("CUIHU").await;
    let a = app.house_id("CUIHU", "1栋", "1单元", "101").await;
    let staff = crate::keys::staff_ids(&app).await;
    let desk = "query($c: ID!) { custodyKeys(communityId: $c) { edges { node { label state receivedBy house { number address } loans { purpose borrower dueBackAt } } } } }";
    let gate = "query($c: ID!) { releasePasses(communityId: $c) { items windowStart requestedBy house { number address } } }";
    let mine = "{ myMoves { edges { node { state passCode requestedBy house { number } } } } }";
    let chase = "query($c: ID!) { unreturnedKeys(communityId: $c) { borrower dueBackAt key { label house { number } } } }";
    let mut counts = vec![];
    let mut chases = vec![];
    for n in 0..4 {
        let floor = [1, 2, 3, 5][n];
        let h = app
            .house_id("CUIHU", "1栋", "1单元", &format!("{floor}01"))
            .await;
        let k = app
            .gql(
                Some(&reception),
                "mutation($h: ID!) { depositKey(houseId: $h, label: \"入户门\") { id } }",
                json!({ "h": h }),
            )
            .await["data"]["depositKey"]["id"]
            .clone();
        // Due back today, so the loan is on today's chase list.
        let due = later_today().await;
        let lent = app.gql(Some(&reception), "mutation($i: LendKeyInput!) { lendKey(input: $i) { state } }",
            json!({ "i": { "keyId": k, "purpose": "INSPECTION", "borrowerId": staff["BUTLER"], "dueBackAt": due } })).await;
        assert_eq!(lent["data"]["lendKey"]["state"], "LENT", "{lent}");
        let booked = app
            .gql(
                Some(&owner),
                "mutation($i: BookMoveInput!) { bookMove(input: $i) { id } }",
                crate::moves::booking(
                    &a,
                    "IN",
                    guanjia::service::today_in_community(),
                    &format!("screen-{n}"),
                ),
            )
            .await;
        assert_eq!(outcome(&booked), "OK", "{booked}");
        if n == 0 || n == 3 {
            let (d, dn) = app
                .counted(Some(&reception), desk, json!({ "c": c1 }))
                .await;
            assert_eq!(
                d["data"]["custodyKeys"]["edges"].as_array().unwrap().len(),
                n + 1,
                "{d}"
            );
            let (g, gn) = app.counted(Some(&guard), gate, json!({ "c": c1 })).await;
            assert_eq!(
                g["data"]["releasePasses"].as_array().unwrap().len(),
                n + 1,
                "{g}"
            );
            let (m, mn) = app.counted(Some(&owner), mine, json!({})).await;
            assert_eq!(
                m["data"]["myMoves"]["edges"].as_array().unwrap().len(),
                n + 1,
                "{m}"
            );
            let (u, un) = app
                .counted(Some(&reception), chase, json!({ "c": c1 }))
                .await;
            assert_eq!(
                u["data"]["unreturnedKeys"].as_array().unwrap().len(),
                n + 1,
                "{u}"
            );
            counts.push((dn, gn, mn));
            chases.push(un);
        }
    }
    let ((d1, g1, m1), (d4, g4, m4)) = (counts[0], counts[1]);
    assert!(
        d4 <= d1 + 1 && g4 <= g1 + 1 && m4 <= m1 + 1,
        "1 row vs 4 rows: key desk {d1}/{d4}, gate {g1}/{g4}, my moves {m1}/{m4}"
    );
    assert!(
        chases[1] <= chases[0] + 1,
        "the unreturned-key list: 1 row {} statements, 4 rows {}",
        chases[0],
        chases[1]
    );
}

/// A transaction in which the planner must show whether an index gives rows in order: on a few
/// demo rows its own choice would be a scan and a sort whatever the indexes, so on PostgreSQL
/// both are forbidden within it (SQLite's plans already say which index they use).
async fn planning_txn(db: &sea_orm::DatabaseConnection) -> sea_orm::DatabaseTransaction {
    use sea_orm::{ConnectionTrait, DbBackend, TransactionTrait};
    let txn = db.begin().await.unwrap();
    if db.get_database_backend() == DbBackend::Postgres {
        txn.execute_unprepared("SET LOCAL enable_seqscan = off; SET LOCAL enable_sort = off")
            .await
            .unwrap();
    }
    txn
}

/// The plan of `stmt`, one line a step, with the SQL it explained.
async fn plan_of(
    txn: &sea_orm::DatabaseTransaction,
    stmt: sea_orm::Statement,
) -> (String, Vec<String>) {
    use sea_orm::{ConnectionTrait, DbBackend, Statement};
    let backend = txn.get_database_backend();
    let explain = if backend == DbBackend::Postgres {
        "EXPLAIN"
    } else {
        "EXPLAIN QUERY PLAN"
    };
    let sql = format!("{explain} {}", stmt.sql);
    let rows = txn
        .query_all_raw(Statement {
            sql: sql.clone(),
            ..stmt
        })
        .await
        .unwrap();
    let plan = rows
        .iter()
        .map(|r| {
            if backend == DbBackend::Postgres {
                r.try_get_by_index::<String>(0).unwrap()
            } else {
                r.try_get::<String>("", "detail").unwrap()
            }
        })
        .collect();
    (sql, plan)
}

/// The community lists of the desks (repairs, complaints, bills, renovations, moves, handovers,
/// cards, keys) page by id, 20 rows and one more to know there is a next page. A page must be
/// read in the order of an index and stop there: sorting the whole community first made the
/// reception's repair list cost as much as the community's history (40,000 orders in the soak).
#[tokio::test]
async fn a_desk_list_page_reads_the_community_in_id_order_instead_of_sorting_it() {
    use sea_orm::{DbBackend, Statement};
    let app = spawn_app().await;
    let backend = app.db.get_database_backend();
    let txn = planning_txn(&app.db).await;
    for table in [
        "repair_orders",
        "complaints",
        "bills",
        "renovations",
        "move_bookings",
        "handovers",
        "cards",
        "custody_keys",
        "notices",
    ] {
        for order in ["ASC", "DESC"] {
            let page = format!(
                "SELECT * FROM {table} WHERE community_id = 1 ORDER BY id {order} LIMIT 21"
            );
            let (sql, plan) = plan_of(&txn, Statement::from_string(backend, page)).await;
            let text = plan.join("\n");
            assert!(
                !text.contains("TEMP B-TREE") && !text.contains("Sort"),
                "{sql} sorts the community:\n{text}"
            );
            if backend == DbBackend::Postgres {
                assert!(
                    text.contains("Index Cond: (community_id ="),
                    "{sql} reads every row of the table:\n{text}"
                );
            } else {
                assert!(
                    text.contains("(community_id=?)"),
                    "{sql} reads every row of the table:\n{text}"
                );
            }
        }
    }
    txn.rollback().await.unwrap();
}

/// The owner's repair list on the home screen: each of its branches (a house's orders, the
/// orders the owner booked) must read its page in id order and stop, so that the page costs
/// the same for an owner with 10 orders as for the soak's owner with 67,000.
#[tokio::test]
async fn the_owners_repair_page_reads_each_branch_in_id_order() {
    use guanjia::service::page::any_limited_statement;
    use guanjia::service::repairs::owners_orders;
    use sea_orm::DbBackend;
    let app = spawn_app().await;
    let backend = app.db.get_database_backend();
    let txn = planning_txn(&app.db).await;
    // All orders, or the open ones only (the home screen's): the state is a filter on the rows
    // each index search yields.
    for (descending, open) in [
        (false, None),
        (true, None),
        (false, Some(true)),
        (true, Some(true)),
    ] {
        let page = any_limited_statement(
            backend,
            owners_orders(&[1, 2], 1, open),
            entity::repair_order::Column::Id,
            descending,
            6,
        );
        let (sql, plan) = plan_of(&txn, page).await;
        let text = plan.join("\n");
        let searches = |cond: &str| plan.iter().filter(|l| l.contains(cond)).count();
        if backend == DbBackend::Postgres {
            assert_eq!(
                (
                    searches("Index Cond: (house_id ="),
                    searches("Index Cond: (requested_by =")
                ),
                (2, 1),
                "{sql}:\n{text}"
            );
            // One sort, of the union's few rows; a sort under a branch would sort all its rows.
            let sorts: Vec<usize> = (0..plan.len())
                .filter(|&i| plan[i].contains("Sort  ("))
                .collect();
            let append = plan
                .iter()
                .position(|l| l.contains("Append"))
                .expect("a union of branches");
            assert!(
                sorts.len() == 1 && sorts[0] < append,
                "{sql} sorts inside a branch:\n{text}"
            );
        } else {
            assert_eq!(
                (searches("(house_id=?)"), searches("(requested_by=?)")),
                (2, 1),
                "{sql}:\n{text}"
            );
            assert!(
                plan.iter().all(|l| !l.starts_with("SCAN repair_orders")),
                "{sql} reads every order:\n{text}"
            );
            // SQLite sorts each branch's output for the union's merge (a page of rows at most):
            // a sort straight after the index search would be of every order the branch matches.
            for i in (0..plan.len()).filter(|&i| plan[i].contains("TEMP B-TREE")) {
                assert!(
                    plan[i - 1].starts_with("SCAN branch"),
                    "{sql} sorts inside a branch:\n{text}"
                );
            }
        }
    }
    txn.rollback().await.unwrap();
}
