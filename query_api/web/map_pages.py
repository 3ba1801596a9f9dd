"""What the results map loads besides the page: the communes' outlines and the map library.

No tile server and no CDN: the base map is catalog/data/communes_idf_outlines.json
(build_outlines.py), and Leaflet is served from node_modules/, where `./ror` (npm ci) and
the Dockerfile install the version pinned in package-lock.json.
"""
from __future__ import annotations

from flask import Blueprint, abort, send_from_directory

from config import PROJECT_DIR

blueprint = Blueprint("map_pages", __name__)

OUTLINES_DIR = PROJECT_DIR / "catalog" / "data"
LEAFLET_DIR = PROJECT_DIR / "node_modules" / "leaflet" / "dist"
#: Only the library's module and its stylesheet are served, nothing else of node_modules.
LEAFLET_FILES = {"leaflet-src.esm.js", "leaflet.css"}
ONE_DAY = 24 * 3600


@blueprint.get("/carte/communes.json")
def commune_outlines():
    return send_from_directory(OUTLINES_DIR, "communes_idf_outlines.json", mimetype="application/json",
                               max_age=ONE_DAY)


@blueprint.get("/vendor/leaflet/<name>")
def leaflet(name: str):
    if name not in LEAFLET_FILES:
        abort(404)
    return send_from_directory(LEAFLET_DIR, name, max_age=ONE_DAY)
