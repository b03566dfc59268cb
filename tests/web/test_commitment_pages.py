"""The commitment's page as the care team and the coordinator use it, the sheet to sign, and what the follow-up
page and the hearing's review item show of it."""

from __future__ import annotations

import io
from datetime import timedelta

from flask import Flask
from flask.testing import FlaskClient
from pypdf import PdfReader
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from commission import clock
from commission.models import CaseDocument, ItemKind
from commission.models.letters import CareCommitment
from commission.services import commitments
from tests.conftest import World, csrf_token, fresh, login, post_form
from tests.followup_helpers import MOVE_IN, housed
from tests.test_commitments import PDF, allocated
from tests.test_followup import review_hearing


def drafted_case(session: Session, world: World) -> tuple[int, CareCommitment]:
    (case,) = allocated(session, world)
    return case.id, commitments.draft_for_case(session, world.users["coordinator"], case.id)


def test_the_care_team_reads_edits_and_records_the_signatures(client: FlaskClient, session: Session,
                                                              world: World) -> None:
    case_id, commitment = drafted_case(session, world)
    login(client, "care_a")
    assert f"/cases/{case_id}/commitment" in client.get(f"/cases/{case_id}").get_data(as_text=True)
    page = client.get(f"/cases/{case_id}/commitment").get_data(as_text=True)
    assert "Projet de soin et de réinsertion" in page and "Live alone with weekly nurse visits" in page
    assert "Enregistrer une signature" in page and "à signer" in page
    assert f"/cases/{case_id}/commitment/{commitment.id}/edit" in page

    edit = f"/cases/{case_id}/commitment/{commitment.id}/edit"
    response = post_form(client, edit, {"version": str(commitment.version), "goals": "",
                                        "person_commitments": "Payer le loyer", "care_team_commitments": "Visites",
                                        "council_commitments": "Caution"}, form_page=edit)
    assert response.status_code == 400
    assert "Écrivez le projet que la personne" in response.get_data(as_text=True)
    response = post_form(client, edit, {"version": str(commitment.version), "goals": "Vivre seule à Ronchin",
                                        "person_commitments": "Payer le loyer", "care_team_commitments": "Visites",
                                        "council_commitments": "Caution"}, form_page=edit)
    assert response.status_code == 302

    sign = f"/cases/{case_id}/commitment/{commitment.id}/signatures"
    version = str(commitment.version + 1)
    tomorrow = (clock.today() + timedelta(days=1)).isoformat()
    response = post_form(client, sign, {"party": "council", "signed_on": tomorrow, "signatory": "",
                                        "version": version}, form_page=f"/cases/{case_id}/commitment")
    assert response.status_code == 400
    text = response.get_data(as_text=True)
    assert "Une signature ne peut pas être datée dans le futur." in text
    assert 'href="#signed_on"' in text and 'href="#signatory"' in text  # the error summary links its fields
    assert f'value="{tomorrow}"' in text  # the values typed are kept
    response = post_form(client, sign, {"party": "person", "signed_on": clock.today().isoformat(),
                                        "version": version}, form_page=f"/cases/{case_id}/commitment")
    assert response.status_code == 302
    page = client.get(f"/cases/{case_id}/commitment").get_data(as_text=True)
    assert "Vivre seule à Ronchin" in page and "Signatures manquantes" in page
    assert f"/commitment/{commitment.id}/edit" not in page  # signed by one: the text no longer changes
    # A stale form: the version the page showed before the signature.
    response = post_form(client, sign, {"party": "care_team", "signed_on": clock.today().isoformat(),
                                        "signatory": "Mme Roux", "version": version},
                         form_page=f"/cases/{case_id}/commitment")
    assert response.status_code == 409
    fresh(session)
    kept = session.get(CareCommitment, commitment.id)
    assert kept is not None and kept.person_signed_on == clock.today() and kept.care_team_signed_on is None


def test_the_signed_copy_and_the_sheet(client: FlaskClient, session: Session, world: World) -> None:
    case_id, commitment = drafted_case(session, world)
    login(client, "coordinator")
    response = client.get(f"/cases/{case_id}/commitment.pdf")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    text = " ".join(" ".join(page.extract_text() for page in PdfReader(io.BytesIO(response.data)).pages).split())
    assert "La personne" in text and "Pour le président et par délégation" in text
    token_page = f"/cases/{case_id}/commitment"
    response = client.post(f"/cases/{case_id}/commitment/{commitment.id}/signed-copy", data={
        "csrf_token": csrf_token(client, token_page), "version": str(commitment.version),
        "file": (io.BytesIO(PDF), "engagement.pdf")}, content_type="multipart/form-data")
    assert response.status_code == 302
    page = client.get(token_page).get_data(as_text=True)
    assert "exemplaire signé conservé" in page
    fresh(session)
    assert session.execute(select(func.count()).select_from(CaseDocument)
                           .where(CaseDocument.case_id == case_id)).scalar_one() == 1


def test_another_team_is_refused(client: FlaskClient, session: Session, world: World) -> None:
    case_id, commitment = drafted_case(session, world)
    login(client, "care_b")
    assert client.get(f"/cases/{case_id}/commitment").status_code == 403
    assert client.get(f"/cases/{case_id}/commitment.pdf").status_code == 403
    response = post_form(client, f"/cases/{case_id}/commitment/{commitment.id}/signatures", {
        "party": "person", "signed_on": clock.today().isoformat(), "version": str(commitment.version)},
        form_page="/")
    assert response.status_code == 403
    fresh(session)
    kept = session.get(CareCommitment, commitment.id)
    assert kept is not None and kept.person_signed_on is None


def test_each_review_shows_the_commitment(app: Flask, client: FlaskClient, session: Session, world: World) -> None:
    (ada,) = housed(session, world, ["Ada"])
    commitment = commitments.draft_for_case(session, world.users["coordinator"], ada.id)
    login(client, "care_a")
    page = client.get(f"/cases/{ada.id}/followup").get_data(as_text=True)
    assert "Projet de soin et de réinsertion" in page and "Signatures manquantes" in page
    assert commitment.care_team_commitments.split()[0] in page
    hearing_id, items = review_hearing(session, world, MOVE_IN + timedelta(days=200))
    (item,) = [i for i in items if i.kind is ItemKind.REVIEW]
    chair = app.test_client()
    login(chair, "chair")
    page = chair.get(f"/hearings/{hearing_id}/session/items/{item.id}").get_data(as_text=True)
    assert "à signer" in page and "Signatures manquantes" in page
    assert "Suivre la personne à domicile" not in page  # the care team's part stays with the file's readers
