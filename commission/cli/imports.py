"""``commission import KIND FILE``: a council's spreadsheets (CSV or XLSX) brought in, checked first with
``--dry-run``, then applied all or nothing (see :mod:`commission.services.imports`)."""

from __future__ import annotations

import hashlib
from pathlib import Path

import click

from commission.cli.base import AS_OPTION, Refusal, _actor, _hearing_session, main, say
from commission.errors import InvalidInput
from commission.i18n import msg
from commission.services.imports import core, mapping, reading
from commission.services.imports.core import ImportReport
from commission.services.unit import unit_of_work


def _map_choices(pairs: tuple[str, ...]) -> dict[str, str]:
    choices: dict[str, str] = {}
    for pair in pairs:
        header, separator, name = pair.partition("=")
        if not separator or not header.strip():
            raise click.BadParameter(say(msg("Write COLUMN=field (an empty field ignores the column).")),
                                     param_hint="--map")
        choices[header.strip()] = name.strip()
    return choices


def _column(header: str | None, label: str | None) -> str:
    if header is not None:
        return header
    return say(msg(label)) if label is not None else "-"


def _show(report: ImportReport) -> None:
    click.echo(say(msg("Columns:")))
    for header, label in report.mapping:
        target = say(msg(label)) if label else say(msg("(ignored)"))
        click.echo(f"  {header} -> {target}")
    for issue in report.issues:
        kind = say(msg("conflict")) if issue.conflict else say(msg("error"))
        line = say(msg("line %(line)s", line=issue.row))
        click.echo(f"{line}\t{_column(issue.header, issue.label)}\t{kind}\t{say(issue.message)}")
    click.echo(say(msg("%(rows)s rows: %(created)s to create, %(unchanged)s unchanged, %(conflicts)s conflicts, "
                       "%(errors)s rows in error.", rows=report.rows, created=report.created,
                       unchanged=report.unchanged, conflicts=report.conflicts, errors=report.rows_in_error)))


@main.command("import")
@click.argument("kind_name", metavar="KIND", type=click.Choice([kind.name for kind in core.kinds()]))
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--dry-run", is_flag=True, help="Check every row and say what would be done; change nothing.")
@click.option("--map", "pairs", multiple=True, metavar="COLUMN=field",
              help="Give a column of the file as a field of the import (repeat it; COLUMN= ignores the column).")
@AS_OPTION
@click.pass_context
def import_command(ctx: click.Context, kind_name: str, file: Path, dry_run: bool, pairs: tuple[str, ...],
                   as_login: str | None) -> None:
    """Import the records of KIND (partners, agreements, places, structures...) from FILE (CSV or XLSX): every
    row checked by the forms' rules; applied only if every row can be, in one transaction (exit 1 otherwise)."""
    choices = _map_choices(pairs)
    kind = core.get_kind(kind_name)
    _unused, session = _hearing_session(ctx)
    with session, unit_of_work(session):
        actor = _actor(session, as_login)
        data = file.read_bytes()  # the database and the account first: what is wrong with them is said first
        table = reading.read_table(data, file.name)
        chosen = mapping.chosen_mapping(kind, table.headers, choices)
        try:
            report = core.run_import(session, actor, kind.name, table, chosen, filename=file.name,
                                     sha256=hashlib.sha256(data).hexdigest(), dry_run=dry_run)
        except InvalidInput as refused:
            raise Refusal(refused.message, 2) from None
        _show(report)
    if report.issues:
        raise Refusal(msg("Nothing was imported: correct the rows above and run the import again.") if not dry_run
                      else msg("The real run would import nothing: correct the rows above first."), 1)
    if dry_run:
        click.echo(say(msg("Dry run: nothing was changed.")))
    elif report.run_id is None:
        click.echo(say(msg("Nothing to import: every row was imported before, the same.")))
    else:
        click.echo(say(msg("Imported (run %(run)s).", run=report.run_id)))
