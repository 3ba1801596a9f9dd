/* "Signaler une anomalie": a dialog that POSTs JSON to /api/v1/anomalies.
 *
 * The CSRF token comes from GET /api/v1/session and goes in the X-CSRF-Token
 * header. 201 → thanks; 401 → invite to sign in; other errors show the API's
 * French message.
 */
(function () {
  "use strict";

  var dialog = document.getElementById("anomaly-dialog");
  var opener = document.querySelector("[data-anomaly-open]");
  var fallback = document.querySelector("[data-anomaly-fallback]");
  if (!dialog || !opener || typeof dialog.showModal !== "function") {
    return; // keep the link to the help page
  }
  var form = dialog.querySelector("[data-anomaly-form]");
  var status = dialog.querySelector("[data-anomaly-status]");
  var send = dialog.querySelector("[data-anomaly-send]");
  var message = form.elements.message;

  fallback.hidden = true;
  fallback.style.display = "none";
  opener.hidden = false;

  var LOGIN_URL = "/connexion";
  var MESSAGES = {
    login: "Connectez-vous pour signaler une anomalie.",
    thanks: "Merci, votre signalement a été transmis à la cellule ROR.",
    empty: "Décrivez l'anomalie dans le message.",
    failed: "L'envoi a échoué. Réessayez dans un instant ou contactez l'assistance."
  };

  function show(kind, text, link) {
    status.className = "form-status" + (kind ? " is-" + kind : "");
    status.textContent = text;
    if (link) {
      status.appendChild(document.createTextNode(" "));
      var a = document.createElement("a");
      a.href = link.href;
      a.textContent = link.text;
      status.appendChild(a);
    }
  }

  function needLogin() {
    show("error", MESSAGES.login, { href: LOGIN_URL + "?next=" + encodeURIComponent(window.location.pathname), text: "Se connecter" });
  }

  function csrfToken(session) {
    if (!session) { return null; }
    return session.csrf_token || session.csrfToken || (session.csrf && session.csrf.token) || session.csrf || null;
  }

  function errorMessage(body) {
    return body && body.error && body.error.message ? body.error.message : MESSAGES.failed;
  }

  opener.addEventListener("click", function () {
    show("", "");
    dialog.querySelector("[data-anomaly-close]").textContent = "Annuler";
    send.disabled = false;
    dialog.showModal();
    form.elements.theme.focus();
  });

  dialog.querySelector("[data-anomaly-close]").addEventListener("click", function () {
    dialog.close();
  });
  dialog.addEventListener("close", function () {
    opener.focus();
  });

  form.addEventListener("submit", function (event) {
    event.preventDefault();
    var text = message.value.trim();
    if (!text) {
      show("error", MESSAGES.empty);
      message.focus();
      return;
    }
    var target = form.elements.target.value.split("|");
    var payload = { target_type: target[0], target_id: target.slice(1).join("|"), message: text };
    if (form.elements.theme.value) { payload.theme = form.elements.theme.value; }
    if (form.elements.field.value) { payload.field = form.elements.field.value; }

    send.disabled = true;
    show("", "Envoi en cours…");
    fetch("/api/v1/session", { headers: { Accept: "application/json" }, credentials: "same-origin" })
      .then(function (response) {
        if (response.status === 401) { return { login: true }; }
        if (!response.ok) { throw new Error("session " + response.status); }
        return response.json();
      })
      .then(function (session) {
        if (session.login || session.signed_in === false || session.account === null) {
          return { status: 401 };
        }
        return fetch("/api/v1/anomalies", {
          method: "POST",
          credentials: "same-origin",
          headers: { "Content-Type": "application/json", Accept: "application/json", "X-CSRF-Token": csrfToken(session) || "" },
          body: JSON.stringify(payload)
        }).then(function (response) {
          return response.json().catch(function () { return null; }).then(function (body) {
            return { status: response.status, body: body };
          });
        });
      })
      .then(function (result) {
        if (result.status === 201 || result.status === 200) {
          form.reset();
          show("success", MESSAGES.thanks);
          dialog.querySelector("[data-anomaly-close]").textContent = "Fermer";
          send.disabled = true;
        } else if (result.status === 401) {
          needLogin();
          send.disabled = false;
        } else {
          show("error", errorMessage(result.body));
          send.disabled = false;
        }
      })
      .catch(function () {
        show("error", MESSAGES.failed);
        send.disabled = false;
      });
  });
})();
