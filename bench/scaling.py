"""The scaling curve (issue #19, item 3): the same figures at each data-set size, side by side.

Each ``python -m bench.run --units N`` writes its figures to ``bench/results/``; the curve
takes, for every size, the latest results file that measured the search latencies, the
throughput (with the same request mix as this run) and the memory, and states how each
figure grows from one size to the next. Sizes are never mixed within a figure: each point is
one run, with its own date and file.
"""
from __future__ import annotations

import json
from pathlib import Path


def point(results: dict, source: str) -> dict | None:
    """The figures of one run that the curve compares, or None when the run lacks one of them."""
    search, throughput, memory = results.get("search"), results.get("throughput"), results.get("memory")
    if results.get("machine", {}).get("engine_cpus"):   # the engine on some cores only: another machine
        return None
    if not (search and throughput and memory and "api" in throughput):
        return None
    direct = throughput["direct"][throughput["plan"]]
    return {
        "units": results["dataset"]["units"], "date": results["date"], "source": source,
        "mix": throughput.get("mix"),
        "search_p50_ms": search["all"]["api_ms"]["p50"], "search_p95_ms": search["all"]["api_ms"]["p95"],
        "throughput_api_per_s": throughput["api"]["requests_per_s"],
        "throughput_api_p95_ms": throughput["api"]["latency_ms"]["p95"],
        "throughput_direct_per_s": direct["requests_per_s"],
        "index_store_mib": memory["index_store_mib"], "heap_used_mib": memory["opensearch_heap_used_mib"],
        "heap_max_mib": memory["opensearch_heap_max_mib"],
    }


GROWTH_FIGURES = ("search_p50_ms", "search_p95_ms", "throughput_api_per_s", "throughput_direct_per_s",
                  "index_store_mib", "heap_used_mib")


def curve(results_dir: Path, current: dict, current_source: str) -> dict:
    """Points by size (this run's, and the latest comparable run of each other size) and the
    growth of each figure between successive sizes (ratio of figures ÷ ratio of sizes)."""
    mine = point(current, current_source)
    by_size: dict[int, dict] = {}
    for path in sorted(results_dir.glob("*.json")):
        try:
            found = point(json.loads(path.read_text(encoding="utf-8")), path.name)
        except (ValueError, KeyError, TypeError):
            continue
        if found and (mine is None or found["mix"] == mine["mix"]):
            previous = by_size.get(found["units"])
            if previous is None or found["date"] > previous["date"]:
                by_size[found["units"]] = found
    if mine:
        by_size[mine["units"]] = mine
    points = [by_size[size] for size in sorted(by_size)]
    growth = []
    for small, big in zip(points, points[1:]):
        size_ratio = big["units"] / small["units"]
        growth.append({"from": small["units"], "to": big["units"], "size_ratio": round(size_ratio, 2),
                       **{name: round(big[name] / small[name], 2) if small[name] else None for name in GROWTH_FIGURES}})
    return {"points": points, "growth": growth}


def table(scaling: dict) -> str:
    """The curve as a Markdown table: one row per size, then the growth rows."""
    lines = ["| UO | search p50 / p95 ms | API searches/s (p95 ms) | direct searches/s | index MiB | heap used MiB | run |",
             "|---|---|---|---|---|---|---|"]
    for p in scaling["points"]:
        lines.append(f"| {p['units']:,} | {p['search_p50_ms']} / {p['search_p95_ms']} | {p['throughput_api_per_s']} "
                     f"({p['throughput_api_p95_ms']}) | {p['throughput_direct_per_s']} | {p['index_store_mib']:,.0f} | "
                     f"{p['heap_used_mib']:,} / {p['heap_max_mib']:,} | {p['source']} |")
    for g in scaling["growth"]:
        lines.append(f"| × {g['size_ratio']} ({g['from']:,} → {g['to']:,}) | × {g['search_p50_ms']} / × {g['search_p95_ms']} "
                     f"| × {g['throughput_api_per_s']} | × {g['throughput_direct_per_s']} | × {g['index_store_mib']} "
                     f"| × {g['heap_used_mib']} | growth |")
    return "\n".join(lines)
