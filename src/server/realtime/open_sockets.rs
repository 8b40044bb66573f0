//! The room sockets open on this instance, counted per user, so that one user
//! cannot hold more than the configured number; and the `parlor_sockets_open`
//! gauge.

use std::{
    collections::HashMap,
    sync::{Arc, Mutex},
};

use crate::server::metrics as m;

/// Open sockets per user on this instance.
#[derive(Default)]
pub struct OpenSockets {
    per_user: Mutex<HashMap<i64, u32>>,
}

impl OpenSockets {
    /// A slot for one more socket of `user_id`, or `None` when it has `max` open.
    pub fn claim(self: &Arc<Self>, user_id: i64, max: u32) -> Option<SocketSlot> {
        let mut per_user = self.per_user.lock().unwrap_or_else(|p| p.into_inner());
        let open = per_user.entry(user_id).or_default();
        if *open >= max {
            return None;
        }
        *open += 1;
        metrics::gauge!(m::SOCKETS_OPEN).increment(1.0);
        Some(SocketSlot { sockets: self.clone(), user_id })
    }
}

/// One open socket; dropping it (however the socket ends) frees the slot.
pub struct SocketSlot {
    sockets: Arc<OpenSockets>,
    user_id: i64,
}

impl Drop for SocketSlot {
    fn drop(&mut self) {
        metrics::gauge!(m::SOCKETS_OPEN).decrement(1.0);
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
        let first = sockets.claim(1, 2).unwrap();
        let _second = sockets.claim(1, 2).unwrap();
        assert!(sockets.claim(1, 2).is_none());
        assert!(sockets.claim(2, 2).is_some(), "per user");
        drop(first);
        assert!(sockets.claim(1, 2).is_some());
    }
}
