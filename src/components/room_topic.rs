//! The room's topic under its name (in the reader's own script direction),
//! live as `topic` frames arrive, and for whoever may set it an "Edit topic"
//! button that opens a one-line form; the topic is sent as a room event.

use leptos::{ev, prelude::*};

use crate::i18n::t;
use crate::{chat::RoomState, protocol::events::topic::MAX_TOPIC_CHARS};

#[component]
pub fn RoomTopic(
    state: RoomState,
    /// Whether the reader may set the topic.
    sets_topic: bool,
    /// Sends the new topic (empty: none).
    on_set: Callback<String>,
) -> impl IntoView {
    let editing = RwSignal::new(false);
    let draft = RwSignal::new(String::new());
    let topic = move || state.topic.with(|(topic, _)| topic.clone());
    let on_submit = move |ev: ev::SubmitEvent| {
        ev.prevent_default();
        on_set.run(draft.get_untracked().trim().to_owned());
        editing.set(false);
    };
    view! {
        <div class="room-topic">
            <Show when=move || !topic().is_empty()>
                <p id="roomTopic" dir="auto">{topic}</p>
            </Show>
            {sets_topic.then(|| view! {
                <Show
                    when=move || editing.get()
                    fallback=move || view! {
                        <button
                            type="button"
                            id="editTopicBtn"
                            class="link-button"
                            on:click=move |_| {
                                draft.set(topic());
                                editing.set(true);
                            }
                        >
                            {move || if topic().is_empty() { t("topic-add") } else { t("topic-edit") }}
                        </button>
                    }
                >
                    <form id="topicForm" on:submit=on_submit>
                        <label for="topicInput" class="visually-hidden">{t("topic-label")}</label>
                        <input id="topicInput" dir="auto" maxlength=MAX_TOPIC_CHARS.to_string() bind:value=draft autocomplete="off" />
                        <button type="submit" id="setTopicBtn">{t("topic-save")}</button>
                        <button type="button" class="link-button" on:click=move |_| editing.set(false)>{t("topic-cancel")}</button>
                    </form>
                </Show>
            })}
        </div>
    }
}
