//! Micro-benchmarks of the hot paths: decoding a client frame, encoding the
//! message frame that is fanned out, and storing messages in a SQLite file through
//! the store's writer, one at a time and many queued at once (group commit). Run with `cargo bench --features ssr`.

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use parlor::server::storage::registration::Entry;
use std::sync::Arc;

use parlor::{
    protocol::{ChatMessage, EventBody, ServerFrame, events::message, parse_client_frame},
    server::{
        bus::MemoryLayer,
        config::SqliteSync,
        storage::{NewEvent, Store},
        tasks::Background,
    },
};

fn frames(c: &mut Criterion) {
    let mut group = c.benchmark_group("frames");
    group.throughput(Throughput::Elements(1));
    let raw = r#"{"type":"send","text":"Morning all! Did the deploy go through?","client_id":"19a4b2c-8f3e2a1b"}"#;
    group.bench_function("decode send", |b| b.iter(|| parse_client_frame(std::hint::black_box(raw))));
    let frame = ServerFrame::Message(message::Frame {
        room: "general".into(),
        message: ChatMessage {
            seq: 123_456,
            sender: "ada".into(),
            text: "Morning all! Did the deploy go through?".into(),
            timestamp: "2026-11-24T08:15:02.123Z".into(),
            client_id: Some("19a4b2c-8f3e2a1b".into()),
            ..Default::default()
        },
    });
    group.bench_function("encode message", |b| b.iter(|| std::hint::black_box(&frame).encode()));
    group.finish();
}

fn store_append(c: &mut Criterion) {
    let runtime = tokio::runtime::Runtime::new().expect("runtime");
    let dir = tempfile::tempdir().expect("temp dir");
    let url = format!("sqlite://{}?mode=rwc", dir.path().join("bench.db").display());
    let background = Background::new();
    let (store, user) = runtime.block_on(async {
        let store =
            Store::open(&url, SqliteSync::Full, 8192, Arc::new(MemoryLayer::new(1024)), &background).await.expect("database");
        let user =
            store.registration().create_user("bench", "not-a-real-hash".into(), Entry::ByAdministrator).await.expect("user").user;
        (store, user)
    });
    let message = |i: usize| NewEvent {
        room: format!("bench-{}", i % 10),
        sender: user.clone(),
        client_id: None,
        body: EventBody::Message(message::Body::text("hello there".into())),
        display_as: None,
        hook_maker: None,
    };
    let mut group = c.benchmark_group("store");
    group.throughput(Throughput::Elements(1));
    group.bench_function("append one message and wait (sqlite, one commit)", |b| {
        b.to_async(&runtime).iter(|| async { store.append(message(0)).await.await.expect("stored") })
    });
    group.finish();

    // Group commit: N messages over 10 rooms queued at once share commits.
    let mut group = c.benchmark_group("store queued");
    for size in [16usize, 128, 512] {
        group.throughput(Throughput::Elements(size as u64));
        group.bench_function(format!("append {size} queued at once (sqlite, group commit)"), |b| {
            b.to_async(&runtime).iter(|| async {
                let mut pending = Vec::with_capacity(size);
                for i in 0..size {
                    pending.push(store.append(message(i)).await);
                }
                for stored in pending {
                    stored.await.expect("stored");
                }
            })
        });
    }
    group.finish();
    runtime.block_on(background.stop(std::time::Duration::from_secs(5)));
}

criterion_group!(benches, frames, store_append);
criterion_main!(benches);
