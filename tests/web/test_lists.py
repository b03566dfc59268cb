"""The main lists as people scan them: sorted by any column both ways, filters and order kept from page to
page, each state a badge that says what it means, and what a file waits for said as a state."""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from datetime import date, time
from html import unescape
from typing import Any

import pytest
from flask.testing import FlaskClient
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from commission.models import Agreement, Applicant, Case, Deposit, Hearing, Organisation, Place, PlaceKind
from commission.models.reference import OrganisationKind
from commission.models.tenancy import Renewal
from commission.services import cases, hearings, reference, stock, treasury_reports
from commission.workflow.case import CASE_MACHINE
from commission.workflow.deposit import DEPOSIT_MACHINE
from commission.workflow.engine import MachineSpec
from commission.workflow.hearing import HEARING_MACHINE
from commission.workflow.machines import MACHINES
from commission.workflow.place import PLACE_MACHINE
from commission.workflow.tags import Tag, Tone
from tests.conftest import World, is_postgres, login
from tests.volume import grow
from tests.web.test_query_counts import count_queries

Key = Callable[[Any], Any]


def _file(session: Session, world: World, last_name: str, state: str, due: date | None, team: int) -> Case:
    applicant = Applicant(first_name="Lou", last_name=last_name, birth_date=date(1980, 1, 1),
                          care_team_id=(world.team_a, world.team_b)[team].id)
    case = Case(applicant=applicant, care_team_id=applicant.care_team_id, state=state,
                requested_kind=PlaceKind.APARTMENT, due_date=due)
    session.add(case)
    return case


def seed(session: Session, world: World) -> None:
    """A few rows of each list, each column's values different enough to tell an order from another."""
    files = [
        _file(session, world, "Martin", "scheduled", date(2026, 3, 18), 0),
        _file(session, world, "Bernard", "draft", None, 1),
        _file(session, world, "Durand", "waiting_list", None, 0),
        _file(session, world, "Petit", "incomplete", date(2026, 2, 1), 1),
        _file(session, world, "Leroy", "refused", None, 0),
    ]
    more = [
        Place(reference=reference_, kind=kind, town_id=world.towns[town].id, address="2 rue", rooms=rooms,
              organisation_id=landlord.id, rent_cents=rent, charges_cents=charges, deposit_cents=deposit, state=state)
        for reference_, kind, town, landlord, rooms, rent, charges, deposit, state in [
            ("MAI-010", PlaceKind.RESIDENCE_PLACE, "Lesquin", world.landlord_b, 4, 61000, 2000, 61000, "vacated"),
            ("APP-007", PlaceKind.APARTMENT, "Ronchin", world.landlord_a, 2, 42000, 9000, 42000, "withdrawn"),
            ("RES-004", PlaceKind.RESIDENCE_PLACE, "Lesquin", world.landlord_b, 1, 38000, 4000, 38000, "available"),
            ("APP-012", PlaceKind.APARTMENT, "Ronchin", world.landlord_a, 3, 52000, 7000, 52000, "available"),
        ]
    ]
    session.add_all(more)
    session.flush()
    seed_stock(session, world, more)
    places = [world.place_a, world.place_b, *more]
    for n, (state, amount, paid, claimed) in enumerate([
        ("paid", 30000, date(2025, 5, 2), None), ("requested", 12000, None, None),
        ("refund_claimed", 45000, date(2024, 1, 9), date(2025, 11, 3)),
        ("refunded", 20000, date(2023, 6, 1), date(2024, 3, 1)),
    ]):
        place = places[n]
        session.add(Deposit(case_id=files[n].id, place_id=place.id, landlord_id=place.organisation_id,
                            amount_cents=amount, state=state, paid_on=paid, refund_claimed_on=claimed))
    for quarter, day, town, chair, state in [
        (1, date(2026, 3, 18), "Ronchin", "chair", "planned"),
        (4, date(2025, 12, 10), "Lesquin", None, "minutes_signed"),
        (3, date(2025, 9, 17), "Ronchin", "coordinator", "cancelled"),
        (2, date(2026, 6, 17), "Lesquin", None, "planned"),
    ]:
        session.add(Hearing(year=day.year, quarter=quarter, day=day, start_time=time(14), quorum=3, state=state,
                            town_id=world.towns[town].id, chair_id=world.users[chair].id if chair else None))
    session.commit()


def seed_stock(session: Session, world: World, more: list[Place]) -> None:
    """Partners, agreements and vacancies told apart by each of their columns."""
    hostel = Organisation(name="Foyer Les Tilleuls", kind=OrganisationKind.HOSTEL, town_id=world.towns["Lesquin"].id,
                          active=False)
    residence = Organisation(name="Résidence du Parc", kind=OrganisationKind.RESIDENCE,
                             town_id=world.towns["Ronchin"].id)
    session.add_all([hostel, residence])
    session.flush()
    conventions = [
        Agreement(organisation_id=organisation.id, reference=reference_, title="Convention", start_date=start,
                  end_date=end, renewal=renewal, notice_months=3, ended_at=ended)
        for organisation, reference_, start, end, renewal, ended in [
            (world.landlord_b, "CONV-B", date(2022, 1, 1), date(2027, 12, 31), Renewal.TACIT, None),
            (world.landlord_a, "CONV-A", date(2024, 5, 1), None, Renewal.EXPLICIT, None),
            (residence, "CONV-C", date(2019, 3, 1), date(2024, 12, 31), Renewal.NONE, date(2024, 12, 31)),
        ]
    ]
    session.add_all(conventions)
    session.flush()
    for place, convention in [(world.place_b, 0), (more[0], 0), (world.place_a, 1), (more[3], 1)]:
        place.agreement_id = conventions[convention].id
    for place, since in [(world.place_a, date(2026, 1, 1)), (world.place_b, None), (more[2], date(2025, 6, 1)),
                         (more[3], date(2026, 2, 15))]:
        place.vacant_since = since


def state_order(machine: MachineSpec) -> Key:
    names = [spec.name for spec in machine.states]
    return lambda row: names.index(row.state)


# Each list: its path, how its rows link to their records, the rows it should show, and the order of each key.
LISTS: dict[str, tuple[str, str, Callable[[Session], Sequence[Any]], dict[str, Key]]] = {
    "cases": ("/cases", r'href="/cases/(\d+)"', lambda s: s.execute(select(Case)).scalars().all(), {
        "reference": lambda c: (c.created_at, c.id),
        "person": lambda c: (c.applicant.last_name, c.applicant.first_name),
        "team": lambda c: c.care_team.name, "state": state_order(CASE_MACHINE), "due": lambda c: c.due_date,
    }),
    "places": ("/places", r'href="/places/(\d+)"', lambda s: s.execute(select(Place)).scalars().all(), {
        "reference": lambda p: p.reference, "kind": lambda p: p.kind.value, "town": lambda p: p.town.name,
        "landlord": lambda p: p.organisation.name, "state": state_order(PLACE_MACHINE), "rooms": lambda p: p.rooms,
        "rent": lambda p: p.rent_cents, "charges": lambda p: p.charges_cents, "deposit": lambda p: p.deposit_cents,
    }),
    "deposits": ("/treasury/deposits", r'href="/treasury/deposits/(\d+)"',
                 lambda s: s.execute(select(Deposit)).scalars().all(), {
        "deposit": lambda d: d.id, "place": lambda d: d.place.reference, "landlord": lambda d: d.landlord.name,
        "person": lambda d: (d.case.applicant.last_name, d.case.applicant.first_name),
        "amount": lambda d: d.amount_cents,
        "state": state_order(DEPOSIT_MACHINE), "paid": lambda d: d.paid_on, "claimed": lambda d: d.refund_claimed_on,
    }),
    "hearings": ("/hearings", r'href="/hearings/(\d+)"', lambda s: s.execute(select(Hearing)).scalars().all(), {
        "hearing": lambda h: (h.year, h.quarter), "day": lambda h: h.day, "town": lambda h: h.town.name,
        "chair": lambda h: h.chair.display_name if h.chair else None, "state": state_order(HEARING_MACHINE),
    }),
}


def _places_covered(session: Session) -> Key:
    return lambda a: len(session.execute(select(Place.id).where(Place.agreement_id == a.id)).all())


def _partner_counts(session: Session, column: Any, *where: Any) -> Key:
    return lambda o: len(session.execute(select(column).where(column == o.id, *where)).all())


def _stock_lists(session: Session) -> dict[str, tuple[str, str, Callable[[Session], Sequence[Any]], dict[str, Key]]]:
    """The lists of the stock, whose orders count rows (read through the session)."""
    return {
        "agreements": ("/agreements", r'href="/agreements/(\d+)"',
                       lambda s: s.execute(select(Agreement)).scalars().all(), {
            "agreement": lambda a: a.reference, "partner": lambda a: a.organisation.name,
            "start": lambda a: a.start_date, "end": lambda a: a.end_date, "renewal": lambda a: a.renewal.value,
            "places": _places_covered(session),
            "status": lambda a: (1, a.ended_at) if a.ended_at else (0, date.min),
        }),
        "partners": ("/partners", r'href="/partners/(\d+)/edit"', lambda s: s.execute(
            select(Organisation).where(Organisation.kind.in_(stock.STOCK_PARTNER_KINDS))).scalars().all(), {
            "name": lambda o: o.name, "kind": lambda o: o.kind.value,
            "town": lambda o: o.town.name if o.town else None,
            "places": _partner_counts(session, Place.organisation_id, Place.active),
            "agreements": _partner_counts(session, Agreement.organisation_id, Agreement.ended_at.is_(None)),
            "status": lambda o: 0 if o.active else 1,
        }),
        "vacancies": ("/places/vacancies", r'href="/places/(\d+)"', lambda s: s.execute(
            select(Place).where(Place.state.in_(PLACE_MACHINE.tagged(Tag.ALLOCATABLE)), Place.active)
        ).scalars().all(), {
            "reference": lambda p: p.reference, "kind": lambda p: p.kind.value, "town": lambda p: p.town.name,
            "landlord": lambda p: p.organisation.name, "since": lambda p: p.vacant_since,
            "days": lambda p: -p.vacant_since.toordinal() if p.vacant_since else None,  # the earliest, the longest
        }),
    }


STOCK_LISTS = ("agreements", "partners", "vacancies")
SORTS: dict[str, Mapping[str, Any]] = {
    "cases": cases.CASE_SORTS, "places": reference.PLACE_SORTS, "deposits": treasury_reports.DEPOSIT_SORTS,
    "hearings": hearings.HEARING_SORTS, "agreements": stock.AGREEMENT_SORTS, "partners": stock.PARTNER_SORTS,
    "vacancies": stock.VACANCY_SORTS,
}


def a_list(session: Session, name: str) -> tuple[str, str, Callable[[Session], Sequence[Any]], dict[str, Key]]:
    return LISTS[name] if name in LISTS else _stock_lists(session)[name]


def ids_in(html: str, link: str) -> list[int]:
    """The records the page's list shows, in order (the list: the table of class "list")."""
    start = html.index('<table class="list"')
    table = html[html.index("<tbody>", start):html.index("</tbody>", start)]
    return [int(found) for found in re.findall(link, table)]


def ids_shown(client: FlaskClient, path: str, link: str) -> list[int]:
    return ids_in(client.get(path).get_data(as_text=True), link)


def expected(values: list[Any], descending: bool) -> list[Any]:
    """Values in order, empty ones last whichever the direction (ties in any order: values are compared)."""
    present = sorted((value for value in values if value is not None), reverse=descending)
    return present + [None] * (len(values) - len(present))


@pytest.mark.parametrize("name", [*LISTS, *STOCK_LISTS])
def test_each_list_sorts_by_each_of_its_columns_both_ways(
    client: FlaskClient, session: Session, world: World, name: str
) -> None:
    seed(session, world)
    path, link, rows, keys = a_list(session, name)
    assert set(keys) == set(SORTS[name]), "every key the service offers is checked here"
    by_id = {row.id: row for row in rows(session)}
    login(client, "coordinator")
    for key, value in keys.items():
        for descending in (False, True):
            shown = ids_shown(client, f"{path}?sort={'-' if descending else ''}{key}", link)
            assert sorted(shown) == sorted(by_id), (name, key)
            values = [value(by_id[row_id]) for row_id in shown]
            assert values == expected(values, descending), (name, key, descending, values)
            assert values != expected(values, not descending), (name, key, "the seed does not tell the two apart")


@pytest.mark.parametrize("name", [*LISTS, *STOCK_LISTS])
def test_an_unknown_sort_key_leaves_the_list_in_its_own_order(
    client: FlaskClient, session: Session, world: World, name: str
) -> None:
    seed(session, world)
    path, link, _rows, _keys = a_list(session, name)
    login(client, "coordinator")
    default = ids_shown(client, path, link)
    for bad in ("nope", "-", "--state", "state;drop", "-" * 5000, "id", "__class__", "STATE"):
        response = client.get(path, query_string={"sort": bad})
        assert response.status_code == 200
        html = response.get_data(as_text=True)
        assert ids_in(html, link) == default, bad
        assert "aria-sort" not in html and 'name="sort"' not in html


def test_the_sorted_column_says_its_direction_and_its_header_turns_it_round(
    client: FlaskClient, session: Session, world: World
) -> None:
    seed(session, world)
    login(client, "coordinator")
    html = unescape(client.get("/cases?sort=due&state=scheduled").get_data(as_text=True))
    header = re.search(r'<th scope="col" aria-sort="ascending">(.*?)</th>', html, re.S)
    assert header is not None and "trié par ordre croissant" in header.group(1)
    assert 'href="/cases?state=scheduled&sort=-due"' in header.group(1)
    assert html.count("aria-sort=") == 1
    html = unescape(client.get("/cases?sort=-due").get_data(as_text=True))
    assert 'aria-sort="descending"' in html and "trié par ordre décroissant" in html
    assert 'href="/cases?sort=due"' in html  # the header sorts the other way round
    assert '<input type="hidden" name="sort" value="-due">' in html  # a new filter keeps the order


def test_filters_and_order_survive_paging(client: FlaskClient, session: Session, world: World) -> None:
    grow(session, world, 60, "g")
    login(client, "coordinator")
    html = unescape(client.get("/cases?state=submitted&sort=-person").get_data(as_text=True))
    assert 'href="/cases?page=2&state=submitted&sort=-person" rel="next"' in html
    html = unescape(client.get("/places?kind=apartment&sort=-rent").get_data(as_text=True))
    assert 'href="/places?page=2&kind=apartment&sort=-rent" rel="next"' in html
    # Page two, sorted, continues page one: together they are the whole list in order.
    first = ids_shown(client, "/places?kind=apartment&sort=reference", r'href="/places/(\d+)"')
    second = ids_shown(client, "/places?kind=apartment&sort=reference&page=2", r'href="/places/(\d+)"')
    names = {place.id: place.reference for place in session.execute(select(Place)).scalars()}
    together = [names[place_id] for place_id in first + second]
    assert together == sorted(together) and len(together) == 62


def test_the_agreements_keep_their_filters_and_order_from_page_to_page(
    client: FlaskClient, session: Session, world: World
) -> None:
    seed(session, world)
    session.add_all([
        Agreement(organisation_id=world.landlord_a.id, reference=f"G-{(n * 37) % 60:03d}",
                  title="Convention", start_date=date(2020, 1, 1), end_date=date(2030, 1 + n % 12, 1),
                  renewal=Renewal.TACIT, notice_months=3)
        for n in range(60)
    ])
    session.commit()
    login(client, "coordinator")
    partner = world.landlord_a.id
    html = unescape(client.get(f"/agreements?partner={partner}&status=in_force&sort=-end").get_data(as_text=True))
    assert f'href="/agreements?page=2&partner={partner}&status=in_force&sort=-end" rel="next"' in html
    assert '<input type="hidden" name="sort" value="-end">' in html
    assert f'href="/agreements?partner={partner}&status=in_force&sort=end"' in html  # the header turns it round
    # Page two, sorted, continues page one: together they are the whole list in order.
    first = ids_shown(client, "/agreements?sort=-agreement", r'href="/agreements/(\d+)"')
    second = ids_shown(client, "/agreements?sort=-agreement&page=2", r'href="/agreements/(\d+)"')
    names = {agreement.id: agreement.reference for agreement in session.execute(select(Agreement)).scalars()}
    together = [names[agreement_id] for agreement_id in first + second]
    assert together == sorted(together, reverse=True) and len(together) == 63 and len(first) == 50


def test_the_stock_lists_keep_their_filters_in_the_headers(
    client: FlaskClient, session: Session, world: World
) -> None:
    seed(session, world)
    login(client, "coordinator")
    html = unescape(client.get("/partners?kind=landlord&status=active&sort=places").get_data(as_text=True))
    assert 'href="/partners?kind=landlord&status=active&sort=-places"' in html
    assert 'href="/partners?kind=landlord&status=active&sort=name"' in html
    assert ids_in(html, r'href="/partners/(\d+)/edit"') and "Foyer Les Tilleuls" not in html.split("<tbody>")[1]
    town = world.towns["Ronchin"].id
    html = unescape(client.get(f"/places/vacancies?kind=apartment&town={town}&sort=-days").get_data(as_text=True))
    assert f'href="/places/vacancies?kind=apartment&town={town}&sort=days"' in html
    assert '<input type="hidden" name="sort" value="-days">' in html
    shown = ids_in(html, r'href="/places/(\d+)"')
    assert shown == [world.place_a.id, next(p.id for p in session.execute(select(Place)).scalars()
                                              if p.reference == "APP-012")]  # the longest vacant last


@pytest.mark.parametrize("name", STOCK_LISTS)
def test_sorting_and_filtering_a_stock_list_costs_no_query(
    client: FlaskClient, engine: Engine, session: Session, world: World, name: str
) -> None:
    seed(session, world)
    path = a_list(session, name)[0]
    filters = {"agreements": "status=ended", "partners": "kind=landlord&status=active", "vacancies": "kind=apartment"}
    login(client, "coordinator")
    with count_queries(engine) as plain:
        assert client.get(path).status_code == 200
    for key in SORTS[name]:
        with count_queries(engine) as sorted_:
            assert client.get(f"{path}?sort=-{key}&{filters[name]}").status_code == 200
        assert len(sorted_) == len(plain), (name, key)


@pytest.mark.parametrize("machine", MACHINES.values(), ids=MACHINES.keys())
def test_every_state_has_a_badge_meaning(machine: MachineSpec) -> None:
    missing = [spec.name for spec in machine.states if not isinstance(spec.tone, Tone)]
    assert not missing, f"give these states of the {machine.name} machine a tone: {missing}"


def test_badges_carry_words_and_their_meaning(client: FlaskClient, session: Session, world: World) -> None:
    seed(session, world)
    login(client, "coordinator")
    html = client.get("/cases").get_data(as_text=True)
    assert '<span class="state badge badge-ended" data-state="refused">Refusé</span>' in html
    assert '<span class="state badge badge-attention" data-state="incomplete">Incomplet</span>' in html
    for path in ("/places", "/treasury/deposits", "/hearings", "/agreements", "/partners"):
        html = client.get(path).get_data(as_text=True)
        badges = re.findall(r'class="state badge badge-(\w+)" data-state="\w+">([^<]*)</span>', html)
        assert badges and all(tone in {t.value for t in Tone} and words.strip() for tone, words in badges), path


def test_a_file_says_what_it_waits_for_never_a_step_to_take(
    client: FlaskClient, session: Session, world: World
) -> None:
    seed(session, world)
    login(client, "coordinator")
    html = unescape(client.get("/cases").get_data(as_text=True))
    assert "Attend la commission du 18 mars 2026" in html
    assert "À compléter par l'équipe soignante" in html
    assert "Retirer de l'ordre du jour" not in html
    step_labels = {transition.label for machine in MACHINES.values() for transition in machine.transitions}
    for spec in CASE_MACHINE.states:
        if spec.awaits is not None:
            assert {spec.awaits.phrase, spec.awaits.dated} & step_labels == set(), spec.name
        else:
            assert spec.final, f"{spec.name}: a file still moving waits for something"


@pytest.fixture
def isolation() -> str:
    """The tests go through ``session`` and ``client`` only: on PostgreSQL, the scenario's own database in a
    transaction rolled back at the end, rather than a copy of it (see conftest's ``isolation``)."""
    return "rollback" if is_postgres() else "copy"
