// Keeping courses on this device (docs/architecture.md, "Courses kept on the device"), loaded by the pages that
// offer it: the course page's panel ("Keep for offline", "Remove from this device", what is kept and the space it
// takes) and My learning's list of kept courses. It stores the course's pages as rendered for the trainee and
// the images, style sheets, scripts and fonts they use in Cache Storage; the service worker (/sw.js, registered
// here) answers with them when the network fails. Built on offline.js (window.lmsOffline); the pages work
// without either, the panel and the list staying hidden.
(function () {
  "use strict";
  var device = window.lmsOffline;
  if (!device || !device.owner) { return; }
  var store = device.store, owner = device.owner, text = device.text, bytes = device.bytes, mark = device.mark;
  var status = device.status, unregisterWorkers = device.unregisterWorkers;
  var KEPT_PREFIX = device.keptPrefix, SHARED_PREFIX = device.sharedPrefix;

  // Keeping a course ----------------------------------------------------------------------------------------
  var workerUrl = status && status.getAttribute("data-worker");
  var canKeep = !!(window.caches && navigator.serviceWorker && workerUrl);

  function registerWorker() {
    mark();
    var scope = new URL(".", new URL(workerUrl, location.href)).pathname;
    return navigator.serviceWorker.register(workerUrl, { scope: scope }).then(function () {
      return navigator.serviceWorker.ready;
    });
  }

  function sameOrigin(url) {
    try { var u = new URL(url, location.href); return u.origin === location.origin ? u.pathname + u.search : null; }
    catch (e) { return null; }
  }

  // The images, style sheets, scripts and icons a page uses (its own origin's only).
  function resourcesOf(html) {
    var doc = new DOMParser().parseFromString(html, "text/html"), found = [];
    doc.querySelectorAll("img[src], script[src], link[rel~=stylesheet][href], link[rel~=icon][href], link[rel=manifest][href]")
      .forEach(function (el) {
        var url = sameOrigin(el.getAttribute("src") || el.getAttribute("href"));
        if (url) { found.push(url); }
      });
    return found;
  }

  // The fonts and images a style sheet uses.
  function resourcesOfCss(css, base) {
    var found = [], pattern = /url\(\s*["']?([^"')]+)["']?\s*\)/g, match;
    while ((match = pattern.exec(css)) !== null) {
      if (match[1].indexOf("data:") === 0) { continue; }
      var url = sameOrigin(new URL(match[1], new URL(base, location.href)).href);
      if (url) { found.push(url); }
    }
    return found;
  }

  // Fetch one address as this browser would (the trainee's page, with their progress) and store it. Resolves
  // to {bytes, more: [addresses it uses]}; rejects with the browser's QuotaExceededError when it refuses space.
  function keepOne(cache, url) {
    return fetch(url, { credentials: "same-origin", headers: { "X-LMS-Keep": "1" } }).then(function (response) {
      if (!response.ok || response.redirected) { return { bytes: 0, more: [], skipped: true }; }
      var type = response.headers.get("Content-Type") || "";
      var copy = response.clone();
      return response.blob().then(function (blob) {
        return cache.put(url, copy).then(function () {
          if (type.indexOf("text/html") === 0 || type.indexOf("text/css") === 0) {
            return blob.text().then(function (body) {
              return { bytes: blob.size, more: type.indexOf("text/css") === 0 ? resourcesOfCss(body, url) : resourcesOf(body) };
            });
          }
          return { bytes: blob.size, more: [] };
        });
      });
    });
  }

  function cacheName(prefix, slug) { return prefix + owner + (slug ? ":" + slug : ""); }

  // Keep a course: its pages and what they use. Reports progress through `progress(done, total)`; resolves to
  // the kept record; with {quota: true} when the browser refused the space (what fitted stays kept).
  function keepCourse(listUrl, progress) {
    return fetch(listUrl, { credentials: "same-origin", headers: { "Accept": "application/json" } })
      .then(function (r) { if (!r.ok) { throw new Error("list " + r.status); } return r.json(); })
      .then(function (list) {
        return registerWorker().then(function () {
          return Promise.all([caches.open(cacheName(KEPT_PREFIX, list.course)), caches.open(cacheName(SHARED_PREFIX))]);
        }).then(function (opened) {
          var own = opened[0], shared = opened[1];
          var record = { key: owner + "|" + list.course, owner: owner, slug: list.course, title: list.title,
                         url: list.pages[0], pages: 0, files: 0, bytes: 0, total: list.pages.length, complete: false };
          var sharedRecord = { key: owner + "|", owner: owner, slug: "", bytes: 0, files: 0 };
          var seen = {}, todo = [], courseRoot = list.pages[0] + "/";
          function add(url, kind) { if (!seen[url]) { seen[url] = true; todo.push({ url: url, kind: kind }); } }
          list.pages.forEach(function (url) { add(url, "page"); });
          list.shared.forEach(function (url) { add(url, "shared"); });
          var index = 0, lastPage = null;
          function next() {
            if (index >= todo.length) { return Promise.resolve(); }
            var entry = todo[index++];
            // The course's pages and images go with the course; the site's files (style, scripts, fonts,
            // icons, the manifest) are shared by every kept course.
            var toShared = entry.kind === "shared" || (entry.kind === "file" && entry.url.indexOf(courseRoot) !== 0);
            return keepOne(toShared ? shared : own, entry.url).then(function (kept) {
              if (!kept.skipped) {
                var target = toShared ? sharedRecord : record;
                target.bytes += kept.bytes;
                if (entry.kind === "page") {
                  record.pages += 1;
                  lastPage = { url: entry.url, bytes: kept.bytes };
                } else { target.files += 1; }
              }
              kept.more.forEach(function (url) { add(url, "file"); });
              if (progress) { progress(index, todo.length); }
              return next();
            });
          }
          // What is kept is written down first (a small record), then as it ends: when the browser refuses
          // space, even that last write may be refused; then the last page kept makes room for it.
          function writeDown(result) {
            return store.put("kept", result).then(function () { return store.put("kept", sharedRecord); });
          }
          // Kept again (an update): what the course no longer has (a lesson retired, a picture replaced) goes.
          function dropStale() {
            return own.keys().then(function (requests) {
              return Promise.all(requests.filter(function (request) { return !seen[sameOrigin(request.url)]; })
                .map(function (request) { return own["delete"](request); }));
            });
          }
          return writeDown(record).then(next).then(dropStale).then(function () {
            record.complete = true;
            return record;
          }, function (error) {
            if (error && error.name === "QuotaExceededError") { record.quota = true; return record; }
            throw error;
          }).then(function (result) {
            return writeDown(result).then(function () { return result; }, function () {
              if (!lastPage) { return result; }
              return own["delete"](lastPage.url).then(function () {
                result.pages -= 1;
                result.bytes -= lastPage.bytes;
                result.complete = false;
                result.quota = true;
                return writeDown(result);
              }).then(function () { return result; }, function () { return result; });
            });
          });
        });
      });
  }

  // Remove a kept course; the shared pages and the service worker go with the last one.
  function removeCourse(slug) {
    return caches["delete"](cacheName(KEPT_PREFIX, slug))
      .then(function () { return store.remove("kept", owner + "|" + slug); })
      .then(function () { return keptCourses(); })
      .then(function (left) {
        if (left.length) { return; }
        return caches["delete"](cacheName(SHARED_PREFIX)).then(function () { return store.remove("kept", owner + "|"); })
          .then(unregisterWorkers);
      });
  }

  function keptCourses() {
    return store.all("kept").then(function (all) {
      return all.filter(function (k) { return k.slug && String(k.owner) === String(owner); });
    });
  }


  function estimate() {
    if (!navigator.storage || !navigator.storage.estimate) { return Promise.resolve(null); }
    return navigator.storage.estimate()["catch"](function () { return null; });
  }

  // The course page's panel ---------------------------------------------------------------------------------
  function coursePanel(panel) {
    var slug = panel.getAttribute("data-course");
    var keepButton = panel.querySelector("[data-keep]");
    var removeButton = panel.querySelector("[data-remove]");
    var state = panel.querySelector("[data-keep-state]");
    var usage = panel.querySelector("[data-keep-usage]");
    function tell(message) { state.textContent = message; }
    function showUsage() {
      return estimate().then(function (e) {
        usage.textContent = e && e.quota ? text(panel, "usage", { used: bytes(e.usage || 0), quota: bytes(e.quota) }) : "";
      });
    }
    function describe(record) {
      if (!record) {
        keepButton.textContent = text(panel, "keep-button");
        removeButton.hidden = true;
        return;
      }
      keepButton.textContent = text(panel, "update-button");
      removeButton.hidden = false;
      var values = { pages: record.pages, total: record.total, files: record.files, size: bytes(record.bytes) };
      tell(record.complete ? text(panel, "kept", values) : text(panel, "partial", values));
    }
    if (!canKeep) { tell(text(panel, "unsupported")); panel.hidden = false; return; }
    panel.hidden = false;
    // The button is enabled once it says what it will do (keep, or update a kept copy): a click before
    // the device's record is read would keep the course again under the wrong name.
    store.get("kept", owner + "|" + slug).then(describe, function () { describe(null); }).then(function () {
      keepButton.disabled = false;
      return showUsage();
    });
    keepButton.addEventListener("click", function () {
      keepButton.disabled = removeButton.disabled = true;
      panel.setAttribute("aria-busy", "true");
      tell(text(panel, "keeping", { done: 0, total: "…" }));
      keepCourse(panel.getAttribute("data-list"), function (done, total) {
        state.textContent = text(panel, "keeping", { done: done, total: total });
      }).then(function (record) {
        describe(record);
        if (record.quota) { tell(text(panel, "quota", { pages: record.pages, total: record.total, size: bytes(record.bytes) })); }
      }, function () {
        tell(text(panel, "failed"));
      }).then(function () {
        keepButton.disabled = removeButton.disabled = false;
        panel.removeAttribute("aria-busy");
        return showUsage();
      });
    });
    removeButton.addEventListener("click", function () {
      keepButton.disabled = removeButton.disabled = true;
      removeCourse(slug).then(function () {
        describe(null);
        tell(text(panel, "removed"));
      }).then(function () { keepButton.disabled = removeButton.disabled = false; return showUsage(); });
    });
  }

  // My learning's list of kept courses --------------------------------------------------------------------
  function keptList(section) {
    if (!canKeep) { return; }
    var list = section.querySelector("[data-kept-list]");
    var empty = section.querySelector("[data-kept-empty]");
    var usage = section.querySelector("[data-keep-usage]");
    function render() {
      return keptCourses().then(function (kept) {
        list.textContent = "";
        empty.hidden = kept.length > 0;
        kept.sort(function (a, b) { return a.title.localeCompare(b.title); }).forEach(function (k) {
          var li = document.createElement("li");
          var a = document.createElement("a");
          a.href = k.url;
          a.textContent = k.title;
          li.appendChild(a);
          li.appendChild(document.createTextNode(" " + text(section, k.complete ? "kept" : "partial",
            { pages: k.pages, total: k.total, files: k.files, size: bytes(k.bytes) }) + " "));
          var button = document.createElement("button");
          button.type = "button";
          button.className = "secondary";
          button.textContent = text(section, "remove-button");
          var which = document.createElement("span");  // which course, for a screen reader's list of buttons
          which.className = "visually-hidden";
          which.textContent = " (" + k.title + ")";
          button.appendChild(which);
          button.addEventListener("click", function () { removeCourse(k.slug).then(render); });
          li.appendChild(button);
          list.appendChild(li);
        });
        return estimate();
      }).then(function (e) {
        usage.textContent = e && e.quota ? text(section, "usage", { used: bytes(e.usage || 0), quota: bytes(e.quota) }) : "";
      });
    }
    section.hidden = false;
    render();
  }


  device.ready.then(function () {
    var panel = document.getElementById("keep-offline");
    if (panel) { coursePanel(panel); }
    var kept = document.getElementById("kept-courses");
    if (kept) { keptList(kept); }
  });
}());
