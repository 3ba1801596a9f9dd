/* Results page.
 *
 * Desktop: the filters are a column beside the results and every change re-submits the
 * form (the focus comes back to the same control after the reload).
 * Phone and tablet (NARROW): the filters are a sheet over the results (app.css); a change
 * only updates « Voir N résultats », counted by the same page the button opens (so the
 * count is the page's own reading of the query); the button shows them.
 * Also « Tout déplier / Tout replier » for the establishments.
 */
import { dropBlanks } from "./typeahead.js";

const NARROW = window.matchMedia("(max-width: 900px)");
const FOCUS_KEY = "ror-refine-focus";

function plural(count) {
  if (count === 0) { return "Aucun résultat"; }
  return count === 1 ? "Voir 1 résultat" : `Voir ${count.toLocaleString("fr-FR")} résultats`;
}

/* The query string the form would send (blank fields left out, as on submit). */
function queryOf(form) {
  const params = new URLSearchParams();
  new FormData(form).forEach((value, key) => { if (value !== "") { params.append(key, value); } });
  return params.toString();
}

function initRefine(form, panel) {
  const apply = panel ? panel.querySelector("[data-refine-apply]") : null;
  let counting = null;

  async function recount() {
    if (!apply) { return; }
    const url = form.action + "?" + queryOf(form);
    counting = url;
    apply.setAttribute("aria-busy", "true");
    try {
      const response = await fetch(url, { credentials: "same-origin", headers: { Accept: "text/html" } });
      const page = new DOMParser().parseFromString(await response.text(), "text/html");
      const title = page.getElementById("results-title");
      if (counting === url && title) { apply.textContent = plural(parseInt(title.getAttribute("data-units"), 10) || 0); }
    } catch (error) {
      apply.textContent = "Voir les résultats";   // the count is a help; the button still works
    } finally {
      if (counting === url) { apply.removeAttribute("aria-busy"); }
    }
  }

  form.addEventListener("formdata", dropBlanks);
  form.addEventListener("change", (event) => {
    const target = event.target;
    if (!target.name) { return; }
    if (NARROW.matches && panel && panel.open) { recount(); return; }
    // Come back to the same control after the page reloads (keyboard users).
    try { window.sessionStorage.setItem(FOCUS_KEY, target.id); } catch (e) { /* private mode */ }
    form.requestSubmit();
  });
  let focusId = null;
  try {
    focusId = window.sessionStorage.getItem(FOCUS_KEY);
    window.sessionStorage.removeItem(FOCUS_KEY);
  } catch (e) { /* private mode */ }
  const control = focusId ? document.getElementById(focusId) : null;
  if (control && !NARROW.matches) {
    for (let group = control.closest("details"); group; group = group.parentElement && group.parentElement.closest("details")) {
      group.open = true;
    }
    control.focus({ preventScroll: false });
  }
}

function initPanel(panel) {
  const summary = panel.querySelector("summary");
  const close = panel.querySelector("[data-refine-close]");
  const layout = () => {
    // Wide screens: the panel is always open and its summary is only a heading.
    if (NARROW.matches) {
      summary.removeAttribute("tabindex");
    } else {
      panel.open = true;
      summary.setAttribute("tabindex", "-1");
    }
    document.documentElement.classList.toggle("has-sheet-open", NARROW.matches && panel.open);
  };
  summary.addEventListener("click", (event) => {
    if (!NARROW.matches) { event.preventDefault(); }
  });
  panel.addEventListener("toggle", () => {
    layout();
    if (NARROW.matches && panel.open && close) { close.focus(); }
  });
  close.addEventListener("click", () => {
    panel.open = false;
    summary.focus();
  });
  panel.addEventListener("keydown", (event) => {
    if (event.key === "Escape" && NARROW.matches && panel.open) {
      panel.open = false;
      summary.focus();
    }
  });
  if (NARROW.matches) { panel.open = false; }
  layout();
  NARROW.addEventListener("change", layout);
}

function initToggleAll(toggle, egs) {
  toggle.hidden = false;
  const sync = () => {
    const allOpen = Array.prototype.every.call(egs, (d) => d.open);
    toggle.textContent = allOpen ? "Tout replier" : "Tout déplier";
    toggle.setAttribute("aria-pressed", allOpen ? "true" : "false");
  };
  toggle.addEventListener("click", () => {
    const open = toggle.getAttribute("aria-pressed") !== "true";
    egs.forEach((d) => { d.open = open; });
    sync();
  });
  egs.forEach((d) => d.addEventListener("toggle", sync));
  sync();
}

const refinePanel = document.querySelector("[data-collapse-narrow]");
const refineForm = document.getElementById("refine");
if (refinePanel) { initPanel(refinePanel); }
if (refineForm) { initRefine(refineForm, refinePanel); }
const toggleAll = document.querySelector("[data-toggle-all]");
const establishments = document.querySelectorAll(".eg-details");
if (toggleAll && establishments.length > 1) { initToggleAll(toggleAll, establishments); }
