/* The cell's index console: « Reconstruire l'index » through POST /api/v1/admin/reindex
 * (api.js, with the CSRF token), then the progress read every
 * POLL_MS from GET /api/v1/admin/index-status until the run ends. The progress lives in
 * the store, so a reload, another tab or another administrator sees the same bar. */
import { send } from "./api.js";

(function () {

  var root = document.querySelector("[data-reindex-console]");
  if (!root) { return; }
  var POLL_MS = 700;
  var form = root.querySelector("[data-reindex-form]");
  var button = root.querySelector("[data-reindex-start]");
  var message = root.querySelector("[data-reindex-message]");
  var block = root.querySelector("[data-reindex-progress]");
  var bar = root.querySelector("progress");
  var figures = root.querySelector("[data-reindex-figures]");
  var outcome = root.querySelector("[data-reindex-outcome]");
  var statusUrl = root.getAttribute("data-status-url");
  var polling = false;

  function number(value) {
    return Math.round(value).toLocaleString("fr-FR");
  }

  function duration(seconds) {
    if (seconds < 60) { return Math.max(1, Math.round(seconds)) + " s"; }
    return Math.floor(seconds / 60) + " min " + Math.round(seconds % 60) + " s";
  }

  function say(kind, text) {
    message.className = "form-status" + (kind ? " is-" + kind : "");
    message.textContent = text;
  }

  function show(run) {
    if (run.running) {
      block.hidden = false;
      outcome.hidden = true;
      bar.max = Math.max(1, run.total || 1);
      bar.value = run.written || 0;
      bar.textContent = (run.percent || 0) + " %";
      var parts = [number(run.written) + " / " + number(run.total) + " UO écrites (" + (run.percent || 0) + " %)"];
      if (run.rate) { parts.push(number(run.rate) + " UO/s"); }
      if (run.seconds_left !== null && run.seconds_left !== undefined) { parts.push("reste environ " + duration(run.seconds_left)); }
      if (run.phase === "finishing") { parts.push("finalisation et bascule de l'alias"); }
      figures.textContent = parts.join(" · ");
      return;
    }
    if (run.status === "succeeded") {
      bar.max = Math.max(1, run.written || 1);
      bar.value = bar.max;
      figures.textContent = number(run.written) + " / " + number(run.written) + " UO écrites (100 %)";
      outcome.textContent = "Reconstruction terminée : " + number(run.written) + " UO dans " + run.index +
        " en " + duration(run.seconds) + ".";
    } else if (run.status === "failed") {
      outcome.textContent = "Reconstruction en échec : " + run.error;
    }
    outcome.hidden = run.status === "none";
  }

  function poll() {
    fetch(statusUrl, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (response) { return response.json(); })
      .then(function (state) {
        show(state.reindex);
        if (state.reindex.running) { window.setTimeout(poll, POLL_MS); return; }
        polling = false;
        button.disabled = false;
        say(state.reindex.status === "failed" ? "error" : "success",
            state.reindex.status === "failed" ? "La reconstruction a échoué." : "La reconstruction est terminée.");
      })
      .catch(function () { window.setTimeout(poll, POLL_MS * 3); });
  }

  function watch() {
    if (polling) { return; }
    polling = true;
    button.disabled = true;
    poll();
  }

  form.addEventListener("submit", function (event) {
    event.preventDefault();
    say("", "Lancement…");
    send("POST", "/api/v1/admin/reindex", {}).then(function (result) {
      if (result.ok) {
        say("", result.body.message);
        show(result.body.reindex);
        watch();
        return;
      }
      var error = (result.body && result.body.error) || {};
      say("error", error.message || "Le lancement a échoué.");
    }, function () {
      say("error", "L'envoi a échoué : vérifiez votre connexion puis réessayez.");
    });
  });

  if (!block.hidden) { watch(); }
}());
