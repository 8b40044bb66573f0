//! E-mail (with `--smtp-url`): verification links, password reset links,
//! and mails of the mentions and direct messages a user did not read in
//! time — one per room however many came (the outbox coalesces them), never
//! while the user reads (a socket open on any instance), only while they may
//! still read the room (the policy's `Notify`), each with a one-click
//! unsubscribe (RFC 8058). Off without `--smtp-url`: then nobody can add an
//! address, and nothing is queued.
//!
//! - [`compose`]: what each mail says, and its headers.
//! - [`worker`]: the outbox's worker.

pub mod compose;
mod worker;

use std::{sync::Arc, time::Duration};

use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor, message::Mailbox};

use crate::server::{bus::ChannelLayer, config::Config, storage::Store, tasks::Background};

/// Counter of mails by kind and outcome (`verify`, `reset`, `missed` × `sent`, `failed`).
pub const MAILS: &str = "parlor_mails_total";

/// How often the outbox is looked at.
const POLL: Duration = Duration::from_secs(1);

/// Why e-mail could not start.
#[derive(Debug, thiserror::Error)]
pub enum MailSetupError {
    #[error("--smtp-url is not a usable SMTP URL: {0}")]
    Url(String),
    #[error("--mail-from is not an address: {0}")]
    From(String),
}

/// Sends Parlor's mails. Cheap to clone.
#[derive(Clone)]
pub struct Mailer(Arc<Parts>);

pub struct Parts {
    transport: AsyncSmtpTransport<Tokio1Executor>,
    from: Mailbox,
    /// Where links in mails point (`--public-url`).
    pub public_url: String,
}

impl Mailer {
    /// The mailer `--smtp-url` asks for (and its outbox worker, started), or
    /// `None` when e-mail is off.
    pub fn start(
        store: &Store,
        layer: Arc<dyn ChannelLayer>,
        config: &Config,
        background: &Background,
    ) -> Result<Option<Self>, MailSetupError> {
        let Some(url) = &config.smtp_url else { return Ok(None) };
        let transport = AsyncSmtpTransport::<Tokio1Executor>::from_url(url)
            .map_err(|err| MailSetupError::Url(err.to_string()))?
            .timeout(Some(Duration::from_secs(10)))
            .build();
        let from = config.mail_from.parse::<Mailbox>().map_err(|err| MailSetupError::From(err.to_string()))?;
        let mailer = Self(Arc::new(Parts { transport, from, public_url: config.public_url() }));
        let worker = Arc::new(worker::Worker {
            store: store.clone(),
            layer,
            mailer: mailer.clone(),
            delay: Duration::from_secs(config.mail_delay_secs),
        });
        background.spawn(|stop| async move {
            loop {
                tokio::select! {
                    () = tokio::time::sleep(POLL) => {}
                    () = stop.cancelled() => return,
                }
                if let Err(err) = worker.drain().await {
                    tracing::warn!(%err, "the mail outbox could not be read; trying again");
                }
            }
        });
        Ok(Some(mailer))
    }

    /// An absolute link to `path` (which starts with `/`).
    pub fn link(&self, path: &str) -> String {
        format!("{}{path}", self.0.public_url)
    }

    /// Sends `message` (built by `compose`) to `to`; counted as `kind`.
    pub async fn send(&self, kind: &'static str, to: &str, message: compose::Mail) -> Result<(), String> {
        let to = to.parse::<Mailbox>().map_err(|err| err.to_string())?;
        let built: Message = message.build(self.0.from.clone(), to).map_err(|err| err.to_string())?;
        let outcome = self.0.transport.send(built).await.map(drop).map_err(|err| err.to_string());
        let result = if outcome.is_ok() { "sent" } else { "failed" };
        metrics::counter!(MAILS, "kind" => kind, "outcome" => result).increment(1);
        outcome
    }
}
