/* Passkeys (WebAuthn): reveals the passkey forms in browsers that have the API, runs the ceremony whose
   options the server wrote into the form (data-options), and posts the browser's answer in the form's
   hidden "credential" field. Without JavaScript or WebAuthn the forms stay hidden and the page's other
   ways (an authenticator app, a recovery code) work as they are. */
(function () {
  "use strict";
  if (!window.PublicKeyCredential || !navigator.credentials) {
    return;
  }

  function fromBase64url(text) {
    var base64 = text.replace(/-/g, "+").replace(/_/g, "/");
    while (base64.length % 4) {
      base64 += "=";
    }
    var binary = atob(base64);
    var bytes = new Uint8Array(binary.length);
    for (var i = 0; i < binary.length; i++) {
      bytes[i] = binary.charCodeAt(i);
    }
    return bytes.buffer;
  }

  function toBase64url(buffer) {
    var bytes = new Uint8Array(buffer);
    var binary = "";
    for (var i = 0; i < bytes.length; i++) {
      binary += String.fromCharCode(bytes[i]);
    }
    return btoa(binary).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
  }

  function withBuffers(options) {
    options.challenge = fromBase64url(options.challenge);
    if (options.user) {
      options.user.id = fromBase64url(options.user.id);
    }
    (options.excludeCredentials || []).concat(options.allowCredentials || []).forEach(function (c) {
      c.id = fromBase64url(c.id);
    });
    return options;
  }

  function answer(credential) {
    var r = credential.response;
    var out = {
      id: credential.id,
      rawId: toBase64url(credential.rawId),
      type: credential.type,
      clientExtensionResults: credential.getClientExtensionResults ? credential.getClientExtensionResults() : {},
      response: {clientDataJSON: toBase64url(r.clientDataJSON)}
    };
    if (credential.authenticatorAttachment) {
      out.authenticatorAttachment = credential.authenticatorAttachment;
    }
    if (r.attestationObject) {
      out.response.attestationObject = toBase64url(r.attestationObject);
      if (r.getTransports) {
        out.response.transports = r.getTransports();
      }
    } else {
      out.response.authenticatorData = toBase64url(r.authenticatorData);
      out.response.signature = toBase64url(r.signature);
      if (r.userHandle) {
        out.response.userHandle = toBase64url(r.userHandle);
      }
    }
    return JSON.stringify(out);
  }

  document.querySelectorAll("[data-passkey-section]").forEach(function (section) {
    section.hidden = false;
  });

  document.querySelectorAll("form[data-passkey]").forEach(function (form) {
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      var status = form.querySelector("[data-passkey-status]");
      var options = withBuffers(JSON.parse(form.getAttribute("data-options")));
      var ceremony = form.getAttribute("data-passkey") === "create"
        ? navigator.credentials.create({publicKey: options})
        : navigator.credentials.get({publicKey: options});
      if (status) {
        status.textContent = "";
      }
      ceremony.then(function (credential) {
        form.querySelector("input[name=credential]").value = answer(credential);
        form.submit();  /* an ordinary post: the server answers with a page, as for every form */
      }).catch(function () {
        if (status) {
          status.textContent = status.getAttribute("data-failed");
        }
      });
    });
  });
}());
