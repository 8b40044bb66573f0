//! Browser notifications (the Notification API): whether they are allowed,
//! asking for them from a clear "Enable notifications" control, and raising
//! one that focuses the room at its message when clicked. Only while the page
//! is hidden: a reader looking at the page needs no notification.

use leptos::prelude::*;
use wasm_bindgen::{JsCast, closure::Closure};
use web_sys::{Notification, NotificationOptions, NotificationPermission};

/// Whether the browser lets Parlor notify.
pub fn allowed() -> bool {
    Notification::permission() == NotificationPermission::Granted
}

/// Whether the user has not decided yet (the control should be offered).
pub fn undecided() -> bool {
    Notification::permission() == NotificationPermission::Default
}

/// Asks the user for permission; `then` runs with whether it was granted.
pub fn request(then: impl Fn(bool) + 'static) {
    let Ok(asked) = Notification::request_permission() else { return };
    leptos::task::spawn_local(async move {
        let granted = wasm_bindgen_futures::JsFuture::from(asked)
            .await
            .ok()
            .and_then(|answer| answer.as_string())
            .is_some_and(|answer| answer == "granted");
        then(granted);
    });
}

/// Whether the page is hidden (another tab, minimised).
pub fn page_hidden() -> bool {
    document().hidden()
}

thread_local! {
    /// The notification shown last for each room (tag), with its message's `seq`.
    static SHOWN: std::cell::RefCell<std::collections::HashMap<String, (i64, Notification)>> = Default::default();
}

/// Raises a notification about message `seq` of room `tag` (one per room: a
/// newer one replaces it); clicking it focuses the window and opens `href`.
pub fn show(title: &str, body: &str, (tag, seq): (&str, i64), href: String) {
    let options = NotificationOptions::new();
    options.set_body(body);
    options.set_tag(tag);
    let Ok(notification) = Notification::new_with_options(title, &options) else { return };
    SHOWN.with(|shown| shown.borrow_mut().insert(tag.to_owned(), (seq, notification.clone())));
    let on_click = Closure::<dyn Fn()>::new(move || {
        let _ = window().focus();
        let _ = window().location().set_href(&href);
    });
    notification.set_onclick(Some(on_click.as_ref().unchecked_ref()));
    on_click.forget();
}

/// Message `seq` of room `tag` was deleted: its notification, if still shown, goes.
pub fn retract(tag: &str, seq: i64) {
    SHOWN.with(|shown| {
        let mut shown = shown.borrow_mut();
        if shown.get(tag).is_some_and(|(shown_seq, _)| *shown_seq == seq)
            && let Some((_, notification)) = shown.remove(tag)
        {
            notification.close();
        }
    });
}
