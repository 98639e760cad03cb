// Quiz pages work without this file. With it, answers are saved in the background whenever one
// changes, and the time left is counted down. The server stays the judge of time and answers.
// Through an outage (with offline.js; docs/architecture.md, "Courses kept on the device"): every save is
// numbered (`seq`, rising per attempt, kept on the device) and dated (`saved_at`, the device's time with its
// offset), put in the device's store at once as well as sent; when it cannot be sent it stays queued ("saved
// on this device") and offline.js sends the queue in order when the connection returns, to its owner's session
// only. "Download my answers" gives the answers kept on the device as a file staff can take in.
(function () {
  "use strict";
  var form = document.querySelector("form[data-autosave]");
  if (!form || !window.fetch || !window.FormData) { return; }
  var status = form.querySelector(".save-status");
  // The attribute, not form.action: the buttons named "action" shadow that property (it would be the
  // buttons, and the answers would be posted to ".../[object RadioNodeList]").
  var url = form.getAttribute("action") || window.location.href;
  var timer = null;
  function say(text) { if (status) { status.textContent = text; } }
  // What the server said of each answer (a number refused or not read as one), under its field.
  function mark(refused, notes) {
    var messages = form.querySelectorAll("[data-answer-message]");
    for (var i = 0; i < messages.length; i++) {
      var slug = messages[i].getAttribute("data-answer-message");
      var field = document.getElementById("a-" + slug);
      messages[i].textContent = refused[slug] || notes[slug] || "";
      if (field) {
        if (refused[slug]) { field.setAttribute("aria-invalid", "true"); } else { field.removeAttribute("aria-invalid"); }
      }
    }
  }
  var device = window.lmsOffline && window.lmsOffline.owner ? window.lmsOffline : null;
  var panel = document.getElementById("answers-offline");  // the texts and "Download my answers"
  var attemptId = panel ? panel.getAttribute("data-attempt") : null;
  var lastSeq = parseInt(form.getAttribute("data-attempt-seq") || "0", 10) || 0;
  function text(name) { return panel ? panel.getAttribute("data-" + name + "-text") || "" : ""; }
  // This page's answers: {slug: [values]}.
  function answersOf(data) {
    var answers = {};
    data.getAll("questions").forEach(function (slug) { answers[slug] = data.getAll("a-" + slug).map(String); });
    return answers;
  }
  // Number and date the save and keep the attempt's answers on the device at once. The save itself joins the
  // queue (offline.js) only when it cannot be sent now, so that nothing sends it twice while it is on its way.
  function keepOnDevice(data) {
    if (!device || !attemptId) { return Promise.resolve(null); }
    var savedAt = device.isoNow();
    return device.store.get("attempts", attemptId).then(function (record) {
      var seq = Math.max(lastSeq, record && record.owner === device.owner ? record.seq : 0) + 1;
      lastSeq = seq;
      record = record && record.owner === device.owner ? record : {
        attempt: attemptId, owner: device.owner, answers: {},
        token: form.getAttribute("data-attempt-token") || null,
        quiz: panel.getAttribute("data-quiz"), course: panel.getAttribute("data-course") };
      var answers = answersOf(data);
      Object.keys(answers).forEach(function (slug) { record.answers[slug] = answers[slug]; });
      record.seq = seq;
      record.saved_at = savedAt;
      data.set("seq", String(seq));
      data.set("saved_at", savedAt);
      var fields = [];
      data.forEach(function (value, name) { if (typeof value === "string") { fields.push([name, value]); } });
      var item = { owner: device.owner, kind: "answer", attempt: attemptId, url: url, seq: seq, at: savedAt, fields: fields };
      return device.store.put("attempts", record).then(function () { return item; });
    }).catch(function () { return null; });
  }
  var queuedHere = {};  // the saves of this page that had to wait in the queue (by their queue id)
  function enqueue(item) {
    return device.store.put("queue", item).then(function (id) { item.id = id; queuedHere[id] = true; return item; });
  }
  function answered(item, status, body) {
    if (!body.closed) { mark(body.refused || {}, body.notes || {}); }
    if (status === 202 && body.late) {
      say(body.message || "");
    } else if (status >= 200 && status < 300 && body.saved) {
      say(form.getAttribute("data-saved-text") || "Saved " + new Date().toLocaleTimeString());
    } else {
      say(body.message || "Not saved");
      if (body.closed) {
        if (device) { device.store.remove("attempts", attemptId).catch(function () { return null; }); }
        window.location.reload();
      }
    }
  }
  function save() {
    var data = new FormData(form);
    data.set("action", "save");
    keepOnDevice(data).then(function (item) {
      // Older saves of this attempt still queued go first (offline.js sends them in order); this one joins them.
      var waiting = item ? device.queued(device.owner).then(function (all) {
        return all.some(function (q) { return q.kind === "answer" && q.attempt === attemptId; });
      }, function () { return false; }) : Promise.resolve(false);
      return waiting.then(function (behind) {
        if (behind) {
          return enqueue(item).then(device.sendQueued).then(function (result) {
            if (result && result.left) { say(text("device")); }
          });
        }
        return fetch(url, { method: "POST", body: data, credentials: "same-origin",
                            headers: { "Accept": "application/json" } })
          .then(function (r) { return r.json().then(function (body) { return { status: r.status, body: body }; }); })
          .then(function (res) {
            // Another person's session (403) or a server that failed: kept on the device, sent later.
            if (item && (res.status === 403 || res.status >= 500)) { enqueue(item); say(text("device")); return; }
            answered(item, res.status, res.body);
          }, function () {
            if (item) { enqueue(item); }
            say(item ? text("device") : form.getAttribute("data-offline-text") || "Not saved: check your connection");
          });
      });
    });
  }
  if (device && attemptId) {
    // What offline.js sent of this attempt's queue when the connection returned.
    document.addEventListener("lms:sent", function (event) {
      var detail = event.detail;
      if (detail.item.kind !== "answer" || detail.item.attempt !== attemptId) { return; }
      if (detail.status === 200 && queuedHere[detail.item.id]) { say(text("sent")); }
      else { answered(detail.item, detail.status, detail.body || {}); }
    });
    var download = panel.querySelector("[data-download]");
    panel.hidden = false;
    download.addEventListener("click", function () {
      device.store.get("attempts", attemptId).then(function (record) {
        var data = new FormData(form);
        record = record || { token: form.getAttribute("data-attempt-token") || null, quiz: panel.getAttribute("data-quiz"),
                             course: panel.getAttribute("data-course"), seq: lastSeq, saved_at: device.isoNow(),
                             answers: answersOf(data) };
        var file = { format: "lms-answers/1", attempt: parseInt(attemptId, 10), token: record.token,
                     quiz: record.quiz, course: record.course, seq: record.seq, saved_at: record.saved_at,
                     answers: record.answers };
        var link = document.createElement("a");
        link.href = URL.createObjectURL(new Blob([JSON.stringify(file, null, 2)], { type: "application/json" }));
        link.download = "answers-attempt-" + attemptId + ".json";
        document.body.appendChild(link);
        link.click();
        setTimeout(function () { URL.revokeObjectURL(link.href); link.remove(); }, 1000);
      });
    });
  }
  form.addEventListener("change", function () { clearTimeout(timer); timer = setTimeout(save, 300); });
  form.addEventListener("input", function (e) {
    if (e.target.type === "text") { clearTimeout(timer); timer = setTimeout(save, 1500); }
  });
  var deadline = document.querySelector("[data-deadline]");
  if (deadline) {
    var end = Date.parse(deadline.getAttribute("data-deadline"));
    var clock = document.createElement("p");
    clock.className = "countdown";
    clock.setAttribute("aria-live", "off");
    deadline.parentNode.insertBefore(clock, deadline.nextSibling);
    var tick = function () {
      var left = Math.max(0, Math.round((end - Date.now()) / 1000));
      var m = Math.floor(left / 60), s = left % 60;
      clock.textContent = (deadline.getAttribute("data-left-text") || "Time left") + ": " + m + ":" + (s < 10 ? "0" : "") + s;
      if (left > 0) { setTimeout(tick, 1000); }
    };
    tick();
  }
}());
