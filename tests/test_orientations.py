"""Orientation towards the territory's structures (issue 22): from a file, with the person's consent, one or several
structures; each answer followed (sent, accepted, declined, ended); the people followed there counted as helped
by the dashboard and the annual report."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session

from commission import clock
from commission.errors import ConcurrentChange, Forbidden, InvalidInput, TransitionRefused
from commission.models import AuditEntry, Case
from commission.models.directory import Orientation, OrientationTransition, Structure, StructureKind
from commission.services import dashboard, hearings, orientations
from commission.services.unit import unit_of_work
from tests.cases_helpers import new_case
from tests.conftest import World, fresh
from tests.hearings_helpers import HEARING_DAY, sitting
from tests.web.test_query_counts import count_queries

ORIENTED = date(2026, 4, 1)
ANSWERED = date(2026, 4, 15)
SEEN = date(2026, 5, 4)


def unit(session: Session, call, *args, **kwargs):  # type: ignore[no-untyped-def]
    with unit_of_work(session):
        return call(session, *args, **kwargs)


def structure(session: Session, world: World, name: str = "GEM Les Amis",
              kind: StructureKind = StructureKind.MUTUAL_HELP_GROUP, active: bool = True) -> Structure:
    row = Structure(name=name, kind=kind, town_id=world.towns["Ronchin"].id, active=active)
    session.add(row)
    session.commit()
    return row


def refused_case(session: Session, world: World, name: str = "Dan") -> Case:
    with clock.travel(date(2026, 3, 2)):
        s = sitting(session, world, [name])
    with clock.travel(HEARING_DAY):
        for item in s.hearing.items:
            hearings.decide_item(session, world.users["chair"], s.hearing.id, item.id, hearings.DecisionInput(
                decision="refuse", place_id="", reason="Projet à construire"), today=HEARING_DAY)
    session.commit()
    (case,) = s.cases
    session.refresh(case)
    return case


def data(*structures: Structure, **overrides: str) -> orientations.OrientationInput:
    values = orientations.OrientationInput(
        structure_id=[str(row.id) for row in structures], reason="Rompre l'isolement",
        request="Accueil aux après-midis", consent_on="2026-03-30", sent_on=ORIENTED.isoformat())
    for name, value in overrides.items():
        setattr(values, name, value)
    return values


def orient(session: Session, world: World, actor: str, case: Case, *rows: Structure,
           **overrides: str) -> list[Orientation]:
    return unit(session, orientations.orient, world.users[actor], case.id, data(*rows, **overrides), today=ORIENTED)


def take(session: Session, world: World, actor: str, orientation: Orientation, trigger: str, on: date = ANSWERED,
         note: str = "", version: int | None = None) -> Orientation:
    return unit(session, orientations.take_step, world.users[actor], orientation.id, trigger, on=on.isoformat(),
                note=note, expected_version=orientation.version if version is None else version, today=SEEN)


def test_a_refused_applicant_oriented_to_a_mutual_help_group_is_counted_as_helped(session: Session,
                                                                                 world: World) -> None:
    case = refused_case(session, world)
    coordinator = world.users["coordinator"]
    before = dashboard.year_figures(session, coordinator, 2026, today=SEEN)
    gem = structure(session, world)
    (orientation,) = orient(session, world, "care_a", case, gem)
    assert orientation.state == "sent" and orientation.created_by_id == world.users["care_a"].id
    views = orientations.orientations_of_case(session, world.users["care_a"], case.id)
    assert [step.trigger for step in views[0].offered] == ["accept", "decline"]
    take(session, world, "care_a", orientation, "accept", note="Première visite faite")
    assert orientation.state == "accepted" and orientation.answered_on == ANSWERED
    after = dashboard.year_figures(session, coordinator, 2026, today=SEEN)
    assert after.followed_elsewhere == before.followed_elsewhere + 1
    assert after.helped == before.helped + 1
    assert after.helped_since_start == before.helped_since_start + 1
    report = dashboard.annual_report(session, coordinator, 2026, "Conseil", today=SEEN)
    assert report.figures.helped == after.helped and report.figures.followed_elsewhere == 1
    # Seen as of a day before the acceptance, the person was not followed there yet.
    assert dashboard.year_figures(session, coordinator, 2026, today=date(2026, 4, 10)).followed_elsewhere == 0
    # Ended: no longer followed there on the day, still helped in the year.
    take(session, world, "care_a", orientation, "end", on=date(2026, 5, 1))
    ended = dashboard.year_figures(session, coordinator, 2026, today=SEEN)
    assert (ended.followed_elsewhere, ended.helped) == (0, after.helped)
    steps = session.execute(select(OrientationTransition.trigger).where(
        OrientationTransition.orientation_id == orientation.id).order_by(OrientationTransition.id)).scalars().all()
    assert steps == ["orient", "accept", "end"]
    actions = session.execute(select(AuditEntry.action, AuditEntry.details).where(
        AuditEntry.object_type == "orientation")).all()
    assert [action for action, _ in actions] == ["orientation.orient", "orientation.accept", "orientation.end"]
    assert all("Rompre" not in str(details) and "visite" not in str(details) for _, details in actions)


def test_several_structures_at_once_all_or_nothing(session: Session, world: World) -> None:
    case = new_case(session, world)
    gem, cmp_ = structure(session, world), structure(session, world, "CMP Ronchin", StructureKind.CMP)
    closed = structure(session, world, "Ancien GEM", active=False)
    with pytest.raises(InvalidInput) as refused:
        orient(session, world, "care_a", case, gem, closed)
    assert "structure_id" in refused.value.errors
    assert session.execute(select(func.count()).select_from(Orientation)).scalar_one() == 0
    made = orient(session, world, "care_a", case, gem, cmp_)
    assert sorted(row.structure_id for row in made) == sorted([gem.id, cmp_.id])
    with pytest.raises(InvalidInput) as again:
        orient(session, world, "coordinator", case, gem)
    assert "structure_id" in again.value.errors  # still open there: its answer is recorded instead


def test_dates_and_reasons_are_checked(session: Session, world: World) -> None:
    case = new_case(session, world)
    gem = structure(session, world)
    for overrides, field in (({"consent_on": ""}, "consent_on"), ({"consent_on": "2026-04-02"}, "consent_on"),
                             ({"sent_on": "2026-03-29"}, "sent_on"), ({"sent_on": "2026-04-02"}, "sent_on"),
                             ({"reason": ""}, "reason"), ({"structure_id": []}, "structure_id")):
        with pytest.raises(InvalidInput) as refused:
            orient(session, world, "care_a", case, gem, **overrides)  # type: ignore[arg-type]
        assert field in refused.value.errors, overrides
    (orientation,) = orient(session, world, "care_a", case, gem)
    with pytest.raises(InvalidInput) as no_reason:
        take(session, world, "care_a", orientation, "decline")
    assert "note" in no_reason.value.errors
    with pytest.raises(InvalidInput) as early:
        take(session, world, "care_a", orientation, "accept", on=date(2026, 3, 31))
    assert "on" in early.value.errors
    with pytest.raises(InvalidInput) as later:
        take(session, world, "care_a", orientation, "accept", on=date(2026, 5, 5))
    assert "on" in later.value.errors
    take(session, world, "care_a", orientation, "decline", note="Plus de place dans le groupe")
    assert orientation.state == "declined" and orientation.answered_on == ANSWERED
    with pytest.raises(TransitionRefused):
        take(session, world, "care_a", orientation, "end")


def test_another_team_the_anonymised_and_a_stale_version_are_refused(session: Session, world: World) -> None:
    case = new_case(session, world)
    gem = structure(session, world)
    with pytest.raises(Forbidden):
        orient(session, world, "care_b", case, gem)
    for role in ("member", "treasurer", "landlord_a"):
        with pytest.raises(Forbidden):
            orient(session, world, role, case, gem)
    (orientation,) = orient(session, world, "care_a", case, gem)
    with pytest.raises(Forbidden):
        take(session, world, "care_b", orientation, "accept")
    with pytest.raises(Forbidden):
        orientations.orientations_of_case(session, world.users["care_b"], case.id)
    with pytest.raises(ConcurrentChange):
        take(session, world, "care_a", orientation, "accept", version=orientation.version + 1)
    case.applicant.anonymised_at = datetime(2026, 4, 2, tzinfo=UTC)
    session.commit()
    with pytest.raises(TransitionRefused):
        orient(session, world, "coordinator", case, structure(session, world, "CMP", StructureKind.CMP))
    with pytest.raises(TransitionRefused):
        take(session, world, "coordinator", orientation, "accept")


def test_reading_and_the_figures_take_a_bounded_number_of_queries(session: Session, world: World,
                                                                  engine: Engine) -> None:
    case = new_case(session, world)
    coordinator = world.users["coordinator"]
    rows = [structure(session, world, f"GEM {n}") for n in range(12)]

    def grow(start: int, count: int) -> None:
        for row in rows[start:start + count]:
            (made,) = orient(session, world, "care_a", case, row)
            take(session, world, "care_a", made, "accept")

    def queries() -> tuple[int, int]:
        fresh(session)
        with count_queries(engine) as reading:
            orientations.orientations_of_case(session, world.users["care_a"], case.id)
        fresh(session)
        from commission.services.dashboard.cache import forget

        forget()
        with count_queries(engine) as figures:
            dashboard.year_figures(session, coordinator, 2026, today=SEEN)
        return len(reading), len(figures)

    grow(0, 2)
    small = queries()
    grow(2, 10)
    assert queries() == small
