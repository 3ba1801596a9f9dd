/* Account pages: every form here writes through the JSON API (one write path, api.js).
 *
 * - Live password rules (the four rules of catalog.schemas.password_problems).
 * - Activation, sign-in, details, forgotten password, new password, resend the
 *   confirmation e-mail. The UO sheet form is sheet.js.
 */
import { send } from "./api.js";
import { FAILED, clearErrors, clearOnEdit, problemsOf, showErrors, status, value } from "./forms.js";

const SENDING = "Envoi en cours…";
// The second password field guards against a typo: the page compares the two, the API takes one.
const MISMATCH = "Les deux mots de passe ne correspondent pas.";

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
    confirmed: true,
    payload: function (form) {
      return { rpps: value(form, "rpps"), code: value(form, "code"), password: value(form, "password") };
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
    confirmed: true,
    payload: function (form) { return { token: value(form, "token"), password: value(form, "password") }; },
    done: function (form, body) { succeed(form, body.message); }
  }
};

/* A second typing that differs is the page's own problem. So that every error still shows at once,
 * the API checks the other fields (sent without the password: nothing can be saved) and the page
 * adds the password rules it checks live (their texts are the API's) and the mismatch. */
function pagePasswordProblems(form) {
  var typed = form.elements.password.value;
  var problems = [];
  form.querySelectorAll("[data-password-rules] [data-rule]").forEach(function (item) {
    if (!RULES[item.getAttribute("data-rule")](typed)) {
      problems.push({ field: "password", message: item.children[1].textContent + "." });
    }
  });
  problems.push({ field: "password_confirmation", message: MISMATCH });
  return problems;
}

function withMismatch(form, result) {
  var others = result.ok ? [] : problemsOf(result).filter(function (p) { return p.field !== "password"; });
  return { body: { errors: others.concat(pagePasswordProblems(form)) } };
}

document.querySelectorAll("form[data-api-form]").forEach(function (form) {
  var kind = FORMS[form.getAttribute("data-api-form")];
  if (!kind) { return; }
  var button = form.querySelector("[type=submit]");
  clearOnEdit(form);
  form.addEventListener("submit", function (event) {
    event.preventDefault();
    clearErrors(form);
    document.querySelectorAll("[data-signed-out]").forEach(function (note) { note.remove(); });
    var mismatch = kind.confirmed && value(form, "password_confirmation") !== value(form, "password");
    var payload = kind.payload(form);
    if (mismatch) { delete payload.password; }
    status(form, "", SENDING);
    button.disabled = true;
    send("POST", kind.url, payload).then(function (result) {
      button.disabled = false;
      if (mismatch) {
        showErrors(form, withMismatch(form, result));
      } else if (result.ok) {
        kind.done(form, result.body);
      } else {
        showErrors(form, result);
      }
    }).catch(function () {
      button.disabled = false;
      status(form, "error", FAILED);
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
    status(box, "", SENDING);
    send("POST", "/api/v1/account/confirm-email/resend").then(function (result) {
      resend.disabled = false;
      if (result.ok) { status(box, "success", result.body.message); } else { showErrors(box, result); }
    }).catch(function () { resend.disabled = false; status(box, "error", FAILED); });
  });
}

