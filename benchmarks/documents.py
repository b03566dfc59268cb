"""How close a hearing's documents come to WeasyPrint's floor, and what a second request for them costs.

Run on demand (never in the test suite), from the project's folder:

    .venv/bin/python -m benchmarks.documents [--minutes 22] [--agenda 495] [--repeat 3]

A SQLite database is built as the tests build theirs (``tests.conftest.build_world``), through the
services: a hearing that sat, with ``--minutes`` files decided and closed (its minutes a draft, rendered
from the records at each request until they are signed), and a convened hearing with ``--agenda`` files
on its agenda. The coordinator asks for the minutes and for the agenda as the web does
(``hearing_documents.minutes_pdf`` and ``agenda_pdf``), the kept documents emptied before each request:
the first reader after a change waits for that. In the same run, interleaved with them, the floor: plain
paragraphs filling as many pages, rendered by the same pipeline (``commission.documents.pdf.html_to_pdf``:
the same stylesheet, fonts and PDF/A profile), which WeasyPrint cannot go below for that many pages.

Targets: each document's seconds per page at most ``FLOOR_TARGET`` times the floor's (a ratio, whatever
the machine's speed); a second request, the records unchanged, renders nothing (a count: it is served
from the kept document; its time is shown beside). Times are the process's CPU time
(``time.process_time``): rendering is single-threaded, and what other processes do on the machine does
not count; each figure is the median of ``--repeat`` requests, after one request to warm up. The figures
are written to ``benchmarks/results/documents.json``; the exit code is 1 when a target is missed.
"""

from __future__ import annotations

import argparse
import gc
import json
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from datetime import date
from functools import partial
from io import BytesIO
from pathlib import Path

from pypdf import PdfReader
from sqlalchemy.orm import Session

from benchmarks.common import Figure, Kind, Size
from commission import migrate
from commission.db import make_engine, make_session_factory
from commission.documents import pdf as pdf_module
from commission.documents.rendered import RenderedDocuments, rendered_documents
from commission.models import Hearing, User
from commission.services import hearing_documents, hearings
from commission.storage import DocumentStore
from tests.cases_helpers import TODAY
from tests.conftest import World, build_world
from tests.hearings_helpers import HEARING_DAY, plan, ready_case, sitting

FLOOR_TARGET = 3.0
AGENDA_DAY = date(2026, 6, 18)
FIRST_NAMES = ("Camille", "Julien", "Nadia", "Thierry", "Sophie", "Karim", "Brigitte", "Mathieu", "Yasmina")
REASONS = ("Projet de soin stabilisé depuis un an ; autonomie suffisante pour vivre seul.",
           "La personne souhaite un logement hors du secteur ; orientation vers le bailleur direct.")
PARAGRAPH = ("La commission examine les demandes de logement en appartement associatif, entend les personnes et "
             "leurs équipes de soin, puis décide d'une attribution, d'une attente, d'un ajournement ou d'un refus.")


@dataclass
class Measure:
    document: str
    items: int
    pages: int
    kib: int  # size of the PDF
    seconds: float  # the first request, median CPU seconds (the data read, the PDF rendered)
    floor_seconds: float  # plain paragraphs, as many pages, median CPU seconds
    kept_seconds: float  # the second request, median CPU seconds
    kept_renderings: int  # PDFs rendered by the second requests (0: served from the kept document)

    @property
    def ratio(self) -> float:
        """Seconds per page over the floor's seconds per page (the same number of pages)."""
        return self.seconds / self.floor_seconds


def floor_html(paragraphs: int) -> str:
    body = "".join(f"<p>{number}. {PARAGRAPH}</p>" for number in range(1, paragraphs + 1))
    head = '<meta charset="utf-8"><title>Plancher</title>'
    return f'<!doctype html><html lang="fr"><head>{head}</head><body>{body}</body></html>'


def pages(pdf: bytes) -> int:
    return len(PdfReader(BytesIO(pdf)).pages)


def floor_for(target: int) -> str:
    """Plain paragraphs filling exactly ``target`` pages (found by trying; each page holds about fifteen)."""
    paragraphs = 15 * target
    for _ in range(8):
        found = pages(pdf_module.html_to_pdf(floor_html(paragraphs)))
        if found == target:
            return floor_html(paragraphs)
        paragraphs = max(1, paragraphs + (target - found) * 15 - (found > target))
    raise RuntimeError(f"no floor of {target} pages")


@contextmanager
def counting_renderings() -> Iterator[list[int]]:
    """How many PDFs WeasyPrint renders meanwhile (``html_to_pdf`` is every document's way to it)."""
    count = [0]
    original = pdf_module.html_to_pdf

    def counted(html: str, **kwargs: object) -> bytes:
        count[0] += 1
        return original(html, **kwargs)  # type: ignore[arg-type]

    pdf_module.html_to_pdf = counted
    try:
        yield count
    finally:
        pdf_module.html_to_pdf = original


def cpu(call: Callable[[], object]) -> tuple[float, object]:
    """The CPU seconds a call takes, after a full collection: a collection of everything the process holds
    costs it a good part of a second, and whether one falls within a request or the next is chance."""
    gc.collect()
    started = time.process_time()
    result = call()
    return time.process_time() - started, result


def minutes_hearing(session: Session, world: World, items: int) -> Hearing:
    """A hearing that sat and closed, every file decided (on the waiting list or refused) with a reason."""
    chair = world.users["chair"]
    hearing = sitting(session, world, [f"{FIRST_NAMES[n % len(FIRST_NAMES)]}{n}" for n in range(items)]).hearing
    for n, item in enumerate(hearings.items(session, hearing)):
        hearings.decide_item(session, chair, hearing.id, item.id, hearings.DecisionInput(
            decision=("waiting_list", "refuse")[n % 2], reason=REASONS[n % 2], attended=("yes", "no")[n % 3 == 2],
            note="Visite du logement prévue avec l'infirmière coordinatrice." if n % 4 == 0 else ""), today=HEARING_DAY)
    hearings.fire_hearing(session, chair, hearing.id, "close", expected_version=None, today=HEARING_DAY)
    session.commit()
    return hearing


def agenda_hearing(session: Session, world: World, items: int) -> Hearing:
    """A convened hearing with ``items`` files on its agenda (and whatever files were waiting for one)."""
    coordinator = world.users["coordinator"]
    for n in range(items):
        ready_case(session, world, f"{FIRST_NAMES[n % len(FIRST_NAMES)]}{n}", actor=("care_a", "care_b")[n % 2])
    hearing = plan(session, world, day=AGENDA_DAY)
    hearings.build_agenda(session, coordinator, hearing.id, hearing.version, today=TODAY)
    hearings.fire_hearing(session, coordinator, hearing.id, "convene", expected_version=hearing.version, today=TODAY)
    session.commit()
    return hearing


def measure(documents: dict[str, tuple[int, Callable[[], bytes]]], kept: RenderedDocuments,
            repeat: int) -> list[Measure]:
    """Each document requested ``repeat`` times with nothing kept, each time followed by its floor and by a
    second request, the records unchanged."""
    first = {name: request() for name, (_items, request) in documents.items()}  # warm up: templates, fonts
    floors = {name: floor_for(pages(pdf)) for name, pdf in first.items()}
    times: dict[str, list[float]] = {name: [] for name in documents}
    floor_times: dict[str, list[float]] = {name: [] for name in documents}
    kept_times: dict[str, list[float]] = {name: [] for name in documents}
    renderings = dict.fromkeys(documents, 0)
    for _ in range(repeat):
        for name, (_items, request) in documents.items():
            kept.clear()
            times[name].append(cpu(request)[0])
            floor_times[name].append(cpu(partial(pdf_module.html_to_pdf, floors[name]))[0])
            with counting_renderings() as count:
                elapsed, pdf = cpu(request)
            assert isinstance(pdf, bytes) and pages(pdf) == pages(first[name]), name
            kept_times[name].append(elapsed)
            renderings[name] += count[0]
    return [Measure(name, items, pages(first[name]), len(first[name]) // 1024, statistics.median(times[name]),
                    statistics.median(floor_times[name]), statistics.median(kept_times[name]), renderings[name])
            for name, (items, _request) in documents.items()]


def run(minutes_items: int, agenda_items: int, repeat: int) -> list[Measure]:
    with tempfile.TemporaryDirectory() as folder:
        engine = make_engine(f"sqlite:///{folder}/bench.sqlite")
        migrate.upgrade(engine)
        sessions = make_session_factory(engine)
        with sessions() as session:
            world = build_world(session)
            sat = minutes_hearing(session, world, minutes_items).id
            convened = agenda_hearing(session, world, agenda_items).id
            coordinator = world.users["coordinator"].id
            items = {"minutes": len(session.get_one(Hearing, sat).items),
                     "agenda": len(session.get_one(Hearing, convened).items)}
        gc.collect()  # what the building left behind is not the requests' to collect
        store = DocumentStore(Path(folder) / "documents")
        kept = rendered_documents(Path(folder))

        def minutes() -> bytes:  # a request: a session of its own, as the web's
            with sessions() as session:
                return hearing_documents.minutes_pdf(session, session.get_one(User, coordinator), store, sat,
                                                     kept=kept)[1]

        def agenda() -> bytes:
            with sessions() as session:
                actor = session.get_one(User, coordinator)
                return hearing_documents.agenda_pdf(session, actor, hearings.get_hearing(session, actor, convened),
                                                    kept=kept)

        try:
            return measure({"minutes": (items["minutes"], minutes), "agenda": (items["agenda"], agenda)}, kept,
                           repeat)
        finally:
            engine.dispose()


SIZES = {Size.SMALLEST: {"minutes": 2, "agenda": 6, "repeat": 1},
         Size.SMALL: {"minutes": 8, "agenda": 120, "repeat": 3},
         Size.FULL: {"minutes": 22, "agenda": 495, "repeat": 3}}
TARGETS = (f"the minutes' and the agenda's seconds per page <= {FLOOR_TARGET:g}x plain paragraphs' (same pages, same "
           "run); a second request, the records unchanged, renders nothing (served from the kept document)")


def _figures(measures: list[Measure]) -> list[Figure]:
    figures = []
    for m in measures:
        subject = f"{m.document}, {m.items} items ({m.pages} pages)"
        figures.append(Figure("documents", subject, "s/page / floor's", m.ratio, FLOOR_TARGET,
                              detail=f"{m.seconds / m.pages * 1000:.0f} vs {m.floor_seconds / m.pages * 1000:.0f} "
                                     f"ms/page; {m.seconds:.2f} s in all"))
        figures.append(Figure("documents", f"{m.document}, second request", "renderings", m.kept_renderings, 0,
                              kind=Kind.COUNT, detail=f"{m.kept_seconds * 1000:.0f} ms, the first "
                                                      f"{m.seconds * 1000:.0f} ms"))
    return figures


def figures(size: Size) -> list[Figure]:
    sizes = SIZES[size]
    return _figures(run(sizes["minutes"], sizes["agenda"], sizes["repeat"]))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--minutes", type=int, default=22, help="files decided at the hearing whose minutes are read")
    parser.add_argument("--agenda", type=int, default=495, help="files on the agenda of the large hearing")
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args(argv)
    if args.minutes < 1 or args.agenda < 1 or args.repeat < 1:
        parser.error("--minutes, --agenda and --repeat must be positive")
    measures = run(args.minutes, args.agenda, args.repeat)
    print(f"{'document':10} {'items':>6} {'pages':>6} {'PDF KiB':>8} {'s/page':>8} {'floor':>8} {'ratio':>6} "
          f"{'second request':>15} {'renderings':>10}")
    for m in measures:
        print(f"{m.document:10} {m.items:6} {m.pages:6} {m.kib:8} {m.seconds / m.pages:8.3f} "
              f"{m.floor_seconds / m.pages:8.3f} {m.ratio:6.2f} {m.kept_seconds * 1000:12.0f} ms "
              f"{m.kept_renderings:10}")
    figures_ = _figures(measures)
    missed = [f"{figure.subject}: {figure.measure}" for figure in figures_ if not figure.met]
    print(f"\ntargets: s/page <= {FLOOR_TARGET:g}x the floor's; second request renders nothing: "
          f"{'met' if not missed else 'MISSED: ' + '; '.join(missed)}")
    out = Path(__file__).parent / "results"
    out.mkdir(exist_ok=True)
    (out / "documents.json").write_text(json.dumps({
        "minutes": args.minutes, "agenda": args.agenda, "repeat": args.repeat, "clock": "process CPU time",
        "target": {"floor_ratio": FLOOR_TARGET, "second_request_renderings": 0},
        "measures": [{**asdict(m), "ratio": m.ratio} for m in measures], "missed": missed,
    }, indent=2) + "\n")
    return 1 if missed else 0


if __name__ == "__main__":
    sys.exit(main())
