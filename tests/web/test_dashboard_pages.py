"""The dashboard's pages: for every role that has them, without any person for those who may not read
files, with charts readable without JavaScript, and a number of queries that does not grow with the data."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta

import pytest
from flask.testing import FlaskClient
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from commission import clock
from commission.models import (
    Account,
    Applicant,
    Case,
    CaseTransition,
    Deposit,
    DepositTransition,
    EntryKind,
    LedgerEntry,
    LedgerLine,
    Occupancy,
    Place,
    PlaceKind,
    PlaceTransition,
)
from commission.models.followup import CaseExit, ExitReason, PlaceCondition
from commission.models.tenancy import LeaseKind
from tests.conftest import World, is_postgres, login, starting_scenario
from tests.databases import Restored, Scenario
from tests.test_dashboard import PAST, SCHEME, TODAY, Scheme, load_scheme
from tests.volume import grow
from tests.web.test_query_counts import count_queries

# an inline script (the CSP forbids it); the site's own script file is loaded with src=
INLINE_SCRIPT = re.compile(r"<script(?![^>]*\bsrc=)")

DASHBOARD_ROLES = ("coordinator", "chair", "member", "treasurer")


@pytest.fixture
def scenario(request: pytest.FixtureRequest) -> Scenario | None:
    return starting_scenario(request, scheme=SCHEME)


@pytest.fixture
def scheme(session: Session, restored: Restored) -> Scheme:
    return load_scheme(session, restored.ids)


def page(client: FlaskClient, path: str) -> tuple[int, str]:
    with clock.travel(TODAY):
        response = client.get(path)
    return response.status_code, response.get_data(as_text=True)


def names(session: Session) -> set[str]:
    return {name for first, last in session.execute(select(Applicant.first_name, Applicant.last_name))
            for name in (first, last)}


@pytest.mark.parametrize("role", DASHBOARD_ROLES)
def test_every_role_of_the_sub_group_reads_the_dashboard(client: FlaskClient, session: Session, scheme: Scheme,
                                                         role: str) -> None:
    login(client, role)
    for path in ("/dashboard", f"/dashboard/{PAST}"):
        status, html = page(client, path)
        assert status == 200, html
        assert html.count('<svg ') == 4 and html.count('role="img"') == 4
        assert len(re.findall(r'<title id="chart-[a-z]+-title">[^<]+</title>', html)) == 4
        assert not INLINE_SCRIPT.search(html) and " style=" not in html  # the page's CSP forbids inline code
    status, html = page(client, f"/dashboard/{PAST}")
    assert "31 déc. 2026" in html or "31 décembre 2026" in html
    # the figures are there as tables, for screen readers and for everyone
    assert '<th scope="row">Appartement associatif</th>' in html


@pytest.mark.parametrize("role", ("chair", "member", "treasurer"))
def test_no_person_and_no_file_for_those_who_may_not_read_files(client: FlaskClient, session: Session,
                                                                scheme: Scheme, role: str) -> None:
    login(client, role)
    people = names(session)
    for path in ("/dashboard", f"/dashboard/{PAST}", f"/dashboard/{PAST}/figures/places"):
        status, html = page(client, path)
        assert status == 200
        text = re.sub(r"<[^>]+>", " ", html)
        assert not people & set(re.findall(r"\w+", text)), path
        assert "/cases/" not in html and "D-2026-" not in html
        assert f"/dashboard/{PAST}/figures/waiting_list" not in html
    for key in ("waiting_list", "housed", "exits", "decisions"):
        status, html = page(client, f"/dashboard/{PAST}/figures/{key}")
        assert status == 403 and "Accès refusé" in html


def test_the_coordinator_follows_a_figure_to_the_files_behind_it(client: FlaskClient, session: Session,
                                                                 scheme: Scheme) -> None:
    login(client, "coordinator")
    status, html = page(client, f"/dashboard/{PAST}")
    assert f'href="/dashboard/{PAST}/figures/waiting_list"' in html
    assert f'href="/dashboard/{PAST}/figures/exits?reason=ordinary_housing"' in html
    status, html = page(client, f"/dashboard/{PAST}/figures/waiting_list")
    assert status == 200
    assert f'href="/cases/{scheme.cases["Cyd"]}"' in html and "Cyd" in html
    status, html = page(client, f"/dashboard/{PAST}/figures/places?kind=apartment&state=vacated")
    assert status == 200 and "APP-001" in html and "APP-002" not in html
    status, html = page(client, "/dashboard")  # the current year's waiting list: the list of files does it
    assert 'href="/cases?state=waiting_list"' in html


def test_bad_addresses_get_a_clear_page(client: FlaskClient, session: Session, scheme: Scheme) -> None:
    login(client, "coordinator")
    for path, expected in ((f"/dashboard/{TODAY.year + 1}", "pas de chiffres pour"),
                           ("/dashboard/1999", "2026"), (f"/dashboard/{PAST}/figures/nothing", ""),
                           (f"/dashboard/{PAST}/figures/places?state=lost", ""),
                           (f"/dashboard/{PAST}/figures/exits?quarter=9", ""),
                           ("/reports/annual/1999.pdf", "pas de chiffres pour 1999")):
        status, html = page(client, path)
        assert status == 404, path
        assert "Traceback" not in html and expected in html


def test_the_report_downloads_from_its_page(client: FlaskClient, session: Session, scheme: Scheme) -> None:
    login(client, "member")
    status, html = page(client, "/reports/annual")
    assert status == 200 and f'href="/reports/annual/{PAST}.pdf"' in html
    with clock.travel(TODAY):
        response = client.get(f"/reports/annual/{PAST}.pdf")
    assert response.status_code == 200 and response.data.startswith(b"%PDF")
    assert response.headers["Content-Disposition"] == f"attachment; filename=rapport-activite-{PAST}.pdf"


# ---------------------------------------------------------------- queries, at two scales


def grow_activity(session: Session, world: World, count: int, tag: str) -> None:
    """Files, places, moves, exits, deposits and ledger entries in bulk, each with its steps, in 2026."""
    grow(session, world, count, tag)
    actor = "volume"

    def moment(day: int) -> datetime:
        return datetime(2026, 1, 1, 12, tzinfo=UTC) + timedelta(days=day % 360)

    for n in range(count):
        place = Place(reference=f"V{tag}-{n:05d}", kind=PlaceKind.HOSTEL_PLACE, town_id=world.towns["Ronchin"].id,
                      address="1 rue", organisation_id=world.landlord_a.id, rooms=0, rent_cents=1, charges_cents=1,
                      deposit_cents=100, state="occupied", created_at=moment(0))
        applicant = Applicant(first_name=f"V{tag}{n}", last_name="Volume", birth_date=date(1980, 1, 1),
                              care_team_id=world.team_a.id)
        case = Case(applicant=applicant, care_team_id=world.team_a.id, state="housed", created_at=moment(n),
                    requested_kind=PlaceKind.HOSTEL_PLACE)
        session.add_all([place, case])
        session.flush()
        steps = [("create", None, "draft"), ("submit", "draft", "submitted"),
                 ("place_on_waiting_list", "heard", "waiting_list"), ("offer_next", "waiting_list", "allocated"),
                 ("confirm_housed", "moving_in", "housed")]
        session.add_all(CaseTransition(case_id=case.id, case_version=index + 1, at=moment(n + 10 * index),
                                       actor_name=actor, trigger=trigger, from_state=source, to_state=dest)
                        for index, (trigger, source, dest) in enumerate(steps))
        session.add_all(PlaceTransition(place_id=place.id, place_version=index + 1, at=moment(n + 10 * index),
                                        actor_name=actor, trigger=trigger, from_state=source, to_state=dest)
                        for index, (trigger, source, dest) in enumerate(
                            [("create", None, "available"), ("offer", "available", "offered"),
                             ("occupy", "offered", "occupied")]))
        occupancy = Occupancy(place_id=place.id, case_id=case.id, lease_kind=LeaseKind.OCCUPANCY,
                              lease_start=moment(n).date(), move_in_date=moment(n).date(),
                              ended_on=moment(n + 30).date() if n % 2 else None)
        deposit = Deposit(case_id=case.id, place_id=place.id, landlord_id=world.landlord_a.id, amount_cents=100,
                          state="paid", paid_on=moment(n).date())
        session.add_all([occupancy, deposit])
        session.flush()
        if n % 2:
            session.add(CaseExit(case_id=case.id, occupancy_id=occupancy.id, place_id=place.id,
                                 reason=list(ExitReason)[n % len(ExitReason)], exit_date=moment(n + 30).date(),
                                 place_condition=PlaceCondition.GOOD))
        session.add(DepositTransition(deposit_id=deposit.id, deposit_version=1, at=moment(n), actor_name=actor,
                                      trigger="pay", from_state="committed", to_state="paid"))
        entry = LedgerEntry(kind=EntryKind.DEPOSIT_PAID, value_date=moment(n).date(), label="Volume",
                            deposit_id=deposit.id)
        session.add(entry)
        session.flush()
        session.add_all([LedgerLine(entry_id=entry.id, account=Account.DEPOSITS_RECEIVABLE, debit_cents=100),
                         LedgerLine(entry_id=entry.id, account=Account.BANK, credit_cents=100)])
    session.commit()


PAGES = ["/dashboard", f"/dashboard/{PAST}", f"/dashboard/{PAST}/figures/followed",
         f"/dashboard/{PAST}/figures/places?state=occupied", f"/dashboard/{PAST}/figures/deposits"]


@pytest.mark.parametrize("path", PAGES)
def test_the_dashboard_queries_do_not_grow_with_the_data(client: FlaskClient, engine: Engine, session: Session,
                                                         scheme: Scheme, path: str) -> None:
    login(client, "coordinator")
    grow_activity(session, scheme.world, 10, "s")
    with count_queries(engine) as small:
        status, html = page(client, path)
        assert status == 200, html
    grow_activity(session, scheme.world, 300, "l")
    with count_queries(engine) as large:
        status, html = page(client, path)
        assert status == 200
    assert len(large) == len(small), (path, len(small), len(large))
    print(path, len(large), "queries")
    assert len(large) <= 24, (path, large)
    if path == f"/dashboard/{PAST}":
        assert "Volume" not in html  # counted, never named


@pytest.fixture
def isolation() -> str:
    """The tests go through ``session`` and ``client`` only: on PostgreSQL, the scenario's own database in a
    transaction rolled back at the end, rather than a copy of it (see conftest's ``isolation``)."""
    return "rollback" if is_postgres() else "copy"
