"""Retention over several simulated years: the database is built through the services from 2026, the
clock moves on, `retention run` anonymises what is due; nothing of those persons remains anywhere,
the past years' figures do not move, and the checks still pass."""

from __future__ import annotations

import dataclasses
import io
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from pypdf import PdfReader
from sqlalchemy import select, text
from sqlalchemy.orm import Session

from commission import clock
from commission.cli import main
from commission.config import Settings
from commission.db import Base
from commission.errors import TransitionRefused
from commission.models import Applicant, Case, CaseDocument, Deposit, Minutes
from commission.models.imports import ImportedRecord, ImportRun
from commission.services import (
    accounts,
    audit,
    cases,
    dashboard,
    digest,
    followup,
    hearing_documents,
    hearings,
    integrity,
    retention,
    treasury,
    treasury_reports,
)
from commission.storage import DocumentStore
from tests.cases_helpers import complete_input
from tests.conftest import World, fresh
from tests.hearings_helpers import plan

H1 = date(2026, 3, 19)
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


@dataclasses.dataclass(frozen=True)
class Person:
    first: str
    last: str
    birth: str
    phone: str
    address: str
    guardian: tuple[str, str] | None = None

    @property
    def strings(self) -> list[str]:
        born = date.fromisoformat(self.birth)
        found = [self.first, self.last, self.phone, self.address, self.birth, born.strftime("%d/%m/%Y")]
        return found + (list(self.guardian) if self.guardian else [])


REFUSED = Person("Aurélien", "Quesnoy", "1979-11-02", "06 41 52 63 74", "12 rue des Tilleuls, Faches")
HOUSED_THEN_LEFT = Person("Bérénice", "Vandamme", "1985-07-23", "06 98 87 76 65", "CHS, pavillon 5, Lesquin",
                          guardian=("Ghislaine", "Vandamme"))
STILL_HOUSED = Person("Clothilde", "Ardouin", "1990-02-14", "07 11 22 33 44", "Foyer Le Relais, Ronchin")
WITHDRAWN = Person("Désiré", "Lheureux", "1972-09-30", "06 55 44 33 22", "4 allée Verte, Lesquin")


def _file(session: Session, world: World, person: Person) -> Case:
    overrides: dict[str, Any] = dict(first_name=person.first, last_name=person.last, birth_date=person.birth,
                                     phone=person.phone, address=person.address,
                                     housing_details=f"{person.first} {person.last} vit à l'hôpital.",
                                     project=f"Projet de {person.first}: vivre seul(e).",
                                     consent_date="2026-02-10")
    if person.guardian:
        overrides.update(guardian_first_name=person.guardian[0], guardian_last_name=person.guardian[1])
    else:
        overrides.update(protection_measure="none", guardian_first_name="", guardian_last_name="")
    return cases.create_case(session, world.users["care_a"], complete_input(world, **overrides),
                             today=H1 - timedelta(days=30))


def _fire(session: Session, actor: Any, case: Case, trigger: str, day: date, **kwargs: Any) -> None:
    fresh(session)
    current = session.get(Case, case.id)
    assert current is not None
    cases.fire_case(session, actor, case.id, trigger, expected_version=current.version, today=day, **kwargs)


def _build(session: Session, world: World, store: DocumentStore, *, refund: bool = True) -> dict[str, Case]:
    """2026-2027: four persons, a hearing with signed minutes, a tenancy that ends, one that goes on."""
    coordinator, care, chair = world.users["coordinator"], world.users["care_a"], world.users["chair"]
    accounts.grant_signing_delegation(session, coordinator, world.users["member"].id)
    prepared = H1 - timedelta(days=25)
    files: dict[str, Case] = {}
    with clock.travel(prepared):
        for key, person in (("refused", REFUSED), ("left", HOUSED_THEN_LEFT), ("stays", STILL_HOUSED),
                            ("withdrawn", WITHDRAWN)):
            case = _file(session, world, person)
            files[key] = case
            cases.attach_document(session, care, store, case.id, filename=f"{person.last}.pdf",
                                  data=PDF + f"% {person.first} {person.last} {person.birth}\n".encode(),
                                  kind="other")
            cases.update_medical(session, care, case.id, cases.MedicalInput(
                diagnosis_summary=f"Suivi de {person.first} {person.last}", treatment="Traitement au long cours"))
        _fire(session, care, files["withdrawn"], "submit", prepared)
        _fire(session, care, files["withdrawn"], "withdraw", prepared,
              reason=f"{WITHDRAWN.first} a trouvé un logement par sa famille")
        for key in ("refused", "left", "stays"):
            _fire(session, care, files[key], "submit", prepared)
            _fire(session, coordinator, files[key], "mark_ready", prepared)
    with clock.travel(H1 - timedelta(days=14)):
        hearing = plan(session, world, day=H1)
        hearings.build_agenda(session, coordinator, hearing.id, hearing.version, today=H1 - timedelta(days=14))
        hearings.fire_hearing(session, coordinator, hearing.id, "convene", expected_version=None,
                              today=H1 - timedelta(days=14))
    with clock.travel(H1):
        hearings.fire_hearing(session, chair, hearing.id, "open_session", expected_version=None, today=H1)
        present = {chair.id, world.users["member"].id}
        hearings.set_attendance(session, chair, hearing.id, [
            hearings.AttendanceInput(attendance.id, "present" if attendance.user_id in present else "excused")
            for attendance in hearing.attendances])
        by_case = {item.case_id: item for item in hearing.items}
        decisions = {
            "refused": hearings.DecisionInput(decision="refuse",
                                              reason=f"Le projet de M. {REFUSED.last} n'est pas mûr."),
            "left": hearings.DecisionInput(decision="allocate", place_id=str(world.place_a.id), reason="Adapté"),
            "stays": hearings.DecisionInput(decision="allocate", place_id=str(world.place_b.id), reason="Adapté"),
        }
        for key, decision in decisions.items():
            hearings.decide_item(session, chair, hearing.id, by_case[files[key].id].id, decision, today=H1)
        hearings.fire_hearing(session, chair, hearing.id, "close", expected_version=None, today=H1)
        hearings.fire_hearing(session, chair, hearing.id, "approve_minutes", expected_version=None, today=H1)
        hearing_documents.sign_minutes(session, chair, store, hearing.id, expected_version=None)
    offer_day, move_in = H1 + timedelta(days=3), H1 + timedelta(days=30)
    for key in ("left", "stays"):
        case = files[key]
        with clock.travel(offer_day):
            _fire(session, care, case, "accept_offer", offer_day)
            deposit = session.execute(select(Deposit).where(Deposit.case_id == case.id)).scalar_one()
            treasury.fire_deposit(session, world.users["member"], deposit.id, "commit", expected_version=None,
                                  today=offer_day)
            treasury.fire_deposit(session, world.users["treasurer"], deposit.id, "pay", expected_version=None,
                                  today=offer_day, movement=treasury.Movement(value_date=offer_day.isoformat()))
            _fire(session, coordinator, case, "start_move_in", offer_day,
                  values={"move_in_date": move_in, "lease_kind": "sublease", "lease_start": move_in})
        with clock.travel(move_in):
            _fire(session, coordinator, case, "confirm_housed", move_in)
            followup.save_care_plan(session, care, case.id, followup.CarePlanInput(
                referring_psychiatrist="Dr Lemaire", visit_every_days="14",
                activities="Hôpital de jour le mardi", status_note="Installation sereine"), today=move_in)
    visit = move_in + timedelta(days=20)
    with clock.travel(visit):
        for key in ("left", "stays"):
            person = HOUSED_THEN_LEFT if key == "left" else STILL_HOUSED
            followup.record_event(session, care, files[key].id, followup.EventInput(
                kind="visit", occurred_on=visit.isoformat(), summary=f"Visite chez {person.first}, tout va bien"),
                today=visit)
        world.users["coordinator"].email = "coordination@example.org"
        session.commit()
        digest.send_digests(session, None, visit)
    leave = date(2027, 6, 30)
    with clock.travel(leave):
        followup.record_exit(session, coordinator, files["left"].id, followup.ExitInput(
            reason="ordinary_housing", exit_date=leave.isoformat(), place_condition="good",
            note=f"{HOUSED_THEN_LEFT.first} part dans le parc ordinaire"), today=leave)
    refunded = leave + timedelta(days=45)
    if not refund:
        return files
    with clock.travel(refunded):
        deposit = session.execute(select(Deposit).where(Deposit.case_id == files["left"].id)).scalar_one()
        treasury.fire_deposit(session, world.users["treasurer"], deposit.id, "refund", expected_version=None,
                              today=refunded, movement=treasury.Movement(value_date=refunded.isoformat()))
    return files


def _figures(session: Session, world: World) -> dict[str, Any]:
    coordinator, treasurer = world.users["coordinator"], world.users["treasurer"]
    found: dict[str, Any] = {}
    for year in (2026, 2027):
        found[f"figures {year}"] = dataclasses.asdict(dashboard.year_figures(session, coordinator, year,
                                                                             today=date(2033, 1, 1)))
        found[f"statement {year}"] = [dataclasses.astuple(row) for row in treasury_reports.statement_rows(
            treasury_reports.statement(session, treasurer, year))]
    found["balances"] = dataclasses.asdict(treasury_reports.account_balances(session, treasurer))
    return found


def _database_text(session: Session) -> str:
    chunks = []
    for table in Base.metadata.sorted_tables:
        for row in session.execute(select(table)).all():
            chunks.extend(str(value) for value in row)
    return "\n".join(chunks).lower()


def _store_text(root: Path) -> str:
    chunks = []
    for path in root.rglob("*"):
        if path.is_file():
            data = path.read_bytes()
            chunks.append(data.decode("utf-8", errors="replace"))
            if data.startswith(b"%PDF") and len(data) > 200:
                chunks.extend(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)
    return "\n".join(chunks).lower()


def _assert_checks_pass(session: Session) -> None:
    fresh(session)
    _count, problems = integrity.check_all(session)
    assert problems == []
    assert audit.verify(session).ok


def test_retention_over_the_years(session: Session, world: World, settings: Settings, tmp_path: Path) -> None:
    store = DocumentStore(tmp_path / "documents")
    files = _build(session, world, store)
    # two of them arrived from the hospital's spreadsheet, under its own numbers (their import's references)
    run = ImportRun(kind="people", file_name="file-active.csv", sha256="0" * 64, actor_name="Coordination")
    session.add(run)
    session.flush()
    session.add_all([ImportedRecord(kind="people", external_ref=f"IPP-{name}", object_type="case",
                                    object_id=files[name].id, fingerprint="0" * 64, run_id=run.id)
                     for name in ("refused", "stays")])
    session.commit()
    _assert_checks_pass(session)
    before = _figures(session, world)
    everyone = _database_text(session) + _store_text(store.root)
    for person in (REFUSED, HOUSED_THEN_LEFT, STILL_HOUSED, WITHDRAWN):
        for value in person.strings[:5]:  # names, contact details, birth date as the services write it
            assert value.lower() in everyone, value  # the checks below can fail: the data was there

    # end of 2027: the refusal and the withdrawal are not two years old yet, the exit is recent
    with clock.travel(date(2027, 12, 31)):
        report = retention.run(session, settings, store, dry_run=False)
    assert report.due == [] and report.waiting == []

    # spring 2028: the refused and the withdrawn applications are due; the dry run changes nothing
    with clock.travel(date(2028, 4, 1)):
        dry = retention.run(session, settings, store, dry_run=True)
        assert {person.applicant_id for person in dry.due} == {files["refused"].applicant_id,
                                                             files["withdrawn"].applicant_id}
        fresh(session)
        assert _database_text(session).count(REFUSED.last.lower()) > 0
        report = retention.run(session, settings, store, dry_run=False)
    assert report.applied and len(report.due) == 2 and report.documents_removed == 2
    assert report.minutes_rewritten == 1  # the refused person's hearing
    _assert_checks_pass(session)
    assert _figures(session, world) == before

    # 2031: the closed file is four years old; 2032, after five years, its person goes too
    with clock.travel(date(2031, 12, 31)):
        assert retention.run(session, settings, store, dry_run=True).due == []
    with clock.travel(date(2032, 7, 1)):
        report = retention.run(session, settings, store, dry_run=False)
    assert [person.applicant_id for person in report.due] == [files["left"].applicant_id]
    _assert_checks_pass(session)
    assert _figures(session, world) == before

    fresh(session)
    database, stored = _database_text(session), _store_text(store.root)
    for person in (REFUSED, HOUSED_THEN_LEFT, WITHDRAWN):
        for value in person.strings:
            assert value.lower() not in database, value
            assert value.lower() not in stored, value
    # the number a person arrived under went with them; the person still housed keeps theirs
    assert session.execute(select(ImportedRecord.external_ref)).scalars().all() == ["IPP-stays"]
    # the person still housed is untouched, in the records and in the signed minutes
    for value in STILL_HOUSED.strings[:5]:
        assert value.lower() in database, value
    assert STILL_HOUSED.last.lower() in stored
    # the documents went with their files, from the database and from the store
    assert session.execute(select(CaseDocument.case_id)).scalars().all() == [files["stays"].id]
    assert len(list((store.root).rglob("*.pdf"))) == 0  # the store names files by their hash
    kept = {document.sha256 for document in session.execute(select(CaseDocument)).scalars()}
    minutes = session.execute(select(Minutes)).scalar_one()
    assert minutes.names_erased_at is not None
    on_disk = {path.name for path in store.root.rglob("*") if path.is_file()}
    assert on_disk == kept | {minutes.pdf_sha256, minutes.redacted_sha256}
    full = "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(store.get(minutes.pdf_sha256))).pages)
    assert "retention" in full.lower() or "conservation" in full.lower()

    # what the council keeps: the decisions and the steps of the anonymised files
    refused = session.get(Case, files["refused"].id)
    assert refused is not None and refused.state == "refused" and refused.decision_reason
    applicant = session.get(Applicant, files["refused"].applicant_id)
    assert applicant is not None and applicant.anonymised_at is not None
    assert applicant.birth_date.year == 1979
    actions = session.execute(text("SELECT count(*) FROM audit_entry WHERE action = 'person.anonymised'")).scalar()
    assert actions == 3

    # an anonymised file can no longer change
    with clock.travel(date(2032, 7, 2)), pytest.raises(TransitionRefused):
        cases.fire_case(session, world.users["coordinator"], files["refused"].id, "reopen", expected_version=None,
                        reason="Nouvelle demande")


def test_a_deposit_not_settled_holds_the_person(session: Session, world: World, settings: Settings,
                                                 tmp_path: Path) -> None:
    store = DocumentStore(tmp_path / "documents")
    files = _build(session, world, store, refund=False)
    with clock.travel(date(2032, 7, 1)):
        report = retention.run(session, settings, store, dry_run=False)
    assert files["left"].applicant_id not in {person.applicant_id for person in report.due}
    assert [(person.applicant_id, person.waiting) for person in report.waiting] == [
        (files["left"].applicant_id, "un dépôt de garantie n'est pas encore soldé")]  # in the council's language
    fresh(session)
    left = session.get(Applicant, files["left"].applicant_id)
    assert left is not None and left.anonymised_at is None and left.last_name == HOUSED_THEN_LEFT.last


def test_the_command_line_shows_then_applies(world: World, settings: Settings, tmp_path: Path,
                                             monkeypatch: pytest.MonkeyPatch, session: Session) -> None:
    store = DocumentStore(settings.instance_path / "documents")
    files = _build(session, world, store)
    monkeypatch.setenv("COMMISSION_DATABASE_URL", settings.database_url)
    monkeypatch.setenv("COMMISSION_INSTANCE_PATH", str(settings.instance_path))
    monkeypatch.setenv("COMMISSION_ENV", "development")
    runner = CliRunner()
    with clock.travel(date(2028, 4, 1)):
        shown = runner.invoke(main, ["retention", "run", "--dry-run"])
        assert shown.exit_code == 0, shown.output
        assert "2 person(s) would be anonymised" in shown.output and "nothing changed" in shown.output
        fresh(session)
        refused = session.get(Applicant, files["refused"].applicant_id)
        assert refused is not None and refused.anonymised_at is None
        done = runner.invoke(main, ["retention", "run"])
    assert done.exit_code == 0, done.output
    assert "2 person(s) anonymised" in done.output
    fresh(session)
    refused = session.get(Applicant, files["refused"].applicant_id)
    assert refused is not None and refused.anonymised_at is not None and refused.last_name != REFUSED.last


def test_every_ending_has_its_period(settings: Settings) -> None:
    """Each state a file may end in is kept for the period of the outcome that ended it: a new ending
    without a rule fails here, not at the night's run."""
    from commission.workflow.case import CASE_MACHINE
    from commission.workflow.tags import Tag

    periods = {state: retention.rule_years(settings, state) for state in CASE_MACHINE.tagged(Tag.ENDED)}
    assert periods == {"closed": settings.retain_closed_years, "refused": settings.retain_refused_years,
                       "withdrawn": settings.retain_withdrawn_years}
