// Quiz pages work without this file. With it, answers are saved in the background whenever one
// changes, and the time left is counted down. The server stays the judge of time and answers.
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
  function save() {
    var data = new FormData(form);
    data.set("action", "save");
    fetch(url, { method: "POST", body: data, credentials: "same-origin",
                 headers: { "Accept": "application/json" } })
      .then(function (r) { return r.json().then(function (body) { return { ok: r.ok, body: body }; }); })
      .then(function (res) {
        if (!res.body.closed) { mark(res.body.refused || {}, res.body.notes || {}); }
        if (res.ok && res.body.saved) {
          say(form.getAttribute("data-saved-text") || "Saved " + new Date().toLocaleTimeString());
        } else {
          say(res.body.message || "Not saved");
          if (res.body.closed) { window.location.reload(); }
        }
      })
      .catch(function () { say(form.getAttribute("data-offline-text") || "Not saved: check your connection"); });
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
