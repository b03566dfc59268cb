"""A council arriving with years of paper, at the seed's scale: 10 partners and their agreements, 73 places, 120
people with their files in various states, 40 deposits outstanding, from CSV (``;`` and ``,``, UTF-8 and
Windows-1252) and XLSX files, imported in one run. The dry run reports every error planted by its line and its
column; the real run leaves data `commission check` finds whole and an audit trail that verifies; a second run
changes nothing, and a row changed since is reported as a conflict."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from types import SimpleNamespace

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from commission import policy
from commission.errors import TransitionRefused
from commission.models import Case, CaseTransition, Place
from commission.models.accounts import Role, User
from commission.models.imports import ImportedRecord
from commission.models.tenancy import Occupancy
from commission.models.treasury import Account, Deposit, EntryKind, LedgerEntry
from commission.services import audit, integrity
from commission.services.imports import core, mapping, reading
from commission.services.imports.kinds import french
from commission.services.treasury.ledger import balances
from commission.workflow import engine
from commission.workflow.case import CASE_MACHINE
from commission.workflow.diagram import to_mermaid
from commission.workflow.machines import MACHINES
from commission.workflow.tags import Screen, Tag
from tests import import_sheets as sheets
from tests.conftest import World

# The small council's care teams (tests/conftest.py, build_world), written as a spreadsheet would: case aside.
TEAMS = ["CMP Ronchin", "cmp lesquin"]


@dataclass
class Files:
    """Each kind's file: its name and its bytes."""

    partners: tuple[str, bytes]
    agreements: tuple[str, bytes]
    places: tuple[str, bytes]
    people: tuple[str, bytes]
    people_spoiled: tuple[str, bytes]
    deposits: tuple[str, bytes]
    expected: list[tuple[int, str]]


@pytest.fixture(scope="module")
def files() -> Files:
    people = sheets.people(TEAMS)
    planted = sheets.plant_errors(people)
    return Files(
        partners=("partenaires.csv", sheets.to_csv("partners", sheets.partners(), encoding="cp1252")),
        agreements=("conventions.csv", sheets.to_csv("agreements", sheets.agreements(), delimiter=",")),
        places=("logements.xlsx", sheets.to_xlsx("places", sheets.places())),
        people=("personnes.xlsx", sheets.to_xlsx("people", people)),
        people_spoiled=("personnes-erreurs.csv", sheets.to_csv("people", planted.rows)),
        deposits=("depots.csv", sheets.to_csv("deposits", sheets.deposits(), encoding="cp1252")),
        expected=planted.expected,
    )


def _run(session: Session, world: World, kind_name: str, file: tuple[str, bytes], *, dry_run: bool
         ) -> core.ImportReport:
    name, data = file
    table = reading.read_table(data, name)
    kind = core.get_kind(kind_name)
    report = core.run_import(session, world.users["coordinator"], kind_name, table,
                             mapping.propose_mapping(kind, table.headers), filename=name, dry_run=dry_run)
    session.commit()
    return report


def _issues(report: core.ImportReport) -> list[str]:
    return [f"line {issue.row} [{issue.header}]: {issue.message}" for issue in report.issues]


def _stock(session: Session, world: World, files: Files) -> None:
    for kind_name in ("partners", "agreements", "places"):
        report = _run(session, world, kind_name, getattr(files, kind_name), dry_run=False)
        assert report.applied, _issues(report)


def _header(kind_name: str, column: str) -> str:
    found = core.get_kind(kind_name).column(column)
    assert found is not None
    return french(found.label)


def test_the_dry_run_reports_every_planted_error_by_line_and_column(session: Session, world: World,
                                                                    files: Files) -> None:
    assert {team.name.casefold() for team in (world.team_a, world.team_b)} == {name.casefold() for name in TEAMS}
    _stock(session, world, files)
    report = _run(session, world, "people", files.people_spoiled, dry_run=True)
    found = {(issue.row, issue.header) for issue in report.issues}
    expected = {(line, _header("people", column)) for line, column in files.expected}
    assert found == expected, _issues(report)
    assert report.created == sheets.PEOPLE - len(files.expected)
    assert not report.applied and session.scalar(select(func.count(Case.id))) == 0  # a dry run keeps nothing
    # each message says what is wrong (in the user's language: the messages are the application's)
    messages = {issue.row: issue.message for issue in report.issues}
    assert messages[4].params == {"reference": "LOG-999"}
    assert messages[6].msgid == "This place is already held by another file."


def test_the_seed_arrives_whole_and_a_second_run_changes_nothing(session: Session, world: World,
                                                                  files: Files) -> None:
    _stock(session, world, files)
    report = _run(session, world, "people", files.people, dry_run=False)
    assert report.applied, _issues(report)
    # One deposit names its person by the file's own reference, as for a file typed in the application.
    rows = sheets.deposits()
    case_id = session.scalar(select(ImportedRecord.object_id).where(ImportedRecord.kind == "people",
                                                                    ImportedRecord.external_ref == rows[0]["person"]))
    named = session.get(Case, case_id)
    assert named is not None
    rows[0]["person"] = named.reference
    deposits = ("depots.csv", sheets.to_csv("deposits", rows, encoding="cp1252"))
    for dry_run in (True, False):
        report = _run(session, world, "deposits", deposits, dry_run=dry_run)
        assert report.issues == [] and report.created == len(rows), _issues(report)
    assert session.scalar(select(func.count(Deposit.id)).where(Deposit.case_id == named.id)) == 1

    count, problems = integrity.check_all(session)
    assert problems == [] and count > 0
    assert audit.verify(session).ok
    # Every file is in its state; the places held are offered or occupied by their holder alone.
    states = dict(session.execute(select(Case.state, func.count(Case.id)).group_by(Case.state)).all())
    assert states == {state: count for state, count in (*sheets.HOLDING, *sheets.OTHERS)}
    housed = session.scalar(select(func.count(Occupancy.id)).where(Occupancy.ended_on.is_(None)))
    assert housed == dict(sheets.HOLDING)["housed"]
    occupied = session.scalar(select(func.count(Place.id)).where(Place.state == "occupied"))
    assert occupied == housed
    # A housed person's file tells its history, dated, then its import step.
    case = session.execute(select(Case).where(Case.state.in_(CASE_MACHINE.tagged(Tag.HOUSED))).limit(1)).scalar_one()
    steps = session.execute(select(CaseTransition.trigger, CaseTransition.at).where(CaseTransition.case_id == case.id)
                            .order_by(CaseTransition.id)).all()
    assert [trigger for trigger, _ in steps] == ["create", "submit", "allocate", "confirm_housed", "import_housed"]
    assert steps[3][1].date() == case.move_in_date
    # The deposits outstanding are owed to the fund through opening balances, the bank untouched.
    totals = balances(session)
    outstanding = session.scalar(select(func.sum(Deposit.amount_cents)).where(Deposit.state.in_(("paid",
                                                                                               "refund_claimed"))))
    assert totals[Account.DEPOSITS_RECEIVABLE] == outstanding == -totals[Account.BROUGHT_FORWARD]
    assert totals[Account.BANK] == 0
    assert session.scalar(select(func.count(LedgerEntry.id)).where(
        LedgerEntry.kind == EntryKind.OPENING_BALANCE)) == 37

    # The same files again: nothing changes.
    before = session.scalar(select(func.count(CaseTransition.id)))
    for kind_name in ("partners", "agreements", "places", "people", "deposits"):
        file = deposits if kind_name == "deposits" else getattr(files, kind_name)
        report = _run(session, world, kind_name, file, dry_run=False)
        assert report.created == 0 and report.unchanged == report.rows and report.issues == [], kind_name
    assert session.scalar(select(func.count(CaseTransition.id))) == before

    # A row changed since: a conflict, and nothing applied.
    rows = sheets.people(TEAMS)
    rows[10]["phone"] = "07 99 99 99 99"
    report = _run(session, world, "people", ("personnes.csv", sheets.to_csv("people", rows)), dry_run=False)
    assert report.conflicts == 1 and not report.applied
    assert [(issue.row, issue.conflict) for issue in report.issues] == [(12, True)]
    assert integrity.check_all(session)[1] == []


# ---------------------------------------------------------------- the import step, apart from every page


@pytest.mark.parametrize("name", sorted(MACHINES))
def test_the_import_steps_are_taken_by_an_import_only(name: str) -> None:
    spec = MACHINES[name]
    coordinator = User(role=Role.COORDINATOR, active=True, login="c", display_name="C")
    for step in spec.imports:
        assert step.screen is Screen.IMPORT and step.sources == (spec.initial,)
        assert step.trigger not in spec.triggers() and step not in spec.available(spec.initial)
        assert step.trigger not in to_mermaid(spec)
        assert policy.step_takers(spec, step.trigger) == ("Coordinator",)
        assert policy.may_take(coordinator, spec, step.trigger, None)
        record = SimpleNamespace(id=1, state=spec.initial, version=1)
        with pytest.raises(TransitionRefused):
            engine.fire(spec, record, step.trigger, engine.FireContext(actor=None, today=date(2026, 1, 5)))
        assert record.state == spec.initial


def test_a_file_cannot_arrive_on_an_agenda_nor_once_moved() -> None:
    context = engine.FireContext(actor=None, today=date(2026, 1, 5))
    for state in ("scheduled", "heard", "allocated", "exiting"):
        record = SimpleNamespace(id=1, state=CASE_MACHINE.initial, version=1)
        with pytest.raises(TransitionRefused):
            engine.fire_import(CASE_MACHINE, record, state, context)
        assert record.state == CASE_MACHINE.initial
    record = SimpleNamespace(id=1, state="submitted", version=1)
    with pytest.raises(TransitionRefused):
        engine.fire_import(CASE_MACHINE, record, "ready", context)
