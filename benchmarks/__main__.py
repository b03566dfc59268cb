"""Run the benchmarks and print one table of their figures against their targets.

    .venv/bin/python -m benchmarks [--size smallest|small|full] [NAME ...]

Most targets are ratios measured in the same run, on the same machine (two sizes of data, or a page
against a bare page, a document against plain paragraphs, the services against raw SQL), so that they
hold whatever the machine's speed; some are counts (database queries, errors), the same on any machine;
a few are absolute times (the demo's build, the load test's p95), set for this project's 2-core machine
when idle. The scale, load, steps and imports benchmarks measure SQLite and PostgreSQL (when the server of
COMMISSION_BENCH_POSTGRES_URL answers). The exit code is 1 when a target is missed. Each benchmark can
also be run on its own, with its own options:
``python -m benchmarks.pages --help``.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable
from dataclasses import asdict
from pathlib import Path
from types import ModuleType

from benchmarks.common import Figure, Size, table


def registry() -> dict[str, ModuleType]:
    from benchmarks import dashboard, demo_build, documents, imports, load, minutes, pages, scale, steps, workflow

    return {"scale": scale, "load": load, "steps": steps, "documents": documents, "demo": demo_build,
            "pages": pages, "dashboard": dashboard, "minutes": minutes, "workflow": workflow,
            "imports": imports}


def describe() -> str:
    lines = ["benchmarks and their targets:"]
    for name, module in registry().items():
        lines.append(f"  {name:10} {module.TARGETS}")
        sizes = ", ".join(f"{size.value}: {module.SIZES[size]}" for size in Size)
        lines.append(f"  {'':10} sizes: {sizes}")
    return "\n".join(lines)


def run(size: Size, names: list[str], progress: Callable[[str], None] = lambda _line: None) -> list[Figure]:
    modules = registry()
    figures: list[Figure] = []
    for name in names or list(modules):
        progress(f"running {name} ({size.value})...")
        figures.extend(modules[name].figures(size))
    return figures


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks", description=__doc__.splitlines()[0] if __doc__ else None,
        epilog=describe(), formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--size", type=Size, choices=list(Size), default=Size.SMALL,
                        help="how much data to build (default: small)")
    parser.add_argument("names", nargs="*", choices=[[], *registry()], metavar="NAME",
                        help=f"the benchmarks to run (default: all of {', '.join(registry())})")
    args = parser.parse_args(argv)
    figures = run(args.size, args.names, progress=lambda line: print(line, file=sys.stderr, flush=True))
    print(table(figures))
    out = Path(__file__).parent / "results"
    out.mkdir(exist_ok=True)
    (out / f"all-{args.size.value}.json").write_text(json.dumps(
        [{**asdict(figure), "met": figure.met} for figure in figures], indent=2) + "\n")
    return 0 if all(figure.met for figure in figures) else 1


if __name__ == "__main__":
    sys.exit(main())
