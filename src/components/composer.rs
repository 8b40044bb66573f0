//! The message box (`#messageInput`, a textarea that grows with its text up to
//! 40% of the view) and send button (`#sendBtn`). Enter sends (answering the
//! message being replied to, shown above the box with a way to cancel);
//! Shift+Enter or Alt+Enter starts a new line; Enter while an input method is
//! composing never sends. What is typed is kept as the room's draft until it
//! is sent. Up arrow in an empty box edits one's last message. A file — picked
//! (`#attachBtn`), dropped on the composer or pasted into the box — is uploaded
//! at once and waits above the box (`#stagedFile`) to go with the next send.
//! Typing tells the room (at most every [`TYPING_EVERY_MS`]); `@` + a prefix
//! offers the room's members and whoever is in it now, and `/` + a prefix at
//! the start the bots' slash commands (`#mentionSuggestions`): arrows choose,
//! Enter or Tab completes, Esc closes. Sending `/name args` for a registered
//! command sends the bot its command instead of a message.

use leptos::{ev, prelude::*, task::spawn_local};

use crate::{
    client::{
        self, drafts, early, http,
        uploads::{upload_dropped, upload_pasted},
    },
    components::file_picker::{AttachButton, ROOM_FILE_IDS, UploadState, uploader_for},
    i18n::{t, t_args},
    mentions::{being_typed, completions},
    paths,
    protocol::{
        Attachment, MAX_TEXT_CHARS, ReplyRef,
        api::{CommandList, RoomMembers},
    },
    slash_commands::{self, CommandInfo},
};

/// The least time between two typing notices.
const TYPING_EVERY_MS: f64 = 3_000.0;
/// Most names offered at once.
const MAX_SUGGESTIONS: usize = 8;

/// One completion offered under the box.
#[derive(Clone, Debug, PartialEq, Eq)]
enum Offer {
    /// `@name`.
    Mention(String),
    /// `/name`, with what it does and whose it is.
    Command(CommandInfo),
}

#[component]
pub fn Composer(
    room: String,
    /// The reader's username (never offered as a completion).
    me: String,
    /// Who is in the room now (offered too, members or not yet).
    present: RwSignal<Vec<String>>,
    /// Called with the trimmed text and the uploaded file to send (one of
    /// them at least).
    on_send: Callback<(String, Option<Attachment>)>,
    /// Called while the user composes (spaced out here).
    on_typing: Callback<()>,
    /// The message being answered, if any.
    replying: RwSignal<Option<ReplyRef>>,
    /// Called for Up arrow in an empty box: edit one's last message.
    on_edit_last: Callback<()>,
    /// Called with a registered command's name and arguments (`/name args`).
    on_command: Callback<(String, String)>,
) -> impl IntoView {
    let text = RwSignal::new(String::new());
    let caret = RwSignal::new(0usize);
    let members = RwSignal::new(None::<Vec<String>>);
    let commands = RwSignal::new(None::<Vec<CommandInfo>>);
    let active = RwSignal::new(0usize);
    let closed = RwSignal::new(false);
    let last_typing = StoredValue::new(f64::MIN);
    let me = StoredValue::new(me);
    let uploader = uploader_for(room.clone());
    let textarea = NodeRef::<leptos::html::Textarea>::new();

    // In the browser: put back the room's draft, then keep every change of
    // the text as the draft and fit the box to it.
    let draft_room = room.clone();
    Effect::new(move |first: Option<()>| {
        if first.is_none()
            && let Some(draft) = drafts::load(&draft_room)
        {
            caret.set(draft.len());
            text.set(draft);
        }
        text.with(|t| drafts::save(&draft_room, t));
        fit_to_text(textarea);
    });

    // The `@prefix` at the caret and the members that complete it.
    let query = move || {
        let text = text.get();
        let caret = caret.get().min(text.len());
        let before = text.get(..caret)?;
        being_typed(before).map(|(at, typed)| (at, typed.to_owned()))
    };
    // The `/prefix` of a command being typed at the start of the box.
    let command_query = move || {
        let text = text.get();
        let before = text.get(..caret.get().min(text.len()))?;
        slash_commands::being_typed(before).map(str::to_owned)
    };
    let suggestions = move || -> Vec<Offer> {
        if closed.get() {
            return Vec::new();
        }
        if let (Some(typed), Some(known)) = (command_query(), commands.get()) {
            return slash_commands::completions(&known, &typed, MAX_SUGGESTIONS)
                .into_iter()
                .cloned()
                .map(Offer::Command)
                .collect();
        }
        let (Some((_, typed)), Some(mut known)) = (query(), members.get()) else { return Vec::new() };
        known.extend(present.get());
        known.sort();
        known.dedup();
        me.with_value(|me| completions(&known, &typed, me, MAX_SUGGESTIONS).into_iter().cloned().map(Offer::Mention).collect())
    };
    // Commands are fetched the first time a `/` starts the box (again after a failure).
    let commands_ready = RwSignal::new(false);
    Effect::new(move |_| {
        if command_query().is_some() && commands.get_untracked().is_none() {
            commands.set(Some(Vec::new()));
            spawn_local(async move {
                match http::get_json::<CommandList>(paths::COMMANDS).await {
                    Ok(list) => {
                        commands.set(Some(list.commands));
                        commands_ready.set(true);
                    }
                    Err(_) => commands.set(None),
                }
            });
        }
    });
    // Members are fetched the first time an `@` is being typed.
    let members_room = room.clone();
    Effect::new(move |_| {
        if query().is_some() && members.get_untracked().is_none() {
            members.set(Some(Vec::new()));
            let room = members_room.clone();
            spawn_local(async move {
                if let Ok(list) = http::get_json::<RoomMembers>(&paths::room_members(&room)).await {
                    members.set(Some(list.members));
                }
            });
        }
    });

    let complete = move |offer: &Offer| {
        let (replaced, at) = match offer {
            Offer::Command(command) => {
                let typed = command_query().map_or(0, |typed| typed.len());
                // The rest of the name being typed goes (the caret may be inside it).
                let rest = text.with_untracked(|t| {
                    t.get(1 + typed..).unwrap_or_default().trim_start_matches(|c: char| !c.is_whitespace()).to_owned()
                });
                (format!("/{} {}", command.name, rest.trim_start()), command.name.len() + 2)
            }
            Offer::Mention(name) => {
                let Some((at, typed)) = query() else { return };
                (text.with_untracked(|t| format!("{}@{name} {}", &t[..at], &t[at + 1 + typed.len()..])), at + name.len() + 2)
            }
        };
        caret.set(at);
        text.set(replaced);
        active.set(0);
    };
    let send = move || {
        let value = text.get_untracked();
        let trimmed = value.trim();
        // A `/…` waits until the commands are known: it may be one (never posted by mistake).
        if trimmed.starts_with('/') && !commands_ready.get_untracked() {
            return;
        }
        let command = commands.with_untracked(|known| slash_commands::invocation(trimmed, known.as_deref().unwrap_or_default()));
        if let Some(invoked) = command {
            on_command.run(invoked);
            text.set(String::new());
            caret.set(0);
            return;
        }
        let has_file = uploader.staged.with_untracked(Option::is_some);
        if (!trimmed.is_empty() || has_file) && trimmed.chars().count() <= MAX_TEXT_CHARS && !uploader.busy.get_untracked() {
            on_send.run((trimmed.to_owned(), uploader.staged.get_untracked()));
            uploader.staged.set(None);
            text.set(String::new());
            caret.set(0);
        }
    };
    // What was typed into the server's box before the island took it over
    // is kept, and sent if Enter was pressed meanwhile (once).
    Effect::new(move |first: Option<()>| {
        if first.is_some() {
            return;
        }
        let early = early::take();
        if let Some(typed) = early.text {
            caret.set(typed.len());
            text.set(typed);
        }
        if early.send {
            send();
        }
    });
    let on_input = move |ev: ev::Event| {
        let input = event_target::<leptos::web_sys::HtmlTextAreaElement>(&ev);
        caret.set(input.selection_start().ok().flatten().unwrap_or(0) as usize);
        text.set(input.value());
        closed.set(false);
        active.set(0);
        let now = client::now_ms();
        if !input.value().trim().is_empty() && now - last_typing.get_value() >= TYPING_EVERY_MS {
            last_typing.set_value(now);
            on_typing.run(());
        }
    };
    let on_keydown = move |ev: ev::KeyboardEvent| {
        // Enter while an input method composes a character belongs to it.
        if ev.is_composing() || ev.key_code() == 229 {
            return;
        }
        let offered = suggestions();
        if offered.is_empty() {
            if ev.key() == "Enter" {
                if ev.alt_key() && !ev.shift_key() {
                    ev.prevent_default();
                    new_line(textarea, text, caret);
                } else if !ev.shift_key() {
                    ev.prevent_default();
                    send();
                }
            } else if ev.key() == "ArrowUp" && text.with_untracked(String::is_empty) {
                ev.prevent_default();
                on_edit_last.run(());
            } else if ev.key() == "Escape" && replying.get_untracked().is_some() {
                replying.set(None);
            }
            return;
        }
        match ev.key().as_str() {
            "ArrowDown" => {
                ev.prevent_default();
                active.update(|a| *a = (*a + 1) % offered.len());
            }
            "ArrowUp" => {
                ev.prevent_default();
                active.update(|a| *a = (*a + offered.len() - 1) % offered.len());
            }
            "Enter" | "Tab" => {
                ev.prevent_default();
                complete(&offered[active.get_untracked().min(offered.len() - 1)]);
            }
            "Escape" => {
                ev.prevent_default();
                closed.set(true);
            }
            _ => {}
        }
    };
    let too_long = move || text.with(|t| t.trim().chars().count() > MAX_TEXT_CHARS);
    view! {
        <form
            class="composer"
            on:submit=move |ev: ev::SubmitEvent| { ev.prevent_default(); send(); }
            on:dragover=move |ev: ev::DragEvent| ev.prevent_default()
            on:drop=move |ev: ev::DragEvent| { ev.prevent_default(); upload_dropped(&ev, uploader); }
        >
            <UploadState uploader ids=ROOM_FILE_IDS />
            {move || replying.get().map(|parent| view! {
                <p id="replyingTo" class="replying-to">
                    {t("composer-replying-to")}" "<strong>{parent.sender}</strong>": "{parent.text}" "
                    <button type="button" class="link-button" aria-label=t("composer-cancel-reply") on:click=move |_| replying.set(None)>
                        "✕"
                    </button>
                </p>
            })}
            <textarea
                id="messageInput"
                dir="auto"
                rows="1"
                autocomplete="off"
                placeholder=t("composer-placeholder")
                aria-label=t("composer-label")
                aria-description=t("composer-help")
                aria-autocomplete="list"
                aria-controls=move || (!suggestions().is_empty()).then_some("mentionSuggestions")
                node_ref=textarea
                prop:value=move || text.get()
                on:input=on_input
                on:keydown=on_keydown
                on:paste=move |ev: ev::ClipboardEvent| if upload_pasted(&ev, uploader) { ev.prevent_default() }
            ></textarea>
            <AttachButton uploader ids=ROOM_FILE_IDS />
            <button id="sendBtn" type="submit" disabled=move || too_long() || uploader.busy.get()>{t("composer-send")}</button>
            <Show when=move || !suggestions().is_empty()>
                <ul id="mentionSuggestions" class="suggestions" role="listbox" aria-label=t("composer-suggestions")>
                    {move || {
                        suggestions()
                            .into_iter()
                            .enumerate()
                            .map(|(i, offer)| {
                                let chosen = offer.clone();
                                let shown = match offer {
                                    Offer::Mention(name) => format!("@{name}"),
                                    Offer::Command(command) => format!("/{} — {} ({})", command.name, command.description, command.bot),
                                };
                                view! {
                                    <li
                                        role="option"
                                        class="suggestion"
                                        aria-selected=move || (active.get() == i).to_string()
                                        on:mousedown=move |ev: ev::MouseEvent| {
                                            ev.prevent_default();
                                            complete(&chosen);
                                        }
                                    >
                                        {shown}
                                    </li>
                                }
                            })
                            .collect_view()
                    }}
                </ul>
            </Show>
            <Show when=too_long>
                <p class="form-error">{t_args("composer-too-long", &[("max", MAX_TEXT_CHARS.into())])}</p>
            </Show>
        </form>
    }
}

/// Alt+Enter: a line break at the caret (Shift+Enter makes one natively).
fn new_line(textarea: NodeRef<leptos::html::Textarea>, text: RwSignal<String>, caret: RwSignal<usize>) {
    #[cfg(feature = "hydrate")]
    if let Some(el) = textarea.get_untracked() {
        let start = el.selection_start().ok().flatten().unwrap_or(0);
        let end = el.selection_end().ok().flatten().unwrap_or(start);
        let _ = el.set_range_text_with_start_and_end_and_mode("\n", start, end, "end");
        caret.set(el.selection_start().ok().flatten().unwrap_or(0) as usize);
        text.set(el.value());
    }
    #[cfg(not(feature = "hydrate"))]
    let _ = (textarea, text, caret);
}

/// Fits the box to its text, up to 40% of the view, past which it scrolls
/// (after the next frame, once the text is in the box).
fn fit_to_text(textarea: NodeRef<leptos::html::Textarea>) {
    #[cfg(feature = "hydrate")]
    request_animation_frame(move || {
        let Some(el) = textarea.get_untracked() else { return };
        let most = window().inner_height().ok().and_then(|h| h.as_f64()).unwrap_or(800.0) * 0.4;
        let style = leptos::web_sys::HtmlElement::style(&el);
        let _ = style.set_property("height", "auto");
        let wanted = f64::from(el.scroll_height() + el.offset_height() - el.client_height());
        let _ = style.set_property("height", &format!("{}px", wanted.min(most).ceil()));
        let _ = style.set_property("overflow-y", if wanted > most { "auto" } else { "hidden" });
    });
    #[cfg(not(feature = "hydrate"))]
    let _ = textarea;
}
