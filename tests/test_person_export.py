"""The person's right of access: everything held on one person, and nothing on anyone else.

Two persons share what can be shared (a hearing, a place one after the other, a landlord, the
fund's ledger); the export of one holds every record of theirs and no trace of the other.
"""

from __future__ import annotations

import io
import json
import zipfile
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from commission.config import Settings
from commission.db import Base
from commission.errors import Forbidden, NotFound
from commission.models import (
    AccessLog,
    AgendaItem,
    AuditEntry,
    Case,
    CaseDocument,
    CaseExit,
    CaseTransition,
    Deposit,
    DepositTransition,
    FollowUpEvent,
    LedgerEntry,
    LedgerLine,
    Occupancy,
    ResourceMeeting,
)
from commission.services import accounts, audit, cases, followup, hearings, person_export, stock, treasury
from commission.storage import DocumentStore
from tests.cases_helpers import TODAY, new_case, step
from tests.conftest import WORLD, World, fresh, load_world, starting_scenario
from tests.databases import Ids, Restored, Scenario
from tests.hearings_helpers import HEARING_DAY, attendance_of, plan
from tests.test_annual_report import text_of
from tests.web.test_query_counts import count_queries

MOVE_IN = HEARING_DAY + timedelta(days=30)
SECOND_HEARING = date(2026, 9, 17)
BEA_MOVE_IN = date(2026, 10, 1)


@dataclass(frozen=True)
class Person:
    """What identifies one person in the records: none of it may appear in the other's export."""

    first_name: str
    last_name: str
    birth_date: str
    french_birth_date: str
    phone: str
    email: str
    address: str
    guardian: str
    team: str
    document: bytes
    medical: str
    note: str  # follow-up notes
    reason: str  # the hearing's decision

    def form(self) -> dict[str, object]:
        guardian_first, guardian_last = self.guardian.split()
        return {"first_name": self.first_name, "last_name": self.last_name, "birth_date": self.birth_date,
                "phone": self.phone, "email": self.email, "address": self.address,
                "guardian_first_name": guardian_first, "guardian_last_name": guardian_last}

    def secrets(self) -> list[str]:
        return [self.first_name, self.last_name, self.birth_date, self.french_birth_date, self.phone, self.email,
                self.address, self.guardian, self.medical, self.note, self.reason, self.document.decode()]


ADA = Person("Adélaïde", "Fontenoy", "1980-05-17", "17 mai 1980", "06 12 34 56 78", "adelaide.f@example.org",
             "CHS, pavillon 3, Lesquin", "Paulin Durandal", "care_a", b"%PDF-1.4 ada-identity-card-0042",
             "Trouble bipolaire stabilise sous lithium", "Visite du jardin partage Fontenoy",
             "Projet solide et soutenu par le CMP")
BEA = Person("Bérengère", "Vasseur", "1975-02-03", "3 février 1975", "07 98 76 54 32", "berengere.v@example.org",
             "12 allee des Tilleuls, Hellemmes", "Gaston Lefortier", "care_b", b"%PDF-1.4 bea-identity-card-0777",
             "Schizophrenie paranoide en remission", "Atelier poterie du mercredi Vasseur",
             "Attente d'un appartement au rez-de-chaussee")


@dataclass
class TwoPeople:
    ada: Case
    bea: Case
    store: DocumentStore


def _attach(session: Session, world: World, store: DocumentStore, person: Person, case: Case) -> None:
    care = world.users[person.team]
    cases.attach_document(session, care, store, case.id, filename=f"{person.last_name}.pdf", data=person.document,
                          kind="identity")
    cases.attach_document(session, care, store, case.id, filename="certificat.pdf", medical=True,
                          data=person.document + b"-medical", kind="medical_certificate")
    cases.update_medical(session, care, case.id, cases.MedicalInput(diagnosis_summary=person.medical,
                                                                    treatment="Suivi mensuel"))


def _deposit(session: Session, case_id: int) -> Deposit:
    return session.execute(select(Deposit).where(Deposit.case_id == case_id)).scalar_one()


def _move_in(session: Session, world: World, person: Person, case: Case, day: date, move_in: date) -> None:
    coordinator = world.users["coordinator"]
    case = session.get(Case, case.id) or case
    step(session, world.users[person.team], case, "accept_offer", today=day)
    deposit = _deposit(session, case.id)
    treasury.fire_deposit(session, world.users["member"], deposit.id, "commit", expected_version=None, today=day)
    treasury.fire_deposit(session, world.users["treasurer"], deposit.id, "pay", expected_version=None, today=day,
                          movement=treasury.Movement(value_date=day.isoformat()))
    step(session, coordinator, case, "start_move_in", today=day,
         values={"move_in_date": move_in, "lease_kind": "sublease", "lease_start": move_in})
    step(session, coordinator, case, "confirm_housed", today=move_in)


def _open_session(session: Session, world: World, day: date, agenda_day: date) -> int:
    coordinator, chair = world.users["coordinator"], world.users["chair"]
    hearing = plan(session, world, day=day)
    hearings.build_agenda(session, coordinator, hearing.id, hearing.version, today=agenda_day)
    hearings.fire_hearing(session, coordinator, hearing.id, "convene", expected_version=None, today=agenda_day)
    hearings.fire_hearing(session, chair, hearing.id, "open_session", expected_version=None, today=day)
    present = {chair.id, world.users["member"].id}
    hearings.set_attendance(session, chair, hearing.id, [
        hearings.AttendanceInput(a.id, "present" if a.user_id in present else "excused") for a in hearing.attendances
    ])
    return hearing.id


def build(session: Session, world: World, store: DocumentStore) -> TwoPeople:
    """Ada and Bea at the same hearing: Ada gets place A, Bea the waiting list. Ada lives there, is
    followed, leaves; place A goes to Bea at the next hearing. Both have documents, a medical part,
    deposits and ledger entries, follow-up events."""
    coordinator, chair = world.users["coordinator"], world.users["chair"]
    accounts.grant_signing_delegation(session, coordinator, world.users["member"].id)
    files = {}
    for person in (ADA, BEA):
        case = new_case(session, world, person.team, **person.form())
        _attach(session, world, store, person, case)
        step(session, world.users[person.team], case, "submit")
        step(session, coordinator, case, "mark_ready")
        cases.read_medical(session, coordinator, case.id)  # a read, logged
        files[person.first_name] = case
    ada, bea = files[ADA.first_name], files[BEA.first_name]

    hearing_id = _open_session(session, world, HEARING_DAY, TODAY)
    hearing = hearings.get_hearing(session, coordinator, hearing_id)
    votes = {attendance_of(hearing, chair.id): "in_favour", attendance_of(hearing, world.users["member"].id): "abstain"}
    for item in hearings.items(session, hearing):
        if item.case_id == ada.id:
            data = hearings.DecisionInput(decision="allocate", place_id=str(world.place_a.id), reason=ADA.reason,
                                          votes=votes)
        else:
            data = hearings.DecisionInput(decision="waiting_list", reason=BEA.reason, votes=votes)
        hearings.decide_item(session, chair, hearing_id, item.id, data, today=HEARING_DAY)
    hearings.fire_hearing(session, chair, hearing_id, "close", expected_version=None, today=HEARING_DAY)

    _move_in(session, world, ADA, ada, HEARING_DAY + timedelta(days=3), MOVE_IN)
    care = world.users["care_a"]
    followup.save_care_plan(session, care, ada.id, followup.CarePlanInput(
        referring_psychiatrist="Dr Lemaire", visit_every_days="14", activities=ADA.note, status="going_well"),
        today=MOVE_IN + timedelta(days=2))
    incident = followup.record_event(session, care, ada.id, followup.EventInput(
        kind="incident", incident_kind="neighbour_complaint", serious=True,
        occurred_on=(MOVE_IN + timedelta(days=10)).isoformat(), summary=ADA.note, action_taken="Appel"),
        today=MOVE_IN + timedelta(days=10))
    followup.call_meeting(session, care, ada.id, followup.MeetingInput(
        meeting_date=(MOVE_IN + timedelta(days=12)).isoformat(), attendees="Infirmier, bailleur",
        incident_id=str(incident.id), actions=[followup.ActionInput("Appeler le voisin", "Infirmier", "")]),
        today=MOVE_IN + timedelta(days=11))
    leave = date(2026, 7, 10)
    followup.record_exit(session, coordinator, ada.id, followup.ExitInput(
        reason="ordinary_housing", exit_date=leave.isoformat(), place_condition="good", note=ADA.note), today=leave)
    treasury.fire_deposit(session, world.users["treasurer"], _deposit(session, ada.id).id, "refund",
                          expected_version=None, today=date(2026, 8, 3),
                          movement=treasury.Movement(value_date="2026-08-03"))
    stock.make_available(session, coordinator, world.place_a.id, "Propre", expected_version=None,
                         today=date(2026, 8, 5))

    hearing_id = _open_session(session, world, SECOND_HEARING, date(2026, 8, 20))
    hearing = hearings.get_hearing(session, coordinator, hearing_id)
    (item,) = [item for item in hearings.items(session, hearing) if item.case_id == bea.id]
    hearings.decide_item(session, chair, hearing_id, item.id, hearings.DecisionInput(
        decision="allocate", place_id=str(world.place_a.id), reason=BEA.reason + " enfin"), today=SECOND_HEARING)
    _move_in(session, world, BEA, bea, SECOND_HEARING + timedelta(days=3), BEA_MOVE_IN)
    followup.record_event(session, world.users["care_b"], bea.id, followup.EventInput(
        kind="visit", occurred_on=(BEA_MOVE_IN + timedelta(days=5)).isoformat(), summary=BEA.note),
        today=BEA_MOVE_IN + timedelta(days=5))
    fresh(session)
    return TwoPeople(ada, bea, store)


def _build_two_people(session: Session, instance: Path, ids: Ids) -> Ids:
    people = build(session, load_world(session, ids), DocumentStore(instance / "documents"))
    return {"ada": people.ada.id, "bea": people.bea.id}


# Built once per run, copied for each test that exports.
TWO_PEOPLE = Scenario("two-people", _build_two_people, extends=WORLD)


@pytest.fixture
def scenario(request: pytest.FixtureRequest) -> Scenario | None:
    return starting_scenario(request, people=TWO_PEOPLE)


@pytest.fixture
def people(session: Session, world: World, restored: Restored, settings: Settings) -> TwoPeople:
    ada, bea = session.get(Case, restored.ids["ada"]), session.get(Case, restored.ids["bea"])
    assert ada is not None and bea is not None
    fresh(session)
    return TwoPeople(ada, bea, DocumentStore(settings.instance_path / "documents"))


def unzip(data: bytes) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return {name: archive.read(name) for name in archive.namelist()}


def table_rows(session: Session) -> dict[str, set[tuple[Any, ...]]]:
    """Every row of every table but the logs the export writes to."""
    fresh(session)
    return {table.name: {tuple(repr(value) if isinstance(value, dict | list) else value for value in row)
                         for row in session.execute(select(table))}
            for table in Base.metadata.sorted_tables
            if table.name not in ("access_log", "audit_entry", "audit_head")}


def ids(session: Session, column: Any, *where: Any) -> set[int]:
    return set(session.execute(select(column).where(*where)).scalars())


@pytest.mark.parametrize(("subject", "other"), [(ADA, BEA), (BEA, ADA)], ids=["ada", "bea"])
def test_the_export_holds_every_record_of_the_person_and_nothing_of_the_other(
    session: Session, world: World, people: TwoPeople, subject: Person, other: Person
) -> None:
    coordinator = world.users["coordinator"]
    case = people.ada if subject is ADA else people.bea
    applicant_id = case.applicant_id
    before = table_rows(session)
    reads_before = ids(session, AccessLog.id, AccessLog.case_id == case.id)

    name, data = person_export.export_person(session, coordinator, people.store, applicant_id)

    assert name.endswith(".zip") and subject.last_name not in name
    files = unzip(data)
    exported = json.loads(files["person.json"].decode("utf-8"))
    (record,) = exported["cases"]
    assert exported["person"]["id"] == applicant_id
    assert (exported["person"]["first_name"], exported["person"]["birth_date"]) == (subject.first_name,
                                                                                     subject.birth_date)
    assert " ".join(exported["guardian"][key] for key in ("first_name", "last_name")) == subject.guardian
    assert record["medical"]["diagnosis_summary"] == subject.medical

    # every record of theirs, counted against the database
    def exported_ids(rows: list[dict[str, Any]]) -> set[int]:
        return {row["id"] for row in rows}

    assert exported_ids(record["transitions"]) == ids(session, CaseTransition.id, CaseTransition.case_id == case.id)
    assert exported_ids(record["documents"]) == ids(session, CaseDocument.id, CaseDocument.case_id == case.id)
    assert exported_ids(record["hearing_items"]) == ids(session, AgendaItem.id, AgendaItem.case_id == case.id)
    assert exported_ids(record["occupancies"]) == ids(session, Occupancy.id, Occupancy.case_id == case.id)
    deposit_ids = ids(session, Deposit.id, Deposit.case_id == case.id)
    assert exported_ids(record["deposits"]) == deposit_ids and deposit_ids
    deposit_steps = [step for deposit in record["deposits"] for step in deposit["transitions"]]
    assert exported_ids(deposit_steps) == ids(session, DepositTransition.id,
                                              DepositTransition.deposit_id.in_(deposit_ids))
    entries = [entry for deposit in record["deposits"] for entry in deposit["ledger_entries"]]
    entry_ids = ids(session, LedgerEntry.id, LedgerEntry.deposit_id.in_(deposit_ids))
    assert exported_ids(entries) == entry_ids
    assert {line["id"] for entry in entries for line in entry["lines"]} == ids(
        session, LedgerLine.id, LedgerLine.entry_id.in_(entry_ids))
    follow = record["follow_up"]
    assert exported_ids(follow["events"]) == ids(session, FollowUpEvent.id, FollowUpEvent.case_id == case.id)
    assert exported_ids(follow["resource_meetings"]) == ids(session, ResourceMeeting.id,
                                                             ResourceMeeting.case_id == case.id)
    assert exported_ids(follow["exits"]) == ids(session, CaseExit.id, CaseExit.case_id == case.id)
    assert exported_ids(record["reads"]) == reads_before and reads_before
    assert {read["part"] for read in record["reads"]} >= {"medical"}
    assert all(read["user"] for read in record["reads"])
    assert all(step["actor_name"] for step in record["transitions"])
    (item,) = [item for item in record["hearing_items"] if item["hearing"]["day"] == HEARING_DAY.isoformat()]
    assert item["reason"] == subject.reason
    assert item["votes"] == {"in_favour": 1, "against": 0, "abstain": 1}
    assert {occupancy["place"]["reference"] for occupancy in record["occupancies"]} == {"APP-001"}
    if subject is ADA:
        assert len(follow["exits"]) == 1 and follow["care_plan"]["activities"] == ADA.note
        assert [action["description"] for action in follow["resource_meetings"][0]["actions"]] == ["Appeler le voisin"]

    # the documents' own bytes
    for document in record["documents"]:
        content = files[document["archive_path"]]
        assert document["archive_path"] == f"documents/{document['id']}-{document['filename']}"
        assert people.store.get(document["sha256"]) == content
    assert {files[d["archive_path"]] for d in record["documents"]} == {subject.document,
                                                                        subject.document + b"-medical"}
    assert set(files) == {"person.json", "person.pdf", *(d["archive_path"] for d in record["documents"])}

    # the PDF, readable: their records in words, in French
    text = text_of(files["person.pdf"])
    assert f"Données détenues sur {subject.first_name} {subject.last_name}" in text or (
        f"Data held on {subject.first_name} {subject.last_name}" in text)
    for shown in (subject.phone, subject.address, subject.medical, subject.reason, subject.note,
                  subject.french_birth_date):
        assert shown in text, shown
    assert "Conseil intercommunal de santé" in text

    # nothing of the other person, anywhere
    everything = [text, *(content.decode("utf-8", "replace") for content in files.values())]
    for secret in other.secrets():
        for content in everything:
            assert secret not in content, secret
    for content in files.values():
        assert other.document not in content

    # the export is recorded: a read of the file, an audit entry of counts only
    fresh(session)
    exports = session.execute(select(AccessLog).where(AccessLog.part == "export")).scalars().all()
    assert [(row.case_id, row.user_id) for row in exports] == [(case.id, coordinator.id)]
    entry = session.execute(select(AuditEntry).where(AuditEntry.action == "person.exported")).scalar_one()
    assert (entry.object_type, entry.object_id, entry.actor_id) == ("applicant", str(applicant_id), coordinator.id)
    details = json.loads(entry.details)
    assert details["cases"] == 1 and details["documents"] == 2 and details["reads"] == len(reads_before)
    assert all(isinstance(value, int) for value in details.values())
    for secret in subject.secrets():
        assert secret not in entry.details
    assert audit.verify(session).ok

    # and nothing else changed
    assert table_rows(session) == before


def test_only_the_coordinator_exports(session: Session, world: World, people: TwoPeople) -> None:
    before = table_rows(session)
    for name in ("care_a", "care_b", "chair", "member", "treasurer", "landlord_a", "dpo", "data_protection"):
        user = world.users.get(name)
        if user is None:
            continue
        with pytest.raises(Forbidden):
            person_export.export_person(session, user, people.store, people.ada.applicant_id)
    with pytest.raises(NotFound):
        person_export.export_person(session, world.users["coordinator"], people.store, 999999)
    fresh(session)
    assert session.execute(select(AccessLog).where(AccessLog.part == "export")).first() is None
    assert session.execute(select(AuditEntry).where(AuditEntry.action == "person.exported")).first() is None
    assert table_rows(session) == before


def test_a_person_with_several_files_and_a_document_no_longer_kept(
    session: Session, world: World, tmp_path: Path
) -> None:
    store = DocumentStore(tmp_path / "documents")
    first = new_case(session, world, **ADA.form())
    cases.attach_document(session, world.users["care_a"], store, first.id, filename="a.pdf",
                          data=b"%PDF-1.4 first", kind="identity")
    step(session, world.users["care_a"], first, "withdraw", reason="Moved away")
    # a second file for the same person (as the coordinator would open it for a returning person)
    second = Case(applicant_id=first.applicant_id, care_team_id=first.care_team_id, state="draft")
    session.add(second)
    session.commit()
    lost = cases.attach_document(session, world.users["care_a"], store, second.id, filename="b.pdf",
                                 data=b"%PDF-1.4 second", kind="resources")
    (store.root / lost.sha256[:2] / lost.sha256).unlink()
    _name, data = person_export.export_person(session, world.users["coordinator"], store, first.applicant_id)
    files = unzip(data)
    exported = json.loads(files["person.json"])
    assert [case["id"] for case in exported["cases"]] == [first.id, second.id]
    assert [d["archive_path"] for d in exported["cases"][1]["documents"]] == [None]
    assert set(files) == {"person.json", "person.pdf", exported["cases"][0]["documents"][0]["archive_path"]}
    fresh(session)
    assert sorted(session.execute(select(AccessLog.case_id).where(AccessLog.part == "export")).scalars()) == [
        first.id, second.id]
    details = json.loads(session.execute(select(AuditEntry.details).where(
        AuditEntry.action == "person.exported")).scalar_one())
    assert (details["cases"], details["documents"], details["documents_missing"]) == (2, 2, 1)


def test_the_number_of_queries_does_not_grow_with_the_records(
    session: Session, engine: Engine, world: World, people: TwoPeople
) -> None:
    coordinator = world.users["coordinator"]
    with count_queries(engine) as small:
        person_export.export_person(session, coordinator, people.store, people.bea.applicant_id)
    care = world.users["care_b"]
    for offset in range(8):
        day = BEA_MOVE_IN + timedelta(days=10 + offset)
        followup.record_event(session, care, people.bea.id, followup.EventInput(
            kind="visit", occurred_on=day.isoformat(), summary=f"Visite {offset}"), today=day)
        cases.attach_document(session, care, people.store, people.bea.id, filename=f"p{offset}.pdf",
                              data=b"%PDF-1.4 more " + bytes([65 + offset]), kind="other")
        cases.read_medical(session, coordinator, people.bea.id)
    fresh(session)
    with count_queries(engine) as large:
        person_export.export_person(session, coordinator, people.store, people.bea.applicant_id)
    assert len(large) == len(small), (len(small), len(large))
    assert len(large) <= 40, large


def test_a_rectification_is_recorded_by_the_names_of_the_fields_it_changed(session: Session, world: World) -> None:
    """Editing a person's identity and contact, through the file's edit page: the audit says which
    fields changed, never what they held or now hold."""
    care = world.users["care_a"]
    case = new_case(session, world, **ADA.form())
    data = cases.CaseInput(**{**vars(edited_input(world)), "phone": "01 02 03 04 05",
                              "address": "5 rue Neuve, Ronchin", "last_name": "Fontenoy-Leroy"})
    cases.update_case(session, care, case.id, data, expected_version=case.version, today=TODAY)
    fresh(session)
    entry = session.execute(select(AuditEntry).where(AuditEntry.action == "case.edited")).scalar_one()
    details = json.loads(entry.details)
    assert details["changed"] == ["address", "last_name", "phone"]
    for value in ("01 02 03 04 05", "5 rue Neuve", "Fontenoy-Leroy", ADA.phone, ADA.address):
        assert value not in entry.details


def edited_input(world: World) -> cases.CaseInput:
    from tests.cases_helpers import complete_input

    return complete_input(world, **ADA.form())
