//! Presence churn (`--churn`): extra sockets of their own users that join a
//! room and leave it again while the senders send, counted only as connects.

use std::{
    sync::{Arc, atomic::Ordering::Relaxed},
    time::Duration,
};

use futures::StreamExt;
use tokio_tungstenite::tungstenite::http::HeaderValue;

use crate::run::Run;

/// A churn socket (`--churn`): from the start until sending stops, stays in its
/// room for `--churn-secs`, leaves for as long, and comes back. Its frames are
/// read (pings answered) but counted nowhere; only its connects are.
pub async fn churn(run: Arc<Run>, j: usize, cookie: HeaderValue) {
    let mut started = run.started.clone();
    let _ = started.wait_for(|&started| started).await;
    let stay = Duration::from_secs_f64(run.args.churn_secs.max(0.01));
    // Spread the sockets over one cycle, so that joins and leaves come evenly.
    tokio::time::sleep(stay.mul_f64(2.0 * j as f64 / run.args.churn as f64)).await;
    let index = run.args.clients + j;
    let room = run.room(index);
    while run.sending.load(Relaxed) {
        match run.connector.open(index, &room, &cookie).await {
            Ok(mut socket) => {
                run.totals.reconnects.fetch_add(1, Relaxed);
                let leave = tokio::time::sleep(stay);
                tokio::pin!(leave);
                loop {
                    tokio::select! {
                        message = socket.next() => if !matches!(message, Some(Ok(_))) { break },
                        () = &mut leave => {
                            let _ = socket.close(None).await;
                            break;
                        }
                    }
                }
            }
            Err(_) => {
                run.totals.churn_failed.fetch_add(1, Relaxed);
            }
        }
        tokio::time::sleep(stay).await;
    }
}
