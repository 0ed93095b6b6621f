// "Praca w terenie" (services/web/offline.py): forms that work with no network. Each record goes
// to an outbox on the device (IndexedDB), encrypted with AES-GCM under a key the server released
// to this signed-in session (kept as a non-extractable CryptoKey, deleted at sign-out), with a
// UUID made on the device, the device's id and the case version. The outbox is sent when the
// network comes back and by "Wyślij teraz"; casework answers each record once.
// The families marked "do pracy w terenie" are kept on the device too (sealed with the same key);
// with data-families="marked" only their case files are kept, otherwise all active families'.
// At each sync, a family no longer the assistant's loses its kept case file and its mark.
(function () {
  "use strict";
  var app = document.getElementById("offline-app");
  if (!app) return;
  var owner = app.dataset.owner;
  var csrf = app.dataset.csrf;
  var en = app.dataset.lang === "en";
  var countEl = document.getElementById("outbox-count");
  var resultEl = document.getElementById("send-result");
  var netEl = document.getElementById("net-status");
  var syncedEl = document.getElementById("synced-at");
  var onlyMarked = app.dataset.families === "marked";
  var sending = false;

  function say(pl, english) { return en ? english : pl; }

  // IndexedDB ----------------------------------------------------------------------------------
  // Version 2 added "marks" (register.js opens the same database, at the same version).
  function openDb() {
    return new Promise(function (resolve, reject) {
      var open = indexedDB.open("asysta-offline", 2);
      open.onupgradeneeded = function () {
        var db = open.result;
        if (!db.objectStoreNames.contains("outbox")) db.createObjectStore("outbox", { keyPath: "record_id" });
        if (!db.objectStoreNames.contains("keys")) db.createObjectStore("keys");
        if (!db.objectStoreNames.contains("marks")) db.createObjectStore("marks");
      };
      open.onsuccess = function () { resolve(open.result); };
      open.onerror = function () { reject(open.error); };
    });
  }
  function run(store, mode, work) {
    return openDb().then(function (db) {
      return new Promise(function (resolve, reject) {
        var tx = db.transaction(store, mode);
        var result = work(tx.objectStore(store));
        tx.oncomplete = function () { db.close(); resolve(result && "result" in result ? result.result : result); };
        tx.onerror = function () { db.close(); reject(tx.error); };
      });
    });
  }
  function allMine() {
    return run("outbox", "readonly", function (s) { return s.getAll(); }).then(function (items) {
      return (items || []).filter(function (i) { return i.owner === owner; });
    });
  }

  // The device and its key ---------------------------------------------------------------------
  function deviceId() {
    var id = localStorage.getItem("asysta-device-id");
    if (!id) {
      id = "web-" + crypto.randomUUID();
      localStorage.setItem("asysta-device-id", id);
    }
    return id;
  }
  function fromBase64(text) {
    var raw = atob(text), bytes = new Uint8Array(raw.length);
    for (var i = 0; i < raw.length; i++) bytes[i] = raw.charCodeAt(i);
    return bytes;
  }
  function storedKey() {
    return run("keys", "readonly", function (s) { return s.get(owner); });
  }
  function fetchKey() {
    return fetch("/assistant/offline/key", { credentials: "same-origin", cache: "no-store" })
      .then(function (r) { if (!r.ok) throw new Error("key " + r.status); return r.json(); })
      .then(function (body) {
        if (body.owner !== owner) throw new Error("another person");
        return crypto.subtle.importKey("raw", fromBase64(body.key), "AES-GCM", false, ["encrypt", "decrypt"]);
      })
      .then(function (key) {
        // Under the owner for the outbox, and as the current key for the service worker,
        // which seals the kept pages with it.
        return run("keys", "readwrite", function (s) { s.put(key, owner); s.put(key, "current"); })
          .then(function () { return key; });
      });
  }
  function key() {
    return storedKey().then(function (k) { return k || fetchKey(); });
  }
  function seal(record) {
    return key().then(function (k) {
      var iv = crypto.getRandomValues(new Uint8Array(12));
      var plain = new TextEncoder().encode(JSON.stringify(record));
      return crypto.subtle.encrypt({ name: "AES-GCM", iv: iv }, k, plain).then(function (data) {
        return { iv: iv, data: data };
      });
    });
  }
  function open(item) {
    return key().then(function (k) {
      return crypto.subtle.decrypt({ name: "AES-GCM", iv: item.iv }, k, item.data);
    }).then(function (plain) { return JSON.parse(new TextDecoder().decode(plain)); });
  }

  // Families marked "do pracy w terenie": one sealed list of case ids per owner ---------------
  function readMarks() {
    return run("marks", "readonly", function (s) { return s.get(owner); })
      .then(function (item) { return item ? open(item) : []; })
      .catch(function () { return null; });  // no key (never online): unknown, not "none"
  }
  function writeMarks(ids) {
    return seal(ids).then(function (sealed) {
      return run("marks", "readwrite", function (s) { s.put({ iv: sealed.iv, data: sealed.data }, owner); });
    });
  }
  function showMarks(ids) {
    document.querySelectorAll(".field-work-mark").forEach(function (box) {
      box.checked = ids.indexOf(box.closest(".offline-family").dataset.caseId) >= 0;
    });
  }
  // Changes of marks and syncs run one after another, so that none overwrites another's.
  var queue = Promise.resolve();
  function inTurn(work) {
    queue = queue.then(work, work);
    return queue;
  }
  function forget(caseId) {
    if (!window.caches) return Promise.resolve();
    return caches.open("asysta-pages-v1").then(function (cache) {
      return cache.delete(new URL("/cases/" + caseId, location.href).href);
    });
  }

  // What the page shows -------------------------------------------------------------------------
  function refreshCount() {
    return allMine().then(function (items) { countEl.textContent = String(items.length); return items.length; });
  }
  function showNetwork() {
    var online = navigator.onLine;
    netEl.textContent = online ? netEl.dataset.online : netEl.dataset.offline;
    app.classList.toggle("is-offline", !online);
  }
  function localTime(iso) {
    var d = new Date(iso);
    return d.toLocaleString(en ? "en-GB" : "pl-PL", { dateStyle: "long", timeStyle: "short", timeZone: "Europe/Warsaw" });
  }
  function showSynced() {
    var at = localStorage.getItem("asysta-synced-at:" + owner) || app.dataset.renderedAt;
    syncedEl.setAttribute("datetime", at);
    syncedEl.textContent = localTime(at);
  }

  // Recording -----------------------------------------------------------------------------------
  function localDateTime(value) {
    // <input type=datetime-local> gives the device's local time; keep it with its offset.
    var d = new Date(value);
    if (isNaN(d.getTime())) return null;
    return d;
  }
  function isoDay(d) {
    var p = function (n) { return String(n).padStart(2, "0"); };
    return d.getFullYear() + "-" + p(d.getMonth() + 1) + "-" + p(d.getDate());
  }
  function names(text) {
    return String(text || "").split(",").map(function (s) { return s.trim(); }).filter(Boolean);
  }
  function defaultTimes() {
    var now = new Date(Date.now() - new Date().getTimezoneOffset() * 60000).toISOString().slice(0, 16);
    document.querySelectorAll(".offline-form input[name=when]").forEach(function (input) {
      if (!input.value) input.value = now;
    });
  }
  function build(form) {
    var section = form.closest(".offline-family");
    var kind = form.dataset.kind;
    var data = new FormData(form);
    var errorEl = form.querySelector(".form-error");
    var when = localDateTime(data.get("when"));
    var problems = [];
    if (!when) problems.push(say("Podaj datę i godzinę.", "Enter the date and time."));
    var record = {
      record_id: crypto.randomUUID(),
      device_id: deviceId(),
      case_id: section.dataset.caseId,
      case_version: Number(section.dataset.caseVersion || 0),
      kind: kind,
      happened_on: when ? isoDay(when) : null,
      happened_at: when ? when.toISOString() : null,
    };
    if (kind === "visit") {
      record.duration_minutes = Number(data.get("duration_minutes"));
      record.place = data.get("place") || "home";
      record.present = names(data.get("present"));
      record.topics = data.getAll("topics");
      record.note = String(data.get("note") || "");
      if (!(record.duration_minutes >= 1 && record.duration_minutes <= 720))
        problems.push(say("Podaj czas trwania od 1 do 720 minut.", "Enter a duration of 1 to 720 minutes."));
      if (!record.topics.length) problems.push(say("Wybierz co najmniej jeden temat.", "Choose at least one topic."));
    } else if (kind === "plan_note") {
      record.note = String(data.get("note") || "").trim();
      if (!record.note) problems.push(say("Wpisz notatkę.", "Write the note."));
    } else {
      record.signed_by = names(data.get("signed_by"));
      if (!record.signed_by.length) problems.push(say("Wpisz, kto podpisał zgodę.", "Enter who signed."));
    }
    errorEl.textContent = problems.join(" ");
    return problems.length ? null : record;
  }
  function save(form) {
    var record = build(form);
    if (!record) return Promise.resolve();
    return seal(record).then(function (sealed) {
      var item = {
        record_id: record.record_id,
        owner: owner,
        case_id: record.case_id,
        kind: record.kind,
        saved_at: new Date().toISOString(),
        iv: sealed.iv,
        data: sealed.data,
      };
      return run("outbox", "readwrite", function (s) { s.put(item); });
    }).then(function () {
      form.reset();
      defaultTimes();
      resultEl.textContent = say("Zapisano na urządzeniu.", "Saved on this device.");
      return refreshCount();
    }).then(function () {
      if (navigator.onLine) return send();
    }).catch(function () {
      form.querySelector(".form-error").textContent = say(
        "Nie udało się zapisać na urządzeniu. Połącz się raz z siecią, aby otrzymać klucz.",
        "Could not save on this device. Connect once to get the key."
      );
    });
  }

  // Sending -------------------------------------------------------------------------------------
  function summary(results) {
    var count = { applied: 0, already_there: 0, held: 0, refused: 0 };
    results.forEach(function (r) { count[r.outcome] = (count[r.outcome] || 0) + 1; });
    var parts = [say("Przyjęto: ", "Applied: ") + count.applied];
    if (count.already_there) parts.push(say("już były: ", "already there: ") + count.already_there);
    if (count.held) parts.push(say("do wyjaśnienia: ", "to clarify: ") + count.held);
    if (count.refused) parts.push(say("odrzucone: ", "refused: ") + count.refused);
    return parts.join(", ") + ".";
  }
  function send() {
    if (sending) return Promise.resolve();
    sending = true;
    return allMine().then(function (items) {
      if (!items.length) return null;
      return Promise.all(items.map(open)).then(function (records) {
        return fetch("/assistant/offline/send", {
          method: "POST",
          credentials: "same-origin",
          headers: { "Content-Type": "application/json", "X-CSRF-Token": csrf, Accept: "application/json" },
          body: JSON.stringify({ records: records }),
        });
      }).then(function (response) {
        if (response.redirected || response.status === 401) {
          resultEl.textContent = say("Zaloguj się ponownie; zapisy czekają na urządzeniu.", "Sign in again; the records wait on this device.");
          return null;
        }
        if (!response.ok) throw new Error("send " + response.status);
        return response.json();
      }).then(function (body) {
        if (!body) return null;
        var answered = body.results.filter(function (r) { return r.outcome !== "refused"; });
        var refused = body.results.filter(function (r) { return r.outcome === "refused"; });
        return run("outbox", "readwrite", function (s) {
          answered.forEach(function (r) { s.delete(r.record_id); });
        }).then(function () {
          var text = summary(body.results);
          if (refused.length) text += " " + refused.map(function (r) { return r.problem && r.problem.detail; }).join(" ");
          resultEl.textContent = text;
          if (body.results.some(function (r) { return r.outcome === "held" || r.first === "held"; })) {
            var link = document.createElement("a");
            link.href = "/review";
            link.textContent = say("Zobacz „Do wyjaśnienia”", "See “To clarify”");
            resultEl.appendChild(document.createTextNode(" "));
            resultEl.appendChild(link);
          }
        });
      });
    }).catch(function () {
      resultEl.textContent = say("Nie udało się wysłać; zapisy czekają na urządzeniu.", "Could not send; the records wait on this device.");
    }).then(function () {
      sending = false;
      return refreshCount();
    });
  }

  // The service worker keeps the pages; the page waits until it has.
  function keep(pages, ids) {
    if (!navigator.serviceWorker) return Promise.resolve();
    return navigator.serviceWorker.ready.then(function (registration) {
      return new Promise(function (resolve) {
        var channel = new MessageChannel();
        channel.port1.onmessage = function () { resolve(); };
        registration.active.postMessage({ type: "keep", urls: pages, caseIds: ids }, [channel.port2]);
      });
    });
  }

  // Sync: what the device keeps for the next day without network ---------------------------------
  // The case files of the active families (or of the marked ones among them); the service
  // worker deletes every other kept case file, and a family no longer active loses its mark.
  function syncOnce() {
    return fetch("/assistant/offline/data", { credentials: "same-origin", cache: "no-store" })
      .then(function (r) { if (!r.ok || r.redirected) throw new Error("data"); return r.json(); })
      .then(function (data) {
        if (data.owner !== owner) return null;
        var active = data.families.map(function (f) { return f.case_id; });
        return readMarks().then(function (marks) {
          var known = marks !== null;
          marks = marks || [];
          var still = marks.filter(function (id) { return active.indexOf(id) >= 0; });
          var pruned = still.length !== marks.length ? writeMarks(still) : Promise.resolve();
          // Marks unknown (no key, so nothing could be sealed anyway): keep no case file.
          var ids = onlyMarked ? (known ? still : []) : active;
          var pages = ["/assistant", "/assistant/todo", "/assistant/offline", "/review"].concat(
            ids.map(function (id) { return "/cases/" + id; })
          );
          return pruned.then(function () { return keep(pages, ids); }).then(function () {
            showMarks(still);
            localStorage.setItem("asysta-synced-at:" + owner, data.synced_at);
            showSynced();
            app.dataset.kept = ids.slice().sort().join(" ");
            app.dataset.synced = "yes";
          });
        });
      })
      .catch(function () {});
  }
  function sync() { return inTurn(syncOnce); }

  // Marking a family "do pracy w terenie": kept at once (online) or at the next sync; unmarking
  // deletes its kept case file now (with "marked"; otherwise every active family's is kept).
  function mark(box) {
    var caseId = box.closest(".offline-family").dataset.caseId;
    var wanted = box.checked;
    return inTurn(function () {
      return readMarks().then(function (marks) {
        var next = (marks || []).filter(function (id) { return id !== caseId; });
        if (wanted) next.push(caseId);
        return writeMarks(next);
      }).then(function () {
        if (!wanted && onlyMarked) return forget(caseId);
      });
    }).then(function () {
      if (navigator.onLine) return sync().then(function () { return true; });
      return false;
    }).then(function (synced) {
      if (!wanted) resultEl.textContent = onlyMarked
        ? say("Akta rodziny usunięto z urządzenia.", "The family's case file was removed from this device.")
        : say("Usunięto oznaczenie.", "The mark was removed.");
      else resultEl.textContent = synced || !onlyMarked
        ? say("Akta rodziny są na urządzeniu.", "The family's case file is on this device.")
        : say("Akta rodziny zostaną zapisane na urządzeniu, gdy wróci sieć.", "The family's case file will be kept when the network is back.");
    }).catch(function () {
      box.checked = !wanted;
      resultEl.textContent = say(
        "Nie udało się zapisać oznaczenia. Połącz się raz z siecią, aby otrzymać klucz.",
        "Could not save the mark. Connect once to get the key."
      );
    });
  }

  document.querySelectorAll(".offline-form").forEach(function (form) {
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      var button = form.querySelector("button[type=submit]");
      button.disabled = true;  // a double click saves once
      save(form).then(function () {
        // Ready for the next record (asysta.js marks a sent form; this one stays on the page).
        button.disabled = false;
        button.removeAttribute("aria-disabled");
        form.dataset.sent = "";
      });
    });
  });
  document.querySelectorAll(".field-work-mark").forEach(function (box) {
    box.addEventListener("change", function () { mark(box); });
  });
  document.getElementById("send-now").addEventListener("click", function () { send(); });
  window.addEventListener("online", function () { showNetwork(); send().then(sync); });
  window.addEventListener("offline", showNetwork);

  defaultTimes();
  showNetwork();
  showSynced();
  var ready = navigator.serviceWorker ? navigator.serviceWorker.ready : Promise.resolve();
  refreshCount().then(readMarks).then(function (marks) {
    showMarks(marks || []);
    if (!navigator.onLine) { app.dataset.ready = "yes"; return null; }
    return key().catch(function () {}).then(function () { return send(); })
      .then(function () { return ready; })
      .then(sync)
      .then(function () { app.dataset.ready = "yes"; });
  });
})();
