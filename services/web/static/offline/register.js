// The assistant's pages as an installable app: the service worker keeps them for a day with
// no network (services/web/offline.py). Signing out with records still waiting asks first,
// because signing out removes what the device keeps.
(function () {
  "use strict";
  if ("serviceWorker" in navigator) {
    navigator.serviceWorker.register("/sw.js", { scope: "/" }).catch(function () {});
  }
  function waiting() {
    return new Promise(function (resolve) {
      if (!window.indexedDB) { resolve(0); return; }
      // The same database and version as offline.js (version 2 added "marks").
      var open = indexedDB.open("asysta-offline", 2);
      open.onupgradeneeded = function () {
        var db = open.result;
        if (!db.objectStoreNames.contains("outbox")) db.createObjectStore("outbox", { keyPath: "record_id" });
        if (!db.objectStoreNames.contains("keys")) db.createObjectStore("keys");
        if (!db.objectStoreNames.contains("marks")) db.createObjectStore("marks");
      };
      open.onerror = function () { resolve(0); };
      open.onsuccess = function () {
        var db = open.result;
        var request = db.transaction("outbox").objectStore("outbox").count();
        request.onsuccess = function () { db.close(); resolve(request.result); };
        request.onerror = function () { db.close(); resolve(0); };
      };
    });
  }
  // What the device keeps of this person (pages, outbox, marks, key) goes with the sign-out.
  function wipe() {
    var pages = window.caches ? caches.delete("asysta-pages-v1") : Promise.resolve();
    var data = new Promise(function (resolve) {
      if (!window.indexedDB) { resolve(); return; }
      var request = indexedDB.deleteDatabase("asysta-offline");
      request.onsuccess = request.onerror = request.onblocked = function () { resolve(); };
    });
    var worker = navigator.serviceWorker
      ? navigator.serviceWorker.getRegistrations().then(function (all) {
          return Promise.all(all.map(function (r) { return r.unregister(); }));
        })
      : Promise.resolve();
    return Promise.all([pages, data, worker]).catch(function () {});
  }
  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!(form instanceof HTMLFormElement) || form.getAttribute("action") !== "/signout") return;
    if (form.dataset.confirmed === "yes") return;
    event.preventDefault();
    waiting().then(function (count) {
      var en = document.documentElement.lang === "en";
      var question = en
        ? count + " record(s) have not been sent yet. Signing out removes them from this device. Sign out?"
        : "Nie wysłano jeszcze zapisów: " + count + ". Wylogowanie usunie je z tego urządzenia. Wylogować?";
      if (count === 0 || window.confirm(question)) {
        form.dataset.confirmed = "yes";
        wipe().then(function () { form.submit(); });
      }
    });
  });
})();
