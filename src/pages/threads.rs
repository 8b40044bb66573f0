//! `/threads/`: the threads the reader follows, newest activity first, each
//! with its room, its root's first words, its replies and how many of them
//! are unread; each links to the thread open beside its room. Server-rendered
//! (works with JavaScript off); the counts are those of `GET /api/threads/`.

use leptos::prelude::*;
use leptos_meta::Title;

use crate::{error::AppError, local_time::LocalizedTime, paths, protocol::ThreadStatus};

/// `POST /api/followed_threads`: the threads page's call (the same code path as `GET /api/threads/`).
#[server(prefix = "/api", endpoint = "followed_threads")]
pub async fn followed_threads() -> Result<Vec<ThreadStatus>, AppError> {
    let (state, user) = crate::server::http::gate::require_user().await?;
    Ok(state.store.threads().followed_threads(user.0.id).await?)
}

#[component]
pub fn ThreadsPage() -> impl IntoView {
    let threads = Resource::new(|| (), |()| followed_threads());
    view! {
        <Title text="Threads · Parlor" />
        <section class="card threads-page">
            <h1>"Threads"</h1>
            <Suspense fallback=|| view! { <p>"Loading your threads…"</p> }>
                {move || Suspend::new(async move {
                    match threads.await {
                        Ok(threads) if threads.is_empty() => view! {
                            <p id="noThreads">"You follow no threads yet. Reply in one, or follow it from its panel."</p>
                        }.into_any(),
                        Ok(threads) => view! {
                            <ul id="threadList" class="thread-list">
                                {threads.into_iter().map(|thread| view! { <ThreadItem thread /> }).collect_view()}
                            </ul>
                        }.into_any(),
                        Err(err) => view! { <p class="form-error">{err.to_string()}</p> }.into_any(),
                    }
                })}
            </Suspense>
        </section>
    }
}

#[component]
fn ThreadItem(thread: ThreadStatus) -> impl IntoView {
    let root = thread.root.clone().unwrap_or_else(|| crate::protocol::Latest { seq: thread.thread, ..Default::default() });
    let replies = thread.replies.clone();
    let unread = thread.unread > 0;
    view! {
        <li class="thread-item" class:unread=unread>
            <a href=paths::thread(&thread.room, thread.thread)>
                <span class="thread-room">"#"{thread.room.clone()}</span>
                <span class="thread-root"><strong>{root.sender}</strong>" "{if root.text.is_empty() { "(deleted message)".to_owned() } else { root.text }}</span>
                {replies.map(|replies| view! {
                    <span class="thread-meta">
                        {format!("{} replies", replies.count)}" · last "<LocalizedTime at=replies.last_at clock=true />
                    </span>
                })}
                {(thread.unread > 0).then(|| view! { <span class="badge" aria-label=format!("{} unread replies", thread.unread)>{thread.unread}</span> })}
            </a>
        </li>
    }
}
