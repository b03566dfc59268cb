"""The register of official correspondence through its pages: a member seated in the housing sub-group registers a
letter with its scan and finds the answer due on their home page; bad input is shown and writes nothing; a record
cannot be reached through another's URL."""

from __future__ import annotations

import re
from datetime import timedelta

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from commission import clock
from commission.models import OfficialMail, OfficialMailDocument
from commission.services import accounts
from commission.web.i18n import locale_date
from tests.conftest import World, csrf_token, fresh, login, post_form
from tests.web.test_cases_pages import multipart

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def seat_member(session: Session, world: World) -> None:
    """The coordinator seats the member in the sub-group (the service call commits: see tests/units.py)."""
    accounts.set_housing_subgroup(session, world.users["coordinator"], world.users["member"].id, True)


def letter_form(world: World, **overrides: str) -> dict[str, str]:
    today = clock.today()
    data = {"direction": "incoming", "answers": "", "correspondent": "Préfecture du Nord, DDETS",
            "correspondent_kind": "authority", "subject": "Enquête sur les logements accompagnés",
            "summary": "", "dated_on": (today - timedelta(days=4)).isoformat(),
            "registered_on": (today - timedelta(days=2)).isoformat(),
            "answer_due": (today + timedelta(days=5)).isoformat(), "handler_id": "",
            "organisation_id": "", "agreement_id": "", "place_id": ""}
    return {**data, **overrides}


def letters(session: Session) -> int:
    fresh(session)
    return session.execute(select(func.count()).select_from(OfficialMail)).scalar_one()


def register(client: FlaskClient, world: World, **overrides: str) -> int:
    response = post_form(client, "/subgroup/mail/new", letter_form(world, **overrides),
                         form_page="/subgroup/mail/new?direction=incoming")
    assert response.status_code == 302, response.get_data(as_text=True)[:3000]
    found = re.fullmatch(r"/subgroup/mail/(\d+)", response.headers["Location"])
    assert found is not None
    return int(found.group(1))


def attach(client: FlaskClient, mail_id: int, name: str = "scan.pdf", data: bytes = PDF) -> None:
    token = csrf_token(client, f"/subgroup/mail/{mail_id}")
    body, content_type = multipart({"csrf_token": token}, name, data)
    response = client.post(f"/subgroup/mail/{mail_id}/documents", data=body, content_type=content_type)
    assert response.status_code == 302


def test_a_seated_member_registers_a_letter_and_is_reminded_of_its_answer(
        app: Flask, client: FlaskClient, session: Session, world: World) -> None:
    login(client, "member")
    client.get("/?lang=en")  # the assertions below read the English texts
    assert client.get("/subgroup/mail").status_code == 403  # not seated yet
    seat_member(session, world)
    listing = client.get("/subgroup/mail").get_data(as_text=True)
    assert "Register an incoming letter" in listing and 'href="/subgroup"' in listing
    form = client.get("/subgroup/mail/new?direction=incoming").get_data(as_text=True)
    assert "never write health data" in form and 'name="answer_due"' in form

    mail_id = register(client, world, handler_id=str(world.users["member"].id))
    attach(client, mail_id)
    fresh(session)
    mail = session.get(OfficialMail, mail_id)
    assert mail is not None and mail.number == f"{clock.today().year}-A-001" and mail.handler_id == world.users[
        "member"].id
    (document,) = session.execute(select(OfficialMailDocument)).scalars()
    page = client.get(f"/subgroup/mail/{mail_id}").get_data(as_text=True)
    assert "scan.pdf" in page and "Register the answer sent" in page
    assert f'href="/subgroup/mail/new?direction=outgoing&amp;answers={mail_id}"' in page
    download = client.get(f"/subgroup/mail/{mail_id}/documents/{document.id}")
    assert download.status_code == 200 and download.data == PDF

    home = client.get("/").get_data(as_text=True)
    with app.test_request_context("/?lang=en"):
        due = locale_date(mail.answer_due)
    assert f'href="/subgroup/mail/{mail_id}"' in home and mail.number in home and due in home
    assert "Enquête sur les logements" in home  # the subject, on the web page only

    # the answer, registered as a letter sent: the letter received is answered, the reminder gone
    prefilled = client.get(f"/subgroup/mail/new?direction=outgoing&answers={mail_id}").get_data(as_text=True)
    assert "Préfecture du Nord" in prefilled and f'value="{mail_id}"' in prefilled
    answer = post_form(client, "/subgroup/mail/new", letter_form(
        world, direction="outgoing", answers=str(mail_id), answer_due="",
        registered_on=clock.today().isoformat(), dated_on=clock.today().isoformat()), form_page="/subgroup/mail")
    assert answer.status_code == 302
    fresh(session)
    mail = session.get(OfficialMail, mail_id)
    assert mail is not None and mail.answered_on == clock.today() and mail.answer_id is not None
    assert f'href="/subgroup/mail/{mail_id}"' not in client.get("/").get_data(as_text=True)


def test_bad_input_shows_the_error_summary_and_writes_nothing(client: FlaskClient, session: Session,
                                                             world: World) -> None:
    login(client, "coordinator")
    client.get("/?lang=en")
    response = post_form(client, "/subgroup/mail/new", letter_form(
        world, subject="", answer_due=(clock.today() - timedelta(days=30)).isoformat(), handler_id="999999"),
        form_page="/subgroup/mail")
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert 'class="error-summary"' in html and 'href="#subject"' in html and 'href="#answer_due"' in html
    assert 'href="#handler_id"' in html and 'aria-invalid="true"' in html
    assert "Préfecture du Nord, DDETS" in html  # what was typed is kept
    assert letters(session) == 0
    mail_id = register(client, world)
    before = client.get(f"/subgroup/mail/{mail_id}").get_data(as_text=True)
    assert "Record the answer given" in before
    refused = post_form(client, f"/subgroup/mail/{mail_id}/answer", {"answered_on": "2001-01-01", "version": "1"},
                        form_page=f"/subgroup/mail/{mail_id}")
    assert refused.status_code == 400 and 'href="#answered_on"' in refused.get_data(as_text=True)
    stale = post_form(client, f"/subgroup/mail/{mail_id}/answer",
                      {"answered_on": clock.today().isoformat(), "version": "7"}, form_page="/subgroup/mail")
    assert stale.status_code == 409
    fresh(session)
    assert session.get(OfficialMail, mail_id).answered_on is None  # type: ignore[union-attr]
    attach(client, mail_id, "virus.pdf", b"MZ not a pdf")
    assert session.execute(select(func.count()).select_from(OfficialMailDocument)).scalar_one() == 0
    given = post_form(client, f"/subgroup/mail/{mail_id}/answer",
                      {"answered_on": clock.today().isoformat(), "answer_note": "Par téléphone", "version": "1"},
                      form_page="/subgroup/mail")
    assert given.status_code == 302
    fresh(session)
    assert session.get(OfficialMail, mail_id).answer_note == "Par téléphone"  # type: ignore[union-attr]


def test_another_letters_record_is_not_found_through_its_url(client: FlaskClient, session: Session,
                                                            world: World) -> None:
    login(client, "coordinator")
    first, second = register(client, world), register(client, world)
    attach(client, first)
    fresh(session)
    document = session.execute(select(OfficialMailDocument.id)).scalar_one()
    assert client.get(f"/subgroup/mail/{first}/documents/{document}").status_code == 200
    assert client.get(f"/subgroup/mail/{second}/documents/{document}").status_code == 404
    assert client.get("/subgroup/mail/999999").status_code == 404
    assert client.get("/subgroup/mail/999999/edit").status_code == 404
    body, content_type = multipart({"csrf_token": csrf_token(client, "/subgroup/mail")}, "scan.pdf", PDF)
    assert client.post("/subgroup/mail/999999/documents", data=body, content_type=content_type).status_code == 404
    assert post_form(client, "/subgroup/mail/999999/answer", {"answered_on": clock.today().isoformat()},
                     form_page="/subgroup/mail").status_code == 404
    fresh(session)
    assert session.execute(select(func.count()).select_from(OfficialMailDocument)).scalar_one() == 1


def test_filters_of_the_list(client: FlaskClient, session: Session, world: World) -> None:
    login(client, "coordinator")
    client.get("/?lang=en")
    register(client, world, correspondent="Mairie de Lesquin", correspondent_kind="town", answer_due="")
    register(client, world)
    html = client.get("/subgroup/mail?awaiting=1").get_data(as_text=True)
    assert "Préfecture du Nord" in html and "Mairie de Lesquin" not in html
    html = client.get("/subgroup/mail?q=lesquin&direction=incoming&year=99999&page=x").get_data(as_text=True)
    assert "Mairie de Lesquin" in html and "Préfecture du Nord" not in html
    assert "No letter matches." in client.get("/subgroup/mail?direction=outgoing").get_data(as_text=True)
