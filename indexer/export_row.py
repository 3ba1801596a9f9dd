"""A unit's cells of the Excel export that do not depend on the search, formatted when its
document is built and indexed as one binary doc value (``row``).

It stays in ``_source`` too: a field left out by the mapping's source filter makes the engine
keep the whole original source beside it for recovery (at 100,000 UO: 379 MiB against 323, and
a slower indexing); the result pages read named fields of the source, never the whole.

Why in the index: an export of 100,000 units spent about half of the engine's time reading each
unit's stored fields (its ``_source``, even its ``_id``: the block it lies in is decompressed, and
the units of a search lie at random places of the index) and 4–5 s of the API's Python formatting
phones, weeks and labels, the same for every export. A binary doc value is read straight at the
unit's offset, with no stored field at all, and the export only decodes it
(bench/README.md, « the export's row in the index »). The index stays rebuildable from the
store: the row is derived from the same record as the rest of the document.
"""
from __future__ import annotations

import base64

import orjson

from catalog.labels import PATIENT_LABELS
from catalog.phone import phone_or_none

#: The row's cells, in this order; the export puts the search's own cells (distance, travel
#: time, open now) between « Domicile » and « Semaine type » (query_api.search.export.COLUMNS).
UNIT_COLUMNS = ("Établissement", "Unité (UO)", "Praticien", "Adresse", "Code postal", "Commune", "Téléphone",
                "Aptitudes", "Patients", "Domicile", "Semaine type", "Identifiant UO")


def export_row(document: dict, week_text: str) -> list[str]:
    """The cells of UNIT_COLUMNS for a unit document (``indexer.documents.unit_document``)."""
    eg = document["establishment"]
    return [
        eg["name"], document["name"], document.get("owner_name") or "", eg["address"], eg["postal_code"],
        eg["commune"], phone_or_none(document.get("phone")) or "",
        ", ".join(document["aptitude_labels"]) or "Généraliste",
        ", ".join(PATIENT_LABELS[p] for p in document["patients"]),
        "oui" if document["home_visit"] else "non",
        week_text,
        document["id"],
    ]


def encode_row(cells: list[str]) -> str:
    """The row as a binary field's value in a document: base64 of its JSON."""
    return base64.b64encode(orjson.dumps(cells)).decode("ascii")


def decode_row(value: str) -> list[str]:
    """The row from a ``docvalue_fields`` answer (the engine writes base64 without its padding)."""
    return orjson.loads(base64.b64decode(value + "=" * (-len(value) % 4)))
