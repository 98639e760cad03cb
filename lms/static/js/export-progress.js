// An export job's page works without this file (it reloads itself inside <noscript>). With it, the page asks
// the job's status every two seconds and updates the progress in place; when the job has ended (done or
// failed) it loads the page again, which the server renders with the download or the failure.
(function () {
  "use strict";
  var box = document.getElementById("export-job");
  if (!box || !window.fetch) { return; }
  var url = box.getAttribute("data-status-url");
  var bar = document.getElementById("export-progress");
  var text = document.getElementById("export-progress-text");
  var failures = 0;
  function poll() {
    fetch(url, { credentials: "same-origin", headers: { "Accept": "application/json" } })
      .then(function (r) { if (!r.ok) { throw new Error(String(r.status)); } return r.json(); })
      .then(function (s) {
        failures = 0;
        if (bar) { bar.max = Math.max(s.rows_total, 1); bar.value = s.rows_done; bar.textContent = s.percent + " %"; }
        if (text && text.textContent !== s.text) { text.textContent = s.text; }
        if (s.status === "queued" || s.status === "running") { window.setTimeout(poll, 2000); }
        else { window.location.reload(); }
      })
      .catch(function () {
        failures += 1;  // the server is busy or the network is down: wait longer, then the page as it is
        if (failures < 10) { window.setTimeout(poll, 2000 * failures); }
      });
  }
  window.setTimeout(poll, 1000);
}());
