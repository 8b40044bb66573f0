//! A composer's file parts, shared by the room's composer and the thread's:
//! the attach button with its hidden file input, the upload's status line and
//! the stored file waiting to go with the next send (with a way to drop it).
//! Each composer names its own element ids (`FileIds`).

use leptos::prelude::*;

use crate::client::uploads::{Uploader, upload_picked};
use crate::i18n::t;

/// The ids one composer gives its file parts.
#[derive(Clone, Copy)]
pub struct FileIds {
    pub input: &'static str,
    pub button: &'static str,
    pub status: &'static str,
    pub staged: &'static str,
}

/// The room composer's ids (the browser tests and the layout's CSS use them).
pub const ROOM_FILE_IDS: FileIds =
    FileIds { input: "fileInput", button: "attachBtn", status: "uploadStatus", staged: "stagedFile" };

/// The thread composer's ids.
pub const THREAD_FILE_IDS: FileIds =
    FileIds { input: "threadFileInput", button: "threadAttachBtn", status: "threadUploadStatus", staged: "threadStagedFile" };

/// An uploader for `room`, with nothing staged.
pub fn uploader_for(room: String) -> Uploader {
    Uploader {
        room: StoredValue::new(room),
        staged: RwSignal::new(None),
        status: RwSignal::new(None),
        busy: RwSignal::new(false),
    }
}

/// The upload's progress or failure, and the stored file waiting to be sent.
#[component]
pub fn UploadState(uploader: Uploader, ids: FileIds) -> impl IntoView {
    view! {
        {move || uploader.status.get().map(|status| view! { <p id=ids.status class="upload-status" role="status">{status}</p> })}
        {move || uploader.staged.get().map(|file| view! {
            <p id=ids.staged class="staged-file">
                {t("file-staged")}" "{file.name.clone()}" ("{file.human_size()}") "
                <button type="button" class="link-button" aria-label=t("file-remove") on:click=move |_| uploader.staged.set(None)>
                    "✕"
                </button>
            </p>
        })}
    }
}

/// The paperclip button and the file input it opens.
#[component]
pub fn AttachButton(uploader: Uploader, ids: FileIds) -> impl IntoView {
    let file_input = NodeRef::<leptos::html::Input>::new();
    view! {
        <input
            id=ids.input
            type="file"
            class="visually-hidden"
            tabindex="-1"
            aria-hidden="true"
            node_ref=file_input
            on:change=move |ev| upload_picked(&ev, uploader)
        />
        <button
            id=ids.button
            class="attach-btn"
            type="button"
            aria-label=t("file-attach")
            title=t("file-attach-title")
            disabled=move || uploader.busy.get()
            on:click=move |_| {
                if let Some(input) = file_input.get() {
                    input.click();
                }
            }
        >
            <svg class="paperclip" aria-hidden="true" viewBox="0 0 16 16" width="16" height="16">
                <path
                    fill="none"
                    stroke="currentColor"
                    stroke-width="1.5"
                    stroke-linecap="round"
                    d="M10.5 4.5 5.2 9.8a1.5 1.5 0 0 0 2.1 2.1l5.6-5.6a3 3 0 0 0-4.2-4.2L3 7.8a4.5 4.5 0 0 0 6.4 6.4l4.1-4.1"
                />
            </svg>
        </button>
    }
}
