// The service worker of the assistant's pages (services/web/offline.py).
// - Static files: from the cache first.
// - The assistant's pages ("Moje rodziny", "Do zrobienia", "Praca w terenie", "Do wyjaśnienia"
//   and the case files of their active families, or of those marked "do pracy w terenie"): kept
//   when the page syncs ("keep" message), then from the network, refreshed on the way; with no
//   network, as of the last time. A kept page the server now refuses (the family is no longer
//   the assistant's) is deleted at once; the next sync deletes every case file not asked for.
// Signing out deletes every kept page, the outbox, the marks and the device's key (register.js).
"use strict";

const PAGES = "asysta-pages-v1";
const STATIC = "asysta-static-v1";
const SHELL = [
  "/static/asysta.css",
  "/static/asysta.js",
  "/static/vendor/htmx-2.0.11.min.js",
  "/static/icons/favicon.svg",
  "/static/offline/offline.js",
  "/static/offline/offline.css",
  "/static/offline/register.js",
];
const KEPT = [/^\/assistant(\/todo|\/offline)?$/, /^\/review$/, /^\/cases\/[0-9a-f-]{36}$/];

self.addEventListener("install", (event) => {
  event.waitUntil(caches.open(STATIC).then((cache) => cache.addAll(SHELL)).then(() => self.skipWaiting()));
});

self.addEventListener("activate", (event) => {
  event.waitUntil(
    caches
      .keys()
      .then((names) => Promise.all(names.filter((n) => n !== PAGES && n !== STATIC).map((n) => caches.delete(n))))
      .then(() => self.clients.claim())
  );
});

// Kept pages hold personal data: they are sealed with the device key (AES-GCM), the same
// non-extractable key that seals the outbox, read from IndexedDB; with no key (signed out, or
// never synced) nothing is kept and nothing kept can be read.
function deviceKey() {
  return new Promise((resolve) => {
    // Whatever version the pages made (offline.js, register.js); none yet: no key, none created.
    const open = indexedDB.open("asysta-offline");
    open.onupgradeneeded = () => open.transaction.abort();
    open.onerror = () => resolve(null);
    open.onsuccess = () => {
      const db = open.result;
      try {
        const read = db.transaction("keys").objectStore("keys").get("current");
        read.onsuccess = () => { db.close(); resolve(read.result || null); };
        read.onerror = () => { db.close(); resolve(null); };
      } catch (error) {
        db.close();
        resolve(null);
      }
    };
  });
}

async function sealed(response) {
  const key = await deviceKey();
  if (!key) return null;
  const iv = crypto.getRandomValues(new Uint8Array(12));
  const data = new Uint8Array(await crypto.subtle.encrypt({ name: "AES-GCM", iv }, key, await response.arrayBuffer()));
  const body = new Uint8Array(iv.length + data.length);
  body.set(iv);
  body.set(data, iv.length);
  return new Response(body, {
    headers: {
      "Content-Type": "application/octet-stream",
      "X-Asysta-Sealed": "AES-GCM",
      "X-Asysta-Type": response.headers.get("Content-Type") || "text/html; charset=utf-8",
    },
  });
}

async function opened(stored) {
  const key = await deviceKey();
  if (!key || !stored) return null;
  const raw = new Uint8Array(await stored.arrayBuffer());
  try {
    const plain = await crypto.subtle.decrypt({ name: "AES-GCM", iv: raw.slice(0, 12) }, key, raw.slice(12));
    const type = stored.headers.get("X-Asysta-Type") || "";
    if (!type.startsWith("text/html")) return new Response(plain, { headers: { "Content-Type": type } });
    // A page from the device says so, and where to record with no network.
    const html = new TextDecoder().decode(plain);
    const en = /<html lang="en"/.test(html);
    const notice =
      '<div class="notice offline-notice" role="status">' +
      (en
        ? 'No network: this page is as of the last sync. Record visits, notes and consents in <a href="/assistant/offline">Field work</a>.'
        : 'Brak sieci: strona z urządzenia, stan z ostatniej synchronizacji. Wizyty, notatki i zgody zapisuj w <a href="/assistant/offline">Praca w terenie</a>.') +
      "</div>";
    const marked = html.includes('class="offline-status"')
      ? html
      : html.replace('<main id="main" class="wrap" tabindex="-1">', (main) => main + notice);
    return new Response(marked, { headers: { "Content-Type": type } });
  } catch (error) {
    return null;
  }
}

// A case file the device does not keep (not marked "do pracy w terenie", or no longer the
// assistant's family): said plainly, with the way back to the field-work page.
function notKept(en) {
  const text = en
    ? ["en", "Not on this device", "No network, and this family's case file is not kept on this device.", "Field work"]
    : ["pl", "Brak akt na urządzeniu", "Brak sieci, a akt tej rodziny nie ma na tym urządzeniu.", "Praca w terenie"];
  return new Response(
    `<!doctype html><html lang="${text[0]}"><meta charset="utf-8">` +
      '<meta name="viewport" content="width=device-width, initial-scale=1">' +
      `<title>${text[1]} · Asysta</title><link rel="stylesheet" href="/static/asysta.css">` +
      `<main id="main" class="wrap"><h1>${text[1]}</h1><p class="not-kept">${text[2]}</p>` +
      `<p><a href="/assistant/offline">${text[3]}</a></p></main></html>`,
    { status: 503, headers: { "Content-Type": "text/html; charset=utf-8" } }
  );
}

async function networkFirst(request) {
  const cache = await caches.open(PAGES);
  const key = request.url.split("?")[0];
  try {
    const response = await fetch(request);
    // Only pages the assistant's sync asked to keep are refreshed: another person signed in
    // on this device later (a head) has nothing of theirs kept.
    if (response.ok && !response.redirected && response.type === "basic" && (await cache.match(key))) {
      const kept = await sealed(response.clone());
      if (kept) await cache.put(key, kept);
    }
    // Refused now (another assistant's family, or none any more): nothing of it stays here.
    if ([401, 403, 404, 410].includes(response.status) && !response.redirected) await cache.delete(key);
    return response;
  } catch (error) {
    const kept = await opened(await cache.match(key));
    if (kept) return kept;
    const start = await opened(await cache.match(new URL("/assistant/offline", request.url).href));
    if (start && request.mode === "navigate" && /^\/cases\//.test(new URL(request.url).pathname)) {
      return notKept(/<html lang="en"/.test(await start.text()));
    }
    if (start && request.mode === "navigate") return start;
    return new Response(
      "<!doctype html><html lang=pl><meta charset=utf-8><title>Brak sieci · Asysta</title>" +
        "<main><h1>Brak sieci</h1><p>Tej strony nie zapisano na urządzeniu. " +
        '<a href="/assistant/offline">Praca w terenie</a></p></main>',
      { status: 503, headers: { "Content-Type": "text/html; charset=utf-8" } }
    );
  }
}

self.addEventListener("fetch", (event) => {
  const request = event.request;
  const url = new URL(request.url);
  if (url.origin !== self.location.origin) return;
  if (request.method !== "GET") return;
  if (url.pathname.startsWith("/static/")) {
    event.respondWith(caches.match(request).then((hit) => hit || fetch(request)));
    return;
  }
  if (KEPT.some((pattern) => pattern.test(url.pathname))) {
    event.respondWith(networkFirst(request));
  }
});

self.addEventListener("message", (event) => {
  // The page asks to keep the assistant's pages (their current case files among them) for a
  // day with no network; kept case files of families no longer theirs are deleted.
  const data = event.data || {};
  if (data.type !== "keep") return;
  const port = event.ports && event.ports[0];
  const keepCases = new Set((data.caseIds || []).map((id) => "/cases/" + id));
  const work = caches.open(PAGES).then(async (cache) => {
    for (const request of await cache.keys()) {
      const path = new URL(request.url).pathname;
      if (path.startsWith("/cases/") && !keepCases.has(path)) await cache.delete(request);
    }
    let kept = 0;
    for (const path of data.urls || []) {
      const url = new URL(path, self.location.origin).href;
      try {
        const response = await fetch(url, { credentials: "same-origin", cache: "no-store" });
        const sealedCopy = response.ok && !response.redirected ? await sealed(response) : null;
        if (sealedCopy) {
          await cache.put(url, sealedCopy);
          kept += 1;
        }
      } catch (error) {
        // no network: what was kept before stays
      }
    }
    if (port) port.postMessage({ kept: kept });
  });
  event.waitUntil(work);
});
