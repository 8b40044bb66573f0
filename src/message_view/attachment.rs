//! A message's file: an image as its thumbnail (sized before it loads, so the
//! list does not jump) that opens the full image; any other file as its name,
//! size and a download link.

use leptos::prelude::*;

use crate::{
    i18n::t_args,
    protocol::{Attachment, THUMB_EDGE},
};

#[component]
pub fn AttachmentView(attachment: Attachment) -> impl IntoView {
    let size = attachment.human_size();
    match (attachment.thumb_url.clone(), attachment.width, attachment.height) {
        (Some(thumb), Some(width), Some(height)) => {
            let (shown_width, shown_height) = fitted(width, height);
            let label = t_args(
                "attachment-open",
                &[
                    ("name", (&attachment.name).into()),
                    ("size", (&size).into()),
                    ("dimensions", format!("{width}×{height}").as_str().into()),
                ],
            );
            view! {
                <a class="attachment attachment-image" href=attachment.url target="_blank" rel="noopener" aria-label=label>
                    <img
                        src=thumb
                        alt=attachment.name
                        width=shown_width
                        height=shown_height
                        loading="lazy"
                        decoding="async"
                    />
                </a>
            }
            .into_any()
        }
        _ => view! {
            <p class="attachment attachment-file">
                <span class="attachment-label">"File: "</span>
                <a href=attachment.url.clone() download=attachment.name.clone()>{attachment.name.clone()}</a>
                " "<span class="attachment-size">{size}</span>
            </p>
        }
        .into_any(),
    }
}

/// The thumbnail's size: the image scaled to fit [`THUMB_EDGE`], never up.
fn fitted(width: i32, height: i32) -> (i32, i32) {
    let edge = THUMB_EDGE as i32;
    let longer = width.max(height).max(1);
    if longer <= edge {
        return (width, height);
    }
    ((width * edge / longer).max(1), (height * edge / longer).max(1))
}

#[cfg(test)]
mod tests {
    use super::fitted;

    #[test]
    fn thumbnails_fit_the_edge_and_keep_their_shape() {
        assert_eq!(fitted(1200, 600), (480, 240));
        assert_eq!(fitted(300, 4000), (36, 480));
        assert_eq!(fitted(40, 30), (40, 30));
    }
}
