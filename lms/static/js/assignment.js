// The assignment page works without this file (the Save draft button keeps the text). With it, the text is
// saved in the background a moment after typing stops, as quiz answers are: files are not sent (they go with
// a button), and the server stays the judge of what may be saved.
(function () {
  "use strict";
  var form = document.querySelector("form[data-autosave]");
  var text = form && form.querySelector("textarea[name=text]");
  if (!form || !text || !window.fetch || !window.FormData) { return; }
  var status = form.querySelector(".save-status");
  var url = form.getAttribute("action") || window.location.href;
  var timer = null;
  function say(message) { if (status) { status.textContent = message; } }
  function save() {
    var data = new FormData();
    data.set("csrf_token", form.querySelector("input[name=csrf_token]").value);
    data.set("text", text.value);
    data.set("action", "save");
    fetch(url, { method: "POST", body: data, credentials: "same-origin", headers: { "Accept": "application/json" } })
      .then(function (r) { return r.json().then(function (body) { return { ok: r.ok, body: body }; }); })
      .then(function (res) {
        say(res.ok && res.body.saved ? (form.getAttribute("data-saved-text") || "Saved") : (res.body.message || "Not saved"));
      })
      .catch(function () { say(form.getAttribute("data-offline-text") || "Not saved: check your connection"); });
  }
  text.addEventListener("input", function () { clearTimeout(timer); timer = setTimeout(save, 1500); });
  text.addEventListener("change", function () { clearTimeout(timer); timer = setTimeout(save, 300); });
}());
