"""The commission's work: the workflow's diagrams, the hearings and their documents, the checks, the
fund, the reminders and the reports."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from commission import parsing, policy
from commission.cli.base import (
    AS_OPTION,
    CALENDAR_YEAR,
    ID,
    OUTPUT_FILE,
    OUTPUT_FOLDER,
    YEAR,
    _actor,
    _cli_locale,
    _hearing_session,
    fail,
    main,
    say,
    write_output,
)
from commission.errors import InvalidInput
from commission.i18n import LOCALES, msg, translations
from commission.services.unit import unit_of_work


@main.group("workflow")
def workflow_group() -> None:
    """The workflow machines."""


@workflow_group.command("diagram")
@click.argument("machine", required=False)
@click.option("--format", "output_format", type=click.Choice(["mermaid", "svg"]), default="mermaid",
              show_default=True)
@click.option("--lang", type=click.Choice(LOCALES), help="Translated labels (default: the trigger names).")
def workflow_diagram(machine: str | None, output_format: str, lang: str | None) -> None:
    """Print the diagram of MACHINE (default: every machine), generated from the machine itself."""
    from commission.workflow.diagram import MACHINES, to_mermaid, to_svg

    if machine is not None and machine not in MACHINES:
        fail(f"unknown machine {machine!r}; known machines: {', '.join(MACHINES)}", 2)
    gettext = translations(lang).gettext if lang is not None else None
    render = to_svg if output_format == "svg" else to_mermaid
    names = [machine] if machine is not None else list(MACHINES)
    for name in names:
        if machine is None:
            click.echo(f"<!-- {name} -->" if output_format == "svg" else f"%% {name}")
        click.echo(render(MACHINES[name], gettext), nl=False)


# ---------------------------------------------------------------- hearings


@main.group("hearings")
def hearings_group() -> None:
    """The quarterly hearings."""


@hearings_group.command("list")
@click.option("--year", type=CALENDAR_YEAR, help="Only this year's hearings.")
@AS_OPTION
@click.pass_context
def hearings_list(ctx: click.Context, year: int | None, as_login: str | None) -> None:
    """One line per hearing: id, reference, date, town, chair, state, items on the agenda (none: a line on
    stderr says so, and which years have hearings)."""
    from commission.services import hearings

    _unused, session = _hearing_session(ctx)
    with session, unit_of_work(session):
        actor = _actor(session, as_login)
        found = hearings.list_hearings(session, actor, year)
        for hearing in reversed(found):
            chair = hearing.chair.display_name if hearing.chair else "-"
            click.echo(f"{hearing.id}\t{hearing.reference}\t{hearing.day.isoformat()}\t{hearing.town.name}\t"
                       f"{chair}\t{hearing.state}\t{len(hearing.items)} items")
        if not found:
            from sqlalchemy import func, select

            from commission.models.hearings import Hearing

            first, last = session.execute(select(func.min(Hearing.year), func.max(Hearing.year))).one()
            if year is None or first is None:
                note = msg("No hearing yet.") if year is None else msg("No hearing in %(year)s.", year=str(year))
            elif first == last:
                note = msg("No hearing in %(year)s: the hearings are in %(first)s.", year=str(year), first=str(first))
            else:
                note = msg("No hearing in %(year)s: the hearings run from %(first)s to %(last)s.", year=str(year),
                           first=str(first), last=str(last))
            # On stderr: the listing itself stays empty for the scripts that read it.
            click.echo(f"commission: {say(note)}", err=True)


@main.command("minutes")
@click.argument("hearing_id", type=ID)
@click.option("--out", "out", required=True, type=OUTPUT_FILE, help="Where to write the PDF.")
@click.option("--redacted", is_flag=True, help="The version for wider distribution (initials only).")
@click.option("--version", "number", type=click.IntRange(1, parsing.MAX_ID),
              help="A given version of the minutes (default: the latest).")
@AS_OPTION
@click.pass_context
def minutes_command(ctx: click.Context, hearing_id: int, out: Path, redacted: bool, number: int | None,
                    as_login: str | None) -> None:
    """Write a hearing's minutes as PDF (signed minutes exactly as they were signed), in the version the
    account reads: the full minutes, the version for distribution, or a landlord's extract."""
    from commission.services import hearing_documents
    from commission.storage import DocumentStore

    settings, session = _hearing_session(ctx)
    with session, unit_of_work(session):
        actor = _actor(session, as_login)
        record, data = hearing_documents.minutes_pdf(session, actor,
                                                     DocumentStore(settings.instance_path / "documents"),
                                                     hearing_id, number=number, redacted=redacted)
        # What the service wrote is what the policy gives this reader, as it answers the service itself.
        fields = policy.minutes_fields(actor, redacted=redacted)
        login = actor.login
    if fields == policy.FULL_MINUTES:
        version = "full"
    elif fields == policy.REDACTED_MINUTES:
        version = "redacted: initials only" + ("" if redacted else f", the version {login} may read")
    else:
        version = f"extract: only what {login} may read"
    write_output(out, data)
    click.echo(f"{out}: minutes of hearing {hearing_id}, version {record.number} ({record.status.value}, "
               f"{version}), {len(data)} bytes")


@main.command("convocations")
@click.argument("hearing_id", type=ID)
@click.option("--out", "out", required=True, type=OUTPUT_FOLDER,
              help="The folder to write the letters and the invitations into (created if needed).")
@AS_OPTION
@click.pass_context
def convocations_command(ctx: click.Context, hearing_id: int, out: Path, as_login: str | None) -> None:
    """Write a convened hearing's convocations: the letters (one PDF), the agenda, an .ics per recipient."""
    from commission.documents.agenda import render_agenda
    from commission.documents.calendar import invitation_ics
    from commission.documents.letters import render_letters
    from commission.services import hearing_documents, hearings

    _unused, session = _hearing_session(ctx)
    with session, unit_of_work(session):
        actor = _actor(session, as_login)
        hearing = hearings.get_hearing(session, actor, hearing_id)
        letters = hearing_documents.convocation_letters(session, actor, hearing)
        agenda = hearing_documents.agenda_data(session, actor, hearing)
        invitations = hearing_documents.invitations(session, actor, hearing)
        reference = hearing.reference
    out.mkdir(parents=True, exist_ok=True)
    written = []
    if letters:
        write_output(out / f"convocations-{reference}.pdf", render_letters(letters))
        written.append(f"convocations-{reference}.pdf ({len(letters)} letters)")
    write_output(out / f"ordre-du-jour-{reference}.pdf", render_agenda(agenda))
    written.append(f"ordre-du-jour-{reference}.pdf")
    for name, invitation in invitations:
        write_output(out / name, invitation_ics(invitation))
    written.append(f"{len(invitations)} invitations (.ics)")
    click.echo(f"{out}: " + ", ".join(written))


@main.command("check")
@click.pass_context
def check_command(ctx: click.Context) -> None:
    """Check every invariant of the data: workflow states, places and occupancies, the ledger."""
    from commission.services import integrity

    _unused, session = _hearing_session(ctx)
    with session, unit_of_work(session):
        count, problems = integrity.check_all(session)
    if problems:
        for problem in problems:
            click.echo(f"problem: {problem}", err=True)
        fail(f"{len(problems)} problem(s) found")
    click.echo(f"all {count} groups of checks passed")


# ---------------------------------------------------------------- treasury


STATEMENT_FORMATS = ("csv", "xlsx", "pdf")


def _euros(cents: int) -> str:
    sign = "-" if cents < 0 else ""
    whole, part = divmod(abs(cents), 100)
    return f"{sign}{whole}.{part:02d} EUR"


@main.group("treasury")
def treasury_group() -> None:
    """The fund: balances and yearly statements."""


@treasury_group.command("balance")
@AS_OPTION
@click.pass_context
def treasury_balance(ctx: click.Context, as_login: str | None) -> None:
    """The balance of every account (debit minus credit), then the fund's balance, in euros."""
    from commission.services import treasury_reports

    gettext = translations(_cli_locale()).gettext
    _unused, session = _hearing_session(ctx)
    with session, unit_of_work(session):
        found = treasury_reports.account_balances(session, _actor(session, as_login))
    for row in found.accounts:
        click.echo(f"{row.account.value}\t{gettext(row.label)}\t{_euros(row.cents)}")
    click.echo(f"fund\t{_euros(found.fund_cents)}")


@treasury_group.command("statement")
@click.option("--year", required=True, type=CALENDAR_YEAR, help="The calendar year.")
@click.option("--out", "out", required=True, type=OUTPUT_FILE,
              help="Where to write it: the extension (.csv, .xlsx, .pdf) gives the format.")
@AS_OPTION
@click.pass_context
def treasury_statement(ctx: click.Context, year: int, out: Path, as_login: str | None) -> None:
    """Write the year's statement of the fund as CSV, XLSX (with the year's entries) or PDF."""
    fmt = out.suffix.lower().lstrip(".")
    if fmt not in STATEMENT_FORMATS:
        fail(f"unknown format {out.suffix or '(none)'!r} for {out.name}: use .csv, .xlsx or .pdf", 2)
    from commission.documents import exports
    from commission.services import treasury_reports
    from commission.services.hearing_documents import council

    locale = _cli_locale()
    _unused, session = _hearing_session(ctx)
    with session, unit_of_work(session):
        actor = _actor(session, as_login)
        if fmt == "pdf":
            from commission.documents.statement import render_statement

            document = treasury_reports.statement_document(session, actor, year, council().name)
            data = render_statement(document, locale=locale)
            found = document.statement
        else:
            found = treasury_reports.statement(session, actor, year)
            rows = treasury_reports.ledger_lines(session, actor, year)
            data = exports.statement_export(found, rows, fmt, translations(locale).gettext, author=council().name)
    write_output(out, data)
    click.echo(f"{out}: statement {year} ({fmt}), opening {_euros(found.opening_cents)}, closing "
               f"{_euros(found.closing_cents)}, {len(data)} bytes")


# ---------------------------------------------------------------- reminders


@main.group("reminders")
def reminders_group() -> None:
    """The reminders, and their daily digest by e-mail."""


@reminders_group.command("send")
@click.option("--date", "day", metavar="YYYY-MM-DD", help="The day of the digests (default: today).")
@click.option("--dry-run", is_flag=True, help="Compose the digests and say to whom they would go; send and "
              "store nothing.")
@click.pass_context
def reminders_send(ctx: click.Context, day: str | None, dry_run: bool) -> None:
    """Send each user the day's digest of their reminders (run it daily, from cron). Without
    COMMISSION_SMTP_HOST the digests are kept in the outbox only."""

    from commission.services import digest

    for_date = None
    if day is not None:
        try:
            for_date = parsing.parse_date(day, "date")
        except InvalidInput as invalid:
            fail(f"--date: {invalid.message.render(translations(_cli_locale()).gettext)}", 2)
    settings, session = _hearing_session(ctx)
    with session, unit_of_work(session):
        run = digest.send_digests(session, settings.mail, for_date, base_url=settings.base_url, dry_run=dry_run)
    if dry_run:
        for composed in run.digests:
            click.echo(f"would send to {composed.login} <{composed.to_address}>: {composed.subject} "
                       f"({composed.reminders} reminders)")
        click.echo(f"dry run for {run.for_date.isoformat()}: {len(run.digests)} digest(s) composed, "
                   f"{run.already_done} already done today; nothing sent or stored"
                   f"{'' if run.mail_configured else ' (mail is not configured)'}")
        return
    for error in run.errors:
        click.echo(f"failed: {error}", err=True)
    click.echo(f"digests for {run.for_date.isoformat()}: {run.sent} sent, {run.failed} failed, {run.kept} kept "
               f"in the outbox{'' if run.mail_configured else ' (mail is not configured)'}, "
               f"{run.already_done} already done today")
    if run.failed:
        sys.exit(1)


# ---------------------------------------------------------------- letters


@main.group("letters")
def letters_group() -> None:
    """The letters of the commission: their e-mails to partners and the notes to persons."""


@letters_group.command("send")
@click.pass_context
def letters_send(ctx: click.Context) -> None:
    """E-mail the letters waiting to go to the landlords (the letter attached) and to the care teams (a link to
    their copy in the application), and tell the
    persons who agreed to it that a letter was posted to them (run it daily, from cron). Without
    COMMISSION_SMTP_HOST nothing leaves: the letters wait in the register of outgoing mail."""

    from commission.services.letters import register

    settings, session = _hearing_session(ctx)
    with session, unit_of_work(session):
        run = register.send_emails(session, settings.mail, base_url=settings.base_url)
    for error in run.errors:
        click.echo(f"failed: {error}", err=True)
    if not run.mail_configured:
        click.echo(f"mail is not configured: {run.waiting} letter(s) wait to be e-mailed")
        return
    click.echo(f"letters: {run.sent} e-mailed, {run.failed} failed; {run.notices} note(s) to persons")
    if run.failed:
        sys.exit(1)


# ---------------------------------------------------------------- reports


@main.group("report")
def report_group() -> None:
    """Reports of the scheme's activity."""


@report_group.command("annual")
@click.option("--year", required=True, type=YEAR, help="The calendar year (the current one: figures as of today).")
@click.option("--out", "out", required=True, type=OUTPUT_FILE, help="Where to write the PDF.")
@AS_OPTION
@click.pass_context
def report_annual(ctx: click.Context, year: int, out: Path, as_login: str | None) -> None:
    """Write the annual activity report (figures only, no person) as PDF."""
    from commission.documents.annual_report import render_annual_report
    from commission.services import dashboard
    from commission.services.hearing_documents import council

    _unused, session = _hearing_session(ctx)
    with session, unit_of_work(session):
        report = dashboard.annual_report(session, _actor(session, as_login), year, council().name)
    data = render_annual_report(report, locale=_cli_locale())
    write_output(out, data)
    click.echo(f"{out}: annual activity report {year} (figures as of {report.figures.period.as_of.isoformat()}), "
               f"{len(data)} bytes")
