"""The `commission` command, as an operator uses it."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlalchemy.orm import Session

from commission.cli import main
from tests.conftest import World, is_postgres
from tests.demo_cache import DemoBuild


@pytest.fixture
def env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path, database_url: str) -> str:
    monkeypatch.setenv("COMMISSION_INSTANCE_PATH", str(tmp_path / "instance"))
    monkeypatch.setenv("COMMISSION_DATABASE_URL", database_url)
    monkeypatch.delenv("COMMISSION_SECRET_KEY", raising=False)
    monkeypatch.delenv("COMMISSION_ENV", raising=False)
    return database_url


def run(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(main, list(args))
    return result.exit_code, result.output


def test_init_is_idempotent(env: str) -> None:
    first = run("init")
    second = run("init")
    assert first[0] == second[0] == 0
    assert "database ready at revision" in second[1]


def test_db_check_passes_on_a_migrated_database(env: str) -> None:
    code, output = run("db", "check")
    assert code == 0, output
    assert "schema matches the models" in output


def test_demo_prints_one_account_per_line_for_every_role(demo_build: DemoBuild, monkeypatch: pytest.MonkeyPatch,
                                                         tmp_path: Path) -> None:
    """``commission demo --no-serve`` (run once for the whole suite, see tests/demo_cache.py)."""
    lines = demo_build.output.splitlines()
    start = lines.index("demo accounts (role, login, password):")
    accounts = [line.split() for line in lines[start + 1:] if line.strip()]
    roles = {fields[0] for fields in accounts}
    assert roles == {"coordinator", "care_team", "chair", "member", "treasurer", "landlord", "data_protection"}
    assert all(len(fields) == 3 for fields in accounts)
    assert "6 towns, 73 places" in demo_build.output
    # the trail of everything the demo did holds together (on a copy: the cached demo is never written to)
    url = demo_build.database_url
    if demo_build.instance is not None:
        url = f"sqlite:///{demo_build.copy_to(tmp_path / 'instance')}"
    monkeypatch.setenv("COMMISSION_INSTANCE_PATH", str(tmp_path / "instance"))
    monkeypatch.setenv("COMMISSION_DATABASE_URL", url)
    code, output = run("audit", "verify")
    assert code == 0, output


def test_demo_serves_what_it_built_with_a_password_login(env: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """``commission demo`` without ``--no-serve``: the database it built is served, two-factor login
    optional (its visitors log in with the printed passwords). The build itself is the one above; here a
    small council stands in for it, and waitress is not started."""
    import waitress
    from flask import Flask

    from commission import demo
    from commission.models import Role
    from tests.conftest import PASSWORD, build_world, login

    def small_demo(session: Session, _store: object, **_options: object) -> demo.DemoResult:
        build_world(session)
        return demo.DemoResult([demo.DemoAccount(Role.TREASURER, "treasurer", PASSWORD, "T", "")], 2, 2, 0)

    served: dict[str, object] = {}
    monkeypatch.setattr(demo, "build_demo", small_demo)
    monkeypatch.setattr(waitress, "serve", lambda app, **options: served.update(app=app, **options))
    code, output = run("demo", "--port", "5099")
    assert code == 0, output
    assert "two-factor login is optional in this demo" in output
    assert (served["host"], served["port"], served["threads"]) == ("127.0.0.1", 5099, 8)
    app = served["app"]
    assert isinstance(app, Flask)
    try:
        client = app.test_client()
        login(client, "coordinator")  # a role that must use two-factor login in a deployment
        assert client.get("/").status_code == 200
    finally:  # the command has ended: what the app opened since is closed here
        app.extensions["commission.engine"].dispose()


def test_user_add_creates_an_account_and_refuses_bad_input(env: str) -> None:
    code, output = run("user", "add", "--login", "alice", "--name", "Alice Martin", "--role", "treasurer",
                       "--password", "a long enough password")
    assert code == 0, output
    code, output = run("user", "add", "--login", "alice", "--name", "Alice Bis", "--role", "treasurer",
                       "--password", "short")
    assert code == 1
    assert "Traceback" not in output
    assert "login" in output and "password" in output


def test_user_add_refuses_a_care_team_member_without_a_team(env: str) -> None:
    code, output = run("user", "add", "--login", "bob", "--name", "Bob", "--role", "care_team",
                       "--password", "a long enough password")
    assert code == 1 and "care_team_id" in output


def test_an_unreachable_database_gives_one_line(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("COMMISSION_INSTANCE_PATH", str(tmp_path))
    monkeypatch.setenv("COMMISSION_DATABASE_URL", "postgresql+psycopg://nobody:secret@127.0.0.1:1/nowhere")
    monkeypatch.setenv("LANG", "en_GB.UTF-8")
    code, output = run("db", "upgrade")
    assert code == 3
    lines = [line for line in output.splitlines() if line.strip()]
    assert len(lines) == 1
    assert lines[0].startswith("commission: Cannot reach the database postgresql+psycopg://nobody:***@127.0.0.1:1/nowhere")
    assert "secret" not in output


def test_serve_refuses_to_start_without_a_secret_key_in_production(env: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COMMISSION_ENV", "production")
    code, output = run("serve")
    assert code == 2
    assert "COMMISSION_SECRET_KEY" in output


def test_serve_refuses_a_database_that_is_not_migrated(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    if is_postgres():
        pytest.skip("uses a fresh SQLite file")
    monkeypatch.setenv("COMMISSION_INSTANCE_PATH", str(tmp_path))
    monkeypatch.setenv("COMMISSION_DATABASE_URL", f"sqlite:///{tmp_path / 'empty.sqlite'}")
    monkeypatch.setenv("COMMISSION_SECRET_KEY", "k" * 40)
    code, output = run("serve")
    assert code == 1 and "commission db upgrade" in output


def test_hearings_list_minutes_and_convocations(env: str, session: Session, world: World, tmp_path: Path) -> None:
    import io

    import vobject
    from pypdf import PdfReader

    from commission.storage import DocumentStore
    from tests.hearings_helpers import HEARING_DAY, closed, sitting

    signed = closed(session, world, "Ada", HEARING_DAY, signed_in=DocumentStore(tmp_path / "instance" / "documents"))
    convened = sitting(session, world, ["Bea"], day=date(2026, 6, 18)).hearing
    code, output = run("hearings", "list")
    assert code == 0, output
    assert f"{signed.id}\t2026-T1\t2026-03-19\tRonchin" in output and "minutes_signed" in output
    assert "2026-T2" in output

    def text(path: Path) -> str:
        return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(path.read_bytes())).pages)

    full, redacted = tmp_path / "pv.pdf", tmp_path / "pv-diffusable.pdf"
    assert run("minutes", str(signed.id), "--out", str(full))[0] == 0
    assert run("minutes", str(signed.id), "--out", str(redacted), "--redacted")[0] == 0
    assert "Ada Martin" in text(full) and "Ada Martin" not in text(redacted)

    code, output = run("convocations", str(convened.id), "--out", str(tmp_path / "out"))
    assert code == 0, output
    files = sorted(path.name for path in (tmp_path / "out").iterdir())
    assert "convocations-2026-T2.pdf" in files and "ordre-du-jour-2026-T2.pdf" in files
    calendars = [name for name in files if name.endswith(".ics")]
    assert calendars
    for name in calendars:
        assert vobject.readOne((tmp_path / "out" / name).read_text()).vevent.dtstart.value.date() == date(2026, 6, 18)

    code, output = run("minutes", "999999", "--out", str(tmp_path / "none.pdf"))
    assert code != 0 and "Traceback" not in output and len(output.strip().splitlines()) == 1


def test_check_passes_on_sound_data_and_names_what_is_wrong(env: str, session: Session, world: World) -> None:
    from sqlalchemy import text

    from tests.hearings_helpers import HEARING_DAY, closed

    closed(session, world, "Ada", HEARING_DAY)
    code, output = run("check")
    assert code == 0, output
    assert "checks passed" in output
    session.execute(text("UPDATE place SET state = 'occupied' WHERE reference = 'APP-002'"))
    session.commit()
    code, output = run("check")
    assert code != 0
    assert "place APP-002 is occupied" in output and "Traceback" not in output


def test_user_reset_two_factor_for_a_lone_coordinator(env: str, world: World, session: Session, settings: object,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    """A lone coordinator lost the phone and the recovery codes: the administrator resets it on the server."""
    import time
    from dataclasses import replace

    import pyotp
    from sqlalchemy import select

    from commission.config import Settings
    from commission.models import AuditEntry, User
    from commission.services import two_factor
    from tests.conftest import fresh

    assert isinstance(settings, Settings)
    coordinator = world.users["coordinator"]
    secret = two_factor.begin_enrolment(coordinator).secret
    two_factor.confirm_enrolment(session, replace(settings, two_factor_required=True), coordinator, secret,
                                 pyotp.TOTP(secret).at(time.time()))
    nonce = coordinator.session_nonce
    code, output = run("user", "reset-two-factor", "--login", "COORDINATOR")
    assert code == 0, output
    assert "reset" in output
    fresh(session)
    reset = session.get(User, coordinator.id)
    assert reset is not None and reset.totp_secret is None and reset.session_nonce != nonce
    entry = session.execute(select(AuditEntry).where(AuditEntry.action == "account.two_factor_reset")).scalar_one()
    assert (entry.actor_id, entry.actor_name) == (None, "command line")
    # nothing left to reset, an unknown login: one line each, no trace, nothing changed
    monkeypatch.setenv("LANG", "fr_FR.UTF-8")
    code, output = run("user", "reset-two-factor", "--login", "coordinator")
    assert code == 1 and "Ce compte n'a pas de double authentification à réinitialiser." in output
    assert "Traceback" not in output
    code, output = run("user", "reset-two-factor", "--login", "nobody")
    assert code == 1 and "no account has the login 'nobody'" in output and "Traceback" not in output


@pytest.mark.parametrize("bad", ["10000000000000000000000000000000", "-1", "²", "0"])
def test_ids_out_of_range_on_the_command_line_get_the_forms_message(bad: str) -> None:
    from commission.cli import main

    refused = CliRunner().invoke(main, ["minutes", "--out", "/dev/null", "--", bad])
    assert refused.exit_code == 2, refused.output
    assert "Traceback" not in refused.output and "OverflowError" not in refused.output
    assert "Cet identifiant n'est pas valide." in refused.output
