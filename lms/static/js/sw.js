// The service worker of courses kept on the device (served at /sw.js; docs/architecture.md, "Courses kept on
// the device").
//
// It keeps nothing on its own: every request goes to the network as if it were not there, and pages keep
// their "Cache-Control: no-store" (a page or file already kept is kept anew when it is fetched). Only when the network fails (or, for a page, the server's proxy answers
// 502-504: the platform is down) does it answer from what the trainee chose to keep (keep.js stores it in
// Cache Storage under "lms-keep:<owner>:<course>" and "lms-shared:<owner>"): a kept page or file as stored;
// a lesson's view then queued in IndexedDB with the device's time, for the page's script (offline.js) to send
// when the connection returns; a page not kept: the offline page kept with the courses ("This lesson is not
// kept on this device"), instead of the browser's error. It is registered only when a course is kept, and
// removed with the last one and at sign-out.
"use strict";

var DB_NAME = "lms-offline", DB_VERSION = 1;  // the same database and schema as offline.js
var SCOPE = new URL(self.registration.scope).pathname;  // "/" or the site's prefix, ending with "/"
var LESSON = new RegExp("^" + SCOPE.replace(/[.*+?^${}()|[\]\\]/g, "\\$&") + "courses/([^/]+)/lessons/([^/]+)$");
var RESUME = new RegExp("^" + SCOPE.replace(/[.*+?^${}()|[\]\\]/g, "\\$&") + "courses/([^/]+)/resume$");

self.addEventListener("install", function () { self.skipWaiting(); });
self.addEventListener("activate", function (event) { event.waitUntil(self.clients.claim()); });

self.addEventListener("fetch", function (event) {
  var request = event.request;
  if (request.method !== "GET") { return; }
  var url = new URL(request.url);
  if (url.origin !== self.location.origin) { return; }
  event.respondWith(fetch(request).then(function (response) {
    // A kept page or file fetched anew (the trainee reads the kept course online): the kept copy follows, so
    // that it shows their progress as it is. Nothing that is not kept already is stored.
    if (response.ok && !response.redirected && response.type === "basic") {
      event.waitUntil(refresh(request, response.clone()));
    }
    // A page the server cannot give now (its proxy's "unavailable" during an outage): the kept copy, if any.
    if (request.mode !== "navigate" || [502, 503, 504].indexOf(response.status) < 0) { return response; }
    return match(request).then(function (found) { return found ? fromDevice(request, url) : response; });
  }, function (error) {
    return fromDevice(request, url).then(function (response) { if (response) { return response; } throw error; });
  }));
});

function refresh(request, copy) {
  return match(request).then(function (found) {
    if (!found) { return null; }
    found.response.body && found.response.body.cancel && found.response.body.cancel();
    return caches.open(found.cache).then(function (cache) { return cache.put(request.url, copy); });
  })["catch"](function () { return null; });  // no room: the older copy stays
}

function keptCacheNames() {
  return caches.keys().then(function (names) {
    return names.filter(function (n) { return n.indexOf("lms-keep:") === 0 || n.indexOf("lms-shared:") === 0; });
  });
}

// The first kept answer to the request, with the name of the cache that held it.
function match(request) {
  return keptCacheNames().then(function (names) {
    var i = 0;
    function next() {
      if (i >= names.length) { return null; }
      var name = names[i++];
      return caches.open(name).then(function (cache) { return cache.match(request, { ignoreVary: true }); })
        .then(function (response) { return response ? { response: response, cache: name } : next(); });
    }
    return next();
  });
}

function fromDevice(request, url) {
  return match(request).then(function (found) {
    if (found) {
      var lesson = request.mode === "navigate" && found.cache.indexOf("lms-keep:") === 0 && LESSON.exec(url.pathname);
      if (lesson) {
        var owner = found.cache.split(":")[1];
        return queueView(owner, url.pathname, lesson[1], lesson[2]).then(function () { return found.response; },
                                                                        function () { return found.response; });
      }
      return found.response;
    }
    if (request.mode !== "navigate") { return null; }
    var resume = RESUME.exec(url.pathname);
    if (resume) {  // "Continue" leads to the kept course page, which shows where the trainee is
      var course = SCOPE + "courses/" + resume[1];
      return match(new Request(new URL(course, url).href)).then(function (page) {
        return page ? Response.redirect(course, 302) : offlinePage(false);
      });
    }
    return offlinePage(!!LESSON.exec(url.pathname));
  });
}

function offlinePage(lesson) {
  var address = new URL(SCOPE + "offline" + (lesson ? "?what=lesson" : ""), self.location.href).href;
  return match(new Request(address)).then(function (found) {
    if (!found) { return null; }
    return found.response.text().then(function (body) {
      return new Response(body, { status: 503, headers: { "Content-Type": "text/html; charset=utf-8" } });
    });
  });
}

// A view of a kept lesson read offline, for the page's script to send with its time (the server records it
// as a view at that time: lms.offline.views.lesson_view).
function queueView(owner, path, course, lesson) {
  return new Promise(function (resolve, reject) {
    var open = indexedDB.open(DB_NAME, DB_VERSION);
    open.onupgradeneeded = function () {
      var db = open.result;
      if (!db.objectStoreNames.contains("queue")) { db.createObjectStore("queue", { keyPath: "id", autoIncrement: true }); }
      if (!db.objectStoreNames.contains("kept")) { db.createObjectStore("kept", { keyPath: "key" }); }
      if (!db.objectStoreNames.contains("attempts")) { db.createObjectStore("attempts", { keyPath: "attempt" }); }
    };
    open.onerror = function () { reject(open.error); };
    open.onsuccess = function () {
      var db = open.result, tx = db.transaction("queue", "readwrite");
      tx.objectStore("queue").add({ owner: owner, kind: "view", url: path + "/views", course: course, lesson: lesson,
                                    at: isoNow() });
      tx.oncomplete = function () { db.close(); resolve(); };
      tx.onerror = tx.onabort = function () { db.close(); reject(tx.error); };
    };
  });
}

function isoNow() {  // the device's time with its offset (as offline.js writes it)
  var d = new Date(), off = -d.getTimezoneOffset(), sign = off >= 0 ? "+" : "-";
  var pad = function (n) { return (n < 10 ? "0" : "") + n; };
  off = Math.abs(off);
  return d.getFullYear() + "-" + pad(d.getMonth() + 1) + "-" + pad(d.getDate()) + "T" + pad(d.getHours()) + ":" +
    pad(d.getMinutes()) + ":" + pad(d.getSeconds()) + sign + pad(Math.floor(off / 60)) + ":" + pad(off % 60);
}
