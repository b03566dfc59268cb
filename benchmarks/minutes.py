"""How the rendering of the minutes holds up as a hearing grows: time and memory, as ratios.

Run on demand (never in the test suite), from the project's folder:

    .venv/bin/python -m benchmarks.minutes [--small 6] [--large 60] [--repeat 7]

The full minutes (the heaviest document: attendance, then every item with its decision and vote) of a
hearing with ``--small`` items are the baseline; those of a hearing with ``--large`` items are
measured in the same run, on the same machine. Each is rendered once to warm up (templates compiled,
fonts loaded), then timed ``--repeat`` times (the median counts), then rendered once more under
tracemalloc for the peak of memory allocated by Python (Pango's and HarfBuzz's own allocations, in C,
are not seen). The target: the cost grows at most in proportion to the number of items, so both
ratios stay within large / small (10 with the defaults) whatever the machine's speed. The figures are
written to ``benchmarks/results/minutes.json``; the exit code is 1 when a target is missed.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
import tracemalloc
from dataclasses import asdict, dataclass
from io import BytesIO
from pathlib import Path

from pypdf import PdfReader

from benchmarks.common import Figure, Size
from commission.documents.minutes import render_minutes
from tests.documents_helpers import sample_minutes


@dataclass
class Measure:
    items: int
    pages: int
    kib: int  # size of the PDF
    median_ms: float
    peak_kib: float


def measure(items: int, repeat: int) -> Measure:
    data = sample_minutes(items)
    document = render_minutes(data)
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        render_minutes(data)
        times.append((time.perf_counter() - started) * 1000)
    tracemalloc.start()
    render_minutes(data)
    _current, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    pages = len(PdfReader(BytesIO(document)).pages)
    return Measure(items, pages, len(document) // 1024, statistics.median(times), peak / 1024)


SIZES = {Size.SMALLEST: {"small": 2, "large": 6, "repeat": 1},
         Size.SMALL: {"small": 6, "large": 30, "repeat": 3},
         Size.FULL: {"small": 6, "large": 60, "repeat": 7}}
TARGETS = "the full minutes' median time and peak memory grow at most with the number of items (ratio <= items ratio)"


def figures(size: Size) -> list[Figure]:
    sizes = SIZES[size]
    small, large = measure(sizes["small"], sizes["repeat"]), measure(sizes["large"], sizes["repeat"])
    target = sizes["large"] / sizes["small"]
    subject = f"minutes, {small.items} -> {large.items} items"
    return [Figure("minutes", subject, "time ratio", large.median_ms / small.median_ms, target,
                   detail=f"{small.median_ms:.0f} -> {large.median_ms:.0f} ms, {small.pages} -> {large.pages} pages"),
            Figure("minutes", subject, "memory ratio", large.peak_kib / small.peak_kib, target,
                   detail=f"{small.peak_kib:.0f} -> {large.peak_kib:.0f} KiB")]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--small", type=int, default=6)
    parser.add_argument("--large", type=int, default=60)
    parser.add_argument("--repeat", type=int, default=7)
    args = parser.parse_args(argv)
    if not 0 < args.small < args.large:
        parser.error("--small must be positive and below --large")
    small, large = measure(args.small, args.repeat), measure(args.large, args.repeat)
    target = args.large / args.small
    time_ratio, memory_ratio = large.median_ms / small.median_ms, large.peak_kib / small.peak_kib
    print(f"{'items':>6} {'pages':>6} {'PDF KiB':>8} {'median ms':>10} {'peak KiB':>10}")
    for m in (small, large):
        print(f"{m.items:6} {m.pages:6} {m.kib:8} {m.median_ms:10.1f} {m.peak_kib:10.0f}")
    missed = [name for name, ratio in (("time", time_ratio), ("memory", memory_ratio)) if ratio > target]
    print(f"\nratios large / small: time {time_ratio:.2f}, memory {memory_ratio:.2f}; "
          f"target <= {target:.1f} (items ratio): {'met' if not missed else 'MISSED: ' + ', '.join(missed)}")
    out = Path(__file__).parent / "results"
    out.mkdir(exist_ok=True)
    (out / "minutes.json").write_text(json.dumps({
        "small": args.small, "large": args.large, "repeat": args.repeat,
        "target": {"time_ratio": target, "memory_ratio": target},
        "measures": [asdict(small), asdict(large)],
        "time_ratio": time_ratio, "memory_ratio": memory_ratio, "missed": missed,
    }, indent=2) + "\n")
    return 1 if missed else 0


if __name__ == "__main__":
    sys.exit(main())
