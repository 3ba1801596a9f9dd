"""Bad and oversized input: a clear answer in French, a bounded cost, never a crash.

Request bodies over 256 KiB, fields over their length, parameters repeated
hundreds of times, query strings of megabytes; RPPS files that are huge,
truncated, in Latin-1, or no RPPS file at all.
"""
from __future__ import annotations

import dataclasses
import http.client
import json
import tracemalloc

import pytest

from bench.load import Session, free_port, start_service, stop_service
from catalog import repository
from catalog.rpps_import import RppsFormatError, extract_header, format_extract_line, import_extract
from catalog.store import open_store
from query_api.errors import HTTP_MESSAGES
from tests.rpps_lines import physio
from tests.world import ADMIN_EMAIL, ADMIN_PASSWORD, PASSWORD_A, RPPS_A, make_world, send, signed_in

TOO_LARGE = HTTP_MESSAGES[413]


@pytest.fixture(scope="module")
def world(settings, search, tmp_path_factory):
    from indexer.reindex import reindex

    made = make_world(settings, tmp_path_factory.mktemp("limits"))
    reindex(made.store, search, made.settings, progress=False, grace_seconds=0)
    return made


@pytest.fixture(scope="module")
def service(world):
    """The real thing (waitress), for what only a real HTTP server shows."""
    mine = dataclasses.replace(world.settings, port=free_port())
    process = start_service(mine, log_path=world.mail_dir.parent / "service.log")
    yield mine.port
    stop_service(process)


# --- request bodies --------------------------------------------------------------------

def test_a_sheet_over_256_kib_is_refused_with_413_in_french(world, service):
    session = Session("127.0.0.1", service)
    session.sign_in(RPPS_A, PASSWORD_A)
    status, body = session.json("PUT", "/api/v1/me/units/UO-KA", {"revision": 1, "comments": "x" * 300_000})
    assert status == 413 and body["error"]["message"] == TOO_LARGE
    with world.store.snapshot() as conn:
        assert repository.get_unit(conn, "UO-KA")["revision"] == 1


@pytest.mark.parametrize("size", [300_000, 5_000_000])
def test_an_oversized_sign_in_is_refused_before_it_is_read(service, size):
    session = Session("127.0.0.1", service)
    session.csrf = session.json("GET", "/api/v1/session")[1]["csrf_token"]
    status, body = session.json("POST", "/api/v1/login", {"login": "x" * size, "password": "Secret-123"})
    assert status == 413 and body["error"] == {"code": "request_entity_too_large", "message": TOO_LARGE,
                                               "field": None}
    assert session.request("GET", "/api/v1/session")[0] == 200


def test_an_oversized_chunked_body_without_length_is_refused_too(service):
    session = Session("127.0.0.1", service)
    session.csrf = session.json("GET", "/api/v1/session")[1]["csrf_token"]
    connection = http.client.HTTPConnection("127.0.0.1", service, timeout=30)
    chunks = (b"x" * 10_000 for _ in range(100))
    connection.request("POST", "/api/v1/login", body=chunks, encode_chunked=True, headers={
        "Content-Type": "application/json", "Cookie": f"session={session.cookie}", "X-CSRF-Token": session.csrf})
    response = connection.getresponse()
    assert response.status == 413 and json.loads(response.read())["error"]["message"] == TOO_LARGE
    connection.close()


# --- field lengths -----------------------------------------------------------------------

@pytest.mark.parametrize("body, field, words", [
    ({"comments": "é" * 2001}, "comments", "2 000 caractères"),
    ({"resource_persons": [{"name": "n" * 121}]}, "resource_persons.0.name", "120 caractères"),
    ({"resource_persons": [{"name": f"Stagiaire {n}"} for n in range(21)]}, "resource_persons", "20 personnes"),
])
def test_a_sheet_field_over_its_length_is_named_and_nothing_is_saved(world, body, field, words):
    client = signed_in(world, RPPS_A, PASSWORD_A)
    revision = client.get("/api/v1/me/units/UO-KA").get_json()["revision"]
    response = send(client, "PUT", "/api/v1/me/units/UO-KA", {"revision": revision, **body})
    assert response.status_code == 400
    error = response.get_json()["error"]
    assert error["field"] == field and words in error["message"], error
    assert client.get("/api/v1/me/units/UO-KA").get_json()["revision"] == revision


def test_a_comment_of_exactly_2000_characters_is_kept(world):
    client = signed_in(world, RPPS_A, PASSWORD_A)
    revision = client.get("/api/v1/me/units/UO-KA").get_json()["revision"]
    response = send(client, "PUT", "/api/v1/me/units/UO-KA", {"revision": revision, "comments": "é" * 2000})
    assert response.status_code == 200 and response.get_json()["sheet"]["comments"] == "é" * 2000


@pytest.mark.parametrize("path, body, field", [
    ("/api/v1/login", {"login": "1" * 255, "password": "Secret-123"}, "login"),
    ("/api/v1/login", {"login": RPPS_A, "password": "P4ssword" * 17}, "password"),
    ("/api/v1/activation", {"rpps": RPPS_A, "code": "A" * 5000, "password": "Secret-123"}, "code"),
])
def test_account_fields_over_their_length_are_refused_by_name(world, path, body, field):
    response = send(world.client(), "POST", path, body)
    assert response.status_code == 400
    assert response.get_json()["error"]["field"] == field


def test_an_anomaly_report_over_2000_characters_is_refused(world):
    client = signed_in(world, RPPS_A, PASSWORD_A)
    response = send(client, "POST", "/api/v1/anomalies", {"target_type": "UO", "target_id": "UO-A", "message": "m" * 2001})
    assert response.status_code == 400 and response.get_json()["error"]["field"] == "message"


def test_an_api_key_name_over_100_characters_is_refused(world):
    admin = signed_in(world, ADMIN_EMAIL, ADMIN_PASSWORD)
    response = send(admin, "POST", "/api/v1/admin/api-keys", {"name": "n" * 101})
    assert response.status_code == 400 and response.get_json()["error"]["field"] == "name"


# --- query strings ----------------------------------------------------------------------------

@pytest.mark.parametrize("query, field, words", [
    ("&".join(["aptitude=KINE_REEDUC_RACHIS"] * 500), "aptitude", "100 fois"),
    ("&".join(["age=E"] * 5000), "age", "100 fois"),
    ("&".join(f"aptitude={code}" for code in (
        "KINE_BILAN_APA KINE_BILAN_RACHIS KINE_EVAL_PERSONNE_AGEE KINE_REEDUC_ABDO_POST_PARTUM "
        "KINE_REEDUC_ABDO_PRE_POST_OP KINE_REEDUC_PERSONNE_AGEE KINE_REEDUC_BRULES KINE_REEDUC_CICATRICES "
        "KINE_REEDUC_DEGLUTITION KINE_REEDUC_TROPHIQUE_VASC_LYMPH KINE_REEDUC_RACHIS KINE_REEDUC_CANCEROLOGIE "
        "KINE_REEDUC_NEURO KINE_REEDUC_NEURO_PEDIATRIQUE KINE_REEDUC_ORTHO_MEMBRE_INF KINE_REEDUC_ORTHO_MEMBRE_SUP "
        "KINE_REEDUC_ORTHO_PEDIATRIQUE KINE_REEDUC_PELVI_ENFANT KINE_REEDUC_PELVI_FEMME KINE_REEDUC_PELVI_HOMME "
        "KINE_REEDUC_PNEUMO KINE_REEDUC_PNEUMO_PEDIATRIQUE KINE_REEDUC_AVC_PRECOCE KINE_REEDUC_VESTIBULAIRE "
        "KINE_BALNEOTHERAPIE KINE_ISOCINETISME KINE_PTS_CARDIO KINE_PTS_NEURO KINE_PTS_ORTHO "
        "KINE_PTS_RESPIRATOIRE KINE_ORTHESE").split()), "aptitude", "30 aptitudes au plus"),
    ("where=78646&where=75115", "where", "qu'une fois"),
    ("&".join(f"p{n}=1" for n in range(5000)), "p0", "Paramètre inconnu"),
    ("q=" + "a" * 1_000_000, "q", "200 caractères"),
])
def test_search_refuses_repeated_and_oversized_parameters_in_plain_words(world, query, field, words):
    response = world.client().get(f"/api/v1/search?{query}")
    assert response.status_code == 400
    error = response.get_json()["error"]
    assert error["field"] == field and words in error["message"], error


def test_the_same_aptitude_a_few_times_is_still_one_filter(world):
    response = world.client().get("/api/v1/search?" + "&".join(["aptitude=KINE_REEDUC_VESTIBULAIRE"] * 3))
    assert response.status_code == 200
    units = {u["id"] for r in response.get_json()["results"] for u in r["units"]}
    assert units == {"UO-A", "UO-D", "UO-H2"}


def test_suggest_refuses_a_text_over_100_characters(world):
    response = world.client().get("/api/v1/suggest?field=what&q=" + "r" * 101)
    assert response.status_code == 400 and response.get_json()["error"]["field"] == "q"


def test_a_request_line_over_256_kib_is_cut_short_by_the_server_which_keeps_serving(service):
    connection = http.client.HTTPConnection("127.0.0.1", service, timeout=30)
    connection.request("GET", "/api/v1/search?q=" + "a" * 2_000_000)
    response = connection.getresponse()
    assert response.status == 431   # waitress's own answer: the request never reaches the app
    response.read()
    connection.close()
    assert Session("127.0.0.1", service).request("GET", "/api/v1/search?where=78646")[0] == 200


# --- RPPS files ---------------------------------------------------------------------------------

def _write_extract(path, lines: int, kept_every: int) -> int:
    """An extract of ``lines`` lines written as it is generated; one line in ``kept_every`` is ours."""
    with open(path, "w", encoding="utf-8") as out:
        out.write(extract_header() + "\n")
        for n in range(lines):
            if n % kept_every == 0:   # an Île-de-France physiotherapist, a site each
                row = physio(n + 1, structure=f"R{n:014d}")
            else:                     # a nurse elsewhere in France: read, counted, skipped
                row = physio(n + 1, **{"Code profession": "60", "Code commune (coord. structure)": "69123"})
            out.write(format_extract_line(row) + "\n")
    return path.stat().st_size


def _peak_import(store, path) -> tuple[int, object]:
    tracemalloc.start()
    try:
        summary = import_extract(store, path)
        return tracemalloc.get_traced_memory()[1], summary
    finally:
        tracemalloc.stop()


@pytest.mark.slow
def test_a_huge_rpps_file_is_streamed_lines_are_not_held(tmp_path):
    # Warm up: the communes and nomenclatures are loaded once per process, not per file.
    _peak_import(open_store(tmp_path / "warm.sqlite3"), _write_tiny(tmp_path / "warm.txt"))
    small, big = tmp_path / "small.txt", tmp_path / "big.txt"
    _write_extract(small, 6_000, kept_every=3)             # 2,000 physiotherapists among 6,000 lines
    big_bytes = _write_extract(big, 60_000, kept_every=30)   # the same 2,000 among 60,000 lines
    peak_small, _ = _peak_import(open_store(tmp_path / "small.sqlite3"), small)
    peak_big, summary = _peak_import(open_store(tmp_path / "big.sqlite3"), big)
    assert (summary.lines_read, summary.units_created, summary.skipped_other_professions) == (60_000, 2_000, 58_000)
    # Ten times the lines, the same memory: a line read and skipped is not kept.
    assert peak_big < 1.2 * peak_small + 512 * 1024, (peak_small, peak_big, big_bytes)


@pytest.mark.slow
def test_the_lines_an_import_keeps_are_held_one_batch_at_a_time(tmp_path, monkeypatch):
    from catalog import rpps_import

    monkeypatch.setattr(rpps_import, "BATCH_LINES", 500)
    _peak_import(open_store(tmp_path / "warm.sqlite3"), _write_tiny(tmp_path / "warm.txt"))
    few, many = tmp_path / "few.txt", tmp_path / "many.txt"
    _write_extract(few, 1_000, kept_every=1)
    _write_extract(many, 4_000, kept_every=1)
    peak_few, _ = _peak_import(open_store(tmp_path / "few.sqlite3"), few)
    peak_many, summary = _peak_import(open_store(tmp_path / "many.sqlite3"), many)
    assert summary.units_created == 4_000
    # 3,000 more lines kept, each about 2 KiB as a parsed line: only the ids already seen remain
    # after their batch is written (a few hundred bytes each).
    assert peak_many - peak_few < 3_000 * 1024, (peak_few, peak_many)


def _write_tiny(path):
    _write_extract(path, 3, kept_every=1)
    return path


def test_a_file_without_line_breaks_is_refused_in_bounded_memory(tmp_path):
    blob = tmp_path / "PS_LibreAcces_Personne_activite.txt"
    with open(blob, "wb") as out:
        for _ in range(40):
            out.write(b"A|" * (1 << 19))      # 40 MiB, one "line" of 20 million columns
    store = open_store(tmp_path / "store.sqlite3")
    tracemalloc.start()
    try:
        with pytest.raises(RppsFormatError, match="n'est pas une extraction RPPS"):
            import_extract(store, blob)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 5 * 2**20, peak


@pytest.mark.parametrize("content", [
    b"",
    b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 64,
    b"insee;nom;population\n78646;Versailles;83583\n",
    b"PK\x03\x04" + b"\x00" * 4096,
], ids=["empty", "png", "csv", "zip"])
def test_a_file_that_is_no_rpps_extract_is_refused_with_a_clear_message_and_nothing_written(tmp_path, content):
    path = tmp_path / "extract.txt"
    path.write_bytes(content)
    store = open_store(tmp_path / "store.sqlite3")
    with pytest.raises(RppsFormatError) as refused:
        import_extract(store, path)
    assert "RPPS" in str(refused.value)
    with store.snapshot() as conn:
        assert repository.count_units(conn) == 0


def test_a_file_truncated_in_the_middle_of_a_line_loads_the_whole_lines_and_reports_the_last(tmp_path):
    path = tmp_path / "extract.txt"
    _write_extract(path, 30, kept_every=1)
    data = path.read_bytes()
    last_line = len(data.rstrip(b"\n")) - data.rstrip(b"\n").rindex(b"\n")
    path.write_bytes(data[: len(data) - last_line // 2])    # cut inside line 31 (the 30th practitioner)
    summary = import_extract(open_store(tmp_path / "store.sqlite3"), path)
    assert summary.units_created == 29
    assert [(bad.line_number, "colonnes" in bad.reason) for bad in summary.bad_lines] == [(31, True)]


def test_a_file_truncated_inside_its_header_is_refused(tmp_path):
    path = tmp_path / "extract.txt"
    path.write_text(extract_header()[:300], encoding="utf-8")
    with pytest.raises(RppsFormatError, match="colonne"):
        import_extract(open_store(tmp_path / "store.sqlite3"), path)


def test_a_file_cut_inside_a_multibyte_character_reports_that_line(tmp_path):
    path = tmp_path / "extract.txt"
    lines = [extract_header(), format_extract_line(physio(1)),
             format_extract_line(physio(2, structure="R2", **{"Nom d'exercice": "LEFÈVRE"}))]
    data = ("\n".join(lines) + "\n").encode()
    cut = data.index("È".encode()) + 1            # half of the two bytes of È
    path.write_bytes(data[:cut])
    summary = import_extract(open_store(tmp_path / "store.sqlite3"), path)
    assert summary.units_created == 1 and summary.bad_line_count == 1


def test_latin1_lines_are_reported_one_by_one_while_utf8_ones_load(tmp_path):
    path = tmp_path / "extract.txt"
    good = format_extract_line(physio(1)).encode("utf-8")
    accented = format_extract_line(physio(2, structure="R2", **{"Nom d'exercice": "LEFÈVRE"})).encode("latin-1")
    path.write_bytes(extract_header().encode("utf-8") + b"\n" + good + b"\n" + accented + b"\n")
    summary = import_extract(open_store(tmp_path / "store.sqlite3"), path)
    assert summary.units_created == 1
    assert [(bad.line_number, "UTF-8" in bad.reason) for bad in summary.bad_lines] == [(3, True)]


def test_a_whole_file_in_latin1_is_refused_and_the_message_says_why(tmp_path):
    path = tmp_path / "extract.txt"
    text = "\n".join([extract_header(), format_extract_line(physio(1))]) + "\n"
    path.write_bytes(text.encode("latin-1"))
    store = open_store(tmp_path / "store.sqlite3")
    with pytest.raises(RppsFormatError, match="UTF-8"):
        import_extract(store, path)
    with store.snapshot() as conn:
        assert repository.count_units(conn) == 0
