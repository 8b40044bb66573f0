//! The report: the readable line on stdout and, with `--json`, the same
//! numbers as one JSON object.

use std::sync::atomic::Ordering::Relaxed;

use hdrhistogram::Histogram;

use crate::{
    BoxError,
    run::{Run, sum},
};

/// What the top-level flow measured, for the report.
pub struct Measured {
    pub connect_times: Histogram<u64>,
    /// Seconds of connecting every socket.
    pub connect_secs: f64,
    pub sending_secs: f64,
    pub drain_secs: f64,
    /// Deliveries due and deliveries made, as of the end of the drain.
    pub expected: u64,
    pub deliveries: u64,
}

/// Prints the report line, and the JSON object with `--json`.
pub fn print(run: &Run, measured: Measured) -> Result<(), BoxError> {
    let (args, totals) = (&run.args, &run.totals);
    let (senders, bursts) = (run.senders, run.bursts);
    let Measured { connect_times, connect_secs, sending_secs, drain_secs, expected, deliveries } = measured;
    let mut latencies = Histogram::<u64>::new(3)?;
    for shard in &totals.latencies {
        latencies.add(&*shard.0.lock().expect("histogram"))?;
    }
    let acked = sum(&totals.acked);
    let changes = totals.changes.load(Relaxed);
    let changes_expected = run.expected(&totals.changes_acked);
    // Idle runs send nothing at a rate, deliver only during the drain, and hold for --duration.
    let rate = if args.idle { 0 } else { args.rate };
    let active_secs = if args.idle { drain_secs } else { sending_secs + drain_secs };
    let held_secs = if args.idle { args.duration as f64 } else { sending_secs };
    let report = serde_json::json!({
        "clients": args.clients,
        "senders": senders + bursts,
        "rooms": args.rooms,
        "source_addrs": args.source_addrs,
        "target_rate": rate,
        "duration_s": held_secs,
        "sent": totals.sent.load(Relaxed),
        "acked": acked,
        "errors": totals.errors.load(Relaxed),
        "deliveries": deliveries,
        "deliveries_per_s": deliveries as f64 / active_secs.max(1e-3),
        "lost": expected.saturating_sub(deliveries),
        "reached": totals.reached.load(Relaxed),
        "closed": totals.closed.load(Relaxed),
        "changes_sent": totals.changes_sent.load(Relaxed),
        "changes_acked": sum(&totals.changes_acked),
        "change_errors": totals.change_errors.load(Relaxed),
        "changes": changes,
        "changes_lost": changes_expected.saturating_sub(changes),
        "presence": totals.presence.load(Relaxed),
        "churn": args.churn,
        "reconnects": totals.reconnects.load(Relaxed),
        "churn_failed": totals.churn_failed.load(Relaxed),
        "latency_ms": summary(&latencies),
        "connect_ms": summary(&connect_times),
        "connect_total_s": connect_secs,
        "drain_s": drain_secs,
    });
    let mut line = format!(
        "clients={} senders={} rooms={} rate={}/s sent={} acked={} errors={} deliveries={} ({:.0}/s) lost={} \
         latency p50={:.2}ms p90={:.2}ms p99={:.2}ms max={:.2}ms connect p50={:.2}ms p99={:.2}ms drain={:.1}s",
        args.clients,
        senders + bursts,
        args.rooms,
        rate,
        report["sent"],
        acked,
        report["errors"],
        deliveries,
        report["deliveries_per_s"].as_f64().unwrap_or(0.0),
        report["lost"],
        ms(&latencies, 50.0),
        ms(&latencies, 90.0),
        ms(&latencies, 99.0),
        latencies.max() as f64 / 1000.0,
        ms(&connect_times, 50.0),
        ms(&connect_times, 99.0),
        drain_secs,
    );
    if args.mix || args.churn > 0 {
        line += &format!(
            " changes={changes} (sent {} acked {} errors {} lost {}) presence={} churn={} reconnects={} churn_failed={}",
            report["changes_sent"],
            report["changes_acked"],
            report["change_errors"],
            report["changes_lost"],
            report["presence"],
            args.churn,
            report["reconnects"],
            report["churn_failed"],
        );
    }
    if args.idle {
        line += &format!(
            " reached={} closed={} connect_total={connect_secs:.1}s source_addrs={}",
            report["reached"], report["closed"], args.source_addrs
        );
    }
    println!("{line}");
    if args.json {
        println!("{report}");
    }
    Ok(())
}

fn ms(histogram: &Histogram<u64>, percentile: f64) -> f64 {
    histogram.value_at_percentile(percentile) as f64 / 1000.0
}

fn summary(histogram: &Histogram<u64>) -> serde_json::Value {
    serde_json::json!({
        "p50": ms(histogram, 50.0),
        "p90": ms(histogram, 90.0),
        "p99": ms(histogram, 99.0),
        "max": histogram.max() as f64 / 1000.0,
        "count": histogram.len(),
    })
}
