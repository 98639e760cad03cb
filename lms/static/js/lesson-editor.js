// The lesson editor works without this file: an uploaded image's Markdown then goes at the end of the
// text. With it, the image goes where the cursor was: its place is sent with the upload.
(function () {
  "use strict";
  var form = document.querySelector("form[data-lesson-editor]");
  if (!form) { return; }
  var text = form.querySelector("textarea[name=body]");
  var place = form.querySelector("input[name=insert_at]");
  if (!text || !place) { return; }
  function remember() {
    // In characters as the server counts them (code points), not UTF-16 units.
    place.value = String(Array.from(text.value.slice(0, text.selectionStart)).length);
  }
  ["keyup", "mouseup", "blur", "input"].forEach(function (name) { text.addEventListener(name, remember); });
})();
