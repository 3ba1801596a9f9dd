"""The benchmark's data set: the demo generator at national scale, built once per size and seed.

``catalog.demo`` gives ~1.02 UO per physiotherapist (1 % second sites, plus the
establishments' units), so the physiotherapist count is derived from the UO count
asked for. A finished data set is marked by ``dataset.json``; a half-built one
(interrupted run) has no marker and is rebuilt from scratch.
"""
from __future__ import annotations

import hashlib
import json
import shutil
import sys
import time
from pathlib import Path

from catalog import demo
from catalog.store import open_store

UNITS_PER_PHYSIO = 1.02125   # measured on the demo generator (20,000 physiotherapists → 20,425 UO)
MARKER = "dataset.json"


def physios_for(units: int) -> int:
    return max(1, round(units / UNITS_PER_PHYSIO))


def _generator_digest() -> str:
    return hashlib.sha256(Path(demo.__file__).read_bytes()).hexdigest()[:12]


def dataset_dir(root: Path, units: int, seed: int) -> Path:
    return root / f"units-{units}-seed-{seed}"


def ensure(root: Path, units: int, seed: int, log=print) -> dict:
    """The data set of this size and seed (generated and loaded if missing); its marker."""
    directory = dataset_dir(root, units, seed)
    marker = directory / MARKER
    if marker.exists():
        info = json.loads(marker.read_text())
        if info.get("generator") != _generator_digest():
            log(f"note: catalog/demo.py changed since {directory} was built; reusing it "
                f"(delete the directory to rebuild)")
        info["reused"] = True
        return info
    shutil.rmtree(directory, ignore_errors=True)
    directory.mkdir(parents=True)
    physios = physios_for(units)
    log(f"generating the demo data set: {physios:,} physiotherapists, seed {seed} → {directory}")
    started = time.monotonic()
    files = demo.generate(directory / "files", physios=physios, seed=seed)
    generate_s = time.monotonic() - started
    log(f"  generated in {generate_s:.0f} s; loading into SQLite")
    store_path = directory / "store.sqlite3"
    store = open_store(store_path)
    started = time.monotonic()
    counts = demo.load(store, files)
    load_s = time.monotonic() - started
    info = {
        "units_requested": units,
        "seed": seed,
        "physios": physios,
        "units": counts["units"],
        "generate_seconds": round(generate_s, 1),
        "load_seconds": round(load_s, 1),
        "store_path": str(store_path),
        "store_bytes": store_path.stat().st_size,
        "generator": _generator_digest(),
    }
    log(f"  loaded {counts['units']:,} UO in {load_s:.0f} s")
    marker.write_text(json.dumps(info, indent=2))
    info["reused"] = False
    return info


if __name__ == "__main__":   # python -m bench.dataset UNITS [SEED] [ROOT]
    units = int(sys.argv[1])
    seed = int(sys.argv[2]) if len(sys.argv) > 2 else 2026
    root = Path(sys.argv[3]) if len(sys.argv) > 3 else Path("/tmp/ror-bench/data")
    print(json.dumps(ensure(root, units, seed), indent=2))
