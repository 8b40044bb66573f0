//! Link previews ("unfurling"): after a message with an `http(s)` link
//! commits, this worker reads the first link's page and stores what it says
//! of itself as a room event (`preview`, on the author's behalf, through the
//! writer like every event: the policy judges it, it takes the room's next
//! `seq`, live delivery and replay send it alike). The page's image is
//! fetched once, re-encoded as a small thumbnail and served by Parlor, so
//! readers never contact the site.
//!
//! Only the instance whose writer committed the message hears of it, so a
//! message is read once however many instances serve its room (and the
//! writer refuses a second preview of one message). Fetching is the dangerous
//! part: [`guard`] decides which addresses may be reached, [`fetch`] makes one
//! bounded request under it, [`page`] reads the HTML. Each message's whole
//! reading is bounded in time, and rated per user and per site.
//!
//! - `--link-previews on|off` (on by default) turns the worker on or off.
//! - `parlor_link_previews_total{outcome}` counts what became of each link.

mod fetch;
mod guard;
mod page;

use std::{num::NonZeroU32, sync::Arc, time::Duration};

use governor::{DefaultKeyedRateLimiter, Quota};
use reqwest::Url;
use tokio::sync::Semaphore;

use crate::protocol::events::preview;
use crate::{
    markup, paths,
    protocol::{EventBody, LinkPreview, PREVIEW_THUMB_EDGE, PreviewRecord},
    server::{
        config::{Config, Switch},
        media,
        storage::{NewEvent, NewMessage, Store},
        tasks::Background,
    },
};
use fetch::{Refused, Wanted};
pub use guard::Guard;

/// The metric counting what became of each link, by `outcome`.
pub const LINK_PREVIEWS: &str = "parlor_link_previews_total";

/// Most a page may be: only its head is needed.
pub const MAX_PAGE_BYTES: usize = 1024 * 1024;
/// Most a preview's image may be, before it is made small.
pub const MAX_IMAGE_BYTES: usize = 4 * 1024 * 1024;
/// The whole reading of a page (every redirect included), and of its image.
pub const FETCH_TIME: Duration = Duration::from_secs(5);
/// Links read at once.
const READERS: usize = 4;
/// Committed messages waiting for the worker before the newest are skipped.
const QUEUE: usize = 256;

/// The worker's parts, shared by the readings in flight.
struct Worker {
    store: Store,
    guard: Guard,
    per_user: DefaultKeyedRateLimiter<i64>,
    per_site: DefaultKeyedRateLimiter<String>,
    readers: Semaphore,
}

/// Starts the worker, unless `--link-previews off`.
pub fn start(store: &Store, config: &Config, background: &Background) {
    if config.link_previews == Switch::Off {
        return;
    }
    let Some(mut linked) = store.watch_links(QUEUE) else { return };
    let per_minute = |n: u32| {
        let n = NonZeroU32::new(n).unwrap_or(NonZeroU32::MIN);
        Quota::per_minute(n).allow_burst(n)
    };
    if !config.link_previews_test_allow.is_empty() {
        tracing::warn!(allowed = ?config.link_previews_test_allow, "link previews may reach these non-public addresses (a test setting)");
    }
    let worker = Arc::new(Worker {
        store: store.clone(),
        guard: Guard::new(config.link_previews_test_allow.iter().copied()),
        per_user: DefaultKeyedRateLimiter::keyed(per_minute(config.link_previews_per_user_per_minute)),
        per_site: DefaultKeyedRateLimiter::keyed(per_minute(config.link_previews_per_site_per_minute)),
        readers: Semaphore::new(READERS),
    });
    let tracker = tokio_util::task::TaskTracker::new();
    background.spawn(|stop| async move {
        loop {
            let message = tokio::select! {
                message = linked.recv() => message,
                () = stop.cancelled() => None,
            };
            let Some(message) = message else { break };
            let worker = worker.clone();
            tracker.spawn(async move {
                let Ok(_reading) = worker.readers.acquire().await else { return };
                let outcome = worker.preview(message).await;
                metrics::counter!(LINK_PREVIEWS, "outcome" => outcome).increment(1);
            });
        }
        tracker.close();
        // Readings in flight end within their time bound.
        tracker.wait().await;
    });
}

impl Worker {
    /// Reads the first link of `message` and stores its preview; the outcome label.
    async fn preview(&self, message: NewMessage) -> &'static str {
        let Some(link) = markup::first_link(&message.text).and_then(|link| Url::parse(&link).ok()) else {
            return "no_link";
        };
        let site = link.host_str().unwrap_or_default().to_ascii_lowercase();
        if self.per_user.check_key(&message.author.id).is_err() || self.per_site.check_key(&site).is_err() {
            return "rate_limited";
        }
        let page =
            match tokio::time::timeout(FETCH_TIME, fetch::fetch(&self.guard, link.clone(), Wanted::Page, MAX_PAGE_BYTES)).await {
                Err(_) => return "timed_out",
                Ok(Err(refused)) => return refused_page(&link, &refused),
                Ok(Ok(page)) => page,
            };
        let Some(meta) = page::read(&String::from_utf8_lossy(&page.body), &page.url) else { return "no_title" };
        let image = match meta.image {
            Some(image_url) => self.thumbnail(image_url).await,
            None => None,
        };
        let shown = LinkPreview {
            url: link.to_string(),
            title: meta.title,
            description: meta.description,
            site: meta.site,
            image_url: image.as_ref().map(|_| paths::preview_image(&message.room, message.seq)),
        };
        let record = PreviewRecord { shown, image };
        let event = NewEvent {
            room: message.room.clone(),
            sender: message.author,
            client_id: None,
            body: EventBody::Preview(preview::Body { target: message.seq, record: Box::new(record) }),
            display_as: None,
            hook_maker: None,
        };
        match self.store.append(event).await.await {
            Ok(_) => "shown",
            // Deleted or edited away meanwhile, the author gone from the room, ...
            Err(err) => {
                tracing::debug!(%err, room = message.room, seq = message.seq, "a link preview was not stored");
                "not_stored"
            }
        }
    }

    /// The page's image, fetched under the guard and made small; `None` when
    /// it cannot be (the preview goes without).
    async fn thumbnail(&self, url: Url) -> Option<crate::protocol::PreviewImage> {
        let fetched = tokio::time::timeout(FETCH_TIME, fetch::fetch(&self.guard, url.clone(), Wanted::Image, MAX_IMAGE_BYTES));
        let bytes = match fetched.await {
            Ok(Ok(fetched)) => fetched.body,
            Ok(Err(refused)) => {
                tracing::info!(%url, %refused, "a preview's image was not read");
                return None;
            }
            Err(_) => {
                tracing::info!(%url, "a preview's image took too long");
                return None;
            }
        };
        let small = match media::small_copy(bytes, PREVIEW_THUMB_EDGE).await {
            Ok(small) => small,
            Err(err) => {
                tracing::info!(%url, %err, "a preview's image was refused");
                return None;
            }
        };
        match self.store.previews().keep_preview_image(small.bytes, small.content_type).await {
            Ok(image) => Some(image),
            Err(err) => {
                tracing::warn!(%err, "keeping a preview's image failed");
                None
            }
        }
    }
}

fn refused_page(link: &Url, refused: &Refused) -> &'static str {
    tracing::info!(%link, %refused, "a link was not previewed");
    refused.outcome()
}
