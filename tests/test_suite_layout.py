"""How the test suite is put together: test modules share helpers through tests/world.py,
tests/rpps_lines.py, tests/browser.py and conftest's fixtures, never by importing one another."""
from __future__ import annotations

import ast
from pathlib import Path

TESTS = Path(__file__).resolve().parent


def _imported_modules(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module:
            found.add(node.module)
            found.update(f"{node.module}.{alias.name}" for alias in node.names)
        elif isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
    return found


def test_no_test_module_imports_another_or_the_conftest():
    modules = sorted(TESTS.rglob("test_*.py"))
    assert len(modules) > 40
    offenders = {
        str(path.relative_to(TESTS)): sorted(m for m in _imported_modules(path)
                                             if m.startswith("tests.") and m.rsplit(".", 1)[-1].startswith(("test_", "conftest")))
        for path in modules
    }
    assert not {k: v for k, v in offenders.items() if v}


def test_one_haversine_the_products():
    """Distances in tests are the product's great-circle formula, not copies of it."""
    formula = "math." + "asin("   # spelt in two so this file is not a copy itself
    copies = [str(p.relative_to(TESTS)) for p in TESTS.rglob("*.py") if formula in p.read_text(encoding="utf-8")]
    assert copies == []
