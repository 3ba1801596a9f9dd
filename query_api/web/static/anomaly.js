/* "Signaler une anomalie": a dialog that POSTs JSON to /api/v1/anomalies through api.js.
 *
 * Sending needs a signed-in account: the dialog says so as it opens (before anything is
 * written), with a link to sign in. What is written is kept as a draft in sessionStorage
 * for this page; after signing in from the dialog the page comes back with the dialog
 * open and the draft in it. The focus starts on the first field. After a report is
 * sent, « Envoyer » stays disabled until the form is changed (no double report).
 */
import { send, session } from "./api.js";
import { clearErrors, clearOnEdit, showErrors } from "./forms.js";

const LOGIN_URL = "/connexion";
const DRAFT_KEY = "ror-anomaly-draft:" + window.location.pathname;
const FIELDS = ["target", "theme", "field", "message"];
const MESSAGES = {
  login: "Connectez-vous pour signaler une anomalie.",
  thanks: "Merci, votre signalement a été transmis à la cellule ROR.",
  failed: "L'envoi a échoué. Réessayez dans un instant ou contactez l'assistance."
};

function readDraft() {
  try { return JSON.parse(window.sessionStorage.getItem(DRAFT_KEY) || "null"); } catch (e) { return null; }
}

function writeDraft(draft) {
  try {
    if (draft) { window.sessionStorage.setItem(DRAFT_KEY, JSON.stringify(draft)); } else { window.sessionStorage.removeItem(DRAFT_KEY); }
  } catch (e) { /* private mode: no draft */ }
}

function initDialog(dialog, opener, fallback) {
  const form = dialog.querySelector("[data-anomaly-form]");
  const status = dialog.querySelector("[data-anomaly-status]");
  const notice = dialog.querySelector("[data-anomaly-sign-in]");
  const sendButton = dialog.querySelector("[data-anomaly-send]");
  const closeButton = dialog.querySelector("[data-anomaly-close]");
  const signInHref = LOGIN_URL + "?next=" + encodeURIComponent(window.location.pathname);

  fallback.hidden = true;
  fallback.style.display = "none";
  opener.hidden = false;

  function show(kind, text, link) {
    status.className = "form-status" + (kind ? " is-" + kind : "");
    status.textContent = text;
    if (link) {
      status.append(" ");
      const a = document.createElement("a");
      a.href = link.href;
      a.textContent = link.text;
      a.addEventListener("click", () => keepDraft(true));
      status.append(a);
    }
  }

  function draftOf() {
    const draft = {};
    FIELDS.forEach((name) => { if (form.elements[name]) { draft[name] = form.elements[name].value; } });
    return draft;
  }

  /* ``resume``: the user leaves to sign in; the dialog reopens when they come back. */
  function keepDraft(resume) {
    writeDraft({ ...draftOf(), resume: Boolean(resume) });
  }

  function restore(draft) {
    FIELDS.forEach((name) => {
      const control = form.elements[name];
      if (control && draft[name] !== undefined && control.type !== "hidden") { control.value = draft[name]; }
    });
  }

  async function showSignInNotice() {
    let signedIn = true;
    try { signedIn = (await session()).signed_in; } catch (e) { /* offline: the send will say so */ }
    notice.hidden = signedIn;
  }

  function open() {
    show("", "");
    clearErrors(form);
    closeButton.textContent = "Annuler";
    sendButton.disabled = false;
    const draft = readDraft();
    if (draft) { restore(draft); }
    dialog.showModal();
    form.querySelector("select, textarea, input:not([type=hidden])").focus();
    showSignInNotice();
  }

  notice.querySelector("a").href = signInHref;
  notice.querySelector("a").addEventListener("click", () => keepDraft(true));
  opener.addEventListener("click", open);
  closeButton.addEventListener("click", () => dialog.close());
  dialog.addEventListener("close", () => opener.focus());
  form.addEventListener("input", () => {
    keepDraft(false);
    if (status.classList.contains("is-success")) { show("", ""); }
    sendButton.disabled = false;
  });

  clearOnEdit(form);
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    clearErrors(form);
    // No check of its own: the server's rules (and words) for a report are the only ones.
    const text = form.elements.message.value.trim();
    const target = form.elements.target.value.split("|");
    const payload = { target_type: target[0], target_id: target.slice(1).join("|"), message: text };
    if (form.elements.theme.value) { payload.theme = form.elements.theme.value; }
    if (form.elements.field.value) { payload.field = form.elements.field.value; }

    sendButton.disabled = true;
    show("", "Envoi en cours…");
    try {
      const state = await session();
      const result = state.signed_in ? await send("POST", "/api/v1/anomalies", payload) : { status: 401 };
      if (result.ok) {
        form.reset();
        writeDraft(null);
        show("success", MESSAGES.thanks);
        closeButton.textContent = "Fermer";
        return;                                   // « Envoyer » stays disabled until the form changes
      }
      if (result.status === 401) {
        keepDraft(false);
        notice.hidden = false;
        show("error", MESSAGES.login, { href: signInHref, text: "Se connecter" });
      } else {
        showErrors(form, result);
      }
    } catch (e) {
      show("error", MESSAGES.failed);
    }
    sendButton.disabled = false;
  });

  // Back from signing in: the dialog as it was left.
  const draft = readDraft();
  if (draft && draft.resume) {
    writeDraft({ ...draft, resume: false });
    open();
  }
}

const anomalyDialog = document.getElementById("anomaly-dialog");
const anomalyOpener = document.querySelector("[data-anomaly-open]");
// Without <dialog> support the page keeps its link to the help page.
if (anomalyDialog && anomalyOpener && typeof anomalyDialog.showModal === "function") {
  initDialog(anomalyDialog, anomalyOpener, document.querySelector("[data-anomaly-fallback]"));
}
