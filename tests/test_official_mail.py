"""The housing sub-group's register of official correspondence (issue 21): letters received and sent, numbered per
year and direction; answers given by a letter of the register or by hand; documents checked by their content; the
answers due recalled on the handler's home page; only the sub-group writes there, never the data-protection officer."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any, TypeVar

import pytest
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session

from commission.errors import ConcurrentChange, Forbidden, InvalidInput, NotFound, TransitionRefused
from commission.models import AuditEntry, OfficialMail, OfficialMailDocument, User
from commission.services import accounts, reminders
from commission.services import unit as units
from commission.services.subgroup import official_mail as register
from commission.storage import DocumentStore
from tests.conftest import World, fresh

T = TypeVar("T")
TODAY = date(2026, 3, 2)
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
SUBJECT = "Renouvellement de la convention"


def unit(session: Session, action: Callable[..., T], *args: Any, **kwargs: Any) -> T:
    """A service call as a request makes it: committed when it returns, rolled back when it refuses."""
    with units.unit_of_work(session):
        return action(session, *args, **kwargs)


def letter(world: World, **overrides: str) -> register.MailInput:
    data = register.MailInput(
        direction="incoming", correspondent="Préfecture du Nord, DDETS", correspondent_kind="authority",
        organisation_id=str(world.landlord_a.id), subject=SUBJECT, summary="Demande de bilan annuel.",
        dated_on="2026-02-10", registered_on="2026-02-12", handler_id="", answer_due="2026-03-06",
    )
    for name, value in overrides.items():
        setattr(data, name, value)
    return data


def seat(session: Session, world: World, login: str = "member") -> User:
    accounts.set_housing_subgroup(session, world.users["coordinator"], world.users[login].id, True)
    return world.users[login]


def count(session: Session, model: Any = OfficialMail) -> int:
    fresh(session)
    return session.execute(select(func.count()).select_from(model)).scalar_one()


def trail(session: Session, action: str) -> list[dict[str, Any]]:
    """The details of the trail's entries for one action, in order."""
    fresh(session)
    return [json.loads(details) for details in session.execute(
        select(AuditEntry.details).where(AuditEntry.action == action).order_by(AuditEntry.id)).scalars()]


# ---------------------------------------------------------------- registering


def test_letters_are_numbered_per_year_and_direction(session: Session, world: World) -> None:
    coordinator = world.users["coordinator"]
    first = unit(session, register.register_mail, coordinator, letter(world), today=TODAY)
    second = unit(session, register.register_mail, coordinator, letter(world, registered_on="2026-02-20"),
                  today=TODAY)
    sent = unit(session, register.register_mail, coordinator,
                letter(world, direction="outgoing", answer_due="", correspondent="Mairie de Ronchin",
                       correspondent_kind="town"), today=TODAY)
    older = unit(session, register.register_mail, coordinator,
                 letter(world, dated_on="2025-12-20", registered_on="2025-12-29", answer_due=""), today=TODAY)
    assert [first.number, second.number, sent.number, older.number] == [
        "2026-A-001", "2026-A-002", "2026-D-001", "2025-A-001"]
    assert first.direction.value == "incoming" and first.awaiting_answer and not sent.awaiting_answer
    assert first.registered_by_id == coordinator.id
    (entry, *_) = trail(session, "official_mail.registered")
    assert entry["number"] == "2026-A-001"
    assert SUBJECT not in str(entry) and "Préfecture" not in str(entry)


def test_bad_input_is_refused_field_by_field_and_changes_nothing(session: Session, world: World) -> None:
    coordinator, dpo = world.users["coordinator"], world.users["dpo"]
    cases = [
        (letter(world, correspondent="", subject="", correspondent_kind="nope"),
         {"correspondent", "subject", "correspondent_kind"}),
        (letter(world, registered_on="2026-02-01"), {"registered_on"}),  # received before it was written
        (letter(world, answer_due="2026-02-11"), {"answer_due"}),  # due before it was received
        (letter(world, registered_on="2026-04-01", answer_due=""), {"registered_on"}),  # not received yet
        (letter(world, dated_on="2026-13-01"), {"dated_on"}),
        (letter(world, organisation_id="999999", agreement_id="999998", place_id="x"),
         {"organisation_id", "agreement_id", "place_id"}),
        (letter(world, handler_id=str(dpo.id)), {"handler_id"}),  # the DPO never handles a letter
        (letter(world, handler_id=str(world.users["care_a"].id)), {"handler_id"}),  # not in the sub-group
        (letter(world, direction="outgoing"), {"answer_due"}),  # a letter sent waits for no answer
        (letter(world, direction="sideways"), {"direction"}),
        (letter(world, answers="1"), {"answers"}),  # a received letter answers nothing
    ]
    for data, fields in cases:
        with pytest.raises(InvalidInput) as refused:
            unit(session, register.register_mail, coordinator, data, today=TODAY)
        assert set(refused.value.errors) == fields, (data, refused.value.errors)
    assert count(session) == 0 and trail(session, "official_mail.registered") == []


def test_only_the_sub_group_writes_and_reads_the_register(session: Session, world: World) -> None:
    member = world.users["member"]
    with pytest.raises(Forbidden):
        unit(session, register.register_mail, member, letter(world), today=TODAY)
    with pytest.raises(Forbidden):
        register.list_mail(session, member)
    seat(session, world)
    fresh(session)
    mail = unit(session, register.register_mail, member, letter(world, handler_id=str(member.id)), today=TODAY)
    assert mail.number == "2026-A-001" and mail.handler_id == member.id
    assert [row.id for row in register.list_mail(session, member)] == [mail.id]
    for login in ("dpo", "care_a", "treasurer"):
        with pytest.raises(Forbidden):
            unit(session, register.update_mail, world.users[login], mail.id, letter(world), mail.version,
                 today=TODAY)
        with pytest.raises(Forbidden):
            register.mail_view(session, world.users[login], mail.id)
    with pytest.raises(InvalidInput):
        accounts.set_housing_subgroup(session, world.users["coordinator"], world.users["dpo"].id, True)
    assert count(session) == 1


def test_an_outgoing_letter_answers_an_incoming_one(session: Session, world: World) -> None:
    coordinator = world.users["coordinator"]
    received = unit(session, register.register_mail, coordinator, letter(world), today=TODAY)
    early = register.MailInput.answering(received, date(2026, 2, 11))
    with pytest.raises(InvalidInput) as refused:  # sent before the letter it answers was received
        unit(session, register.register_mail, coordinator, early, today=TODAY)
    assert set(refused.value.errors) == {"registered_on"}
    answer = register.MailInput.answering(received, date(2026, 2, 25))
    assert answer.direction == "outgoing" and answer.correspondent == received.correspondent
    sent = unit(session, register.register_mail, coordinator, answer, today=TODAY)
    fresh(session)
    received = session.get(OfficialMail, received.id)
    assert received is not None and received.answered_on == date(2026, 2, 25) and received.answer_id == sent.id
    assert not received.awaiting_answer
    view = register.mail_view(session, coordinator, received.id)
    assert view.answer is not None and view.answer.id == sent.id and not view.may_answer
    assert register.mail_view(session, coordinator, sent.id).answers.id == received.id  # type: ignore[union-attr]
    # a second letter cannot answer it again, nor can the answer be recorded by hand over it
    with pytest.raises(InvalidInput):
        unit(session, register.register_mail, coordinator, register.MailInput.answering(received, TODAY),
             today=TODAY)
    with pytest.raises(TransitionRefused):
        unit(session, register.record_answer, coordinator, received.id, "2026-03-01", today=TODAY)
    # correcting the day the answer was sent moves the day it was answered
    corrected = register.MailInput.of(sent)
    corrected.registered_on = "2026-02-27"
    unit(session, register.update_mail, coordinator, sent.id, corrected, sent.version, today=TODAY)
    fresh(session)
    assert session.get(OfficialMail, received.id).answered_on == date(2026, 2, 27)  # type: ignore[union-attr]
    assert len(trail(session, "official_mail.answered")) == 2


def test_an_answer_given_otherwise_is_recorded_by_hand(session: Session, world: World) -> None:
    coordinator = world.users["coordinator"]
    received = unit(session, register.register_mail, coordinator, letter(world), today=TODAY)
    for day, field in (("2026-02-01", "answered_on"), ("2026-03-09", "answered_on"), ("", "answered_on")):
        with pytest.raises(InvalidInput) as refused:
            unit(session, register.record_answer, coordinator, received.id, day, today=TODAY)
        assert set(refused.value.errors) == {field}
    with pytest.raises(ConcurrentChange):
        unit(session, register.record_answer, coordinator, received.id, "2026-02-28",
             expected_version=received.version + 1, today=TODAY)
    fresh(session)
    assert session.get(OfficialMail, received.id).answered_on is None  # type: ignore[union-attr]
    answered = unit(session, register.record_answer, coordinator, received.id, "2026-02-28",
                    "Réponse donnée en réunion.", expected_version=received.version, today=TODAY)
    assert answered.answered_on == date(2026, 2, 28) and answered.answer_note == "Réponse donnée en réunion."
    (entry,) = trail(session, "official_mail.answer_recorded")
    assert entry["note"] is True and "réunion" not in str(entry)
    sent = unit(session, register.register_mail, coordinator, letter(world, direction="outgoing", answer_due=""),
                today=TODAY)
    with pytest.raises(TransitionRefused):  # a letter sent is not answered
        unit(session, register.record_answer, coordinator, sent.id, "2026-02-28", today=TODAY)


def test_a_stale_version_is_refused(session: Session, world: World) -> None:
    coordinator = world.users["coordinator"]
    mail = unit(session, register.register_mail, coordinator, letter(world), today=TODAY)
    unit(session, register.update_mail, coordinator, mail.id, letter(world, subject="Bilan annuel"), mail.version,
         today=TODAY)
    with pytest.raises(ConcurrentChange):
        unit(session, register.update_mail, coordinator, mail.id, letter(world, subject="Autre"), mail.version - 1,
             today=TODAY)
    fresh(session)
    kept = session.get(OfficialMail, mail.id)
    assert kept is not None and kept.subject == "Bilan annuel" and kept.number == "2026-A-001"
    (entry,) = trail(session, "official_mail.updated")
    assert entry["changed"] == {"texts": ["subject"]}


def test_edits_keep_the_number_and_are_checked(session: Session, world: World) -> None:
    coordinator = world.users["coordinator"]
    mail = unit(session, register.register_mail, coordinator, letter(world), today=TODAY)
    with pytest.raises(InvalidInput):
        unit(session, register.update_mail, coordinator, mail.id, letter(world, answer_due="2026-01-01"),
             mail.version, today=TODAY)
    with pytest.raises(NotFound):
        unit(session, register.update_mail, coordinator, mail.id + 100, letter(world), None, today=TODAY)
    moved = unit(session, register.update_mail, coordinator, mail.id,
                 letter(world, direction="outgoing", dated_on="2025-12-01", registered_on="2025-12-30",
                        answer_due=""), mail.version, today=TODAY)
    assert moved.number == "2026-A-001" and moved.direction.value == "incoming"  # neither changes
    assert moved.registered_on == date(2025, 12, 30) and moved.answer_due is None


# ---------------------------------------------------------------- documents


def test_documents_are_checked_by_their_content(session: Session, world: World, tmp_path: Path) -> None:
    coordinator = world.users["coordinator"]
    store = DocumentStore(tmp_path / "documents")
    mail = unit(session, register.register_mail, coordinator, letter(world), today=TODAY)
    for data in (b"", b"MZ\x90\x00 not a pdf at all", b"<html><script>alert(1)</script></html>"):
        with pytest.raises(InvalidInput) as refused:
            unit(session, register.attach_document, coordinator, store, mail.id, "courrier.pdf", data)
        assert set(refused.value.errors) == {"file"}
    assert count(session, OfficialMailDocument) == 0
    document = unit(session, register.attach_document, coordinator, store, mail.id, "../../scan.exe", PDF)
    assert document.filename == "scan.pdf" and document.content_type == "application/pdf"
    found, data = register.open_document(session, coordinator, store, mail.id, document.id)
    assert found.id == document.id and data == PDF
    other = unit(session, register.register_mail, coordinator, letter(world), today=TODAY)
    with pytest.raises(NotFound):  # another letter's document
        register.open_document(session, coordinator, store, other.id, document.id)
    with pytest.raises(Forbidden):
        register.open_document(session, world.users["dpo"], store, mail.id, document.id)
    with pytest.raises(Forbidden):
        unit(session, register.attach_document, world.users["member"], store, mail.id, "scan.pdf", PDF)
    assert register.mail_view(session, coordinator, mail.id).documents == [document]


# ---------------------------------------------------------------- lists and reminders


def test_the_list_filters_and_the_links(session: Session, world: World) -> None:
    coordinator = world.users["coordinator"]
    received = unit(session, register.register_mail, coordinator, letter(world, place_id=str(world.place_a.id)),
                    today=TODAY)
    unit(session, register.register_mail, coordinator,
         letter(world, direction="outgoing", answer_due="", correspondent="ARS Hauts-de-France", subject="Bilan 50%",
                organisation_id=""), today=TODAY)
    unit(session, register.register_mail, coordinator,
         letter(world, dated_on="2025-06-01", registered_on="2025-06-02", answer_due=""), today=TODAY)

    def numbers(**filters: Any) -> list[str]:
        return [mail.number for mail in register.list_mail(session, coordinator, register.MailFilter(**filters))]

    assert numbers() == ["2026-D-001", "2026-A-001", "2025-A-001"]
    assert numbers(direction=register.MailDirection.INCOMING) == ["2026-A-001", "2025-A-001"]
    assert numbers(awaiting=True) == ["2026-A-001"]
    assert numbers(year=2025) == ["2025-A-001"]
    assert numbers(text="ars hauts") == ["2026-D-001"] and numbers(text="50%") == ["2026-D-001"]
    assert numbers(text="%") == ["2026-D-001"]  # a wildcard is a character like any other
    assert register.mail_years(session, coordinator) == [2026, 2025]
    assert [mail.id for mail in register.mail_for(session, coordinator, place_id=world.place_a.id)] == [received.id]
    assert len(register.mail_for(session, coordinator, organisation_id=world.landlord_a.id)) == 2
    assert register.mail_for(session, coordinator) == []


def answers(session: Session, user: User, today: date) -> list[reminders.Reminder]:
    return [reminder for reminder in reminders.reminders_for(session, user, today) if reminder.kind == "answer"]


def test_the_handler_is_reminded_of_the_answer_due(session: Session, world: World) -> None:
    coordinator, member = world.users["coordinator"], seat(session, world)
    fresh(session)
    mail = unit(session, register.register_mail, member, letter(world, handler_id=str(member.id)), today=TODAY)
    orphan = unit(session, register.register_mail, member, letter(world, organisation_id="", answer_due="2026-04-30"),
                  today=TODAY)
    early = date(2026, 2, 20)
    (reminder,) = answers(session, member, early)  # the handler's own; the letter without a handler is not theirs
    assert reminder.reference == "2026-A-001" and reminder.due == date(2026, 3, 6) and not reminder.urgent
    assert reminder.path == f"/subgroup/mail/{mail.id}" and reminder.values == {"mail_id": mail.id}
    text = reminders.render(reminder.message, lambda text: text, date.isoformat, str)
    assert SUBJECT not in text and "Préfecture" not in text and world.landlord_a.name in text
    assert reminder.detail is not None and SUBJECT in str(reminder.detail)
    assert answers(session, member, date(2026, 2, 27))[0].urgent  # within a week
    assert answers(session, member, date(2026, 3, 10))[0].urgent  # overdue
    # the coordinator is reminded of the letter nobody handles, not of the member's
    assert [row.reference for row in answers(session, coordinator, early)] == [orphan.number]
    for login in ("dpo", "care_a", "treasurer"):
        assert answers(session, world.users[login], early) == []
    unit(session, register.record_answer, member, mail.id, "2026-02-20", today=TODAY)
    assert answers(session, member, early) == []  # answered: gone
    # a handler who leaves the sub-group hands their letters back to the coordinator
    taken = unit(session, register.register_mail, member, letter(world, handler_id=str(member.id)), today=TODAY)
    accounts.set_housing_subgroup(session, coordinator, member.id, False)
    fresh(session)
    assert answers(session, member, early) == []
    assert {row.reference for row in answers(session, coordinator, early)} == {orphan.number, taken.number}


def test_reminders_of_answers_take_one_query(session: Session, world: World, engine: Engine) -> None:
    from tests.web.test_query_counts import count_queries

    coordinator = world.users["coordinator"]
    for _ in range(5):
        unit(session, register.register_mail, coordinator, letter(world), today=TODAY)
    with count_queries(engine) as queries:
        found = register.answers_due(session, coordinator, TODAY)
    assert len(found) == 5 and len([query for query in queries if query.startswith("SELECT")]) == 1


def test_the_choices_offer_who_may_handle(session: Session, world: World) -> None:
    coordinator = world.users["coordinator"]
    seat(session, world)
    fresh(session)
    choices = register.mail_choices(session, coordinator)
    assert {user.login for user in choices.handlers} == {"coordinator", "member"}
    assert world.landlord_a in choices.partners and world.place_a in choices.places
    assert register.answerable(session, coordinator, None) is None
    with pytest.raises(Forbidden):
        register.mail_choices(session, world.users["dpo"])


def test_a_scan_sharing_its_bytes_with_an_erased_file_stays_in_the_store(session: Session, world: World,
                                                                        tmp_path: Path) -> None:
    """The store keeps one file for equal bytes: erasing a person's documents must not take away a letter's scan
    (or an agreement's document) that happens to be the same file."""
    from commission.services import retention

    store = DocumentStore(tmp_path / "documents")
    mail = unit(session, register.register_mail, world.users["coordinator"], letter(world), today=TODAY)
    document = unit(session, register.attach_document, world.users["coordinator"], store, mail.id, "scan.pdf", PDF)
    assert retention._remove_unreferenced(session, store, [document.sha256]) == 0
    assert store.get(document.sha256) == PDF
