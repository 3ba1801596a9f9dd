/* Results page: facets re-submit the form on change, collapse on narrow screens,
 * "Tout déplier / Tout replier" for the establishments. */
(function () {
  "use strict";

  var NARROW = window.matchMedia("(max-width: 900px)");
  var FOCUS_KEY = "ror-refine-focus";
  var form = document.getElementById("refine");
  var panel = document.querySelector("[data-collapse-narrow]");

  if (form) {
    form.addEventListener("formdata", function (event) {
      if (window.rorDropBlanks) { window.rorDropBlanks(event); }
    });
    form.addEventListener("change", function (event) {
      var target = event.target;
      if (!target.name) { return; }
      // Come back to the same control after the page reloads (keyboard users).
      try { window.sessionStorage.setItem(FOCUS_KEY, target.id); } catch (e) { /* private mode */ }
      if (form.requestSubmit) { form.requestSubmit(); } else { form.submit(); }
    });
    var focusId = null;
    try {
      focusId = window.sessionStorage.getItem(FOCUS_KEY);
      window.sessionStorage.removeItem(FOCUS_KEY);
    } catch (e) { /* private mode */ }
    if (focusId) {
      var control = document.getElementById(focusId);
      if (control) {
        var group = control.closest("details");
        while (group) {
          group.open = true;
          group = group.parentElement && group.parentElement.closest("details");
        }
        control.focus({ preventScroll: false });
      }
    }
  }

  if (panel) {
    var summary = panel.querySelector("summary");
    var layout = function () {
      // Wide screens: the panel is always open and its summary is only a heading.
      if (NARROW.matches) {
        summary.removeAttribute("tabindex");
      } else {
        panel.open = true;
        summary.setAttribute("tabindex", "-1");
      }
    };
    summary.addEventListener("click", function (event) {
      if (!NARROW.matches) { event.preventDefault(); }
    });
    if (NARROW.matches && !(document.activeElement && panel.contains(document.activeElement))) {
      panel.open = false;
    }
    layout();
    if (NARROW.addEventListener) { NARROW.addEventListener("change", layout); }
  }

  var toggle = document.querySelector("[data-toggle-all]");
  var egs = document.querySelectorAll(".eg-details");
  if (toggle && egs.length > 1) {
    toggle.hidden = false;
    var sync = function () {
      var allOpen = Array.prototype.every.call(egs, function (d) { return d.open; });
      toggle.textContent = allOpen ? "Tout replier" : "Tout déplier";
      toggle.setAttribute("aria-pressed", allOpen ? "true" : "false");
    };
    toggle.addEventListener("click", function () {
      var open = toggle.getAttribute("aria-pressed") !== "true";
      egs.forEach(function (d) { d.open = open; });
      sync();
    });
    egs.forEach(function (d) { d.addEventListener("toggle", sync); });
    sync();
  }
})();
