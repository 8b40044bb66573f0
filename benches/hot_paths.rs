//! Micro-benchmarks of the hot paths: decoding a client frame, encoding the
//! message frame that is fanned out, and storing messages in a SQLite file, one
//! per transaction and in group-commit batches. Run with `cargo bench --features ssr`.

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use parlor::{
    protocol::{ChatMessage, ServerFrame, parse_client_frame},
    server::{
        db,
        store::{self, NewMessage},
    },
};

fn frames(c: &mut Criterion) {
    let mut group = c.benchmark_group("frames");
    group.throughput(Throughput::Elements(1));
    let raw = r#"{"type":"send","text":"Morning all! Did the deploy go through?","client_id":"19a4b2c-8f3e2a1b"}"#;
    group.bench_function("decode send", |b| b.iter(|| parse_client_frame(std::hint::black_box(raw))));
    let frame = ServerFrame::Message {
        room: "general".into(),
        message: ChatMessage {
            seq: 123_456,
            sender: "ada".into(),
            text: "Morning all! Did the deploy go through?".into(),
            timestamp: "2026-11-24T08:15:02.123Z".into(),
            client_id: Some("19a4b2c-8f3e2a1b".into()),
        },
    };
    group.bench_function("encode message", |b| b.iter(|| serde_json::to_string(std::hint::black_box(&frame))));
    group.finish();
}

fn store_append(c: &mut Criterion) {
    let runtime = tokio::runtime::Runtime::new().expect("runtime");
    let dir = tempfile::tempdir().expect("temp dir");
    let url = format!("sqlite://{}?mode=rwc", dir.path().join("bench.db").display());
    let (db, user) = runtime.block_on(async {
        let db = db::connect_and_migrate(&url).await.expect("database");
        let user = store::create_user(&db, "bench", "not-a-real-hash".into()).await.expect("user");
        (db, user)
    });
    let one = NewMessage { room: "bench".into(), sender: user.clone(), text: "hello there".into(), client_id: None };
    let mut group = c.benchmark_group("store");
    group.throughput(Throughput::Elements(1));
    group.bench_function("append message (sqlite, one commit)", |b| {
        b.to_async(&runtime).iter(|| store::append_message(&db, &one))
    });
    group.finish();

    // Group commit: one transaction for a batch spread over 10 rooms.
    let mut group = c.benchmark_group("store batch");
    for size in [16usize, 128, 512] {
        let batch: Vec<NewMessage> = (0..size)
            .map(|i| NewMessage {
                room: format!("bench-{}", i % 10),
                sender: user.clone(),
                text: "hello there".into(),
                client_id: None,
            })
            .collect();
        let refs: Vec<&NewMessage> = batch.iter().collect();
        group.throughput(Throughput::Elements(size as u64));
        group.bench_function(format!("append batch of {size} (sqlite, one commit)"), |b| {
            b.to_async(&runtime).iter(|| store::append_batch(&db, &refs))
        });
    }
    group.finish();
}

criterion_group!(benches, frames, store_append);
criterion_main!(benches);
