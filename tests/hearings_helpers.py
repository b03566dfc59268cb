"""Hearings built as the coordinator and the chair build them: through the services."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy.orm import Session

from commission.models import Case, Hearing
from commission.services import hearing_documents, hearings
from commission.storage import DocumentStore
from tests.cases_helpers import TODAY, new_case, step
from tests.conftest import World

HEARING_DAY = date(2026, 3, 19)  # the third Thursday of March 2026; TODAY is 2 March


def ready_case(session: Session, world: World, name: str, actor: str = "care_a") -> Case:
    case = new_case(session, world, actor, first_name=name)
    step(session, world.users[actor], case, "submit")
    step(session, world.users["coordinator"], case, "mark_ready")
    return case


def plan(session: Session, world: World, day: date = HEARING_DAY, quorum: int = 2) -> Hearing:
    return hearings.plan_hearing(session, world.users["coordinator"], hearings.HearingInput(
        day=day.isoformat(), start_time="14:00", town_id=str(world.towns["Ronchin"].id),
        venue="Salle du conseil", address="Place de la mairie, Ronchin", chair_id=str(world.users["chair"].id),
        quorum=str(quorum), slot_minutes="20",
    ))


@dataclass
class Sitting:
    hearing: Hearing
    cases: list[Case]


def sitting(session: Session, world: World, names: list[str], *, quorum: int = 2,
            day: date = HEARING_DAY) -> Sitting:
    """A hearing with the given files on its agenda, convened, in session, the chair and a member present."""
    coordinator = world.users["coordinator"]
    files = [ready_case(session, world, name) for name in names]
    hearing = plan(session, world, quorum=quorum, day=day)
    hearings.build_agenda(session, coordinator, hearing.id, hearing.version, today=TODAY)
    hearings.fire_hearing(session, coordinator, hearing.id, "convene", expected_version=hearing.version, today=TODAY)
    hearings.fire_hearing(session, world.users["chair"], hearing.id, "open_session",
                          expected_version=hearing.version, today=day)
    present = {world.users["chair"].id, world.users["member"].id}
    hearings.set_attendance(session, world.users["chair"], hearing.id, [
        hearings.AttendanceInput(attendance.id, "present" if attendance.user_id in present else "excused")
        for attendance in hearing.attendances
    ])
    return Sitting(hearing, files)


def attendance_of(hearing: Hearing, user_id: int) -> int:
    return next(attendance.id for attendance in hearing.attendances if attendance.user_id == user_id)


def closed(session: Session, world: World, name: str, day: date, *, signed_in: DocumentStore | None = None) -> Hearing:
    """A hearing that sat, every file on its agenda placed on the waiting list; its minutes signed if a
    store is given."""
    chair = world.users["chair"]
    hearing = sitting(session, world, [name], day=day).hearing
    for item in hearing.items:
        hearings.decide_item(session, chair, hearing.id, item.id,
                             hearings.DecisionInput(decision="waiting_list", reason="Favourable"), today=day)
    hearings.fire_hearing(session, chair, hearing.id, "close", expected_version=None, today=day)
    if signed_in is not None:
        hearings.fire_hearing(session, chair, hearing.id, "approve_minutes", expected_version=None, today=day)
        hearing_documents.sign_minutes(session, chair, signed_in, hearing.id, expected_version=None)
    return hearing
