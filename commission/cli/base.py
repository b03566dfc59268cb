"""What every command shares: the ``commission`` group, its readable failures, the values it parses,
the paths it writes, the settings, the engine, and whom a command acts as.

Every failure ends in one line on stderr, ``commission: ...``, and an exit code (see
:class:`CommissionGroup`): 0 done; 1 refused or failed (an unknown id or login, a step the rules refuse, a
file that cannot be written, an internal error); 2 a malformed command line or setting (click's usage
errors, a year out of range, an output folder that does not exist, a database URL that cannot be used);
3 the database cannot be reached. An internal error's traceback goes to the error log (``errors.log`` in
the instance folder), or to the screen with ``commission --debug``.
"""

from __future__ import annotations

import os
import sys
import tempfile
import traceback
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, NoReturn

import click
from sqlalchemy import Engine
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, DBAPIError, NoSuchModuleError, OperationalError, ProgrammingError

from commission import parsing, policy
from commission.config import ConfigurationError, Settings, environment_name, load_settings, system_language
from commission.db import make_engine, make_session_factory
from commission.errors import CommissionError, InvalidInput
from commission.i18n import DEFAULT_LOCALE, LOCALES, Message, msg, translations

DEBUG = "commission.debug"  # the key of --debug in the root context's meta
ERROR_LOG = "errors.log"  # in the instance folder


def _cli_locale() -> str:
    lang = system_language()
    return lang if lang in LOCALES else DEFAULT_LOCALE


def say(message: Message) -> str:
    """A message in the language of the shell the command runs in."""
    return message.render(translations(_cli_locale()).gettext)


def fail(text: str | Message, code: int = 1) -> NoReturn:
    click.echo(f"commission: {say(text) if isinstance(text, Message) else text}", err=True)
    sys.exit(code)


class Refusal(Exception):
    """A command's refusal, raised where a helper finds it: one line for the user, and the exit code."""

    def __init__(self, message: Message, code: int = 1) -> None:
        super().__init__(message.msgid)
        self.message = message
        self.code = code


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
            self.fail(say(invalid.message), param, ctx)


ID = _Parsed("id", lambda text: parsing.parse_id(text, "id"))
DAY = _Parsed("YYYY-MM-DD", lambda text: parsing.parse_date(text, "date"))
# Bounded against overflow only: the command says itself which years have figures.
YEAR = _Parsed("year", lambda text: parsing.parse_whole(text, "year", minimum=1, maximum=9999))
# The years the commission's records can belong to (hearings, the fund's statements).
FIRST_YEAR, LAST_YEAR = 2000, 2100
CALENDAR_YEAR = _Parsed("year", lambda text: parsing.parse_whole(text, "year", minimum=FIRST_YEAR,
                                                                 maximum=LAST_YEAR))


# ---------------------------------------------------------------- the paths a command writes


def _writable_folder(folder: Path) -> Message | None:
    """Why nothing can be written into this existing folder, or None (tried, not guessed from the mode bits:
    root writes where they say no, and a read-only file system refuses whatever they say)."""
    try:
        with tempfile.NamedTemporaryFile(dir=folder, prefix=".commission-try-"):
            return None
    except OSError as error:
        return msg("Nothing can be written into the folder %(path)s: %(reason)s.", path=str(folder),
                   reason=error.strerror or str(error))


def _existing_ancestor(path: Path) -> Path:
    for ancestor in path.absolute().parents:
        if ancestor.exists():
            return ancestor
    return Path(path.absolute().anchor)


def output_problem(path: Path, *, folder: bool = False, creates_folders: bool = False) -> Message | None:
    """Why a command could not write its output at ``path`` (a file, or with ``folder`` a folder of files),
    checked before it does any work; None when it can. Missing folders are refused unless the command
    creates them (``creates_folders``); then the nearest one that exists must take them."""
    if folder:
        if path.exists():
            return _writable_folder(path) if path.is_dir() else msg("%(path)s is not a folder.", path=str(path))
        where = path.parent
    else:
        if path.is_dir():
            return msg("%(path)s is a folder: give the name of a file.", path=str(path))
        if path.exists() and not os.access(path, os.W_OK):
            return msg("%(path)s cannot be replaced: it is read-only.", path=str(path))
        if _special(path):
            return None  # a device or a pipe (/dev/null, /dev/stdout): written to, never replaced
        where = path.parent
    if where.exists():
        return _writable_folder(where) if where.is_dir() else msg("%(path)s is not a folder.", path=str(where))
    if not (folder or creates_folders):
        return msg("The folder %(path)s does not exist.", path=str(where))
    ancestor = _existing_ancestor(where)
    if not ancestor.is_dir():
        return msg("%(path)s is not a folder.", path=str(ancestor))
    if _writable_folder(ancestor) is not None:
        return msg("The folder %(path)s cannot be created: nothing can be written into %(parent)s.",
                   path=str(where), parent=str(ancestor))
    return None


class _Output(click.ParamType):  # type: ignore[type-arg]
    """Where a command writes, checked as it is read: the command refuses before it does any work."""

    def __init__(self, *, folder: bool = False, creates_folders: bool = False) -> None:
        self.name = "folder" if folder else "file"
        self._folder = folder
        self._creates_folders = creates_folders

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> Path:
        path = value if isinstance(value, Path) else Path(os.fsdecode(value))
        problem = output_problem(path, folder=self._folder, creates_folders=self._creates_folders)
        if problem is not None:
            self.fail(say(problem), param, ctx)
        return path


OUTPUT_FILE = _Output()  # a file in a folder that exists
OUTPUT_FILE_IN_NEW_FOLDERS = _Output(creates_folders=True)  # a file, its missing folders created
OUTPUT_FOLDER = _Output(folder=True)  # a folder of files, created if needed


def _special(path: Path) -> bool:
    """A path that exists and is no regular file: a device, a pipe."""
    return path.exists() and not path.is_file()


def write_output(path: Path, data: bytes) -> None:
    """Write ``data`` aside, then move it into place: ``path`` is never left half-written. A device or a
    pipe is written to as it is."""
    if _special(path):
        path.write_bytes(data)
        return
    descriptor, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".part")
    try:
        with os.fdopen(descriptor, "wb") as handle:
            handle.write(data)
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(temporary, 0o666 & ~umask)  # as a plain write would have made it, not mkstemp's 0600
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


# ---------------------------------------------------------------- the group and its failures


def _safe_url(settings: Settings) -> str:
    return make_url(settings.database_url).render_as_string(hide_password=True)


def _shown_url(settings: Settings | None) -> str:
    """The database's URL without its password, or the setting's name when there is none to show."""
    try:
        return _safe_url(settings) if settings is not None else "COMMISSION_DATABASE_URL"
    except ArgumentError:
        return "COMMISSION_DATABASE_URL"


def _root_settings(ctx: click.Context) -> Settings | None:
    settings = ctx.find_root().obj
    return settings if isinstance(settings, Settings) else None


def _first_line(error: BaseException) -> str:
    lines = str(getattr(error, "orig", None) or error).strip().splitlines()
    return lines[0] if lines else type(error).__name__


def _undefined_table(error: DBAPIError) -> bool:
    """The schema is not there: SQLite's "no such table", PostgreSQL's undefined_table (42P01)."""
    return "no such table" in str(error.orig) or getattr(error.orig, "sqlstate", None) == "42P01"


def _explained(error: Exception, ctx: click.Context) -> tuple[Message | str, int] | None:
    """The line and the exit code for a failure an operator can meet; None for an internal error."""
    url = _shown_url(_root_settings(ctx))
    if isinstance(error, Refusal):
        return error.message, error.code
    if isinstance(error, ConfigurationError):
        return str(error), 2
    if isinstance(error, InvalidInput):
        return error.message, 2
    if isinstance(error, CommissionError):
        return error.message, 1
    if isinstance(error, (OperationalError, ProgrammingError)) and _undefined_table(error):
        return msg("The database %(url)s is not set up (%(reason)s): run `commission init`.", url=url,
                   reason=_first_line(error)), 1
    if isinstance(error, OperationalError):
        return msg("Cannot reach the database %(url)s: %(reason)s", url=url, reason=_first_line(error)), 3
    if isinstance(error, OSError):
        reason = error.strerror or str(error) or type(error).__name__
        if error.filename is None:
            return msg("The system refused: %(reason)s.", reason=reason), 1
        path = os.fsdecode(error.filename)
        if error.filename2 is not None:
            path = f"{path} -> {os.fsdecode(error.filename2)}"
        return msg("Cannot use %(path)s: %(reason)s.", path=path, reason=reason), 1
    return None


def _log_internal_error(ctx: click.Context) -> Path | None:
    """Append the traceback being handled to the error log (the instance folder's, else a private file in
    the temporary folder); where it went, or None if it could not be written anywhere."""
    command = ctx.invoked_subcommand or "-"
    entry = f"{datetime.now(UTC).isoformat(timespec='seconds')} commission {command}\n{traceback.format_exc()}\n"
    settings = _root_settings(ctx)
    if settings is not None:
        path = settings.instance_path / ERROR_LOG
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            descriptor = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
            with os.fdopen(descriptor, "a", encoding="utf-8") as handle:
                handle.write(entry)
            return path
        except OSError:
            pass
    try:
        descriptor, name = tempfile.mkstemp(prefix="commission-error-", suffix=".log")
        with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
            handle.write(entry)
        return Path(name)
    except OSError:
        return None


class CommissionGroup(click.Group):
    """Turns every failure into one readable line and an exit code instead of a traceback (see the module)."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except (click.ClickException, click.exceptions.Exit, click.Abort):
            raise
        except Exception as error:  # the one place where every failure ends
            explained = _explained(error, ctx)
            if explained is not None:
                fail(*explained)
            if ctx.meta.get(DEBUG):
                raise
            log = _log_internal_error(ctx)
            if log is None:
                fail(msg("Internal error (%(error)s): run the command again with `commission --debug` to see "
                         "where.", error=type(error).__name__))
            fail(msg("Internal error (%(error)s): the details are in %(log)s (or run the command again with "
                     "`commission --debug`).", error=type(error).__name__, log=str(log)))


def check_database_url(database_url: str) -> None:
    """Refuse, before any work, a database URL that cannot be used: unreadable, an unknown database, or a
    driver that is not installed (named without its password)."""
    try:
        url = make_url(database_url)
    except ArgumentError:
        raise Refusal(msg("COMMISSION_DATABASE_URL is not a database URL (such as "
                          "postgresql+psycopg://user@host/name or sqlite:///path/commission.sqlite)."), 2) from None
    shown = url.render_as_string(hide_password=True)
    try:
        dialect = url.get_dialect()
    except NoSuchModuleError:
        raise Refusal(msg("The database URL %(url)s names a database or a driver that is not known: use "
                          "postgresql+psycopg or sqlite.", url=shown), 2) from None
    try:
        dialect.import_dbapi()
    except ImportError as error:
        raise Refusal(msg("The driver of the database URL %(url)s is not installed (%(reason)s).", url=shown,
                          reason=str(error)), 2) from None


def _settings(ctx: click.Context, environment: str | None = None) -> Settings:
    settings = load_settings(environment=environment)
    ctx.find_root().obj = settings
    check_database_url(settings.database_url)
    return settings


def _engine(settings: Settings) -> Engine:
    """An engine whose connections are closed when the command ends."""
    engine = make_engine(settings.database_url)
    click.get_current_context().call_on_close(engine.dispose)
    return engine


@click.group(cls=CommissionGroup)
@click.version_option(package_name="commission")
@click.option("--debug", is_flag=True, help="On an internal error, show its traceback here rather than in the "
              "error log.")
@click.pass_context
def main(ctx: click.Context, debug: bool) -> None:
    """The apartment commission: applications, hearings, places, deposits, follow-up."""
    ctx.meta[DEBUG] = debug


def _actor(session: Any, login: str | None) -> Any:
    """Whom the command acts as: the account given with --as, else the first active coordinator."""
    from sqlalchemy import select

    from commission.models.accounts import User

    query = select(User).where(User.active)
    query = query.where(User.login == login.lower()) if login else query.where(policy.coordinators_clause())
    user = session.execute(query.order_by(User.id).limit(1)).scalar_one_or_none()
    if user is None:
        fail(f"no active account {login!r}" if login else "no active coordinator account: create one with "
             "`commission user add --role coordinator`")
    return user


def _hearing_session(ctx: click.Context) -> Any:
    settings = _settings(ctx, environment_name("development"))
    return settings, make_session_factory(_engine(settings))()


AS_OPTION = click.option("--as", "as_login", metavar="LOGIN",
                         help="Act with this account's rights (default: the first active coordinator).")
