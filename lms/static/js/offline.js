// Work done offline, and what every page needs of courses kept on this device (docs/architecture.md,
// "Courses kept on the device"). Every page works without this file; with it, for a signed-in person:
// - the connection's state is said in the status line under the header (#offline-status, aria-live);
// - work queued offline (lesson views read from the device, quiz answers) is sent when the connection returns,
//   only to the session of the person who did it, in the order it was done;
// - courses kept by someone else who used this device before (their session ended without signing out) are
//   removed; keeping courses itself is keep.js's, loaded by the pages that offer it;
// - signing out sends what is queued (or, offline, asks before discarding it), then removes everything the
//   site stored on the device (the server's answer to the sign-out says the same with Clear-Site-Data).
// The texts are the page's (data attributes, translated with the rest of the page).
(function () {
  "use strict";
  if (typeof window === "undefined" || !window.indexedDB || !window.fetch || !window.Promise) { return; }

  // The device's store: one IndexedDB database. sw.js opens it with the same schema (keep the two in step).
  var DB_NAME = "lms-offline", DB_VERSION = 1;
  var KEPT_PREFIX = "lms-keep:", SHARED_PREFIX = "lms-shared:";  // Cache Storage names, followed by the owner

  function openDb() {
    return new Promise(function (resolve, reject) {
      var request = indexedDB.open(DB_NAME, DB_VERSION);
      request.onupgradeneeded = function () {
        var db = request.result;
        // Work to send: {id, owner, kind: "view"|"answer", url, at, ...}, sent in the order of `id`.
        if (!db.objectStoreNames.contains("queue")) { db.createObjectStore("queue", { keyPath: "id", autoIncrement: true }); }
        // Courses kept: {key: owner|slug, owner, slug, title, url, pages, files, bytes, total, complete}.
        if (!db.objectStoreNames.contains("kept")) { db.createObjectStore("kept", { keyPath: "key" }); }
        // The latest answers of each attempt on this device: {attempt, owner, token, quiz, course, seq, saved_at, answers}.
        if (!db.objectStoreNames.contains("attempts")) { db.createObjectStore("attempts", { keyPath: "attempt" }); }
      };
      request.onsuccess = function () { resolve(request.result); };
      request.onerror = function () { reject(request.error); };
    });
  }

  // One transaction on one store; the connection is closed after it, so that deleting the database at
  // sign-out is never blocked by an open one.
  // A mark, readable at once, that this device holds something of the site (a kept course, queued work): the
  // sign-out waits to send and clear only then, and is an ordinary form post otherwise.
  var MARK = "lms-offline";
  function mark() { try { localStorage.setItem(MARK, "1"); } catch (e) { /* private mode: the post clears */ } }
  function marked() { try { return localStorage.getItem(MARK) === "1"; } catch (e) { return true; } }

  function withStore(name, mode, work) {
    if (mode === "readwrite") { mark(); }
    return openDb().then(function (db) {
      return new Promise(function (resolve, reject) {
        var tx = db.transaction(name, mode), result;
        var request = work(tx.objectStore(name));
        if (request) { request.onsuccess = function () { result = request.result; }; }
        tx.oncomplete = function () { db.close(); resolve(result); };
        tx.onerror = tx.onabort = function () { db.close(); reject(tx.error); };
      });
    });
  }

  // Whether the database exists: reading never creates it, so that a device where nothing was kept or
  // queued (the next person on a shared computer) keeps no empty database either.
  function exists() {
    if (!indexedDB.databases) { return Promise.resolve(true); }
    return indexedDB.databases().then(function (list) {
      return list.some(function (d) { return d.name === DB_NAME; });
    }, function () { return true; });
  }

  var store = {
    all: function (name) {
      return exists().then(function (yes) {
        return yes ? withStore(name, "readonly", function (s) { return s.getAll(); }) : [];
      });
    },
    get: function (name, key) {
      return exists().then(function (yes) {
        return yes ? withStore(name, "readonly", function (s) { return s.get(key); }) : undefined;
      });
    },
    put: function (name, value) { return withStore(name, "readwrite", function (s) { return s.put(value); }); },
    remove: function (name, key) { return withStore(name, "readwrite", function (s) { return s["delete"](key); }); }
  };

  var ownerMeta = document.querySelector("meta[name=lms-user]");
  var owner = ownerMeta ? ownerMeta.getAttribute("content") : null;
  var status = document.getElementById("offline-status");
  function text(element, name, values) {
    var t = (element && element.getAttribute("data-" + name + "-text")) || "";
    Object.keys(values || {}).forEach(function (key) { t = t.split("{" + key + "}").join(String(values[key])); });
    return t;
  }
  function say(message) { if (status) { status.textContent = message; } }
  function bytes(n) {
    var lang = document.documentElement.lang || undefined;
    var unit = n >= 1048576 ? "megabyte" : "kilobyte";
    var value = n / (unit === "megabyte" ? 1048576 : 1024);
    try {
      return new Intl.NumberFormat(lang, { style: "unit", unit: unit, maximumFractionDigits: 1 }).format(value);
    } catch (e) { return value.toFixed(1) + (unit === "megabyte" ? " MB" : " KB"); }
  }
  function isoNow() {  // the device's time with its offset, as the server reads it
    var d = new Date(), off = -d.getTimezoneOffset(), sign = off >= 0 ? "+" : "-", pad = function (n) { return (n < 10 ? "0" : "") + n; };
    off = Math.abs(off);
    return d.getFullYear() + "-" + pad(d.getMonth() + 1) + "-" + pad(d.getDate()) + "T" + pad(d.getHours()) + ":" +
      pad(d.getMinutes()) + ":" + pad(d.getSeconds()) + sign + pad(Math.floor(off / 60)) + ":" + pad(off % 60);
  }

  // Sending queued work -------------------------------------------------------------------------------------
  var sessionUrl = status && status.getAttribute("data-session");
  var sending = null;

  // Who is signed in now, and a current CSRF token (a page kept on the device holds an old one); null offline.
  function currentSession() {
    if (!sessionUrl) { return Promise.resolve(null); }
    return fetch(sessionUrl, { credentials: "same-origin", cache: "no-store", headers: { "Accept": "application/json" } })
      .then(function (r) { return r.ok ? r.json() : null; })
      .catch(function () { return null; });
  }

  function post(item, csrf) {
    var options = { method: "POST", credentials: "same-origin", redirect: "manual",
                    headers: { "Accept": "application/json", "X-CSRFToken": csrf } };
    if (item.kind === "view") {
      options.headers["Content-Type"] = "application/json";
      options.body = JSON.stringify({ viewed_at: item.at });
    } else {
      var data = new FormData();
      item.fields.forEach(function (pair) { if (pair[0] !== "csrf_token") { data.append(pair[0], pair[1]); } });
      data.set("csrf_token", csrf);
      data.set("action", "save");
      data.set("seq", String(item.seq));
      data.set("saved_at", item.at);
      options.body = data;
    }
    return fetch(item.url, options).then(function (r) {
      return r.json().catch(function () { return {}; }).then(function (body) { return { status: r.status, type: r.type, body: body }; });
    });
  }

  // Send what the signed-in person queued, oldest first. Resolves to {sent, left, others}: `left` stays queued
  // (no connection, the session ended, the server failed), `others` is another person's work, kept for them.
  function sendQueued() {
    if (sending) { return sending; }
    sending = store.all("queue").then(function (items) {
      var result = { sent: 0, left: 0, others: 0, answers: [] };
      if (!items.length) { return result; }
      return currentSession().then(function (session) {
        if (!session || session.user === null) { result.left = items.length; return result; }
        var mine = items.filter(function (item) { return String(item.owner) === String(session.user); });
        result.others = items.length - mine.length;
        mine.sort(function (a, b) { return a.id - b.id; });
        var stopped = {};  // attempts whose sending stopped: their later answers wait, to keep the order
        var chain = Promise.resolve();
        mine.forEach(function (item) {
          chain = chain.then(function () {
            var key = item.kind + ":" + (item.attempt || "");
            if (result.offline || stopped[key]) { result.left += 1; return; }
            return post(item, session.csrf).then(function (answer) {
              var code = answer.status;
              var detail = { item: item, status: code, body: answer.body };
              result.answers.push(detail);
              document.dispatchEvent(new CustomEvent("lms:sent", { detail: detail }));
              if (answer.type === "opaqueredirect" || code === 0 || code >= 500 || code === 401 ||
                  (code === 403 && item.kind === "answer")) {
                // The session ended, the server failed, or (answers) another person is signed in: kept.
                stopped[key] = true;
                result.left += 1;
                return;
              }
              result.sent += 1;  // done, or refused for good (a locked lesson, a closed attempt): not sent again
              return store.remove("queue", item.id);
            }, function () { result.offline = true; result.left += 1; });
          });
        });
        return chain.then(function () { return result; });
      });
    }).then(function (result) { sending = null; return result; }, function (error) { sending = null; throw error; });
    return sending;
  }

  function queued(forOwner) {
    return store.all("queue").then(function (items) {
      return items.filter(function (item) { return forOwner === undefined || String(item.owner) === String(forOwner); });
    });
  }

  // Send, say what was sent, and try again a little later while work is left and the browser thinks it is
  // online (the "online" event comes before a weak link carries anything, and a server may fail for a moment).
  var retries = 0, RETRY_DELAYS = [3000, 10000, 30000, 60000, 120000];
  // Every open tab sends the queue when the connection returns, and the one that reads it first sends it all: the
  // others hear what was sent (an attempt page says its saves arrived) over a channel between the site's tabs.
  var channel = ("BroadcastChannel" in window) ? new BroadcastChannel("lms-sent") : null;
  if (channel) {
    channel.onmessage = function (event) {
      var answers = Array.isArray(event.data) ? event.data : [];
      answers.forEach(function (detail) { document.dispatchEvent(new CustomEvent("lms:sent", { detail: detail })); });
      if (answers.length && owner) {
        queued(owner).then(function (left) { if (!left.length) { say(text(status, "sent")); } });
      }
    };
  }

  function sendAndSay() {
    return sendQueued().then(function (result) {
      if (channel && result.answers && result.answers.length) { channel.postMessage(result.answers); }
      if (result.sent && !result.left) { say(text(status, "sent")); }
      else if (result.others && !result.left) { say(text(status, "other")); }
      if (result.left && navigator.onLine && retries < RETRY_DELAYS.length) {
        setTimeout(sendAndSay, RETRY_DELAYS[retries++]);
      } else if (!result.left) {
        retries = 0;
      }
      return result;
    }).catch(function () { return null; });
  }

  // The connection's state ----------------------------------------------------------------------------------
  function showState() { if (!navigator.onLine) { say(text(status, "offline")); } }
  window.addEventListener("offline", showState);
  window.addEventListener("online", function () { say(text(status, "back")); retries = 0; sendAndSay(); });

  function unregisterWorkers() {
    if (!navigator.serviceWorker) { return Promise.resolve(); }
    return navigator.serviceWorker.getRegistrations().then(function (registrations) {
      return Promise.all(registrations.map(function (r) { return r.unregister(); }));
    });
  }

  // Everything the site stored on this device: kept courses, queued work, the service worker.
  function clearDevice() {
    try { localStorage.removeItem(MARK); } catch (e) { /* nothing to remove */ }
    var steps = [unregisterWorkers()];
    if (window.caches) {
      steps.push(caches.keys().then(function (names) {
        return Promise.all(names.filter(function (n) { return n.indexOf("lms-") === 0; })
          .map(function (n) { return caches["delete"](n); }));
      }));
    }
    return Promise.all(steps).then(function () {
      return new Promise(function (resolve) {
        var request = indexedDB.deleteDatabase(DB_NAME);
        request.onsuccess = request.onerror = request.onblocked = function () { resolve(); };
      });
    }).catch(function () { return null; });
  }

  // A course kept by someone else who used this device before (their session ended without signing out):
  // removed, as nobody else may read it; their queued work stays for them.
  function forgetOthers() {
    if (!owner || !window.caches) { return Promise.resolve(); }
    return store.all("kept").then(function (all) {
      var others = all.filter(function (k) { return String(k.owner) !== String(owner); });
      if (!others.length) { return; }
      return Promise.all(others.map(function (k) {
        var name = k.slug ? KEPT_PREFIX + k.owner + ":" + k.slug : SHARED_PREFIX + k.owner;
        return caches["delete"](name).then(function () { return store.remove("kept", k.key); });
      })).then(function () { say(text(status, "cleared")); });
    }).catch(function () { return null; });
  }

  // Signing out -----------------------------------------------------------------------------------------------
  function guardSignOut(form) {
    form.addEventListener("submit", function (event) {
      if (!marked()) { return; }  // nothing of the site on this device: sign out at once
      event.preventDefault();
      var button = form.querySelector("button");
      if (button) { button.disabled = true; }
      var done = function () { clearDevice().then(function () { form.submit(); }); };
      sendQueued().catch(function () { return null; }).then(function () { return queued(owner); }).then(function (left) {
        if (left.length && !window.confirm(text(status, "discard"))) {
          if (button) { button.disabled = false; }
          return;
        }
        done();
      }, done);
    });
  }

  // The page's part ----------------------------------------------------------------------------------------
  // What quiz.js and keep.js (the course page's panel and My learning's list) use of this file; `ready` once a
  // course kept by someone else is removed.
  var ready = owner ? forgetOthers() : Promise.resolve();
  window.lmsOffline = { store: store, sendQueued: sendQueued, owner: owner, isoNow: isoNow, say: say, text: text,
                        bytes: bytes, queued: queued, clearDevice: clearDevice, mark: mark, ready: ready,
                        unregisterWorkers: unregisterWorkers, status: status,
                        keptPrefix: KEPT_PREFIX, sharedPrefix: SHARED_PREFIX };
  function start() {
    showState();
    // The header's "Sign out", and "Sign out here" among the profile's sessions.
    Array.prototype.forEach.call(document.querySelectorAll("form.sign-out"), guardSignOut);
    if (owner && navigator.onLine) { ready.then(sendAndSay); }
  }
  if (document.readyState === "loading") { document.addEventListener("DOMContentLoaded", start); } else { start(); }
}());
