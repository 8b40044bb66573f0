//! The in-memory channel layer: one tokio broadcast channel per room with
//! subscribers, for a single Parlor instance.

use std::{
    collections::HashMap,
    sync::{Arc, Mutex},
};

use async_trait::async_trait;
use tokio::sync::broadcast;

use super::{ChannelLayer, Event, LayerError, Subscription};

type Groups = Arc<Mutex<HashMap<String, broadcast::Sender<Event>>>>;

/// Groups held in this process.
#[derive(Clone)]
pub struct MemoryLayer {
    groups: Groups,
    /// Events a group buffers for its slowest subscriber before that one lags.
    capacity: usize,
}

impl MemoryLayer {
    pub fn new(capacity: usize) -> Self {
        Self { groups: Arc::default(), capacity: capacity.max(1) }
    }

    /// Number of groups with at least one subscriber.
    pub fn group_count(&self) -> usize {
        lock(&self.groups).len()
    }
}

fn lock(groups: &Groups) -> std::sync::MutexGuard<'_, HashMap<String, broadcast::Sender<Event>>> {
    // A panic while holding this lock cannot leave the map inconsistent.
    groups.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// Removes a group once its last subscriber is gone.
struct LeaveGroup {
    groups: Groups,
    name: String,
}

impl Drop for LeaveGroup {
    fn drop(&mut self) {
        let mut groups = lock(&self.groups);
        // This subscription's receiver is still alive while it drops, hence `<= 1`.
        if groups.get(&self.name).is_some_and(|tx| tx.receiver_count() <= 1) {
            groups.remove(&self.name);
        }
    }
}

#[async_trait]
impl ChannelLayer for MemoryLayer {
    async fn group_send(&self, group: &str, event: Event) -> Result<(), LayerError> {
        if let Some(sender) = lock(&self.groups).get(group) {
            // No receivers means nobody is listening; that is not an error.
            let _ = sender.send(event);
        }
        Ok(())
    }

    async fn group_add(&self, group: &str) -> Result<Subscription, LayerError> {
        let receiver = lock(&self.groups)
            .entry(group.to_owned())
            .or_insert_with(|| broadcast::channel(self.capacity).0)
            .subscribe();
        let leave = LeaveGroup { groups: self.groups.clone(), name: group.to_owned() };
        Ok(Subscription::new(receiver, Some(Box::new(leave))))
    }

    async fn health(&self) -> Result<(), LayerError> {
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::server::layer::Received;

    fn event(seq: i64) -> Event {
        Event { seq, frame: format!("{{\"seq\":{seq}}}").into() }
    }

    #[tokio::test]
    async fn every_subscriber_gets_the_same_bytes_and_other_groups_none() {
        let layer = MemoryLayer::new(16);
        let mut a = layer.group_add("room").await.unwrap();
        let mut b = layer.group_add("room").await.unwrap();
        let mut other = layer.group_add("elsewhere").await.unwrap();
        layer.group_send("room", event(1)).await.unwrap();
        for sub in [&mut a, &mut b] {
            match sub.recv().await {
                Received::Event(e) => assert_eq!((e.seq, e.frame.as_str()), (1, "{\"seq\":1}")),
                other => panic!("expected an event, got {other:?}"),
            }
        }
        assert!(other.receiver.try_recv().is_err());
    }

    #[tokio::test]
    async fn a_slow_subscriber_is_told_it_lagged() {
        let layer = MemoryLayer::new(2);
        let mut slow = layer.group_add("room").await.unwrap();
        for seq in 1..=5 {
            layer.group_send("room", event(seq)).await.unwrap();
        }
        assert!(matches!(slow.recv().await, Received::Lagged { missed: 3 }));
    }

    #[tokio::test]
    async fn empty_groups_are_forgotten() {
        let layer = MemoryLayer::new(4);
        let a = layer.group_add("room").await.unwrap();
        let b = layer.group_add("room").await.unwrap();
        drop(a);
        assert_eq!(layer.group_count(), 1);
        drop(b);
        assert_eq!(layer.group_count(), 0);
    }
}
