// Upload forms work without this file: each says how much it may send at once, and the server answers a
// larger request on the form itself, though what was typed with it is then lost. With it, the files chosen are
// weighed before the form is sent: over the site's limit (or a field's own limit per file), nothing is sent,
// the page says so, and what was typed stays on the page.
(function () {
  "use strict";
  var PART = 256; // bytes a field adds to the request besides its value (boundary and headers)

  function bytesOf(text) {
    return window.Blob ? new Blob([text]).size : text.length * 3;
  }

  function requestSize(form) {
    var total = 0;
    Array.prototype.forEach.call(form.elements, function (el) {
      if (!el.name || el.disabled) { return; }
      if (el.type === "file") {
        Array.prototype.forEach.call(el.files || [], function (f) { total += f.size + PART; });
      } else if ((el.type !== "checkbox" && el.type !== "radio") || el.checked) {
        total += bytesOf(el.value || "") + PART;
      }
    });
    return total;
  }

  function tooLargeFile(form) {
    var found = null;
    Array.prototype.forEach.call(form.querySelectorAll("input[type=file][data-max-file-bytes]"), function (input) {
      var most = parseInt(input.getAttribute("data-max-file-bytes"), 10);
      Array.prototype.forEach.call(input.files || [], function (f) {
        if (!found && f.size > most) {
          found = (input.getAttribute("data-too-large") || "").replace("{name}", f.name);
        }
      });
    });
    return found;
  }

  function watch(form) {
    var hint = form.querySelector("[data-upload-limit]");
    if (!hint || form.getAttribute("data-upload-watched")) { return; }
    form.setAttribute("data-upload-watched", "true");
    var limit = parseInt(hint.getAttribute("data-upload-limit"), 10);
    var note = document.createElement("p");
    note.className = "error";
    note.setAttribute("role", "alert");
    note.setAttribute("tabindex", "-1");
    function problem() {
      var file = tooLargeFile(form);
      if (file) { return file; }
      return requestSize(form) > limit ? hint.getAttribute("data-too-large") : null;
    }
    function show(message) {
      if (message) {
        note.textContent = message;
        if (!note.parentNode) { hint.insertAdjacentElement("afterend", note); }
      } else if (note.parentNode) {
        note.parentNode.removeChild(note);
      }
    }
    form.addEventListener("change", function (event) {
      if (event.target && event.target.type === "file") { show(problem()); }
    });
    form.addEventListener("submit", function (event) {
      var message = problem();
      show(message);
      if (message) {
        event.preventDefault();
        note.focus();
      }
    });
  }

  Array.prototype.forEach.call(document.querySelectorAll("form[enctype='multipart/form-data']"), watch);
}());
