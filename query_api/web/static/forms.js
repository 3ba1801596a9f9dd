/* What every form writing through the API shares: its status line and the API's errors
 * shown next to their fields.
 *
 * The API answers {"error": {"code", "message", "field"}}; the message goes next to the
 * field whose error slot has data-error-for = field (or its parent:
 * "resource_persons.0.name" → "resource_persons"), the control gets aria-invalid and the
 * focus; without a slot it goes to the form's status line.
 */
import { errorOf } from "./api.js";

export const FAILED = "L'envoi a échoué : vérifiez votre connexion puis réessayez.";

function errorSlot(form, field) {
  let key = field || "";
  while (key) {
    const slot = form.querySelector(`[data-error-for="${key}"]`);
    if (slot) { return slot; }
    const cut = key.lastIndexOf(".");
    key = cut > 0 ? key.slice(0, cut) : "";
  }
  return null;
}

function controlOf(form, slot) {
  let control = slot.id ? form.querySelector(`[aria-describedby~="${slot.id}"]`) : null;
  if (control && control.tagName === "FIELDSET") {
    control = control.querySelector("input:checked, input, select, textarea") || control;
  }
  return control;
}

export function clearErrors(form) {
  form.querySelectorAll("[data-error-for]").forEach((slot) => {
    slot.textContent = "";
    slot.hidden = true;
  });
  form.querySelectorAll("[aria-invalid]").forEach((control) => control.removeAttribute("aria-invalid"));
  form.querySelectorAll(".has-error").forEach((row) => row.classList.remove("has-error"));
}

/* The form's status line: kind "" (neutral), "error" or "success", with an optional link. */
export function status(form, kind, text, link) {
  const line = form.querySelector("[data-form-status]");
  if (!line) { return; }
  line.className = "form-status" + (kind ? " is-" + kind : "");
  line.textContent = text || "";
  if (link) {
    line.appendChild(document.createTextNode(" "));
    const a = document.createElement("a");
    a.href = link.href;
    a.textContent = link.text;
    if (link.blank) { a.target = "_blank"; a.rel = "noopener"; }
    line.appendChild(a);
  }
}

/* Show the API's error: next to its field when there is one, else on the status line. */
export function showError(form, result) {
  const error = errorOf(result);
  const message = error.message || FAILED;
  const slot = error.field ? errorSlot(form, error.field) : null;
  if (!slot) {
    status(form, "error", message);
    return;
  }
  slot.textContent = message;
  slot.hidden = false;
  const row = slot.closest(".planner-row");
  if (row) { row.classList.add("has-error"); }
  const control = controlOf(form, slot);
  status(form, "error", "Corrigez le champ signalé : " + message);
  if (control) {
    control.setAttribute("aria-invalid", "true");
    control.focus();
    if (control.scrollIntoView) { control.scrollIntoView({ block: "center" }); }
  }
}

export function value(form, name) {
  const control = form.elements[name];
  return control ? control.value : "";
}
