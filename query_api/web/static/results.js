/* Results page.
 *
 * Desktop: the filters are a column beside the results and every change re-submits the
 * form (the focus comes back to the same control after the reload).
 * Phone and tablet (NARROW): the filters are a sheet over the results (app.css); a change
 * asks the JSON API (api.js) for the new counts, with no page load: every filter's count
 * and « Voir N résultats » follow the ticked filters; the button shows those results.
 * Also « Tout déplier / Tout replier » for the establishments.
 */
import { getJSON } from "./api.js";
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
  return params;
}

/* A filter's count as facets.html writes it: the number, and « unités » for screen readers. */
function writeCount(badge, count) {
  badge.setAttribute("data-count", String(count));
  const unit = badge.querySelector(".visually-hidden");
  badge.textContent = String(count);
  if (unit) {
    unit.textContent = count <= 1 ? " unité" : " unités";
    badge.appendChild(unit);
  }
}

/* Every filter of the form gets the API's count for it (0 when the API lists it no more). */
function showFacets(form, facets) {
  const counts = new Map();
  Object.entries(facets || {}).forEach(([name, items]) => {
    items.forEach((item) => counts.set(name + "=" + String(item.value).toLowerCase(), item.count));
  });
  form.querySelectorAll("input[type=checkbox][name], input[type=radio][name]").forEach((input) => {
    const badge = input.labels && input.labels[0] ? input.labels[0].querySelector(".count[data-count]") : null;
    if (badge) { writeCount(badge, counts.get(input.name + "=" + input.value.toLowerCase()) || 0); }
  });
  const all = form.querySelector("label[for=f-category-all] .count");
  if (all && facets && facets.category) {
    all.textContent = String(facets.category.reduce((sum, item) => sum + item.count, 0));
  }
}

function initRefine(form, panel) {
  const apply = panel ? panel.querySelector("[data-refine-apply]") : null;
  const said = panel ? panel.querySelector("[data-refine-count]") : null;
  let asking = null;

  async function recount() {
    if (!apply) { return; }
    if (asking) { asking.abort(); }          // only the last change counts
    const mine = new AbortController();
    asking = mine;
    const params = queryOf(form);
    params.set("per_page", "1");             // counts and facets only: no need for the results
    apply.setAttribute("aria-busy", "true");
    try {
      const result = await getJSON("/api/v1/search?" + params.toString(), { signal: mine.signal });
      if (!result.ok) { throw new Error(String(result.status)); }
      showFacets(form, result.body.facets);
      apply.textContent = plural(result.body.total_units);
      if (said) { said.textContent = apply.textContent; }
    } catch (error) {
      if (mine.signal.aborted) { return; }
      apply.textContent = "Voir les résultats";   // the count is a help; the button still works
    } finally {
      if (asking === mine) { apply.removeAttribute("aria-busy"); asking = null; }
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
