"""The council's page (letterhead, logo, settings) and the print runs' page, as the coordinator uses them."""

from __future__ import annotations

import io
from datetime import date

import pytest
from flask import Flask
from PIL import Image
from sqlalchemy import select
from sqlalchemy.orm import Session

from commission import clock
from commission.models.letters import (
    Channel,
    CouncilProfile,
    LetterKind,
    LetterStatus,
    OutgoingLetter,
    PrintRun,
    Recipient,
)
from tests.cases_helpers import new_case
from tests.conftest import World, csrf_token, fresh, login, post_form

FORM = {"street": "1 rue Jean Jaurès", "address_extra": "Hôtel de ville", "postcode": "59370",
        "town": "Mons-en-Barœul", "phone": "03 20 00 00 00", "email": "commission@example.org",
        "contact_name": "Claire Dubois", "president_name": "Jean Lefebvre",
        "president_capacity": "Président du conseil", "means_threshold": "300", "new_examination_days": "60"}


def image(fmt: str = "PNG") -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (200, 80), (10, 90, 40)).save(buffer, fmt)
    return buffer.getvalue()


def test_the_coordinator_edits_the_councils_details(app: Flask, session: Session, world: World) -> None:
    client = app.test_client()
    login(client, "coordinator")
    page = client.get("/council").get_data(as_text=True)
    assert "En-tête" in page and 'name="version" value="0"' in page
    refused = post_form(client, "/council", {**FORM, "postcode": "5937", "email": "nope", "version": "0"})
    assert refused.status_code == 400
    html = refused.get_data(as_text=True)
    assert 'class="error-summary"' in html and 'href="#postcode"' in html and 'href="#email"' in html
    assert 'value="Claire Dubois"' in html  # what was typed is kept
    fresh(session)
    assert session.get(CouncilProfile, 1) is None
    saved = post_form(client, "/council", {**FORM, "version": "0"})
    assert saved.status_code == 302
    fresh(session)
    profile = session.get(CouncilProfile, 1)
    assert profile is not None and profile.town == "Mons-en-Barœul" and profile.means_threshold_cents == 30000
    stale = post_form(client, "/council", {**FORM, "town": "Ronchin", "version": "0"})
    assert stale.status_code == 409 and "changé entre-temps" in stale.get_data(as_text=True)


def test_the_logo_is_uploaded_checked_and_served_as_an_image(app: Flask, session: Session, world: World) -> None:
    client = app.test_client()
    login(client, "coordinator")
    token = csrf_token(client, "/council")

    def upload(data: bytes, name: str) -> None:
        response = client.post("/council/logo", data={"csrf_token": token, "version": "0",
                                                      "logo": (io.BytesIO(data), name)},
                               content_type="multipart/form-data")
        assert response.status_code == 302

    upload(b'<svg xmlns="http://www.w3.org/2000/svg"/>', "logo.png")
    assert "PNG ou JPEG" in client.get("/council").get_data(as_text=True)
    assert client.get("/council/logo").status_code == 404
    upload(image("PNG"), "logo.svg")  # the name says nothing: the content is a PNG
    served = client.get("/council/logo")
    assert served.status_code == 200 and served.mimetype == "image/png"
    assert served.headers["X-Content-Type-Options"] == "nosniff" and served.data == image("PNG")
    assert 'src="/council/logo"' in client.get("/council").get_data(as_text=True)
    fresh(session)
    version = session.get(CouncilProfile, 1).version  # type: ignore[union-attr]
    removed = post_form(client, "/council/logo/remove", {"version": str(version)}, form_page="/council")
    assert removed.status_code == 302 and client.get("/council/logo").status_code == 404


@pytest.mark.parametrize("role", ["care_a", "chair", "treasurer", "member"])
def test_the_council_page_is_the_coordinators(app: Flask, world: World, role: str) -> None:
    client = app.test_client()
    login(client, role)
    assert client.get("/council").status_code == 403
    assert client.get("/council/logo").status_code == 403
    assert client.get("/letters/print-runs").status_code == 403
    assert post_form(client, "/letters/print-runs", {}, form_page="/").status_code == 403
    assert "/letters/print-runs" not in client.get("/").get_data(as_text=True)


def _letter(session: Session, case_id: int, name: str, number: int) -> None:
    lines = [name, "12 rue des Lilas", "59790 RONCHIN"]
    session.add(OutgoingLetter(
        reference=f"CA-2026-{number:06d}", case_id=case_id, kind=LetterKind.WAITING_LIST, recipient=Recipient.PERSON,
        recipient_name=name, address="\n".join(lines), channel=Channel.POST, status=LetterStatus.TO_POST,
        letter_date=date(2026, 3, 20),
        content={"reference": f"CA-2026-{number:06d}", "recipient": lines, "subject": "Liste d’attente",
                 "place_date": "Ronchin, le 20 mars 2026", "paragraphs": ["Madame,"],
                 "letterhead": {"council": "Conseil", "lines": [], "phone": "", "email": ""}}))


def test_a_print_run_from_the_waiting_letters_to_the_post(app: Flask, session: Session, world: World) -> None:
    case = new_case(session, world)
    _letter(session, case.id, "Bruno Petit", 1)
    _letter(session, case.id, "Ada Martin", 2)
    session.commit()
    client = app.test_client()
    login(client, "coordinator")
    page = client.get("/letters/print-runs").get_data(as_text=True)
    assert "2 courriers attendent d’être postés." in page and "Ada Martin" in page
    assert '<button type="submit">Préparer l’envoi</button>' in page  # the next step, the primary button
    created = post_form(client, "/letters/print-runs", {})
    assert created.status_code == 302
    fresh(session)
    run = session.execute(select(PrintRun)).scalar_one()
    page = client.get("/letters/print-runs").get_data(as_text=True)
    assert "Aucun courrier n’attend d’être posté." in page
    assert f'<a class="button" href="/letters/print-runs/{run.id}/letters.pdf">' in page  # download first
    pdf = client.get(f"/letters/print-runs/{run.id}/letters.pdf")
    assert pdf.status_code == 200 and pdf.mimetype == "application/pdf"
    page = client.get("/letters/print-runs").get_data(as_text=True)
    assert '<button type="submit">Marquer comme posté</button>' in page  # downloaded: now post them
    posted = post_form(client, f"/letters/print-runs/{run.id}/posted",
                       {"posted_on": clock.today().isoformat(), "version": str(run.version)},
                       form_page="/letters/print-runs")
    assert posted.status_code == 302
    fresh(session)
    letters = session.execute(select(OutgoingLetter)).scalars().all()
    assert {letter.status for letter in letters} == {LetterStatus.POSTED}
    # nothing to print: the page says so, and preparing a run is refused with a clear message
    refused = post_form(client, "/letters/print-runs", {})
    assert refused.status_code == 302
    assert "rien à imprimer" in client.get("/letters/print-runs").get_data(as_text=True)
