//! `/search/?q=...&room=...`: full-text search over the messages the reader may
//! read, newest first, each result a link to the message in its room (its
//! permalink), with the matched words marked. A plain GET form, so it works
//! without JavaScript; `before=` pages to older results.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

use crate::{
    error::AppError,
    paths,
    search_query::{Hit, Results},
};

/// `POST /api/search_messages`: the search page's call (the same code path as
/// `GET /api/search/`).
#[server(prefix = "/api", endpoint = "search_messages")]
pub async fn search_messages(q: String, room: Option<String>, before: Option<i64>) -> Result<Results, AppError> {
    use crate::server::http::{gate, params::SeqParam, search_api};
    let (state, user) = gate::require_user().await?;
    let params = search_api::SearchParams { q, room, before: before.map(SeqParam), limit: None };
    search_api::run_search(&state, &user, params).await
}

#[component]
pub fn SearchPage() -> impl IntoView {
    let query = use_query_map();
    let (q, room, before) = query.with_untracked(|map| {
        (
            map.get("q").unwrap_or_default(),
            map.get("room").filter(|r| !r.is_empty()),
            map.get("before").and_then(|b| b.parse().ok()),
        )
    });
    let asked = !q.trim().is_empty();
    let results = Resource::new(
        {
            let (q, room) = (q.clone(), room.clone());
            move || (q.clone(), room.clone(), before)
        },
        |(q, room, before)| async move {
            if q.trim().is_empty() { Ok(Results::default()) } else { search_messages(q, room, before).await }
        },
    );
    let scope = room.clone();
    view! {
        <Title text=if asked { format!("{q} · Search · Parlor") } else { "Search · Parlor".to_owned() } />
        <section class="card" role="search">
            <h1>"Search"</h1>
            <form id="searchForm" class="open-room" method="get" action="/search/">
                <label for="searchInput">
                    {match &scope { Some(room) => format!("Search #{room}"), None => "Search every room you can read".to_owned() }}
                </label>
                <input id="searchInput" name="q" type="search" value=q.clone() placeholder="words, prefix*, \"a phrase\", from:alice, in:room" />
                {scope.clone().map(|room| view! { <input type="hidden" name="room" value=room /> })}
                <button type="submit" id="searchBtn">"Search"</button>
            </form>
        </section>
        <Show when=move || asked>
            <section class="card" aria-live="polite">
                <Suspense fallback=|| view! { <p>"Searching…"</p> }>
                    {move || Suspend::new(async move {
                        match results.await {
                            Ok(found) => view! { <ResultList found /> }.into_any(),
                            Err(err) => view! { <p id="searchProblem" class="form-error" role="alert">{err.to_string()}</p> }.into_any(),
                        }
                    })}
                </Suspense>
            </section>
        </Show>
    }
}

#[component]
fn ResultList(found: Results) -> impl IntoView {
    let Results { query, results, next_before } = found;
    if results.is_empty() {
        return view! { <p id="noResults" class="empty">"Nothing found."</p> }.into_any();
    }
    let room_param = use_query_map()
        .with_untracked(|map| map.get("room"))
        .map(|room| format!("&room={}", urlencoding::encode(&room)))
        .unwrap_or_default();
    let older = next_before.map(|before| format!("/search/?q={}{room_param}&before={before}", urlencoding::encode(&query)));
    view! {
        <ol id="searchResults" class="search-results">
            {results.into_iter().map(|hit| view! { <ResultItem hit /> }).collect_view()}
        </ol>
        {older.map(|href| view! { <a id="olderResults" href=href>"Older results"</a> })}
    }
    .into_any()
}

#[component]
fn ResultItem(hit: Hit) -> impl IntoView {
    let href = paths::message(&hit.room, hit.seq);
    view! {
        <li class="search-result" data-room=hit.room.clone() data-seq=hit.seq>
            <a class="result-link" href=href rel="external">
                <span class="result-room">{hit.room_label}</span>
                {hit.thread.map(|_| view! { <span class="result-thread">" · in a thread"</span> })}
                " · "
                <strong class="sender">{hit.sender}</strong>
                " "
                <time datetime=hit.timestamp.clone()>{hit.timestamp.replace('T', " ").chars().take(16).collect::<String>()}" UTC"</time>
            </a>
            <p class="snippet">
                {hit.snippet.into_iter().map(|piece| if piece.mark {
                    view! { <mark>{piece.text}</mark> }.into_any()
                } else {
                    piece.text.into_any()
                }).collect_view()}
            </p>
        </li>
    }
}
