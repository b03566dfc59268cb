"""Hearings off the quarterly rhythm through the pages: planning an extraordinary hearing, moving a convened
hearing with its reason, the next quarter proposed, and the hearings on a member's home page."""

from __future__ import annotations

import io
import zipfile
from datetime import date

import vobject
from flask import Flask
from flask.testing import FlaskClient
from pypdf import PdfReader
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from commission import clock
from commission.models import Hearing, HearingMove
from commission.models.hearings import HearingKind
from commission.services import hearings
from tests.cases_helpers import TODAY
from tests.conftest import World, fresh, login, post_form
from tests.hearings_helpers import HEARING_DAY, plan, ready_case
from tests.web.test_query_counts import count_queries


def details(world: World, day: str, **overrides: str) -> dict[str, str]:
    return {"day": day, "start_time": "14:00", "town_id": str(world.towns["Ronchin"].id), "venue": "Salle",
            "address": "Mairie", "chair_id": str(world.users["chair"].id), "quorum": "2", "slot_minutes": "20",
            **overrides}


def convened(session: Session, world: World) -> Hearing:
    coordinator = world.users["coordinator"]
    ready_case(session, world, "Ada")
    hearing = plan(session, world)
    hearings.build_agenda(session, coordinator, hearing.id, None, today=TODAY)
    hearings.fire_hearing(session, coordinator, hearing.id, "convene", expected_version=None, today=TODAY)
    session.commit()
    return hearing


def test_new_proposes_the_next_quarter_without_a_hearing(client: FlaskClient, session: Session,
                                                         world: World) -> None:
    login(client, "coordinator")
    plan(session, world)  # the first quarter has its hearing
    session.commit()
    with clock.travel(TODAY):
        page = client.get("/hearings/new").get_data(as_text=True)
    assert 'value="2026-06-18"' in page and 'value="2026-03-19"' not in page
    with clock.travel(date(2026, 6, 30)):  # the second quarter's day is past
        assert 'value="2026-09-17"' in client.get("/hearings/new").get_data(as_text=True)


def test_an_extraordinary_hearing_is_planned_beside_the_ordinary_one(client: FlaskClient, session: Session,
                                                                     world: World) -> None:
    login(client, "coordinator")
    plan(session, world)
    session.commit()
    with clock.travel(TODAY):
        form = client.get("/hearings/new?kind=extraordinary").get_data(as_text=True)
    assert '<input checked id="kind-1" name="kind" type="radio" value="extraordinary">' in form
    # without its reason: refused, the error linked to the field
    response = post_form(client, "/hearings/new", details(world, "2026-03-05", kind="extraordinary"),
                         form_page="/hearings/new")
    assert response.status_code == 400 and 'href="#purpose"' in response.get_data(as_text=True)
    # a second ordinary hearing in the quarter: refused
    response = post_form(client, "/hearings/new", details(world, "2026-03-05", kind="ordinary"),
                         form_page="/hearings/new")
    assert response.status_code == 400
    response = post_form(client, "/hearings/new", details(world, "2026-03-05", kind="extraordinary",
                                                          purpose="Une place vacante en résidence"),
                         form_page="/hearings/new")
    assert response.status_code == 302
    extraordinary = session.execute(select(Hearing).where(Hearing.kind == HearingKind.EXTRAORDINARY)).scalar_one()
    assert extraordinary.quarter == 1 and extraordinary.purpose == "Une place vacante en résidence"
    listing = client.get("/hearings").get_data(as_text=True)
    assert "Commission extraordinaire" in listing and extraordinary.reference in listing
    page = client.get(f"/hearings/{extraordinary.id}").get_data(as_text=True)
    assert "Commission extraordinaire" in page and "Une place vacante en résidence" in page


def test_a_convened_hearing_moves_with_its_reason(client: FlaskClient, session: Session, world: World,
                                                  app: Flask) -> None:
    hearing = convened(session, world)
    login(client, "coordinator")
    form = client.get(f"/hearings/{hearing.id}/edit").get_data(as_text=True)
    assert 'name="reason"' in form and "required" in form.split('name="reason"')[1].split(">")[0]
    moved = details(world, "2026-04-02", version=str(hearing.version), venue="Salle des fêtes")
    with clock.travel(TODAY):
        refused = post_form(client, f"/hearings/{hearing.id}/edit", moved)
    assert refused.status_code == 400 and 'href="#reason"' in refused.get_data(as_text=True)
    fresh(session)
    assert session.get(Hearing, hearing.id).day == HEARING_DAY  # type: ignore[union-attr]
    with clock.travel(TODAY):
        response = post_form(client, f"/hearings/{hearing.id}/edit", {**moved, "reason": "Travaux à la mairie"})
    assert response.status_code == 302
    fresh(session)
    hearing = session.get(Hearing, hearing.id)  # type: ignore[assignment]
    assert hearing.day == date(2026, 4, 2) and hearing.quarter == 1 and len(hearing.items) == 1
    move = session.execute(select(HearingMove)).scalar_one()
    page = client.get(f"/hearings/{hearing.id}").get_data(as_text=True)
    assert "Travaux à la mairie" in page and "Ada Martin" in page.split('id="moves"')[1]
    # the new letters say the hearing moved; the invitations carry the raised sequence
    letters = client.get(f"/hearings/{hearing.id}/moves/{move.id}/letters.pdf")
    text = "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(letters.data)).pages)
    assert letters.status_code == 200 and "déplacée" in text and "2 avril 2026" in text
    archive = zipfile.ZipFile(io.BytesIO(client.get(f"/hearings/{hearing.id}/invitations.zip").data))
    for name in archive.namelist():
        event = vobject.readOne(archive.read(name).decode()).vevent
        assert event.dtstart.value.date() == date(2026, 4, 2) and int(event.sequence.value) == move.sequence == 1
    # a chair reads the move, not who was told
    chair = app.test_client()
    login(chair, "chair")
    page = chair.get(f"/hearings/{hearing.id}").get_data(as_text=True)
    assert "Travaux à la mairie" in page and "Ada Martin" not in page.split('id="moves"')[1]
    assert chair.get(f"/hearings/{hearing.id}/moves/{move.id}/letters.pdf").status_code == 403


def test_the_chairs_home_lists_their_hearings(client: FlaskClient, session: Session, world: World,
                                              engine: Engine) -> None:
    hearing = convened(session, world)
    later = plan(session, world, day=date(2026, 6, 18))
    session.commit()
    login(client, "chair")
    with clock.travel(TODAY):
        home = client.get("/").get_data(as_text=True)
    section = home.split('id="seats-title"')[1]
    assert section.index("19 mars 2026") < section.index("18 juin 2026")
    assert f"/hearings/{hearing.id}/agenda.pdf" in section and "1 point à l’ordre du jour" in section.replace("'", "’")
    assert "Vous la présidez" in section and f"/hearings/{later.id}" in section
    assert f"/hearings/{hearing.id}/session" not in section  # not on the day yet
    with clock.travel(HEARING_DAY):
        assert f"/hearings/{hearing.id}/session" in client.get("/").get_data(as_text=True)
    # the page's queries do not grow with the hearings
    with clock.travel(TODAY), count_queries(engine) as few:
        client.get("/")
    for quarter in (3, 4):
        plan(session, world, day=hearings.default_day(2026, quarter))
    for quarter in (1, 2):
        plan(session, world, day=hearings.default_day(2027, quarter))
    session.commit()
    with clock.travel(TODAY), count_queries(engine) as more:
        client.get("/")
    assert len(more) == len(few)
