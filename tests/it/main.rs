//! Parlor's integration tests: one binary, one shared harness. Every test
//! starts the real server (in-process on a random port, or as the `parlor`
//! binary) with a fresh database and talks to it over real sockets; the
//! scale-out tests start real PostgreSQL and Redis servers.

mod harness;

mod accounts;
mod attachments;
mod awareness;
mod bad_input;
mod caches;
mod changes;
mod cli;
mod cluster;
mod crash_recovery;
mod delivery;
mod entry;
mod faults;
mod integrations;
mod isolation;
mod languages;
mod limits;
mod mail;
mod outgoing_webhooks;
mod previews;
mod private_rooms;
mod proxies;
mod push;
mod rooms;
mod scale_out;
mod search;
mod seen;
mod sessions;
mod settings;
mod sso;
mod threads;
mod topics;
mod trust;
mod trust_iv;
