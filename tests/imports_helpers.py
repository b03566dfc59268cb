"""Building the tables of an import in a test, and running it: for the tests of every kind of import."""

from __future__ import annotations

from sqlalchemy.orm import Session

from commission.models.accounts import User
from commission.services.imports import core, mapping
from commission.services.imports.kinds import french
from commission.services.imports.reading import Table


def table_of(kind_name: str, rows: list[dict[str, str]]) -> Table:
    """A table with the kind's French headers (every column named in the rows, the external reference
    first); each row a dict of column name -> cell (``external_ref`` included)."""
    kind = core.get_kind(kind_name)
    names = ["external_ref", *[column.name for column in kind.columns if any(column.name in row for row in rows)]]
    headers = [french(column.label) for name in names if (column := kind.column(name)) is not None]
    return Table(headers=headers, rows=[[row.get(name, "") for name in names] for row in rows])


def run(session: Session, actor: User, kind_name: str, rows: list[dict[str, str]] | Table, *,
        dry_run: bool, filename: str = "test.csv") -> core.ImportReport:
    """Run an import of these rows with the proposed mapping; a real run is committed when it applied."""
    table = rows if isinstance(rows, Table) else table_of(kind_name, rows)
    kind = core.get_kind(kind_name)
    report = core.run_import(session, actor, kind_name, table, mapping.propose_mapping(kind, table.headers),
                             filename=filename, dry_run=dry_run)
    session.commit()
    return report


def problems(report: core.ImportReport) -> list[tuple[int, str | None, str]]:
    """The report's issues as (line, column header, the message in French), to assert on."""
    return [(issue.row, issue.header or (french(issue.label) if issue.label else None), str(issue.message))
            for issue in report.issues]
