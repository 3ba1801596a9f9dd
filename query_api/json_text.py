"""The service's JSON out, through orjson: the JSON API's answers (Flask's provider) and FHIR's.

A search's answer (20 establishments, their units, the facets) took about a millisecond of the
API process's CPU through the standard library's encoder, the largest part of the Python an API
search adds to the engine's requests (bench/README.md); orjson writes the same JSON several
times faster. What the standard encoder does not know (dates, dataclasses, Markup) still goes
through Flask's own conversion, so the text is the same.
"""
from __future__ import annotations

from typing import Any

import orjson
from flask.json.provider import DefaultJSONProvider

_OPTIONS = orjson.OPT_NON_STR_KEYS | orjson.OPT_PASSTHROUGH_DATETIME | orjson.OPT_PASSTHROUGH_DATACLASS


def json_text(value: Any, *, pretty: bool = False, default=None) -> str:
    """``value`` as JSON text: compact, or indented by 2 when ``pretty``; keys in their order."""
    option = _OPTIONS | (orjson.OPT_INDENT_2 if pretty else 0)
    return orjson.dumps(value, default=default or DefaultJSONProvider.default, option=option).decode()


class OrjsonProvider(DefaultJSONProvider):
    """Flask's JSON provider writing with orjson (reading is unchanged)."""

    ensure_ascii = False
    sort_keys = False

    def dumps(self, obj: Any, **kwargs: Any) -> str:
        pretty = kwargs.pop("indent", None) is not None
        kwargs.pop("separators", None)
        if kwargs or self.sort_keys:   # an option orjson has no word for: the standard encoder
            return super().dumps(obj, **({"indent": 2} if pretty else {}), **kwargs)
        return json_text(obj, pretty=pretty, default=self.default)
