// The lesson editor works without this file: an uploaded image's Markdown then goes at the end of the
// text, and the server alone judges the file. With it, the image goes where the cursor was (its place
// is sent with the upload), and a file over the size limit is turned down before it is sent.
(function () {
  "use strict";
  var form = document.querySelector("form[data-lesson-editor]");
  if (!form) { return; }
  var text = form.querySelector("textarea[name=body]");
  var place = form.querySelector("input[name=insert_at]");
  if (text && place) {
    var remember = function () {
      // In characters as the server counts them (code points), not UTF-16 units.
      place.value = String(Array.from(text.value.slice(0, text.selectionStart)).length);
    };
    ["keyup", "mouseup", "blur", "input"].forEach(function (name) { text.addEventListener(name, remember); });
  }
  var box = form.querySelector("[data-max-bytes]");
  var file = form.querySelector("input[type=file]");
  if (box && file) {
    var limit = parseInt(box.getAttribute("data-max-bytes"), 10);
    var note = document.createElement("p");
    note.className = "error";
    note.setAttribute("role", "alert");
    file.addEventListener("change", function () {
      if (file.files.length && file.files[0].size > limit) {
        note.textContent = box.getAttribute("data-too-large");
        file.value = "";
        file.insertAdjacentElement("afterend", note);
      } else if (note.parentNode) {
        note.parentNode.removeChild(note);
      }
    });
  }
})();
