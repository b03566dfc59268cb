"""The directory's pages: a care team adds a structure, everyone on staff finds it, prints the guide, exports it."""

from __future__ import annotations

import csv
import io

from flask.testing import FlaskClient
from openpyxl import load_workbook
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session

from commission.models import Structure
from commission.services import directory
from tests.conftest import World, login, post_form
from tests.test_directory import structure_input
from tests.web.test_query_counts import count_queries


def form(world: World, **overrides: str) -> dict[str, str]:
    return {**structure_input(world).__dict__, **overrides}


def count(session: Session) -> int:
    return session.execute(select(func.count()).select_from(Structure)).scalar_one()


def seed(session: Session, world: World, number: int, prefix: str) -> None:
    coordinator = world.users["coordinator"]
    kinds = ["cmp", "ccas", "hostel", "mutual_help_group", "prevention"]
    for index in range(number):
        directory.create_structure(session, coordinator, structure_input(
            world, name=f"{prefix} {index:04d}", kind=kinds[index % len(kinds)],
            town_id=str(world.towns["Lesquin"].id) if index % 2 else ""))
    session.commit()


def test_a_care_team_adds_a_structure_through_the_form(client: FlaskClient, session: Session, world: World) -> None:
    login(client, "care_a")
    page = client.get("/directory").get_data(as_text=True)
    assert 'href="/directory/new"' in page and 'href="/directory/guide.pdf"' in page
    assert 'href="/directory/export.csv"' in page and 'href="/directory"' in client.get("/").get_data(as_text=True)
    response = post_form(client, "/directory/new", form(world))
    assert response.status_code == 302
    structure = session.execute(select(Structure)).scalar_one()
    assert response.headers["Location"] == f"/directory/{structure.id}"
    shown = client.get(f"/directory/{structure.id}").get_data(as_text=True)
    assert "GEM L&#39;Entre-Deux" in shown and "Mme Roux" in shown
    assert f'action="/directory/{structure.id}/active"' in shown
    response = post_form(client, f"/directory/{structure.id}/edit", form(world, phone="03 20 99 99 99",
                                                                         version=str(structure.version)))
    assert response.status_code == 302
    stale = post_form(client, f"/directory/{structure.id}/edit", form(world, phone="03 20 11 11 11",
                                                                      version=str(structure.version)))
    assert stale.status_code == 409 and "03 20 11 11 11" in stale.get_data(as_text=True)  # the form is kept
    closed = post_form(client, f"/directory/{structure.id}/active", {"active": "0", "version": "2"})
    assert closed.status_code == 302
    session.rollback()
    assert session.get(Structure, structure.id).active is False  # type: ignore[union-attr]


def test_bad_input_shows_the_error_summary_and_writes_nothing(client: FlaskClient, session: Session,
                                                             world: World) -> None:
    login(client, "coordinator")
    response = post_form(client, "/directory/new", form(world, name="", kind="zoo", email="nope"))
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert 'class="error-summary"' in html
    for field in ("name", "kind", "email"):
        assert f'href="#{field}"' in html
    assert count(session) == 0


def test_readers_see_the_directory_without_the_buttons_to_edit_it(client: FlaskClient, session: Session,
                                                                  world: World) -> None:
    seed(session, world, 1, "CMP")
    login(client, "chair")
    html = client.get("/directory").get_data(as_text=True)
    assert "CMP 0000" in html and 'href="/directory/new"' not in html
    structure = session.execute(select(Structure)).scalar_one()
    html = client.get(f"/directory/{structure.id}").get_data(as_text=True)
    assert "/edit" not in html and "/active" not in html
    assert client.get("/directory/new").status_code == 403


def test_the_filters_narrow_the_list(client: FlaskClient, session: Session, world: World) -> None:
    seed(session, world, 10, "Structure")
    login(client, "member")

    def shown(query: str) -> int:
        return client.get(f"/directory?{query}").get_data(as_text=True).count('href="/directory/')

    links = shown("")
    everything = links - 3  # the list's own links: the guide, the two exports
    assert everything >= 10
    assert shown("need=care") - 3 == 2  # cmp at 0 and 5
    assert shown(f"town={world.towns['Lesquin'].id}") - 3 == 5
    assert shown("town=outside") - 3 == 5
    assert shown("text=0007") - 3 == 1
    assert shown("kind=hostel&sort=-name") - 3 == 2
    assert client.get("/directory?need=nope&town=x&status=zz&sort=zz&page=-1").status_code == 200


def test_the_guide_and_the_export_download(client: FlaskClient, session: Session, world: World) -> None:
    seed(session, world, 5, "Structure")
    login(client, "treasurer")
    guide = client.get("/directory/guide.pdf")
    assert guide.status_code == 200 and guide.mimetype == "application/pdf" and guide.data.startswith(b"%PDF")
    assert "attachment" in guide.headers["Content-Disposition"]
    one = client.get(f"/directory/guide.pdf?town={world.towns['Lesquin'].id}&need=care")
    assert one.status_code == 200 and one.data.startswith(b"%PDF")
    assert client.get("/directory/guide.pdf?town=999999").status_code == 404
    exported = client.get("/directory/export.csv")
    assert exported.status_code == 200 and exported.mimetype == "text/csv"
    rows = list(csv.reader(io.StringIO(exported.data.decode("utf-8-sig")), delimiter=";"))
    assert len(rows) == 6 and "Mme Roux" not in exported.data.decode("utf-8-sig")
    workbook = load_workbook(io.BytesIO(client.get("/directory/export.xlsx?need=care").data))
    assert workbook.active is not None and workbook.active.max_row == 2  # the header and the one CMP


def test_the_list_costs_the_same_queries_whatever_the_volume(client: FlaskClient, engine: Engine,
                                                             session: Session, world: World) -> None:
    login(client, "care_a")
    seed(session, world, 3, "Small")
    with count_queries(engine) as small:
        assert client.get("/directory?sort=town").status_code == 200
    seed(session, world, 120, "Large")
    with count_queries(engine) as large:
        assert client.get("/directory?sort=town").status_code == 200
    assert len(large) == len(small) <= 10, large
