//! The axum router: Leptos pages and server functions, the JSON API, the room
//! socket, health, static assets; wrapped in sessions and authentication.

use std::{sync::OnceLock, time::Duration};

use axum::{
    Router,
    extract::DefaultBodyLimit,
    middleware,
    routing::{get, post},
};
use axum_login::AuthManagerLayerBuilder;
use leptos::prelude::{AnyView, LeptosOptions, provide_context};
use leptos_axum::{AxumRouteListing, LeptosRoutes, generate_route_list};
use tower::ServiceBuilder;
use tower_http::{compression::CompressionLayer, limit::RequestBodyLimitLayer, timeout::RequestBodyTimeoutLayer};
use tower_sessions::{Expiry, SessionManagerLayer, cookie::SameSite};

use crate::server::{
    accounts::auth::Backend,
    http::{
        admin, assets, attachments, bearer, emails, entry, gate, history, hosts,
        integrations::{bots, commands, hooks, incoming, subscriptions, tokens},
        links, locale, memberships, operations, origin, posts, push, room_paths, search_api, security_headers, sockets, sso,
        state::AppState,
        thread_follows, user_rooms,
    },
    metrics,
    storage::sessions::DbSessionStore,
};

/// Name of the session cookie.
pub const SESSION_COOKIE: &str = "parlor_session";

/// Largest request body accepted (forms and server-function calls are tiny),
/// except for file uploads (`--max-upload-mb`).
const MAX_BODY_BYTES: usize = 64 * 1024;

/// How long a client may take to send a request body.
const BODY_TIMEOUT: Duration = Duration::from_secs(30);

/// The pages the server renders: the application (its router) and the
/// document around it. The crate's root hands them over (`parlor::site`), so
/// that the server knows nothing else of the UI.
#[derive(Clone, Copy)]
pub struct Site {
    pub app: fn() -> AnyView,
    pub shell: fn(LeptosOptions) -> AnyView,
}

/// The page routes, listed once per process. Listing runs the app with
/// resource loading suspended by a process-wide flag (leptos_router's
/// `RouteList::generate`): a page resource first polled meanwhile — on another
/// server in the same process, as in the tests — would wait forever.
fn page_routes(site: Site) -> Vec<AxumRouteListing> {
    static ROUTES: OnceLock<Vec<AxumRouteListing>> = OnceLock::new();
    ROUTES.get_or_init(|| generate_route_list(site.app)).clone()
}

/// The document around a page, with the page's CSP (and its nonce) set first.
fn page_shell(site: Site) -> impl Fn(LeptosOptions) -> AnyView + Clone + Send + 'static {
    move |options| {
        security_headers::set_page_csp();
        (site.shell)(options)
    }
}

/// The operations listener's router (`--metrics-addr`).
pub fn operations_router(state: AppState) -> Router {
    operations::router(state)
}

/// Builds the whole application router around `site`'s pages.
pub fn router(state: AppState, site: Site) -> Router {
    let lifetime = time::Duration::try_from(state.sessions.lifetime()).unwrap_or(time::Duration::days(14));
    let sessions = SessionManagerLayer::new(DbSessionStore::new(&state.store))
        .with_name(SESSION_COOKIE)
        .with_http_only(true)
        .with_same_site(SameSite::Lax)
        .with_secure(state.config.secure_cookies)
        .with_expiry(Expiry::OnInactivity(lifetime));
    let auth = AuthManagerLayerBuilder::new(Backend::new(state.store.clone(), state.passwords.clone()), sessions).build();

    let [a, b, c, d] = security_headers::layers();
    let pages = page_routes(site);
    let shell = page_shell(site);
    let page_shell = shell.clone();
    let context_state = state.clone();
    let shell_options = state.leptos_options.clone();
    // Uploads are the one route whose bodies may be large.
    let uploads = Router::new()
        .route("/api/rooms/{room}/attachments", post(attachments::upload))
        .layer(DefaultBodyLimit::max(attachments::upload_body_limit(state.config.max_upload_bytes())));
    let app = Router::new()
        .route("/api/messages/{room}", get(history::messages).post(posts::send))
        .route("/api/messages/{room}/", get(history::messages).post(posts::send))
        .route("/ws/room/{room}", get(sockets::room))
        .route("/ws/room/{room}/", get(sockets::room))
        .route("/ws/inbox/", get(sockets::inbox))
        .route("/api/rooms/", get(user_rooms::list).post(memberships::create))
        .route("/api/rooms/{room}/members", get(user_rooms::members).post(memberships::add_member))
        .route("/api/rooms/{room}/members/remove", post(memberships::remove_member))
        .route("/api/rooms/{room}/invites", get(memberships::list_invites).post(memberships::create_invite))
        .route("/api/rooms/{room}/invites/revoke", post(memberships::revoke_invite))
        .route("/join/{code}", get(links::join_page).post(links::join))
        .route("/dm/", post(links::direct_form))
        .route("/dm/{username}", get(links::direct_page).post(links::direct))
        .route("/dm/{username}/", get(links::direct_page).post(links::direct))
        .route("/api/threads/", get(thread_follows::list))
        .route("/api/threads", get(thread_follows::list))
        .route("/api/threads/follow", post(thread_follows::follow))
        .route("/api/push/key", get(push::key))
        .route("/api/push/subscriptions", get(push::list).post(push::subscribe))
        .route("/api/push/subscriptions/remove", post(push::remove))
        .route("/api/push/test", post(push::test))
        .route("/api/search/", get(search_api::search))
        .route("/api/search", get(search_api::search))
        .route("/api/admin/users/", get(admin::list))
        .route("/api/admin/users/deactivate", post(admin::deactivate))
        .route("/api/admin/users/reactivate", post(admin::reactivate))
        .route("/api/admin/users/admin", post(admin::set_admin))
        .route("/api/rooms/{room}/notify", post(user_rooms::set_notify))
        .route("/api/tokens", get(tokens::list).post(tokens::create))
        .route("/api/tokens/revoke", post(tokens::revoke))
        .route("/api/admin/bots", post(bots::create))
        .route("/api/admin/bots/tokens", post(bots::create_token))
        .route("/api/rooms/{room}/webhooks", get(hooks::list).post(hooks::create))
        .route("/api/rooms/{room}/webhooks/revoke", post(hooks::revoke))
        .route("/hooks/{secret}", post(incoming::post))
        .route("/api/subscriptions", get(subscriptions::list).post(subscriptions::create))
        .route("/api/subscriptions/remove", post(subscriptions::remove))
        .route("/api/subscriptions/resume", post(subscriptions::resume))
        .route("/api/commands", get(commands::list).post(commands::register))
        .route("/api/commands/remove", post(commands::remove))
        .route("/api/admin/registration", get(entry::mode).post(entry::set_mode))
        .route("/api/admin/invitations", get(entry::invitations).post(entry::create_invitation))
        .route("/api/admin/invitations/revoke", post(entry::revoke_invitation))
        .route("/api/admin/users/reset", post(entry::create_reset))
        .route("/api/admin/users", post(entry::create_account))
        .route("/auth/oidc/start", get(sso::start))
        .route("/auth/oidc/callback", get(sso::callback))
        .route("/verify-email/{token}", get(emails::verify_page).post(emails::verify))
        .route("/undo-email/{token}", get(emails::undo_page).post(emails::undo))
        .route("/unsubscribe/{token}", get(emails::unsubscribe_page).post(emails::unsubscribe))
        .route("/open", get(room_paths::open_room))
        .route("/pkg/{file}", get(assets::pkg))
        .route("/pkg/{hash}/{file}", get(assets::hashed))
        .route("/attachments/{id}", get(attachments::original))
        .route("/attachments/{id}/thumb", get(attachments::thumbnail))
        .route("/previews/{room}/{seq}/image", get(attachments::preview_image))
        .leptos_routes_with_context(
            &state,
            pages,
            move || {
                provide_context(context_state.clone());
                locale::provide_texts(context_state.config.default_locale);
            },
            move || page_shell(shell_options.clone()),
        )
        .fallback(leptos_axum::file_and_error_handler::<AppState, _>(shell))
        .layer(RequestBodyLimitLayer::new(MAX_BODY_BYTES))
        .merge(uploads)
        .layer(middleware::from_fn(gate::login_required_pages))
        .layer(middleware::from_fn(room_paths::canonical_room_pages))
        .layer(middleware::from_fn_with_state(state.clone(), gate::keep_sessions_alive))
        .layer(middleware::from_fn_with_state(state.clone(), bearer::bearer_tokens))
        .layer(auth);
    // Health and metrics stay outside the session layer: they must answer even
    // when the database (which holds sessions) does not.
    let mut outside_sessions = Router::new().route("/healthz", get(operations::health));
    if state.config.metrics_addr.is_none() {
        outside_sessions = outside_sessions.route("/metrics", get(metrics::render));
    }
    outside_sessions
        .merge(app)
        .layer(middleware::from_fn(origin::refuse_cross_site_writes))
        .layer(middleware::from_fn_with_state(state.hosts.clone(), hosts::only_public_host))
        .layer(RequestBodyTimeoutLayer::new(BODY_TIMEOUT))
        .layer(middleware::from_fn(security_headers::service_worker_csp))
        .layer(middleware::from_fn(security_headers::page_csp_from_nonce))
        .layer(ServiceBuilder::new().layer(a).layer(b).layer(c).layer(d))
        // gzip or brotli for pages and JSON made per request (the bundle is
        // served precompressed); WebSocket upgrades pass through untouched.
        // Quality 1: the brotli crate's fastest path. A room page (41.7 KB)
        // comes out 5.8 KB instead of 5.0 at the default (4), and the room
        // page with `br, gzip` serves ~1,950 req/s instead of ~1,390 (its
        // quality 2 is slower than 4: ~1,090; `scripts/bench.sh k`).
        .layer(CompressionLayer::new().quality(tower_http::CompressionLevel::Precise(1)))
        .with_state(state)
}
