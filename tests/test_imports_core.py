"""The import framework: reading CSV and XLSX, matching the columns, the dry run's report by row and column, the
real run all or nothing, a second run that changes nothing, a changed row reported as a conflict, the audit,
the permission, and the command line."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import openpyxl
import pytest
from click.testing import CliRunner
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from commission.cli import main
from commission.errors import Forbidden, InvalidInput
from commission.models import AuditEntry, ImportedRecord, ImportRun, Organisation
from commission.services import audit
from commission.services.imports import core, mapping, reading
from commission.services.imports.kinds import french
from tests.conftest import World, fresh
from tests.imports_helpers import problems, run

HEADER = "Référence externe;Nom;Type;Commune"
ROWS = [{"external_ref": "P-1", "name": "Habitat Lys", "kind": "Bailleur social", "town": "Ronchin"},
        {"external_ref": "P-2", "name": "Foyer Nord", "kind": "hostel", "town": "59810"}]


def count(session: Session, model: type) -> int:
    return session.execute(select(func.count()).select_from(model)).scalar_one()


def xlsx(rows: list[list[object]]) -> bytes:
    book = openpyxl.Workbook()
    for row in rows:
        book.active.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


# ---------------------------------------------------------------- reading


@pytest.mark.parametrize(("data", "name"), [
    ("Référence externe;Nom\nP-1;Hôtel Ç\n".encode(), "a.csv"),
    ("Référence externe,Nom\nP-1,Hôtel Ç\n".encode(), "a.csv"),
    ("\ufeffRéférence externe;Nom\r\nP-1;Hôtel Ç\r\n".encode(), "a.csv"),
    ("Référence externe;Nom\nP-1;Hôtel Ç\n".encode("cp1252"), "a.csv"),
    ('"Référence externe";"Nom"\n"P-1";"Hôtel Ç"\n'.encode(), "a.txt"),
    (xlsx([["Référence externe", "Nom"], ["P-1", "Hôtel Ç"]]), "a.xlsx"),
])
def test_csv_and_xlsx_are_read_alike(data: bytes, name: str) -> None:
    table = reading.read_table(data, name)
    assert table.headers == ["Référence externe", "Nom"]
    assert table.rows == [["P-1", "Hôtel Ç"]]
    assert table.line(0) == 2


def test_xlsx_cells_become_the_text_the_forms_read() -> None:
    from datetime import date, datetime

    table = reading.read_table(xlsx([["a", "b", "c", "d", "e"], [date(2021, 4, 1), datetime(2021, 4, 1), 350.5, 12,
                                                                 None]]), "x.xlsx")
    assert table.rows == [["2021-04-01", "2021-04-01", "350.5", "12", ""]]


def test_xlsx_is_read_through_defusedxml() -> None:
    assert openpyxl.DEFUSEDXML is True
    good = xlsx([["Référence externe"], ["P-1"]])
    source, target = io.BytesIO(good), io.BytesIO()
    with zipfile.ZipFile(source) as before, zipfile.ZipFile(target, "w") as after:
        for item in before.infolist():
            content = before.read(item.filename)
            if item.filename == "xl/worksheets/sheet1.xml":
                bomb = b'<!DOCTYPE w [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;">]>'
                content = content.replace(b"<worksheet", bomb + b"<worksheet", 1)
            after.writestr(item, content)
    with pytest.raises(InvalidInput) as refused:
        reading.read_table(target.getvalue(), "bomb.xlsx")
    assert "refused" in refused.value.errors["file"][0].msgid  # defusedxml's refusal, not a damaged file


@pytest.mark.parametrize(("data", "name", "words"), [
    (b"", "a.csv", "empty"),
    (b"\xd0\xcf\x11\xe0" + b"\0" * 20, "a.xls", "(.xls)"),
    (b"PK\x03\x04garbage", "a.xlsx", "cannot be opened"),
    (b"\n\n", "a.csv", "no header"),
    (b'a;b\n"open;x\n', "a.csv", "damaged"),
    (b"a;b\n" + b"1;2\n" * (reading.MAX_ROWS + 1), "a.csv", "more than"),
    (b"a\x00b", "a.csv", "not a CSV"),
])
def test_an_unreadable_file_is_refused_with_a_clear_message(data: bytes, name: str, words: str) -> None:
    with pytest.raises(InvalidInput) as refused:
        reading.read_table(data, name)
    assert words in refused.value.errors["file"][0].msgid


# ---------------------------------------------------------------- the columns


def test_columns_are_matched_by_name_whatever_the_case_accents_and_synonyms() -> None:
    kind = core.get_kind("partners")
    proposed = mapping.propose_mapping(kind, ["  REFERENCE EXTERNE ", "raison sociale", "Catégorie", "Ville",
                                              "Remarque"])
    assert proposed.assigned == {0: "external_ref", 1: "name", 2: "kind", 3: "town"}
    assert proposed.unknown() == [4]
    assert proposed.missing(kind) == []
    missing = mapping.propose_mapping(kind, ["Nom"])
    assert missing.missing(kind) == ["external_ref", "kind"]
    assert len(missing.problems(kind)) == 2


def test_the_user_changes_the_mapping_and_a_column_given_twice_is_refused() -> None:
    kind = core.get_kind("partners")
    headers = ["Code", "Intitulé", "Type"]
    chosen = mapping.chosen_mapping(kind, headers, {"Intitulé": "name", "Code": "external_ref"})
    assert chosen.assigned == {0: "external_ref", 1: "name", 2: "kind"}
    assert mapping.chosen_mapping(kind, headers, {"Type": ""}).assigned == {0: "external_ref"}
    with pytest.raises(InvalidInput):
        mapping.chosen_mapping(kind, headers, {"Type": "name", "Intitulé": "name"})
    with pytest.raises(InvalidInput):
        mapping.chosen_mapping(kind, headers, {"Nowhere": "name"})
    with pytest.raises(InvalidInput):
        mapping.chosen_mapping(kind, headers, {"Type": "no_such_field"})


def test_a_required_column_missing_refuses_the_run(session: Session, world: World) -> None:
    table = reading.Table(headers=["Nom"], rows=[["Habitat"]])
    kind = core.get_kind("partners")
    with pytest.raises(InvalidInput) as refused:
        core.run_import(session, world.users["coordinator"], "partners", table,
                        mapping.propose_mapping(kind, table.headers), filename="x.csv", dry_run=True)
    assert "map" in refused.value.errors


# ---------------------------------------------------------------- the runs


def test_the_dry_run_reports_each_rows_errors_by_line_and_column_and_keeps_nothing(session: Session,
                                                                                   world: World) -> None:
    coordinator = world.users["coordinator"]
    rows = [*ROWS,
            {"external_ref": "P-3", "name": "Habitat A", "kind": "landlord", "town": "Nowhere", "email": "bad"},
            {"external_ref": "P-1", "name": "Twice", "kind": "landlord"},
            {"external_ref": "", "name": "", "kind": "castle"}]
    before = count(session, AuditEntry)
    report = run(session, coordinator, "partners", rows, dry_run=True)
    found = problems(report)
    columns = {(line, column) for line, column, _message in found}
    assert (4, french("Town")) in columns and (4, french("Name")) in columns and (4, french("E-mail")) in columns
    assert (5, french("External reference")) in columns  # P-1 again: already on line 2
    assert {(6, french("External reference")), (6, french("Name")), (6, french("Kind"))} <= columns
    assert (report.rows, report.created, report.rows_in_error, report.applied) == (5, 2, 3, False)
    fresh(session)
    assert count(session, ImportRun) == count(session, ImportedRecord) == 0
    assert session.execute(select(Organisation).where(Organisation.name == "Habitat Lys")).first() is None
    assert count(session, AuditEntry) == before


def test_the_real_run_is_all_or_nothing(session: Session, world: World) -> None:
    rows = [*ROWS, {"external_ref": "P-3", "name": "", "kind": "landlord"}]
    report = run(session, world.users["coordinator"], "partners", rows, dry_run=False)
    assert not report.applied and report.created == 2 and report.rows_in_error == 1
    fresh(session)
    assert count(session, ImportRun) == 0
    assert session.execute(select(Organisation).where(Organisation.name == "Foyer Nord")).first() is None


def test_a_second_run_changes_nothing_and_a_changed_row_is_a_conflict(session: Session, world: World) -> None:
    coordinator = world.users["coordinator"]
    before = count(session, AuditEntry)
    first = run(session, coordinator, "partners", ROWS, dry_run=False)
    assert first.applied and first.created == 2 and first.run_id is not None
    fresh(session)
    # audited: one entry per record created (the service's own), and one for the run
    actions = list(session.execute(select(AuditEntry.action).where(AuditEntry.id > before)).scalars())
    assert actions.count("organisation.created") == 2 and actions.count("import.run") == 1
    assert audit.verify(session).ok
    entries = count(session, AuditEntry)
    again = run(session, coordinator, "partners", ROWS, dry_run=False)
    assert (again.created, again.unchanged, again.conflicts, again.applied, again.run_id) == (0, 2, 0, True, None)
    fresh(session)
    assert count(session, AuditEntry) == entries and count(session, ImportRun) == 1  # nothing at all changed
    assert count(session, Organisation) == 5  # the world's three, and the two imported once
    changed = [ROWS[0], {**ROWS[1], "town": "Ronchin"}, {"external_ref": "P-4", "name": "Nouveau", "kind": "hostel"}]
    dry = run(session, coordinator, "partners", changed, dry_run=True)
    assert (dry.created, dry.unchanged, dry.conflicts) == (1, 1, 1)
    assert [(issue.row, issue.conflict, issue.ref) for issue in dry.issues] == [(3, True, "P-2")]
    real = run(session, coordinator, "partners", changed, dry_run=False)
    assert not real.applied
    fresh(session)
    assert session.execute(select(Organisation).where(Organisation.name == "Nouveau")).first() is None


def test_only_the_coordinator_imports(session: Session, world: World) -> None:
    for login in ("treasurer", "care_a", "dpo"):
        with pytest.raises(Forbidden):
            run(session, world.users[login], "partners", ROWS, dry_run=True)


def test_an_unknown_kind_is_refused() -> None:
    with pytest.raises(InvalidInput):
        core.get_kind("castles")


def test_the_templates_hold_every_column_with_an_example(world: World) -> None:
    from commission.services.imports.templates import template_file

    for kind in core.kinds():
        data, _media, name = template_file(world.users["coordinator"], kind.name, "csv")
        table = reading.read_table(data, name)
        assert [mapping.propose_mapping(kind, table.headers).assigned[index] for index in range(len(table.headers))] \
            == [column.name for column in kind.all_columns]
        assert table.rows[0][0]


# ---------------------------------------------------------------- the command line


@pytest.fixture
def env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path, database_url: str) -> str:
    monkeypatch.setenv("COMMISSION_INSTANCE_PATH", str(tmp_path / "instance"))
    monkeypatch.setenv("COMMISSION_DATABASE_URL", database_url)
    monkeypatch.delenv("COMMISSION_SECRET_KEY", raising=False)
    monkeypatch.delenv("COMMISSION_ENV", raising=False)
    return database_url


def test_the_command_checks_then_imports(env: str, world: World, tmp_path: Path, session: Session) -> None:
    path = tmp_path / "partenaires.csv"
    path.write_bytes(f"{HEADER}\nP-1;Habitat Lys;Bailleur social;Ronchin\nP-2;;hostel;Nowhere\n".encode("cp1252"))
    result = CliRunner().invoke(main, ["import", "partners", str(path), "--dry-run"])
    assert result.exit_code == 1, result.output
    assert "Commune" in result.output and "Nom" in result.output
    assert "Traceback" not in result.output
    path.write_bytes(f"{HEADER};Note\nP-1;Habitat Lys;Bailleur social;Ronchin;x\n".encode())
    result = CliRunner().invoke(main, ["import", "partners", str(path), "--dry-run", "--map", "Note="])
    assert result.exit_code == 0, result.output
    result = CliRunner().invoke(main, ["import", "partners", str(path), "--as", "coordinator"])
    assert result.exit_code == 0, result.output
    fresh(session)
    assert session.execute(select(Organisation).where(Organisation.name == "Habitat Lys")).scalar_one()
    assert session.execute(select(ImportRun.actor_name)).scalar_one() == world.users["coordinator"].display_name
    result = CliRunner().invoke(main, ["import", "partners", str(path)])
    assert result.exit_code == 0 and "1" in result.output
    refused = CliRunner().invoke(main, ["import", "partners", str(path), "--as", "treasurer"])
    assert refused.exit_code == 1 and "Traceback" not in refused.output
    bad = CliRunner().invoke(main, ["import", "partners", str(path), "--map", "Nothing=name"])
    assert bad.exit_code == 2
    empty = tmp_path / "empty.csv"
    empty.write_bytes(b"")
    unreadable = CliRunner().invoke(main, ["import", "partners", str(empty)])
    assert unreadable.exit_code == 2 and "Traceback" not in unreadable.output
