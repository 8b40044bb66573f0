// Parlor's service worker: the app opens without a network.
//
// Every request goes to the network first, so a new version of the app (its
// pages, /pkg/ bundle and stylesheet) is used on the very next load; what the
// network answered is kept, and answers when the network cannot: a room opened
// before shows its last page, its outbox (kept in localStorage by the app) and
// sends it once the connection is back. A page never opened shows /offline.
// Nothing but same-origin GETs of pages and assets is cached: never the API,
// never sockets, never files of rooms (they need the permission check).
const CACHE = 'parlor-shell-v1';
const SHELL = ['/', '/offline', '/pkg/parlor.js', '/pkg/parlor.wasm', '/pkg/parlor.css', '/manifest.webmanifest', '/icon-192.png'];

self.addEventListener('install', (event) => {
  event.waitUntil(
    caches.open(CACHE).then((cache) => Promise.all(SHELL.map((path) => cache.add(path).catch(() => undefined)))),
  );
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

function cacheable(request) {
  const url = new URL(request.url);
  if (request.method !== 'GET' || url.origin !== self.location.origin) return false;
  if (url.pathname.startsWith('/api/') || url.pathname.startsWith('/ws/') || url.pathname.startsWith('/attachments/')) return false;
  return request.mode === 'navigate' || url.pathname.startsWith('/pkg/') || /\.(png|svg|webmanifest)$/.test(url.pathname);
}

self.addEventListener('fetch', (event) => {
  const request = event.request;
  // Logging out forgets the pages kept for this browser.
  if (request.method === 'POST' && /^\/api\/(logout|log_out_everywhere)$/.test(new URL(request.url).pathname)) {
    event.waitUntil(caches.delete(CACHE));
    return;
  }
  if (!cacheable(request)) return;
  event.respondWith(
    fetch(request)
      .then((response) => {
        if (response.ok && !response.redirected) {
          const copy = response.clone();
          caches.open(CACHE).then((cache) => cache.put(request, copy));
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
