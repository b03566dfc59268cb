"""The dashboard's figures, each checked against a count made here, independently, from the raw records.

The scheme below is built through the services with the clock moved to each step's day: a year 2026 of
applications, a hearing, two move-ins, an exit, money in and out; then early 2027, when a second
person leaves and a vacated place is made available again. The year 2026 is seen as it stood on
31 December (what happened in 2027 must not show), the year 2027 as of "today", 31 March 2027.
"""

from __future__ import annotations

import statistics
from collections import Counter
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from commission import clock
from commission.clock import COUNCIL_ZONE
from commission.errors import Forbidden, NotFound
from commission.models import (
    Account,
    Agreement,
    Case,
    CaseTransition,
    Deposit,
    DepositTransition,
    EntryKind,
    Hearing,
    LedgerEntry,
    LedgerLine,
    Occupancy,
    Place,
    PlaceKind,
    PlaceTransition,
)
from commission.models.followup import CaseExit, ExitReason
from commission.models.hearings import AgendaItem, Decision, ItemKind
from commission.services import accounts, dashboard, followup, hearings, stock, treasury, treasury_reports
from tests.cases_helpers import step
from tests.conftest import World, build_world, fresh, is_postgres, load_world, starting_scenario, world_ids
from tests.databases import Ids, Restored, Scenario
from tests.hearings_helpers import HEARING_DAY, sitting

PAST, CURRENT = 2026, 2027
TODAY = date(2027, 3, 31)  # "today" for the current year's figures
YEAR_END = date(2026, 12, 31)
MOVE_IN = date(2026, 4, 18)
NAMES = ["Ada", "Bea", "Cyd", "Dan", "Eve"]


@dataclass
class Scheme:
    world: World
    cases: dict[str, int]
    hostel: int
    agreements: list[int]


def _deposit(session: Session, case_id: int) -> Deposit:
    return session.execute(select(Deposit).where(Deposit.case_id == case_id)).scalar_one()


def build_scheme(session: Session) -> Scheme:
    """The scheme of this module's docstring, through the services, each step on its own day."""
    with clock.travel(date(2026, 1, 5)):
        world = build_world(session)
        coordinator, treasurer = world.users["coordinator"], world.users["treasurer"]
        hostel = stock.create_place(session, coordinator, stock.PlaceInput(
            reference="FOY-001", kind="hostel_place", town_id=str(world.towns["Lesquin"].id), address="3 rue",
            organisation_id=str(world.landlord_b.id), rooms="0", rent="300", charges="50", deposit="200",
        ), today=date(2026, 1, 5))
        accounts.grant_signing_delegation(session, coordinator, world.users["member"].id)
        agreements = [stock.create_agreement(session, coordinator, stock.AgreementInput(
            organisation_id=str(world.landlord_a.id), reference=reference, title="Convention", start_date="2024-01-01",
            end_date=end, renewal="explicit", notice_months="3")).id
            for reference, end in (("CONV-A", "2027-05-01"), ("CONV-B", "2029-01-01"))]
        for row in treasury.contributions(session, treasurer, 2026):
            treasury.call_contribution(session, treasurer, row.id, "2026-01-15")
            treasury.receive_contribution(session, treasurer, row.id, "2026-03-01", "transfer", "C2026")
    with clock.travel(date(2026, 2, 2)):
        s = sitting(session, world, NAMES)
    cases = {name: case.id for name, case in zip(NAMES, s.cases, strict=True)}
    chair = world.users["chair"]
    decisions = {"Ada": ("allocate", world.place_a.id), "Bea": ("allocate", world.place_b.id),
                 "Cyd": ("waiting_list", None), "Dan": ("refuse", None), "Eve": ("defer", None)}
    with clock.travel(HEARING_DAY):
        for item in s.hearing.items:
            name = next(name for name, case_id in cases.items() if case_id == item.case_id)
            decision, place_id = decisions[name]
            hearings.decide_item(session, chair, s.hearing.id, item.id, hearings.DecisionInput(
                decision=decision, place_id=str(place_id or ""), reason="Heard"), today=HEARING_DAY)
        hearings.fire_hearing(session, chair, s.hearing.id, "close", expected_version=None, today=HEARING_DAY)
    day = HEARING_DAY + timedelta(days=3)
    with clock.travel(day):
        for name in ("Ada", "Bea"):
            case = session.get(Case, cases[name])
            assert case is not None
            step(session, world.users["care_a"], case, "accept_offer", today=day)
            deposit = _deposit(session, case.id)
            treasury.fire_deposit(session, world.users["member"], deposit.id, "commit", expected_version=None,
                                  today=day)
            treasury.fire_deposit(session, treasurer, deposit.id, "pay", expected_version=None, today=day,
                                  movement=treasury.Movement(value_date=day.isoformat()))
            step(session, coordinator, case, "start_move_in", today=day,
                 values={"move_in_date": MOVE_IN, "lease_kind": "sublease", "lease_start": MOVE_IN})
    with clock.travel(MOVE_IN):
        for name in ("Ada", "Bea"):
            case = session.get(Case, cases[name])
            assert case is not None
            step(session, coordinator, case, "confirm_housed", today=MOVE_IN)
    with clock.travel(date(2026, 7, 10)):
        followup.record_exit(session, coordinator, cases["Ada"], followup.ExitInput(
            reason="ordinary_housing", exit_date="2026-07-10", place_condition="good"), today=date(2026, 7, 10))
    with clock.travel(date(2026, 8, 3)):
        treasury.fire_deposit(session, treasurer, _deposit(session, cases["Ada"]).id, "refund", expected_version=None,
                              today=date(2026, 8, 3), movement=treasury.Movement(value_date="2026-08-03"))
    with clock.travel(date(2027, 1, 20)):
        followup.record_exit(session, coordinator, cases["Bea"], followup.ExitInput(
            reason="eviction", exit_date="2027-01-20", place_condition="damaged"), today=date(2027, 1, 20))
    with clock.travel(date(2027, 2, 1)):
        stock.make_available(session, coordinator, world.place_a.id, "Clean, keys back", expected_version=None,
                             today=date(2027, 2, 1))
    scheme = Scheme(world, cases, hostel.id, agreements)
    fresh(session)  # the tests read what the services committed; no transaction is left open
    return scheme


def _build_scheme_scenario(session: Session, _instance: Path, _ids: Ids) -> Ids:
    scheme = build_scheme(session)
    return {"world": world_ids(scheme.world), "cases": scheme.cases, "hostel": scheme.hostel,
            "agreements": scheme.agreements}


# Built once per run (its own small council, created on its first day), copied for each test.
SCHEME = Scenario("dashboard-scheme", _build_scheme_scenario)


def load_scheme(session: Session, ids: Ids) -> Scheme:
    return Scheme(load_world(session, ids["world"]), dict(ids["cases"]), ids["hostel"], list(ids["agreements"]))


@pytest.fixture
def scenario(request: pytest.FixtureRequest) -> Scenario | None:
    return starting_scenario(request, scheme=SCHEME)


@pytest.fixture
def scheme(session: Session, restored: Restored) -> Scheme:
    return load_scheme(session, restored.ids)


def figures_of(session: Session, scheme: Scheme, year: int) -> dashboard.YearFigures:
    return dashboard.year_figures(session, scheme.world.users["coordinator"], year, today=TODAY)


# ---------------------------------------------------------------- independent counts, from the raw rows


def end_of(day: date) -> datetime:
    return datetime.combine(day + timedelta(days=1), time.min, tzinfo=COUNCIL_ZONE).astimezone(UTC)


def council_day(moment: datetime) -> date:
    return moment.astimezone(COUNCIL_ZONE).date()


def as_of(year: int) -> date:
    return TODAY if year == CURRENT else date(year, 12, 31)


def replay(session: Session, record: Any, step_model: Any, owner: str, day: date) -> dict[int, str]:
    """What each record's state was at the end of ``day``, replaying its steps in Python."""
    steps: dict[int, list[Any]] = {}
    for row in session.execute(select(step_model)).scalars():
        steps.setdefault(getattr(row, owner), []).append(row)
    limit, states = end_of(day), {}
    for row in session.execute(select(record)).scalars():
        if row.created_at >= limit:
            continue
        ordered = sorted(steps.get(row.id, []), key=lambda one: (one.at, one.id))
        before = [one for one in ordered if one.at < limit]
        after = [one for one in ordered if one.at >= limit]
        states[row.id] = before[-1].to_state if before else (after[0].from_state if after else row.state)
    return states


def case_steps(session: Session) -> dict[int, list[CaseTransition]]:
    steps: dict[int, list[CaseTransition]] = {}
    for row in session.execute(select(CaseTransition).order_by(CaseTransition.at, CaseTransition.id)).scalars():
        steps.setdefault(row.case_id, []).append(row)
    return steps


def entered_waiting_list(steps: list[CaseTransition], before: datetime) -> datetime | None:
    """The first step into the waiting list since the last submission, before the moment given."""
    submitted = [one.at for one in steps if one.trigger == "submit" and one.at <= before]
    since = submitted[-1] if submitted else datetime.min.replace(tzinfo=UTC)
    return next((one.at for one in steps if one.to_state == "waiting_list" and since < one.at < before), None)


def in_year(moment: datetime, year: int) -> bool:
    return date(year, 1, 1) <= council_day(moment) <= as_of(year)


def durations(values: list[int]) -> dashboard.Durations:
    if not values:
        return dashboard.Durations(0, None, None)
    return dashboard.Durations(len(values), float(statistics.median(values)), round(statistics.fmean(values), 1))


# ---------------------------------------------------------------- the tests


@pytest.mark.parametrize("year", [PAST, CURRENT])
def test_places_by_kind_and_state(session: Session, scheme: Scheme, year: int) -> None:
    found = figures_of(session, scheme, year)
    states = replay(session, Place, PlaceTransition, "place_id", as_of(year))
    kinds = {place.id: place.kind for place in session.execute(select(Place)).scalars()}
    expected = Counter((kinds[place_id], state) for place_id, state in states.items())
    assert {(row.kind, state): count for row in found.places for state, count in row.counts.items() if count} == \
        dict(expected)
    in_stock = sum(count for (_kind, state), count in expected.items() if state != "withdrawn")
    occupied = sum(count for (_kind, state), count in expected.items() if state == "occupied")
    assert found.places_in_stock == in_stock and found.occupied == occupied
    assert found.occupancy_rate == round(100 * occupied / in_stock, 1)
    if year == CURRENT:  # today, the replay is the places' own state
        assert states == {place.id: place.state for place in session.execute(select(Place)).scalars()}


def test_the_past_year_does_not_see_what_came_after_it(session: Session, scheme: Scheme) -> None:
    past, current = figures_of(session, scheme, PAST), figures_of(session, scheme, CURRENT)
    apartments = next(row for row in past.places if row.kind is PlaceKind.APARTMENT)
    assert apartments.counts["vacated"] == 1 and apartments.counts["occupied"] == 1  # Ada left, Bea stayed
    apartments = next(row for row in current.places if row.kind is PlaceKind.APARTMENT)
    assert apartments.counts["available"] == 1 and apartments.counts["vacated"] == 1  # Bea left in 2027
    assert (past.housed, past.followed, current.housed, current.followed) == (1, 2, 0, 1)
    assert past.deposits_outstanding == 1 and current.deposits_outstanding == 1
    assert past.period == dashboard.Period(PAST, YEAR_END, current=False)
    assert current.period == dashboard.Period(CURRENT, TODAY, current=True)


@pytest.mark.parametrize("year", [PAST, CURRENT])
def test_vacancies_and_their_duration(session: Session, scheme: Scheme, year: int) -> None:
    found = figures_of(session, scheme, year)
    states = replay(session, Place, PlaceTransition, "place_id", as_of(year))
    created = {place.id: place.created_at for place in session.execute(select(Place)).scalars()}
    days = []
    for place_id, state in states.items():
        if state not in ("available", "vacated"):
            continue
        starts = [one.at for one in session.execute(select(PlaceTransition).where(
            PlaceTransition.place_id == place_id)).scalars()
            if one.at < end_of(as_of(year)) and one.to_state in ("available", "vacated")
            and one.from_state not in ("available", "vacated")]
        days.append((as_of(year) - council_day(max(starts) if starts else created[place_id])).days)
    assert found.vacancies == durations(days)
    assert found.vacancies.count == (2 if year == PAST else 3)


@pytest.mark.parametrize("year", [PAST, CURRENT])
def test_the_waiting_list_and_its_waiting_times(session: Session, scheme: Scheme, year: int) -> None:
    found = figures_of(session, scheme, year)
    states = replay(session, Case, CaseTransition, "case_id", as_of(year))
    steps = case_steps(session)
    waiting = [case_id for case_id, state in states.items() if state == "waiting_list"]
    expected = []
    for case_id in waiting:
        entered = entered_waiting_list(steps[case_id], end_of(as_of(year)))
        assert entered is not None
        expected.append((as_of(year) - council_day(entered)).days)
    assert found.waiting_list == durations(expected)
    assert waiting == [scheme.cases["Cyd"]]


@pytest.mark.parametrize("year", [PAST, CURRENT])
def test_applications_and_decisions(session: Session, scheme: Scheme, year: int) -> None:
    found = figures_of(session, scheme, year)
    steps = case_steps(session)
    rows = [one for case_steps_ in steps.values() for one in case_steps_ if in_year(one.at, year)]
    assert found.applications_received == sum(1 for one in rows if one.trigger == "submit")
    decided = [one for one in rows if one.trigger in ("allocate", "place_on_waiting_list", "defer", "refuse")]
    assert found.decisions == {trigger: sum(1 for one in decided if one.trigger == trigger)
                               for trigger in dashboard.DECISION_TRIGGERS}
    delays = []
    for one in decided:
        submitted = [other.at for other in steps[one.case_id] if other.trigger == "submit" and other.at <= one.at]
        delays.append((council_day(one.at) - council_day(submitted[-1])).days)
    assert found.submission_to_decision == durations(delays)
    offers = [one for one in rows if one.trigger in ("allocate", "offer_next")]
    waits = [(council_day(one.at) - council_day(entered)).days for one in offers
             if (entered := entered_waiting_list(steps[one.case_id], one.at)) is not None]
    assert found.waiting_to_allocation == durations(waits)
    if year == PAST:
        assert found.decisions == {"allocate": 2, "place_on_waiting_list": 1, "defer": 1, "refuse": 1}
        assert found.submission_to_decision == dashboard.Durations(5, 45.0, 45.0)


@pytest.mark.parametrize("year", [PAST, CURRENT])
def test_movements_per_quarter_and_exits_by_reason(session: Session, scheme: Scheme, year: int) -> None:
    found = figures_of(session, scheme, year)
    first, last = date(year, 1, 1), as_of(year)
    moves = [row.move_in_date for row in session.execute(select(Occupancy)).scalars()
             if first <= row.move_in_date <= last]
    exits = [row for row in session.execute(select(CaseExit)).scalars() if first <= row.exit_date <= last]
    assert found.admissions == [sum(1 for day in moves if (day.month - 1) // 3 == q) for q in range(4)]
    assert found.exits == [sum(1 for row in exits if (row.exit_date.month - 1) // 3 == q) for q in range(4)]
    assert found.exits_by_reason == {reason: sum(1 for row in exits if row.reason is reason) for reason in ExitReason}
    occupancies = list(session.execute(select(Occupancy)).scalars())
    assert found.housed == len({row.case_id for row in occupancies if row.move_in_date <= last
                                and (row.ended_on is None or row.ended_on > last)})
    assert found.followed == len({row.case_id for row in occupancies if row.move_in_date <= last
                                  and (row.ended_on is None or row.ended_on >= first)})
    if year == PAST:
        assert found.admissions == [0, 2, 0, 0] and found.exits == [0, 0, 1, 0]


@pytest.mark.parametrize("year", [PAST, CURRENT])
def test_deposits_outstanding_and_the_money_of_the_year(session: Session, scheme: Scheme, year: int) -> None:
    found = figures_of(session, scheme, year)
    states = replay(session, Deposit, DepositTransition, "deposit_id", as_of(year))
    amounts = {row.id: row.amount_cents for row in session.execute(select(Deposit)).scalars()}
    out = [deposit_id for deposit_id, state in states.items() if state in ("paid", "refund_claimed")]
    assert (found.deposits_outstanding, found.deposits_outstanding_cents) == (len(out), sum(amounts[i] for i in out))
    lines = session.execute(
        select(LedgerEntry.kind, LedgerEntry.value_date, LedgerLine.account, LedgerLine.debit_cents,
               LedgerLine.credit_cents).join(LedgerLine, LedgerLine.entry_id == LedgerEntry.id)).all()
    within = [line for line in lines if date(year, 1, 1) <= line[1] <= as_of(year)]

    def bank(kinds: tuple[EntryKind, ...], sign: int) -> int:
        return sum(sign * (debit - credit) for kind, _day, account, debit, credit in within
                   if account is Account.BANK and kind in kinds)

    money = found.finances
    assert money.contributions_received_cents == bank((EntryKind.CONTRIBUTION_RECEIVED,), 1)
    assert money.deposits_paid_cents == bank((EntryKind.DEPOSIT_PAID,), -1)
    assert money.refunds_received_cents == bank((EntryKind.REFUND_RECEIVED, EntryKind.RETENTION), 1)
    assert money.fund_balance_cents == sum(debit - credit for _kind, day, account, debit, credit in lines
                                           if account is Account.BANK and day <= as_of(year))
    if year == PAST:
        assert money.deposits_paid_cents == 60000 and money.refunds_received_cents == 30000
        # the treasurer's statement of a closed year says the same
        statement = treasury_reports.statement(session, scheme.world.users["treasurer"], year)
        assert (statement.contributions_received_cents, statement.deposits_paid_cents,
                statement.refunds_received_cents, statement.retentions_cents, statement.write_offs_cents,
                statement.other_expenses_cents, statement.closing_cents) == (
            money.contributions_received_cents, money.deposits_paid_cents, money.refunds_received_cents,
            money.retained_cents, money.written_off_cents, money.other_expenses_cents, money.fund_balance_cents)
    else:  # and today, the treasurer's overview
        overview = treasury_reports.overview(session, scheme.world.users["treasurer"], TODAY)
        assert (overview.outstanding_count, overview.outstanding_cents) == (
            found.deposits_outstanding, found.deposits_outstanding_cents)


@pytest.mark.parametrize("year", [PAST, CURRENT])
def test_agreements_in_force_and_to_renew(session: Session, scheme: Scheme, year: int) -> None:
    found = figures_of(session, scheme, year)
    day = as_of(year)
    in_force = [row for row in session.execute(select(Agreement)).scalars()
                if row.start_date <= day and (row.ended_at is None or row.ended_at > day)]
    horizon = stock.add_months(day, stock.RENEWAL_HORIZON_MONTHS)
    assert found.agreements_in_force == len(in_force) == 2
    assert found.agreements_to_renew == sum(1 for row in in_force if row.end_date is not None
                                            and row.end_date <= horizon) == 1
    due = stock.agreements_to_renew(session, scheme.world.users["coordinator"], day)
    assert found.agreements_to_renew == len(due)


@pytest.mark.parametrize("year", [PAST, CURRENT])
def test_the_hearings_of_the_year(session: Session, scheme: Scheme, year: int) -> None:
    found = figures_of(session, scheme, year)
    held = [row for row in session.execute(select(Hearing)).scalars()
            if row.year == year and row.day <= as_of(year) and row.state not in ("planned", "convened", "cancelled")]
    items = [item for item in session.execute(select(AgendaItem)).scalars()
             if item.hearing_id in {row.id for row in held} and item.decision is not None]
    assert found.hearings.held == len(held)
    assert found.hearings.applications_heard == sum(1 for item in items if item.kind is ItemKind.APPLICATION)
    assert found.hearings.reviews == sum(1 for item in items if item.kind is ItemKind.REVIEW)
    assert found.hearings.decisions == {decision: sum(1 for item in items if item.decision is decision)
                                        for decision in Decision}
    assert found.hearings.held == (1 if year == PAST else 0)


def test_the_records_behind_each_figure_are_as_many_as_it_counts(session: Session, scheme: Scheme) -> None:
    coordinator = scheme.world.users["coordinator"]
    found = figures_of(session, scheme, PAST)

    def total(key: str, **filters: str) -> int:
        return dashboard.figure_records(session, coordinator, PAST, key, filters, today=TODAY).total

    for row in found.places:
        for state, count in row.counts.items():
            assert total("places", kind=row.kind.value, state=state) == count
        assert total("places", kind=row.kind.value, state="in_stock") == row.in_stock
    assert total("vacancies") == found.vacancies.count
    assert total("waiting_list") == found.waiting_list.count
    assert total("applications") == found.applications_received
    for trigger, count in found.decisions.items():
        assert total("decisions", outcome=trigger) == count
    assert total("allocations_from_waiting_list") == found.waiting_to_allocation.count
    for quarter in range(4):
        assert total("admissions", quarter=str(quarter + 1)) == found.admissions[quarter]
        assert total("exits", quarter=str(quarter + 1)) == found.exits[quarter]
    for reason, count in found.exits_by_reason.items():
        assert total("exits", reason=reason.value) == count
    assert total("housed") == found.housed and total("followed") == found.followed
    assert total("deposits") == found.deposits_outstanding
    assert total("agreements") == found.agreements_in_force and total("renewals") == found.agreements_to_renew
    assert total("hearings") == found.hearings.held
    waiting = dashboard.figure_records(session, coordinator, PAST, "waiting_list", today=TODAY)
    assert [row.id for row in waiting.rows] == [scheme.cases["Cyd"]]
    assert waiting.rows[0].cells[-1] == dashboard.Days((YEAR_END - HEARING_DAY).days)


def test_who_may_read_the_records_behind_a_figure(session: Session, scheme: Scheme) -> None:
    users = scheme.world.users
    for role in ("chair", "member", "treasurer"):
        with pytest.raises(Forbidden):
            dashboard.figure_records(session, users[role], PAST, "waiting_list", today=TODAY)
        assert dashboard.figure_records(session, users[role], PAST, "places", today=TODAY).total == 3
    assert dashboard.figure_records(session, users["treasurer"], PAST, "deposits", today=TODAY).total == 1
    for role in ("care_a", "landlord_a"):
        with pytest.raises(Forbidden):
            dashboard.year_figures(session, users[role], PAST, today=TODAY)
        with pytest.raises(Forbidden):
            dashboard.figure_records(session, users[role], PAST, "places", today=TODAY)
    assert not dashboard.may_see(users["member"], "agreements") and dashboard.may_see(users["coordinator"], "renewals")


def test_a_year_without_figures_is_not_found(session: Session, scheme: Scheme) -> None:
    coordinator = scheme.world.users["coordinator"]
    assert dashboard.available_years(session, coordinator, TODAY) == [2027, 2026]
    for year in (2025, 2028, 1900):
        with pytest.raises(NotFound, match="There are no figures"):
            dashboard.year_figures(session, coordinator, year, today=TODAY)
    with pytest.raises(NotFound):
        dashboard.figure_records(session, coordinator, PAST, "places", {"state": "lost"}, today=TODAY)
    with pytest.raises(NotFound):
        dashboard.figure_records(session, coordinator, PAST, "nothing", today=TODAY)


def test_charts_are_deterministic_svg_fit_for_a_strict_page() -> None:
    from xml.etree import ElementTree

    from commission.documents import charts

    def draw() -> charts.Chart:
        return charts.bar_chart("chart-test", "Moves <per quarter> & more", ["Q1", "Q2", "Q3", "Q4"],
                                [charts.Series("In", (1, 2, 0, 3)), charts.Series("Out", (0, 1, 1, 0))])

    first = draw()
    charts._bar_chart.cache_clear()
    second = draw()
    assert first.svg == second.svg and first is not second  # drawn twice, the same bytes
    assert draw() is second  # the same figures again: not redrawn
    svg = first.svg
    assert svg.startswith("<svg ") and 'role="img"' in svg and 'aria-labelledby="chart-test-title"' in svg
    assert "style" not in svg and "xlink" not in svg and "<?xml" not in svg and "Date" not in svg
    root = ElementTree.fromstring(svg)  # noqa: S314  # our own output
    namespace = "{http://www.w3.org/2000/svg}"
    title = root.find(f"{namespace}title")
    assert title is not None and title.text == "Moves <per quarter> & more"
    ids = {element.get("id") for element in root.iter() if element.get("id")}
    assert all(identifier.startswith("chart-test-") for identifier in ids)
    references = {value[1:] for element in root.iter() for value in [element.get("href")] if value}
    references |= {reference for element in root.iter() for value in element.attrib.values()
                   for reference in charts._REFERENCE.findall(value)}
    assert references and references <= ids
    texts = {element.text for element in root.iter(f"{namespace}text")}
    assert {"Q1", "Q4", "In", "Out", "3"} <= texts  # text stays text: read, searched, copied


@pytest.fixture
def isolation() -> str:
    """The tests go through ``session`` and ``client`` only: on PostgreSQL, the scenario's own database in a
    transaction rolled back at the end, rather than a copy of it (see conftest's ``isolation``)."""
    return "rollback" if is_postgres() else "copy"
