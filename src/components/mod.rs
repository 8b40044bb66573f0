//! Pieces of pages: the site header, the account form, and the room's message
//! list, composer and connection status.

pub mod auth_form;
pub mod composer;
pub mod connection_status;
pub mod header;
pub mod message_list;
