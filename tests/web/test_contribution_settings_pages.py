"""The contribution settings page: the coordinator sets the year before the call, the treasurer reads it."""

from __future__ import annotations

from typing import Any

from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from commission.models import Organisation, OrganisationKind
from commission.models.treasury import Contribution
from commission.services import treasury
from tests.conftest import World, fresh, login, post_form

YEAR = 2025
PAGE = f"/treasury/contributions/{YEAR}/settings"


def form(session: Session, world: World, **changes: str) -> dict[str, Any]:
    hospital = session.execute(select(Organisation).where(Organisation.kind == OrganisationKind.HOSPITAL)
                               ).scalar_one()
    ronchin, lesquin, epsm = (f"town-{world.towns['Ronchin'].id}", f"town-{world.towns['Lesquin'].id}",
                              f"organisation-{hospital.id}")
    data: dict[str, Any] = {"version": "0", "rate": "0,50", "contributor": [ronchin, lesquin, epsm],
            f"base-{ronchin}": "population", f"base-{lesquin}": "population", f"base-{epsm}": "fixed",
            f"amount-{epsm}": "5 000,00"}
    data.update(changes)
    return data


def test_the_coordinator_sets_the_year_and_the_open_contributions_follow(
        client: FlaskClient, session: Session, world: World) -> None:
    treasury.contributions(session, world.users["treasurer"], YEAR)
    session.commit()
    login(client, "coordinator")
    html = client.get(f"{PAGE}?lang=en").get_data(as_text=True)
    assert "These are the default settings" in html and 'name="rate"' in html and "0,40" in html
    epsm = next(key for key in form(session, world)["contributor"] if key.startswith("organisation-"))
    response = post_form(client, f"{PAGE}?lang=en", form(session, world, rate="zéro", **{f"amount-{epsm}": ""}),
                         form_page=PAGE)
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert 'id="settings-rate-error"' in html and f'id="settings-amount-{epsm}-error"' in html
    assert "Give the fixed amount in euros." in html and f'href="#settings-amount-{epsm}"' in html
    fresh(session)
    assert {row.amount_cents for row in session.execute(select(Contribution)).scalars()} == {740000, 320000, 1060000}
    response = post_form(client, PAGE, form(session, world), form_page=PAGE)
    assert response.status_code == 302
    fresh(session)
    assert sorted(row.amount_cents for row in session.execute(select(Contribution)).scalars()) == [
        400000, 500000, 925000]
    html = client.get(f"/treasury/contributions/{YEAR}?lang=en").get_data(as_text=True)
    assert "The rate of 2025 is" in html and PAGE in html
    # a form drawn before that save is refused, with its values kept
    response = post_form(client, f"{PAGE}?lang=en", form(session, world, rate="0,70"), form_page=PAGE)
    assert response.status_code == 409 and 'value="0,70"' in response.get_data(as_text=True)


def test_the_treasurer_reads_and_the_page_locks_after_the_call(
        client: FlaskClient, session: Session, world: World) -> None:
    login(client, "treasurer")
    html = client.get(f"{PAGE}?lang=en").get_data(as_text=True)
    assert "Ronchin" in html and 'name="rate"' not in html
    assert post_form(client, PAGE, form(session, world), form_page=PAGE).status_code == 403
    first = treasury.contributions(session, world.users["treasurer"], YEAR)[0]
    treasury.call_contribution(session, world.users["treasurer"], first.id, f"{YEAR}-01-15")
    session.commit()
    coordinator = client.application.test_client()
    login(coordinator, "coordinator")
    html = coordinator.get(f"{PAGE}?lang=en").get_data(as_text=True)
    assert "its settings no longer change" in html and 'name="rate"' not in html
    response = post_form(coordinator, f"{PAGE}?lang=en", form(session, world), form_page=PAGE)
    assert response.status_code == 400 and "its settings no longer change" in response.get_data(as_text=True)
