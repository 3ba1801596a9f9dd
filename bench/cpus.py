"""The engine and the API on cores of their own (``python -m bench.run --engine-cpus 0``).

On one box the engine, the API and the load generator share every core, so each
millisecond of the API's CPU is taken from the engine; in production the API runs on
hosts of its own. ``--engine-cpus`` confines the OpenSearch node to the given CPUs
and the benchmark (its load generator and the API servers it starts) to the others,
so that the API's throughput is compared with the engine's with the engine's cores
the same on both sides.

The node is confined after it started (every thread it has; the threads it makes
later inherit the mask): its thread pools stay sized for the cores it saw at start.
"""
from __future__ import annotations

import os
from pathlib import Path


def parse(text: str) -> set[int]:
    """``"0"``, ``"0,2"`` or ``"0-3"`` as a set of CPU numbers; ValueError for anything else."""
    cpus: set[int] = set()
    for part in text.split(","):
        low, dash, high = part.strip().partition("-")
        if not low.isdigit() or (dash and not high.isdigit()):
            raise ValueError(f"not a CPU list: {text!r} (e.g. 0 or 0,1 or 0-3)")
        cpus.update(range(int(low), int(high or low) + 1))
    return cpus


def split(engine: set[int]) -> tuple[set[int], set[int]]:
    """(the engine's CPUs, the benchmark's): the given ones and the rest of this process's; ValueError
    when either side would be empty or a CPU is not this process's."""
    available = os.sched_getaffinity(0)
    if not engine or not engine <= available:
        raise ValueError(f"the engine's CPUs {sorted(engine)} are not among this machine's {sorted(available)}")
    rest = available - engine
    if not rest:
        raise ValueError("no CPU would be left for the API and the load generator")
    return engine, rest


def confine_process(pid: int, cpus: set[int]) -> int:
    """Every thread of process ``pid`` on ``cpus``; the number of threads confined."""
    count = 0
    for task in Path(f"/proc/{pid}/task").iterdir():
        try:
            os.sched_setaffinity(int(task.name), cpus)
            count += 1
        except (ProcessLookupError, FileNotFoundError):   # a thread that ended meanwhile
            pass
    return count


def confine_self(cpus: set[int]) -> None:
    """This thread, and the threads and processes it starts from now on, on ``cpus``."""
    os.sched_setaffinity(0, cpus)
