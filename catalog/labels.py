"""How a practitioner and a UO are named wherever people read them: pages, e-mails, the API.

A group practice has several UO of the same name (« Consultation kinésithérapie »),
one per practitioner: only the owner's name tells them apart, so a UO is shown as
« Consultation kinésithérapie — Anne Martin ». Pure functions.
"""
from __future__ import annotations

#: Between a UO's name and its owner's (an em dash, as the guide writes it).
OWNER_SEPARATOR = " — "

#: The patients a UO sees, by the flag its document carries (indexer.documents.patients).
PATIENT_LABELS = {"E": "Enfants", "A": "Adultes"}


def person_name(first_name: str | None, last_name: str | None) -> str | None:
    """« Anne Martin », or None when the register gives no last name."""
    if not last_name:
        return None
    return f"{first_name or ''} {last_name}".strip()


def unit_label(name, owner_name: str | None):
    """A UO's display label: its name, then its owner's name when it has one.

    ``name`` may be markup (a search result's name with the matched words in bold):
    the owner's name is then escaped by the concatenation, and markup is returned.
    A name that already says whose unit it is (« Cabinet Anne Martin ») is left alone.
    """
    if not owner_name or owner_name.casefold() in str(name).casefold():
        return name
    return name + OWNER_SEPARATOR + owner_name
