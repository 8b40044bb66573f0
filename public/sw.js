// Parlor's service worker: the app opens without a network.
//
// Every request goes to the network first, so a new version of the app (its
// pages, /pkg/ bundle and stylesheet) is used on the very next load; what the
// network answered is kept, and answers when the network cannot: a room opened
// before shows its last page, its outbox (kept in localStorage by the app) and
// sends it once the connection is back. A page never opened shows /offline.
// Nothing but same-origin GETs of pages and assets is cached: never the API,
// never sockets, never files of rooms (they need the permission check).
//
// Web Push: a `push` shows the room's notification (one per room, by its tag),
// changes it for an edit, closes it for a deletion or a read elsewhere, and
// sets the app badge to the unread total; a click focuses an open Parlor
// window on the permalink, or opens one.
//
// What is kept belongs to whoever was logged in: it is forgotten as soon as
// the browser learns that session ended or a room was lost — a log-out, a
// log-in (maybe someone else's), a page that now sends to /login, a 401 or a
// 404, or the app's word (its room socket closed with 4001 or 4003, its inbox
// said a room left) — so nothing kept is shown to someone else.
const CACHE = 'parlor-shell-v1';
const SHELL = ['/', '/offline', '/manifest.webmanifest', '/icon-192.png'];

// The bundle is in a content-hashed folder (/pkg/HASH/parlor.js, ...): the
// offline page names its files, the lazily loaded chunks too, and they are
// kept with it, so the installed app opens every panel without a network.
async function keepShell() {
  const cache = await caches.open(CACHE);
  await Promise.all(SHELL.map((path) => cache.add(path).catch(() => undefined)));
  const offline = await cache.match('/offline');
  const page = offline ? await offline.text() : '';
  const bundle = [...new Set(page.match(/\/pkg\/[A-Za-z0-9._-]+(?:\/[A-Za-z0-9._-]+)?/g) || [])];
  await Promise.all(bundle.map((path) => cache.add(path).catch(() => undefined)));
}

self.addEventListener('install', (event) => {
  event.waitUntil(keepShell());
  self.skipWaiting();
});

self.addEventListener('activate', (event) => {
  event.waitUntil(
    caches
      .keys()
      .then((names) => Promise.all(names.filter((name) => name !== CACHE).map((name) => caches.delete(name))))
      .then(() => self.clients.claim()),
  );
});

function forgetAll() {
  return caches.delete(CACHE);
}

function forget(url) {
  return caches.open(CACHE).then((cache) => cache.delete(url, { ignoreSearch: true, ignoreVary: true }));
}

// Search result pages quote messages of many rooms: they go with any room lost.
function forgetSearches() {
  return caches.open(CACHE).then(async (cache) => {
    const kept = await cache.keys();
    await Promise.all(kept.filter((request) => new URL(request.url).pathname.startsWith('/search')).map((request) => cache.delete(request)));
  });
}

// The app's word: { type: 'session-ended' }, or { type: 'access-ended', url }.
self.addEventListener('message', (event) => {
  const message = event.data || {};
  if (message.type === 'session-ended') event.waitUntil(forgetAll());
  if (message.type === 'access-ended' && typeof message.url === 'string') {
    event.waitUntil(Promise.all([forget(message.url), forgetSearches()]));
  }
});

function cacheable(request) {
  const url = new URL(request.url);
  if (request.method !== 'GET' || url.origin !== self.location.origin) return false;
  if (url.pathname.startsWith('/api/') || url.pathname.startsWith('/ws/') || url.pathname.startsWith('/attachments/')) return false;
  return request.mode === 'navigate' || url.pathname.startsWith('/pkg/') || /\.(png|svg|webmanifest)$/.test(url.pathname);
}

self.addEventListener('fetch', (event) => {
  const request = event.request;
  // Logging out, or in (perhaps as someone else), forgets the pages kept.
  if (request.method === 'POST' && /^\/api\/(logout|log_out_everywhere|login|register)$/.test(new URL(request.url).pathname)) {
    event.waitUntil(Promise.all([forgetAll(), unsubscribePush()]));
    return;
  }
  if (!cacheable(request)) return;
  event.respondWith(
    fetch(request)
      .then(async (response) => {
        if (response.ok && !response.redirected) {
          // Kept before it is answered: a reload that goes offline right
          // after finds this copy, not an older one.
          const copy = response.clone();
          await caches
            .open(CACHE)
            .then((cache) => cache.put(request, copy))
            .catch(() => undefined);
        } else if (response.redirected && new URL(response.url).pathname === '/login') {
          // Sent to log in: the session is over, and with it what it was shown.
          event.waitUntil(forgetAll());
        } else if ([401, 403, 404].includes(response.status)) {
          event.waitUntil(forget(request.url));
        }
        return response;
      })
      .catch(async () => {
        const cached = await caches.match(request, { ignoreVary: true });
        if (cached) return cached;
        if (request.mode === 'navigate') return (await caches.match('/offline')) || Response.error();
        return Response.error();
      }),
  );
});

// The session's push subscription ends with it (the server forgets its copy too).
function unsubscribePush() {
  return self.registration.pushManager
    .getSubscription()
    .then((subscription) => subscription && subscription.unsubscribe())
    .catch(() => undefined);
}

function setBadge(unread) {
  if (typeof unread !== 'number' || !('setAppBadge' in self.navigator)) return Promise.resolve();
  const set = unread > 0 ? self.navigator.setAppBadge(unread) : self.navigator.clearAppBadge();
  return set.catch(() => undefined);
}

async function showPush(push) {
  await setBadge(push.unread);
  const shown = await self.registration.getNotifications({ tag: push.tag });
  if (push.kind === 'close') {
    shown.filter((n) => !n.data || n.data.seq <= push.seq).forEach((n) => n.close());
    return;
  }
  // An edit changes the notification only while it is still there.
  if (push.kind === 'update' && !shown.some((n) => n.data && n.data.seq === push.seq)) return;
  await self.registration.showNotification(push.title || 'Parlor', {
    body: push.body || '',
    tag: push.tag || 'parlor',
    renotify: push.kind === 'message',
    icon: '/icon-192.png',
    data: { url: push.url || '/', seq: push.seq, room: push.room },
  });
}

self.addEventListener('push', (event) => {
  let push = {};
  try {
    push = event.data ? event.data.json() : {};
  } catch (_) {
    push = {};
  }
  event.waitUntil(showPush(push));
});

self.addEventListener('notificationclick', (event) => {
  event.notification.close();
  const target = new URL((event.notification.data && event.notification.data.url) || '/', self.location.origin).href;
  event.waitUntil(
    (async () => {
      const windows = await self.clients.matchAll({ type: 'window', includeUncontrolled: true });
      // The permalink's own window, else one this worker controls (it can navigate).
      const open = windows.find((client) => client.url === target) || windows.find((client) => 'navigate' in client && client.frameType !== 'nested');
      if (open) {
        try {
          const focused = await open.focus();
          if (focused.url !== target) await focused.navigate(target);
          return;
        } catch (_) {
          // An uncontrolled window cannot be navigated: open the permalink instead.
        }
      }
      await self.clients.openWindow(target);
    })(),
  );
});
