"""Lines of a public RPPS extract, written as the ANS publishes them, for the import tests."""
from __future__ import annotations

from catalog.communes import communes
from catalog.identifiers import make_rpps
from catalog.rpps_import import EXTRACT_COLUMNS, extract_header, format_extract_line

VERSAILLES = "78646"
BOULOGNE = "92012"


def physio(serial: int, *, structure: str = "R10000000000001", insee: str = VERSAILLES, **columns) -> dict[str, str]:
    """The columns of one valid physiotherapist line; keyword arguments override by column name."""
    rpps = make_rpps(serial)
    commune = communes().get(insee)
    values = {
        "Type d'identifiant PP": "8",
        "Identifiant PP": rpps,
        "Identification nationale PP": "8" + rpps,
        "Code civilité": "MME",
        "Libellé civilité": "Madame",
        "Nom d'exercice": f"DURAND{serial}",
        "Prénom d'exercice": "Claire",
        "Code profession": "70",
        "Libellé profession": "Masseur-Kinésithérapeute",
        "Code mode exercice": "L",
        "Identifiant technique de la structure": structure,
        "Numéro Voie (coord. structure)": "12",
        "Indice répétition voie (coord. structure)": "B",
        "Code type de voie (coord. structure)": "R",
        "Libellé type de voie (coord. structure)": "Rue",
        "Libellé Voie (coord. structure)": "de la Paix",
        "Code postal (coord. structure)": commune.postal_code if commune else "",
        "Code commune (coord. structure)": insee,
        "Libellé commune (coord. structure)": commune.name.upper() if commune else "",
        "Téléphone (coord. structure)": "0139123456",
        "Code secteur d'activité": "SA07",
    }
    values.update(columns)
    return values


def extract(*rows: dict[str, str], columns=EXTRACT_COLUMNS, newline: str = "\n") -> list[str]:
    return [extract_header(columns) + newline, *(format_extract_line(row, columns) + newline for row in rows)]
