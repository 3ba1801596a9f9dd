"""Relevance of phrase understanding: ``python -m bench.relevance`` (also ``./ror bench relevance``).

Each judged query of ``tests/relevance/judged.jsonl`` is a phrase as a GP, a nurse,
a social worker or a patient types it (``q`` alone, or ``what`` with a ``where`` as
the search page sends them, or a place typed in « Où ? »), with its expected
structured reading written by hand as the API's own parameters (``where``,
``aptitude``, ``age``, ``home_visit``, ``open_now``, ``profession``, the words left
as ``q`` / ``what`` text). The phrase and its structured reading both go through
``GET /api/v1/search``; a query succeeds when the phrase was read as expected and
gives exactly the structured search's first page and totals.

Figures: success rate; precision@10 (share of the phrase's first 10 units that are
in the structured search's whole result set); zero-result rate (phrases that find
nothing), and how many of those had a structured reading with results (must be 0).

The test (tests/relevance/test_judged_queries.py) and this command use the same
functions, so they cannot disagree. The command generates the test suite's demo
data set (``catalog.demo``, 1,500 physiotherapists, seed 7) once under
/tmp/ror-relevance, indexes it under its own prefix on the local node and runs
every judged query through the real API app with a fixed clock (a Monday, 10:00).
"""
from __future__ import annotations

import argparse
import dataclasses
import hashlib
import json
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

JUDGED_PATH = Path(__file__).resolve().parent.parent / "tests" / "relevance" / "judged.jsonl"
TYPISTS = ("gp", "nurse", "social_worker", "patient")
CLOCK = "2026-11-30T10:00:00+01:00"        # a Monday, 10:00 in Paris: « ouvert maintenant » means something
DEMO_PHYSIOS, DEMO_SEED = 1500, 7          # the test suite's demo_index (tests/conftest.py)
WORK_DIR = Path("/tmp/ror-relevance")
SUCCESS_TARGET = 0.95
TOP = 10
PAGE_SIZE = 100                            # the API's largest page, to read a whole result set

# The structured parameters a judged query may expect (lists for aptitude and age).
STRUCTURED = ("where", "aptitude", "age", "home_visit", "open_now", "profession", "q", "what")


# --- the judged queries -----------------------------------------------------------------

@dataclass(frozen=True)
class Judged:
    line: int
    who: str
    q: str | None = None               # the phrase in the one box (or « Quoi ? » sent as q)
    what: str | None = None            # the phrase in « Quoi ? »
    where: str | None = None           # a ``where`` chosen in « Où ? » (sent as is)
    where_typed: str | None = None     # text typed in « Où ? », resolved as the search page does
    expect: dict = field(default_factory=dict)
    notes_include: tuple[str, ...] = ()

    @property
    def phrase(self) -> str:
        said = [f"q={self.q!r}" if self.q else "", f"what={self.what!r}" if self.what else "",
                f"where={self.where!r}" if self.where else "", f"Où={self.where_typed!r}" if self.where_typed else ""]
        return " ".join(s for s in said if s)


def load_judged(path: Path = JUDGED_PATH) -> list[Judged]:
    """The judged queries, one JSON object a line (blank lines and ``//`` comments skipped)."""
    cases = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip() or line.lstrip().startswith("//"):
            continue
        raw = json.loads(line)
        unknown = set(raw) - {"who", "q", "what", "where", "where_typed", "expect", "notes_include"}
        unknown |= set(raw.get("expect", {})) - set(STRUCTURED)
        if unknown or raw.get("who") not in TYPISTS or not (raw.get("q") or raw.get("what") or raw.get("where_typed")):
            raise ValueError(f"{path}:{number}: not a judged query ({sorted(unknown) or raw})")
        cases.append(Judged(number, raw["who"], raw.get("q"), raw.get("what"), raw.get("where"), raw.get("where_typed"),
                            raw.get("expect", {}), tuple(raw.get("notes_include", ()))))
    return cases


def _pairs(params: dict) -> list[tuple[str, str]]:
    out = []
    for key, value in params.items():
        for v in (value if isinstance(value, list) else [value]):
            out.append((key, "true" if v is True else str(v)))
    return out


def phrase_params(case: Judged, resolve_where: Callable[[str], str | None]) -> list[tuple[str, str]]:
    """What the search page sends for the phrase; ``resolve_where`` reads text typed in « Où ? »."""
    params = {}
    if case.q:
        params["q"] = case.q
    if case.what:
        params["what"] = case.what
    where = case.where or (resolve_where(case.where_typed) if case.where_typed else None)
    if where:
        params["where"] = where
    return _pairs(params)


def structured_params(case: Judged) -> list[tuple[str, str]]:
    """The expected structured reading as the API's parameters."""
    return _pairs({k: case.expect[k] for k in STRUCTURED if case.expect.get(k) not in (None, False, "", [])})


def _place_of(where: str) -> dict:
    if where.startswith("dep:"):
        return {"type": "department", "id": where[4:]}
    if where.startswith("cp:"):
        return {"type": "postal_code", "id": where[3:]}
    return {"type": "commune", "id": where}


def expected_understood(case: Judged) -> dict:
    """What ``understood`` must say: the structured reading, its place only when the phrase named it."""
    e = case.expect
    phrase_place = e.get("where") and not case.where and not case.where_typed
    profession = e.get("profession")
    return {
        "place": _place_of(e["where"]) if phrase_place else None,
        "aptitudes": sorted(e.get("aptitude", [])),
        "patients": sorted(e.get("age", [])),
        "home_visit": True if e.get("home_visit") else None,
        "open_now": bool(e.get("open_now")),
        "profession": (profession[0] if isinstance(profession, list) else profession) if profession else None,
        "text": e.get("q") or e.get("what") or "",
    }


def reading_differences(case: Judged, understood: dict | None, sent_where: str | None) -> list[str]:
    """How the phrase's reading differs from the judged one (empty: read as judged)."""
    wanted = expected_understood(case)
    got = understood or {}
    place = got.get("place")
    actual = {
        "place": {"type": place["type"], "id": place["id"]} if place else None,
        "aptitudes": sorted(got.get("aptitudes") or []),
        "patients": sorted(got.get("patients") or []),
        "home_visit": got.get("home_visit"),
        "open_now": bool(got.get("open_now")),
        "profession": got.get("profession"),
        "text": got.get("text") or "",
    }
    differences = [f"{key}: expected {wanted[key]!r}, understood {actual[key]!r}"
                   for key in wanted if wanted[key] != actual[key]]
    if (case.where or case.where_typed) and sent_where != case.expect.get("where"):
        differences.append(f"where: expected {case.expect.get('where')!r}, « Où ? » gave {sent_where!r}")
    notes = " ".join(got.get("notes") or [])
    differences += [f"notes: expected to mention {text!r}, got {notes!r}" for text in case.notes_include
                    if text not in notes]
    return differences


# --- judging against the API ---------------------------------------------------------------

def first_page(body: dict) -> list[tuple[str, tuple[str, ...], int]]:
    """The page as a user sees it: each establishment, its units in order, its unit count."""
    return [(r["establishment"]["id"], tuple(u["id"] for u in r["units"]), r["units_total"]) for r in body["results"]]


def units_in_order(body: dict) -> list[str]:
    return [u["id"] for r in body["results"] for u in r["units"]]


def precision_at(top: list[str], relevant: set[str]) -> float | None:
    """Share of ``top`` inside ``relevant``; None when nothing was returned."""
    return sum(u in relevant for u in top) / len(top) if top else None


@dataclass
class Outcome:
    case: Judged
    differences: list[str]
    same_page: bool
    same_totals: bool
    phrase_totals: tuple[int, int]          # (units, establishments)
    structured_totals: tuple[int, int]
    precision_at_10: float | None
    understood: dict | None

    @property
    def read_as_judged(self) -> bool:
        return not self.differences

    @property
    def success(self) -> bool:
        return self.read_as_judged and self.same_page and self.same_totals

    @property
    def zero_result(self) -> bool:
        return self.phrase_totals[0] == 0

    @property
    def zero_but_structured_has_results(self) -> bool:
        return self.zero_result and self.structured_totals[0] > 0


Get = Callable[[list[tuple[str, str]]], dict]     # GET /api/v1/search with these parameters → its JSON


def result_set(get: Get, params: list[tuple[str, str]], first: dict) -> set[str]:
    """Every unit id of a search, page after page (``first`` is its first page at PAGE_SIZE).

    An establishment lists at most its first 20 units (``INNER_HITS_SIZE``): no
    establishment of the demo data set has more.
    """
    units = set(units_in_order(first))
    pages = -(-first["total_establishments"] // PAGE_SIZE)
    for page in range(2, pages + 1):
        units |= set(units_in_order(get([*params, ("per_page", str(PAGE_SIZE)), ("page", str(page))])))
    return units


def judge(get: Get, case: Judged, resolve_where: Callable[[str], str | None]) -> Outcome:
    """Run one judged query and its structured reading through the API and compare them."""
    sent = phrase_params(case, resolve_where)
    expected = structured_params(case)
    by_phrase = get(sent)
    by_reading = get(expected)
    whole = get([*expected, ("per_page", str(PAGE_SIZE))])
    sent_where = next((v for k, v in sent if k == "where"), None)
    return Outcome(
        case=case,
        differences=reading_differences(case, by_phrase.get("understood"), sent_where),
        same_page=first_page(by_phrase) == first_page(by_reading),
        same_totals=(by_phrase["total_units"], by_phrase["total_establishments"])
        == (by_reading["total_units"], by_reading["total_establishments"]),
        phrase_totals=(by_phrase["total_units"], by_phrase["total_establishments"]),
        structured_totals=(by_reading["total_units"], by_reading["total_establishments"]),
        precision_at_10=precision_at(units_in_order(by_phrase)[:TOP], result_set(get, expected, whole)),
        understood=by_phrase.get("understood"),
    )


@dataclass(frozen=True)
class Summary:
    queries: int
    successes: int
    read_as_judged: int
    precision_at_10: float          # mean over the phrases that returned something
    zero_results: int
    zero_but_structured_has_results: int
    structured_empty: int           # judged readings that find nothing themselves

    @property
    def success_rate(self) -> float:
        return self.successes / self.queries if self.queries else 0.0

    @property
    def zero_result_rate(self) -> float:
        return self.zero_results / self.queries if self.queries else 0.0

    @property
    def passed(self) -> bool:
        return self.success_rate >= SUCCESS_TARGET and self.zero_but_structured_has_results == 0


def summarize(outcomes: list[Outcome]) -> Summary:
    precisions = [o.precision_at_10 for o in outcomes if o.precision_at_10 is not None]
    return Summary(
        queries=len(outcomes),
        successes=sum(o.success for o in outcomes),
        read_as_judged=sum(o.read_as_judged for o in outcomes),
        precision_at_10=sum(precisions) / len(precisions) if precisions else 0.0,
        zero_results=sum(o.zero_result for o in outcomes),
        zero_but_structured_has_results=sum(o.zero_but_structured_has_results for o in outcomes),
        structured_empty=sum(o.structured_totals[0] == 0 for o in outcomes),
    )


def report(summary: Summary, outcomes: list[Outcome]) -> str:
    """The figures, then every query that failed with what was understood against what was judged."""
    lines = [
        f"judged queries            {summary.queries}",
        f"success rate              {summary.success_rate:.1%} ({summary.successes}/{summary.queries}; "
        f"target ≥ {SUCCESS_TARGET:.0%}; read as judged: {summary.read_as_judged})",
        f"precision@{TOP}              {summary.precision_at_10:.3f}",
        f"zero-result rate          {summary.zero_result_rate:.1%} ({summary.zero_results} phrases; "
        f"{summary.zero_but_structured_has_results} where the structured reading has results — target 0; "
        f"{summary.structured_empty} judged readings find nothing themselves)",
    ]
    by_typist = [f"{who} {sum(o.success for o in mine)}/{len(mine)}" for who in TYPISTS
                 if (mine := [o for o in outcomes if o.case.who == who])]
    lines.append(f"by who typed them         {', '.join(by_typist)}")
    failed = [o for o in outcomes if not o.success or o.zero_but_structured_has_results]
    if failed:
        lines.append("")
        lines.append("failing queries:")
    for o in failed:
        lines.append(f"- line {o.case.line} ({o.case.who}): {o.case.phrase}")
        for difference in o.differences:
            lines.append(f"    {difference}")
        if not o.same_page or not o.same_totals:
            lines.append(f"    results: phrase {o.phrase_totals[0]} units / {o.phrase_totals[1]} establishments, "
                         f"structured {o.structured_totals[0]} / {o.structured_totals[1]}"
                         f"{'' if o.same_page else ', first pages differ'}")
        lines.append(f"    understood: {json.dumps(o.understood, ensure_ascii=False)}")
        lines.append(f"    structured: {structured_params(o.case)}")
    empty = [o for o in outcomes if o.structured_totals[0] == 0]
    if empty:
        lines.append("")
        lines.append("judged readings that find nothing in this data set (their phrases check the reading only):")
        lines += [f"- line {o.case.line}: {o.case.phrase} → {structured_params(o.case)}" for o in empty]
    return "\n".join(lines)


def run(client, cases: list[Judged]) -> list[Outcome]:
    """Every judged query through a Flask test client of the API (``create_app(...).test_client()``)."""
    from query_api.web.pages import resolve_where

    def get(params: list[tuple[str, str]]) -> dict:
        response = client.get("/api/v1/search", query_string=params)
        if response.status_code != 200:
            raise RuntimeError(f"GET /api/v1/search {params}: {response.status_code} {response.get_data(as_text=True)}")
        return response.get_json()

    return [judge(get, case, resolve_where) for case in cases]


def fixed_clock(iso_time: str = CLOCK) -> Callable[[], datetime]:
    moment = datetime.fromisoformat(iso_time)
    return lambda: moment


# --- the command --------------------------------------------------------------------------

def log(message: str) -> None:
    print(f"[relevance] {message}", file=sys.stderr, flush=True)


def _fingerprint() -> str:
    """What the indexed data depend on: the generator, the documents, the mappings and nomenclatures."""
    from config import PROJECT_DIR

    digest = hashlib.sha256()
    for pattern in ("catalog/demo.py", "indexer/*.py", "mappings/*.json", "catalog/nomenclatures/*.json"):
        for path in sorted(PROJECT_DIR.glob(pattern)):
            digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


def ensure_index(physios: int, seed: int, work_dir: Path = WORK_DIR):
    """Settings of the demo data set of this size and seed, generated and indexed once (reused after).

    Its indexes are ``<ROR_INDEX_PREFIX>-relevance-<physios>-<seed>-*``: ``ror-relevance-1500-7`` by default.
    """
    from catalog.demo import generate, load
    from catalog.store import open_store
    from config import Settings
    from indexer.engine import UNITS, alias_name, search_client
    from indexer.reindex import reindex

    directory = work_dir / f"physios-{physios}-seed-{seed}"
    base = Settings.from_env()
    settings = dataclasses.replace(base, store_path=str(directory / "store.sqlite3"),
                                   index_prefix=f"{base.index_prefix}-relevance-{physios}-{seed}")
    client = search_client(settings)
    if not client.ping():
        raise SystemExit(f"OpenSearch does not answer at {settings.opensearch_url}: start it with "
                         "`./ror opensearch start`.")
    marker = directory / "indexed.json"
    built_by = _fingerprint()
    if (marker.exists() and json.loads(marker.read_text()).get("fingerprint") == built_by
            and client.indices.exists_alias(name=alias_name(settings, UNITS))):
        log(f"reusing {directory} and its index ({settings.index_prefix})")
        return settings
    log(f"generating the demo data set: {physios:,} physiotherapists, seed {seed} → {directory}")
    if directory.exists():
        for path in sorted(directory.rglob("*"), reverse=True):
            path.unlink() if path.is_file() else path.rmdir()
    directory.mkdir(parents=True, exist_ok=True)
    store = open_store(settings.store_path)
    counts = load(store, generate(directory / "files", physios=physios, seed=seed))
    log(f"indexing {counts['units']:,} UO under the prefix {settings.index_prefix}")
    reindex(store, client, settings, progress=False, grace_seconds=0)
    marker.write_text(json.dumps({"physios": physios, "seed": seed, "units": counts["units"], "fingerprint": built_by}))
    return settings


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.relevance", description=__doc__.splitlines()[0])
    parser.add_argument("--physios", type=int, default=DEMO_PHYSIOS, help="size of the demo data set")
    parser.add_argument("--seed", type=int, default=DEMO_SEED)
    parser.add_argument("--judged", type=Path, default=JUDGED_PATH)
    parser.add_argument("--work-dir", type=Path, default=WORK_DIR, help="where the data set is built and kept")
    args = parser.parse_args(argv)
    from query_api import create_app

    settings = ensure_index(args.physios, args.seed, args.work_dir)
    cases = load_judged(args.judged)
    log(f"{len(cases)} judged queries, clock {CLOCK}")
    outcomes = run(create_app(settings, clock=fixed_clock()).test_client(), cases)
    summary = summarize(outcomes)
    print(f"demo data set: {args.physios:,} physiotherapists, seed {args.seed}; clock {CLOCK}")
    print(report(summary, outcomes))
    return 0 if summary.passed else 1


if __name__ == "__main__":
    sys.exit(main())
