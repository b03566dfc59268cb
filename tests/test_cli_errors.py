"""Every command, given a bad path, id, year, login or database, ends in one line and a non-zero exit.

The commands are listed from the ``commission`` group itself, so that a new command is covered as soon as
it exists; their arguments are filled in from their declared types. CliRunner keeps the traceback of an
exception that escapes a command out of the output, so a refusal is recognised by how it ended: the
command exited by itself (``SystemExit``), never by an exception. One test runs the installed command in a
process of its own, where a traceback would be printed.
"""

from __future__ import annotations

import hashlib
import stat
import subprocess
from collections.abc import Iterator
from pathlib import Path

import click
import pytest
from click.testing import CliRunner, Result
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from commission.cli import base, main
from commission.db import make_engine, make_session_factory
from commission.models import Town
from commission.models.audit import AuditEntry
from tests.conftest import World
from tests.demo_cache import command as installed_command
from tests.demo_cache import environment

# What a command that reads no database does with the settings of one it could not reach: its work.
NO_DATABASE = {("workflow", "diagram")}
MISSING_DRIVER = "mysql+mysqldb://commission:secret@127.0.0.1/commission"
UNREACHABLE = "postgresql+psycopg://commission:secret@127.0.0.1:1/nowhere"


def every_command(group: click.Group = main, prefix: tuple[str, ...] = ()) -> Iterator[tuple[tuple[str, ...],
                                                                                          click.Command]]:
    for name, command in sorted(group.commands.items()):
        if isinstance(command, click.Group):
            yield from every_command(command, (*prefix, name))
        else:
            yield (*prefix, name), command


COMMANDS = dict(every_command())


def sample(param: click.Parameter, folder: Path) -> str:
    """A value the parameter accepts (its output path in ``folder``)."""
    kind = param.type
    if isinstance(kind, base._Output):
        return str(folder / ("out" if kind.name == "folder" else "out.pdf"))
    if kind in (base.YEAR, base.CALENDAR_YEAR):
        return "2026"
    if kind is base.ID:
        return "1"
    if isinstance(kind, click.Choice):
        return str(kind.choices[0])
    if isinstance(kind, click.Path):
        return str(folder / "in.txt")
    if isinstance(kind, (click.types.IntParamType, click.IntRange)):
        return "1"
    return "a long enough password" if param.name == "password" else "x"


def arguments(command: click.Command, folder: Path, **given: str) -> list[str]:
    """The command's required parameters (and those asked for at a prompt) filled in, ``given`` by name."""
    options: list[str] = []
    positional: list[str] = []
    for param in command.params:
        asked = isinstance(param, click.Option) and bool(param.prompt)
        if param.name is None or not (param.required or asked or param.name in given):
            continue
        value = given.get(param.name) or sample(param, folder)
        if isinstance(param, click.Argument):
            positional.append(value)
        else:
            options += [param.opts[0], value]
    return [*options, "--", *positional] if positional else options


def invoke(*args: str) -> Result:
    return CliRunner().invoke(main, list(args))


def refused(result: Result, *words: str) -> str:
    """The command ended by itself with a non-zero exit and one line saying why (click's usage errors add
    the usage above it); that line, which holds ``words``."""
    assert result.exit_code != 0, result.output
    assert isinstance(result.exception, SystemExit), f"ended by {result.exception!r}:\n{result.output}"
    lines = [line for line in result.output.splitlines() if line.strip()]
    assert lines, "nothing said"
    last = lines[-1]
    assert last.startswith(("commission: ", "Error: ")), result.output
    if not last.startswith("Error: "):
        assert len(lines) == 1 or all(not line.startswith("commission: ") for line in lines[:-1]), result.output
    for word in words:
        assert word in last, result.output
    return last


@pytest.fixture
def env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path, database_url: str) -> str:
    monkeypatch.setenv("COMMISSION_INSTANCE_PATH", str(tmp_path / "instance"))
    monkeypatch.setenv("COMMISSION_DATABASE_URL", database_url)
    monkeypatch.setenv("COMMISSION_SECRET_KEY", "k" * 40)
    monkeypatch.setenv("LANG", "en_GB.UTF-8")
    monkeypatch.delenv("COMMISSION_ENV", raising=False)
    return database_url


@pytest.fixture
def no_server(monkeypatch: pytest.MonkeyPatch) -> None:
    """``serve`` and ``demo`` stop before they would serve."""
    import waitress

    monkeypatch.setattr(waitress, "serve", lambda app, **options: None)


@pytest.fixture
def read_only_folder(tmp_path: Path) -> Iterator[Path]:
    """A folder nothing can be written into: a folder without write permission; for root, whom permissions do
    not stop, a folder of /sys, which refuses new files to anyone."""
    folder = tmp_path / "read-only"
    folder.mkdir()
    folder.chmod(stat.S_IRUSR | stat.S_IXUSR)
    try:
        for candidate in (folder, Path("/sys/kernel")):
            if candidate.is_dir() and base._writable_folder(candidate) is not None:
                yield candidate
                return
        pytest.skip("no folder here refuses to be written into")
    finally:
        folder.chmod(stat.S_IRWXU)


def test_every_command_is_listed_from_the_group() -> None:
    assert ("minutes",) in COMMANDS and ("hearings", "list") in COMMANDS and ("backup",) in COMMANDS
    assert ("demo",) in COMMANDS and ("treasury", "statement") in COMMANDS
    assert all(not isinstance(command, click.Group) for command in COMMANDS.values())


@pytest.mark.parametrize("path", sorted(COMMANDS), ids=" ".join)
def test_a_database_url_whose_driver_is_missing(path: tuple[str, ...], monkeypatch: pytest.MonkeyPatch,
                                                tmp_path: Path, no_server: None) -> None:
    monkeypatch.setenv("COMMISSION_INSTANCE_PATH", str(tmp_path / "instance"))
    monkeypatch.setenv("COMMISSION_DATABASE_URL", MISSING_DRIVER)
    monkeypatch.setenv("COMMISSION_SECRET_KEY", "k" * 40)
    monkeypatch.setenv("LANG", "en_GB.UTF-8")
    result = invoke(*path, *arguments(COMMANDS[path], tmp_path))
    if path in NO_DATABASE:
        assert result.exit_code == 0, result.output
        return
    line = refused(result, "driver", "mysql+mysqldb://commission:***@127.0.0.1/commission")
    assert result.exit_code == 2 and "secret" not in result.output, line


@pytest.mark.parametrize("path", sorted(set(COMMANDS) - NO_DATABASE), ids=" ".join)
def test_a_database_that_cannot_be_reached(path: tuple[str, ...], monkeypatch: pytest.MonkeyPatch,
                                           tmp_path: Path, no_server: None) -> None:
    monkeypatch.setenv("COMMISSION_INSTANCE_PATH", str(tmp_path / "instance"))
    monkeypatch.setenv("COMMISSION_DATABASE_URL", UNREACHABLE)
    monkeypatch.setenv("COMMISSION_SECRET_KEY", "k" * 40)
    monkeypatch.setenv("LANG", "en_GB.UTF-8")
    result = invoke(*path, *arguments(COMMANDS[path], tmp_path))
    refused(result)
    assert "secret" not in result.output


@pytest.mark.parametrize("path", sorted(set(COMMANDS) - NO_DATABASE - {("demo",), ("restore",)}), ids=" ".join)
def test_a_database_that_is_not_set_up(path: tuple[str, ...], monkeypatch: pytest.MonkeyPatch, tmp_path: Path,
                                       no_server: None) -> None:
    """An empty SQLite file: the commands that create the schema do so; the others say what is wrong (those
    that read the records: that ``commission init`` sets the database up)."""
    monkeypatch.setenv("COMMISSION_INSTANCE_PATH", str(tmp_path / "instance"))
    monkeypatch.setenv("COMMISSION_DATABASE_URL", f"sqlite:///{tmp_path / 'empty.sqlite'}")
    monkeypatch.setenv("COMMISSION_SECRET_KEY", "k" * 40)
    monkeypatch.setenv("LANG", "en_GB.UTF-8")
    result = invoke(*path, *arguments(COMMANDS[path], tmp_path))
    if result.exit_code != 0:
        line = refused(result)
        if path in AS_COMMANDS:
            assert "is not set up" in line and "`commission init`" in line, line


OUTPUTS = sorted((path, param.name) for path, command in COMMANDS.items() for param in command.params
                 if isinstance(param.type, base._Output) and param.name is not None)


def test_the_commands_that_write_a_file_check_where_before_they_work() -> None:
    assert {path for path, _name in OUTPUTS} >= {("minutes",), ("convocations",), ("treasury", "statement"),
                                                ("report", "annual"), ("backup",)}


@pytest.mark.parametrize(("path", "name"), OUTPUTS, ids=lambda value: " ".join(value) if isinstance(value, tuple)
                         else value)
def test_an_output_where_nothing_can_be_written(path: tuple[str, ...], name: str, tmp_path: Path,
                                               read_only_folder: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Refused as the command line is read: before the database is even opened (it is one that cannot be)."""
    monkeypatch.setenv("COMMISSION_DATABASE_URL", MISSING_DRIVER)
    monkeypatch.setenv("LANG", "en_GB.UTF-8")
    command = COMMANDS[path]
    kind = next(param.type for param in command.params if param.name == name)
    assert isinstance(kind, base._Output)
    leaf = "out" if kind.name == "folder" else "out.pdf"
    a_file = tmp_path / "a-file"
    a_file.write_text("not a folder")
    cases = [(read_only_folder / leaf, str(read_only_folder)), (a_file / leaf, "is not a folder")]
    if kind.name == "file":
        cases.append((tmp_path, "is a folder"))
        if path != ("backup",):  # a backup makes the folders of its archive
            cases.append((tmp_path / "missing" / leaf, "does not exist"))
    for where, said in cases:
        result = invoke(*path, *arguments(command, tmp_path, **{name: str(where)}))
        assert result.exit_code == 2, result.output
        refused(result, said)
    assert sorted(path.name for path in tmp_path.iterdir()) == ["a-file", "read-only"]


PATHS = sorted((path, param.name) for path, command in COMMANDS.items() for param in command.params
               if isinstance(param.type, click.Path) and param.name is not None)


@pytest.mark.parametrize(("path", "name"), PATHS, ids=lambda value: " ".join(value) if isinstance(value, tuple)
                         else value)
def test_a_path_that_leads_nowhere(path: tuple[str, ...], name: str, env: str, tmp_path: Path) -> None:
    """The other paths (a backup to restore, a file of checkpoints): under a file, or in no folder."""
    a_file = tmp_path / "a-file"
    a_file.write_text("not a folder")
    for where in (a_file / "x.txt", tmp_path / "missing" / "x.txt"):
        result = invoke(*path, *arguments(COMMANDS[path], tmp_path, **{name: str(where)}))
        if result.exit_code != 0:
            refused(result)
        assert isinstance(result.exception, (SystemExit, type(None))), result.output


def bounds(kind: click.ParamType) -> tuple[int, int] | None:
    if kind is base.YEAR:
        return 1, 9999
    if kind is base.CALENDAR_YEAR:
        return base.FIRST_YEAR, base.LAST_YEAR
    if isinstance(kind, click.IntRange) and kind.min is not None and kind.max is not None:
        return int(kind.min), int(kind.max)
    return None


NUMBERS = sorted((path, param.opts[0]) for path, command in COMMANDS.items() for param in command.params
                 if bounds(param.type) is not None)


@pytest.mark.parametrize(("path", "option"), NUMBERS, ids=lambda value: " ".join(value) if isinstance(value, tuple)
                         else value)
def test_a_year_or_a_number_out_of_range_or_unreadable(path: tuple[str, ...], option: str, tmp_path: Path,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    """Refused as the command line is read, before the database (one that cannot be used) is opened."""
    monkeypatch.setenv("COMMISSION_DATABASE_URL", MISSING_DRIVER)
    command = COMMANDS[path]
    param = next(param for param in command.params if param.opts[0] == option)
    found = bounds(param.type)
    assert found is not None and param.name is not None
    low, high = found
    for bad in (str(high + 1), str(low - 1), "2026.5", "deux mille", "1" * 40):
        result = invoke(*path, *arguments(command, tmp_path, **{param.name: bad}))
        assert result.exit_code == 2, (bad, result.output)
        refused(result, option)


AS_COMMANDS = sorted(path for path, command in COMMANDS.items() if any(param.name == "as_login"
                                                                        for param in command.params))


@pytest.mark.parametrize("path", AS_COMMANDS, ids=" ".join)
def test_an_unknown_login(path: tuple[str, ...], env: str, world: World, tmp_path: Path) -> None:
    result = invoke(*path, *arguments(COMMANDS[path], tmp_path, as_login="nobody"))
    refused(result, "'nobody'")


ID_PARAMS = sorted((path, param.name) for path, command in COMMANDS.items() for param in command.params
                   if param.type is base.ID and param.name is not None)


@pytest.mark.parametrize(("path", "name"), ID_PARAMS, ids=lambda value: " ".join(value) if isinstance(value, tuple)
                         else value)
def test_an_unknown_id(path: tuple[str, ...], name: str, env: str, world: World, tmp_path: Path) -> None:
    command = COMMANDS[path]
    given = {name: "999999"}
    if path == ("user", "add"):  # an account that would be created but for the id of what it is bound to
        given.update(login="newcomer", display_name="New Comer",
                     role={"care_team_id": "care_team", "town_id": "chair", "organisation_id": "landlord"}[name])
    result = invoke(*path, *arguments(command, tmp_path, **given))
    refused(result)
    assert result.exit_code == 1


def test_hearings_of_a_year_without_any(env: str, session: Session, world: World) -> None:
    from tests.hearings_helpers import HEARING_DAY, closed

    closed(session, world, "Ada", HEARING_DAY)
    result = invoke("hearings", "list", "--year", "2031")
    assert result.exit_code == 0, result.output
    assert result.output.strip() == "commission: No hearing in 2031: the hearings are in 2026."
    result = invoke("hearings", "list", "--year", "99999")
    assert result.exit_code == 2
    refused(result, "--year", "2000", "2100")
    result = invoke("hearings", "list", "--year", "2026")
    assert result.exit_code == 0 and "2026-T1" in result.output and "No hearing" not in result.output


def test_the_minutes_say_which_version_they_wrote(env: str, session: Session, world: World, tmp_path: Path) -> None:
    import io

    from pypdf import PdfReader

    from commission.storage import DocumentStore
    from tests.hearings_helpers import HEARING_DAY, closed

    hearing = closed(session, world, "Ada", HEARING_DAY, signed_in=DocumentStore(tmp_path / "instance" / "documents"))

    def written(*options: str) -> tuple[str, str]:
        out = tmp_path / "pv.pdf"
        result = invoke("minutes", str(hearing.id), "--out", str(out), *options)
        assert result.exit_code == 0, result.output
        text = "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(out.read_bytes())).pages)
        return result.output, text

    said, text = written()
    assert "(signed, full)" in said and "Ada Martin" in text
    said, text = written("--redacted")
    assert "(signed, redacted: initials only)" in said and "Ada Martin" not in text
    said, text = written("--as", "care_a")  # a care team reads the version for distribution only
    assert "(signed, redacted: initials only, the version care_a may read)" in said and "Ada Martin" not in text


def test_an_internal_error_is_one_line_and_its_traceback_is_logged(env: str, world: World, tmp_path: Path,
                                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    from commission.services import hearings

    def broken(*args: object, **kwargs: object) -> None:
        raise KeyError("a bug")

    monkeypatch.setattr(hearings, "list_hearings", broken)
    result = invoke("hearings", "list")
    log = tmp_path / "instance" / "errors.log"
    line = refused(result, "Internal error (KeyError)", str(log), "--debug")
    assert result.exit_code == 1, line
    assert "Traceback" in log.read_text() and "KeyError: 'a bug'" in log.read_text()
    assert stat.S_IMODE(log.stat().st_mode) == 0o600  # it may quote what the records hold
    debugged = invoke("--debug", "hearings", "list")
    assert isinstance(debugged.exception, KeyError)  # raised as it is: its traceback is printed


def test_in_a_process_of_its_own_no_traceback_is_printed(tmp_path: Path) -> None:
    """What an operator sees in a shell, where an exception that escaped would print its traceback."""

    def run(*args: str, **settings: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([*installed_command(), *args],
                              env=environment(tmp_path / "instance", **{"LANG": "en_GB.UTF-8", **settings}),
                              stdin=subprocess.DEVNULL, capture_output=True, text=True, check=False)

    missing_driver = run("hearings", "list", COMMISSION_DATABASE_URL=MISSING_DRIVER)
    bad_folder = run("minutes", "1", "--out", str(tmp_path / "missing" / "pv.pdf"),
                     COMMISSION_DATABASE_URL=MISSING_DRIVER)
    french = run("minutes", "1", "--out", str(tmp_path / "missing" / "pv.pdf"), COMMISSION_DATABASE_URL=MISSING_DRIVER,
                 LANG="fr_FR.UTF-8")
    for done in (missing_driver, bad_folder, french):
        assert done.returncode == 2 and "Traceback" not in done.stderr, done.stderr
        assert done.stdout == ""
    assert missing_driver.stderr.splitlines() == [
        "commission: The driver of the database URL mysql+mysqldb://commission:***@127.0.0.1/commission is not "
        "installed (No module named 'MySQLdb')."]
    missing = tmp_path / "missing"
    assert bad_folder.stderr.splitlines()[-1] == (f"Error: Invalid value for '--out': The folder {missing} does not "
                                                  "exist.")
    assert french.stderr.splitlines()[-1].endswith(f"Le dossier {missing} n'existe pas.")


# ---------------------------------------------------------------- the demo, built aside


def _small_demo(session: Session, _store: object, **_options: object) -> object:
    from commission import demo
    from commission.models import Role
    from tests.conftest import PASSWORD, build_world

    build_world(session)
    return demo.DemoResult([demo.DemoAccount(Role.TREASURER, "treasurer", PASSWORD, "T", "")], 2, 2, 0)


def _state(database_url: str) -> tuple[list[str], int]:
    engine = make_engine(database_url)
    try:
        with make_session_factory(engine)() as session:
            towns = list(session.execute(select(Town.name).order_by(Town.name)).scalars())
            return towns, session.execute(select(func.count()).select_from(AuditEntry)).scalar_one()
    finally:
        engine.dispose()


def _leftovers(*folders: Path) -> list[str]:
    return sorted(path.name for folder in folders if folder.is_dir() for path in folder.iterdir()
                  if ".demo-" in path.name)


def test_an_interrupted_demo_leaves_the_previous_database_as_it_was(env: str, tmp_path: Path, no_server: None,
                                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    from commission import demo
    from commission.services import audit

    monkeypatch.setattr(demo, "build_demo", _small_demo)
    result = invoke("demo", "--no-serve")
    assert result.exit_code == 0, result.output
    before = _state(env)
    assert "Ronchin" in before[0]
    database = Path(env.removeprefix("sqlite:///")) if env.startswith("sqlite") else None
    file_before = hashlib.sha256(database.read_bytes()).digest() if database else None

    def interrupted(session: Session, _store: object, **_options: object) -> object:
        """Half a demo: its first records are written and committed, then the build fails."""
        town = Town(name="Half-built", postcode="59000", population=1)
        session.add(town)
        session.flush()
        audit.record(session, None, "town.created", "town", town.id, {"name": town.name}, actor_name="demo")
        session.commit()
        raise RuntimeError("the build broke midway")

    monkeypatch.setattr(demo, "build_demo", interrupted)
    result = invoke("demo", "--no-serve")
    refused(result, "Internal error (RuntimeError)")
    if database is not None:
        assert hashlib.sha256(database.read_bytes()).digest() == file_before  # not a byte changed
        assert _leftovers(database.parent) == []
    assert _leftovers(tmp_path / "instance") == []
    assert _state(env) == before
    assert invoke("serve").exit_code == 0  # the previous demo, complete, is served


def test_serve_refuses_a_demo_that_was_not_finished(env: str, no_server: None,
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    """What an interrupted build left before the demo was built aside: its first records, and no end."""
    from commission import demo
    from commission.services import audit
    from commission.services.unit import unit_of_work

    engine = make_engine(env)
    try:
        with make_session_factory(engine)() as session, unit_of_work(session):
            town = Town(name="Half-built", postcode="59000", population=1)
            session.add(town)
            session.flush()
            audit.record(session, None, "town.created", "town", town.id, {"name": town.name}, actor_name="demo")
    finally:
        engine.dispose()
    result = invoke("serve")
    refused(result, "did not finish", "commission demo")
    assert result.exit_code == 1
    monkeypatch.setattr(demo, "build_demo", _small_demo)
    assert invoke("demo", "--no-serve").exit_code == 0  # a new demo replaces it
    assert "Half-built" not in _state(env)[0]
    assert invoke("serve").exit_code == 0


def test_the_demo_never_replaces_records_that_are_not_a_demo(env: str, world: World, no_server: None,
                                                             monkeypatch: pytest.MonkeyPatch) -> None:
    from commission import demo

    before = _state(env)
    monkeypatch.setattr(demo, "build_demo", _small_demo)
    result = invoke("demo", "--no-serve")
    refused(result, "not a demo's")
    assert result.exit_code == 1 and _state(env) == before
