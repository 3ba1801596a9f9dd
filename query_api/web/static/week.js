/* The typical-week planner ("semaine type") of the sheet form.
 *
 * Each day keeps its opening minutes (0h–24h, minute by minute), so a text such
 * as "6h-8h15" survives a click elsewhere on the grid. The grid shows half-hours
 * between data-first-hour and data-last-hour; the day's text field shows and edits
 * the whole day. Both stay in sync: typing redraws the grid, clicking or dragging
 * rewrites the text. The text is what the form sends; the server (catalog.schedule)
 * has the last word on it. The parser below mirrors catalog.schedule.parse_day_text
 * to redraw the grid and to warn early; both run the cases of
 * tests/vectors/week_text.json, so they cannot disagree.
 *
 * Mouse, touch and pen: pointer events; a drag paints a rectangle (days × hours)
 * with the opposite of the first cell's state. On a phone (COMPACT) every day's text
 * stays in view and one day at a time shows its half-hours, 4 per line with their
 * times; there a finger paints in every direction (the page scrolls from outside the
 * grid), and the arrows move by a line. Keyboard (ARIA grid): arrows move,
 * Space or Enter toggles, Shift + arrow extends, Home / End jump in the row.
 */
var DAY = 1440;
var STEP = 30;
var COMPACT = window.matchMedia("(max-width: 600px)");
var COMPACT_COLUMNS = 4;   // half-hours per line on a phone: 2 hours, 70 px or more at 320 px
var DAY_NAMES = { 1: "lundi", 2: "mardi", 3: "mercredi", 4: "jeudi", 5: "vendredi", 6: "samedi", 7: "dimanche" };
var CLOSED = ["", "ferme", "fermé", "fermee", "fermée", "-", "–", "—"];
var TIME = "(\\d{1,2})(?:h(\\d{2})?|:(\\d{2}))?";
var SLOT_RE = new RegExp("^" + TIME + "-" + TIME + "$");
var RANGE_SIGN_RE = /\s*(?:[-\u2010\u2011\u2012\u2013\u2014]|à)\s*/g;
var DIGIT_SPACE_H_RE = /(\d)\s+h/g;
var SEPARATORS_RE = /(?:[\s,;/+&]|\bet\b)+/;

function formatMinutes(m) {
  var h = Math.floor(m / 60), r = m % 60;
  return r ? h + "h" + (r < 10 ? "0" : "") + r : h + "h";
}

function formatSlot(slot) {
  return formatMinutes(slot[0]) + "-" + formatMinutes(slot[1]);
}

function toMinutes(h, mh, mc) {
  var hours = parseInt(h, 10), minutes = parseInt(mh || mc || "0", 10);
  if (minutes > 59 || hours > 24 || (hours === 24 && minutes !== 0)) { return null; }
  return hours * 60 + minutes;
}

/* "9h-12h30 14h-18h" → {slots: [[540, 750], [840, 1080]]} or {error: "mardi : ..."}. */
export function parseDay(text, day) {
  var prefix = DAY_NAMES[day] ? DAY_NAMES[day] + " : " : "";
  var folded = (text || "").trim().toLowerCase();
  if (CLOSED.indexOf(folded) >= 0) { return { slots: [] }; }
  folded = folded.replace(DIGIT_SPACE_H_RE, "$1h").replace(RANGE_SIGN_RE, "-");
  var pieces = folded.split(SEPARATORS_RE), slots = [];
  for (var i = 0; i < pieces.length; i++) {
    var piece = pieces[i];
    if (!piece) { continue; }
    var match = SLOT_RE.exec(piece), start = null, end = null;
    if (match) {
      start = toMinutes(match[1], match[2], match[3]);
      end = toMinutes(match[4], match[5], match[6]);
    }
    if (start === null || end === null) {
      return { error: prefix + "« " + piece + " » n'est pas un créneau valide" };
    }
    if (end < start) { return { error: prefix + "le créneau " + formatSlot([start, end]) + " finit avant de commencer" }; }
    if (end === start) { return { error: prefix + "le créneau " + formatSlot([start, end]) + " a une durée nulle" }; }
    slots.push([start, end]);
  }
  slots.sort(function (a, b) { return a[0] - b[0] || a[1] - b[1]; });
  for (var j = 1; j < slots.length; j++) {
    if (slots[j][0] < slots[j - 1][1]) {
      return { error: prefix + "les créneaux " + formatSlot(slots[j - 1]) + " et " + formatSlot(slots[j]) + " se chevauchent" };
    }
  }
  return { slots: merge(slots) };
}

/* Touching slots become one, as catalog.schedule does: 9h-12h 12h-14h is 9h-14h. */
function merge(slots) {
  var merged = [];
  slots.forEach(function (slot) {
    var last = merged[merged.length - 1];
    if (last && last[1] === slot[0]) { last[1] = slot[1]; } else { merged.push([slot[0], slot[1]]); }
  });
  return merged;
}

function slotsOf(minutes) {
  var slots = [], start = -1;
  for (var m = 0; m <= DAY; m++) {
    var on = m < DAY && minutes[m] === 1;
    if (on && start < 0) { start = m; }
    if (!on && start >= 0) { slots.push([start, m]); start = -1; }
  }
  return slots;
}

export function textOf(minutes) {
  return slotsOf(minutes).map(formatSlot).join(" ");
}

function fill(minutes, slots) {
  minutes.fill(0);
  slots.forEach(function (slot) { minutes.fill(1, slot[0], slot[1]); });
}

function Planner(root) {
  this.root = root;
  this.first = parseInt(root.getAttribute("data-first-hour"), 10) * 60;
  this.last = parseInt(root.getAttribute("data-last-hour"), 10) * 60;
  this.columns = (this.last - this.first) / STEP;
  this.days = {};
  this.order = [];
  this.drag = null;
  this.build();
}

Planner.prototype.build = function () {
  var self = this, root = this.root;
  root.setAttribute("role", "grid");
  root.setAttribute("aria-multiselectable", "true");
  root.setAttribute("aria-describedby", "week-help");
  root.setAttribute("aria-colcount", String(this.columns + 2));

  var head = root.querySelector("[data-planner-head]");
  head.setAttribute("role", "row");
  head.querySelector(".planner-day").setAttribute("role", "columnheader");
  head.querySelector(".planner-text").setAttribute("role", "columnheader");
  var hours = document.createElement("div");
  hours.className = "planner-cells planner-hours";
  hours.setAttribute("role", "presentation");
  hours.style.gridTemplateColumns = "repeat(" + this.columns + ", minmax(0, 1fr))";
  for (var c = 0; c < this.columns; c++) {
    var minute = this.first + c * STEP;
    var label = document.createElement("span");
    label.setAttribute("role", "columnheader");
    label.className = "planner-hour" + (minute % 60 === 0 ? " is-hour" : "");
    var text = document.createElement("span");
    text.textContent = formatMinutes(minute);
    if (minute % 60 !== 0) { text.className = "visually-hidden"; }
    label.appendChild(text);
    hours.appendChild(label);
  }
  var end = document.createElement("span");
  end.className = "planner-hour-end";
  end.setAttribute("aria-hidden", "true");
  end.textContent = formatMinutes(this.last);
  hours.appendChild(end);
  head.insertBefore(hours, head.querySelector(".planner-text"));

  root.querySelectorAll(".planner-row[data-day]").forEach(function (row) {
    var day = parseInt(row.getAttribute("data-day"), 10);
    var input = row.querySelector("[data-week-text]");
    var cells = document.createElement("div");
    cells.className = "planner-cells";
    cells.setAttribute("role", "presentation");
    cells.style.gridTemplateColumns = hours.style.gridTemplateColumns;
    var state = { day: day, row: row, input: input, cells: [], minutes: new Uint8Array(DAY),
                  error: row.querySelector("[data-error-for]"), outside: row.querySelector("[data-outside]") };
    row.setAttribute("role", "row");
    row.querySelector(".planner-day").setAttribute("role", "rowheader");
    row.querySelector(".planner-text").setAttribute("role", "gridcell");
    for (var c = 0; c < self.columns; c++) {
      var start = self.first + c * STEP;
      var cell = document.createElement("div");
      cell.className = "planner-cell" + (start % 60 === 0 ? " is-hour" : "");
      cell.setAttribute("role", "gridcell");
      cell.setAttribute("tabindex", "-1");
      cell.setAttribute("aria-selected", "false");
      cell.setAttribute("aria-label", DAY_NAMES[day] + " " + formatMinutes(start) + " à " + formatMinutes(start + STEP));
      cell.setAttribute("data-day", String(day));
      cell.setAttribute("data-col", String(c));
      var time = document.createElement("span");
      time.className = "planner-cell-time";
      time.setAttribute("aria-hidden", "true");
      time.textContent = formatMinutes(start);
      cell.appendChild(time);
      cells.appendChild(cell);
      state.cells.push(cell);
    }
    row.insertBefore(cells, row.querySelector(".planner-text"));
    var pick = document.createElement("button");
    pick.type = "button";
    pick.className = "button button-quiet button-sm planner-pick";
    pick.textContent = "Grille";
    pick.setAttribute("aria-label", "Modifier le " + DAY_NAMES[day] + " sur la grille");
    pick.addEventListener("click", function () { self.select(day, true); });
    row.querySelector(".planner-day").appendChild(pick);
    input.addEventListener("focus", function () { self.select(day, false); });
    self.days[day] = state;
    self.order.push(day);
    var parsed = parseDay(input.value, day);
    if (parsed.slots) { fill(state.minutes, parsed.slots); }
    self.render(day);
    input.addEventListener("input", function () { self.fromText(day); });
  });
  var firstCell = this.days[this.order[0]].cells[0];
  firstCell.setAttribute("tabindex", "0");
  this.focused = firstCell;

  this.select(this.order[0], false);
  var layout = function () { root.classList.toggle("is-compact", COMPACT.matches); };
  layout();
  if (COMPACT.addEventListener) { COMPACT.addEventListener("change", layout); }

  root.addEventListener("pointerdown", this.onPointerDown.bind(this));
  document.addEventListener("pointermove", this.onPointerMove.bind(this));
  document.addEventListener("pointerup", this.onPointerUp.bind(this));
  document.addEventListener("pointercancel", this.onPointerCancel.bind(this));
  root.addEventListener("keydown", this.onKeydown.bind(this));
  root.addEventListener("click", function (event) {
    if (event.target.closest(".planner-cell")) { event.preventDefault(); }
  });
};

/* The day whose half-hours a phone shows (on a wider screen every day shows them). */
Planner.prototype.select = function (day, focus) {
  var self = this;
  this.selected = day;
  this.order.forEach(function (d) { self.days[d].row.classList.toggle("is-selected", d === day); });
  // The grid's one Tab stop follows the day shown, so Tab never lands on a hidden cell.
  var col = this.focused ? parseInt(this.focused.getAttribute("data-col"), 10) : 0;
  var target = this.days[day].cells[col];
  if (focus) {
    this.moveFocus(target);
  } else if (this.focused !== target) {
    if (this.focused) { this.focused.setAttribute("tabindex", "-1"); }
    target.setAttribute("tabindex", "0");
    this.focused = target;
  }
};

/* Fully open, partly open or closed half-hour. */
Planner.prototype.cellState = function (day, col) {
  var minutes = this.days[day].minutes, start = this.first + col * STEP, on = 0;
  for (var m = start; m < start + STEP; m++) { on += minutes[m]; }
  return on === STEP ? "on" : (on ? "partial" : "off");
};

Planner.prototype.render = function (day) {
  var state = this.days[day];
  for (var c = 0; c < this.columns; c++) {
    var cell = state.cells[c], s = this.cellState(day, c);
    cell.classList.toggle("is-on", s === "on");
    cell.classList.toggle("is-partial", s === "partial");
    cell.setAttribute("aria-selected", s === "off" ? "false" : "true");
  }
  var before = state.minutes.subarray(0, this.first).indexOf(1) >= 0;
  var after = state.minutes.subarray(this.last).indexOf(1) >= 0;
  if (state.outside) {
    var notes = [];
    if (before) { notes.push("avant " + formatMinutes(this.first)); }
    if (after) { notes.push("après " + formatMinutes(this.last)); }
    state.outside.hidden = !notes.length;
    state.outside.textContent = notes.length ? "+ " + notes.join(", ") : "";
  }
};

Planner.prototype.setError = function (day, message) {
  var state = this.days[day];
  if (!state.error) { return; }
  state.error.textContent = message || "";
  state.error.hidden = !message;
  if (message) { state.input.setAttribute("aria-invalid", "true"); } else { state.input.removeAttribute("aria-invalid"); }
  state.row.classList.toggle("has-error", !!message);
};

Planner.prototype.fromText = function (day) {
  var state = this.days[day], parsed = parseDay(state.input.value, day);
  if (parsed.error) {
    this.setError(day, parsed.error);
  } else {
    this.setError(day, "");
    fill(state.minutes, parsed.slots);
    this.render(day);
  }
  this.changed();
};

Planner.prototype.toText = function (day) {
  var state = this.days[day];
  state.input.value = textOf(state.minutes);
  this.setError(day, "");
};

Planner.prototype.changed = function () {
  this.root.dispatchEvent(new CustomEvent("week-change", { bubbles: true }));
};

Planner.prototype.paint = function (day, col, value) {
  var start = this.first + col * STEP;
  this.days[day].minutes.fill(value ? 1 : 0, start, start + STEP);
};

/* --- pointer ------------------------------------------------------------------------ */

Planner.prototype.cellAt = function (x, y) {
  var element = document.elementFromPoint(x, y);
  var cell = element && element.closest ? element.closest(".planner-cell") : null;
  return cell && this.root.contains(cell) ? cell : null;
};

Planner.prototype.onPointerDown = function (event) {
  var cell = event.target.closest(".planner-cell");
  if (!cell || (event.pointerType === "mouse" && event.button !== 0)) { return; }
  event.preventDefault();                      // no text selection, no scrolling while painting
  if (cell.hasPointerCapture && cell.hasPointerCapture(event.pointerId)) {
    cell.releasePointerCapture(event.pointerId); // touch: let the finger move over other cells
  }
  var day = parseInt(cell.getAttribute("data-day"), 10), col = parseInt(cell.getAttribute("data-col"), 10);
  var snapshot = {};
  var self = this;
  this.order.forEach(function (d) { snapshot[d] = self.days[d].minutes.slice(); });
  this.drag = { pointer: event.pointerId, day: day, col: col, value: this.cellState(day, col) !== "on",
                snapshot: snapshot, touched: {} };
  this.moveFocus(cell, false);
  this.paintRectangle(day, col);
};

Planner.prototype.onPointerMove = function (event) {
  if (!this.drag || event.pointerId !== this.drag.pointer) { return; }
  var cell = this.cellAt(event.clientX, event.clientY);
  if (!cell) { return; }
  event.preventDefault();
  this.paintRectangle(parseInt(cell.getAttribute("data-day"), 10), parseInt(cell.getAttribute("data-col"), 10));
};

Planner.prototype.onPointerUp = function (event) {
  if (!this.drag || event.pointerId !== this.drag.pointer) { return; }
  this.drag = null;
  this.changed();
};

/* The browser took the gesture over (a touch that scrolls the page): nothing was meant to change. */
Planner.prototype.onPointerCancel = function (event) {
  var drag = this.drag, self = this;
  if (!drag || event.pointerId !== drag.pointer) { return; }
  this.drag = null;
  this.order.forEach(function (d) {
    if (!drag.touched[d]) { return; }
    self.days[d].minutes.set(drag.snapshot[d]);
    self.render(d);
    self.toText(d);
  });
};

/* Paint from the drag's first cell to (day, col); days outside the rectangle go back to the snapshot. */
Planner.prototype.paintRectangle = function (day, col) {
  var drag = this.drag, self = this;
  var d0 = Math.min(drag.day, day), d1 = Math.max(drag.day, day);
  var c0 = Math.min(drag.col, col), c1 = Math.max(drag.col, col);
  this.order.forEach(function (d) {
    var inside = d >= d0 && d <= d1;
    if (!inside && !drag.touched[d]) { return; }
    self.days[d].minutes.set(drag.snapshot[d]);
    if (inside) {
      for (var c = c0; c <= c1; c++) { self.paint(d, c, drag.value); }
      drag.touched[d] = true;
    }
    self.render(d);
    self.toText(d);
  });
};

/* --- keyboard ----------------------------------------------------------------------- */

Planner.prototype.moveFocus = function (cell, focus) {
  if (this.focused) { this.focused.setAttribute("tabindex", "-1"); }
  cell.setAttribute("tabindex", "0");
  this.focused = cell;
  if (focus !== false || document.activeElement !== cell) { cell.focus({ preventScroll: false }); }
};

Planner.prototype.toggle = function (day, col, value) {
  this.paint(day, col, value === undefined ? this.cellState(day, col) !== "on" : value);
  this.render(day);
  this.toText(day);
  this.changed();
};

Planner.prototype.onKeydown = function (event) {
  var cell = event.target.closest ? event.target.closest(".planner-cell") : null;
  if (!cell) { return; }
  var day = parseInt(cell.getAttribute("data-day"), 10), col = parseInt(cell.getAttribute("data-col"), 10);
  var index = this.order.indexOf(day), next = null;
  switch (event.key) {
    case "ArrowRight": next = [index, Math.min(col + 1, this.columns - 1)]; break;
    case "ArrowLeft": next = [index, Math.max(col - 1, 0)]; break;
    case "ArrowDown":
      next = COMPACT.matches ? [index, Math.min(col + COMPACT_COLUMNS, this.columns - 1)]
        : [Math.min(index + 1, this.order.length - 1), col];
      break;
    case "ArrowUp":
      next = COMPACT.matches ? [index, Math.max(col - COMPACT_COLUMNS, 0)] : [Math.max(index - 1, 0), col];
      break;
    case "Home": next = [event.ctrlKey ? 0 : index, 0]; break;
    case "End": next = [event.ctrlKey ? this.order.length - 1 : index, this.columns - 1]; break;
    case " ":
    case "Spacebar":
    case "Enter":
      event.preventDefault();
      this.toggle(day, col);
      return;
    default:
      return;
  }
  event.preventDefault();
  var target = this.days[this.order[next[0]]].cells[next[1]];
  if (event.shiftKey && event.key.indexOf("Arrow") === 0 && target !== cell) {
    // Extend: the next cell takes the state of this one.
    this.toggle(this.order[next[0]], next[1], this.cellState(day, col) !== "off");
  }
  this.moveFocus(target);
};

/* --- what the form uses ------------------------------------------------------------- */

/* {"1": "9h-12h", ..., "7": ""}: the text of every day, as typed or as drawn. */
Planner.prototype.texts = function () {
  var self = this, result = {};
  this.order.forEach(function (d) { result[String(d)] = self.days[d].input.value; });
  return result;
};

/* Redraw from a saved sheet's week ({"1": [[540, 720]], ...}). */
Planner.prototype.setWeek = function (week) {
  var self = this;
  this.order.forEach(function (d) {
    fill(self.days[d].minutes, (week && week[String(d)]) || []);
    self.render(d);
    self.toText(d);
  });
};

Planner.prototype.copyDay = function (from, days) {
  var self = this;
  days.forEach(function (d) {
    self.days[d].minutes.set(self.days[from].minutes);
    self.render(d);
    self.toText(d);
  });
  this.changed();
};

Planner.prototype.clear = function () {
  this.setWeek({});
  this.changed();
};

/* The planner of a [data-week-planner] element. */
export function initPlanner(root) { return new Planner(root); }
