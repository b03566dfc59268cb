"""The coordinator's pages of the letters' texts: the list, the editor, its check when saved (the error summary at
the top, nothing saved), its preview on a real file, the versions; nobody else reaches them."""

from __future__ import annotations

import html
import re

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from commission.models import AuditEntry, LetterTemplate
from commission.models.letters import Audience, LetterKind
from commission.services.letters import texts
from commission.typography import faults
from tests.cases_helpers import new_case
from tests.conftest import World, csrf_token, fresh, is_postgres, login
from tests.web.test_typography import visible_text

EDITOR = "/letters/texts/refusal/person"
BODY = "Madame, Monsieur,\n\nVotre demande {{ file_reference }} n’a pas été retenue.\n\nCordialement,"


def saved_count(session: Session) -> int:
    fresh(session)
    return session.execute(select(func.count(LetterTemplate.id))).scalar_one()


def post(client: FlaskClient, data: dict[str, str], path: str = EDITOR):  # type: ignore[no-untyped-def]
    token = csrf_token(client, path)
    form = {"subject": "Objet", "body": BODY, "note": "", "expected_version": "0", "file": "", "action": "save",
            **data, "csrf_token": token}
    return client.post(path, data=form)


def text(response) -> str:  # type: ignore[no-untyped-def]
    return html.unescape(response.get_data(as_text=True))


@pytest.fixture
def coordinator(app: Flask, world: World) -> FlaskClient:
    client = app.test_client()
    login(client, "coordinator")
    return client


def test_the_list_shows_every_letter_and_its_text_in_force(coordinator: FlaskClient) -> None:
    page = text(coordinator.get("/letters/texts"))
    for kind, audience in texts.FIELDS:
        assert f'href="/letters/texts/{kind.value}/{audience.value}"' in page
    assert page.count("Texte d’origine") >= len(texts.FIELDS)
    assert 'href="/letters/texts"' in text(coordinator.get("/"))  # the menu


def test_the_editor_starts_from_the_shipped_text_and_shows_the_fields(coordinator: FlaskClient) -> None:
    page = text(coordinator.get(EDITOR))
    subject, body = texts.shipped_text(LetterKind.REFUSAL, Audience.PERSON, "fr")
    assert f'value="{subject}"' in page and body in page
    assert "{{ new_examination_by }}" in page and "La date limite pour demander un nouvel examen" in page
    assert 'name="expected_version" type="hidden" value="0"' in page or 'value="0"' in page
    assert re.search(r'<button type="submit" name="action" value="save">Enregistrer</button>', page)
    assert re.search(r'<button type="submit" name="action" value="preview" class="secondary">Prévisualiser</button>',
                     page)
    assert "Aucune version enregistrée" in page


@pytest.mark.parametrize(("body", "message"), [
    ("{{ ''.__class__ }}", "«\u00a0''.__class__\u00a0» va au-delà des champs proposés"),
    ("{{ person.__dict__ }}", "«\u00a0person.__dict__\u00a0» va au-delà des champs proposés"),
    ("Madame,\n\n{{ diagnosis }}", "«\u00a0{{ diagnosis }}\u00a0» n’est pas un champ de cette lettre\u00a0:"),
    ("{% for x in reason %}{{ x }}{% endfor %}", "l’instruction «\u00a0for\u00a0» n’est pas permise"),
])
def test_a_template_reaching_beyond_its_fields_is_refused_when_saved(coordinator: FlaskClient, session: Session,
                                                                      body: str, message: str) -> None:
    response = post(coordinator, {"body": body})
    assert response.status_code == 400
    page = text(response)
    summary = page[page.index('class="error-summary"'):page.index("</div>", page.index('class="error-summary"'))]
    assert message in summary and 'href="#body"' in summary
    assert 'aria-invalid="true"' in page and f">\r\n{body}</textarea>" in page  # the text typed is kept
    assert "Traceback" not in page
    assert saved_count(session) == 0
    assert session.execute(select(func.count(AuditEntry.id)).where(
        AuditEntry.action == "letter_template.saved")).scalar_one() == 0


def test_a_saved_text_becomes_the_next_version_and_each_version_can_be_read(coordinator: FlaskClient,
                                                                            session: Session) -> None:
    response = post(coordinator, {"subject": "Votre demande {{ file_reference }}", "note": "Plus court"})
    assert response.status_code == 302 and response.headers["Location"] == EDITOR
    page = text(coordinator.get(EDITOR))
    assert "La version 1 de cette lettre est enregistrée" in page
    assert "La version 1 du texte est en vigueur." in page and "Plus court" in page
    assert 'value="Votre demande {{ file_reference }}"' in page and 'value="1"' in page
    assert post(coordinator, {"expected_version": "1", "body": BODY + "\n\nP.-S."}).status_code == 302
    assert saved_count(session) == 2
    version = text(coordinator.get(f"{EDITOR}/versions/1"))
    assert "Votre demande {{ file_reference }}" in version and "Plus court" in version
    assert "non, remplacée par la version 2" in version
    assert f'href="{EDITOR}?start=1"' in version
    taken_up = text(coordinator.get(f"{EDITOR}?start=1"))
    assert 'value="Votre demande {{ file_reference }}"' in taken_up and "Reprise de la version 1." in taken_up
    shipped = text(coordinator.get(f"{EDITOR}?start=shipped"))
    assert texts.shipped_text(LetterKind.REFUSAL, Audience.PERSON, "fr")[1] in shipped
    assert coordinator.get(f"{EDITOR}/versions/9").status_code == 404
    listing = text(coordinator.get("/letters/texts"))
    assert "Version 2" in listing and "User coordinator" in listing


def test_a_version_saved_meanwhile_is_not_overwritten(coordinator: FlaskClient, app: Flask,
                                                      session: Session) -> None:
    other = app.test_client()
    login(other, "coordinator")
    assert post(other, {"body": BODY + "\n\nAutre"}).status_code == 302
    response = post(coordinator, {"expected_version": "0"})
    assert response.status_code == 409
    page = text(response)
    assert "Une autre version de cette lettre (version 1) a été enregistrée pendant que vous la modifiiez" in page
    assert f">\r\n{BODY}</textarea>" in page
    assert saved_count(session) == 1


def test_the_preview_writes_the_unsaved_text_on_a_file(coordinator: FlaskClient, session: Session,
                                                       world: World) -> None:
    case = new_case(session, world)
    session.commit()
    body = ("Madame, Monsieur,\n\n{{ person_name }}, dossier {{ file_reference }}.\n\n"
            "{% if reason %}{{ reason }}{% endif %}")
    for reference in (case.reference, str(case.id), case.reference.lower()):
        response = post(coordinator, {"action": "preview", "body": body, "file": reference})
        assert response.status_code == 200, reference
        page = text(response)
        assert f"Aperçu sur le dossier {case.reference} (non enregistré)" in page
        assert f"<p>Camille Martin, dossier {case.reference}.</p>" in page
    assert saved_count(session) == 0
    for wrong in ("", "D-1999-00001", "x", "999999"):
        response = post(coordinator, {"action": "preview", "body": body, "file": wrong})
        assert response.status_code == 400, wrong
        assert 'href="#file"' in text(response)
    refused = post(coordinator, {"action": "preview", "body": "{{ ''.__class__ }}", "file": case.reference})
    assert refused.status_code == 400 and "va au-delà des champs proposés" in text(refused)
    assert "Aperçu sur le dossier" not in text(refused)


def test_a_letter_that_does_not_exist_is_not_found(coordinator: FlaskClient) -> None:
    assert coordinator.get("/letters/texts/refusal/landlord").status_code == 404
    assert coordinator.get("/letters/texts/nothing/person").status_code == 404
    assert coordinator.get("/letters/texts/refusal/nobody").status_code == 404


@pytest.mark.parametrize("role", ["care_a", "chair", "landlord_a", "treasurer", "dpo"])
def test_only_the_coordinator_reaches_the_pages(app: Flask, session: Session, world: World, role: str) -> None:
    client = app.test_client()
    login(client, role)
    for path in ("/letters/texts", EDITOR):
        assert client.get(path).status_code == 403, path
    token = csrf_token(client, "/")
    response = client.post(EDITOR, data={"subject": "Objet", "body": BODY, "expected_version": "0",
                                         "action": "save", "csrf_token": token})
    assert response.status_code == 403
    assert saved_count(session) == 0
    assert 'href="/letters/texts"' not in text(client.get("/"))


def test_the_pages_follow_french_typography(coordinator: FlaskClient, session: Session, world: World) -> None:
    case = new_case(session, world)
    session.commit()
    assert post(coordinator, {"note": "Plus court"}).status_code == 302
    pages = [coordinator.get("/letters/texts"), coordinator.get(EDITOR), coordinator.get(f"{EDITOR}/versions/1"),
             post(coordinator, {"body": "{{ person.__dict__ }}", "expected_version": "1"}),
             post(coordinator, {"action": "preview", "file": case.reference, "expected_version": "1",
                                "body": texts.shipped_text(LetterKind.REFUSAL, Audience.PERSON, "fr")[1]})]
    for response in pages:
        assert response.status_code in (200, 400)
        found = faults(visible_text(response.get_data(as_text=True)))
        assert not found, found


@pytest.fixture
def isolation() -> str:
    """The tests go through ``session`` and ``client`` only: on PostgreSQL, the scenario's own database in a
    transaction rolled back at the end, rather than a copy of it (see conftest's ``isolation``)."""
    return "rollback" if is_postgres() else "copy"
