"""The search box and its results page: each result a link to its page, the query kept, nothing of a file
shown to whoever may not open it."""

from __future__ import annotations

from flask.testing import FlaskClient
from sqlalchemy.orm import Session

from commission.models import Case
from tests.cases_helpers import new_case
from tests.conftest import World, login


def test_the_page_without_a_query_is_an_empty_form(client: FlaskClient, world: World) -> None:
    login(client, "member")
    page = client.get("/search").get_data(as_text=True)
    assert 'role="search"' in page and 'name="q"' in page
    assert "No result" not in page


def test_every_page_carries_the_search_box_for_staff_only(client: FlaskClient, world: World) -> None:
    login(client, "care_a")
    assert 'action="/search"' in client.get("/").get_data(as_text=True)
    client.post("/logout", data={})
    other = client.application.test_client()
    login(other, "dpo")
    assert 'action="/search"' not in other.get("/").get_data(as_text=True)
    assert other.get("/search?q=habitat").status_code == 403


def test_results_link_to_their_pages_and_keep_the_query(client: FlaskClient, session: Session,
                                                        world: World) -> None:
    case: Case = new_case(session, world, first_name="Léa", last_name="Déschamps")
    login(client, "coordinator")
    response = client.get("/search?q=dechamps")
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert f'href="/cases/{case.id}"' in page and "Léa Déschamps" in page and case.reference in page
    assert 'value="dechamps"' in page
    page = client.get("/search?q=pasteur").get_data(as_text=True)
    assert f'href="/places/{world.place_a.id}"' in page and f'href="/places/{world.place_b.id}"' in page
    page = client.get("/search?q=Habitat").get_data(as_text=True)
    assert f'href="/partners/{world.landlord_a.id}/edit"' in page


def test_no_result_and_a_query_too_short(client: FlaskClient, world: World) -> None:
    login(client, "coordinator")
    client.get("/?lang=en")  # the assertions read the English texts
    page = client.get("/search?q=zzqqxx").get_data(as_text=True)
    assert "No result for" in page and 'value="zzqqxx"' in page
    response = client.get("/search?q=a")
    assert response.status_code == 400
    assert 'aria-invalid="true"' in response.get_data(as_text=True)


def test_another_teams_person_is_never_named(client: FlaskClient, session: Session, world: World) -> None:
    case = new_case(session, world, first_name="Léa", last_name="Déschamps")
    login(client, "care_b")
    client.get("/?lang=en")
    for query in ("deschamps", "Léa Déschamps", case.reference):
        page = client.get("/search", query_string={"q": query}).get_data(as_text=True)
        assert "Léa" not in page.replace(query, "") and f"/cases/{case.id}" not in page  # but for the query typed
        assert "No result for" in page


def test_the_list_of_files_honours_the_query(client: FlaskClient, session: Session, world: World) -> None:
    found = new_case(session, world, first_name="Léa", last_name="Déschamps")
    other = new_case(session, world, first_name="Hugo", last_name="Bernard")
    login(client, "care_a")
    page = client.get("/cases?q=deschamps").get_data(as_text=True)
    assert f'href="/cases/{found.id}"' in page and f'href="/cases/{other.id}"' not in page
