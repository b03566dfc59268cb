"""Data minimisation: every document, downloaded through its route by every role, read back as text.

The rule is the policy's (``policy.DOCUMENT_FIELDS``: for each document and each role, the groups of
fields it holds). Each document is fetched as each of the nine accounts: a role the rule gives nothing is
refused; the others get a document that holds the groups their fields name (a marker of each group is
there) and nothing else (the markers of the others are not). On top of what the table says, the issue's
own demands are written out: a landlord's representative never reads a birth date, a legal protection or
a guardian's name, nor another landlord's places; no role without a seat is listed among the members.

One hearing, built once for the module and copied per test: Ada (CMP Ronchin, under curatorship, her
guardian Paul Durand, born 17 May 1980) is allocated a place of Habitat A, Bea (CMP Lesquin, no
protection) one of Habitat B; each landlord keeps a second place vacant. The attendance sheet also holds
the row an older version wrote for the data-protection officer, as a member.
"""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient
from pypdf import PdfReader
from sqlalchemy import select
from sqlalchemy.orm import Session

from commission import policy
from commission.models import Attendance, AttendanceStatus, Case, Deposit, Role
from commission.policy import Document, Field
from commission.services import accounts, hearing_documents, hearings, stock, treasury
from commission.storage import DocumentStore
from tests.cases_helpers import TODAY, new_case, step
from tests.conftest import ROLE_ACCOUNTS, WORLD, World, is_postgres, load_world, login, post_form
from tests.databases import Ids, Restored, Scenario
from tests.hearings_helpers import HEARING_DAY, plan

LOGINS = sorted(ROLE_ACCOUNTS)
STAFF = set(LOGINS) - {"dpo"}
REMARK = "Remarque de séance sur les logements"
# The places, and whose they are ("a": Habitat A, landlord_a's; "b": Habitat B, landlord_b's).
PLACES = {"APP-001": "a", "APP-002": "b", "APP-A2": "a", "APP-B2": "b"}
VACANT = ("APP-A2", "APP-B2")
ADA = {Field.IDENTITY: "Ada Martin", Field.BIRTH_DATE: "17/05/1980", Field.LEGAL_PROTECTION: "Curatelle",
       Field.GUARDIAN: "Paul Durand", Field.CARE_TEAM: "CMP Ronchin", Field.POSTAL_ADDRESS: "pavillon 3"}


def _person_markers(*fields: Field) -> dict[Field, str]:
    return {field: ADA[field] for field in fields}


# What may be downloaded, by whom (as the routes and tests/web/test_access_matrix.py say), and the
# markers each document would show with every field: a reader's document holds a marker iff its fields hold
# that group; the places it may show (each shown iff the reader's fields cover it).
PATHS: dict[Document, str] = {
    Document.AGENDA: "/hearings/{hearing}/agenda.pdf",
    Document.CONVOCATIONS: "/hearings/{hearing}/convocations.pdf",
    Document.INVITATIONS: "/hearings/{hearing}/invitations.zip",
    Document.MINUTES: "/hearings/{hearing}/minutes.pdf",
    Document.MINUTES_REDACTED: "/hearings/{hearing}/minutes.pdf?redacted=1",
    Document.OFFER: "/cases/{ada}/offer.pdf",
    Document.COMMITMENT: "/deposits/{deposit}/commitment.pdf",
    Document.LEDGER: "/treasury/ledger/2026.csv",
    Document.STATEMENT: "/treasury/statement/2026.pdf",
    Document.ANNUAL_REPORT: "/reports/annual/2026.pdf",
    Document.PERSON_EXPORT: "/persons/{applicant}/export",
    Document.ROOM_SCREEN: "/hearings/{hearing}/room.json",
}
READERS: dict[Document, set[str]] = {
    Document.AGENDA: STAFF,
    Document.CONVOCATIONS: {"coordinator"},
    Document.INVITATIONS: {"coordinator"},
    Document.MINUTES: STAFF,  # each reads the version the rule gives them
    Document.MINUTES_REDACTED: STAFF,
    Document.OFFER: {"coordinator", "care_a"},  # the file is care_a's team's
    Document.COMMITMENT: {"coordinator", "treasurer", "landlord_a", "member"},  # the member holds the delegation
    Document.LEDGER: {"coordinator", "treasurer"},
    Document.STATEMENT: {"coordinator", "treasurer"},
    Document.ANNUAL_REPORT: {"coordinator", "chair", "member", "treasurer"},
    Document.PERSON_EXPORT: {"coordinator"},
    # those who ran the session, and the members present at it (landlord_b was not)
    Document.ROOM_SCREEN: {"coordinator", "chair", "member", "landlord_a"},
}
_HEARING_MARKERS = _person_markers(Field.IDENTITY, Field.BIRTH_DATE, Field.LEGAL_PROTECTION, Field.GUARDIAN,
                                   Field.CARE_TEAM)
MARKERS: dict[Document, dict[Field, str]] = {
    Document.AGENDA: _HEARING_MARKERS,
    Document.CONVOCATIONS: {**_HEARING_MARKERS, Field.POSTAL_ADDRESS: ADA[Field.POSTAL_ADDRESS]},
    Document.INVITATIONS: {Field.IDENTITY: ADA[Field.IDENTITY], Field.MEMBERS: "membre-"},
    Document.MINUTES: {**_HEARING_MARKERS, Field.NOTES: REMARK, Field.MEMBERS: "User member"},
    Document.MINUTES_REDACTED: {**_HEARING_MARKERS, Field.NOTES: REMARK, Field.MEMBERS: "User member"},
    Document.OFFER: _person_markers(Field.IDENTITY, Field.BIRTH_DATE, Field.LEGAL_PROTECTION, Field.GUARDIAN,
                                    Field.POSTAL_ADDRESS),
    Document.COMMITMENT: _person_markers(Field.IDENTITY, Field.BIRTH_DATE, Field.LEGAL_PROTECTION, Field.GUARDIAN),
    Document.LEDGER: {Field.IDENTITY: "Martin", Field.BIRTH_DATE: "1980"},
    Document.STATEMENT: {Field.IDENTITY: "Martin", Field.BIRTH_DATE: "1980"},
    Document.ANNUAL_REPORT: {Field.IDENTITY: "Martin", Field.BIRTH_DATE: "1980", Field.CARE_TEAM: "CMP"},
    Document.ROOM_SCREEN: {Field.IDENTITY: "Martin", Field.BIRTH_DATE: "1980", Field.CARE_TEAM: "CMP",
                           Field.DECISIONS: "Place attribuée"},
    # The export's PDF writes dates in full; its JSON (read too) in ISO form.
    Document.PERSON_EXPORT: {**_person_markers(Field.IDENTITY, Field.LEGAL_PROTECTION, Field.GUARDIAN,
                                               Field.CARE_TEAM, Field.POSTAL_ADDRESS),
                             Field.BIRTH_DATE: "1980-05-17"},
}
SHOWN_PLACES: dict[Document, tuple[str, ...]] = {
    Document.AGENDA: VACANT,
    Document.MINUTES: tuple(PLACES),
    Document.MINUTES_REDACTED: tuple(PLACES),
    Document.OFFER: ("APP-001",),
    Document.COMMITMENT: ("APP-001",),
    Document.LEDGER: ("APP-001",),
    Document.PERSON_EXPORT: ("APP-001",),
    Document.ANNUAL_REPORT: tuple(PLACES),  # figures only: none of them, whatever the reader
}


def _allocate(session: Session, world: World, hearing_id: int, item_id: int, place_id: int) -> None:
    hearings.decide_item(session, world.users["chair"], hearing_id, item_id, hearings.DecisionInput(
        decision="allocate", place_id=str(place_id), reason="Projet adapté"), today=HEARING_DAY)


def _build(session: Session, instance: Path, ids: Ids) -> Ids:
    world = load_world(session, ids)
    coordinator, chair = world.users["coordinator"], world.users["chair"]
    for reference, landlord in (("APP-A2", world.landlord_a), ("APP-B2", world.landlord_b)):
        stock.create_place(session, coordinator, stock.PlaceInput(
            reference=reference, kind="apartment", town_id=str(world.towns["Lesquin"].id),
            address=f"{reference[-2:]} rue Vacante", organisation_id=str(landlord.id), rent="300", charges="50",
            deposit="300"), today=TODAY)
    ada = new_case(session, world, "care_a", first_name="Ada")
    bea = new_case(session, world, "care_b", first_name="Bea", birth_date="1975-02-03", protection_measure="none",
                   guardian_first_name="", guardian_last_name="")
    for case, team in ((ada, "care_a"), (bea, "care_b")):
        step(session, world.users[team], case, "submit")
        step(session, coordinator, case, "mark_ready")
    hearing = plan(session, world)
    hearings.build_agenda(session, coordinator, hearing.id, hearing.version, today=TODAY)
    hearings.fire_hearing(session, coordinator, hearing.id, "convene", expected_version=hearing.version, today=TODAY)
    # The row an older version wrote when it invited the data-protection officer as a member (no service
    # writes one any more): sheets drawn then still hold it.
    dpo = world.users["dpo"]
    session.add(Attendance(hearing_id=hearing.id, user_id=dpo.id, name=dpo.display_name,
                           capacity="Membre de la commission", email=dpo.email, votes=False,
                           status=AttendanceStatus.ABSENT))
    session.commit()
    session.refresh(hearing)
    hearings.fire_hearing(session, chair, hearing.id, "open_session", expected_version=hearing.version,
                          today=HEARING_DAY)
    present = {chair.id, world.users["member"].id, world.users["landlord_a"].id, dpo.id}
    hearings.set_attendance(session, chair, hearing.id, [
        hearings.AttendanceInput(attendance.id, "present" if attendance.user_id in present else "excused")
        for attendance in hearing.attendances])
    items = {item.case_id: item.id for item in hearing.items}
    _allocate(session, world, hearing.id, items[ada.id], world.place_a.id)
    _allocate(session, world, hearing.id, items[bea.id], world.place_b.id)
    hearings.fire_hearing(session, chair, hearing.id, "close", expected_version=None, today=HEARING_DAY)
    hearings.update_minutes(session, chair, hearing.id, remarks=REMARK, movements="", notes={})
    hearings.fire_hearing(session, chair, hearing.id, "approve_minutes", expected_version=None, today=HEARING_DAY)
    hearing_documents.sign_minutes(session, chair, DocumentStore(instance / "documents"), hearing.id,
                                   expected_version=None)
    # Ada's deposit: committed by the member who holds the signing delegation, paid by the treasurer.
    accounts.grant_signing_delegation(session, coordinator, world.users["member"].id)
    deposit = session.execute(select(Deposit).where(Deposit.case_id == ada.id)).scalar_one()
    treasury.fire_deposit(session, world.users["member"], deposit.id, "commit", expected_version=None,
                          today=HEARING_DAY)
    treasury.fire_deposit(session, world.users["treasurer"], deposit.id, "pay", expected_version=None,
                          movement=treasury.Movement(value_date=HEARING_DAY.isoformat()), today=HEARING_DAY)
    session.commit()
    return {"hearing": hearing.id, "ada": ada.id, "applicant": ada.applicant_id, "bea": bea.id,
            "deposit": deposit.id}


SCENARIO = Scenario("document-minimisation", _build, extends=WORLD)


@pytest.fixture
def scenario() -> Scenario:
    return SCENARIO


@pytest.fixture
def isolation() -> str:
    return "rollback" if is_postgres() else "copy"


@pytest.fixture
def ids(restored: Restored, world: World) -> Ids:
    return restored.ids


def pdf_text(data: bytes) -> str:
    return " ".join(" ".join(page.extract_text().split()) for page in PdfReader(io.BytesIO(data)).pages)


def document_text(data: bytes) -> str:
    """A PDF's text; an archive's names and members (PDFs read as PDFs); a calendar's, its folded lines
    unfolded; a spreadsheet's as it is."""
    if data.startswith(b"%PDF"):
        return pdf_text(data)
    if data.startswith(b"PK"):
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            return " ".join(f"{name} {document_text(archive.read(name))}" for name in archive.namelist())
    return data.decode("utf-8-sig").replace("\r\n ", "")


def fields_of(login_name: str, document: Document) -> frozenset[Field]:
    return policy.DOCUMENT_FIELDS[document].get(ROLE_ACCOUNTS[login_name], frozenset())


def downloaded_fields(login_name: str, document: Document) -> frozenset[Field]:
    """What a download gives: of the minutes, the full ones to those who read them, else what the reader
    reads of the version for distribution."""
    if document is Document.MINUTES:
        return fields_of(login_name, document) or fields_of(login_name, Document.MINUTES_REDACTED)
    return fields_of(login_name, document)


def shows(login_name: str, fields: frozenset[Field], place: str) -> bool:
    """The rule for places, written out: a landlord's own places with ``address_of_place``, any other place
    (every place, for a reader who represents no landlord) with ``other_landlords_places``."""
    own = login_name == f"landlord_{PLACES[place]}"
    return (Field.ADDRESS_OF_PLACE if own else Field.OTHER_LANDLORDS_PLACES) in fields


def download(app: Flask, login_name: str, path: str) -> tuple[int, str]:
    client: FlaskClient = app.test_client()
    login(client, login_name)
    response = post_form(client, path, {}, form_page="/") if "/export" in path else client.get(path)
    text = document_text(response.data) if response.status_code == 200 else ""
    response.close()
    return response.status_code, text


def test_the_rule_names_every_reader_and_only_them() -> None:
    """A reader the routes let download a document reads some of it; a role the rule gives nothing is not a reader."""
    for document, readers in READERS.items():
        for login_name in LOGINS:
            if login_name in readers:
                assert downloaded_fields(login_name, document), f"{login_name} reads {document.value}: rule silent"
    assert all(not policy.DOCUMENT_FIELDS[document].get(Role.DATA_PROTECTION) for document in Document)
    assert set(PATHS) == set(Document) == set(READERS)


@pytest.mark.parametrize("document", list(Document), ids=lambda document: document.value)
def test_every_document_holds_only_what_its_reader_may_read(app: Flask, ids: Ids, document: Document) -> None:
    path = PATHS[document].format(**ids)
    wrong: list[str] = []
    for login_name in LOGINS:
        status, text = download(app, login_name, path)
        if login_name not in READERS[document]:
            if status != 403:
                wrong.append(f"{login_name}: {status}, not refused")
            continue
        if status != 200:
            wrong.append(f"{login_name}: {status}")
            continue
        fields = downloaded_fields(login_name, document)
        for field, marker in MARKERS[document].items():
            if (marker in text) != (field in fields):
                wrong.append(f"{login_name}: {field.value} ({marker!r}) {'shown' if marker in text else 'missing'}")
        for place in SHOWN_PLACES.get(document, ()):
            expected = shows(login_name, fields, place) and document is not Document.ANNUAL_REPORT
            if (place in text) != expected:
                wrong.append(f"{login_name}: place {place} {'shown' if place in text else 'missing'}")
        if "User dpo" in text:
            wrong.append(f"{login_name}: the data-protection officer is listed")
    assert not wrong, f"{document.value}: " + "; ".join(wrong)


def test_a_landlord_reads_the_decisions_on_its_places_and_nothing_of_the_persons(app: Flask, ids: Ids) -> None:
    """The issue's case, written out: the landlord's minutes and agenda, against the coordinator's."""
    _status, full = download(app, "coordinator", f"/hearings/{ids['hearing']}/minutes.pdf")
    for marker in ("17/05/1980", "Curatelle", "Paul Durand", "Bea Martin", "APP-002", "APP-B2"):
        assert marker in full  # what the landlord must not read is there to be left out
    for landlord, own, other, own_file, other_file in (("landlord_a", "APP-001", "APP-002", "ada", "bea"),
                                                       ("landlord_b", "APP-002", "APP-001", "bea", "ada")):
        _status, minutes = download(app, landlord, f"/hearings/{ids['hearing']}/minutes.pdf")
        own_reference, other_reference = (f"D-{TODAY.year}-{ids[key]:05d}" for key in (own_file, other_file))
        assert own in minutes and own_reference in minutes and "Place attribuée — Projet adapté" in minutes
        assert other not in minutes and other_reference not in minutes
        for marker in ("17/05/1980", "1975", "Curatelle", "Paul Durand", "Ada Martin", "Bea Martin", REMARK,
                       "User dpo"):
            assert marker not in minutes, f"{landlord} reads {marker!r} in the minutes"
        assert "Extrait pour Habitat" in minutes
        _status, agenda = download(app, landlord, f"/hearings/{ids['hearing']}/agenda.pdf")
        own_vacant, other_vacant = ("APP-A2", "APP-B2") if landlord == "landlord_a" else ("APP-B2", "APP-A2")
        assert own_vacant in agenda and other_vacant not in agenda and "rue Vacante" in agenda
        assert "17/05/1980" not in agenda and "Curatelle" not in agenda


def test_no_role_without_a_seat_is_listed_as_a_member(app: Flask, session: Session, ids: Ids) -> None:
    world = load_world(session, ids)
    hearing = hearings.get_hearing(session, world.users["coordinator"], ids["hearing"])
    officer = next(attendance for attendance in hearing.attendances if attendance.user_id == world.users["dpo"].id)
    assert officer.status is AttendanceStatus.PRESENT  # the old row is there, marked present at the session
    seats = [attendance for attendance in hearing.attendances if attendance is not officer]
    _status, minutes = download(app, "coordinator", f"/hearings/{ids['hearing']}/minutes.pdf")
    assert all(attendance.name in minutes for attendance in seats) and officer.name not in minutes
    assert "Présent·e (3)" in minutes  # the chair, the member, the landlord: not the officer
    _status, invitations = download(app, "coordinator", f"/hearings/{ids['hearing']}/invitations.zip")
    assert invitations.count(".ics") == len(seats) + 4  # each member; each person and their team
    assert f"membre-{officer.id}.ics" not in invitations


def test_a_role_without_a_seat_is_named_by_its_role() -> None:
    from commission.models import User

    for role in Role:
        user = User(login="x", display_name="X", role=role)
        words = hearings.capacity(user)
        assert (words == "Membre de la commission") == (role is Role.MEMBER), (role, words)


# ---------------------------------------------------------------- the data itself, not only the PDF


@pytest.mark.parametrize("login_name", sorted(STAFF))
def test_the_agenda_data_holds_no_birth_date_protection_or_guardian(session: Session, ids: Ids,
                                                                     login_name: str) -> None:
    """The agenda never prints them; its data does not hold them either, for any reader."""
    world = load_world(session, ids)
    user = world.users[login_name]
    hearing = hearings.get_hearing(session, user, ids["hearing"])
    data = hearing_documents.agenda_data(session, user, hearing)
    fields = fields_of(login_name, Document.AGENDA)
    assert data.items
    for item in data.items:
        assert item.person.birth_date is None and not item.person.protection and not item.person.guardian
        assert (item.person.full_name != item.person.initials) == (Field.IDENTITY in fields)
    assert {place for place in VACANT if any(text.startswith(place) for text in data.vacancies)} == {
        place for place in VACANT if shows(login_name, fields, place)}


def test_the_views_of_the_minutes_are_the_stored_versions(session: Session, ids: Ids) -> None:
    """The full fields give the data as built, the redacted ones the version for distribution stored at signing."""
    from commission.documents.data import redact_minutes

    world = load_world(session, ids)
    coordinator = world.users["coordinator"]
    hearing = hearings.get_hearing(session, coordinator, ids["hearing"])
    data = hearing_documents.build_minutes_data(session, hearing, hearings.current_minutes(hearing))
    assert hearing_documents.minutes_view(coordinator, data, policy.FULL_MINUTES) == data
    assert hearing_documents.minutes_view(coordinator, data, policy.REDACTED_MINUTES) == redact_minutes(data)
    extract = hearing_documents.minutes_view(world.users["landlord_a"], data, policy.LANDLORD_MINUTES)
    ada = session.get(Case, ids["ada"])
    assert ada is not None and [item.case_reference for item in extract.items] == [ada.reference]
    assert all(item.person.birth_date is None and not item.person.guardian and not item.person.protection
               and not item.person.care_team and not item.request for item in extract.items)
    assert not extract.remarks and extract.extract_for == "Habitat A"



def test_the_convocations_hold_no_birth_date_nor_protection(session: Session, ids: Ids) -> None:
    """The letters print neither; their data does not hold them: the guardian's letter is addressed to them."""
    coordinator = load_world(session, ids).users["coordinator"]
    hearing = hearings.get_hearing(session, coordinator, ids["hearing"])
    letters = hearing_documents.convocation_letters(session, coordinator, hearing)
    assert {letter.role for letter in letters} == {"person", "guardian", "care_team"}
    assert any(letter.recipient_name == "Paul Durand" for letter in letters)
    assert all(letter.person.birth_date is None and not letter.person.protection for letter in letters)
