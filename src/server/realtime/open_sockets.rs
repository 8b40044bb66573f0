//! The sockets open on this instance (room sockets and inboxes), counted per
//! user, so that one user cannot hold more than the configured number; and the
//! gauge of each kind (`parlor_sockets_open`, `parlor_inbox_sockets_open`).

use std::{
    collections::HashMap,
    sync::{Arc, Mutex},
};

/// Open sockets per user on this instance.
#[derive(Default)]
pub struct OpenSockets {
    per_user: Mutex<HashMap<i64, u32>>,
}

impl OpenSockets {
    /// A slot for one more socket of `user_id`, counted in the gauge named
    /// `gauge`, or `None` when the user has `max` open.
    pub fn claim(self: &Arc<Self>, user_id: i64, max: u32, gauge: &'static str) -> Option<SocketSlot> {
        let mut per_user = self.per_user.lock().unwrap_or_else(|p| p.into_inner());
        let open = per_user.entry(user_id).or_default();
        if *open >= max {
            return None;
        }
        *open += 1;
        metrics::gauge!(gauge).increment(1.0);
        Some(SocketSlot { sockets: self.clone(), user_id, gauge })
    }
}

/// One open socket; dropping it (however the socket ends) frees the slot.
pub struct SocketSlot {
    sockets: Arc<OpenSockets>,
    user_id: i64,
    gauge: &'static str,
}

impl Drop for SocketSlot {
    fn drop(&mut self) {
        metrics::gauge!(self.gauge).decrement(1.0);
        let mut per_user = self.sockets.per_user.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(open) = per_user.get_mut(&self.user_id) {
            *open -= 1;
            if *open == 0 {
                per_user.remove(&self.user_id);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_user_gets_at_most_max_slots_and_freed_ones_come_back() {
        let sockets = Arc::new(OpenSockets::default());
        let gauge = crate::server::metrics::SOCKETS_OPEN;
        let first = sockets.claim(1, 2, gauge).unwrap();
        let _second = sockets.claim(1, 2, gauge).unwrap();
        assert!(sockets.claim(1, 2, gauge).is_none());
        assert!(sockets.claim(2, 2, gauge).is_some(), "per user");
        drop(first);
        assert!(sockets.claim(1, 2, gauge).is_some());
    }
}
