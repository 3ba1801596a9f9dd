"""The RPPS importer: the public ``PS_LibreAcces_Personne_activite`` extract into the store.

One line of the extract is one activity of one practitioner at one practice site.
For each line of an imported profession in Île-de-France the importer upserts the
practitioner, the practice site (EG, with its EJ) and creates the practitioner's
unit (UO) there when absent. A re-import refreshes what comes from the RPPS and
never touches what practitioners entered in their units.

Where the extract has no coordinates: the EG is placed at its commune's reference
point, moved by up to ``JITTER_METRES`` in a direction and distance derived from a
hash of the EG id. It is deterministic (a re-import gives the same point, so it
changes nothing), and the practices of one commune are spread around the town
hall instead of being stacked on one point, which would make distance sorting and
map display meaningless inside a commune.

Leavers and movers. A line is an activity: (practitioner, site), whose UO is
``UO-<RPPS>-<site key>``. Any import that lists the activity of an ended UO brings it
back (``ended_at`` cleared, its sheet as it was). Only an import declared complete
(``complete=True``, ``ror import-rpps --complete``) ends UOs, and only within what the
extract shows it covers:

- UOs derived from an RPPS activity (``UO-<owner RPPS>-…``) of the imported professions;
- at a site of a department where the extract has at least one kept line (a file of
  one department, even declared complete, says nothing of the others; an empty file
  says nothing at all);
- of a practitioner no bad line of the file names (that line may be the very activity).

Such a UO whose activity the extract no longer lists gets ``ended_at``: it stays in
the store, leaves the index and the public reads, and the change is audited. When an
old site of a practitioner ends while the extract lists them at a site whose sheet is
still blank (as an import makes it: a new site, created by this import or by an
earlier partial one), it is a move: that UO gets the sheet of the old one (the most
recently updated, if several ended). Listed at the old site and at the new one, it is
a second site: nothing ended, nothing copied.
"""
from __future__ import annotations

import hashlib
import math
import re
import time
from collections.abc import Callable, Collection, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from functools import lru_cache
from pathlib import Path
from typing import NamedTuple

from catalog import audit, repository
from catalog.communes import DEPARTMENTS, Commune, communes
from catalog.identifiers import validate_rpps
from catalog.nomenclature import nomenclature
from catalog.phone import normalize_phone
from catalog.store import Store, enqueue_units, iso, utcnow

__all__ = [
    "EXTRACT_COLUMNS",
    "LEGACY_COLUMNS",
    "BadLine",
    "ImportSummary",
    "Move",
    "RppsFormatError",
    "RppsLine",
    "extract_header",
    "format_extract_line",
    "format_summary",
    "french_number",
    "import_extract",
    "jittered_point",
    "normalize_phone_fast",
    "read_extract",
]

# Lines per transaction. Index inserts land on random pages, so each commit rewrites
# many pages; 20,000 lines amortise that (~1 s of write lock) and are 30 % faster
# than 5,000 on a million-line extract.
BATCH_LINES = 20_000
PROGRESS_EVERY = 5_000
MAX_BAD_LINES_KEPT = 100
MAX_UNITS_LISTED = 100       # ended / reactivated / moved units printed by the report, each list
MAX_LINE_CHARS = 64 * 1024     # a real line is under 1 KiB, the header under 3 KiB
JITTER_METRES = 400.0
RPPS_ID_TYPE = "8"
PARIS_CITY_CODE = "75056"    # the whole-city code; the communes reference has the arrondissements
_SQL_CHUNK = 900             # ids per "IN (...)" query, under SQLite's variable limit

# Skip reasons carried by RppsLine.skipped.
SKIP_PROFESSION = "profession"
SKIP_REGION = "region"
SKIP_NO_SITE = "no_site"

# The current header, in order (the 52-column layout is its first 52 columns).
EXTRACT_COLUMNS = (
    "Type d'identifiant PP", "Identifiant PP", "Identification nationale PP",
    "Code civilité d'exercice", "Libellé civilité d'exercice", "Code civilité", "Libellé civilité",
    "Nom d'exercice", "Prénom d'exercice", "Code profession", "Libellé profession",
    "Code catégorie professionnelle", "Libellé catégorie professionnelle",
    "Code type savoir-faire", "Libellé type savoir-faire", "Code savoir-faire", "Libellé savoir-faire",
    "Code mode exercice", "Libellé mode exercice", "Numéro SIRET site", "Numéro SIREN site",
    "Numéro FINESS site", "Numéro FINESS établissement juridique", "Identifiant technique de la structure",
    "Raison sociale site", "Enseigne commerciale site", "Complément destinataire (coord. structure)",
    "Complément point géographique (coord. structure)", "Numéro Voie (coord. structure)",
    "Indice répétition voie (coord. structure)", "Code type de voie (coord. structure)",
    "Libellé type de voie (coord. structure)", "Libellé Voie (coord. structure)",
    "Mention distribution (coord. structure)", "Bureau cedex (coord. structure)",
    "Code postal (coord. structure)", "Code commune (coord. structure)", "Libellé commune (coord. structure)",
    "Code pays (coord. structure)", "Libellé pays (coord. structure)", "Téléphone (coord. structure)",
    "Téléphone 2 (coord. structure)", "Télécopie (coord. structure)", "Adresse e-mail (coord. structure)",
    "Code Département (structure)", "Libellé Département (structure)", "Ancien identifiant de la structure",
    "Autorité d'enregistrement", "Code secteur d'activité", "Libellé secteur d'activité",
    "Code section tableau pharmaciens", "Libellé section tableau pharmaciens",
    "Code rôle", "Libellé rôle", "Code genre activité", "Libellé genre activité",
)
LEGACY_COLUMNS = EXTRACT_COLUMNS[:52]   # files up to December 2021

# RppsLine attribute -> column name (exact, as in both layouts); all are required.
_COLUMNS = {
    "id_type": "Type d'identifiant PP",
    "identifier": "Identifiant PP",
    "civility_practice": "Libellé civilité d'exercice",
    "civility_label": "Libellé civilité",
    "last_name": "Nom d'exercice",
    "first_name": "Prénom d'exercice",
    "profession": "Code profession",
    "profession_label": "Libellé profession",
    "structure_id": "Identifiant technique de la structure",
    "company_name": "Raison sociale site",
    "trade_name": "Enseigne commerciale site",
    "street_number": "Numéro Voie (coord. structure)",
    "street_repetition": "Indice répétition voie (coord. structure)",
    "street_type": "Libellé type de voie (coord. structure)",
    "street_name": "Libellé Voie (coord. structure)",
    "postal_code": "Code postal (coord. structure)",
    "insee": "Code commune (coord. structure)",
    "phone": "Téléphone (coord. structure)",
    "sector": "Code secteur d'activité",
    "siren": "Numéro SIREN site",
    "finess_ej": "Numéro FINESS établissement juridique",
}


class RppsFormatError(ValueError):
    """The input is not an RPPS extract (its header lacks required columns)."""


class BadLine(NamedTuple):
    line_number: int
    reason: str                  # French, shown to the management cell
    identifier: str = ""         # the practitioner it seems to name, if any: a complete import spares them


class RppsLine(NamedTuple):
    """One line of the extract, values stripped; ``skipped`` says why it is not imported."""

    line_number: int
    id_type: str
    identifier: str
    civility_practice: str
    civility_label: str
    last_name: str
    first_name: str
    profession: str
    profession_label: str
    structure_id: str
    company_name: str
    trade_name: str
    street_number: str
    street_repetition: str
    street_type: str
    street_name: str
    postal_code: str
    insee: str
    phone: str
    sector: str
    siren: str
    finess_ej: str
    skipped: str | None = None   # None, SKIP_PROFESSION, SKIP_REGION or SKIP_NO_SITE

    @property
    def civility(self) -> str:
        return self.civility_practice or self.civility_label

    @property
    def full_name(self) -> str:
        return " ".join(part for part in (self.first_name, self.last_name) if part)

    @property
    def address(self) -> str:
        """"12 B rue de la Paix": number, repetition index, street type, street name."""
        parts = (self.street_number, self.street_repetition, self.street_type.lower(), self.street_name)
        return " ".join(part for part in parts if part)


# read_extract fills RppsLine positionally from _COLUMNS.
assert tuple(_COLUMNS) == RppsLine._fields[1:-1]


# --- reading and writing lines -----------------------------------------------------

def format_extract_line(values: Mapping[str, str], columns: Sequence[str] = EXTRACT_COLUMNS) -> str:
    """One line as the ANS writes it (no newline): values by column name, a trailing '|'."""
    return "|".join(values.get(column, "") for column in columns) + "|"


def extract_header(columns: Sequence[str] = EXTRACT_COLUMNS) -> str:
    return "|".join(columns) + "|"


def _header_columns(header: str) -> tuple[dict[str, int], int]:
    """Column index by name and the number of fields every line must split into."""
    fields = header.split("|")
    names = [name.strip() for name in fields]
    missing = [column for column in _COLUMNS.values() if column not in names]
    if missing:
        hint = " (le fichier n'est pas en UTF-8 ?)" if "\ufffd" in header else ""
        shown = ", ".join(f"« {name} »" for name in missing[:5]) + (" …" if len(missing) > 5 else "")
        raise RppsFormatError(
            f"Ce fichier n'est pas une extraction RPPS (PS_LibreAcces_Personne_activite){hint} : "
            f"{len(missing)} colonne(s) attendue(s) absente(s) de l'en-tête : {shown}."
        )
    return {name: index for index, name in enumerate(names) if name}, len(fields)


def _place(insee: str, postal_code: str) -> tuple[Commune | None, str | None, str | None]:
    """(commune, skip reason, French error) of a site's commune code: exactly one is set."""
    if not insee:
        return None, SKIP_NO_SITE, None
    if insee == PARIS_CITY_CODE and len(postal_code) == 5 and postal_code.startswith("750"):
        # Paris may come as the whole city; its postal code names the arrondissement.
        insee = "751" + postal_code[3:]
    commune = communes().get(insee)
    if commune is not None:
        return commune, None, None
    if len(insee) != 5 or not insee.isascii() or not insee.isalnum():
        return None, None, f"code commune invalide : « {insee} »"
    if insee[:2] in DEPARTMENTS:
        return None, None, f"code commune inconnu en Île-de-France : {insee}"
    return None, SKIP_REGION, None


def read_extract(lines: Iterable[str], *, professions: Collection[str] | None = None) -> Iterator[RppsLine | BadLine]:
    """Parse an extract (header matched by name); yield one RppsLine or BadLine per data line.

    Lines of a profession outside ``professions`` (None = all) and lines outside
    Île-de-France come back with ``skipped`` set and are not checked further: what
    is wrong in them is not ours to report. Blank lines are ignored. Raises
    RppsFormatError when the header is not an RPPS header.
    """
    iterator = iter(lines)
    header = next(iterator, None)
    if header is None:
        raise RppsFormatError("Le fichier est vide : aucune ligne d'en-tête RPPS.")
    header = header.lstrip("\ufeff").rstrip("\r\n")
    index, width = _header_columns(header)
    columns = width - header.endswith("|")
    positions = [index[column] for column in _COLUMNS.values()]
    identifier_at = index[_COLUMNS["identifier"]]
    wanted = None if professions is None else frozenset(professions)
    for line_number, raw in enumerate(iterator, start=2):
        text = raw.rstrip("\r\n")
        if not text.strip():
            continue
        parts = text.split("|")
        # The identifier is the second column: even a line split wrongly further on still names it.
        named = parts[identifier_at].strip() if len(parts) > identifier_at else ""
        if len(parts) != width:
            # Counted as people count them: the trailing '|' closes the last column.
            found = len(parts) - text.endswith("|")
            yield BadLine(line_number, f"nombre de colonnes incorrect : {found} au lieu de {columns}", named)
            continue
        if "\ufffd" in text:
            yield BadLine(line_number, "caractères illisibles (le fichier n'est pas en UTF-8 ?)", named)
            continue
        if "\x00" in text:   # PostgreSQL's text cannot hold it: the line is refused on both stores alike
            yield BadLine(line_number, "caractère nul (\\0) dans la ligne", named)
            continue
        line = RppsLine(line_number, *[parts[at].strip() for at in positions])
        if wanted is not None and line.profession not in wanted:
            yield line._replace(skipped=SKIP_PROFESSION)
            continue
        commune, skip, error = _place(line.insee, line.postal_code)
        if error:
            yield BadLine(line_number, error, line.identifier)
            continue
        if skip:
            yield line._replace(skipped=skip)
            continue
        if not line.identifier:
            yield BadLine(line_number, "identifiant du professionnel absent")
            continue
        if line.id_type == RPPS_ID_TYPE:
            try:
                validate_rpps(line.identifier)
            except ValueError as error:
                yield BadLine(line_number, f"{str(error).rstrip('.')} : {line.identifier}", line.identifier)
                continue
        if not line.last_name:
            yield BadLine(line_number, "nom d'exercice absent", line.identifier)
            continue
        yield line if commune.insee == line.insee else line._replace(insee=commune.insee)


# --- what one line becomes -----------------------------------------------------------

def site_key(line: RppsLine) -> str:
    """The EG key: the RPPS structure id, else a stable hash of the address and the practitioner."""
    if line.structure_id:
        return line.structure_id
    basis = "|".join((line.identifier, line.address, line.postal_code, line.insee))
    return "H" + hashlib.blake2b(basis.encode(), digest_size=8).hexdigest()


def jittered_point(eg_id: str, lat: float, lon: float, radius_m: float = JITTER_METRES) -> tuple[float, float]:
    """The commune point moved up to ``radius_m``, uniformly over the disc, by a hash of ``eg_id``."""
    digest = hashlib.blake2b(eg_id.encode(), digest_size=8).digest()
    distance = radius_m * math.sqrt(int.from_bytes(digest[:4], "big") / 2**32)
    angle = 2 * math.pi * int.from_bytes(digest[4:], "big") / 2**32
    metres_per_degree = 111_320.0
    d_lat = distance * math.cos(angle) / metres_per_degree
    d_lon = distance * math.sin(angle) / (metres_per_degree * math.cos(math.radians(lat)))
    return round(lat + d_lat, 6), round(lon + d_lon, 6)


_FINESS = re.compile(r"(?:[0-9]{2}|2A|2B)[0-9]{7}")   # department (2A, 2B in Corsica) + 7 digits
_SIREN = re.compile(r"[0-9]{9}")
_NATIONAL_NUMBER = re.compile(r"0[1-9](?: ?[0-9]{2}){4}")   # "0139123456", "01 39 12 34 56"


@lru_cache(maxsize=200_000)   # France has fewer allocated blocks than that
def _block_is_valid(block: str, mobile: bool) -> bool:
    try:
        normalize_phone(block + "0000", mobile=mobile)
    except ValueError:
        return False
    return True


def normalize_phone_fast(text: str, *, mobile: bool = False) -> str:
    """normalize_phone, with the same results, for bulk imports.

    ARCEP allocates French numbers in blocks of 10,000 (0Z ABPQ MCDU) and the
    numbering plan's validity and mobile ranges are whole blocks, so a plain
    national number is checked once per block: phonenumbers costs ~40 µs a call,
    too much per line. Anything else, and any refusal, goes to normalize_phone.
    """
    if isinstance(text, str) and _NATIONAL_NUMBER.fullmatch(text):
        digits = text.replace(" ", "")
        if _block_is_valid(digits[:6], bool(mobile)):
            return "+33" + digits[1:]
    return normalize_phone(text, mobile=mobile)


def rpps_phone(raw: str) -> str | None:
    """E.164 when the RPPS phone is valid; an invalid one is dropped rather than shown."""
    if not raw:
        return None
    try:
        return normalize_phone_fast(raw)
    except ValueError:
        return None


def establishment_of(line: RppsLine, commune: Commune) -> dict:
    """The EG record (repository.ESTABLISHMENT_FIELDS + id) for the site of this line."""
    key = site_key(line)
    eg_id = f"EG-{key}"
    lat, lon = jittered_point(eg_id, commune.lat, commune.lon)
    return {
        "id": eg_id,
        "ej_id": f"EJ-{key}",
        "name": line.trade_name or line.company_name or f"Cabinet de {line.full_name}",
        "category": "LIBERAL",
        "sector": line.sector or None,
        "address": line.address,
        "postal_code": line.postal_code or commune.postal_code,
        "insee": commune.insee,
        "lat": lat,
        "lon": lon,
        "phone": rpps_phone(line.phone),
        "source": "rpps",
        # The EJ's identifiers and address (an identifier the extract garbles is left out).
        "ej": {"finess": line.finess_ej if _FINESS.fullmatch(line.finess_ej) else None,
               "siren": line.siren if _SIREN.fullmatch(line.siren) else None,
               "address": line.address, "postal_code": line.postal_code or commune.postal_code,
               "insee": commune.insee},
    }


def practitioner_of(line: RppsLine) -> dict:
    return {
        "rpps": line.identifier,
        "civility": line.civility,
        "last_name": line.last_name,
        "first_name": line.first_name,
        "profession": line.profession,
    }


def liberal_unit_type(profession: str) -> dict | None:
    """The UO type of a liberal practice of this profession (CONSULT_KINE for 70), if any."""
    for unit_type in nomenclature().uo_types.values():
        if unit_type["profession"] == profession and unit_type["category"] == "LIBERAL":
            return unit_type
    return None


# --- the import ---------------------------------------------------------------------

class Move(NamedTuple):
    """A practitioner gone from one site and new at another: the sheet went along."""

    rpps: str
    from_unit: str
    to_unit: str


@dataclass
class ImportSummary:
    complete: bool = False       # declared complete for the region: absent activities were ended
    lines_read: int = 0
    practitioners_created: int = 0
    practitioners_updated: int = 0
    establishments_created: int = 0
    establishments_updated: int = 0
    units_created: int = 0
    skipped_outside_region: int = 0
    skipped_other_professions: int = 0
    skipped_without_site: int = 0
    skipped_without_unit_type: int = 0
    bad_line_count: int = 0
    bad_lines: list[BadLine] = field(default_factory=list)   # the first MAX_BAD_LINES_KEPT
    units_reactivated: list[str] = field(default_factory=list)
    units_ended: list[str] = field(default_factory=list)
    moves: list[Move] = field(default_factory=list)
    units_spared: list[str] = field(default_factory=list)   # absent, but a bad line names their practitioner
    departments: list[str] = field(default_factory=list)    # where the extract has kept lines (a complete import's scope)
    seconds: float = 0.0

    @property
    def lines_per_second(self) -> float:
        return self.lines_read / self.seconds if self.seconds else 0.0

    def add_bad_line(self, bad: BadLine) -> None:
        self.bad_line_count += 1
        if len(self.bad_lines) < MAX_BAD_LINES_KEPT:
            self.bad_lines.append(bad)


@dataclass
class _Run:
    """What this run already handled: the first line of a site or a practitioner wins."""

    practitioners: set[str] = field(default_factory=set)
    establishments: set[str] = field(default_factory=set)
    units: set[str] = field(default_factory=set)
    departments: set[str] = field(default_factory=set)
    named_by_bad_lines: set[str] = field(default_factory=set)


@contextmanager
def _opened(source: str | Path | Iterable[str]) -> Iterator[Iterable[str]]:
    if isinstance(source, (str, Path)):
        # Undecodable bytes become U+FFFD and the line is reported, not the whole file lost.
        with open(source, encoding="utf-8", errors="replace", newline="") as handle:
            yield _bounded_lines(handle)
    else:
        yield source


def _bounded_lines(handle, limit: int = MAX_LINE_CHARS) -> Iterator[str]:
    """The file's lines, none longer than ``limit``: memory stays bounded whatever the file.

    A longer line (a file that is not an extract, without line breaks) is cut, its
    rest skipped: cut, it has the wrong number of columns and is reported as such.
    """
    while True:
        line = handle.readline(limit)
        if not line:
            return
        if len(line) >= limit and not line.endswith(("\n", "\r")):
            while True:
                rest = handle.readline(limit)
                if not rest or rest.endswith(("\n", "\r")):
                    break
        yield line


def import_extract(
    store: Store,
    source: str | Path | Iterable[str],
    *,
    professions: Collection[str] = ("70",),
    actor: str = "rpps-import",
    progress: Callable[[int], None] | None = None,
    now: datetime | None = None,
    complete: bool = False,
) -> ImportSummary:
    """Import an extract (a path or its lines) into ``store``; bad lines never stop it.

    Commits every BATCH_LINES kept lines. ``progress`` is called with the number of
    lines read since its previous call (tqdm's ``update`` fits). ``complete``: the
    extract lists every activity of these professions in the region, so a UO whose
    activity it no longer lists is ended (the rule and its scope: the module's doc).
    """
    started = time.perf_counter()
    now = now or utcnow()
    unit_types = {profession: liberal_unit_type(profession) for profession in professions}
    summary = ImportSummary(complete=complete)
    run = _Run()
    batch: list[RppsLine] = []
    unreported = 0
    with _opened(source) as lines, store.bulk_session() as transaction:
        for item in read_extract(lines, professions=professions):
            summary.lines_read += 1
            unreported += 1
            if isinstance(item, BadLine):
                summary.add_bad_line(item)
                if item.identifier:
                    run.named_by_bad_lines.add(item.identifier)
            elif item.skipped == SKIP_PROFESSION:
                summary.skipped_other_professions += 1
            elif item.skipped == SKIP_REGION:
                summary.skipped_outside_region += 1
            elif item.skipped == SKIP_NO_SITE:
                summary.skipped_without_site += 1
            elif unit_types[item.profession] is None:
                summary.skipped_without_unit_type += 1
            else:
                batch.append(item)
                if len(batch) >= BATCH_LINES:
                    _write_batch(transaction, batch, unit_types, run, summary, actor, now)
                    batch = []
            if progress is not None and unreported >= PROGRESS_EVERY:
                progress(unreported)
                unreported = 0
        if batch:
            _write_batch(transaction, batch, unit_types, run, summary, actor, now)
        if complete:
            with transaction() as conn:
                _end_absent_activities(conn, list(professions), run, summary, actor, now)
    summary.departments = sorted(run.departments)
    if progress is not None and unreported:
        progress(unreported)
    summary.seconds = time.perf_counter() - started
    return summary


def _existing_rows(conn, table: str, key: str, columns: str, ids: list[str]) -> dict[str, dict]:
    found: dict[str, dict] = {}
    for start in range(0, len(ids), _SQL_CHUNK):
        chunk = ids[start:start + _SQL_CHUNK]
        marks = ", ".join("?" for _ in chunk)
        for row in conn.execute(f"SELECT {columns} FROM {table} WHERE {key} IN ({marks})", chunk):
            found[row[key]] = dict(row)
    return found


def _write_batch(transaction, batch: list[RppsLine], unit_types: dict, run: _Run, summary: ImportSummary, actor: str, now: datetime) -> None:
    """One transaction: practitioners, then sites (EJ + EG), then the new units."""
    places = communes()
    practitioners: dict[str, dict] = {}
    sites: dict[str, dict] = {}
    units: dict[str, tuple[RppsLine, str]] = {}
    for line in batch:
        if line.identifier not in run.practitioners:
            run.practitioners.add(line.identifier)
            practitioners[line.identifier] = practitioner_of(line)
        key = site_key(line)
        eg_id = f"EG-{key}"
        if eg_id not in run.establishments:
            run.establishments.add(eg_id)
            sites[eg_id] = establishment_of(line, places[line.insee])
        unit_id = f"UO-{line.identifier}-{key}"
        if unit_id not in run.units:
            run.units.add(unit_id)
            units[unit_id] = (line, eg_id)
            run.departments.add(places[line.insee].department)

    with transaction() as conn:
        _write_practitioners(conn, practitioners, summary, now)
        _write_establishments(conn, sites, summary, actor, now)
        _write_units(conn, units, unit_types, run, summary, actor, now)


def _write_practitioners(conn, practitioners: dict[str, dict], summary: ImportSummary, now: datetime) -> None:
    existing = _existing_rows(conn, "practitioners", "rpps", "rpps, civility, last_name, first_name, profession", list(practitioners))
    stamp = iso(now)
    new = [p for rpps, p in practitioners.items() if rpps not in existing]
    conn.executemany(
        "INSERT INTO practitioners (rpps, civility, last_name, first_name, profession, updated_at) VALUES (?, ?, ?, ?, ?, ?)",
        [(p["rpps"], p["civility"], p["last_name"], p["first_name"], p["profession"], stamp) for p in new],
    )
    summary.practitioners_created += len(new)
    renamed: list[str] = []
    for rpps, current in existing.items():
        wanted = practitioners[rpps]
        if current == wanted:
            continue
        repository.upsert_practitioner(conn, wanted, now)
        summary.practitioners_updated += 1
        name = " ".join(part for part in (wanted["first_name"], wanted["last_name"]) if part)
        conn.execute("UPDATE resource_persons SET name = ? WHERE source = 'rpps' AND rpps = ?", (name, rpps))
        renamed.append(rpps)
    if renamed:
        # Names reach the index through the units' resource persons: re-queue them.
        unit_ids = [r["id"] for rpps in renamed for r in conn.execute("SELECT id FROM units WHERE owner_rpps = ?", (rpps,))]
        repository.touch_units(conn, unit_ids, now)


def _write_establishments(conn, sites: dict[str, dict], summary: ImportSummary, actor: str, now: datetime) -> None:
    existing = _existing_rows(conn, "establishments", "id", "id", list(sites))
    stamp = iso(now)
    fields = repository.ESTABLISHMENT_FIELDS
    new = [eg for eg_id, eg in sites.items() if eg_id not in existing]
    # A new site's EJ is new too (one per site); an existing site's EJ is upserted below.
    conn.executemany(
        "INSERT INTO legal_entities (id, name, kind, updated_at) VALUES (?, ?, 'practitioner', ?) ON CONFLICT(id) DO NOTHING",
        [(eg["ej_id"], eg["name"], stamp) for eg in new],
    )
    for eg_id in existing:
        eg = sites[eg_id]
        repository.upsert_legal_entity(conn, eg["ej_id"], eg["name"], "practitioner", now)
    for eg in sites.values():
        repository.set_legal_entity_identity(conn, eg["ej_id"], **eg["ej"])
    conn.executemany(
        f"INSERT INTO establishments (id, {', '.join(fields)}, updated_at) VALUES (?, {', '.join('?' for _ in fields)}, ?)",
        [(eg["id"], *(eg[f] for f in fields), stamp) for eg in new],
    )
    summary.establishments_created += len(new)
    for eg_id in existing:
        # Compares, audits and re-queues the site's units when the RPPS address changed.
        if repository.upsert_establishment(conn, sites[eg_id], actor, now):
            summary.establishments_updated += 1


def _write_units(conn, units: dict[str, tuple[RppsLine, str]], unit_types: dict, run: _Run, summary: ImportSummary,
                 actor: str, now: datetime) -> None:
    existing = _existing_rows(conn, "units", "id", "id, ended_at", list(units))
    professions = nomenclature().professions
    stamp = iso(now)
    new_units = []
    persons = []
    # Listed again: an ended unit comes back as it was (any import proves the activity exists).
    back = sorted(unit_id for unit_id, row in existing.items() if row["ended_at"] is not None)
    repository.reactivate_units(conn, back, actor=actor, now=now)
    summary.units_reactivated += back
    for unit_id, (line, eg_id) in units.items():
        if unit_id in existing:
            continue    # what the practitioner entered is theirs: never overwritten
        unit_type = unit_types[line.profession]
        new_units.append((unit_id, eg_id, unit_type["code"], unit_type["label"], line.profession, line.identifier,
                          stamp, stamp))
        role = professions.get(line.profession, {}).get("label") or line.profession_label
        persons.append((unit_id, "rpps", line.identifier, line.full_name, role))
    # The editable fields are left to the table defaults ('[]', '{}', 0, ''), which are
    # what repository.insert_units writes for an empty sheet, without encoding 17
    # fields per unit; revision 1 and one outbox row each, as insert_units does.
    conn.executemany(
        "INSERT INTO units (id, eg_id, uo_type, name, profession, owner_rpps, revision, created_at, updated_at) "
        "VALUES (?, ?, ?, ?, ?, ?, 1, ?, ?)",
        new_units,
    )
    enqueue_units(conn, [(unit[0], 1) for unit in new_units], now)
    summary.units_created += len(new_units)
    conn.executemany(
        "INSERT INTO resource_persons (unit_id, source, rpps, name, role) VALUES (?, ?, ?, ?, ?)",
        persons,
    )


def _end_absent_activities(conn, professions: list[str], run: _Run, summary: ImportSummary, actor: str,
                           now: datetime) -> None:
    """After a complete import: end the UOs in its scope whose activity it no longer lists; carry moves."""
    if not run.departments:
        return      # nothing kept: the file covers no department, whatever it claims
    department_of = {insee: commune.department for insee, commune in communes().items()}
    marks = ", ".join("?" for _ in professions)
    rows = conn.execute(
        f"""SELECT u.id, u.owner_rpps, u.updated_at, e.insee FROM units u JOIN establishments e ON e.id = u.eg_id
            WHERE u.ended_at IS NULL AND u.owner_rpps IS NOT NULL AND u.profession IN ({marks})""",
        professions,
    ).fetchall()
    left: dict[str, list] = {}
    for row in rows:
        if (row["id"] in run.units or not row["id"].startswith(f"UO-{row['owner_rpps']}-")
                or department_of.get(row["insee"]) not in run.departments):
            continue
        if row["owner_rpps"] in run.named_by_bad_lines:
            summary.units_spared.append(row["id"])
            continue
        left.setdefault(row["owner_rpps"], []).append(row)
    ended = sorted(row["id"] for rows_of in left.values() for row in rows_of)
    repository.end_units(conn, ended, actor=actor, now=now)
    summary.units_ended += ended
    for rpps in sorted(left):
        # The sheet the practitioner kept up to date last is the one they would carry.
        source = max(left[rpps], key=lambda row: (row["updated_at"], row["id"]))["id"]
        for new_id in _blank_sites(conn, rpps, run.units):
            repository.carry_over_sheet(conn, source, new_id, actor=actor, now=now)
            audit.record(conn, actor, "UO", new_id, "moved_from", now, new=source)
            summary.moves.append(Move(rpps, source, new_id))
    summary.units_spared.sort()


#: An editable field as an import writes it (the table defaults): a sheet nobody filled in.
_BLANK_SHEET = {"phone": None, "mobile": None, "aptitudes": [], "age_min": None, "age_max": None, "home_visit": False,
                "home_visit_communes": [], "week": {}, "open_on_holidays": False, "comments": ""}
assert set(_BLANK_SHEET) == set(repository.EDITABLE_UNIT_FIELDS)


def _blank_sites(conn, rpps: str, listed: set[str]) -> list[str]:
    """The practitioner's active units the extract lists whose sheet is still blank: where a mover went."""
    found = []
    for unit in repository.units_of_owner(conn, rpps):
        if unit["id"] in listed and unit["ended_at"] is None \
                and all(unit[f] == _BLANK_SHEET[f] for f in _BLANK_SHEET) \
                and not any(p["source"] == "added" for p in repository.resource_persons(conn, unit["id"])):
            found.append(unit["id"])
    return found


# --- report -------------------------------------------------------------------------

def french_number(value: float, decimals: int = 0) -> str:
    """French number formatting: narrow no-break space for thousands, comma for decimals."""
    text = f"{value:,.{decimals}f}"
    return text.replace(",", "\u202f").replace(".", ",")


def format_summary(summary: ImportSummary) -> str:
    """The import report in French, as the CLI prints it."""
    lines = [
        f"Import RPPS terminé en {french_number(summary.seconds, 1)} s ({french_number(summary.lines_per_second)} lignes/s).",
        f"  Lignes lues : {french_number(summary.lines_read)}",
        f"  Praticiens : {french_number(summary.practitioners_created)} créés, {french_number(summary.practitioners_updated)} mis à jour",
        f"  Lieux d'exercice (EG) : {french_number(summary.establishments_created)} créés, {french_number(summary.establishments_updated)} mis à jour",
        f"  Unités (UO) créées : {french_number(summary.units_created)}",
        "  Lignes ignorées : "
        f"{french_number(summary.skipped_outside_region)} hors Île-de-France, "
        f"{french_number(summary.skipped_other_professions)} d'autres professions, "
        f"{french_number(summary.skipped_without_site)} sans lieu d'exercice",
    ]
    if summary.skipped_without_unit_type:
        lines.append(f"  Lignes ignorées faute de type d'UO pour leur profession : {french_number(summary.skipped_without_unit_type)}")
    lines.append(f"  Lignes en erreur : {french_number(summary.bad_line_count)}")
    for bad in summary.bad_lines:
        lines.append(f"    ligne {french_number(bad.line_number)} : {bad.reason}")
    if summary.bad_line_count > len(summary.bad_lines):
        lines.append(f"    … et {french_number(summary.bad_line_count - len(summary.bad_lines))} autres lignes en erreur")
    lines += _listed("Unités (UO) réactivées (activité de retour dans l'extraction)", summary.units_reactivated)
    if summary.complete:
        scope = ", ".join(summary.departments) or "aucun"
        lines.append(f"  Extraction complète : départements couverts {scope}")
        lines += _listed("Unités (UO) fermées (activité absente de l'extraction)", summary.units_ended)
        lines += _listed("Déménagements (fiche reportée sur le nouveau lieu)",
                         [f"{move.from_unit} → {move.to_unit}" for move in summary.moves])
        if summary.units_spared:
            lines += _listed("Unités (UO) gardées : une ligne en erreur nomme leur praticien", summary.units_spared)
    else:
        lines.append("  Extraction partielle : aucune unité fermée (--complete pour une extraction complète de la région)")
    return "\n".join(lines)


def _listed(title: str, items: list[str]) -> list[str]:
    """« title : N » then the first MAX_UNITS_LISTED items, one a line."""
    lines = [f"  {title} : {french_number(len(items))}"]
    lines += [f"    {item}" for item in items[:MAX_UNITS_LISTED]]
    if len(items) > MAX_UNITS_LISTED:
        lines.append(f"    … et {french_number(len(items) - MAX_UNITS_LISTED)} autres")
    return lines
