//! Files into the composer: picked, dropped or pasted, the first file is
//! uploaded to the room (`POST /api/rooms/{room}/attachments`, multipart) and,
//! once stored, waits beside the message box until the message is sent. The
//! server's refusal (too large, not a readable image, too many uploads) is
//! shown as it words it.

use leptos::{ev, prelude::*, task::spawn_local, wasm_bindgen::JsCast};
use web_sys::{File, FormData};

use crate::{paths, protocol::Attachment};

/// Where an upload goes and what it updates.
#[derive(Clone, Copy)]
pub struct Uploader {
    pub room: StoredValue<String>,
    /// The stored file waiting to be sent.
    pub staged: RwSignal<Option<Attachment>>,
    /// "Uploading …", or why the upload failed.
    pub status: RwSignal<Option<String>>,
    pub busy: RwSignal<bool>,
}

/// The files of a paste (a screenshot, a copied file); true if there were any
/// (the paste is then an upload, not text).
pub fn upload_pasted(ev: &ev::ClipboardEvent, to: Uploader) -> bool {
    let file = ev.clipboard_data().and_then(|data| data.files()).and_then(|files| files.get(0));
    let found = file.is_some();
    if let Some(file) = file {
        upload(file, to);
    }
    found
}

/// The first file dropped.
pub fn upload_dropped(ev: &ev::DragEvent, to: Uploader) {
    if let Some(file) = ev.data_transfer().and_then(|data| data.files()).and_then(|files| files.get(0)) {
        upload(file, to);
    }
}

/// The file chosen with the picker (which is then cleared, so the same file can be chosen again).
pub fn upload_picked(ev: &ev::Event, to: Uploader) {
    let Some(input) = ev.target().and_then(|t| t.dyn_into::<web_sys::HtmlInputElement>().ok()) else { return };
    if let Some(file) = input.files().and_then(|files| files.get(0)) {
        upload(file, to);
    }
    input.set_value("");
}

fn upload(file: File, to: Uploader) {
    let name = if file.name().is_empty() { "pasted image".to_owned() } else { file.name() };
    to.status.set(Some(format!("Uploading {name}…")));
    to.busy.set(true);
    spawn_local(async move {
        match send(&to.room.get_value(), &file, &name).await {
            Ok(stored) => {
                to.staged.set(Some(stored));
                to.status.set(None);
            }
            Err(why) => to.status.set(Some(format!("{name} was not uploaded: {why}"))),
        }
        to.busy.set(false);
    });
}

async fn send(room: &str, file: &File, name: &str) -> Result<Attachment, String> {
    let form = FormData::new().map_err(|_| "the browser cannot send forms".to_owned())?;
    form.append_with_blob_and_filename("file", file, name).map_err(|_| "the file could not be read".to_owned())?;
    let response = gloo_net::http::Request::post(&paths::room_attachments(room))
        .header("accept", "application/json")
        .body(form)
        .map_err(|e| e.to_string())?
        .send()
        .await
        .map_err(|_| "the connection failed".to_owned())?;
    if response.ok() {
        response.json().await.map_err(|e| e.to_string())
    } else {
        let error: serde_json::Value = response.json().await.unwrap_or_default();
        Err(error["message"].as_str().map_or_else(|| format!("the server answered {}", response.status()), str::to_owned))
    }
}
