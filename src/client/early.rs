//! What was typed before the page hydrated: the loader (`src/loader.js`)
//! keeps the composer's text and whether Enter (or Send) was pressed while
//! the box was still the server's plain HTML, so that the hydrated composer
//! takes the text over and sends it, once.

use leptos::prelude::window;
use wasm_bindgen::JsValue;

/// What was typed before hydration, taken (a second call gets nothing).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Early {
    /// The box's text when the island took it over.
    pub text: Option<String>,
    /// Enter or Send was pressed before the island could send.
    pub send: bool,
}

/// Takes what the loader kept.
pub fn take() -> Early {
    let window: JsValue = window().into();
    let get = |key: &str| js_sys::Reflect::get(&window, &JsValue::from_str(key)).ok();
    let text = get("parlorEarlyText").and_then(|value| value.as_string()).filter(|text| !text.trim().is_empty());
    let send = get("parlorEarlySend").and_then(|value| value.as_bool()).unwrap_or(false);
    for key in ["parlorEarlyText", "parlorEarlySend"] {
        let _ = js_sys::Reflect::delete_property(&window.clone().into(), &JsValue::from_str(key));
    }
    Early { text, send }
}
