// The field app's service worker: keeps the app itself (this page, its scripts, its styles) so
// it opens with no signal at all. It never touches the API: records go out only from the page,
// which knows what was sent and what was answered.
const VERSION = "__VERSION__";
const SHELL = __SHELL__;

self.addEventListener("install", (event) => {
  event.waitUntil(caches.open(VERSION).then((cache) => cache.addAll(SHELL)).then(() => self.skipWaiting()));
});

self.addEventListener("activate", (event) => {
  event.waitUntil(
    caches
      .keys()
      .then((names) => Promise.all(names.filter((n) => n !== VERSION).map((n) => caches.delete(n))))
      .then(() => self.clients.claim())
  );
});

self.addEventListener("fetch", (event) => {
  const request = event.request;
  if (request.method !== "GET") return;
  const url = new URL(request.url);
  if (url.origin !== self.location.origin || url.pathname.startsWith("/api/")) return;
  const path = url.pathname === "/lapangan/index.html" ? "/lapangan/" : url.pathname;
  if (!SHELL.includes(path)) return;
  // Cache first: the app must open in a desa without signal; a new version arrives with the
  // next service worker (its VERSION changes whenever a file of the app does).
  event.respondWith(
    caches.open(VERSION).then((cache) =>
      cache.match(path).then((hit) => hit || fetch(request).then((r) => {
        if (r.ok) cache.put(path, r.clone());
        return r;
      }))
    )
  );
});
