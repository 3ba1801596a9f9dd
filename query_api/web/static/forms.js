/* What every form writing through the API shares: its status line, and every error of a
 * refused submission shown at once.
 *
 * The API's 400 lists every problem: {"error": {code, message, field}, "errors": [{field,
 * message}, …]} (query_api/errors.py). Each message goes next to its field: the error slot
 * with data-error-for = field (or its parent: "resource_persons.0.name" → "resource_persons"),
 * whose control (the element naming the slot in aria-describedby) gets aria-invalid. At the
 * top of the form, an error summary lists them all, each a link to its field (a problem
 * with no field of the form is listed as text). One problem on a field: the focus goes to
 * that field; several: to the summary. The status line (role="status") says how many. A
 * lone problem with no field (wrong password) is said on the status line only. Editing a
 * field clears its message and its line of the summary. The messages are the server's:
 * the page has no rules of its own to disagree with them.
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

/* What the summary calls a field: its label (« Personne ajoutée n° 1 — E-mail » in a group). */
function nameOf(control) {
  if (!control) { return ""; }
  const label = control.labels && control.labels.length ? control.labels[0].textContent.trim() : "";
  const group = control.closest("fieldset[data-person]");
  const legend = group ? group.querySelector("legend") : null;
  return legend && label ? legend.textContent.trim() + " — " + label : label;
}

/* Every problem of a refused answer, as {field, message} (one when the answer lists none). */
export function problemsOf(result) {
  const listed = result && result.body && Array.isArray(result.body.errors) ? result.body.errors : null;
  if (listed && listed.length) { return listed; }
  const error = errorOf(result);
  return [{ field: error.field || null, message: error.message || FAILED }];
}

function summaryOf(form) {
  let summary = form.querySelector("[data-error-summary]");
  if (!summary) {
    summary = document.createElement("div");
    summary.className = "error-summary";
    summary.setAttribute("data-error-summary", "");
    summary.setAttribute("role", "group");
    summary.setAttribute("tabindex", "-1");
    summary.hidden = true;
    const title = document.createElement("p");
    title.className = "error-summary-title";
    title.id = (form.id || "form") + "-error-summary-title";
    title.setAttribute("data-error-summary-title", "");
    summary.setAttribute("aria-labelledby", title.id);
    const list = document.createElement("ul");
    list.className = "error-summary-list";
    summary.append(title, list);
    // Under the form's own heading (a dialog's), else first.
    const heading = form.querySelector(":scope > h1, :scope > h2");
    if (heading) { heading.after(summary); } else { form.prepend(summary); }
  }
  return summary;
}

function countSummary(summary) {
  const count = summary.querySelectorAll("li").length;
  summary.querySelector("[data-error-summary-title]").textContent =
    count === 1 ? "1 erreur à corriger :" : `${count} erreurs à corriger :`;
  summary.hidden = count === 0;
}

function clearSlot(form, slot) {
  slot.textContent = "";
  slot.hidden = true;
  const row = slot.closest(".planner-row");
  if (row) { row.classList.remove("has-error"); }
  const summary = form.querySelector("[data-error-summary]");
  if (summary && slot.id) {
    summary.querySelectorAll(`li[data-for-slot="${slot.id}"]`).forEach((item) => item.remove());
    countSummary(summary);
  }
}

export function clearErrors(form) {
  form.querySelectorAll("[data-error-for]").forEach((slot) => {
    slot.textContent = "";
    slot.hidden = true;
  });
  form.querySelectorAll("[aria-invalid]").forEach((control) => control.removeAttribute("aria-invalid"));
  form.querySelectorAll(".has-error").forEach((row) => row.classList.remove("has-error"));
  const summary = form.querySelector("[data-error-summary]");
  if (summary) {
    summary.querySelector("ul").replaceChildren();
    summary.hidden = true;
  }
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

function goTo(control) {
  control.focus();
  if (control.scrollIntoView) { control.scrollIntoView({ block: "center" }); }
}

/* Show every error of the API's answer at once: beside each field and in the summary. */
export function showErrors(form, result) {
  clearErrors(form);
  // One line per field: a field's several problems (a password's rules) are read together.
  const lines = new Map();
  const unplaced = {};
  problemsOf(result).forEach((problem) => {
    const message = problem.message || FAILED;
    const slot = problem.field ? errorSlot(form, problem.field) : null;
    const key = slot || unplaced;
    if (!lines.has(key)) { lines.set(key, { slot, messages: [] }); }
    const line = lines.get(key);
    if (line.messages.indexOf(message) < 0) { line.messages.push(message); }
  });
  if (lines.size === 1 && lines.has(unplaced)) {
    status(form, "error", lines.get(unplaced).messages.join(" "));
    return;
  }
  const summary = summaryOf(form);
  const list = summary.querySelector("ul");
  const controls = [];
  lines.forEach(({ slot, messages }) => {
    const text = messages.join(" ");
    const item = document.createElement("li");
    const control = slot ? controlOf(form, slot) : null;
    if (slot) {
      slot.textContent = text;
      slot.hidden = false;
      if (slot.id) { item.setAttribute("data-for-slot", slot.id); }
      const row = slot.closest(".planner-row");
      if (row) { row.classList.add("has-error"); }
    }
    if (control) {
      control.setAttribute("aria-invalid", "true");
      controls.push(control);
      const link = document.createElement("a");
      link.href = "#" + control.id;
      const name = nameOf(control);
      // « Mardi » is already in « mardi : le créneau … »: no name twice.
      link.textContent = name && !text.toLowerCase().startsWith(name.toLowerCase()) ? `${name} : ${text}` : text;
      link.addEventListener("click", (event) => {
        event.preventDefault();
        goTo(control);
      });
      item.appendChild(link);
    } else {
      item.textContent = text;
    }
    list.appendChild(item);
  });
  countSummary(summary);
  const count = lines.size;
  status(form, "error", count === 1
    ? (controls.length ? "Corrigez le champ signalé : " : "") + [...lines.values()][0].messages.join(" ")
    : `Corrigez les ${count} erreurs signalées (liste en haut du formulaire).`);
  if (count === 1 && controls.length === 1) {
    goTo(controls[0]);
  } else {
    summary.focus();
    if (summary.scrollIntoView) { summary.scrollIntoView({ block: "start" }); }
  }
}

/* An edited field loses its error (the server checks it again at the next save). Capture
 * phase: a live check of the field itself (the week's text) runs after and may show its own. */
export function clearOnEdit(form) {
  const edited = (event) => {
    const target = event.target;
    if (!target || !target.closest) { return; }
    const holders = [target, ...(target.closest("fieldset") ? [target.closest("fieldset")] : [])];
    holders.forEach((holder) => {
      (holder.getAttribute("aria-describedby") || "").split(/\s+/).forEach((id) => {
        const slot = id ? document.getElementById(id) : null;
        if (slot && slot.hasAttribute("data-error-for") && !slot.hidden && form.contains(slot)) { clearSlot(form, slot); }
      });
    });
    form.querySelectorAll("[aria-invalid]").forEach((control) => {
      if (control === target || (control.name && control.name === target.name)) { control.removeAttribute("aria-invalid"); }
    });
  };
  form.addEventListener("input", edited, true);
  form.addEventListener("change", edited, true);
}

export function value(form, name) {
  const control = form.elements[name];
  return control ? control.value : "";
}
