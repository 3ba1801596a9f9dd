/* The UO sheet form (/mon-compte/uo/<id>): PUT /api/v1/me/units/<id> through api.js.
 *
 * Phones, aptitudes (with the home-visit fact kept in step), ages with a live summary,
 * home-visit communes as chips (the search typeahead, communes only), the typical-week
 * planner (week.js), comments with a counter, resource persons added by the practitioner.
 * A sheet changed meanwhile (409) is not overwritten; an expired session keeps the input.
 */
import { readAges } from "./ages.js";
import { send } from "./api.js";
import { FAILED, clearErrors, clearOnEdit, showErrors, status, value } from "./forms.js";
import "./typeahead.js";   // attaches input.combobox to the communes box before this runs
import { initPlanner } from "./week.js";

const MSG = {
  saving: "Enregistrement…",
  saved: "Fiche enregistrée. Elle apparaît dans la recherche d'ici quelques secondes.",
  expired: "Votre session a expiré. Connectez-vous dans un autre onglet (vos saisies restent ici), puis enregistrez à nouveau."
};

function initSheet(form) {
  var unitId = form.getAttribute("data-unit");
  clearOnEdit(form);   // before the planner's own live check of a day's text
  var planner = initPlanner(form.querySelector("[data-week-planner]"));
  var dirty = false;

  function touched() {
    dirty = true;
  }
  form.addEventListener("input", touched);
  form.addEventListener("change", touched);
  form.addEventListener("week-change", touched);
  window.addEventListener("beforeunload", function (event) {
    if (dirty) { event.preventDefault(); event.returnValue = ""; }
  });

  /* "+33139000042" → "01 39 00 00 42" (as the server shows it). */
  function displayPhone(e164) {
    if (!e164) { return ""; }
    var m = /^\+33(\d{9})$/.exec(e164);
    return m ? ("0" + m[1]).replace(/(\d{2})(?=\d)/g, "$1 ") : e164;
  }

  // Aptitudes: how many are ticked.
  var aptitudeCount = form.querySelector("[data-aptitude-count]");
  function countAptitudes() {
    var n = form.querySelectorAll("input[name=aptitudes]:checked").length;
    aptitudeCount.textContent = n ? (n === 1 ? "1 aptitude cochée." : n + " aptitudes cochées.") : "Aucune cochée : généraliste.";
  }
  form.querySelectorAll("input[name=aptitudes]").forEach(function (box) { box.addEventListener("change", countAptitudes); });
  countAptitudes();

  // Patients: quick choices and how the sheet will read.
  var ageMin = form.elements.age_min, ageMax = form.elements.age_max;
  var ageSummary = form.querySelector("[data-age-summary]");
  function summariseAges() {
    // What the published sheet will say, or the server's refusal: never « de 60 à 10 ans ».
    var ages = readAges(ageMin.value, ageMax.value);
    if (ages.errors) {
      ageSummary.textContent = "Âges non valides : " + ages.errors.map(function (e) { return e.message; }).join(" ");
    } else if (ages.shown === null) {
      ageSummary.textContent = "Non précisé : le champ sera masqué.";
    } else {
      ageSummary.textContent = "Affiché : " + ages.shown + " — " + ages.flags.join(" / ");
    }
    ageSummary.classList.toggle("is-invalid", Boolean(ages.errors));
  }
  form.querySelectorAll("[data-age-choice]").forEach(function (button) {
    button.addEventListener("click", function () {
      ageMin.value = button.getAttribute("data-min");
      ageMax.value = button.getAttribute("data-max");
      summariseAges();
      touched();
    });
  });
  ageMin.addEventListener("input", summariseAges);
  ageMax.addEventListener("input", summariseAges);
  summariseAges();

  // Home visits: communes appear with "Oui"; a typeahead adds them as chips.
  var communesBox = form.querySelector("[data-home-communes]");
  var chips = form.querySelector("[data-chips]");
  var chipsEmpty = form.querySelector("[data-chips-empty]");
  var communeInput = document.getElementById("communes-input");
  function homeVisit() { return form.elements.home_visit.value === "true"; }
  // The « Intervention à domicile » aptitude is the same fact: it follows the answer, and ticking it answers « Oui ».
  var visitCode = form.getAttribute("data-home-visit-aptitude");
  var visitBox = visitCode ? form.querySelector("input[name=aptitudes][value=" + visitCode + "]") : null;
  form.querySelectorAll("input[name=home_visit]").forEach(function (radio) {
    radio.addEventListener("change", function () {
      communesBox.hidden = !homeVisit();
      if (visitBox && visitBox.checked !== homeVisit()) { visitBox.checked = homeVisit(); countAptitudes(); }
    });
  });
  if (visitBox) {
    visitBox.addEventListener("change", function () {
      var answer = form.querySelector("input[name=home_visit][value=" + (visitBox.checked ? "true" : "false") + "]");
      if (!answer.checked) { answer.checked = true; answer.dispatchEvent(new Event("change", {bubbles: true})); }
    });
  }

  function chipCodes() {
    return Array.prototype.map.call(chips.querySelectorAll("[data-insee]"), function (chip) { return chip.getAttribute("data-insee"); });
  }
  function announce(text) {
    var live = form.querySelector("[data-typeahead-status]");
    if (live) { live.textContent = text; }
  }
  function addChip(insee, label) {
    if (chipCodes().indexOf(insee) >= 0) { announce(label + " est déjà dans la liste"); return; }
    var chip = document.createElement("li");
    chip.className = "chip";
    chip.setAttribute("data-insee", insee);
    var text = document.createElement("span");
    text.textContent = label;
    var remove = document.createElement("button");
    remove.type = "button";
    remove.className = "chip-remove";
    remove.setAttribute("aria-label", "Retirer " + label);
    remove.textContent = "×";
    chip.appendChild(text);
    chip.appendChild(remove);
    chips.appendChild(chip);
    chipsEmpty.hidden = true;
    announce(label + " ajoutée");
    touched();
  }
  chips.addEventListener("click", function (event) {
    var remove = event.target.closest(".chip-remove");
    if (!remove) { return; }
    var chip = remove.closest(".chip");
    var next = chip.nextElementSibling || chip.previousElementSibling;
    announce(chip.textContent.replace("×", "").trim() + " retirée");
    chip.remove();
    chipsEmpty.hidden = chips.children.length > 0;
    (next ? next.querySelector(".chip-remove") : communeInput).focus();
    touched();
  });
  var combo = communeInput && communeInput.combobox;
  if (combo) {
    // Reuse the search typeahead, communes only; choosing adds a chip instead of filling the box.
    var render = combo.render.bind(combo), url = combo.url.bind(combo);
    combo.url = function (text) { return url(text) + "&size=15"; };
    combo.render = function (suggestions) {
      render(suggestions.filter(function (s) { return s.type === "commune"; }).slice(0, 10));
    };
    combo.choose = function (index) {
      var item = this.items[index];
      if (!item) { return; }
      addChip(item.id, item.label);
      this.input.value = "";
      this.hidden.value = "";
      this.close();
    };
  }
  communeInput.addEventListener("keydown", function (event) {
    if (event.key === "Enter") { event.preventDefault(); }   // Enter picks a commune, never saves the form
  });

  // The week planner's shortcuts.
  form.querySelector("[data-week-copy-monday]").addEventListener("click", function () { planner.copyDay(1, [2, 3, 4, 5]); });
  form.querySelector("[data-week-clear]").addEventListener("click", function () { planner.clear(); });

  // Comments: a counter, read out a moment after typing stops.
  var comments = form.elements.comments;
  var counter = document.getElementById(comments.getAttribute("data-counter"));
  var counterLive = form.querySelector("[data-counter-live]");
  var maxComments = parseInt(counter.getAttribute("data-max"), 10);
  var counterTimer = null;
  function countComments() {
    var used = comments.value.length, left = maxComments - used;
    counter.textContent = used + " / " + maxComments.toLocaleString("fr-FR") + " caractères";
    counter.classList.toggle("is-near", left < 100);
    window.clearTimeout(counterTimer);
    counterTimer = window.setTimeout(function () {
      counterLive.textContent = left <= 0 ? "Limite atteinte." : "Encore " + left + " caractères possibles.";
    }, 1000);
  }
  comments.addEventListener("input", countComments);
  counter.textContent = comments.value.length + " / " + maxComments.toLocaleString("fr-FR") + " caractères";

  // Resource persons added by the practitioner.
  var persons = form.querySelector("[data-persons]");
  var template = form.querySelector("[data-person-template]");
  var PERSON_FIELDS = ["name", "role", "phone", "email"];
  function renumber() {
    Array.prototype.forEach.call(persons.querySelectorAll("[data-person]"), function (row, i) {
      row.querySelector("[data-person-number]").textContent = "n° " + (i + 1);
      PERSON_FIELDS.forEach(function (f) {
        var id = "person-" + i + "-" + f;
        var control = row.querySelector('[data-person-field="' + f + '"]');
        var slot = row.querySelector('[data-person-error="' + f + '"]');
        control.id = id;
        row.querySelector('[data-person-label="' + f + '"]').setAttribute("for", id);
        slot.id = id + "-error";
        slot.setAttribute("data-error-for", "resource_persons." + i + "." + f);
        control.setAttribute("aria-describedby", slot.id);
      });
      row.querySelector("[data-person-remove]").setAttribute("aria-label", "Retirer la personne ajoutée n° " + (i + 1));
    });
  }
  function addPerson(person) {
    var row = template.content.firstElementChild.cloneNode(true);
    PERSON_FIELDS.forEach(function (f) {
      var control = row.querySelector('[data-person-field="' + f + '"]');
      if (person && person[f]) { control.value = f === "phone" ? displayPhone(person[f]) : person[f]; }
    });
    persons.appendChild(row);
    renumber();
    return row;
  }
  JSON.parse(document.getElementById("sheet-persons").textContent || "[]").forEach(addPerson);
  form.querySelector("[data-person-add]").addEventListener("click", function () {
    addPerson(null).querySelector('[data-person-field="name"]').focus();
    touched();
  });
  persons.addEventListener("click", function (event) {
    var remove = event.target.closest("[data-person-remove]");
    if (!remove) { return; }
    remove.closest("[data-person]").remove();
    renumber();
    form.querySelector("[data-person-add]").focus();
    touched();
  });

  function payload() {
    return {
      revision: parseInt(form.getAttribute("data-revision"), 10),
      phone: value(form, "phone"),
      mobile: value(form, "mobile"),
      aptitudes: Array.prototype.map.call(form.querySelectorAll("input[name=aptitudes]:checked"), function (box) { return box.value; }),
      age_min: ageMin.value,
      age_max: ageMax.value,
      home_visit: homeVisit(),
      home_visit_communes: chipCodes(),
      week: planner.texts(),
      open_on_holidays: form.elements.open_on_holidays.checked,
      comments: comments.value,
      resource_persons: Array.prototype.map.call(persons.querySelectorAll("[data-person]"), function (row) {
        var person = {};
        PERSON_FIELDS.forEach(function (f) { person[f] = row.querySelector('[data-person-field="' + f + '"]').value; });
        return person;
      })
    };
  }

  function saved(body) {
    form.setAttribute("data-revision", String(body.revision));
    var sheet = body.sheet || {};
    form.elements.phone.value = displayPhone(sheet.phone);
    form.elements.mobile.value = displayPhone(sheet.mobile);
    planner.setWeek(sheet.week || {});
    dirty = false;
    status(form, "success", MSG.saved, { href: form.getAttribute("data-public-url"), text: "Voir la fiche publique" });
  }

  var saveButton = form.querySelector("[data-save]");
  var stale = form.querySelector("[data-stale]");
  form.querySelector("[data-reload]").addEventListener("click", function () {
    dirty = false;
    window.location.reload();
  });

  form.addEventListener("submit", function (event) {
    event.preventDefault();
    clearErrors(form);
    stale.hidden = true;
    status(form, "", MSG.saving);
    saveButton.disabled = true;
    send("PUT", "/api/v1/me/units/" + encodeURIComponent(unitId), payload()).then(function (result) {
      saveButton.disabled = false;
      if (result.ok) {
        saved(result.body);
      } else if (result.status === 409) {
        status(form, "", "");
        stale.hidden = false;
        stale.querySelector("[data-reload]").focus();
      } else if (result.status === 401) {
        status(form, "error", MSG.expired, { href: "/connexion", text: "Se connecter (nouvel onglet)", blank: true });
      } else {
        showErrors(form, result);
      }
    }).catch(function () {
      saveButton.disabled = false;
      status(form, "error", FAILED);
    });
  });
}

const sheetForm = document.querySelector("form[data-sheet-form]");
if (sheetForm) { initSheet(sheetForm); }
