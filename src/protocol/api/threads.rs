//! The answer of `GET /api/threads/`: the threads a user follows.

use serde::{Deserialize, Serialize};

use crate::protocol::ThreadStatus;

/// `GET /api/threads/` → `{"threads": [...], "unread"}`.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ThreadList {
    /// The threads the user follows, newest activity first (at most 200).
    pub threads: Vec<ThreadStatus>,
    /// The sum of their unread replies.
    pub unread: i64,
}
