"""The care team's and the coordinator's screens for case files, used as people use them."""

from __future__ import annotations

from html import unescape

import pytest
from flask.testing import FlaskClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from commission.models import AccessLog, Case, CaseDocument, CaseTransition
from tests.cases_helpers import new_case
from tests.conftest import World, csrf_token, fresh, login, post_form

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
PNG = bytes.fromhex(
    "89504e470d0a1a0a0000000d49484452000000010000000108060000001f15c4890000000d49444154789c63600000000200015d"
    "a5e8f50000000049454e44ae426082"
)


def form_data(world: World, **overrides: object) -> dict[str, object]:
    data: dict[str, object] = {
        "first_name": "Lou", "last_name": "Garnier", "birth_date": "1979-11-02", "protection_measure": "none",
        "housing_situation": "with_family", "monthly_resources": "1 050,00", "referring_psychiatrist": "Dr Adam",
        "requested_kind": "apartment", "wished_town_ids": [str(world.towns["Ronchin"].id)],
        "project": "Live independently with the support of the day hospital.", "consent_given": "y",
    }
    data.update(overrides)
    return data


def page(client: FlaskClient, path: str) -> str:
    return unescape(client.get(path).get_data(as_text=True))


def test_a_care_team_files_an_application_and_submits_it(client: FlaskClient, world: World, session: Session) -> None:
    login(client, "care_a")
    response = post_form(client, "/cases/new", form_data(world))
    assert response.status_code == 302
    fresh(session)
    case = session.execute(select(Case)).scalar_one()
    assert case.care_team_id == world.team_a.id and case.state == "draft"
    html = page(client, f"/cases/{case.id}")
    assert "Lou Garnier" in html and "Brouillon" in html and "Déposer auprès de la commission" in html
    response = post_form(client, f"/cases/{case.id}/steps/submit", {"version": str(case.version)},
                         form_page=f"/cases/{case.id}")
    assert response.status_code == 302
    fresh(session)
    assert case.state == "submitted"
    html = page(client, "/cases")
    assert "Lou Garnier" in html and "Déposé" in html


def test_missing_identity_fields_are_named_and_nothing_is_created(
    client: FlaskClient, world: World, session: Session
) -> None:
    login(client, "care_a")
    response = post_form(client, "/cases/new", form_data(world, first_name="", birth_date="2099-01-01"))
    assert response.status_code == 400
    html = unescape(response.get_data(as_text=True))
    assert "Indiquez le prénom de la personne." in html
    assert "La date de naissance ne peut pas être dans le futur." in html
    assert session.execute(select(func.count(Case.id))).scalar_one() == 0


def test_submission_without_consent_is_refused_with_the_list(
    client: FlaskClient, world: World, session: Session
) -> None:
    case = new_case(session, world, consent_given=False, referring_psychiatrist="")
    login(client, "care_a")
    response = post_form(client, f"/cases/{case.id}/steps/submit", {"version": str(case.version)},
                         form_page=f"/cases/{case.id}")
    html = page(client, response.headers["Location"])
    assert "Le dossier ne peut pas avancer\u00a0: il manque le consentement de la personne" in html
    assert "le psychiatre référent" in html
    fresh(session)
    assert case.state == "draft"
    assert session.execute(select(func.count(CaseTransition.id))).scalar_one() == 1


def test_a_step_with_a_stale_version_says_the_file_changed(
    client: FlaskClient, world: World, session: Session
) -> None:
    case = new_case(session, world)
    login(client, "care_a")
    response = post_form(client, f"/cases/{case.id}/steps/submit", {"version": str(case.version - 1)},
                         form_page=f"/cases/{case.id}")
    # a button: back to the file as it is now, which says what happened
    assert response.status_code == 302 and response.headers["Location"] == f"/cases/{case.id}"
    assert "modifié entre-temps" in unescape(client.get(response.headers["Location"]).get_data(as_text=True))
    fresh(session)
    assert case.state == "draft"


def test_a_care_team_cannot_file_for_another_team_through_a_form_field(
    client: FlaskClient, world: World, session: Session
) -> None:
    login(client, "care_b")
    post_form(client, "/cases/new", form_data(world, care_team_id=str(world.team_a.id)))
    fresh(session)
    case = session.execute(select(Case)).scalar_one()
    assert case.care_team_id == world.team_b.id


def test_another_team_cannot_change_or_attach_to_a_case(client: FlaskClient, world: World, session: Session) -> None:
    case = new_case(session, world)
    login(client, "care_b")
    token = csrf_token(client, "/")
    assert client.post(f"/cases/{case.id}/edit", data={**form_data(world), "version": str(case.version),
                                                       "csrf_token": token}).status_code == 403
    assert client.post(f"/cases/{case.id}/steps/withdraw", data={"reason": "x", "version": str(case.version),
                                                                 "csrf_token": token}).status_code == 403
    upload = client.post(f"/cases/{case.id}/documents", data={"kind": "other", "csrf_token": token,
                                                              "file": (_file(PDF), "x.pdf")},
                         content_type="multipart/form-data")
    assert upload.status_code == 403
    assert client.get(f"/cases/{case.id}/medical").status_code == 403
    fresh(session)
    assert case.state == "draft" and case.applicant.first_name == "Camille"
    assert session.execute(select(func.count(CaseDocument.id))).scalar_one() == 0
    assert "Camille" not in page(client, "/cases")


def _file(data: bytes):  # type: ignore[no-untyped-def]
    import io

    return io.BytesIO(data)


def multipart(fields: dict[str, str], filename: str, data: bytes) -> tuple[bytes, str]:
    """A multipart body built in memory (the test client would spool a large one to an unclosed file)."""
    boundary = "----commission-test"
    parts = [f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'.encode()
             for name, value in fields.items()]
    parts.append(f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="{filename}"\r\n'
                 "Content-Type: application/octet-stream\r\n\r\n".encode() + data + b"\r\n")
    return b"".join(parts) + f"--{boundary}--\r\n".encode(), f"multipart/form-data; boundary={boundary}"


def upload(client: FlaskClient, case_id: int, data: bytes, name: str, **extra: str) -> str:
    token = csrf_token(client, f"/cases/{case_id}")
    body, content_type = multipart({"kind": "identity", "csrf_token": token, **extra}, name, data)
    response = client.post(f"/cases/{case_id}/documents", data=body, content_type=content_type)
    assert response.status_code == 302
    return page(client, f"/cases/{case_id}")


def test_documents_are_attached_and_downloaded(client: FlaskClient, world: World, session: Session) -> None:
    case = new_case(session, world)
    login(client, "care_a")
    html = upload(client, case.id, PDF, "carte identité.pdf")
    assert "La pièce a été jointe." in html and "carte identité.pdf" in html
    fresh(session)
    document = session.execute(select(CaseDocument)).scalar_one()
    response = client.get(f"/cases/{case.id}/documents/{document.id}")
    assert response.status_code == 200 and response.data == PDF
    assert response.headers["Content-Type"] == "application/pdf"
    assert response.headers["Content-Disposition"].startswith("attachment")
    html = upload(client, case.id, PNG, "photo.png")
    assert "photo.png" in html


@pytest.mark.parametrize(("data", "name"), [
    (b"MZ\x90\x00 this is a program", "innocent.pdf"),
    (b"<html><script>alert(1)</script></html>", "page.html"),
    (b"plain text", "notes.txt"),
])
def test_refused_types_are_named_and_nothing_is_stored(
    client: FlaskClient, world: World, session: Session, data: bytes, name: str
) -> None:
    case = new_case(session, world)
    login(client, "care_a")
    html = upload(client, case.id, data, name)
    assert "Seuls les fichiers PDF et les images PNG ou JPEG peuvent être joints." in html
    assert session.execute(select(func.count(CaseDocument.id))).scalar_one() == 0


def test_a_file_too_large_is_refused(client: FlaskClient, world: World, session: Session) -> None:
    case = new_case(session, world)
    login(client, "care_a")
    html = upload(client, case.id, PDF + b"0" * (8 * 1024 * 1024), "big.pdf")
    assert "Le fichier dépasse 8 Mo." in html
    assert session.execute(select(func.count(CaseDocument.id))).scalar_one() == 0


def test_a_request_over_the_server_limit_is_a_413(client: FlaskClient, world: World, session: Session) -> None:
    case = new_case(session, world)
    login(client, "care_a")
    token = csrf_token(client, f"/cases/{case.id}")
    body, content_type = multipart({"kind": "identity", "csrf_token": token}, "huge.pdf",
                                   PDF + b"0" * (11 * 1024 * 1024))
    response = client.post(f"/cases/{case.id}/documents", data=body, content_type=content_type)
    assert response.status_code == 413
    fresh(session)
    assert session.execute(select(func.count(CaseDocument.id))).scalar_one() == 0


def test_opening_the_medical_part_is_logged(client: FlaskClient, world: World, session: Session) -> None:
    case = new_case(session, world)
    login(client, "care_a")
    response = post_form(client, f"/cases/{case.id}/medical", {"diagnosis_summary": "Stable for a year"})
    assert response.status_code == 302
    fresh(session)
    before = session.execute(select(func.count(AccessLog.id))).scalar_one()
    html = page(client, f"/cases/{case.id}/medical")
    assert "Stable for a year" in html
    fresh(session)
    after = session.execute(select(AccessLog).order_by(AccessLog.id.desc())).scalars().first()
    assert after is not None and after.user_id == world.users["care_a"].id and after.part == "medical"
    assert session.execute(select(func.count(AccessLog.id))).scalar_one() == before + 1


def test_the_file_view_never_shows_the_medical_part_inline(client: FlaskClient, world: World,
                                                           session: Session) -> None:
    from commission.services import cases

    case = new_case(session, world)
    cases.update_medical(session, world.users["care_a"], case.id, cases.MedicalInput(treatment="Secret molecule"))
    login(client, "coordinator")
    assert "Secret molecule" not in page(client, f"/cases/{case.id}")


def test_the_coordinator_filters_by_state_team_and_town(client: FlaskClient, world: World, session: Session) -> None:
    new_case(session, world, last_name="Alpha")
    new_case(session, world, actor="care_b", last_name="Beta", wished_town_ids=[str(world.towns["Lesquin"].id)])
    login(client, "coordinator")
    html = page(client, "/cases")
    assert "Alpha" in html and "Beta" in html
    html = page(client, f"/cases?team={world.team_b.id}")
    assert "Beta" in html and "Alpha" not in html
    html = page(client, f"/cases?town={world.towns['Ronchin'].id}")
    assert "Alpha" in html and "Beta" not in html
    html = page(client, "/cases?state=submitted")
    assert "Aucun dossier ne correspond." in html
    html = page(client, "/cases?state=nonsense&team=abc&page=-4")
    assert "Alpha" in html


def test_the_workflow_page_explains_every_state(client: FlaskClient, world: World) -> None:
    from commission.workflow.case import CASE_MACHINE

    login(client, "member")
    html = page(client, "/workflow")
    assert "<svg" in html
    assert "Brouillon" in html and "Liste d'attente" in html
    assert html.count("<dt id=\"state-") == len(CASE_MACHINE.states)


def test_the_file_page_offers_its_own_steps_and_sends_a_hearing_s_back(
    client: FlaskClient, world: World, session: Session
) -> None:
    """The file's page offers the steps taken from it, in the machine's order, the first as the primary
    button; a step of the hearing's (placing the file on an agenda) posted to it is refused and changes
    nothing, and a step the file's state does not have is refused by the service."""
    import re

    from tests.cases_helpers import step

    case = new_case(session, world)
    step(session, world.users["care_a"], case, "submit")
    login(client, "coordinator")
    steps = page(client, f"/cases/{case.id}").split('id="steps-title"')[1].split("</section>")[0]
    assert re.findall(r'/steps/(\w+)"', steps) == ["return_incomplete", "mark_ready", "withdraw"]
    assert re.findall(r'<button type="submit"( class="secondary")?>', steps) == ["", ' class="secondary"',
                                                                                ' class="secondary"']
    step(session, world.users["coordinator"], case, "mark_ready")
    fresh(session)
    version = case.version
    response = post_form(client, f"/cases/{case.id}/steps/schedule", {"version": str(version),
                                                                     "hearing_date": "2026-06-04"},
                         form_page=f"/cases/{case.id}")
    assert response.status_code == 302
    assert "Cette étape se fait en commission" in page(client, response.headers["Location"])
    response = post_form(client, f"/cases/{case.id}/steps/start_move_in", {"version": str(version),
                                                                          "move_in_date": "2026-06-04"},
                         form_page=f"/cases/{case.id}")
    assert "Cette étape n'est pas possible depuis l'état actuel du dossier." in page(client,
                                                                                    response.headers["Location"])
    fresh(session)
    assert case.state == "ready" and case.version == version
