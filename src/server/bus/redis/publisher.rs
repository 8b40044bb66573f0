//! Publishing to Redis, on one server (`PUBLISH`) or a cluster (`SPUBLISH`,
//! sharded pub/sub: a channel lives on the node that owns its slot), and the
//! questions the layer asks of it (who listens, is it up).

use std::collections::{BTreeSet, HashMap};

use redis::{
    RedisResult, Value,
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
        self.publish_all(&[(channel.to_owned(), payload)]).await
    }

    /// Publishes each `(channel, payload)`, in order: one pipeline on one
    /// server; on a cluster, one per channel (a pipeline goes to one node), all
    /// at once, so that each channel's events keep their order.
    pub(super) async fn publish_all(&mut self, events: &[(String, Vec<u8>)]) -> RedisResult<()> {
        match self {
            Self::Server(connection) => {
                let mut pipeline = redis::pipe();
                for (channel, payload) in events {
                    pipeline.cmd("PUBLISH").arg(channel).arg(payload).ignore();
                }
                pipeline.query_async::<()>(connection).await
            }
            Self::Cluster(connection) => {
                let mut by_channel: HashMap<&str, redis::Pipeline> = HashMap::new();
                for (channel, payload) in events {
                    by_channel.entry(channel).or_insert_with(redis::pipe).cmd("SPUBLISH").arg(channel).arg(payload).ignore();
                }
                let sent = by_channel.into_values().map(|pipeline| {
                    let mut connection = connection.clone();
                    async move { pipeline.query_async::<()>(&mut connection).await }
                });
                futures::future::join_all(sent).await.into_iter().collect()
            }
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

/// Most queued events sent to Redis in one go.
const MAX_TOGETHER: usize = 512;

/// Publishes queued events in order: what queued up while one pipeline was on
/// its way goes together in the next (at 1,000 events/s and 50 ms to Redis,
/// one round trip per event would manage 20/s). A failure is logged, not
/// retried: the head beacon tells the other instances what they missed.
pub(super) async fn publish_queued(mut publisher: Publisher, mut queued: mpsc::Receiver<(String, Vec<u8>)>) {
    let mut failing = false;
    let mut together = Vec::with_capacity(MAX_TOGETHER);
    while queued.recv_many(&mut together, MAX_TOGETHER).await > 0 {
        match publisher.publish_all(&together).await {
            Ok(()) => failing = false,
            Err(err) if !failing => {
                failing = true;
                tracing::warn!(%err, "redis publish failed; the head beacon will tell other instances");
            }
            Err(err) => tracing::debug!(%err, events = together.len(), "redis publish failed again"),
        }
        together.clear();
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
