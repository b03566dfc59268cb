"""The hearing's pages as their users meet them: the coordinator prepares, the chair runs the session."""

from __future__ import annotations

import io
import re
import zipfile
from datetime import date

import vobject
from flask import Flask
from flask.testing import FlaskClient
from pypdf import PdfReader
from sqlalchemy import select
from sqlalchemy.orm import Session

from commission import clock
from commission.config import Settings
from commission.models import AgendaItem, Case, Hearing, Minutes
from commission.services import hearings
from commission.storage import DocumentStore
from tests.cases_helpers import TODAY
from tests.conftest import World, fresh, login, post_form
from tests.hearings_helpers import HEARING_DAY, attendance_of, closed, plan, ready_case, sitting

HOSTILE_FIRST = "<script>alert(1)</script>"
HOSTILE_LAST = '<img src="file:///etc/passwd">' + "x" * 3000


def pdf_text(data: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)


def test_the_coordinator_plans_builds_the_agenda_and_convenes(client: FlaskClient, session: Session,
                                                               world: World) -> None:
    ada = ready_case(session, world, "Ada")
    login(client, "coordinator")
    page = client.get("/hearings/new?year=2026&quarter=1").get_data(as_text=True)
    assert 'value="2026-03-19"' in page
    response = post_form(client, "/hearings/new", {
        "day": "2026-03-19", "start_time": "14:00", "town_id": str(world.towns["Ronchin"].id), "venue": "Salle",
        "address": "Mairie", "chair_id": str(world.users["chair"].id), "quorum": "2", "slot_minutes": "20",
    })
    assert response.status_code == 302
    hearing = session.execute(select(Hearing)).scalar_one()
    html = client.get(f"/hearings/{hearing.id}").get_data(as_text=True)
    assert "Ada Martin" in html and "Mettre les 1 au programme" not in html  # a sentence in French, not this one
    with clock.travel(TODAY):
        assert post_form(client, f"/hearings/{hearing.id}/agenda/build", {"version": str(hearing.version)},
                         form_page=f"/hearings/{hearing.id}").status_code == 302
    fresh(session)
    assert [item.case_id for item in hearing.items] == [ada.id]
    with clock.travel(TODAY):
        response = post_form(client, f"/hearings/{hearing.id}/steps/convene", {"version": str(hearing.version)},
                             form_page=f"/hearings/{hearing.id}")
    assert response.status_code == 302
    fresh(session)
    assert hearing.state == "convened" and hearing.attendances

    # convocations: letters as PDF, invitations that another library reads
    letters = client.get(f"/hearings/{hearing.id}/convocations.pdf")
    assert letters.status_code == 200 and letters.mimetype == "application/pdf"
    assert "Ada Martin" in pdf_text(letters.data)
    archive = zipfile.ZipFile(io.BytesIO(client.get(f"/hearings/{hearing.id}/invitations.zip").data))
    assert len(archive.namelist()) == len(hearing.attendances) + 2  # members, the person, the care team
    for name in archive.namelist():
        event = vobject.readOne(archive.read(name).decode()).vevent
        assert event.dtstart.value.date() == HEARING_DAY
        assert event.dtstart.value.tzinfo is not None
        assert "Ronchin" in event.location.value


def test_invalid_plans_are_refused_with_their_reasons(client: FlaskClient, session: Session, world: World) -> None:
    login(client, "coordinator")
    response = post_form(client, "/hearings/new", {"day": "19/03/2026", "start_time": "deux heures",
                                                   "town_id": "999", "quorum": "0", "slot_minutes": "20"})
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert "Ce n’est pas une date" in html or "n'est pas une date" in html or "date" in html
    assert session.execute(select(Hearing)).first() is None


def test_the_chair_runs_the_session(client: FlaskClient, session: Session, world: World) -> None:
    s = sitting(session, world, ["Ada", "Bea"])
    hearing = s.hearing
    login(client, "chair")
    html = client.get(f"/hearings/{hearing.id}/session").get_data(as_text=True)
    assert "Quorum atteint" in html
    first, second = hearing.items
    page = f"/hearings/{hearing.id}/session/items/{first.id}"
    html = client.get(page).get_data(as_text=True)
    assert "Ada Martin" in html and "médical" in html  # "never shown at the hearing"
    assert "diagnos" not in html.lower()
    chair_seat = attendance_of(hearing, world.users["chair"].id)
    # a refusal without a reason: the form comes back with the message, nothing changes
    response = post_form(client, page, {"decision": "refuse", "reason": ""}, form_page=page)
    assert response.status_code == 400
    assert "motif" in response.get_data(as_text=True).lower()
    fresh(session)
    assert session.get(Case, s.cases[0].id).state == "scheduled"  # type: ignore[union-attr]
    # the chair recused and voting: refused
    response = post_form(client, page, {"decision": "waiting_list", f"vote-{chair_seat}": "in_favour",
                                        f"recused-{chair_seat}": "y"}, form_page=page)
    assert response.status_code == 400
    # a decision, then on to the next item
    response = post_form(client, page, {"decision": "allocate", "place_id": str(world.place_a.id),
                                        "reason": "Fits", "attended": "yes", f"vote-{chair_seat}": "in_favour"},
                         form_page=page)
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/session/items/{second.id}")
    fresh(session)
    assert session.get(Case, s.cases[0].id).state == "allocated"  # type: ignore[union-attr]


def test_signed_minutes_cannot_be_changed_through_any_page(app: Flask, session: Session, world: World,
                                                           settings: Settings) -> None:
    hearing = closed(session, world, "Ada", HEARING_DAY, signed_in=DocumentStore(settings.instance_path / "documents"))
    minutes = session.execute(select(Minutes).where(Minutes.hearing_id == hearing.id)).scalar_one()
    before = (minutes.remarks, minutes.pdf_sha256, minutes.version_counter)
    for role in ("coordinator", "chair"):
        client = app.test_client()
        login(client, role)
        response = post_form(client, f"/hearings/{hearing.id}/minutes",
                             {"remarks": "Rewritten", "movements": "", "version": str(minutes.version_counter)},
                             form_page=f"/hearings/{hearing.id}/minutes")
        assert response.status_code == 302
        for trigger in ("approve_minutes", "sign_minutes", "close"):
            post_form(client, f"/hearings/{hearing.id}/steps/{trigger}", {}, form_page=f"/hearings/{hearing.id}")
    fresh(session)
    after = session.get(Minutes, minutes.id)
    assert after is not None and (after.remarks, after.pdf_sha256, after.version_counter) == before
    # the signed PDF is served as it was signed, to everyone; the redacted one to those without a seat
    client = app.test_client()
    login(client, "care_b")
    redacted = client.get(f"/hearings/{hearing.id}/minutes.pdf")
    assert redacted.status_code == 200
    assert "Ada Martin" not in pdf_text(redacted.data)


def test_a_care_team_reads_only_its_own_people_on_the_agenda(client: FlaskClient, session: Session,
                                                             world: World) -> None:
    ready_case(session, world, "Ada")  # care_a's team
    bea = ready_case(session, world, "Bea", actor="care_b")
    hearing = plan(session, world)
    hearings.build_agenda(session, world.users["coordinator"], hearing.id, hearing.version, today=TODAY)
    login(client, "care_b")
    html = client.get(f"/hearings/{hearing.id}").get_data(as_text=True)
    assert "Bea Martin" in html and bea.reference in html
    assert "Ada Martin" not in html and "A. M." in html
    text = pdf_text(client.get(f"/hearings/{hearing.id}/agenda.pdf").data)  # the redacted agenda
    assert "Ada Martin" not in text and "Bea Martin" not in text and "A.M." in text
    # and nothing of the session
    item = session.execute(select(AgendaItem).where(AgendaItem.hearing_id == hearing.id)).scalars().first()
    assert item is not None
    assert client.get(f"/hearings/{hearing.id}/session/items/{item.id}").status_code == 403
    assert client.get(f"/hearings/{hearing.id}/convocations.pdf").status_code == 403


def test_a_hostile_name_renders_harmlessly(client: FlaskClient, session: Session, world: World,
                                           settings: Settings) -> None:
    from tests.cases_helpers import new_case, step

    case = new_case(session, world, first_name=HOSTILE_FIRST, last_name=HOSTILE_LAST)
    step(session, world.users["care_a"], case, "submit")
    step(session, world.users["coordinator"], case, "mark_ready")
    hearing = closed(session, world, "Ada", HEARING_DAY, signed_in=DocumentStore(settings.instance_path / "documents"))
    login(client, "coordinator")
    html = client.get(f"/hearings/{hearing.id}").get_data(as_text=True)
    assert "<script>alert(1)</script>" not in html and "&lt;script&gt;" in html
    assert '<img src="file:///etc/passwd">' not in html
    full = client.get(f"/hearings/{hearing.id}/minutes.pdf")
    assert full.status_code == 200
    text = pdf_text(full.data)
    assert "<script>alert(1)</script>" in text  # shown as text, literally
    assert "root:" not in text
    agenda = client.get(f"/hearings/{hearing.id}/agenda.pdf")
    assert agenda.status_code == 200 and agenda.data.startswith(b"%PDF")
    assert re.search(r"x{20}", pdf_text(agenda.data))


def test_the_hearing_pages_query_a_bounded_number_of_times(app: Flask, session: Session, world: World,
                                                           engine: object) -> None:
    from tests.web.test_query_counts import count_queries

    counts = []
    for day, size in ((date(2026, 3, 19), 3), (date(2026, 6, 18), 30)):
        names = [f"P{size}-{n}" for n in range(size)]
        hearing = sitting(session, world, names, day=day).hearing
        client = app.test_client()
        login(client, "chair")
        pages = [f"/hearings/{hearing.id}", f"/hearings/{hearing.id}/session",
                 f"/hearings/{hearing.id}/session/items/{hearing.items[0].id}", "/hearings"]
        measured = []
        for path in pages:
            with count_queries(engine) as statements:  # type: ignore[arg-type]
                assert client.get(path).status_code == 200, path
            measured.append(len(statements))
        counts.append(measured)
        for item in hearing.items:
            hearings.decide_item(session, world.users["chair"], hearing.id, item.id,
                                 hearings.DecisionInput(decision="waiting_list", reason="Favourable"), today=day)
        hearings.fire_hearing(session, world.users["chair"], hearing.id, "close", expected_version=None, today=day)
    assert counts[0] == counts[1], counts
