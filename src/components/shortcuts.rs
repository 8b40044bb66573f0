//! Keyboard shortcuts of the room page, and their `?` help dialog:
//!
//! | keys | action |
//! |---|---|
//! | Ctrl/⌘ + K | the room switcher: type to filter your rooms, Enter opens |
//! | Alt + ↑ / ↓ | previous / next room in the sidebar |
//! | Alt + Shift + ↑ / ↓ | previous / next room with unread messages |
//! | Esc | close a dialog; otherwise mark the room read |
//! | `/` | focus the room's search box |
//! | `?`, or Ctrl/⌘ + `/` while typing | this list, with the message formatting |
//!
//! Single-key shortcuts (`/`, `?`) are ignored while typing in a field.
//! The two dialogs are code of their own (`#[lazy]`), fetched when first opened.

use leptos::{ev, html, prelude::*};

use crate::{
    i18n::t,
    paths,
    room_counts::{MyRooms, neighbour, sidebar_order},
};

/// The shortcuts as the help dialog lists them: (keys, the catalog's key of what they do).
pub const SHORTCUTS: [(&str, &str); 8] = [
    ("Enter", "shortcut-send"),
    ("Shift + Enter (Alt + Enter)", "shortcut-new-line"),
    ("Ctrl + K (⌘ + K)", "shortcut-switch"),
    ("Alt + ↑ / Alt + ↓", "shortcut-neighbour"),
    ("Alt + Shift + ↑ / ↓", "shortcut-unread"),
    ("Esc", "shortcut-escape"),
    ("/", "shortcut-search"),
    ("? (Ctrl + / while typing)", "shortcut-help"),
];

/// The Markdown subset messages understand, as the help dialog lists it:
/// (what to type, or the catalog's key of how to say it; the catalog's key of
/// what it shows as).
pub const FORMATTING: [(Typed, &str); 8] = [
    (Typed::Literal("**bold**"), "format-bold"),
    (Typed::Literal("*italic*"), "format-italic"),
    (Typed::Literal("`code`"), "format-code"),
    (Typed::Said("format-block-typed"), "format-block"),
    (Typed::Said("format-quote-typed"), "format-quote"),
    (Typed::Said("format-list-typed"), "format-list"),
    (Typed::Literal("https://…"), "format-link"),
    (Typed::Literal("@name"), "format-mention"),
];

/// What to type for a format: the characters themselves, or words (a catalog's key).
pub enum Typed {
    Literal(&'static str),
    Said(&'static str),
}

impl Typed {
    fn text(&self) -> String {
        match self {
            Self::Literal(typed) => (*typed).to_owned(),
            Self::Said(key) => t(key),
        }
    }
}

/// Which dialog is open.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Open {
    Nothing,
    Help,
    Switcher,
}

#[component]
pub fn Shortcuts(
    rooms: MyRooms,
    /// The room open now.
    current: String,
    /// Esc with no dialog open: mark the room read.
    on_mark_read: Callback<()>,
) -> impl IntoView {
    let open = RwSignal::new(Open::Nothing);
    let current = StoredValue::new(current);
    let go = move |room: Option<String>| {
        if let Some(room) = room {
            let _ = window().location().set_href(&paths::room(&room));
        }
    };
    let handle = window_event_listener(ev::keydown, move |ev: ev::KeyboardEvent| {
        let typing = is_typing(&ev);
        let key = ev.key();
        match key.as_str() {
            "k" | "K" if ev.ctrl_key() || ev.meta_key() => {
                ev.prevent_default();
                open.set(Open::Switcher);
            }
            "ArrowUp" | "ArrowDown" if ev.alt_key() => {
                ev.prevent_default();
                let forward = key == "ArrowDown";
                let next = rooms.rooms.with_untracked(|r| current.with_value(|c| neighbour(r, c, forward, ev.shift_key())));
                go(next);
            }
            "Escape" if open.get_untracked() != Open::Nothing => open.set(Open::Nothing),
            "Escape" => on_mark_read.run(()),
            "/" if !typing && !ev.ctrl_key() && !ev.meta_key() => {
                ev.prevent_default();
                if let Some(search) = document().get_element_by_id("roomSearchInput") {
                    let _ = leptos::wasm_bindgen::JsCast::unchecked_into::<leptos::web_sys::HtmlElement>(search).focus();
                }
            }
            "/" if ev.ctrl_key() || ev.meta_key() => {
                ev.prevent_default();
                open.set(Open::Help);
            }
            "?" if !typing => {
                ev.prevent_default();
                open.set(Open::Help);
            }
            _ => {}
        }
    });
    on_cleanup(move || handle.remove());
    let close = Callback::new(move |()| open.set(Open::Nothing));
    view! {
        <button type="button" id="shortcutsBtn" class="link-button" aria-haspopup="dialog" on:click=move |_| open.set(Open::Help)>
            {t("shortcuts-button")}
        </button>
        <Show when=move || open.get() == Open::Help>
            <Suspense>{move || Suspend::new(help_dialog(close))}</Suspense>
        </Show>
        <Show when=move || open.get() == Open::Switcher>
            <Suspense>{move || Suspend::new(room_switcher(rooms, close))}</Suspense>
        </Show>
    }
}

/// Whether the key went to a text field (where `/` and `?` are text).
fn is_typing(ev: &ev::KeyboardEvent) -> bool {
    let Some(target) = ev.target() else { return false };
    let Ok(element) = leptos::wasm_bindgen::JsCast::dyn_into::<leptos::web_sys::Element>(target) else { return false };
    matches!(element.tag_name().as_str(), "INPUT" | "TEXTAREA" | "SELECT") || element.has_attribute("contenteditable")
}

/// Focuses `element` once it is in the document: a lazily loaded dialog's
/// view is built before its `Suspense` puts it in, so the focus waits a frame.
fn focus_when_shown<E>(element: NodeRef<E>)
where
    E: leptos::tachys::html::element::ElementType,
    E::Output: AsRef<leptos::web_sys::HtmlElement> + leptos::wasm_bindgen::JsCast + Clone + 'static,
{
    Effect::new(move |_| {
        if let Some(element) = element.get() {
            let element = AsRef::<leptos::web_sys::HtmlElement>::as_ref(&element).clone();
            request_animation_frame(move || {
                let _ = element.focus();
            });
        }
    });
}

/// `?`: the shortcuts and the formatting.
#[lazy]
fn help_dialog(close: Callback<()>) -> AnyView {
    let button = NodeRef::<html::Button>::new();
    focus_when_shown(button);
    view! {
        <div class="dialog-backdrop" on:click=move |_| close.run(())></div>
        <div id="shortcutsHelp" class="dialog" role="dialog" aria-modal="true" aria-labelledby="shortcutsTitle">
            <h2 id="shortcutsTitle">{t("shortcuts-title")}</h2>
            <dl class="shortcut-list">
                {SHORTCUTS.iter().map(|(keys, what)| view! { <dt><kbd>{*keys}</kbd></dt><dd>{t(what)}</dd> }).collect_view()}
            </dl>
            <h3 id="formattingTitle">{t("shortcuts-formatting")}</h3>
            <dl id="formattingHelp" class="shortcut-list" aria-labelledby="formattingTitle">
                {FORMATTING.iter().map(|(typed, shows)| view! { <dt><code>{typed.text()}</code></dt><dd>{t(shows)}</dd> }).collect_view()}
            </dl>
            <button type="button" id="closeShortcuts" node_ref=button on:click=move |_| close.run(())>{t("shortcuts-close")}</button>
        </div>
    }
    .into_any()
}

/// Ctrl/⌘ + K: the user's rooms filtered by what is typed; arrows choose, Enter opens.
#[lazy]
fn room_switcher(rooms: MyRooms, close: Callback<()>) -> AnyView {
    let query = RwSignal::new(String::new());
    let active = RwSignal::new(0usize);
    let input = NodeRef::<html::Input>::new();
    focus_when_shown(input);
    let matches = move || -> Vec<(String, String)> {
        let typed = query.get().to_lowercase();
        rooms.rooms.with(|r| {
            sidebar_order(r)
                .into_iter()
                .map(|status| (status.room.clone(), status.label()))
                .filter(|(room, label)| room.contains(&typed) || label.to_lowercase().contains(&typed))
                .take(10)
                .collect()
        })
    };
    let open_room = move |room: &str| {
        let _ = window().location().set_href(&paths::room(room));
        close.run(());
    };
    let on_keydown = move |ev: ev::KeyboardEvent| {
        let found = matches();
        match ev.key().as_str() {
            "ArrowDown" if !found.is_empty() => {
                ev.prevent_default();
                active.update(|a| *a = (*a + 1) % found.len());
            }
            "ArrowUp" if !found.is_empty() => {
                ev.prevent_default();
                active.update(|a| *a = (*a + found.len() - 1) % found.len());
            }
            "Enter" => {
                ev.prevent_default();
                if let Some((room, _)) = found.get(active.get_untracked().min(found.len().saturating_sub(1))) {
                    open_room(room);
                }
            }
            _ => {}
        }
    };
    view! {
        <div class="dialog-backdrop" on:click=move |_| close.run(())></div>
        <div id="roomSwitcher" class="dialog" role="dialog" aria-modal="true" aria-labelledby="switcherTitle">
            <h2 id="switcherTitle">{t("switcher-title")}</h2>
            <input
                id="switcherInput"
                type="text"
                autocomplete="off"
                aria-label=t("switcher-input")
                aria-controls="switcherResults"
                node_ref=input
                prop:value=move || query.get()
                on:input=move |ev| { query.set(event_target_value(&ev)); active.set(0); }
                on:keydown=on_keydown
            />
            <ul id="switcherResults" class="switcher-results" role="listbox" aria-label=t("switcher-results")>
                {move || matches().into_iter().enumerate().map(|(i, (room, label))| {
                    let chosen = room.clone();
                    view! {
                        <li
                            role="option"
                            class="switcher-result"
                            aria-selected=move || (active.get() == i).to_string()
                            on:mousedown=move |ev: ev::MouseEvent| { ev.prevent_default(); open_room(&chosen); }
                        >
                            {label}
                        </li>
                    }
                }).collect_view()}
            </ul>
        </div>
    }
    .into_any()
}
