/* Account pages: every form here writes through the JSON API (one write path).
 *
 * - RorApi.send(method, url, body): JSON with the session's CSRF token (from
 *   GET /api/v1/session, fetched again once if the server refuses it).
 * - Errors: the API answers {"error": {"code", "message", "field"}}; the message is
 *   shown next to the field whose error slot has data-error-for = field (or its
 *   parent: "resource_persons.0.name" → "resource_persons"), the control gets
 *   aria-invalid and the focus; without a slot it goes to the form's status line.
 * - Live password rules (the four rules of catalog.schemas.password_problems).
 * - Activation, sign-in, details, forgotten password, new password, resend the
 *   confirmation e-mail, and the UO sheet form (PUT /api/v1/me/units/<id>).
 */
(function () {
  "use strict";

  var MSG = {
    failed: "L'envoi a échoué : vérifiez votre connexion puis réessayez.",
    sending: "Envoi en cours…",
    saving: "Enregistrement…",
    saved: "Fiche enregistrée. Elle apparaît dans la recherche d'ici quelques secondes.",
    expired: "Votre session a expiré. Connectez-vous dans un autre onglet (vos saisies restent ici), puis enregistrez à nouveau."
  };

  /* --- JSON API ------------------------------------------------------------------------ */

  var token = null;

  function session() {
    return fetch("/api/v1/session", { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (response) { return response.json(); })
      .then(function (body) { token = body.csrf_token; return body; });
  }

  function request(method, url, body) {
    return fetch(url, {
      method: method,
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", Accept: "application/json", "X-CSRF-Token": token || "" },
      body: body === undefined ? undefined : JSON.stringify(body)
    }).then(function (response) {
      return response.json().catch(function () { return null; }).then(function (data) {
        return { status: response.status, ok: response.ok, body: data || {} };
      });
    });
  }

  function send(method, url, body) {
    var ready = token ? Promise.resolve() : session();
    return ready.then(function () { return request(method, url, body); }).then(function (result) {
      var code = result.body && result.body.error && result.body.error.code;
      if (result.status === 403 && code === "csrf_failed") {
        return session().then(function () { return request(method, url, body); });
      }
      if (result.body && result.body.csrf_token) { token = result.body.csrf_token; }
      return result;
    });
  }

  window.RorApi = { send: send, session: session };

  /* --- messages next to fields ------------------------------------------------------------ */

  function errorSlot(form, field) {
    var key = field || "";
    while (key) {
      var slot = form.querySelector('[data-error-for="' + key + '"]');
      if (slot) { return slot; }
      var cut = key.lastIndexOf(".");
      key = cut > 0 ? key.slice(0, cut) : "";
    }
    return null;
  }

  function controlOf(form, slot) {
    var control = slot.id ? form.querySelector('[aria-describedby~="' + slot.id + '"]') : null;
    if (control && control.tagName === "FIELDSET") {
      control = control.querySelector("input:checked, input, select, textarea") || control;
    }
    return control;
  }

  function clearErrors(form) {
    form.querySelectorAll("[data-error-for]").forEach(function (slot) {
      slot.textContent = "";
      slot.hidden = true;
    });
    form.querySelectorAll("[aria-invalid]").forEach(function (control) { control.removeAttribute("aria-invalid"); });
    form.querySelectorAll(".has-error").forEach(function (row) { row.classList.remove("has-error"); });
  }

  function status(form, kind, text, link) {
    var line = form.querySelector("[data-form-status]");
    if (!line) { return; }
    line.className = "form-status" + (kind ? " is-" + kind : "");
    line.textContent = text || "";
    if (link) {
      line.appendChild(document.createTextNode(" "));
      var a = document.createElement("a");
      a.href = link.href;
      a.textContent = link.text;
      if (link.blank) { a.target = "_blank"; a.rel = "noopener"; }
      line.appendChild(a);
    }
  }

  /* Show the API's error: next to its field when there is one, else on the status line. */
  function showError(form, result) {
    var error = (result.body && result.body.error) || {};
    var message = error.message || MSG.failed;
    var slot = error.field ? errorSlot(form, error.field) : null;
    if (!slot) {
      status(form, "error", message);
      return;
    }
    slot.textContent = message;
    slot.hidden = false;
    var row = slot.closest(".planner-row");
    if (row) { row.classList.add("has-error"); }
    var control = controlOf(form, slot);
    status(form, "error", "Corrigez le champ signalé : " + message);
    if (control) {
      control.setAttribute("aria-invalid", "true");
      control.focus();
      if (control.scrollIntoView) { control.scrollIntoView({ block: "center" }); }
    }
  }

  function value(form, name) {
    var control = form.elements[name];
    return control ? control.value : "";
  }

  /* --- password fields --------------------------------------------------------------------- */

  var RULES = {
    length: function (text) { return text.length >= 8; },
    upper: function (text) { return /\p{Lu}/u.test(text); },
    lower: function (text) { return /\p{Ll}/u.test(text); },
    digit: function (text) { return /[0-9]/.test(text); }
  };

  document.querySelectorAll("[data-password-rules]").forEach(function (list) {
    var input = document.getElementById(list.getAttribute("data-password-rules"));
    function update() {
      list.querySelectorAll("[data-rule]").forEach(function (item) {
        var ok = RULES[item.getAttribute("data-rule")](input.value);
        if (item.classList.contains("is-ok") === ok && item.hasAttribute("data-checked")) { return; }
        item.setAttribute("data-checked", "");
        item.classList.toggle("is-ok", ok);
        item.querySelector(".pw-mark").textContent = ok ? "✓" : "✗";
        item.querySelector("[data-rule-state]").textContent = ok ? " — respectée" : " — à respecter";
      });
    }
    input.addEventListener("input", update);
    update();
  });

  document.querySelectorAll("[data-password-same-as]").forEach(function (confirmation) {
    var original = document.getElementById(confirmation.getAttribute("data-password-same-as"));
    var line = document.getElementById(confirmation.id + "-match");
    function update() {
      if (!confirmation.value) {
        line.textContent = "";
        line.className = "pw-match";
      } else if (confirmation.value === original.value) {
        line.textContent = "✓ Les deux mots de passe sont identiques.";
        line.className = "pw-match is-ok";
      } else {
        line.textContent = "✗ Les deux mots de passe sont différents.";
        line.className = "pw-match";
      }
    }
    confirmation.addEventListener("input", update);
    original.addEventListener("input", update);
  });

  document.querySelectorAll("[data-password-toggle]").forEach(function (button) {
    var input = document.getElementById(button.getAttribute("data-password-toggle"));
    button.hidden = false;
    button.setAttribute("aria-controls", input.id);
    button.setAttribute("aria-label", "Afficher le mot de passe");
    button.addEventListener("click", function () {
      var shown = input.type === "text";
      input.type = shown ? "password" : "text";
      button.setAttribute("aria-pressed", shown ? "false" : "true");
      button.textContent = shown ? "Afficher" : "Masquer";
      button.setAttribute("aria-label", shown ? "Afficher le mot de passe" : "Masquer le mot de passe");
    });
  });

  /* --- the small account forms -------------------------------------------------------------- */

  function succeed(form, message) {
    var panel = form.parentNode.querySelector("[data-success]");
    var text = panel.querySelector("[data-success-message]");
    if (message && text) { text.textContent = message; }
    form.hidden = true;
    panel.hidden = false;
    panel.focus();
    return panel;
  }

  function landing(account) {
    return account && account.role === "admin" ? "/cellule/anomalies" : "/mon-compte";
  }

  var FORMS = {
    activation: {
      url: "/api/v1/activation",
      payload: function (form) {
        return { rpps: value(form, "rpps"), code: value(form, "code"), password: value(form, "password"),
                 password_confirmation: value(form, "password_confirmation") };
      },
      done: function (form, body) {
        var panel = succeed(form, body.message);
        var rpps = body.account && body.account.rpps;
        if (rpps) { panel.querySelector("[data-success-link]").href = "/connexion?identifiant=" + encodeURIComponent(rpps); }
      }
    },
    "sign-in": {
      url: "/api/v1/login",
      payload: function (form) { return { login: value(form, "login"), password: value(form, "password") }; },
      done: function (form, body) {
        var next = form.getAttribute("data-next") || landing(body.account);
        status(form, "success", "Connexion réussie…");
        if (body.account && body.account.needs_details) {
          window.location.assign("/compte/informations?next=" + encodeURIComponent(next));
        } else {
          window.location.assign(next);
        }
      }
    },
    details: {
      url: "/api/v1/account/details",
      payload: function (form) { return { email: value(form, "email"), accept_terms: form.elements.accept_terms.checked }; },
      done: function (form, body) { succeed(form, body.message); }
    },
    forgot: {
      url: "/api/v1/account/password-reset",
      payload: function (form) { return { login: value(form, "login") }; },
      done: function (form, body) { status(form, "success", body.message); }
    },
    reset: {
      url: "/api/v1/account/password-reset/confirm",
      payload: function (form) {
        return { token: value(form, "token"), password: value(form, "password"),
                 password_confirmation: value(form, "password_confirmation") };
      },
      done: function (form, body) { succeed(form, body.message); }
    }
  };

  document.querySelectorAll("form[data-api-form]").forEach(function (form) {
    var kind = FORMS[form.getAttribute("data-api-form")];
    if (!kind) { return; }
    var button = form.querySelector("[type=submit]");
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      clearErrors(form);
      document.querySelectorAll("[data-signed-out]").forEach(function (note) { note.remove(); });
      status(form, "", MSG.sending);
      button.disabled = true;
      send("POST", kind.url, kind.payload(form)).then(function (result) {
        button.disabled = false;
        if (result.ok) {
          kind.done(form, result.body);
        } else {
          showError(form, result);
        }
      }).catch(function () {
        button.disabled = false;
        status(form, "error", MSG.failed);
      });
    });
  });

  // "Mot de passe oublié ?" takes along what was typed as the login.
  document.querySelectorAll("[data-forgot-link]").forEach(function (link) {
    link.addEventListener("click", function () {
      var owner = link.closest("form");
      var login = owner && owner.elements.login ? owner.elements.login.value.trim() : "";
      if (login) { link.href = "/mot-de-passe-oublie?identifiant=" + encodeURIComponent(login); }
    });
  });

  var resend = document.querySelector("[data-resend-confirmation]");
  if (resend) {
    var box = resend.closest("[data-resend-box]");
    resend.addEventListener("click", function () {
      resend.disabled = true;
      status(box, "", MSG.sending);
      send("POST", "/api/v1/account/confirm-email/resend").then(function (result) {
        resend.disabled = false;
        if (result.ok) { status(box, "success", result.body.message); } else { showError(box, result); }
      }).catch(function () { resend.disabled = false; status(box, "error", MSG.failed); });
    });
  }

  /* --- the UO sheet form --------------------------------------------------------------------- */

  var form = document.querySelector("form[data-sheet-form]");
  if (!form) { return; }

  var unitId = form.getAttribute("data-unit");
  var planner = window.RorWeekPlanner.init(form.querySelector("[data-week-planner]"));
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
    var low = ageMin.value === "" ? null : parseInt(ageMin.value, 10);
    var high = ageMax.value === "" ? null : parseInt(ageMax.value, 10);
    if (low === null && high === null) { ageSummary.textContent = "Non précisé : le champ sera masqué."; return; }
    if (low === null || high === null || isNaN(low) || isNaN(high)) { ageSummary.textContent = "Indiquez les deux âges."; return; }
    var flags = [];
    if (low < 18) { flags.push("E"); }
    if (high >= 18) { flags.push("A"); }
    var who = flags.length === 2 ? "Enfants et adultes" : (flags[0] === "E" ? "Enfants" : "Adultes");
    var ages = high >= 120 ? (low <= 0 ? "tous âges" : "à partir de " + low + " ans") : "de " + low + " à " + high + " ans";
    ageSummary.textContent = "Affiché : " + who + " (" + ages + ") — " + flags.join(" / ");
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
        showError(form, result);
      }
    }).catch(function () {
      saveButton.disabled = false;
      status(form, "error", MSG.failed);
    });
  });
})();
