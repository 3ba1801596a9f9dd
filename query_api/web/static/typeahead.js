/* Typeahead for "Où ?" and "Quoi ?": the ARIA 1.2 combobox pattern with a listbox popup.
 *
 * Without JavaScript the visible input carries the name ("where" / "what") and the
 * server reads what was typed. With it, a hidden input takes the name: typing puts
 * the text there (free text), choosing a suggestion puts its code there (an INSEE
 * code, "eg:<id>", an aptitude code...). Suggestions come from /api/v1/suggest from
 * the third letter, debounced; nothing is asked below three letters.
 */
import { getJSON } from "./api.js";

var MIN_CHARS = 3;
var DEBOUNCE_MS = 150;
var KINDS = {
  commune: "Commune",
  establishment: "Établissement",
  department: "Département",
  postal_code: "Code postal",
  aptitude: "Aptitude",
  uo_type: "Type d'unité",
  profession: "Profession"
};

function Combobox(input) {
  this.input = input;
  this.field = input.getAttribute("data-typeahead");
  this.form = input.form;
  this.listbox = document.getElementById(input.id.replace(/-input$/, "-listbox"));
  this.status = this.form.querySelector("[data-typeahead-status]");
  this.items = [];
  this.active = -1;
  this.timer = null;
  this.controller = null;
  this.sequence = 0;
  this.lastQuery = null;
  this.chosen = Boolean(input.getAttribute("data-value"));   // the server's canonical value

  // The hidden input takes over the name; the visible one only shows the label.
  this.hidden = document.createElement("input");
  this.hidden.type = "hidden";
  this.hidden.name = input.name;
  this.hidden.value = input.getAttribute("data-value") || input.value;
  input.removeAttribute("name");
  input.insertAdjacentElement("afterend", this.hidden);

  input.setAttribute("role", "combobox");
  input.setAttribute("aria-autocomplete", "list");
  input.setAttribute("aria-expanded", "false");
  input.setAttribute("aria-controls", this.listbox.id);

  input.addEventListener("input", this.onInput.bind(this));
  input.addEventListener("keydown", this.onKeydown.bind(this));
  input.addEventListener("blur", this.onBlur.bind(this));
  this.listbox.addEventListener("mousedown", function (event) { event.preventDefault(); });
  this.listbox.addEventListener("click", this.onClick.bind(this));
  if (this.field === "what") {
    var category = this.form.querySelector("select[name=category]");
    if (category) {
      // Suggestions follow the category; asked again only when the box is in use.
      category.addEventListener("change", function () {
        this.lastQuery = null;
        this.items = [];
        this.close();
      }.bind(this));
    }
  }
}

Combobox.prototype.text = function () {
  return this.input.value.trim();
};

Combobox.prototype.onInput = function () {
  // Typing makes it free text again until a suggestion is chosen.
  this.hidden.value = this.input.value;
  this.chosen = false;
  this.refresh();
};

Combobox.prototype.refresh = function () {
  var text = this.text();
  window.clearTimeout(this.timer);
  if (text.length < MIN_CHARS) {
    this.abort();
    this.lastQuery = null;
    this.close();
    return;
  }
  this.timer = window.setTimeout(this.fetch.bind(this, text), DEBOUNCE_MS);
};

Combobox.prototype.abort = function () {
  if (this.controller) {
    this.controller.abort();
    this.controller = null;
  }
};

Combobox.prototype.url = function (text) {
  var params = new URLSearchParams({ field: this.field, q: text });
  var category = this.form.querySelector("select[name=category]");
  if (this.field === "what" && category && category.value) {
    params.set("category", category.value);
  }
  return "/api/v1/suggest?" + params.toString();
};

Combobox.prototype.fetch = function (text) {
  var url = this.url(text);
  if (url === this.lastQuery && this.items.length) {
    this.open();
    return;
  }
  this.abort();
  var controller = "AbortController" in window ? new AbortController() : null;
  this.controller = controller;
  var sequence = ++this.sequence;
  var self = this;
  getJSON(url, { signal: controller ? controller.signal : undefined })
    .then(function (result) {
      if (sequence !== self.sequence || self.text().length < MIN_CHARS) {
        return; // an older answer, or the text was shortened meanwhile
      }
      self.lastQuery = url;
      self.render(result.ok ? result.body.suggestions || [] : []);
    })
    .catch(function (error) {
      if (error && error.name === "AbortError") { return; }
      self.close();
    });
};

Combobox.prototype.render = function (suggestions) {
  var listbox = this.listbox;
  listbox.textContent = "";
  this.items = suggestions;
  this.active = -1;
  this.input.removeAttribute("aria-activedescendant");
  suggestions.forEach(function (item, index) {
    var option = document.createElement("li");
    option.id = listbox.id + "-" + index;
    option.className = "option";
    option.setAttribute("role", "option");
    option.setAttribute("aria-selected", "false");
    option.setAttribute("data-index", String(index));
    var label = document.createElement("span");
    label.className = "option-label";
    // label_html: the label escaped by the server, the typed words in <b>.
    if (item.label_html) { label.innerHTML = item.label_html; } else { label.textContent = item.label; }
    var kind = document.createElement("span");
    kind.className = "option-kind";
    kind.textContent = item.type === "aptitude" && item.group ? item.group : (KINDS[item.type] || "");
    if (item.type === "establishment" && item.detail) {
      kind.textContent = item.detail;
    }
    option.appendChild(label);
    option.appendChild(kind);
    listbox.appendChild(option);
  });
  if (suggestions.length) {
    this.open();
    this.announce(suggestions.length === 1 ? "1 suggestion" : suggestions.length + " suggestions");
  } else {
    this.close();
    this.announce("Aucune suggestion");
  }
};

Combobox.prototype.announce = function (message) {
  if (this.status) {
    this.status.textContent = message;
  }
};

Combobox.prototype.open = function () {
  if (!this.items.length) { return; }
  this.listbox.hidden = false;
  this.input.setAttribute("aria-expanded", "true");
};

Combobox.prototype.close = function () {
  this.listbox.hidden = true;
  this.input.setAttribute("aria-expanded", "false");
  this.input.removeAttribute("aria-activedescendant");
  this.setActive(-1);
};

Combobox.prototype.isOpen = function () {
  return !this.listbox.hidden;
};

Combobox.prototype.setActive = function (index) {
  var options = this.listbox.querySelectorAll("[role=option]");
  this.active = index;
  for (var i = 0; i < options.length; i++) {
    options[i].setAttribute("aria-selected", i === index ? "true" : "false");
  }
  if (index >= 0 && options[index]) {
    this.input.setAttribute("aria-activedescendant", options[index].id);
    options[index].scrollIntoView({ block: "nearest" });
  } else {
    this.input.removeAttribute("aria-activedescendant");
  }
};

Combobox.prototype.move = function (step) {
  if (!this.items.length) { return; }
  if (!this.isOpen()) {
    this.open();
    this.setActive(step > 0 ? 0 : this.items.length - 1);
    return;
  }
  var next = this.active + step;
  if (next >= this.items.length) { next = 0; }
  if (next < 0) { next = this.items.length - 1; }
  this.setActive(next);
};

Combobox.prototype.choose = function (index) {
  var item = this.items[index];
  if (!item) { return; }
  this.input.value = item.label;
  this.hidden.value = item.type === "establishment" ? "eg:" + item.id : item.id;
  this.chosen = true;
  this.close();
  this.announce(item.label + " choisi");
};

Combobox.prototype.onKeydown = function (event) {
  switch (event.key) {
    case "ArrowDown":
      event.preventDefault();
      this.move(1);
      break;
    case "ArrowUp":
      event.preventDefault();
      this.move(-1);
      break;
    case "Enter":
      if (this.isOpen() && this.active >= 0) {
        event.preventDefault(); // choose, do not submit yet
        this.choose(this.active);
      }
      break;
    case "Escape":
      if (this.isOpen()) {
        event.preventDefault();
        this.close();
      }
      break;
    case "Tab":
      this.close();
      break;
    default:
      break;
  }
};

Combobox.prototype.onClick = function (event) {
  var option = event.target.closest("[role=option]");
  if (option) {
    this.choose(Number(option.getAttribute("data-index")));
    this.input.focus();
  }
};

Combobox.prototype.onBlur = function () {
  var self = this;
  window.setTimeout(function () { self.close(); }, 100);
};

// Shorter shareable URLs: blank fields are left out of the query string.
export function dropBlanks(event) {
  var blanks = [];
  event.formData.forEach(function (value, key) {
    if (value === "") { blanks.push(key); }
  });
  blanks.forEach(function (key) {
    var kept = event.formData.getAll(key).filter(function (value) { return value !== ""; });
    event.formData.delete(key);
    kept.forEach(function (value) { event.formData.append(key, value); });
  });
}

// Five digits typed (not chosen) in "Où ?" are a postal code first: the server reads
// "cp:<digits>" so, and a bare five-digit "where" as the INSEE code a suggestion carries.
function markTypedPostalCode(event) {
  var where = event.target.querySelector("input[data-typeahead=where]");
  if (where && where.combobox && !where.combobox.chosen && /^\s*[0-9]{5}\s*$/.test(where.value)) {
    event.formData.set("where", "cp:" + where.value.trim());
  }
}

document.querySelectorAll("input[data-typeahead]").forEach(function (input) {
  input.combobox = new Combobox(input);
});
document.querySelectorAll("form[role=search]").forEach(function (form) {
  form.addEventListener("formdata", markTypedPostalCode);
});
document.querySelectorAll("form[role=search]").forEach(function (form) {
  form.addEventListener("formdata", dropBlanks);
});
