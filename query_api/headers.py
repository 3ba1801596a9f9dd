"""Security headers on every response: Content-Security-Policy and the browser's other guards.

The policy allows this origin and nothing else: no inline script or style, no
event-handler attribute, no ``eval``, no CDN. Pages load their JavaScript and CSS
from ``/static``; data a script needs travels in ``data-*`` attributes or a
``<script type="application/json">`` block (data, never run). ``frame-ancestors
'none'`` (and ``X-Frame-Options`` for older browsers) keeps the pages out of
other sites' frames.

The results map (web/static/map.js) needs nothing more: its base map is the communes'
outlines and Leaflet is served from this origin (web/map_pages.py). A deployment that adds
a tile server names it in ``ROR_MAP_TILE_ORIGINS`` (config.py); ``map_sources`` is its
place in the policy.
"""
from __future__ import annotations

import re

from flask import Flask

from config import Settings

#: Strict-Transport-Security in production (two years; the service is HTTPS-only there).
HSTS = "max-age=63072000; includeSubDomains"

#: Browser features we do not use, denied to this page and to any frame. A future
#: « autour de moi » button would need ``geolocation=(self)``.
DENIED_FEATURES = (
    "accelerometer", "autoplay", "camera", "display-capture", "encrypted-media", "fullscreen",
    "geolocation", "gyroscope", "magnetometer", "microphone", "midi", "payment",
    "picture-in-picture", "publickey-credentials-get", "screen-wake-lock", "serial", "usb",
    "xr-spatial-tracking", "hid", "idle-detection",
)

#: The base policy. ``img-src data:``: the empty favicon of base.html (``href="data:,"``).
BASE_POLICY: dict[str, tuple[str, ...]] = {
    "default-src": ("'self'",),
    "script-src": ("'self'",),
    "style-src": ("'self'",),
    "img-src": ("'self'", "data:"),
    "font-src": ("'self'",),
    "connect-src": ("'self'",),
    "form-action": ("'self'",),
    "frame-ancestors": ("'none'",),
    "object-src": ("'none'",),
    "base-uri": ("'self'",),
}

_ORIGIN = re.compile(r"https://[a-z0-9.-]+(:[0-9]{1,5})?|https://\*\.[a-z0-9.-]+")


def map_sources(tile_origins: tuple[str, ...]) -> dict[str, tuple[str, ...]]:
    """What the map adds to the policy: its tile server(s) for images (raster tiles) and for
    fetches (vector tiles, styles, glyphs). A WebGL library (MapLibre) would also need
    ``worker-src blob:`` and ``img-src blob:``; Leaflet with raster tiles needs nothing more
    (it places tiles through ``element.style``, which the policy allows)."""
    if not tile_origins:
        return {}
    return {"img-src": tile_origins, "connect-src": tile_origins}


def tile_origins(settings: Settings) -> tuple[str, ...]:
    """ROR_MAP_TILE_ORIGINS as a tuple of https origins; anything else is a configuration error."""
    origins = tuple(settings.map_tile_origins.split())
    for origin in origins:
        if not _ORIGIN.fullmatch(origin):
            raise ValueError(f"ROR_MAP_TILE_ORIGINS: {origin!r} is not an https origin (https://host[:port])")
    return origins


def content_security_policy(extra: dict[str, tuple[str, ...]] | None = None) -> str:
    directives = {name: list(sources) for name, sources in BASE_POLICY.items()}
    for name, sources in (extra or {}).items():
        directives.setdefault(name, list(BASE_POLICY["default-src"]))
        directives[name] += [s for s in sources if s not in directives[name]]
    return "; ".join(f"{name} {' '.join(sources)}" for name, sources in directives.items())


def security_headers(settings: Settings) -> dict[str, str]:
    """Every header this module sets, for this deployment."""
    headers = {
        "Content-Security-Policy": content_security_policy(map_sources(tile_origins(settings))),
        "X-Content-Type-Options": "nosniff",
        "Referrer-Policy": "same-origin",
        "Permissions-Policy": ", ".join(f"{feature}=()" for feature in DENIED_FEATURES),
        "X-Frame-Options": "DENY",
        "Cross-Origin-Opener-Policy": "same-origin",
    }
    if settings.env == "production":
        headers["Strict-Transport-Security"] = HSTS
    return headers


def init_app(app: Flask, settings: Settings) -> None:
    headers = security_headers(settings)   # computed once: a bad setting stops the start, not a request

    @app.after_request
    def _set_security_headers(response):
        for name, value in headers.items():
            response.headers.setdefault(name, value)
        return response
