"""Fifty people at work at once: the larger demo served as in production, each user waiting one to three
seconds between requests, reading their pages and writing (a visit recorded in a person's follow-up),
for a bounded time.

    .venv/bin/python -m benchmarks.load [--users 50] [--seconds 60] [--scale 10] [--backend sqlite ...]

The users are spread over the roles as a council's day is (care teams and the coordinator most, who also
write; chairs, members, the treasurer, a landlord, the data-protection officer reading). Each logs in
once (staggered over the first seconds, as people arrive), then reads a page of their menu or of their
usual records, or writes. Counted: errors (any 5xx), reads refused as "changed meanwhile" (409: a read
must never be), every answer's time. Targets: no error, no refused read, a p95 under 300 ms on an idle
machine (a time, not a ratio: the one figure here that depends on the machine's speed and load).
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import sys
import tempfile
import threading
import time
from collections import Counter
from dataclasses import asdict, dataclass, field
from datetime import date
from pathlib import Path

from benchmarks.client import Browser
from benchmarks.common import Figure, Kind, Size
from benchmarks.demos import backends, sqlite_demo
from benchmarks.scale import ACCOUNTS, PASSWORD, Server, percentile, serve

P95_TARGET_MS = 300.0
WRITE_SHARE = 0.2  # of the requests of the roles that write
# How many of the users each role has (for 50; scaled for another count).
MIX = {"care_team": 16, "coordinator": 8, "chair": 8, "member": 6, "treasurer": 5, "landlord": 4,
       "data_protection": 3}
SECOND_TEAM = "soignant.mons"


@dataclass
class Request:
    kind: str  # "read", "write" or "login"
    path: str
    status: int
    seconds: float


@dataclass
class LoadResult:
    backend: str
    scale: int
    users: int
    seconds: float
    requests: list[Request] = field(default_factory=list)

    def of(self, kind: str) -> list[Request]:
        return [request for request in self.requests if request.kind == kind]

    @property
    def errors(self) -> int:
        return sum(request.status >= 500 for request in self.requests)

    @property
    def refused_reads(self) -> int:
        return sum(request.status == 409 for request in self.of("read"))

    def p(self, share: float) -> float:
        times = [request.seconds for request in self.requests if request.kind != "login"]
        return 1000 * percentile(times, share) if times else float("nan")

    def summary(self) -> dict[str, object]:
        statuses = Counter(request.status for request in self.requests)
        times = [request.seconds for request in self.requests if request.kind != "login"]
        return {"backend": self.backend, "scale": self.scale, "users": self.users, "seconds": self.seconds,
                "requests": len(self.requests), "per_second": len(self.requests) / self.seconds,
                "statuses": dict(statuses), "errors": self.errors, "refused_reads": self.refused_reads,
                "p50_ms": 1000 * statistics.median(times) if times else None, "p95_ms": self.p(0.95),
                "p99_ms": self.p(0.99), "writes": len(self.of("write")), "slowest": self.slowest()}

    def slowest(self, count: int = 8) -> dict[str, float]:
        """The pages whose p95 is the longest: where the time goes."""
        by_page: dict[str, list[float]] = {}
        for request in self.requests:
            if request.kind != "login":
                page = "/".join("<id>" if part.isdigit() else part for part in request.path.split("/"))
                by_page.setdefault(f"{request.kind} {page}", []).append(request.seconds)
        p95 = {page: round(1000 * percentile(times, 0.95)) for page, times in by_page.items()}
        return dict(sorted(p95.items(), key=lambda item: -item[1])[:count])


def _logins(server: Server, users: int) -> list[tuple[str, str]]:
    """(role, login) of each simulated user."""
    logins = {**ACCOUNTS, "chair": server.logins["chair"]}
    total = sum(MIX.values())
    people: list[tuple[str, str]] = []
    for role, count in MIX.items():
        for number in range(max(1, round(count * users / total))):
            login = SECOND_TEAM if role == "care_team" and number % 2 else logins[role]
            people.append((role, login))
    return people[:users]


def _user(server: Server, role: str, login: str, until: float, seed: int, out: list[Request],
          lock: threading.Lock) -> None:
    rng = random.Random(seed)
    browser = Browser("127.0.0.1", server.port)
    mine: list[Request] = []
    try:
        time.sleep(rng.uniform(0, 3))  # people arrive over the first seconds
        started = time.perf_counter()
        browser.login(login, PASSWORD)
        mine.append(Request("login", "/login", 302, time.perf_counter() - started))
        pages = server.pages[role]
        followed = server.followed.get(login, [])
        while time.monotonic() < until:
            time.sleep(rng.uniform(1, 3))
            if time.monotonic() >= until:
                break
            if role in ("care_team", "coordinator") and followed and rng.random() < WRITE_SHARE:
                case_id = rng.choice(followed)
                answer = browser.post(f"/cases/{case_id}/followup/events", {
                    "kind": "visit", "occurred_on": date.today().isoformat(),
                    "summary": "Visite à domicile : la personne va bien.", "incident_kind": "", "action_taken": "",
                }, form_page=f"/cases/{case_id}/followup")
                mine.append(Request("write", f"/cases/{case_id}/followup/events", answer.status, answer.seconds))
            else:
                path = rng.choice(pages)
                answer = browser.get(path)
                mine.append(Request("read", path, answer.status, answer.seconds))
    except OSError as error:  # a connection refused or cut: counted as an error
        mine.append(Request("read", f"connection: {error}", 599, 0.0))
    finally:
        browser.close()
        with lock:
            out.extend(mine)


def run_load(server: Server, users: int, seconds: float) -> LoadResult:
    result = LoadResult(server.backend, server.scale, users, seconds)
    people = _logins(server, users)
    # The coordinator writes in any team's files; each care team in its own.
    server.followed[ACCOUNTS["coordinator"]] = server.followed.get(ACCOUNTS["care_team"], [])
    lock = threading.Lock()
    until = time.monotonic() + seconds
    threads = [threading.Thread(target=_user, args=(server, role, login, until, number, result.requests, lock))
               for number, (role, login) in enumerate(people)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return result


def run(scale: int, users: int, seconds: float, asked: list[str] | None = None,
        progress: object = print) -> list[LoadResult]:
    demo = sqlite_demo(scale, progress, timed=False)
    results = []
    for backend in backends(asked):
        with tempfile.TemporaryDirectory(prefix="commission-load-") as folder, \
                serve(backend, demo, Path(folder), progress) as server:
            _teams(server)
            progress(f"  {users} users for {seconds:.0f} s on {backend}, scale {scale}...")  # type: ignore[operator]
            results.append(run_load(server, users, seconds))
    return results


def _teams(server: Server) -> None:
    """The second care team's followed files too (discover() finds the first's)."""
    from sqlalchemy import select

    from commission.db import make_engine
    from commission.models.accounts import User
    from commission.models.cases import Case
    from commission.workflow.case import CASE_MACHINE
    from commission.workflow.tags import Tag

    engine = make_engine(server.database_url)
    with engine.connect() as connection:
        team = connection.execute(select(User.care_team_id).where(User.login == SECOND_TEAM)).scalar_one()
        server.followed[SECOND_TEAM] = list(connection.execute(select(Case.id).where(
            Case.care_team_id == team, Case.state.in_(CASE_MACHINE.tagged(Tag.FOLLOWED)))).scalars())
    engine.dispose()
    # The second team's people reads its menu's pages (the first team's files are not its own).
    server.pages["care_team"] = [path for path in server.pages["care_team"] if not path.startswith("/cases/")]


SIZES = {Size.SMALLEST: {"scale": 1, "users": 5, "seconds": 5, "asked": ["sqlite"]},
         Size.SMALL: {"scale": 10, "users": 50, "seconds": 60, "asked": None},
         Size.FULL: {"scale": 10, "users": 50, "seconds": 180, "asked": None}}
TARGETS = (f"50 users, 1-3 s between requests, 60 s, mixed reads and writes: no 5xx, no read refused (409), "
           f"p95 <= {P95_TARGET_MS:.0f} ms on an idle machine")


def to_figures(results: list[LoadResult]) -> list[Figure]:
    out = []
    for result in results:
        subject = f"{result.backend}, {result.users} users, scale {result.scale}"
        summary = result.summary()
        detail = (f"{summary['requests']} requests ({summary['per_second']:.1f}/s, {summary['writes']} writes), "
                  f"p50 {summary['p50_ms']:.0f} ms, p99 {summary['p99_ms']:.0f} ms")
        out.append(Figure("load", subject, "5xx answers", result.errors, 0, kind=Kind.COUNT, detail=detail))
        out.append(Figure("load", subject, "reads refused (409)", result.refused_reads, 0, kind=Kind.COUNT))
        out.append(Figure("load", subject, "p95 ms", result.p(0.95), P95_TARGET_MS, kind=Kind.TIME))
    return out


def figures(size: Size, progress: object = print) -> list[Figure]:
    return to_figures(run(**SIZES[size], progress=progress))  # type: ignore[arg-type]


def main(argv: list[str] | None = None) -> int:
    from benchmarks.common import table

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--users", type=int, default=50)
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--scale", type=int, default=10)
    parser.add_argument("--backend", action="append", choices=["sqlite", "postgresql"])
    args = parser.parse_args(argv)
    results = run(args.scale, args.users, args.seconds, args.backend,
                  progress=lambda line: print(line, file=sys.stderr, flush=True))
    found = to_figures(results)
    print(table(found))
    out = Path(__file__).parent / "results"
    out.mkdir(exist_ok=True)
    (out / "load.json").write_text(json.dumps(
        [{**result.summary(), "requests_detail": [asdict(r) for r in result.requests if r.status >= 400]}
         for result in results], indent=2) + "\n")
    return 0 if all(figure.met for figure in found) else 1


if __name__ == "__main__":
    sys.exit(main())
