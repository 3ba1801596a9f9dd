"""The hash-locked requirements agree with pyproject.toml's pins (`./ror lock` regenerates them)."""
from __future__ import annotations

import re
import tomllib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PIN = re.compile(r"^([A-Za-z0-9_.\-]+)==([^\s;\\]+)")


def _name(raw: str) -> str:
    return re.sub(r"[-_.]+", "-", raw).lower()


def _pins(requirements: list[str]) -> dict[str, str]:
    pins = {}
    for line in requirements:
        match = PIN.match(line.strip())
        assert match, f"not pinned with ==: {line}"
        pins[_name(match.group(1))] = match.group(2)
    return pins


def _project() -> dict:
    return tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]


def _lock(name: str) -> tuple[dict[str, str], str]:
    text = (ROOT / "requirements" / f"{name}.lock").read_text(encoding="utf-8")
    return _pins([line for line in text.splitlines() if PIN.match(line)]), text


@pytest.mark.parametrize("lock, groups", [("service", ["runtime"]), ("test", ["runtime", "test"])])
def test_every_pin_of_pyproject_is_in_the_lock_at_the_same_version(lock, groups):
    project = _project()
    wanted = {}
    if "runtime" in groups:
        wanted |= _pins(project["dependencies"])
    if "test" in groups:
        wanted |= _pins(project["optional-dependencies"]["test"])
    locked, _ = _lock(lock)
    stale = {name: (version, locked.get(name)) for name, version in wanted.items() if locked.get(name) != version}
    assert not stale, f"run `./ror lock`: pyproject.toml and requirements/{lock}.lock disagree on {stale}"


@pytest.mark.parametrize("lock", ["service", "test"])
def test_every_locked_requirement_has_a_hash_and_no_index_option(lock):
    locked, text = _lock(lock)
    blocks = re.split(r"\n(?=[A-Za-z0-9])", text)
    for block in blocks:
        if PIN.match(block):
            assert "--hash=sha256:" in block, f"no hash for {block.splitlines()[0]}"
    # A lock names no machine's index or wheel folder: it installs the same everywhere.
    assert not re.search(r"^--(find-links|index-url|extra-index-url)", text, re.M)
    assert "setuptools" in locked, "the editable install builds without isolation: setuptools must be locked"


def test_the_service_lock_holds_no_test_tool():
    service, _ = _lock("service")
    tools = _pins(_project()["optional-dependencies"]["test"])
    assert not set(tools) & set(service)
