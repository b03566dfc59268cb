"""How long ``commission demo`` takes to build at scale, and its peak memory.

    .venv/bin/python -m benchmarks.demo_build [--scale 10 --scale 100]

The demo is built as an operator builds it (``commission demo --no-serve --scale N``, its own process,
its peak resident memory read by ``/usr/bin/time``), kept in ``benchmarks/.cache/`` for the other
benchmarks (benchmarks/demos.py). A build found in the cache is reported with the time it took then; at
scale 1, the test suite's own build of the same code, timed as it was built (tests/demo_cache.py), counts as one.
Targets: scale 10 within 3 minutes, scale 100 within 20 minutes, both within 1 GB, on this 2-core machine
when it is idle (absolute times: they hold only for the machine they were set for).
"""

from __future__ import annotations

import argparse
import sys

from benchmarks.common import Figure, Kind, Size, table
from benchmarks.demos import sqlite_demo

SECONDS_TARGET = {1: 60.0, 10: 180.0, 100: 1200.0}
MEMORY_TARGET_MIB = 1024.0

SIZES = {Size.SMALLEST: {"scales": [1]}, Size.SMALL: {"scales": [10]}, Size.FULL: {"scales": [10, 100]}}
TARGETS = (f"commission demo --scale 10 built in <= {SECONDS_TARGET[10]:.0f} s, --scale 100 in <= "
           f"{SECONDS_TARGET[100]:.0f} s (full size), peak memory <= {MEMORY_TARGET_MIB:.0f} MiB")


def figures(size: Size, progress: object = print) -> list[Figure]:
    return [figure for scale in SIZES[size]["scales"] for figure in figures_for(scale, progress)]


def figures_for(scale: int, progress: object = print) -> list[Figure]:
    demo = sqlite_demo(scale, progress)
    subject = f"commission demo --scale {scale}"
    found = [Figure("demo", subject, "build seconds", demo.build_s, SECONDS_TARGET.get(scale, SECONDS_TARGET[100]),
                    kind=Kind.TIME, detail="built now" if demo.built_now else "from the cache, when it was built")]
    if demo.peak_mib:
        found.append(Figure("demo", subject, "peak MiB", demo.peak_mib, MEMORY_TARGET_MIB, kind=Kind.TIME))
    return found


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--scale", type=int, action="append")
    args = parser.parse_args(argv)
    progress = lambda line: print(line, file=sys.stderr, flush=True)  # noqa: E731
    found = [figure for scale in args.scale or [10] for figure in figures_for(scale, progress)]
    print(table(found))
    return 0 if all(figure.met for figure in found) else 1


if __name__ == "__main__":
    sys.exit(main())
