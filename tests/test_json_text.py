"""The service's JSON written by orjson (query_api.json_text) says what Flask's standard provider said."""
from __future__ import annotations

import dataclasses
import json
import uuid
from datetime import UTC, date, datetime

import pytest
from flask import Flask
from flask.json.provider import DefaultJSONProvider
from markupsafe import Markup

from query_api import create_app
from query_api.json_text import OrjsonProvider, json_text


@dataclasses.dataclass
class Point:
    lat: float
    lon: float


VALUE = {"zéro": 0, "texte": "Kinésithérapie « à domicile »\n\t\"cité\" \u2028", "liste": [1, 2.5, None, True, False],
         "date": date(2026, 11, 30), "instant": datetime(2026, 11, 30, 18, 5, tzinfo=UTC), "id": uuid.UUID(int=7),
         "point": Point(48.85, 2.35), "html": Markup("<b>vestibulaire</b>"), 3: "clé entière", "vide": {}, "b": [],
         "grand": 2**53 + 1, "négatif": -0.5}


@pytest.fixture
def providers():
    app = Flask(__name__)
    standard = DefaultJSONProvider(app)
    standard.ensure_ascii, standard.sort_keys = False, False
    return standard, OrjsonProvider(app)


def test_the_same_values_as_the_standard_provider_in_the_same_key_order(providers):
    standard, fast = providers
    assert json.loads(fast.dumps(VALUE)) == json.loads(standard.dumps(VALUE))
    assert list(json.loads(fast.dumps(VALUE))) == list(json.loads(standard.dumps(VALUE)))
    # Dates as Flask writes them (HTTP dates), not orjson's ISO form.
    assert json.loads(fast.dumps(VALUE))["instant"] == "Mon, 30 Nov 2026 18:05:00 GMT"


def test_non_ascii_written_as_is_and_pretty_printing_indents_by_two(providers):
    standard, fast = providers
    assert "Kinésithérapie «" in fast.dumps(VALUE)
    pretty = fast.dumps({"a": [1, {"b": 2}]}, indent=2)
    assert pretty == standard.dumps({"a": [1, {"b": 2}]}, indent=2)
    assert json_text({"a": 1}, pretty=True) == '{\n  "a": 1\n}'


def test_what_json_cannot_write_is_refused_as_the_standard_provider_refuses_it(providers):
    standard, fast = providers
    for provider in (standard, fast):
        with pytest.raises(TypeError):
            provider.dumps({"x": object()})


def test_an_option_orjson_lacks_falls_back_to_the_standard_encoder(providers):
    _, fast = providers
    assert fast.dumps({"b": 1, "a": 2}, sort_keys=True) == '{"a": 2, "b": 1}'


def test_the_service_answers_through_it(demo_index):
    app = create_app(demo_index)
    assert isinstance(app.json, OrjsonProvider)
    response = app.test_client().get("/api/v1/search?where=78646")
    assert response.status_code == 200 and response.is_json
    text = response.get_data(as_text=True)
    assert "é" in text and "\\u00e9" not in text   # UTF-8 as is, no escapes
