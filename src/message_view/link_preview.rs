//! A link preview under a message: the site, the page's title (a link that
//! opens the page, telling it nothing of Parlor), its description, and the
//! thumbnail Parlor serves itself. The message's author, or a moderator, can
//! remove it.

use leptos::prelude::*;

use crate::protocol::LinkPreview;

#[component]
pub fn LinkPreviewCard(preview: LinkPreview) -> impl IntoView {
    let has_image = preview.image_url.is_some();
    view! {
        <aside class="link-preview" class:with-image=has_image aria-label=format!("Preview of {}", preview.site)>
            {preview.image_url.clone().map(|src| view! {
                <img class="link-preview-image" src=src alt="" loading="lazy" decoding="async" width="80" height="80" />
            })}
            <div class="link-preview-text">
                <span class="link-preview-site">{preview.site.clone()}</span>
                <a class="link-preview-title" href=preview.url.clone() target="_blank" rel="noopener noreferrer nofollow ugc">
                    {preview.title.clone()}
                </a>
                {(!preview.description.is_empty()).then(|| view! {
                    <p class="link-preview-description">{preview.description.clone()}</p>
                })}
            </div>
            // Shown only to who may remove it (a class on its message's row).
            <button type="button" class="link-preview-remove" aria-label="Remove the preview" title="Remove the preview">"×"</button>
        </aside>
    }
}
