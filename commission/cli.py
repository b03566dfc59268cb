"""The ``commission`` command: set up, run, and look after an installation."""

from __future__ import annotations

import os
import sys
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import Any, NoReturn

import click
from sqlalchemy import Engine, inspect
from sqlalchemy.engine import make_url
from sqlalchemy.exc import OperationalError, SQLAlchemyError

from commission import migrate, parsing
from commission.config import ConfigurationError, Settings, load_settings
from commission.db import make_engine, make_session_factory
from commission.errors import CommissionError, InvalidInput
from commission.i18n import DEFAULT_LOCALE, LOCALES, translations
from commission.models.accounts import Role
from commission.services.unit import unit_of_work


def _cli_locale() -> str:
    lang = (os.environ.get("LANG") or DEFAULT_LOCALE)[:2]
    return lang if lang in LOCALES else DEFAULT_LOCALE


def fail(text: str, code: int = 1) -> NoReturn:
    click.echo(f"commission: {text}", err=True)
    sys.exit(code)


class _Parsed(click.ParamType):  # type: ignore[type-arg]
    """A command-line value read by the same parser as the forms, with its message in the user's language."""

    def __init__(self, name: str, parse: Callable[[str], Any]) -> None:
        self.name = name
        self._parse = parse

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> Any:
        if not isinstance(value, str):
            return value
        try:
            return self._parse(value)
        except InvalidInput as invalid:
            self.fail(invalid.message.render(translations(_cli_locale()).gettext), param, ctx)


ID = _Parsed("id", lambda text: parsing.parse_id(text, "id"))
DAY = _Parsed("YYYY-MM-DD", lambda text: parsing.parse_date(text, "date"))
# Bounded against overflow only: the command says itself which years have figures.
YEAR = _Parsed("year", lambda text: parsing.parse_whole(text, "year", minimum=1, maximum=9999))


def _safe_url(settings: Settings) -> str:
    return make_url(settings.database_url).render_as_string(hide_password=True)


class CommissionGroup(click.Group):
    """Turns the failures an operator can meet into one readable line instead of a traceback."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except ConfigurationError as error:
            fail(str(error), 2)
        except CommissionError as error:
            fail(error.message.render(translations(_cli_locale()).gettext))
        except OperationalError as error:
            lines = str(error.orig or error).strip().splitlines()
            reason = lines[0] if lines else ""
            settings = ctx.find_root().obj
            url = _safe_url(settings) if isinstance(settings, Settings) else ""
            fail(f"cannot reach the database {url}: {reason}", 3)
        except SQLAlchemyError as error:
            fail(f"database error: {str(error).splitlines()[0]}", 3)


def _settings(ctx: click.Context, environment: str | None = None) -> Settings:
    settings = load_settings(environment=environment)
    ctx.find_root().obj = settings
    return settings


def _engine(settings: Settings) -> Engine:
    """An engine whose connections are closed when the command ends."""
    engine = make_engine(settings.database_url)
    click.get_current_context().call_on_close(engine.dispose)
    return engine


@click.group(cls=CommissionGroup)
@click.version_option(package_name="commission")
def main() -> None:
    """The apartment commission: applications, hearings, places, deposits, follow-up."""


@main.command()
@click.pass_context
def init(ctx: click.Context) -> None:
    """Create or migrate the database to the latest schema (safe to run again)."""
    settings = _settings(ctx, os.environ.get("COMMISSION_ENV", "development"))
    engine = _engine(settings)
    settings.instance_path.mkdir(parents=True, exist_ok=True)
    migrate.upgrade(engine)
    click.echo(f"database ready at revision {migrate.current_revision(engine)}: {_safe_url(settings)}")


def _reset_database(settings: Settings) -> Engine:
    """A fresh, empty database at the latest schema."""
    settings.instance_path.mkdir(parents=True, exist_ok=True)
    url = make_url(settings.database_url)
    if url.get_backend_name() == "sqlite" and url.database not in (None, "", ":memory:"):
        for suffix in ("", "-wal", "-shm"):
            Path(f"{url.database}{suffix}").unlink(missing_ok=True)
        engine = _engine(settings)
    else:
        engine = _engine(settings)
        if inspect(engine).has_table("alembic_version"):
            migrate.downgrade(engine, "base")
    migrate.upgrade(engine)
    return engine


def _serve(settings: Settings, engine: Engine | None, host: str, port: int, threads: int) -> None:
    import waitress

    from commission.web import create_app

    app = create_app(settings, engine=engine)
    click.echo(f"serving on http://{host}:{port}/  (Ctrl+C to stop)")
    waitress.serve(app, host=host, port=port, threads=threads, ident="commission")


@main.command()
@click.option("--no-serve", is_flag=True, help="Build the demo database, print the accounts, and stop.")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=5055, show_default=True, type=click.IntRange(1, 65535))
@click.option("--seed", default=2026, show_default=True, type=int, help="Same seed, same demo.")
@click.option("--scale", default=1, show_default=True, type=click.IntRange(1, 1000),
              help="N times more synthetic volume.")
@click.pass_context
def demo(ctx: click.Context, no_serve: bool, host: str, port: int, seed: int, scale: int) -> None:
    """A fresh database full of realistic data, then serve it."""
    from commission.demo import build_demo

    settings = _settings(ctx, "development")
    engine = _reset_database(settings)
    with make_session_factory(engine)() as session, unit_of_work(session):
        from commission.storage import DocumentStore

        result = build_demo(session, DocumentStore(settings.instance_path / "documents"), seed=seed, scale=scale)
    click.echo(
        f"demo database: {_safe_url(settings)} — {result.towns} towns, {result.places} places, "
        f"{result.applicants} applicants"
    )
    # A demo is not a deployment: its visitors log in with a password only, and may try two-factor login
    # from their account's page. A deployment requires it of the roles that read medical details.
    click.echo("two-factor login is optional in this demo: a password logs in (a deployment requires a code "
               "of the coordinator and care teams, see COMMISSION_TWO_FACTOR)")
    click.echo("demo accounts (role, login, password):")
    for account in result.accounts:
        click.echo(f"  {account.role.value:<12} {account.login:<22} {account.password}")
    if not no_serve:
        _serve(replace(settings, two_factor_required=False), engine, host, port, threads=8)


@main.command()
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8000, show_default=True, type=click.IntRange(1, 65535))
@click.option("--threads", default=8, show_default=True, type=click.IntRange(1, 64))
@click.pass_context
def serve(ctx: click.Context, host: str, port: int, threads: int) -> None:
    """Serve the application with a production WSGI server (waitress)."""
    settings = _settings(ctx)
    engine = _engine(settings)
    current, head = migrate.current_revision(engine), migrate.head_revision(engine)
    if current != head:
        fail(f"the database is at revision {current}, not {head}: run `commission db upgrade` first")
    _serve(settings, engine, host, port, threads)


@main.group()
def user() -> None:
    """User accounts."""


@user.command("add")
@click.option("--login", required=True)
@click.option("--name", "display_name", required=True, help="The person's full name.")
@click.option("--role", required=True, type=click.Choice([role.value for role in Role]))
@click.option("--email", default="")
@click.option("--care-team", "care_team_id", type=ID, help="Care team id (care-team members).")
@click.option("--town", "town_id", type=ID, help="Town id (chairs).")
@click.option("--landlord", "organisation_id", type=ID, help="Landlord id (landlord representatives).")
@click.password_option(help="Asked for when not given.")
@click.pass_context
def user_add(ctx: click.Context, login: str, display_name: str, role: str, email: str,
             care_team_id: int | None, town_id: int | None, organisation_id: int | None, password: str) -> None:
    """Create an account."""
    from commission.errors import InvalidInput
    from commission.services import accounts

    settings = _settings(ctx, os.environ.get("COMMISSION_ENV", "development"))
    with make_session_factory(_engine(settings))() as session, unit_of_work(session):
        try:
            created = accounts.create_user(session, None, accounts.UserInput(
                login=login, display_name=display_name, email=email, role=role, password=password,
                care_team_id=care_team_id, town_id=town_id, organisation_id=organisation_id,
            ))
        except InvalidInput as invalid:
            gettext: Callable[[str], str] = translations(_cli_locale()).gettext
            for field, messages in invalid.errors.items():
                for message in messages:
                    click.echo(f"commission: {field or 'input'}: {message.render(gettext)}", err=True)
            sys.exit(1)
    click.echo(f"account {created.login} created ({created.role.value})")


@user.command("reset-two-factor")
@click.option("--login", required=True, help="The account whose phone and recovery codes are lost.")
@click.pass_context
def user_reset_two_factor(ctx: click.Context, login: str) -> None:
    """Clear an account's two-factor login and end its sessions (a lost phone, no recovery code left, and no
    other coordinator to reset it from the accounts page). It sets up a new code at its next login. Audited."""
    from sqlalchemy import select

    from commission.errors import InvalidInput
    from commission.models.accounts import User
    from commission.services import accounts, two_factor

    settings = _settings(ctx, os.environ.get("COMMISSION_ENV", "development"))
    with make_session_factory(_engine(settings))() as session, unit_of_work(session):
        found = session.execute(select(User).where(User.login == accounts.normalise_login(login))).scalar_one_or_none()
        if found is None:
            fail(f"no account has the login {login!r}", 1)
        assert found is not None
        try:
            two_factor.reset(session, None, found.id)
        except InvalidInput as invalid:
            gettext: Callable[[str], str] = translations(_cli_locale()).gettext
            for messages in invalid.errors.values():
                for message in messages:
                    click.echo(f"commission: {message.render(gettext)}", err=True)
            sys.exit(1)
    click.echo(f"two-factor login of {found.login} reset; its sessions have ended, it sets up a new code at its "
               "next login")


@main.group("db")
def db_group() -> None:
    """The database schema."""


@db_group.command("upgrade")
@click.pass_context
def db_upgrade(ctx: click.Context) -> None:
    """Migrate the database to the latest schema."""
    settings = _settings(ctx, os.environ.get("COMMISSION_ENV", "development"))
    engine = _engine(settings)
    migrate.upgrade(engine)
    click.echo(f"database at revision {migrate.current_revision(engine)}")


@db_group.command("check")
@click.pass_context
def db_check(ctx: click.Context) -> None:
    """Check that the database is at the latest revision and matches the models."""
    settings = _settings(ctx, os.environ.get("COMMISSION_ENV", "development"))
    engine = _engine(settings)
    current, head = migrate.current_revision(engine), migrate.head_revision(engine)
    if current != head:
        fail(f"the database is at revision {current}, the code expects {head}: run `commission db upgrade`")
    differences = migrate.schema_differences(engine)
    if differences:
        for difference in differences:
            click.echo(f"  {difference}", err=True)
        fail(f"the schema differs from the models in {len(differences)} places")
    click.echo(f"database at revision {current}; schema matches the models")


@main.group("audit")
def audit_group() -> None:
    """The audit trail."""


@audit_group.command("verify")
@click.pass_context
def audit_verify(ctx: click.Context) -> None:
    """Check the audit trail's hash chain; name the first entry altered, inserted or removed."""
    from commission.services import audit

    settings = _settings(ctx, os.environ.get("COMMISSION_ENV", "development"))
    with make_session_factory(_engine(settings))() as session, unit_of_work(session):
        result = audit.verify(session)
    if not result.ok:
        fail(f"audit trail broken: {result.problem} ({result.checked} entries verified before it)")
    click.echo(f"audit trail intact: {result.checked} entries verified")


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


def _actor(session: Any, login: str | None) -> Any:
    """Whom the command acts as: the account given with --as, else the first active coordinator."""
    from sqlalchemy import select

    from commission.models.accounts import User

    query = select(User).where(User.active)
    query = query.where(User.login == login.lower()) if login else query.where(User.role == Role.COORDINATOR)
    user = session.execute(query.order_by(User.id).limit(1)).scalar_one_or_none()
    if user is None:
        fail(f"no active account {login!r}" if login else "no active coordinator account: create one with "
             "`commission user add --role coordinator`")
    return user


def _hearing_session(ctx: click.Context) -> Any:
    settings = _settings(ctx, os.environ.get("COMMISSION_ENV", "development"))
    return settings, make_session_factory(_engine(settings))()


AS_OPTION = click.option("--as", "as_login", metavar="LOGIN",
                         help="Act with this account's rights (default: the first active coordinator).")


@main.group("hearings")
def hearings_group() -> None:
    """The quarterly hearings."""


@hearings_group.command("list")
@click.option("--year", type=YEAR, help="Only this year's hearings.")
@AS_OPTION
@click.pass_context
def hearings_list(ctx: click.Context, year: int | None, as_login: str | None) -> None:
    """One line per hearing: id, reference, date, town, chair, state, items on the agenda."""
    from commission.services import hearings

    _unused, session = _hearing_session(ctx)
    with session, unit_of_work(session):
        for hearing in reversed(hearings.list_hearings(session, _actor(session, as_login), year)):
            chair = hearing.chair.display_name if hearing.chair else "-"
            click.echo(f"{hearing.id}\t{hearing.reference}\t{hearing.day.isoformat()}\t{hearing.town.name}\t"
                       f"{chair}\t{hearing.state}\t{len(hearing.items)} items")


@main.command("minutes")
@click.argument("hearing_id", type=ID)
@click.option("--out", "out", required=True, type=click.Path(dir_okay=False, writable=True, path_type=Path),
              help="Where to write the PDF.")
@click.option("--redacted", is_flag=True, help="The version for wider distribution (initials only).")
@click.option("--version", "number", type=click.IntRange(1, parsing.MAX_ID),
              help="A given version of the minutes (default: the latest).")
@AS_OPTION
@click.pass_context
def minutes_command(ctx: click.Context, hearing_id: int, out: Path, redacted: bool, number: int | None,
                    as_login: str | None) -> None:
    """Write a hearing's minutes as PDF (signed minutes exactly as they were signed)."""
    from commission.services import hearing_documents
    from commission.storage import DocumentStore

    settings, session = _hearing_session(ctx)
    with session, unit_of_work(session):
        record, data = hearing_documents.minutes_pdf(session, _actor(session, as_login),
                                                     DocumentStore(settings.instance_path / "documents"),
                                                     hearing_id, number=number, redacted=redacted)
    out.write_bytes(data)
    click.echo(f"{out}: minutes of hearing {hearing_id}, version {record.number} ({record.status.value}"
               f"{', redacted' if redacted else ''}), {len(data)} bytes")


@main.command("convocations")
@click.argument("hearing_id", type=ID)
@click.option("--out", "out", required=True, type=click.Path(file_okay=False, path_type=Path),
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
        (out / f"convocations-{reference}.pdf").write_bytes(render_letters(letters))
        written.append(f"convocations-{reference}.pdf ({len(letters)} letters)")
    (out / f"ordre-du-jour-{reference}.pdf").write_bytes(render_agenda(agenda))
    written.append(f"ordre-du-jour-{reference}.pdf")
    for name, invitation in invitations:
        (out / name).write_bytes(invitation_ics(invitation))
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


# ---------------------------------------------------------------- backups


@main.command("backup")
@click.argument("out", type=click.Path(dir_okay=False, path_type=Path))
@click.pass_context
def backup_command(ctx: click.Context, out: Path) -> None:
    """Write a consistent backup (database and documents) to the archive OUT, while the application runs."""
    from commission import backup

    settings = _settings(ctx, os.environ.get("COMMISSION_ENV", "development"))
    try:
        manifest = backup.create_backup(settings.database_url, settings.instance_path / "documents", out)
    except backup.BackupError as error:
        fail(str(error))
    documents = sum(1 for name in manifest.members if name.startswith("documents/"))
    click.echo(f"backup written to {out}: {manifest.dialect} database at revision {manifest.revision}, "
               f"{documents} document(s)")


@main.command("restore")
@click.argument("archive", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--force", is_flag=True, help="Replace a database that already holds data.")
@click.pass_context
def restore_command(ctx: click.Context, archive: Path, force: bool) -> None:
    """Check the backup ARCHIVE, restore it, then check the restored data."""
    from commission import backup

    settings = _settings(ctx, os.environ.get("COMMISSION_ENV", "development"))
    try:
        report = backup.restore_backup(archive, settings.database_url, settings.instance_path / "documents",
                                       force=force)
    except backup.BackupError as error:
        fail(str(error))
    if report.problems:
        for problem in report.problems:
            click.echo(f"problem: {problem}", err=True)
        fail(f"restored, but {len(report.problems)} problem(s) found: see above")
    click.echo(f"restored the backup of {report.manifest.created_at} (revision {report.manifest.revision}, "
               f"{report.documents} document(s)); all {report.checks} groups of checks passed")


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
@click.option("--year", required=True, type=click.IntRange(2000, 2100), help="The calendar year.")
@click.option("--out", "out", required=True, type=click.Path(dir_okay=False, writable=True, path_type=Path),
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
    out.write_bytes(data)
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


# ---------------------------------------------------------------- reports


@main.group("report")
def report_group() -> None:
    """Reports of the scheme's activity."""


@report_group.command("annual")
@click.option("--year", required=True, type=YEAR, help="The calendar year (the current one: figures as of today).")
@click.option("--out", "out", required=True, type=click.Path(dir_okay=False, writable=True, path_type=Path),
              help="Where to write the PDF.")
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
    out.write_bytes(data)
    click.echo(f"{out}: annual activity report {year} (figures as of {report.figures.period.as_of.isoformat()}), "
               f"{len(data)} bytes")


# ---------------------------------------------------------------- the access log


@main.group("access-log")
def access_log_group() -> None:
    """The log of the reads of the files (kept COMMISSION_ACCESS_LOG_DAYS days)."""


@access_log_group.command("purge")
@click.option("--dry-run", is_flag=True, help="Say how many reads would be deleted; delete nothing.")
@click.pass_context
def access_log_purge(ctx: click.Context, dry_run: bool) -> None:
    """Delete the reads older than COMMISSION_ACCESS_LOG_DAYS days (run it daily); the purge is audited."""
    from commission.db import utcnow
    from commission.services import access_review

    settings, session = _hearing_session(ctx)
    keep_days, now = settings.access_log_days, utcnow()
    with session, unit_of_work(session):
        cutoff = access_review.purge_cutoff(keep_days, now)
        if dry_run:
            count = access_review.count_purgeable(session, keep_days=keep_days, now=now)
            click.echo(f"dry run: {count} read(s) older than {keep_days} days (before "
                       f"{cutoff.isoformat(timespec='seconds')}) would be deleted; nothing changed")
            return
        count = access_review.purge_access_log(session, keep_days=keep_days, now=now)
    click.echo(f"access log purged: {count} read(s) older than {keep_days} days (before "
               f"{cutoff.isoformat(timespec='seconds')}) deleted")


# ---------------------------------------------------------------- retention


@main.group("retention")
def retention_group() -> None:
    """How long the files are kept, and the anonymisation of those whose time has come."""


@retention_group.command("run")
@click.option("--dry-run", is_flag=True, help="Show what is due; change nothing.")
@click.pass_context
def retention_run(ctx: click.Context, dry_run: bool) -> None:
    """Anonymise the persons whose files have all ended longer ago than their rule's period
    (COMMISSION_RETAIN_CLOSED_YEARS, _REFUSED_YEARS, _WITHDRAWN_YEARS). Run it with --dry-run first."""
    from commission.services import retention
    from commission.storage import DocumentStore

    settings, session = _hearing_session(ctx)
    store = DocumentStore(settings.instance_path / "documents")
    with session, unit_of_work(session):
        report = retention.run(session, settings, store, dry_run=dry_run)
    click.echo(f"rules: closed files {settings.retain_closed_years} years after their last step, refused "
               f"applications {settings.retain_refused_years} years, withdrawn ones "
               f"{settings.retain_withdrawn_years} years")
    verb = "due" if dry_run else "anonymised"
    for person in report.due:
        files = ", ".join(f"{end.reference} ({end.state} on {end.ended_on.isoformat()})" for end in person.cases)
        click.echo(f"{verb}: person {person.applicant_id}: {files}")
    for person in report.waiting:
        files = ", ".join(end.reference for end in person.cases)
        click.echo(f"waiting: person {person.applicant_id} ({files}): {person.waiting}")
    if dry_run:
        click.echo(f"dry run on {report.today.isoformat()}: {len(report.due)} person(s) would be anonymised, "
                   f"{len(report.waiting)} must wait; nothing changed")
    else:
        click.echo(f"{len(report.due)} person(s) anonymised on {report.today.isoformat()}: "
                   f"{report.documents_removed} document(s) removed ({report.files_removed} file(s) left the "
                   f"store), {report.minutes_rewritten} signed minutes re-rendered without their names; "
                   f"{len(report.waiting)} must wait")
