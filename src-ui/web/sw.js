// Cosabi's service worker: keeps every file of one version of the web app, so the
// app starts with no network at all. The build writes VERSION (a hash of the files)
// and FILES; a new version is fetched in the background when the server is
// reachable and takes over at the next start, once no page of the old one is open
// (the replica's data lives in OPFS, apart from this cache: nothing typed is lost).
// Requests to the sync server (/v1/...) never go through the cache.
const VERSION = "@VERSION@";
const FILES = @FILES@;
const CACHE = `cosabi-app-${VERSION}`;
const SCOPE = new URL("./", self.location).pathname;

self.addEventListener("install", (event) => {
  event.waitUntil(
    caches.open(CACHE).then((cache) =>
      cache.addAll(FILES.map((file) => new Request(file, { cache: "reload" }))),
    ),
  );
});

self.addEventListener("activate", (event) => {
  event.waitUntil(
    caches
      .keys()
      .then((keys) =>
        Promise.all(
          keys
            .filter((key) => key.startsWith("cosabi-app-") && key !== CACHE)
            .map((key) => caches.delete(key)),
        ),
      )
      .then(() => self.clients.claim()),
  );
});

self.addEventListener("fetch", (event) => {
  const request = event.request;
  const url = new URL(request.url);
  if (request.method !== "GET" || url.origin !== self.location.origin) return;
  if (!url.pathname.startsWith(SCOPE)) return;
  // Every page of the app is index.html (the UI routes inside it).
  const key = request.mode === "navigate" ? "./" : request;
  event.respondWith(
    caches
      .open(CACHE)
      .then((cache) => cache.match(key, { ignoreSearch: true }))
      .then((hit) => hit || fetch(request)),
  );
});
