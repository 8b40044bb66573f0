//! Publishing to Redis, on one server (`PUBLISH`) or a cluster (`SPUBLISH`,
//! sharded pub/sub: a channel lives on the node that owns its slot), and the
//! questions the layer asks of it (who listens, is it up).

use std::collections::BTreeSet;

use futures::StreamExt;
use redis::{
    AsyncCommands, RedisResult, Value,
    aio::ConnectionManager,
    cluster_async::ClusterConnection,
    cluster_routing::{RoutingInfo, SingleNodeRoutingInfo},
};
use tokio::sync::mpsc;

/// A connection that publishes.
#[derive(Clone)]
pub(super) enum Publisher {
    Server(ConnectionManager),
    Cluster(ClusterConnection),
}

impl Publisher {
    /// Publishes `payload` on `channel`.
    pub(super) async fn publish(&mut self, channel: &str, payload: Vec<u8>) -> RedisResult<()> {
        match self {
            Self::Server(connection) => connection.publish::<_, _, i64>(channel, payload).await.map(drop),
            Self::Cluster(connection) => connection.spublish::<_, _, i64>(channel, payload).await.map(drop),
        }
    }

    /// How many connections subscribe to `channel` (over every node of a cluster).
    pub(super) async fn listeners(&mut self, channel: &str) -> RedisResult<i64> {
        let counts: Vec<(String, i64)> = match self {
            Self::Server(connection) => redis::cmd("PUBSUB").arg("NUMSUB").arg(channel).query_async(connection).await?,
            // Sent to every node; the client sums the answers.
            Self::Cluster(connection) => {
                let counts: std::collections::HashMap<String, i64> =
                    redis::cmd("PUBSUB").arg("SHARDNUMSUB").arg(channel).query_async(connection).await?;
                counts.into_iter().collect()
            }
        };
        Ok(counts.into_iter().map(|(_, count)| count).sum())
    }

    /// Pings the server, or every primary that owns slots of the cluster (a
    /// node that is down fails it: its rooms' events cannot pass).
    pub(super) async fn ping(&mut self) -> RedisResult<()> {
        match self {
            Self::Server(connection) => redis::cmd("PING").query_async::<String>(connection).await.map(drop),
            Self::Cluster(connection) => {
                let slots: Value = redis::cmd("CLUSTER").arg("SLOTS").query_async(connection).await?;
                for (host, port) in primaries(&slots) {
                    let at = RoutingInfo::SingleNode(SingleNodeRoutingInfo::ByAddress { host, port });
                    connection.route_command(redis::cmd("PING"), at).await?;
                }
                Ok(())
            }
        }
    }
}

/// The primaries' addresses in a `CLUSTER SLOTS` answer (each range: start,
/// end, then its primary as host, port, id, …).
fn primaries(slots: &Value) -> BTreeSet<(String, u16)> {
    let Value::Array(ranges) = slots else { return BTreeSet::new() };
    ranges
        .iter()
        .filter_map(|range| match range {
            Value::Array(range) => match range.get(2) {
                Some(Value::Array(primary)) => match (primary.first(), primary.get(1)) {
                    (Some(Value::BulkString(host)), Some(Value::Int(port))) => {
                        Some((String::from_utf8_lossy(host).into_owned(), u16::try_from(*port).ok()?))
                    }
                    _ => None,
                },
                _ => None,
            },
            _ => None,
        })
        .collect()
}

/// Publishes in flight at once: Redis answers each in turn, so a publish does
/// not wait for the ones before it to be answered (at 1,000 events/s and 50 ms
/// to Redis, one at a time would manage 20/s).
const IN_FLIGHT: usize = 512;

/// Publishes queued events in order, up to [`IN_FLIGHT`] at once. Each is
/// written to the connection in queue order (a cluster's, to its node's
/// connection), so each channel's events reach Redis in order. A failure is
/// logged, not retried: the head beacon tells the other instances what they
/// missed.
pub(super) async fn publish_queued(publisher: Publisher, queued: mpsc::Receiver<(String, Vec<u8>)>) {
    let events = futures::stream::unfold(queued, |mut queued| async move { queued.recv().await.map(|event| (event, queued)) });
    let answers = events
        .map(|(channel, payload)| {
            let mut publisher = publisher.clone();
            async move {
                let answer = publisher.publish(&channel, payload).await;
                (channel, answer)
            }
        })
        .buffered(IN_FLIGHT);
    let mut answers = std::pin::pin!(answers);
    let mut failing = false;
    while let Some((channel, answer)) = answers.next().await {
        match answer {
            Ok(()) => failing = false,
            Err(err) if !failing => {
                failing = true;
                tracing::warn!(%err, "redis publish failed; the head beacon will tell other instances");
            }
            Err(err) => tracing::debug!(%err, channel, "redis publish failed again"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn bulk(text: &str) -> Value {
        Value::BulkString(text.as_bytes().to_vec())
    }

    #[test]
    fn primaries_are_read_from_cluster_slots() {
        let range = |start, end, port| {
            Value::Array(vec![
                Value::Int(start),
                Value::Int(end),
                Value::Array(vec![bulk("127.0.0.1"), Value::Int(port), bulk("id")]),
                Value::Array(vec![bulk("127.0.0.1"), Value::Int(9999), bulk("replica")]),
            ])
        };
        let slots = Value::Array(vec![range(0, 5460, 7001), range(5461, 10922, 7002), range(10923, 16383, 7001)]);
        let expected: BTreeSet<_> = [("127.0.0.1".to_owned(), 7001), ("127.0.0.1".to_owned(), 7002)].into();
        assert_eq!(primaries(&slots), expected);
        assert!(primaries(&Value::Nil).is_empty());
    }
}
