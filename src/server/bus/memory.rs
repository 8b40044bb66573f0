//! The in-memory channel layer: one instance serves every room, so publishing is
//! handing the event to the room's local broadcast channel.

use async_trait::async_trait;

use super::{ChannelLayer, Event, Group, LayerError, Subscription, groups::LocalGroups};

/// Groups held in this process only.
#[derive(Clone)]
pub struct MemoryLayer {
    groups: LocalGroups,
}

impl MemoryLayer {
    pub fn new(capacity: usize) -> Self {
        Self { groups: LocalGroups::new(capacity, None) }
    }

    /// Number of groups with at least one subscriber.
    pub fn group_count(&self) -> usize {
        self.groups.count()
    }
}

#[async_trait]
impl ChannelLayer for MemoryLayer {
    async fn group_send(&self, group: &Group, event: Event) -> Result<(), LayerError> {
        self.groups.deliver(&group.key(), event);
        Ok(())
    }

    fn deliver_local(&self, group: &Group, event: Event) {
        self.groups.deliver(&group.key(), event);
    }

    async fn group_add(&self, group: &Group) -> Result<Subscription, LayerError> {
        Ok(self.groups.join(group).0)
    }

    fn recent(&self, group: &Group, after: i64) -> Option<Vec<std::sync::Arc<super::RoomEvent>>> {
        self.groups.recent(&group.key(), after)
    }

    async fn has_listeners(&self, group: &Group) -> Result<bool, LayerError> {
        Ok(self.groups.has(&group.key()))
    }

    async fn health(&self) -> Result<(), LayerError> {
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::server::bus::Received;

    fn event(seq: i64) -> Event {
        Event::Head { seq }
    }

    #[tokio::test]
    async fn every_subscriber_gets_the_same_bytes_and_other_groups_none() {
        let layer = MemoryLayer::new(16);
        let (room, elsewhere) = (Group::Room("room".into()), Group::Room("elsewhere".into()));
        let mut a = layer.group_add(&room).await.unwrap();
        let mut b = layer.group_add(&room).await.unwrap();
        let mut other = layer.group_add(&elsewhere).await.unwrap();
        let mut user = layer.group_add(&Group::User(1)).await.unwrap();
        layer.group_send(&room, event(1)).await.unwrap();
        for sub in [&mut a, &mut b] {
            match sub.recv().await {
                Received::Event(event) => assert_eq!(event, Event::Head { seq: 1 }),
                other => panic!("expected an event, got {other:?}"),
            }
        }
        assert!(other.try_recv().is_none());
        assert!(user.try_recv().is_none());
    }

    #[tokio::test]
    async fn a_slow_subscriber_is_told_it_lagged() {
        let layer = MemoryLayer::new(2);
        let room = Group::Room("room".into());
        let mut slow = layer.group_add(&room).await.unwrap();
        for seq in 1..=5 {
            layer.group_send(&room, event(seq)).await.unwrap();
        }
        assert!(matches!(slow.recv().await, Received::Lagged { missed: 3 }));
    }

    #[tokio::test]
    async fn empty_groups_are_forgotten() {
        let layer = MemoryLayer::new(4);
        let room = Group::Room("room".into());
        let a = layer.group_add(&room).await.unwrap();
        let b = layer.group_add(&room).await.unwrap();
        drop(a);
        assert_eq!(layer.group_count(), 1);
        drop(b);
        assert_eq!(layer.group_count(), 0);
    }
}
