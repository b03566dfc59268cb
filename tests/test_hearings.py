"""A whole hearing through the services: planning, agenda, convocation, session, decisions, minutes."""

from __future__ import annotations

import re
from datetime import date

import pytest
from pypdf import PdfReader
from sqlalchemy import select
from sqlalchemy.orm import Session

from commission.errors import Forbidden, InvalidInput, TransitionRefused
from commission.models import Case, CaseTransition, Decision, Hearing, HearingTransition, Minutes, MinutesStatus
from commission.models.hearings import SignedMinutesAreImmutable
from commission.services import hearing_documents, hearings
from commission.storage import DocumentStore
from tests.cases_helpers import TODAY, step
from tests.conftest import World, fresh, is_postgres
from tests.hearings_helpers import HEARING_DAY, attendance_of, plan, ready_case, sitting


def states(session: Session, files: list[Case]) -> list[str]:
    fresh(session)
    return [session.get(Case, case.id).state for case in files]  # type: ignore[union-attr]


def pdf_text(data: bytes) -> str:
    import io

    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)


def test_a_whole_hearing(session: Session, world: World, tmp_path: object) -> None:
    coordinator, chair = world.users["coordinator"], world.users["chair"]
    later = plan(session, world, day=date(2026, 6, 18))
    s = sitting(session, world, ["Ada", "Bea", "Chloé", "Dan", "Eve"])
    hearing = s.hearing
    assert [item.case_id for item in hearing.items] == [case.id for case in s.cases]
    assert states(session, s.cases) == ["scheduled"] * 5
    assert hearing.items[1].time_slot is not None and hearing.items[1].time_slot.isoformat() == "14:20:00"
    assert hearings.quorum(hearing).met

    member = attendance_of(hearing, world.users["member"].id)
    chair_seat = attendance_of(hearing, chair.id)
    ada, bea, chloe, dan, eve = hearing.items

    def decide(item: object, **fields: object) -> None:
        hearings.decide_item(session, chair, hearing.id, item.id,  # type: ignore[attr-defined]
                             hearings.DecisionInput(**fields), today=HEARING_DAY)  # type: ignore[arg-type]

    decide(ada, decision="allocate", place_id=str(world.place_a.id), reason="Close to the CMP", attended="yes",
           votes={chair_seat: "in_favour"}, recusals={member: "Knows the family"})
    decide(bea, decision="ranked", place_id=str(world.place_a.id), rank="2", reason="Next for this place",
           votes={chair_seat: "in_favour", member: "abstain"})
    # the hearing cannot close with undecided items
    with pytest.raises(TransitionRefused, match="without a decision"):
        hearings.fire_hearing(session, chair, hearing.id, "close", expected_version=None, today=HEARING_DAY)
    decide(chloe, decision="waiting_list", reason="Favourable", votes={chair_seat: "in_favour", member: "against"})
    decide(dan, decision="defer", reason="Awaiting the guardian's budget", deferred_to_id=str(later.id))
    decide(eve, decision="refuse", reason="The project is not built with the person yet")
    assert states(session, s.cases) == ["allocated", "waiting_list", "waiting_list", "deferred", "refused"]

    hearings.fire_hearing(session, chair, hearing.id, "close", expected_version=None, today=HEARING_DAY)
    hearings.update_minutes(session, coordinator, hearing.id, remarks="Welcome to the new members.",
                            movements="Two moves in.", notes={})
    hearings.fire_hearing(session, chair, hearing.id, "approve_minutes", expected_version=None, today=HEARING_DAY)
    store = DocumentStore(tmp_path / "store")  # type: ignore[operator]
    hearing_documents.sign_minutes(session, chair, store, hearing.id, expected_version=None)
    fresh(session)
    minutes = session.execute(select(Minutes).where(Minutes.hearing_id == hearing.id)).scalar_one()
    assert minutes.status is MinutesStatus.SIGNED and minutes.signed_by_id == chair.id
    text = pdf_text(store.get(minutes.pdf_sha256))
    for expected in ("Ronchin", "User chair", "User member", "Close to the CMP", "Awaiting the guardian's budget",
                     "The project is not built with the person yet", "Ada Martin", "Welcome to the new members."):
        assert expected in text, expected
    redacted = pdf_text(store.get(minutes.redacted_sha256))
    for name in ("Ada", "Bea", "Chloé", "Dan", "Eve"):
        assert f"{name} Martin" not in redacted
    assert "17/05/1980" not in redacted and "1980" not in redacted

    # the hearing's and the cases' records follow
    steps = session.execute(select(HearingTransition.trigger).where(HearingTransition.hearing_id == hearing.id)
                            .order_by(HearingTransition.id)).scalars().all()
    assert steps == ["plan", "convene", "open_session", "close", "approve_minutes", "sign_minutes"]
    ada_steps = session.execute(select(CaseTransition.trigger).where(CaseTransition.case_id == s.cases[0].id)
                                .order_by(CaseTransition.id)).scalars().all()
    assert ada_steps[-3:] == ["schedule", "hear", "allocate"]

    # signed minutes never change: not through the service, not even through the ORM
    with pytest.raises(TransitionRefused):
        hearings.update_minutes(session, coordinator, hearing.id, remarks="Changed", movements="", notes={})
    fresh(session)
    signed = session.get(Minutes, minutes.id)
    assert signed is not None
    signed.remarks = "Tampered"
    with pytest.raises(SignedMinutesAreImmutable):
        session.flush()
    session.rollback()

    # a correction is a new version; the signed one stays
    hearings.fire_hearing(session, coordinator, hearing.id, "correct_minutes", expected_version=None,
                          reason="A member's name was misspelt")
    fresh(session)
    versions = session.execute(select(Minutes).where(Minutes.hearing_id == hearing.id)
                               .order_by(Minutes.number)).scalars().all()
    assert [(m.number, m.status) for m in versions] == [(1, MinutesStatus.SIGNED), (2, MinutesStatus.DRAFT)]
    assert versions[0].remarks == "Welcome to the new members."


def test_a_declined_offer_goes_to_the_next_ranked_candidate(session: Session, world: World) -> None:
    chair, care = world.users["chair"], world.users["care_a"]
    s = sitting(session, world, ["Ada", "Bea"])
    seat = attendance_of(s.hearing, chair.id)
    first, second = s.hearing.items
    hearings.decide_item(session, chair, s.hearing.id, first.id, hearings.DecisionInput(
        decision="allocate", place_id=str(world.place_a.id), reason="Fits", votes={seat: "in_favour"}),
        today=HEARING_DAY)
    hearings.decide_item(session, chair, s.hearing.id, second.id, hearings.DecisionInput(
        decision="ranked", place_id=str(world.place_a.id), rank="2", reason="Next"), today=HEARING_DAY)
    fresh(session)
    ada = session.get(Case, s.cases[0].id)
    assert ada is not None
    step(session, care, ada, "decline_offer", reason="Too far from the family", today=HEARING_DAY)
    fresh(session)
    bea = session.get(Case, s.cases[1].id)
    assert bea is not None and bea.state == "allocated" and bea.allocated_place_id == world.place_a.id
    last = bea.transitions[-1]
    assert last.trigger == "offer_next" and "19" in last.reason


def test_guards_of_the_session(session: Session, world: World) -> None:
    chair = world.users["chair"]
    s = sitting(session, world, ["Ada", "Bea", "Chloé"])
    hearing = s.hearing
    seat = attendance_of(hearing, chair.id)
    ada, bea, chloe = hearing.items

    # the chair withdrew for a conflict of interest and cannot be recorded as voting
    with pytest.raises(InvalidInput) as refused:
        hearings.decide_item(session, chair, hearing.id, ada.id, hearings.DecisionInput(
            decision="waiting_list", votes={seat: "in_favour"}, recusals={seat: "Neighbour"}), today=HEARING_DAY)
    assert "withdrew" in str(refused.value.errors)
    assert states(session, s.cases[:1]) == ["scheduled"]

    hearings.decide_item(session, chair, hearing.id, ada.id, hearings.DecisionInput(
        decision="allocate", place_id=str(world.place_a.id), reason="Fits"), today=HEARING_DAY)
    # a place cannot be allocated twice
    with pytest.raises(TransitionRefused, match="already allocated"):
        hearings.decide_item(session, chair, hearing.id, bea.id, hearings.DecisionInput(
            decision="allocate", place_id=str(world.place_a.id), reason="Fits too"), today=HEARING_DAY)
    assert states(session, s.cases[1:2]) == ["scheduled"]
    # nor to a request of another kind
    fresh(session)
    hostel = session.get(type(world.place_b), world.place_b.id)
    assert hostel is not None
    from commission.models import PlaceKind

    hostel.kind = PlaceKind.HOSTEL_PLACE
    session.commit()
    with pytest.raises(TransitionRefused, match="kind"):
        hearings.decide_item(session, chair, hearing.id, chloe.id, hearings.DecisionInput(
            decision="allocate", place_id=str(world.place_b.id), reason="Fits"), today=HEARING_DAY)
    # an item decided once is not decided again
    with pytest.raises(TransitionRefused, match="already decided"):
        hearings.decide_item(session, chair, hearing.id, ada.id, hearings.DecisionInput(
            decision="refuse", reason="Changed our mind"), today=HEARING_DAY)
    # a review decision does not apply to an application
    with pytest.raises(InvalidInput):
        hearings.decide_item(session, chair, hearing.id, chloe.id, hearings.DecisionInput(
            decision="review_noted"), today=HEARING_DAY)
    # decisions need their reasons
    with pytest.raises(InvalidInput) as refused:
        hearings.decide_item(session, chair, hearing.id, chloe.id, hearings.DecisionInput(decision="refuse"),
                             today=HEARING_DAY)
    assert "reason" in refused.value.errors
    assert Decision.ALLOCATE is hearing.items[0].decision


def test_no_decision_without_quorum(session: Session, world: World) -> None:
    s = sitting(session, world, ["Ada"], quorum=5)
    with pytest.raises(TransitionRefused, match="quorum"):
        hearings.decide_item(session, world.users["chair"], s.hearing.id, s.hearing.items[0].id,
                             hearings.DecisionInput(decision="waiting_list"), today=HEARING_DAY)


def test_only_the_hearings_chair_or_the_coordinator_runs_the_session(session: Session, world: World) -> None:
    s = sitting(session, world, ["Ada"])
    for role in ("member", "care_a", "treasurer", "landlord_a"):
        with pytest.raises(Forbidden):
            hearings.decide_item(session, world.users[role], s.hearing.id, s.hearing.items[0].id,
                                 hearings.DecisionInput(decision="waiting_list"), today=HEARING_DAY)
    with pytest.raises(Forbidden):
        hearings.plan_hearing(session, world.users["chair"], hearings.HearingInput(day="2026-09-17"))


def test_the_agenda_is_built_from_ready_deferred_and_waiting_files(session: Session, world: World) -> None:
    coordinator = world.users["coordinator"]
    ready = ready_case(session, world, "Ada")
    other_team = ready_case(session, world, "Bea", actor="care_b")
    draft = ready_case(session, world, "Chloé")
    step(session, world.users["care_a"], draft, "withdraw", reason="Found a place with family")
    hearing = plan(session, world)
    found = hearings.candidates(session, coordinator, hearing)
    assert [case.id for case in found.ready] == [ready.id, other_team.id]
    hearings.build_agenda(session, coordinator, hearing.id, hearing.version, today=TODAY)
    fresh(session)
    assert [item.case_id for item in hearing.items] == [ready.id, other_team.id]
    # reorder, then remove with a reason: the file goes back to ready
    hearings.move_item(session, coordinator, hearing.id, hearing.items[1].id, -1)
    fresh(session)
    assert [item.case_id for item in sorted(hearing.items, key=lambda item: item.position)] == [other_team.id,
                                                                                               ready.id]
    with pytest.raises(InvalidInput):
        hearings.remove_item(session, coordinator, hearing.id, hearing.items[0].id, reason=" ")
    hearings.remove_item(session, coordinator, hearing.id, hearing.items[0].id, reason="Not ready after all",
                         today=TODAY)
    assert states(session, [ready, other_team])[0] in ("ready", "scheduled")
    fresh(session)
    assert len(hearing.items) == 1 and hearing.items[0].position == 1


def test_a_convened_agenda_is_frozen(session: Session, world: World) -> None:
    coordinator = world.users["coordinator"]
    s = sitting(session, world, ["Ada"])
    late = ready_case(session, world, "Zoé")
    with pytest.raises(TransitionRefused, match="frozen"):
        hearings.add_item(session, coordinator, s.hearing.id, late.id, today=TODAY)


def test_the_agenda_document_is_redacted_for_those_without_a_seat(session: Session, world: World) -> None:
    ready_case(session, world, "Ada")
    ready_case(session, world, "Bea", actor="care_b")
    hearing = plan(session, world)
    hearings.build_agenda(session, world.users["coordinator"], hearing.id, hearing.version, today=TODAY)
    fresh(session)
    for user in ("care_a", "care_b", "treasurer"):
        data = hearing_documents.agenda_data(session, world.users[user], hearing)
        assert data.redacted
        assert {item.person.full_name for item in data.items} == {"A.M.", "B.M."}
        assert all(item.person.birth_date is None and not item.person.guardian for item in data.items)
    for user in ("member", "chair", "landlord_a", "coordinator"):
        data = hearing_documents.agenda_data(session, world.users[user], hearing)
        assert {item.person.full_name for item in data.items} == {"Ada Martin", "Bea Martin"}


def test_the_chair_or_the_delegation_holder_signs(session: Session, world: World, tmp_path: object) -> None:
    from commission.errors import Forbidden
    from commission.services import accounts

    store = DocumentStore(tmp_path / "store")  # type: ignore[operator]
    hearing = closed_and_approved(session, world)
    for role in ("member", "coordinator", "treasurer", "care_a"):
        with pytest.raises(Forbidden):
            hearing_documents.sign_minutes(session, world.users[role], store, hearing.id, expected_version=None)
    accounts.grant_signing_delegation(session, world.users["coordinator"], world.users["member"].id)
    accounts.grant_signing_delegation(session, world.users["coordinator"], world.users["treasurer"].id)
    fresh(session)
    assert not world.users["member"].signing_delegation  # one holder at a time
    with pytest.raises(Forbidden):
        hearing_documents.sign_minutes(session, world.users["member"], store, hearing.id, expected_version=None)
    hearing_documents.sign_minutes(session, world.users["treasurer"], store, hearing.id, expected_version=None)
    fresh(session)
    minutes = session.execute(select(Minutes).where(Minutes.hearing_id == hearing.id)).scalar_one()
    assert minutes.signed_by_id == world.users["treasurer"].id
    assert "délégation" in minutes.signer_capacity
    text = pdf_text(store.get(minutes.pdf_sha256))
    assert "User treasurer" in text and "19 mars 2026" in text
    assert re.search(r"\b1 / \d+", text), "page numbering"


def closed_and_approved(session: Session, world: World) -> Hearing:
    from tests.hearings_helpers import closed

    hearing = closed(session, world, "Ada", HEARING_DAY)
    hearings.fire_hearing(session, world.users["chair"], hearing.id, "approve_minutes", expected_version=None)
    return hearing


@pytest.fixture
def isolation() -> str:
    """The tests go through ``session`` and ``client`` only: on PostgreSQL, the scenario's own database in a
    transaction rolled back at the end, rather than a copy of it (see conftest's ``isolation``)."""
    return "rollback" if is_postgres() else "copy"
