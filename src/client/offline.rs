//! The service worker's kept pages (`public/sw.js`): the app tells it as soon
//! as what it keeps must go — the session ended (a 4001 close, a 401), or a
//! room was lost (a 4003 close, the inbox's `left`) — so that nothing kept
//! outlives the access it was shown under.

use wasm_bindgen::JsValue;

use crate::paths;

/// Forget every kept page: this browser's session is over.
pub fn session_ended() {
    tell(&[("type", "session-ended")]);
}

/// Forget the kept page of `room`: its reader lost it.
pub fn access_ended(room: &str) {
    tell(&[("type", "access-ended"), ("url", &paths::room(room))]);
}

/// Posts `{name: value, ...}` to the worker in control, if there is one.
fn tell(fields: &[(&str, &str)]) {
    let message = js_sys::Object::new();
    for (name, value) in fields {
        let _ = js_sys::Reflect::set(&message, &JsValue::from_str(name), &JsValue::from_str(value));
    }
    let controller = web_sys::window().and_then(|window| window.navigator().service_worker().controller());
    if let Some(worker) = controller {
        let _ = worker.post_message(&message);
    }
}
