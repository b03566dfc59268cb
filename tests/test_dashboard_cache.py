"""The dashboard's figures are kept while the data they come from stays the same, and computed again as soon
as it changes (through the services, outside them, in another process), never handed to a viewer who may
see less than the one they were computed for; the durations grouped by days in SQL say what the lists of
days said; the council's day in SQL is the council's day."""

from __future__ import annotations

import random
import re
import threading
from collections import Counter
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import Engine, literal, select, update
from sqlalchemy.orm import Session, sessionmaker

from commission.clock import COUNCIL_ZONE
from commission.db import UTCDateTime
from commission.documents import charts
from commission.models import Place, PlaceKind
from commission.models.followup import EventKind, FollowUpEvent
from commission.services import audit, dashboard, stock
from commission.services.dashboard import cache, days
from commission.services.dashboard import figures as figures_module
from tests.conftest import fresh, starting_scenario
from tests.databases import Restored, Scenario
from tests.test_dashboard import CURRENT, PAST, SCHEME, TODAY, Scheme, load_scheme
from tests.web.test_query_counts import count_queries


@pytest.fixture
def scenario(request: pytest.FixtureRequest) -> Scenario | None:
    return starting_scenario(request, scheme=SCHEME)


@pytest.fixture
def scheme(session: Session, restored: Restored) -> Scheme:
    return load_scheme(session, restored.ids)


def engine_of(session: Session) -> Engine:
    bind = session.get_bind()
    assert isinstance(bind, Engine)
    return bind


def seen(session: Session, scheme: Scheme, year: int = CURRENT, role: str = "coordinator"
         ) -> tuple[dashboard.YearFigures, int]:
    """The figures as a new request sees them (a transaction of its own), and how many queries it took."""
    fresh(session)
    user = scheme.world.users[role]
    assert user.role is not None  # the request's own reading of its user, before the dashboard's queries
    with count_queries(engine_of(session)) as statements:
        found = dashboard.year_figures(session, user, year, today=TODAY)
    return found, len(statements)


def apartments(found: dashboard.YearFigures) -> int:
    return next(row.in_stock for row in found.places if row.kind is PlaceKind.APARTMENT)


# ---------------------------------------------------------------- kept while nothing changes


def test_figures_seen_again_cost_one_query_while_nothing_changes(session: Session, scheme: Scheme) -> None:
    for year in (PAST, CURRENT):
        first, computed = seen(session, scheme, year)
        again, kept = seen(session, scheme, year)
        assert again is first and kept == 1 < computed  # the data's version, read in one query
    assert seen(session, scheme, CURRENT)[0].period.year == CURRENT


def test_a_change_through_the_services_shows_at_once(session: Session, scheme: Scheme) -> None:
    before, _ = seen(session, scheme)
    stock.create_place(session, scheme.world.users["coordinator"], stock.PlaceInput(
        reference="APP-NEW", kind="apartment", town_id=str(scheme.world.towns["Lesquin"].id), address="9 rue",
        organisation_id=str(scheme.world.landlord_a.id), rooms="2", rent="400", charges="50", deposit="400",
    ), today=TODAY)
    session.commit()
    after, _ = seen(session, scheme)
    assert apartments(after) == apartments(before) + 1


def test_a_write_outside_the_services_shows_at_once(session: Session, scheme: Scheme) -> None:
    before, _ = seen(session, scheme)
    hostel = session.get(Place, scheme.hostel)
    assert hostel is not None
    hostel.kind = PlaceKind.APARTMENT  # no step, no entry in the audit trail: this process's own write
    session.commit()
    after, _ = seen(session, scheme)
    assert apartments(after) == apartments(before) + 1


def test_a_change_recorded_by_another_process_shows_at_once(session: Session, scheme: Scheme) -> None:
    """Another process's change is recorded in the audit trail, as every change the services make."""
    before, _ = seen(session, scheme)
    # Written beside the ORM, so that this process's count of its own writes does not move: only the
    # audit trail tells the change.
    session.connection().execute(update(Place).where(Place.id == scheme.hostel).values(kind=PlaceKind.APARTMENT))
    audit.record(session, scheme.world.users["coordinator"], "place.updated", "place", scheme.hostel)
    session.commit()
    after, _ = seen(session, scheme)
    assert apartments(after) == apartments(before) + 1


def test_a_login_leaves_the_figures_as_they_were(session: Session, scheme: Scheme) -> None:
    first, _ = seen(session, scheme)
    coordinator = scheme.world.users["coordinator"]
    audit.record(session, coordinator, "account.login", "user", coordinator.id, {"remote_addr": "127.0.0.1"})
    session.commit()
    again, queries = seen(session, scheme)
    assert again is first and queries == 2  # the version, then what the trail recorded since: a login only
    assert seen(session, scheme)[1] == 1  # and from then on, the version alone
    audit.record(session, coordinator, "hearing.updated", "hearing", 1)  # a record of the scheme's, maybe changed
    session.commit()
    assert seen(session, scheme)[0] is not first


def test_another_history_is_not_this_one(session: Session, scheme: Scheme) -> None:
    """A database restored from a backup, then written to: the trail's head may come back to an id it had,
    with another entry there; the figures kept from the first history are not this one's."""
    fresh(session)
    now = cache.version(session)
    assert now.audit_id is not None and now.audit_hash is not None
    assert cache._still_true(session, now, now)
    assert not cache._still_true(session, replace(now, audit_hash="0" * 64), now)
    assert not cache._still_true(session, replace(now, audit_id=now.audit_id + 1), now)
    assert not cache._still_true(session, replace(now, writes=now.writes - 1), now)
    assert not cache._still_true(session, replace(now, largest_ids=(0, *now.largest_ids[1:])), now)


def test_each_viewer_gets_figures_computed_for_what_they_may_see(session: Session, scheme: Scheme) -> None:
    coordinators, computed = seen(session, scheme, role="coordinator")
    members, member_computed = seen(session, scheme, role="member")
    assert members is not coordinators and member_computed > 1 < computed  # computed anew, not the coordinator's
    assert members == coordinators  # the figures are the same; what each may follow them to is not
    assert seen(session, scheme, role="member") == (members, 1)
    treasurers, treasurer_computed = seen(session, scheme, role="treasurer")  # who sees the fund's details
    assert treasurers is not members and treasurer_computed > 1
    assert cache.version(session) == cache.version(session)  # nothing changed meanwhile


def test_figures_asked_for_at_once_are_computed_once(session: Session, scheme: Scheme,
                                                     session_factory: sessionmaker[Session],
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    computed: list[int] = []
    compute = figures_module._year_figures

    def counted(*args: Any) -> dashboard.YearFigures:
        computed.append(1)
        return compute(*args)

    monkeypatch.setattr(figures_module, "_year_figures", counted)
    start = threading.Barrier(6)
    found: list[dashboard.YearFigures] = []

    def view() -> None:
        with session_factory() as own:
            user = own.get(type(scheme.world.users["member"]), scheme.world.users["member"].id)
            start.wait()
            found.append(dashboard.year_figures(own, user, PAST, today=TODAY))

    threads = [threading.Thread(target=view) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(found) == 6 and len(computed) == 1 and all(one is found[0] for one in found)


def test_a_chart_asked_for_at_once_is_drawn_once(monkeypatch: pytest.MonkeyPatch) -> None:
    drawn: list[int] = []
    draw = charts._bar_chart._draw
    ready = threading.Barrier(6)

    def counted(*args: Any) -> charts.Chart:
        drawn.append(1)
        return draw(*args)

    monkeypatch.setattr(charts._bar_chart, "_draw", counted)
    results: list[charts.Chart] = []

    def ask() -> None:
        ready.wait()
        results.append(charts.bar_chart("chart-once", "Once", ["A", "B"], [charts.Series("N", (1, 2))]))

    threads = [threading.Thread(target=ask) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(results) == 6 and len(drawn) == 1 and all(chart is results[0] for chart in results)
    monkeypatch.undo()
    assert charts.bar_chart("chart-once", "Once", ["A", "B"], [charts.Series("N", (1, 3))]) is not results[0]


def test_the_figures_read_no_table_but_those_watched(session: Session, scheme: Scheme) -> None:
    """A change to a table the figures read must show at once: every table they read is watched."""
    read: set[str] = set()
    for year in (PAST, CURRENT):
        cache.forget()
        fresh(session)
        treasurer = scheme.world.users["treasurer"]
        assert treasurer.role is not None  # loaded before the count
        with count_queries(engine_of(session)) as statements:
            dashboard.year_figures(session, treasurer, year, today=TODAY)
            dashboard.available_years(session, treasurer, TODAY)
        assert len(statements) > 5  # computed, not kept
        read |= {name for statement in statements
                 for name in re.findall(r'(?:FROM|JOIN)\s+"?([a-z_]+)"?', statement)}
    assert read, statements
    assert read - {"audit_head", "audit_entry"} <= cache.WATCHED_TABLES, read - cache.WATCHED_TABLES


def test_a_home_visit_recorded_leaves_the_figures_as_they_were(session: Session, scheme: Scheme) -> None:
    first, _ = seen(session, scheme)
    # As the follow-up service records it (Bea has left by TODAY: written here as it would have been then).
    visit = FollowUpEvent(case_id=scheme.cases["Bea"], kind=EventKind.VISIT, occurred_on=date(2027, 1, 10))
    session.add(visit)
    session.flush()
    audit.record(session, scheme.world.users["coordinator"], "followup.event_recorded", "case", scheme.cases["Bea"],
                 {"event_id": visit.id, "kind": "visit"})
    session.commit()
    assert seen(session, scheme)[0] is first  # an event of a person's follow-up: no figure counts it
    audit.record(session, scheme.world.users["coordinator"], "case.exit_recorded", "case", scheme.cases["Bea"])
    session.commit()
    assert seen(session, scheme)[0] is not first  # what the trail says of the file itself may change a figure


# ---------------------------------------------------------------- durations and days in SQL


def test_durations_from_counts_are_the_durations_of_the_list() -> None:
    chosen = random.Random(7)
    for size in range(40):
        for _ in range(10):
            values = [chosen.randint(0, 500) for _ in range(size)]
            assert dashboard.Durations.of_counts(Counter(values).items()) == dashboard.Durations.of(values)
    assert dashboard.Durations.of_counts([(3, 0), (5, 2)]) == dashboard.Durations(2, 5.0, 5.0)


def test_the_councils_day_in_sql_is_the_councils_day(session: Session) -> None:
    dialect = session.get_bind().dialect.name
    years = (2019, 2028)
    moments = [datetime(2026, 12, 31, 22, 59, 59, 999999, tzinfo=UTC), datetime(2026, 12, 31, 23, tzinfo=UTC)]
    for changed, _offset in days.offset_changes(*years)[1:]:
        assert changed.astimezone(COUNCIL_ZONE).utcoffset() != (changed - timedelta(seconds=1)).astimezone(
            COUNCIL_ZONE).utcoffset()
        for seconds in (-3601, -1, 0, 1, 3599, 3600, 79199, 79200, 82799, 82800, 86399):
            moments.append(changed + timedelta(seconds=seconds))
    assert len(days.offset_changes(*years)) == 1 + 2 * 10  # summer time each year
    expressions = [days.council_day(dialect, literal(moment, UTCDateTime()), years) for moment in moments]
    found = session.execute(select(*expressions)).one()
    expected = [moment.astimezone(COUNCIL_ZONE).date() for moment in moments]
    assert [one if isinstance(one, date) else date.fromisoformat(one) for one in found] == expected
    between = days.days_between(dialect, days.day_value(dialect, date(2027, 3, 31)),
                                days.council_day(dialect, literal(moments[1], UTCDateTime()), years))
    assert session.execute(select(between)).scalar_one() == 89
