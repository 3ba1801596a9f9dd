/* The management cell's anomaly page: « M'attribuer » and status changes, PATCHed as JSON to
 * /api/v1/admin/anomalies/<id> (api.js). A note is required to close a
 * report (resolved or rejected): the page says so, the API decides. After a change the page is
 * shown again from the server, with "Modifications enregistrées". */
import { send } from "./api.js";
import { FAILED, clearErrors, clearOnEdit, showErrors, status } from "./forms.js";

function initUpdate(form) {
  var id = form.getAttribute("data-anomaly-update");
  var url = "/api/v1/admin/anomalies/" + encodeURIComponent(id);
  var note = form.elements.note;
  clearOnEdit(form);

  function reloadSaved() {
    window.location.replace(window.location.pathname + "?enregistre=1");
  }

  function patch(changes) {
    clearErrors(form);
    status(form, "", "Enregistrement…");
    return send("PATCH", url, changes).then(function (result) {
      if (result.ok) { reloadSaved(); return; }
      showErrors(form, result);
    }).catch(function () { status(form, "error", FAILED); });
  }

  function chosen() {
    var radio = form.querySelector("input[name=status]:checked");
    return radio ? radio : null;
  }

  form.querySelectorAll("input[name=status]").forEach(function (radio) {
    radio.addEventListener("change", function () {
      var needs = radio.hasAttribute("data-needs-note");
      note.required = needs;
      if (needs) { note.setAttribute("aria-required", "true"); } else { note.removeAttribute("aria-required"); }
    });
  });

  form.addEventListener("submit", function (event) {
    event.preventDefault();
    var radio = chosen();
    var changes = { note: note.value };
    if (radio) { changes.status = radio.value; }
    patch(changes);
  });

  document.querySelectorAll("[data-assign]").forEach(function (button) {
    button.addEventListener("click", function () {
      var who = button.getAttribute("data-assign");
      button.disabled = true;
      patch({ assignee_id: who ? parseInt(who, 10) : null }).then(function () { button.disabled = false; });
    });
  });
}

const updateForm = document.querySelector("form[data-anomaly-update]");
if (updateForm) { initUpdate(updateForm); }
