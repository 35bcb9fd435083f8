//! `cargo bench --bench soak`: the release server under saturation for a bounded time on
//! loopback. Starts `guanjia --demo` as a child process on a fresh database, drives a mix of
//! reads and writes of every role with many concurrent clients, and samples the child's memory.
//! Fails (exit 1) on any 5xx, any transport error, any error other than the expected ones, or
//! memory that keeps growing after warm-up.
use serde_json::{json, Value};
use std::collections::BTreeMap;
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

const PASSWORD: &str = "guanjia2026";
/// Requests of each kind in the unloaded probes before and after the load.
const PROBES: u64 = 50;

struct Args {
    seconds: u64,
    clients: usize,
    database_url: Option<String>,
}

fn args() -> Args {
    let mut a = Args {
        seconds: 120,
        clients: 32,
        database_url: None,
    };
    let mut it = std::env::args().skip(1);
    while let Some(flag) = it.next() {
        match flag.as_str() {
            "--seconds" => a.seconds = it.next().and_then(|v| v.parse().ok()).expect("--seconds N"),
            "--clients" => a.clients = it.next().and_then(|v| v.parse().ok()).expect("--clients N"),
            "--database-url" => a.database_url = it.next(),
            _ => {} // cargo bench passes --bench
        }
    }
    a
}

fn rss_kib(pid: u32) -> u64 {
    std::fs::read_to_string(format!("/proc/{pid}/status"))
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmRSS:"))
                .and_then(|l| l.split_whitespace().nth(1)?.parse().ok())
        })
        .unwrap_or(0)
}

async fn gql(
    client: &reqwest::Client,
    url: &str,
    token: Option<&str>,
    query: &str,
    variables: Value,
) -> Result<(u16, Value), String> {
    let mut req = client
        .post(url)
        .json(&json!({ "query": query, "variables": variables }));
    if let Some(t) = token {
        req = req.bearer_auth(t);
    }
    let resp = req.send().await.map_err(|e| e.to_string())?;
    let status = resp.status().as_u16();
    let body = resp.json().await.map_err(|e| e.to_string())?;
    Ok((status, body))
}

#[tokio::main]
async fn main() {
    let a = args();
    let dir = std::env::temp_dir().join(format!("guanjia-soak-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let db = a
        .database_url
        .clone()
        .unwrap_or_else(|| format!("sqlite://{}?mode=rwc", dir.join("soak.db").display()));
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let mut child = Command::new(env!("CARGO_BIN_EXE_guanjia"))
        .arg("--demo")
        .env("GUANJIA_DATABASE_URL", &db)
        .env("GUANJIA_BIND", format!("127.0.0.1:{port}"))
        .env("GUANJIA_UPLOAD_DIR", dir.join("uploads"))
        .stdout(Stdio::null())
        .stderr(Stdio::inherit())
        .spawn()
        .expect("start the release server");
    let pid = child.id();
    let url = format!("http://127.0.0.1:{port}/graphql");
    let client = reqwest::Client::builder()
        .pool_max_idle_per_host(a.clients)
        .build()
        .unwrap();
    for _ in 0..200 {
        if client
            .get(format!("http://127.0.0.1:{port}/healthz"))
            .send()
            .await
            .is_ok()
        {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let login = |phone: &'static str| {
        let (client, url) = (client.clone(), url.clone());
        async move {
            let (_, v) = gql(&client, &url, None, "mutation($p: String!, $w: String!) { login(phone: $p, password: $w) { accessToken } }", json!({ "p": phone, "w": PASSWORD })).await.unwrap();
            v["data"]["login"]["accessToken"]
                .as_str()
                .expect("demo login")
                .to_owned()
        }
    };
    let (owner, reception, tech, manager, finance) = (
        login("13800000001").await,
        login("13900000002").await,
        login("13900000003").await,
        login("13900000005").await,
        login("13900000006").await,
    );
    let (_, c) = gql(
        &client,
        &url,
        Some(&manager),
        "{ communities { edges { node { id } } } }",
        json!({}),
    )
    .await
    .unwrap();
    let community = c["data"]["communities"]["edges"][0]["node"]["id"].clone();
    let item = json!({ "communityId": community, "name": "物业费", "kind": "MANAGEMENT", "formula": "BY_AREA", "cycle": "MONTHLY", "unitPriceFen": 280 });
    gql(
        &client,
        &url,
        Some(&finance),
        "mutation($i: CreateFeeItemInput!) { createFeeItem(input: $i) { id } }",
        json!({ "i": item }),
    )
    .await
    .unwrap();
    let today = chrono::Utc::now().format("%Y-%m").to_string();
    // A year of bills, not one: the payments take 1 fen at a time, and one month's bill (301
    // yuan) was paid off within two minutes, after which every payment was the expected
    // CONFLICT and the rest of the run no longer wrote any.
    let now = chrono::Utc::now().date_naive();
    for back in 0..12 {
        let period = (now - chrono::Months::new(back))
            .format("%Y-%m")
            .to_string();
        let (_, g) = gql(&client, &url, Some(&finance), "mutation($c: ID!, $p: String!) { generateBills(communityId: $c, period: $p) { created } }", json!({ "c": community, "p": period })).await.unwrap();
        assert!(
            g["errors"].is_null(),
            "generating the bills of {period}: {g}"
        );
    }
    let (_, o) = gql(
        &client,
        &url,
        Some(&owner),
        "{ me { houses { edges { node { house { id owed { openBills { id } } } } } } } }",
        json!({}),
    )
    .await
    .unwrap();
    let house = o["data"]["me"]["houses"]["edges"][0]["node"]["house"]["id"].clone();
    let bills: Vec<Value> = o["data"]["me"]["houses"]["edges"][0]["node"]["house"]["owed"]
        ["openBills"]
        .as_array()
        .map(|open| open.iter().map(|b| b["id"].clone()).collect())
        .unwrap_or_default();
    assert!(!bills.is_empty(), "the owner has no open bill to pay: {o}");
    println!(
        "paying 1 fen at a time into {} open bills of the owner's house",
        bills.len()
    );

    // The mix, each with the error codes it may legitimately answer.
    type Req = (
        &'static str,
        String,
        &'static str,
        Value,
        &'static [&'static str],
    );
    let seq = Arc::new(AtomicU64::new(0));
    let mix = {
        let (owner, reception, tech, manager) = (
            owner.clone(),
            reception.clone(),
            tech.clone(),
            manager.clone(),
        );
        let (house, bills, community, today) = (
            house.clone(),
            bills.clone(),
            community.clone(),
            today.clone(),
        );
        move |n: u64| -> Req {
            match n % 8 {
                0 | 1 => ("owner home", owner.clone(), "{ me { displayName houses { edges { node { house { address owed { totalFen openBills { amountFen } } } } } } } myRepairOrders(first: 5, open: true) { edges { node { state timeline { action } } } } myNotices(first: 3) { edges { node { title } } } }", json!({}), &[]),
                2 => ("book repair", owner.clone(), "mutation($i: BookRepairInput!) { bookRepair(input: $i) { id } }", json!({ "i": { "houseId": house, "category": "WATER", "description": "压测报修", "clientKey": format!("soak-{n}") } }), &[]),
                3 => ("pay 1 fen", reception.clone(), "mutation($k: String!, $b: ID!) { recordPayment(clientKey: $k, method: CASH, allocations: [{ billId: $b, amountFen: 1 }]) { id } }", json!({ "k": format!("soak-pay-{n}"), "b": bills[(n / 8) as usize % bills.len()] }), &["CONFLICT"]),
                4 => ("technician queue", tech.clone(), "{ myRepairQueue { edges { node { address state } } } }", json!({}), &[]),
                5 => ("collection report", manager.clone(), "query($c: ID!, $p: String!) { collectionReport(communityId: $c, period: $p) { total { rateBps } } }", json!({ "c": community, "p": today }), &[]),
                6 => ("desk repair list", reception.clone(), "query($c: ID!) { repairOrders(communityId: $c, first: 20) { edges { node { state } } } }", json!({ "c": community }), &[]),
                _ => ("owner asks for staff data", owner.clone(), "query($c: ID!) { collectionReport(communityId: $c, period: \"2026-01\") { total { rateBps } } }", json!({ "c": community }), &["FORBIDDEN"]),
            }
        }
    };

    // Each kind alone, one at a time, before the load and after it: under load every kind waits
    // in the same queue, so only an unloaded request shows which one the grown database slows.
    let probe = |from: u64| {
        let (client, url, mix) = (client.clone(), url.clone(), mix.clone());
        async move {
            let mut alone: BTreeMap<&'static str, (u64, Duration)> = BTreeMap::new();
            for i in 0..PROBES * 8 {
                let (name, token, query, vars, _) = mix(from + i);
                let sent = Instant::now();
                gql(&client, &url, Some(&token), query, vars)
                    .await
                    .expect("a probe request");
                let slot = alone.entry(name).or_default();
                *slot = (slot.0 + 1, slot.1 + sent.elapsed());
            }
            alone
        }
    };
    let before = probe(u64::MAX / 2).await;

    let counts: Arc<Mutex<BTreeMap<String, u64>>> = Arc::default();
    // Time taken by each kind of request, by quarter of the run: which one slows down as the
    // database grows.
    let timings: Arc<Mutex<BTreeMap<&'static str, [(u64, Duration); 4]>>> = Arc::default();
    let failures: Arc<Mutex<Vec<String>>> = Arc::default();
    let deadline = Instant::now() + Duration::from_secs(a.seconds);
    let mut workers = vec![];
    for _ in 0..a.clients {
        let (client, url, seq, mix, counts, failures, timings) = (
            client.clone(),
            url.clone(),
            seq.clone(),
            mix.clone(),
            counts.clone(),
            failures.clone(),
            timings.clone(),
        );
        let (run, start) = (
            Duration::from_secs(a.seconds),
            deadline - Duration::from_secs(a.seconds),
        );
        workers.push(tokio::spawn(async move {
            while Instant::now() < deadline {
                let n = seq.fetch_add(1, Ordering::Relaxed);
                let (name, token, query, vars, expected) = mix(n);
                let sent = Instant::now();
                let answer = gql(&client, &url, Some(&token), query, vars).await;
                let quarter =
                    (sent.duration_since(start).as_secs_f64() * 4.0 / run.as_secs_f64()) as usize;
                {
                    let mut timings = timings.lock().unwrap();
                    let slot = &mut timings.entry(name).or_default()[quarter.min(3)];
                    *slot = (slot.0 + 1, slot.1 + sent.elapsed());
                }
                let outcome = match answer {
                    Err(e) => Err(format!("{name}: transport error {e}")),
                    Ok((status, _)) if status >= 500 => Err(format!("{name}: HTTP {status}")),
                    Ok((_, body)) => match body["errors"][0]["extensions"]["code"].as_str() {
                        None => Ok("OK".to_owned()),
                        Some(code) if expected.contains(&code) => Ok(code.to_owned()),
                        Some(code) => Err(format!("{name}: unexpected {code}: {body}")),
                    },
                };
                match outcome {
                    Ok(code) => {
                        *counts
                            .lock()
                            .unwrap()
                            .entry(format!("{name} → {code}"))
                            .or_default() += 1
                    }
                    Err(e) => failures.lock().unwrap().push(e),
                }
            }
        }));
    }
    let mut samples = vec![];
    let started = Instant::now();
    while Instant::now() < deadline {
        tokio::time::sleep(Duration::from_secs(5)).await;
        let kib = rss_kib(pid);
        samples.push((started.elapsed().as_secs(), kib));
        println!(
            "{:>4} s  {:>8} requests  server RSS {:.1} MiB",
            started.elapsed().as_secs(),
            seq.load(Ordering::Relaxed),
            kib as f64 / 1024.0
        );
    }
    for w in workers {
        w.await.unwrap();
    }
    let after = probe(u64::MAX / 2 + PROBES * 8).await;
    let _ = child.kill();
    let _ = child.wait();
    let _ = std::fs::remove_dir_all(&dir);

    let total: u64 = counts.lock().unwrap().values().sum();
    println!(
        "\n{} clients for {} s: {} requests answered ({:.0}/s)",
        a.clients,
        a.seconds,
        total,
        total as f64 / a.seconds as f64
    );
    for (k, v) in counts.lock().unwrap().iter() {
        println!("  {k:<40} {v}");
    }
    let mean = |(n, t): &(u64, Duration)| t.as_secs_f64() * 1000.0 / (*n).max(1) as f64;
    println!("\nmean time a request, ms, by quarter of the run:");
    for (name, quarters) in timings.lock().unwrap().iter() {
        let means: Vec<String> = quarters
            .iter()
            .map(|q| format!("{:>6.2}", mean(q)))
            .collect();
        println!("  {name:<28} {}", means.join(" "));
    }
    println!("\nalone, one at a time ({PROBES} each), ms: before the load, after it");
    for (name, b) in &before {
        println!(
            "  {name:<28} {:>6.2} {:>6.2}",
            mean(b),
            after.get(name).map(mean).unwrap_or(0.0)
        );
    }
    // Flat memory: after the first quarter (caches, pools and the database warm up), the last
    // sample may not exceed the warm-up sample by more than 10%.
    let warm = samples
        .iter()
        .find(|(s, _)| *s >= a.seconds / 4)
        .map(|(_, k)| *k)
        .unwrap_or(0);
    let last = samples.last().map(|(_, k)| *k).unwrap_or(0);
    let peak = samples.iter().map(|(_, k)| *k).max().unwrap_or(0);
    println!(
        "server RSS: after warm-up {:.1} MiB, at the end {:.1} MiB, peak {:.1} MiB",
        warm as f64 / 1024.0,
        last as f64 / 1024.0,
        peak as f64 / 1024.0
    );
    let failures = failures.lock().unwrap();
    let mut bad = false;
    if !failures.is_empty() {
        println!("{} failures, first: {}", failures.len(), failures[0]);
        bad = true;
    }
    if warm > 0 && last * 10 > warm * 11 {
        println!("memory grew by more than 10% after warm-up");
        bad = true;
    }
    if bad {
        std::process::exit(1);
    }
    println!("no 5xx, no unexpected error, memory flat");
}
