"""Where the replayed years start: the commission's files when the software was put in use, taken over from its
register in the first weeks.

The council had been allocating its places for years: when the software starts, nearly every place is lived in,
and people the commission found eligible wait for one. The coordinator enters them: each person housed, with
their file (one step, "taken over", to housed), the place occupied since the day they moved in (one step), the
occupancy, the care team's plan; the deposit the council paid for the place, requested, committed and paid in
the fund's new ledger once the year's contributions came in; and each person on the waiting list, with their
file. The files, occupancies and places' steps are written in bulk (:mod:`.demo_bulk`) with their records and
audit entries; the money and the care plans go through the services.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from functools import partial
from typing import TYPE_CHECKING

from sqlalchemy import select

from commission import clock, demo_people
from commission.demo_bulk import Step, insert_rows, record_steps
from commission.demo_people import Person
from commission.demo_phrases import TAKEN_OVER_HOUSED, TAKEN_OVER_PLACE, TAKEN_OVER_WAITING, french_date
from commission.models.cases import Case, CaseTransition
from commission.models.housing import Place, PlaceKind, PlaceTransition
from commission.models.tenancy import LeaseKind, Occupancy
from commission.models.treasury import Deposit
from commission.services import treasury, unit
from commission.workflow.case import CASE_MACHINE
from commission.workflow.deposit import DEPOSIT_MACHINE
from commission.workflow.place import PLACE_MACHINE
from commission.workflow.tags import Tag

if TYPE_CHECKING:
    from commission.demo_calendar import Replay

TRIGGER = "import"  # the step that takes a file over from the register
OCCUPIED_AT_START = 0.94  # the share of the places lived in when the software starts
WAITING_AT_START = 8  # people on the waiting list then (times the scale)
ENTERED_OVER_DAYS = (7, 20)  # the days after the software's start over which the coordinator enters the register
# The states the register's files and places are taken over in, as their machines name them.
(HOUSED,) = CASE_MACHINE.tagged(Tag.HOUSED)
(WAITING,) = CASE_MACHINE.tagged(Tag.ON_WAITING_LIST)
(OCCUPIED,) = PLACE_MACHINE.tagged(Tag.OCCUPIED)


@dataclass(frozen=True)
class Tenant:
    case_id: int
    place_id: int
    moved_in: date


@dataclass
class TakenOver:
    tenants: list[Tenant] = dataclasses.field(default_factory=list)
    vacant: list[int] = dataclasses.field(default_factory=list)  # the places vacant then


def take_over(replay: Replay, day0: date) -> TakenOver:
    """Put the register's files on the calendar, from ``day0`` (the software's first day): the year's
    contributions called and received first (the fund's opening), then the people housed and waiting, entered
    day by day, their care plans and deposits following."""
    rng = replay.rng
    taken = TakenOver()
    housed: dict[date, list[tuple[Person, Place, date]]] = {}
    for place in replay.places:
        if rng.random() >= OCCUPIED_AT_START:
            taken.vacant.append(place.id)
            place.vacant_since = day0 - timedelta(days=rng.randint(5, 40))
            continue
        person = demo_people.draw(rng, replay.fake, rng.choice(replay.teams), replay.towns, kind=place.kind.value)
        person = dataclasses.replace(
            person, address=f"{place.address}, {next(t.name for t in replay.towns if t.id == place.town_id)}",
            ground_floor=person.ground_floor and place.floor == 0, accessible=person.accessible and place.accessible)
        moved_in = day0 - timedelta(days=rng.randint(60, 8 * 365))
        housed.setdefault(day0 + timedelta(days=rng.randint(*ENTERED_OVER_DAYS)), []).append((person, place, moved_in))
    waiting: dict[date, list[tuple[Person, date]]] = {}
    for _ in range(WAITING_AT_START * replay.scale):
        person = demo_people.draw(rng, replay.fake, rng.choice(replay.teams), replay.towns)
        since = day0 - timedelta(days=rng.randint(20, 400))
        waiting.setdefault(day0 + timedelta(days=rng.randint(*ENTERED_OVER_DAYS)), []).append((person, since))
    replay.at(day0 + timedelta(days=2), partial(_open_fund, replay, day0.year))
    for day in sorted(set(housed) | set(waiting)):
        replay.at(day, partial(_enter, replay, taken, housed.get(day, []), waiting.get(day, [])))
    return taken


def _open_fund(replay: Replay, year: int, day: date) -> None:
    """The year's contributions, called when the fund opens, received over the next days."""
    for row in treasury.contributions(replay.session, replay.treasurer, year):
        treasury.call_contribution(replay.session, replay.treasurer, row.id, day.isoformat())
        replay.at(replay.later(day, 1, 5), partial(_receive, replay, row.id))


def _receive(replay: Replay, row_id: int, day: date) -> None:
    treasury.receive_contribution(replay.session, replay.treasurer, row_id, day.isoformat(), "transfer",
                                  f"MANDAT-{day:%Y}-{row_id:03d}")


def _enter(replay: Replay, taken: TakenOver, housed: list[tuple[Person, Place, date]],
           waiting: list[tuple[Person, date]], day: date) -> None:
    """One day's entries of the register: the files, their steps, the occupancies and the places' steps."""
    rng, session, coordinator = replay.rng, replay.session, replay.coordinator
    noon = clock.now()
    people = [person for person, _place, _moved_in in housed] + [person for person, _since in waiting]
    extra: list[dict[str, object]] = []
    for _person, place, moved_in in housed:
        lease = (rng.choices(["sublease", "direct"], weights=[70, 30])[0] if place.kind is PlaceKind.APARTMENT
                 else "occupancy")
        submitted = moved_in - timedelta(days=rng.randint(90, 300))
        extra.append({"allocated_place_id": place.id, "move_in_date": moved_in, "lease_kind": lease,
                      "lease_start": moved_in, "review_due": day + timedelta(days=rng.randint(60, 420)),
                      "submitted_at": _noon(submitted), "consent_date": submitted})
    for _person, since in waiting:
        submitted = since - timedelta(days=rng.randint(30, 120))
        extra.append({"submitted_at": _noon(submitted), "consent_date": submitted,
                      "decision_reason": "Avis favorable\u202f; aucune place adaptée disponible pour le moment."})
    states = [HOUSED] * len(housed) + [WAITING] * len(waiting)
    case_ids = demo_people.insert_files(session, people, [
        {"state": state, "version": 1, "created_by_id": coordinator.id, **more}
        for state, more in zip(states, extra, strict=True)])
    reasons = [TAKEN_OVER_HOUSED.format(moved_in=french_date(moved_in)) for _person, _place, moved_in in housed]
    reasons += [TAKEN_OVER_WAITING.format(since=french_date(since)) for _person, since in waiting]
    record_steps(session, CaseTransition, [
        Step(coordinator, TRIGGER, None, state, "case", case_id, {"case_id": case_id, "case_version": 1,
                                                                   "comment": ""},
             reason=reason, extra={"comment": ""}, at=noon)
        for case_id, state, reason in zip(case_ids, states, reasons, strict=True)])
    tenants = [Tenant(case_id, place.id, moved_in)
               for case_id, (_p, place, moved_in) in zip(case_ids[:len(housed)], housed, strict=True)]
    insert_rows(session, Occupancy, [
        {"place_id": tenant.place_id, "case_id": tenant.case_id, "lease_kind": LeaseKind(row["lease_kind"]),
         "lease_start": tenant.moved_in, "lease_end": None, "move_in_date": tenant.moved_in}
        for tenant, row in zip(tenants, extra[:len(tenants)], strict=True)])
    places = [place for _person, place, _moved_in in housed]
    for place in places:
        place.state, place.vacant_since = OCCUPIED, None
    session.flush()  # each place's version moves on with its step
    record_steps(session, PlaceTransition, [
        Step(coordinator, "occupy", PLACE_MACHINE.initial, place.state, "place", place.id,
             {"place_id": place.id, "place_version": place.version},
             reason=TAKEN_OVER_PLACE.format(moved_in=french_date(tenant.moved_in)), at=noon)
        for place, tenant in zip(places, tenants, strict=True)])
    unit.commit(session)
    for tenant in tenants:
        taken.tenants.append(tenant)
        replay.taken_over(tenant.case_id, day)
        replay.at(replay.later(day, 1, 3), partial(_deposit, replay, tenant))


def _noon(day: date) -> datetime:
    return clock.at_noon(day)


def _deposit(replay: Replay, tenant: Tenant, day: date) -> None:
    """The deposit the council paid for the place, entered in the fund's ledger: asked for, committed by the
    holder of the signing delegation, paid (its payment dated when the fund took it over)."""
    session = replay.session
    case, place = session.get(Case, tenant.case_id), session.get(Place, tenant.place_id)
    assert case is not None and place is not None
    deposit = treasury.request_deposit(session, replay.coordinator, case, place, day)
    if deposit is None:
        return
    treasury.take_deposit_step(session, replay.delegate, deposit, "commit", treasury.Movement(), day)
    replay.at(replay.later(day, 1, 4), partial(_pay, replay, deposit.id))


def _pay(replay: Replay, deposit_id: int, day: date) -> None:
    deposit = replay.session.execute(select(Deposit).where(Deposit.id == deposit_id)).scalar_one()
    if DEPOSIT_MACHINE.allows("pay", deposit.state):
        treasury.fire_deposit(replay.session, replay.treasurer, deposit_id, "pay", expected_version=None, today=day,
                              movement=treasury.Movement(value_date=day.isoformat(), method="transfer",
                                                         reference=f"REPRISE-{day:%Y}-{deposit_id:04d}"))
