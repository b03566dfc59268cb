"""Accounts, the audit trail, the log of the reads of the files, and how long the files are kept."""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import click

from commission.cli.base import ID, _cli_locale, _engine, _hearing_session, _settings, fail, main
from commission.config import environment_name
from commission.db import make_session_factory
from commission.i18n import Message, msg, translations
from commission.models.accounts import Role
from commission.services.unit import unit_of_work


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

    settings = _settings(ctx, environment_name("development"))
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

    settings = _settings(ctx, environment_name("development"))
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


@main.group("audit")
def audit_group() -> None:
    """The audit trail."""


def _say(message: Message) -> str:
    return message.render(translations(_cli_locale()).gettext)


def _checkpoints(path: Path | None) -> tuple[list[Any], Path | None]:
    """The checkpoints of FILE, else of COMMISSION_AUDIT_CHECKPOINT_FILE when it exists (none otherwise)."""
    from commission.config import load_audit_settings
    from commission.services import audit

    if path is None:
        path = load_audit_settings().checkpoint_file
        if path is None or not path.is_file():
            return [], None
    try:
        return audit.read_checkpoints(path), path
    except audit.CheckpointError as error:
        fail(_say(error.message), 2)


def _broken(result: Any, then: Message | None = None) -> Message:
    if then is not None:
        return msg("The audit trail is broken: %(problem)s; %(then)s.", problem=result.problem, then=then)
    return msg("The audit trail is broken: %(problem)s (%(count)s entries verified before it).",
               problem=result.problem, count=result.checked)


@audit_group.command("verify")
@click.option("--checkpoint", "checkpoint_file", metavar="FILE", type=click.Path(path_type=Path),
              help="Compare the trail with the checkpoints kept in FILE (default: COMMISSION_AUDIT_CHECKPOINT_FILE, "
                   "when it exists).")
@click.pass_context
def audit_verify(ctx: click.Context, checkpoint_file: Path | None) -> None:
    """Check the audit trail's signed chain, and its checkpoints; name the first entry altered, inserted or
    removed, or how many are missing."""
    from commission.services import audit, audit_keys

    settings = _settings(ctx, environment_name("development"))
    checkpoints, source = _checkpoints(checkpoint_file)
    with make_session_factory(_engine(settings))() as session, unit_of_work(session):
        result = audit.verify(session, checkpoints)
    if not result.ok:
        fail(_say(_broken(result)))
    notes = [msg("signed with the keys of %(path)s", path=str(audit_keys.key_file()))] \
        if result.checked > result.unsigned else []
    if result.unsigned:
        notes.append(msg("%(count)s written before the trail was signed", count=result.unsigned))
    if source is not None:
        notes.append(msg("%(matched)s of the %(count)s checkpoints of %(path)s matched, none missing",
                         matched=result.checkpoints, count=len(checkpoints), path=str(source)))
    line = msg("The audit trail is intact: %(count)s entries verified", count=result.checked)
    for note in notes:
        line = msg("%(line)s; %(note)s", line=line, note=note)
    click.echo(_say(line) + ".")


@audit_group.command("checkpoint")
@click.option("--output", metavar="FILE", type=click.Path(path_type=Path),
              help="The file to append to (default: COMMISSION_AUDIT_CHECKPOINT_FILE); keep it on another machine.")
@click.pass_context
def audit_checkpoint(ctx: click.Context, output: Path | None) -> None:
    """Verify the trail (against FILE's earlier checkpoints too), then append its newest entry's id and hash,
    the count and the time to FILE: run it from cron."""
    from commission.config import load_audit_settings
    from commission.services import audit

    settings = _settings(ctx, environment_name("development"))
    path = output or load_audit_settings().checkpoint_file
    if path is None:
        fail(_say(msg("Say where the checkpoint goes: --output FILE, or set COMMISSION_AUDIT_CHECKPOINT_FILE.")), 2)
    if path.is_dir():
        fail(_say(msg("%(path)s is a folder: give the name of a file.", path=str(path))), 2)
    earlier = _checkpoints(path)[0] if path.exists() else []
    with make_session_factory(_engine(settings))() as session, unit_of_work(session):
        result = audit.verify(session, earlier)
    if not result.ok:
        fail(_say(_broken(result, msg("no checkpoint written"))))
    checkpoint = result.checkpoint()
    try:
        audit.append_checkpoint(path, checkpoint)
    except audit.CheckpointError as error:
        fail(_say(error.message))
    click.echo(_say(msg("Checkpoint appended to %(path)s: entry %(id)s, hash %(hash)s…", path=str(path),
                        id=checkpoint.id, hash=checkpoint.hash[:16])))


@audit_group.command("rotate-key")
@click.pass_context
def audit_rotate_key(ctx: click.Context) -> None:
    """Sign new entries with a new key; the earlier keys stay in the key file, so that their entries still
    verify (the file's first key, if it has none)."""
    from commission.services import audit

    settings = _settings(ctx, environment_name("development"))
    with make_session_factory(_engine(settings))() as session, unit_of_work(session):
        previous, ring = audit.rotate_key(session)
    if previous is None:
        said = msg("Audit key %(key)s signs the entries from now on, from %(path)s: keep a copy of this file away "
                   "from the database and its backups.", key=ring.current_id, path=str(ring.path))
    else:
        said = msg("Audit key %(key)s signs the entries from now on, from %(path)s, which keeps the %(count)s "
                   "earlier ones: keep a copy of this file away from the database and its backups.",
                   key=ring.current_id, path=str(ring.path), count=len(ring.keys) - 1)
    click.echo(_say(said))


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
