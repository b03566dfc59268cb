"""Fixtures: a database of its own for each test (SQLite by default, PostgreSQL when
``COMMISSION_TEST_DATABASE_URL`` names one), copied from a scenario built once per run (see
tests/databases.py); an app with CSRF on; and a small world of records built as a user would build them.
"""

from __future__ import annotations

import contextlib
import gc
import inspect
import os
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient
from hypothesis import HealthCheck
from hypothesis import settings as hypothesis_settings
from sqlalchemy import Connection, Engine, select
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session, sessionmaker

from commission.config import Settings
from commission.db import make_engine, make_session_factory
from commission.models import CareTeam, Organisation, OrganisationKind, Place, PlaceKind, Role, Town, User
from commission.services import accounts, sessions
from commission.web import configure, create_app
from tests import demo_cache, units
from tests.databases import CHEAP_HASHER, Databases, Ids, Restored, Scenario, shared_statements
from tests.demo_cache import DemoBuild

PG_URL = os.environ.get("COMMISSION_TEST_DATABASE_URL", "")
units.install()  # a service called by a test is a unit of work, as a request's (see tests/units.py)

# Hypothesis: a bounded profile by default (the README's command and CI), the same examples every run
# (derived from each test, so that CI never passes or fails by chance); a thorough one, random, on
# demand (HYPOTHESIS_PROFILE=thorough). Examples build databases, hence no deadline and no "too slow".
_HYPOTHESIS_COMMON = {"deadline": None, "suppress_health_check": [HealthCheck.too_slow, HealthCheck.data_too_large]}
hypothesis_settings.register_profile("ci", max_examples=20, derandomize=True, **_HYPOTHESIS_COMMON)
hypothesis_settings.register_profile("thorough", max_examples=400, **_HYPOTHESIS_COMMON)
hypothesis_settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))
PASSWORD = "correct horse battery staple"


def is_postgres() -> bool:
    return PG_URL.startswith("postgresql")


def pytest_configure(config: pytest.Config) -> None:
    """The demo's fingerprint, taken once at the start of the run (its workers inherit it: see demo_cache)."""
    if not os.environ.get("PYTEST_XDIST_WORKER"):
        os.environ[demo_cache.RUN_KEY] = demo_cache.fingerprint()


# The order the tests are handed to the pytest-xdist workers in (``--dist loadgroup``, each test a unit of
# its own unless grouped: one queue, taken in this order). The tests that read the demo come last, so that
# its build, begun in the background at the start (``_demo_in_background``), is ready when they come; the
# slowest of each kind come first, so that none of them ends the run alone while the other worker waits.
SLOW_WITHOUT_DEMO = (
    "tests/test_benchmarks.py",  # those that need no demo of the suite's
    "tests/test_case_machine_stateful.py", "tests/test_ledger_stateful.py", "tests/test_migrations.py",
    "tests/web/test_hostile_input.py", "tests/test_packaging.py",
)
SLOW_WITH_DEMO = (
    "tests/e2e/test_browser.py::test_each_demo_account", "tests/e2e/test_session_browser.py",
    "tests/test_benchmarks.py", "tests/web/test_typography.py", "tests/e2e/test_guidance_browser.py",
)
# Modules whose module-scoped fixtures cost more than their tests: on one worker, the fixture built once.
ONE_WORKER = ("tests/test_packaging.py", "tests/test_documents.py", "tests/web/test_typography.py")


def needs_demo(item: pytest.Item) -> bool:
    """Whether the test reads the demo (directly or through a fixture), and is not skipped beforehand."""
    skipped = item.get_closest_marker("skip") is not None or any(
        mark.args and mark.args[0] is True for mark in item.iter_markers("skipif"))
    return "demo_build" in getattr(item, "fixturenames", ()) and not skipped


# A test that names the PostgreSQL pass itself (its own engine on the server, what it does there).
_NAMES_THE_SERVER = re.compile(r"\bPG_URL\b|\bis_postgres\(|COMMISSION_TEST_DATABASE_URL")


def opens_no_database(item: pytest.Item) -> bool:
    """Whether the test runs the same whatever the pass's database: it asks for none (every database of the
    suite comes through ``databases`` or ``demo_build``), and neither it nor a fixture of its own module
    reaches the server by itself (``PG_URL``, ``is_postgres()``)."""
    info = getattr(item, "_fixtureinfo", None)
    function = getattr(item, "function", None)
    if info is None or function is None or {"databases", "demo_build"} & set(info.names_closure):
        return False
    functions = [function] + [definition.func for definitions in info.name2fixturedefs.values()
                              for definition in definitions
                              if getattr(definition.func, "__module__", "") not in (__name__, "tests.conftest")]
    for code in functions:
        try:
            source = inspect.getsource(code)
        except (OSError, TypeError):
            return False
        if _NAMES_THE_SERVER.search(source):
            return False
    return True


def run_order(item: pytest.Item) -> int:
    demo = needs_demo(item)
    slow = item.nodeid.startswith(SLOW_WITH_DEMO if demo else SLOW_WITHOUT_DEMO)
    return (2 if demo else 0) + (0 if slow else 1)


@pytest.hookimpl(tryfirst=True)  # before pytest-xdist reads the groups
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """The browser tests drive the SQLite demo, and some tests open no database: they run in the SQLite
    pass only (PostgreSQL would add nothing to them but their time). Then the order and the groups the
    workers take the tests in."""
    for item in items:
        if is_postgres() and item.get_closest_marker("e2e") is not None:
            item.add_marker(pytest.mark.skip(reason="the browser tests drive the SQLite demo: SQLite pass only"))
        elif is_postgres() and opens_no_database(item):
            # the very same run as in the SQLite pass (a third of the suite: rules, parsing, documents, the
            # command line's errors): run once
            item.add_marker(pytest.mark.skip(reason="opens no database: run in the SQLite pass, the same"))
        module = item.nodeid.split("::")[0]
        if module in ONE_WORKER:
            item.add_marker(pytest.mark.xdist_group(module))
    items.sort(key=run_order)  # stable: within each kind, the order they were collected in


def pytest_sessionfinish(session: pytest.Session) -> None:
    """The run's PostgreSQL demo is dropped by the process that owns the run (see demo_cache.postgres_demo)."""
    if is_postgres() and not os.environ.get("PYTEST_XDIST_WORKER"):
        with contextlib.suppress(OperationalError):  # the server went away: the next run drops it (tests/databases.py)
            demo_cache.drop_postgres_demo(PG_URL)


@pytest.fixture(scope="session")
def databases(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Databases]:
    """The run's migrated template and its scenarios, built once (per xdist worker) and copied per test."""
    databases = Databases(tmp_path_factory.mktemp("databases"), PG_URL if is_postgres() else None)
    try:
        yield databases
    finally:
        databases.close()


def demo_builder(tmp_path_factory: pytest.TempPathFactory) -> Callable[[], DemoBuild]:
    """How this run builds its demo: on SQLite, into the cache shared by runs; on PostgreSQL, into the run's
    own database, in a folder its pytest-xdist workers share (the parent of each worker's own)."""
    if not is_postgres():
        return demo_cache.sqlite_demo
    shared = tmp_path_factory.getbasetemp()
    if os.environ.get("PYTEST_XDIST_WORKER"):
        shared = shared.parent
    return lambda: demo_cache.postgres_demo(PG_URL, shared / "demo")


@pytest.fixture(scope="session", autouse=True)
def _demo_in_background(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """Begin building the demo at the start of the run when a test of it needs the demo (those run last):
    the workers run the other tests meanwhile. At the end, a build still under way is waited for (another
    worker may be waiting for it too), unless the run was stopped."""
    if any(needs_demo(item) for item in request.session.items):
        demo_cache.start(demo_builder(tmp_path_factory))
    yield
    if request.session.shouldstop or request.session.shouldfail:
        demo_cache.stop_builds()


@pytest.fixture(scope="session")
def demo_build(tmp_path_factory: pytest.TempPathFactory) -> DemoBuild:
    """``commission demo --no-serve``, built once per run (on SQLite, reused across runs while nothing
    that shapes it changes): the browser tests serve a copy, the command-line tests read it."""
    return demo_cache.built(demo_builder(tmp_path_factory))


def starting_scenario(request: pytest.FixtureRequest, **by_fixture: Scenario) -> Scenario | None:
    """The scenario of the first fixture named that the test asks for; else the small council if it asks
    for ``world``; else none (an empty database)."""
    for name, scenario in by_fixture.items():
        if name in request.fixturenames:
            return scenario
    return WORLD if "world" in request.fixturenames else None


@pytest.fixture
def scenario(request: pytest.FixtureRequest) -> Scenario | None:
    """The data a test starts from: the small council when it asks for ``world``, else an empty database.
    A module overrides this fixture to start its tests from a scenario of its own (``starting_scenario``)."""
    return starting_scenario(request)


@pytest.fixture
def isolation() -> str:
    """How a test's writes are kept from the other tests': ``copy``, a database of its own (the default:
    the test may use several connections, other processes, the command line); ``rollback``, the
    scenario's own database inside one transaction rolled back at the end, for the test and the app
    alike (SQLAlchemy's ``join_transaction_mode="create_savepoint"``). A module whose tests only go
    through ``client`` and ``session`` overrides it where copying costs more than it should (on
    PostgreSQL, a copy of a database is some 60 ms and 8 MB of WAL; a SQLite file copy, a few ms)."""
    return "copy"


def rolled_back_unless_asking_for(request: pytest.FixtureRequest, *arguments: str) -> str:
    """For a module's ``isolation``: rolled back on PostgreSQL, but a copy for each test that asks for one of
    ``arguments`` itself (``engine`` for a race or its own connections, ``database_url`` for the command
    line): those open connections of their own, which the rolled-back transaction would not hold."""
    own = inspect.signature(request.function).parameters
    return "rollback" if is_postgres() and not any(name in own for name in arguments) else "copy"


@pytest.fixture
def restored(databases: Databases, scenario: Scenario | None, isolation: str, tmp_path: Path) -> Iterator[Restored]:
    """The test's own copy of its scenario (or, rolled back, the scenario's database): database and documents
    (in the instance folder)."""
    if isolation == "rollback":
        yield databases.shared(scenario, tmp_path / "instance")
        return
    copy = databases.restore(scenario, tmp_path, tmp_path / "instance")
    try:
        yield copy
    finally:
        databases.drop(copy.url)


@pytest.fixture
def database_url(restored: Restored) -> str:
    return restored.url


@pytest.fixture
def engine(database_url: str) -> Iterator[Engine]:
    engine = shared_statements(make_engine(database_url))
    yield engine
    if engine.pool.checkedout():
        # A session the test left open (a download's response never closed, say): collected now, its
        # connection goes back to a pool that is still there, and dispose() closes it. Collected after
        # dispose(), it would stay open, and its database could not be dropped cleanly.
        gc.collect()
    engine.dispose()


@pytest.fixture
def bind(engine: Engine, isolation: str) -> Iterator[Engine | Connection]:
    """What the test's sessions and the app's run on: the engine, or one connection whose transaction is
    rolled back at the end (see ``isolation``)."""
    if isolation != "rollback":
        yield engine
        return
    connection = engine.connect()
    transaction = connection.begin()
    try:
        yield connection
    finally:
        transaction.rollback()
        connection.close()


@pytest.fixture
def session_factory(bind: Engine | Connection) -> sessionmaker[Session]:
    if isinstance(bind, Engine):
        return make_session_factory(bind)
    # Each session works in a savepoint of the one transaction: its commit releases the savepoint.
    return sessionmaker(bind=bind, expire_on_commit=False, autoflush=True, join_transaction_mode="create_savepoint")


@pytest.fixture
def session(session_factory: sessionmaker[Session]) -> Iterator[Session]:
    with session_factory() as session:
        yield session


def fresh(session: Session) -> None:
    """End the test's own transaction, so that its next read sees what the app has committed since
    (on SQLite a transaction keeps reading the snapshot it began with), and forget loaded values."""
    session.rollback()
    session.expire_all()


@pytest.fixture(autouse=True)
def cheap_hashing(monkeypatch: pytest.MonkeyPatch) -> None:
    """Argon2id still, with small costs: the tests hash hundreds of passwords."""
    monkeypatch.setattr(accounts, "hasher", CHEAP_HASHER)


@pytest.fixture
def settings(database_url: str, tmp_path: Path) -> Settings:
    return Settings(
        database_url=database_url,
        secret_key="test secret key, not for production",
        instance_path=tmp_path / "instance",
        environment="development",
        # Two-factor login is tested on its own (tests/web/test_two_factor.py); elsewhere, a password logs in.
        two_factor_required=False,
    )


_shared_app: list[Flask] = []


@pytest.fixture
def app(settings: Settings, engine: Engine, session_factory: sessionmaker[Session]) -> Iterator[Flask]:
    """The app, bound to the test's settings and database. One app serves the whole run (building one
    registers some 150 routes and compiles every template it renders, about 0.15 s); its configuration
    is put back after each test. A test that adds routes builds its own with ``create_app``."""
    if not _shared_app:
        _shared_app.append(create_app(settings, engine=engine, testing=True))
    app = _shared_app[0]
    configure(app, settings, engine=engine, testing=True)
    app.extensions["commission.sessions"] = session_factory  # the same as configure's, or rolled back
    kept = dict(app.config)
    try:
        yield app
    finally:
        app.config.clear()
        app.config.update(kept)


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


@dataclass
class World:
    """A small council: two teams, two landlords, a place of each, and an account for every role."""

    towns: dict[str, Town]
    team_a: CareTeam
    team_b: CareTeam
    landlord_a: Organisation
    landlord_b: Organisation
    place_a: Place
    place_b: Place
    users: dict[str, User]


ROLE_ACCOUNTS = {
    "coordinator": Role.COORDINATOR,
    "care_a": Role.CARE_TEAM,
    "care_b": Role.CARE_TEAM,
    "chair": Role.CHAIR,
    "member": Role.MEMBER,
    "treasurer": Role.TREASURER,
    "landlord_a": Role.LANDLORD,
    "landlord_b": Role.LANDLORD,
    "dpo": Role.DATA_PROTECTION,
}


def build_world(session: Session) -> World:
    towns = {name: Town(name=name, postcode=code, population=pop)
             for name, code, pop in [("Ronchin", "59790", 18500), ("Lesquin", "59810", 8000)]}
    session.add_all(towns.values())
    session.flush()
    hospital = Organisation(name="EPSM", kind=OrganisationKind.HOSPITAL)
    landlord_a = Organisation(name="Habitat A", kind=OrganisationKind.LANDLORD)
    landlord_b = Organisation(name="Habitat B", kind=OrganisationKind.LANDLORD)
    session.add_all([hospital, landlord_a, landlord_b])
    session.flush()
    team_a = CareTeam(name="CMP Ronchin", organisation_id=hospital.id, town_id=towns["Ronchin"].id)
    team_b = CareTeam(name="CMP Lesquin", organisation_id=hospital.id, town_id=towns["Lesquin"].id)
    session.add_all([team_a, team_b])

    def place(reference: str, landlord: Organisation, town: Town) -> Place:
        return Place(reference=reference, kind=PlaceKind.APARTMENT, town_id=town.id, address="1 rue Pasteur",
                     organisation_id=landlord.id, rooms=1, surface_m2=30, rent_cents=30000,
                     charges_cents=5000, deposit_cents=30000)

    place_a = place("APP-001", landlord_a, towns["Ronchin"])
    place_b = place("APP-002", landlord_b, towns["Lesquin"])
    session.add_all([place_a, place_b])
    session.commit()
    bindings = {
        "care_a": {"care_team_id": team_a.id},
        "care_b": {"care_team_id": team_b.id},
        "chair": {"town_id": towns["Ronchin"].id},
        "landlord_a": {"organisation_id": landlord_a.id},
        "landlord_b": {"organisation_id": landlord_b.id},
    }
    users = {
        login: accounts.create_user(session, None, accounts.UserInput(
            login=login, display_name=f"User {login}", email="", role=role.value, password=PASSWORD,
            **bindings.get(login, {}),
        ))
        for login, role in ROLE_ACCOUNTS.items()
    }
    return World(towns, team_a, team_b, landlord_a, landlord_b, place_a, place_b, users)


def world_ids(world: World) -> Ids:
    return {"towns": {name: town.id for name, town in world.towns.items()}, "team_a": world.team_a.id,
            "team_b": world.team_b.id, "landlord_a": world.landlord_a.id, "landlord_b": world.landlord_b.id,
            "place_a": world.place_a.id, "place_b": world.place_b.id,
            "users": {login: user.id for login, user in world.users.items()}}


def load_world(session: Session, ids: Ids) -> World:
    """The world of a restored scenario, loaded into the test's session."""
    towns = {town.id: town for town in session.execute(select(Town)).scalars()}
    teams = {team.id: team for team in session.execute(select(CareTeam)).scalars()}
    organisations = {org.id: org for org in session.execute(select(Organisation)).scalars()}
    places = {place.id: place for place in session.execute(
        select(Place).where(Place.id.in_([ids["place_a"], ids["place_b"]]))).scalars()}
    users = {user.id: user for user in session.execute(
        select(User).where(User.id.in_(ids["users"].values()))).scalars()}
    world = World({name: towns[town_id] for name, town_id in ids["towns"].items()}, teams[ids["team_a"]],
                  teams[ids["team_b"]], organisations[ids["landlord_a"]], organisations[ids["landlord_b"]],
                  places[ids["place_a"]], places[ids["place_b"]],
                  {login: users[user_id] for login, user_id in ids["users"].items()})
    # End the read transaction (the session keeps what it loaded): on SQLite an open one would keep
    # reading the snapshot it began with, blind to what the app commits next.
    session.commit()
    return world


def _build_world_scenario(session: Session, _instance: Path, _ids: Ids) -> Ids:
    return world_ids(build_world(session))


# The small council, built once per run: most tests start from it.
WORLD = Scenario("world", _build_world_scenario)


class WorldCopy:
    """A copy of the small council opened outside the fixtures: one per example of a stateful test."""

    def __init__(self, databases: Databases, instance: Path) -> None:
        self.databases = databases
        self.copy = databases.restore(WORLD, instance.parent, instance)
        self.engine = shared_statements(make_engine(self.copy.url))
        self.session: Session = make_session_factory(self.engine)()
        self.world = load_world(self.session, self.copy.ids)

    def close(self) -> None:
        self.session.close()
        self.engine.dispose()
        self.databases.drop(self.copy.url)


@pytest.fixture
def world(session: Session, restored: Restored) -> World:
    return load_world(session, restored.ids)


CSRF_PATTERN = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"|value="([^"]+)"[^>]*name="csrf_token"')


def csrf_token(client: FlaskClient, path: str = "/login") -> str:
    html = client.get(path).get_data(as_text=True)
    match = CSRF_PATTERN.search(html)
    assert match, f"no CSRF token on {path}"
    return match.group(1) or match.group(2)


def login(client: FlaskClient, login_name: str, password: str = PASSWORD) -> None:
    token = csrf_token(client)
    response = client.post("/login", data={"login": login_name, "password": password, "csrf_token": token})
    assert response.status_code == 302, response.get_data(as_text=True)


def logged_in(client: FlaskClient, session: Session, user: User) -> None:
    """The client holds a session of ``user``'s, as a completed login leaves it (the server's row, the cookie
    naming it): for the tests of what a role may do, which log in hundreds of times. How one logs in is
    tested through the login form (tests/web/test_auth.py, and ``login`` above elsewhere)."""
    opened = sessions.open_session(session, user)  # one unit of work, committed (tests/units.py)
    with client.session_transaction() as cookie:
        cookie.clear()
        cookie.permanent = True
        cookie.update(uid=user.id, nonce=user.session_nonce, sid=opened.key)


def post_form(client: FlaskClient, path: str, data: dict[str, str], *, form_page: str | None = None):  # type: ignore[no-untyped-def]
    """Submit a form as a browser would: with the CSRF token of the page that shows it."""
    token = csrf_token(client, form_page or path)
    return client.post(path, data={**data, "csrf_token": token})
