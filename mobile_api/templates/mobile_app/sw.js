/* 代表走访 service worker: precache the shell under a versioned cache name; on activation
   delete every older version, so a release never leaves a stale shell behind.
   API requests are not handled here: the page talks to /api/mobile/v1/ directly and keeps its
   own outbox (IndexedDB), so nothing is ever answered from a cache that should not be. */
const VERSION = {{ version|safe }};
const CACHE = "mobile-app-" + VERSION;
const PRECACHE = {{ precache|safe }};
const SHELL = PRECACHE[0];

self.addEventListener("install", (event) => {
  event.waitUntil(
    caches.open(CACHE)
      .then((cache) => cache.addAll(PRECACHE.map((url) => new Request(url, { cache: "reload" }))))
      .then(() => self.skipWaiting()),
  );
});

self.addEventListener("activate", (event) => {
  event.waitUntil(
    caches.keys()
      .then((names) => Promise.all(
        names.filter((n) => n.startsWith("mobile-app-") && n !== CACHE).map((n) => caches.delete(n)),
      ))
      .then(() => self.clients.claim()),
  );
});

function isShellRequest(request, url) {
  if (request.method !== "GET" || url.origin !== self.location.origin) return false;
  return request.mode === "navigate" && url.pathname.startsWith(SHELL);
}

self.addEventListener("fetch", (event) => {
  const request = event.request;
  const url = new URL(request.url);
  if (isShellRequest(request, url)) {
    event.respondWith(
      caches.open(CACHE).then((cache) => cache.match(SHELL)).then((hit) => hit || fetch(request)),
    );
    return;
  }
  if (request.method === "GET" && url.origin === self.location.origin
      && PRECACHE.includes(url.pathname)) {
    event.respondWith(
      caches.open(CACHE).then((cache) => cache.match(url.pathname)).then((hit) => hit || fetch(request)),
    );
  }
  // Anything else (the API, map tiles) goes to the network untouched.
});

// Background Sync: wake the open app to flush its outbox (the tokens live in the page).
self.addEventListener("sync", (event) => {
  if (event.tag !== "outbox") return;
  event.waitUntil(
    self.clients.matchAll({ type: "window" }).then((clients) => {
      clients.forEach((client) => client.postMessage({ type: "flush" }));
    }),
  );
});

// Which build is this worker? (asked over a MessageChannel by the app's tests and tools)
self.addEventListener("message", (event) => {
  if (event.data && event.data.type === "version" && event.ports[0]) {
    event.ports[0].postMessage(VERSION);
  }
});
