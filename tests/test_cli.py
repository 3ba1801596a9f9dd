"""The `ror` commands an operator runs: API keys, admin accounts, RPPS import, status."""
from __future__ import annotations

import dataclasses
import io

import pytest

import ror_cli
from catalog import accounts
from catalog.store import open_store


@pytest.fixture
def store_env(tmp_path, monkeypatch, settings):
    path = tmp_path / "cli.sqlite3"
    monkeypatch.setenv("ROR_STORE_PATH", str(path))
    monkeypatch.setenv("ROR_INDEX_PREFIX", f"{settings.index_prefix}-cli")
    return path


def test_api_key_is_shown_once_stored_hashed_and_revocable(store_env, capsys):
    assert ror_cli.main(["api-key", "create", "--name", "SAMU 78"]) == 0
    key = capsys.readouterr().out.strip().splitlines()[-1]
    store = open_store(store_env)
    with store.snapshot() as conn:
        assert accounts.api_key_for(conn, key)["name"] == "SAMU 78"
    assert key.encode() not in store_env.read_bytes()
    assert ror_cli.main(["api-key", "revoke", "--id", "1"]) == 0
    with store.snapshot() as conn:
        assert accounts.api_key_for(conn, key) is None
    assert ror_cli.main(["api-key", "revoke", "--id", "1"]) == 1


def test_create_admin_refuses_a_weak_password(store_env, monkeypatch, capsys):
    monkeypatch.setattr("sys.stdin", io.StringIO("faible\n"))
    assert ror_cli.main(["create-admin", "cellule@ars.fr"]) == 1
    assert "Au moins 8 caractères." in capsys.readouterr().err
    monkeypatch.setattr("sys.stdin", io.StringIO("Cellule-ROR-2026\n"))
    assert ror_cli.main(["create-admin", "cellule@ars.fr"]) == 0
    with open_store(store_env).snapshot() as conn:
        assert accounts.find_account(conn, email="cellule@ars.fr")["role"] == "admin"


def test_import_rpps_reports_a_file_that_is_not_an_extract(store_env, tmp_path, capsys):
    bogus = tmp_path / "notes.txt"
    bogus.write_text("nom;prenom\nDupont;Jean\n", encoding="utf-8")
    assert ror_cli.main(["import-rpps", str(bogus)]) == 1
    assert "import impossible" in capsys.readouterr().err


def test_import_rpps_complete_reports_leavers_and_movers_and_partial_ends_nothing(store_env, tmp_path, capsys):
    from catalog.identifiers import make_rpps
    from tests.rpps_lines import BOULOGNE, extract, physio

    def extract_file(name: str, *rows) -> str:
        path = tmp_path / name
        path.write_text("".join(extract(*rows)), encoding="utf-8")
        return str(path)

    first = extract_file("first.txt", physio(1, structure="R1"), physio(2, structure="R2"), physio(3, structure="R3"))
    later = extract_file("later.txt", physio(1, structure="R1"), physio(2, structure="R4", insee=BOULOGNE))
    leaver, mover_from, mover_to = (f"UO-{make_rpps(3)}-R3", f"UO-{make_rpps(2)}-R2", f"UO-{make_rpps(2)}-R4")
    assert ror_cli.main(["import-rpps", first]) == 0
    capsys.readouterr()

    assert ror_cli.main(["import-rpps", later]) == 0
    partial = capsys.readouterr().out
    assert "Extraction partielle : aucune unité fermée" in partial and "fermées" not in partial

    assert ror_cli.main(["import-rpps", later, "--complete"]) == 0
    report = capsys.readouterr().out
    assert "Extraction complète : départements couverts 78, 92" in report
    assert f"Unités (UO) fermées (activité absente de l'extraction) : 2\n    {mover_from}\n    {leaver}\n" in report
    # R4 came with the partial import, its sheet still blank: the practitioner moved there.
    assert f"Déménagements (fiche reportée sur le nouveau lieu) : 1\n    {mover_from} → {mover_to}" in report
    with open_store(store_env).snapshot() as conn:
        ended = {r["id"] for r in conn.execute("SELECT id FROM units WHERE ended_at IS NOT NULL")}
    assert ended == {leaver, mover_from} and mover_to not in ended


def test_status_says_out_of_sync_when_nothing_is_indexed(store_env, capsys):
    from tests import offer_fixture

    offer_fixture.load(open_store(store_env))
    assert ror_cli.main(["status"]) == 3
    assert '"in_sync": false' in capsys.readouterr().out


def test_synonyms_command_puts_the_file_on_the_live_indexes(store_env, settings, search, capsys):
    from indexer.analysis import synonym_rules
    from indexer.engine import UNITS, alias_name
    from indexer.reindex import reindex
    from tests import offer_fixture

    cli_settings = dataclasses.replace(settings, store_path=str(store_env), index_prefix=f"{settings.index_prefix}-cli")
    store = open_store(store_env)
    offer_fixture.load(store)
    report = reindex(store, search, cli_settings, progress=False, grace_seconds=0)
    assert ror_cli.main(["synonyms"]) == 0
    assert "déjà à jour" in capsys.readouterr().out
    search.indices.close(index=report.index)
    search.indices.put_settings(index=report.index, body={"analysis": {"filter": {"french_synonyms": {
        "type": "synonym_graph", "synonyms": ["mk, kiné"]}}}})
    search.indices.open(index=report.index, wait_for_active_shards=1)
    assert ror_cli.main(["synonyms"]) == 0
    assert f"{report.index} : synonymes mis à jour" in capsys.readouterr().out
    index = next(iter(search.indices.get_alias(name=alias_name(cli_settings, UNITS))))
    current = search.indices.get_settings(index=index)[index]["settings"]["index"]["analysis"]["filter"]
    assert current["french_synonyms"]["synonyms"] == synonym_rules()


@pytest.mark.engine
def test_synonyms_command_says_when_nothing_is_indexed(store_env, settings, monkeypatch, capsys):
    monkeypatch.setenv("ROR_INDEX_PREFIX", f"{settings.index_prefix}-cli-empty")
    assert ror_cli.main(["synonyms"]) == 1
    assert "./ror reindex" in capsys.readouterr().err


def test_bench_relevance_prints_the_figures_and_the_failing_queries(store_env, search, tmp_path, capfd):
    # One phrase judged right, one judged wrong on purpose (« kiné Paris » is not the 92).
    judged = tmp_path / "judged.jsonl"
    judged.write_text(
        '{"who": "patient", "q": "kiné Paris", "expect": {"where": "75056", "profession": "70"}}\n'
        '{"who": "gp", "q": "kiné Paris", "expect": {"where": "dep:92", "profession": "70"}}\n', encoding="utf-8")
    args = ["--physios", "300", "--judged", str(judged), "--work-dir", str(tmp_path / "relevance")]
    assert ror_cli.main(["bench", "relevance", *args]) == 1          # 50 % is under the 95 % target
    out = capfd.readouterr().out
    assert "success rate              50.0% (1/2" in out
    assert "precision@10" in out and "zero-result rate          0.0%" in out
    assert "- line 2 (gp): q='kiné Paris'" in out
    assert "place: expected {'type': 'department', 'id': '92'}, understood {'type': 'commune', 'id': '75056'}" in out
