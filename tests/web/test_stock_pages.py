"""The stock's pages as the coordinator uses them, and as every other role meets them (refused)."""

from __future__ import annotations

import re
from datetime import date

import pytest
from flask.testing import FlaskClient
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session

from commission import clock
from commission.models import (
    Agreement,
    Applicant,
    Case,
    LeaseKind,
    Occupancy,
    Organisation,
    OrganisationKind,
    Place,
    PlaceKind,
    PlaceTransition,
    Renewal,
)
from commission.services import stock
from tests.conftest import World, fresh, login, post_form
from tests.test_stock import TODAY, agreement_input, move_in, move_out
from tests.web.test_query_counts import count_queries

OTHERS = ["care_a", "chair", "member", "treasurer", "landlord_a"]


def place_form(world: World, **overrides: str) -> dict[str, str]:
    data = {"reference": "APP-020", "kind": "apartment", "town_id": str(world.towns["Lesquin"].id),
            "address": "8 rue de la Gare", "organisation_id": str(world.landlord_a.id), "agreement_id": "",
            "rooms": "2", "surface_m2": "48", "floor": "0", "accessible": "y", "rent": "380,50", "charges": "40",
            "deposit": "380,50"}
    return {**data, **overrides}


def places_count(session: Session) -> int:
    fresh(session)
    return session.execute(select(func.count()).select_from(Place)).scalar_one()


def agreement(session: Session, world: World, **overrides: object) -> Agreement:
    return stock.create_agreement(session, world.users["coordinator"], agreement_input(world, **overrides))


# ---------------------------------------------------------------- who may open what


def management_pages(session: Session, world: World) -> list[str]:
    convention = agreement(session, world)
    return [
        "/places/new", f"/places/{world.place_a.id}/edit", "/places/vacancies", "/partners", "/partners/new",
        f"/partners/{world.landlord_a.id}/edit", "/agreements", "/agreements/new", f"/agreements/{convention.id}",
        f"/agreements/{convention.id}/edit",
    ]


def test_the_coordinator_opens_every_stock_page(client: FlaskClient, session: Session, world: World) -> None:
    login(client, "coordinator")
    for path in management_pages(session, world):
        assert client.get(path).status_code == 200, path
    html = client.get("/").get_data(as_text=True)
    assert 'href="/agreements"' in html and 'href="/partners"' in html and 'href="/places/vacancies"' in html


@pytest.mark.parametrize("role", OTHERS)
def test_other_roles_are_refused_the_stock_pages(client: FlaskClient, session: Session, world: World,
                                                 role: str) -> None:
    login(client, role)
    for path in management_pages(session, world):
        assert client.get(path).status_code == 403, (role, path)
    html = client.get("/").get_data(as_text=True)
    assert 'href="/agreements"' not in html and 'href="/partners"' not in html


@pytest.mark.parametrize("role", OTHERS)
def test_other_roles_cannot_act_on_the_stock(client: FlaskClient, session: Session, world: World,
                                             role: str) -> None:
    convention = agreement(session, world)
    place_id, version = world.place_a.id, str(world.place_a.version)
    login(client, role)
    actions = [
        ("/places/new", place_form(world)),
        (f"/places/{place_id}/edit", place_form(world, version=version)),
        (f"/places/{place_id}/steps/withdraw", {"reason": "Works", "version": version}),
        ("/partners/new", {"name": "Foyer", "kind": "hostel"}),
        (f"/partners/{world.landlord_b.id}/active", {"active": "0"}),
        (f"/agreements/{convention.id}/places", {"place_ids": str(place_id)}),
        (f"/agreements/{convention.id}/end", {"ended_on": "2026-03-01"}),
    ]
    for path, data in actions:
        assert post_form(client, path, data, form_page="/").status_code == 403, (role, path)
    fresh(session)
    assert world.place_a.state == "available" and world.place_a.agreement_id is None
    assert world.landlord_b.active and convention.ended_at is None and places_count(session) == 2


def test_anonymous_visitors_are_sent_to_login(client: FlaskClient, session: Session, world: World) -> None:
    for path in management_pages(session, world):
        response = client.get(path)
        assert response.status_code == 302 and response.headers["Location"].startswith("/login"), path


def test_landlords_see_their_own_places_and_nobody_living_there(client: FlaskClient, session: Session,
                                                                world: World) -> None:
    move_in(session, world, world.place_a, date(2025, 4, 1), "Ada")
    login(client, "landlord_a")
    listing = client.get("/places").get_data(as_text=True)
    assert world.place_a.reference in listing and world.place_b.reference not in listing
    assert 'data-state="occupied"' in listing
    page = client.get(f"/places/{world.place_a.id}")
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and 'data-state="occupied"' in html
    assert "Ada" not in html and "Martin" not in html and "/cases/" not in html
    assert "/steps/" not in html and f"/places/{world.place_a.id}/edit" not in html
    assert client.get(f"/places/{world.place_b.id}").status_code == 403
    coordinator = client.application.test_client()
    login(coordinator, "coordinator")
    assert "Ada Martin" in coordinator.get(f"/places/{world.place_a.id}").get_data(as_text=True)


# ---------------------------------------------------------------- places


def test_the_coordinator_adds_a_place(client: FlaskClient, session: Session, world: World) -> None:
    login(client, "coordinator")
    assert client.get("/places").get_data(as_text=True).count('href="/places/new"') == 1
    with clock.travel(TODAY):
        response = post_form(client, "/places/new", place_form(world), form_page="/places/new")
    assert response.status_code == 302
    place = session.execute(select(Place).where(Place.reference == "APP-020")).scalar_one()
    assert (place.rent_cents, place.charges_cents, place.accessible, place.vacant_since) == (38050, 4000, True, TODAY)
    assert response.headers["Location"] == f"/places/{place.id}"


def test_bad_input_shows_the_form_again_with_its_messages(client: FlaskClient, session: Session,
                                                           world: World) -> None:
    login(client, "coordinator")
    response = post_form(client, "/places/new", place_form(world, reference="APP-001", rent="-3", charges="beaucoup",
                                                           rooms="two"), form_page="/places/new")
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    for name in ("reference", "rent", "charges", "rooms"):
        assert f'id="{name}-error"' in html, name
        assert re.search(rf'id="{name}"[^>]*aria-invalid="true"|aria-invalid="true"[^>]*id="{name}"', html), name
    assert 'value="beaucoup"' in html  # what was typed is kept
    assert places_count(session) == 2


def test_the_coordinator_edits_a_place_and_a_stale_form_is_refused(client: FlaskClient, session: Session,
                                                                  world: World) -> None:
    login(client, "coordinator")
    path = f"/places/{world.place_a.id}/edit"
    page = client.get(path).get_data(as_text=True)
    assert 'value="300,00"' in page and f'name="version" type="hidden" value="{world.place_a.version}"' in page
    stale = str(world.place_a.version)
    assert post_form(client, path, place_form(world, reference="APP-001", rent="310", version=stale)).status_code \
        == 302
    response = post_form(client, path, place_form(world, reference="APP-001", rent="320", version=stale))
    assert response.status_code == 409
    fresh(session)
    assert world.place_a.rent_cents == 31000 and world.place_a.town_id == world.towns["Lesquin"].id


def test_steps_on_the_place_page(client: FlaskClient, session: Session, world: World) -> None:
    login(client, "coordinator")
    path = f"/places/{world.place_a.id}"
    html = client.get(path).get_data(as_text=True)
    assert f"{path}/steps/withdraw" in html and f"{path}/steps/reinstate" not in html
    version = str(world.place_a.version)
    response = post_form(client, f"{path}/steps/withdraw", {"reason": "  ", "version": version}, form_page=path)
    assert response.status_code == 400
    assert 'id="reason-withdraw-error"' in response.get_data(as_text=True)
    fresh(session)
    assert world.place_a.state == "available"
    with clock.travel(TODAY):
        response = post_form(client, f"{path}/steps/withdraw", {"reason": "Asbestos works", "version": version},
                             form_page=path)
    assert response.status_code == 302
    fresh(session)
    assert world.place_a.state == "withdrawn"
    html = client.get(path).get_data(as_text=True)
    assert "Asbestos works" in html and f"{path}/steps/reinstate" in html
    response = post_form(client, f"{path}/steps/reinstate", {"version": version}, form_page=path)
    assert response.status_code == 409  # the page the form came from was seen before the withdrawal
    with clock.travel(TODAY):
        response = post_form(client, f"{path}/steps/reinstate", {"version": str(world.place_a.version)},
                             form_page=path)
    assert response.status_code == 302
    fresh(session)
    assert world.place_a.state == "available"
    assert client.post(f"{path}/steps/occupy").status_code in (400, 404)


def test_an_occupied_place_cannot_be_withdrawn_from_its_page(client: FlaskClient, session: Session,
                                                             world: World) -> None:
    move_in(session, world, world.place_a, date(2025, 4, 1))
    login(client, "coordinator")
    path = f"/places/{world.place_a.id}"
    assert f"{path}/steps/withdraw" not in client.get(path).get_data(as_text=True)
    response = post_form(client, f"{path}/steps/withdraw", {"reason": "x", "version": str(world.place_a.version)},
                         form_page=path)
    assert response.status_code == 409
    fresh(session)
    assert world.place_a.state == "occupied"


def test_after_the_exit_the_inventory_makes_the_place_available(client: FlaskClient, session: Session,
                                                              world: World) -> None:
    tenancy = move_in(session, world, world.place_a, date(2025, 4, 1))
    move_out(session, world, world.place_a, tenancy, date(2026, 2, 1))
    login(client, "coordinator")
    path = f"/places/{world.place_a.id}"
    fresh(session)
    version = str(world.place_a.version)
    response = post_form(client, f"{path}/steps/make_available", {"inventory": "", "version": version},
                         form_page=path)
    assert response.status_code == 400 and 'id="inventory-make_available-error"' in response.get_data(as_text=True)
    with clock.travel(TODAY):
        response = post_form(client, f"{path}/steps/make_available",
                             {"inventory": "Kitchen repainted", "version": version}, form_page=path)
    assert response.status_code == 302
    fresh(session)
    assert (world.place_a.state, world.place_a.vacant_since) == ("available", TODAY)
    assert "Kitchen repainted" in client.get(path).get_data(as_text=True)


def test_the_vacancy_page(client: FlaskClient, session: Session, world: World) -> None:
    session.execute(Place.__table__.update().where(Place.id == world.place_a.id).values(vacant_since=date(2026, 1, 1)))
    session.commit()
    login(client, "coordinator")
    with clock.travel(TODAY):
        html = client.get("/places/vacancies").get_data(as_text=True)
    assert world.place_a.reference in html and ">60<" in html  # 1 January to 2 March


# ---------------------------------------------------------------- partners


def test_partners_are_added_edited_and_deactivated(client: FlaskClient, session: Session, world: World) -> None:
    login(client, "coordinator")
    response = post_form(client, "/partners/new", {"name": "Foyer Les Tilleuls", "kind": "hostel", "town_id": "",
                                                   "address": "", "phone": "", "email": "foyer@example.org"})
    assert response.status_code == 302
    hostel = session.execute(select(Organisation).where(Organisation.name == "Foyer Les Tilleuls")).scalar_one()
    assert hostel.kind is OrganisationKind.HOSTEL
    response = post_form(client, "/partners/new", {"name": "habitat a", "kind": "hospital", "email": "x"},
                         form_page="/partners/new")
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert 'id="name-error"' in html and 'id="kind-error"' in html and 'id="email-error"' in html
    path = f"/partners/{hostel.id}/edit"
    edit = {"name": "Foyer Les Tilleuls", "kind": "residence", "phone": "03 20 00 00 00",
            "version": str(hostel.version)}
    assert post_form(client, path, edit).status_code == 302
    # the same page sent again, after that change: the partner changed meanwhile, nothing is written
    stale = post_form(client, path, {**edit, "phone": "03 20 99 99 99"})
    assert stale.status_code == 409 and "entre-temps" in stale.get_data(as_text=True)
    listing = client.get("/partners").get_data(as_text=True)
    assert "Foyer Les Tilleuls" in listing and "EPSM" not in listing
    post_form(client, f"/partners/{world.landlord_b.id}/active", {"active": "0"}, form_page="/partners")
    fresh(session)
    assert world.landlord_b.active  # it still has a place in the stock
    assert post_form(client, f"/partners/{hostel.id}/active", {"active": "0"}, form_page="/partners"
                     ).status_code == 302
    fresh(session)
    assert not hostel.active and hostel.kind is OrganisationKind.RESIDENCE and hostel.phone == "03 20 00 00 00"


# ---------------------------------------------------------------- agreements


def test_an_agreement_is_recorded_covers_places_and_ends(client: FlaskClient, session: Session,
                                                          world: World) -> None:
    login(client, "coordinator")
    response = post_form(client, "/agreements/new", {
        "organisation_id": str(world.landlord_a.id), "reference": "CONV-A", "title": "Convention Habitat A",
        "start_date": "2023-01-01", "end_date": "2026-06-30", "renewal": "tacit", "notice_months": "3", "notes": "",
    })
    assert response.status_code == 302
    convention = session.execute(select(Agreement).where(Agreement.reference == "CONV-A")).scalar_one()
    assert convention.renewal is Renewal.TACIT
    path = f"/agreements/{convention.id}"
    html = client.get(path).get_data(as_text=True)
    assert f'name="place_ids" value="{world.place_a.id}"' in html
    assert f'value="{world.place_b.id}"' not in html  # another landlord's
    response = post_form(client, f"{path}/places", {}, form_page=path)
    assert response.status_code == 400 and 'id="place_ids-error"' in response.get_data(as_text=True)
    assert post_form(client, f"{path}/places", {"place_ids": str(world.place_a.id)}, form_page=path
                     ).status_code == 302
    with clock.travel(TODAY):
        listing = client.get("/agreements").get_data(as_text=True)
    renew = listing.split('id="renew-title"')[1].split('id="all-title"')[0]
    assert "CONV-A" in renew  # notice by 30 March 2026
    with clock.travel(TODAY):
        response = post_form(client, f"{path}/end", {"ended_on": "2027-01-01"}, form_page=path)
    assert response.status_code == 400 and 'id="ended_on-error"' in response.get_data(as_text=True)
    fresh(session)
    assert convention.ended_at is None and world.place_a.state == "available"
    with clock.travel(TODAY):
        response = post_form(client, f"{path}/end", {"ended_on": "2026-03-01", "note": "Not renewed"},
                             form_page=path)
    assert response.status_code == 302
    fresh(session)
    assert convention.ended_at == date(2026, 3, 1)
    assert (world.place_a.state, world.place_a.active) == ("withdrawn", False)
    html = client.get(path).get_data(as_text=True)
    assert 'data-state="withdrawn"' in html and f"{path}/end" not in html
    assert client.get(f"{path}/edit").status_code == 302  # an ended agreement is kept as it was


def test_bad_agreements_are_refused_with_their_messages(client: FlaskClient, session: Session,
                                                        world: World) -> None:
    login(client, "coordinator")
    response = post_form(client, "/agreements/new", {
        "organisation_id": "", "reference": "", "title": "", "start_date": "2026-05-01", "end_date": "2026-01-01",
        "renewal": "tacit", "notice_months": "trois",
    })
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    for name in ("organisation_id", "reference", "title", "end_date", "notice_months"):
        assert f'id="{name}-error"' in html, name
    fresh(session)
    assert session.execute(select(func.count()).select_from(Agreement)).scalar_one() == 0


# ---------------------------------------------------------------- queries


def grow_stock(session: Session, world: World, count: int, tag: str) -> None:
    """Agreements with places, and a long history on place_a: written in bulk, as volume.py does."""
    landlords = [Organisation(name=f"Bailleur {tag}{n}", kind=OrganisationKind.LANDLORD) for n in range(count // 5 + 1)]
    session.add_all(landlords)
    session.flush()
    for n in range(count):
        landlord = landlords[n % len(landlords)]
        convention = Agreement(organisation_id=landlord.id, reference=f"C-{tag}-{n:05d}", title="Convention",
                               start_date=date(2020, 1, 1), end_date=date(2026, 1 + n % 12, 1),
                               renewal=Renewal.TACIT if n % 2 else Renewal.EXPLICIT, notice_months=3)
        session.add(convention)
        session.flush()
        session.add(Place(reference=f"{tag}-{n:05d}", kind=PlaceKind.APARTMENT, town_id=world.towns["Ronchin"].id,
                          address=f"{n} rue", organisation_id=landlord.id, rooms=1, rent_cents=1, charges_cents=1,
                          deposit_cents=1, agreement_id=convention.id))
        applicant = Applicant(first_name=f"P{tag}{n}", last_name="Volume", birth_date=date(1980, 1, 1),
                              care_team_id=world.team_a.id)
        case = Case(applicant=applicant, care_team_id=world.team_a.id, state="closed",
                    requested_kind=PlaceKind.APARTMENT)
        session.add(case)
        session.flush()
        start = date(2000 + n % 20, 1 + n % 12, 1)
        session.add(Occupancy(place_id=world.place_a.id, case_id=case.id, lease_kind=LeaseKind.SUBLEASE,
                              lease_start=start, move_in_date=start, ended_on=start))
        session.add(PlaceTransition(place_id=world.place_a.id, place_version=10_000 + n + (0 if tag == "s" else 5000),
                                    actor_name="Volume", trigger="withdraw", from_state="available",
                                    to_state="withdrawn", reason="Volume"))
    session.commit()


@pytest.mark.parametrize("path", ["/agreements", "/places/{place}", "/partners", "/places/vacancies"])
def test_stock_pages_query_a_bounded_number_of_times(client: FlaskClient, engine: Engine, session: Session,
                                                     world: World, path: str) -> None:
    login(client, "coordinator")
    path = path.format(place=world.place_a.id)
    grow_stock(session, world, 10, "s")
    with clock.travel(TODAY), count_queries(engine) as small:
        assert client.get(path).status_code == 200
    grow_stock(session, world, 300, "l")
    with clock.travel(TODAY), count_queries(engine) as large:
        assert client.get(path).status_code == 200
    assert len(large) == len(small), (path, len(small), len(large))
    assert len(large) <= 12, (path, large)
