"""The written consultation's pages: the coordinator puts an urgent file to the members (errors linked to their
fields), a member finds it on their home page, reads the proposal by initials and answers, the coordinator sees
the answers come and the outcome."""

from __future__ import annotations

from datetime import timedelta

from flask.testing import FlaskClient
from sqlalchemy.orm import Session

from commission import clock
from commission.models import Hearing, HearingKind
from tests.conftest import World, fresh, login, post_form
from tests.hearings_helpers import ready_case


def _form(world: World, case_id: int, **overrides: str) -> dict[str, str]:
    return {"case_id": str(case_id), "purpose": "Leaves hospital on Monday.", "proposal": "allocate",
            "place_id": str(world.place_a.id), "grounds": "The place fits.",
            "deadline_day": (clock.today() + timedelta(days=5)).isoformat(), "deadline_time": "18:00",
            "quorum": "2", **overrides}


def test_a_consultation_put_answered_and_concluded_through_the_pages(client: FlaskClient, session: Session,
                                                                     world: World) -> None:
    case = ready_case(session, world, "Zoé")
    login(client, "coordinator")
    page = client.get("/consultations/new").get_data(as_text=True)
    assert f"{case.reference} — Zoé Martin" in page and "Soumettre la proposition aux membres" in page
    refused = post_form(client, "/consultations/new", _form(world, case.id, grounds="", place_id=""))
    text = refused.get_data(as_text=True)
    assert refused.status_code == 400
    assert 'href="#grounds"' in text and 'href="#place_id"' in text and "Donnez le motif de la proposition." in text
    response = post_form(client, "/consultations/new", _form(world, case.id))
    assert response.status_code == 302
    fresh(session)
    hearing = session.query(Hearing).filter(Hearing.kind == HearingKind.WRITTEN).one()
    assert response.headers["Location"] == f"/consultations/{hearing.id}"
    coordinator_page = client.get(f"/consultations/{hearing.id}").get_data(as_text=True)
    assert "Pas encore de réponse" in coordinator_page and 'data-state="consulting"' in coordinator_page

    for login_name in ("member", "chair"):
        member = client.application.test_client()
        login(member, login_name)
        home = member.get("/").get_data(as_text=True)
        assert f'href="/consultations/{hearing.id}"' in home and "Consultations écrites" in home
        own = member.get(f"/consultations/{hearing.id}").get_data(as_text=True)
        assert "Z.M." in own and "Zoé" not in own and "Envoyer ma réponse" in own
        assert "Dr Lemaire" not in own and "pavillon" not in own  # nothing of the file beyond what the vote needs
        answered = post_form(member, f"/consultations/{hearing.id}/answer", {"choice": "in_favour",
                                                                            "comment": "Bonne idée."},
                             form_page=f"/consultations/{hearing.id}")
        assert answered.status_code == 302
        after = member.get(f"/consultations/{hearing.id}").get_data(as_text=True)
        assert "Vous avez répondu" in after and "Envoyer ma réponse" not in after

    seen = client.get(f"/consultations/{hearing.id}").get_data(as_text=True)
    assert "Bonne idée." in seen and "Pour" in seen
    refused_close = post_form(client, f"/consultations/{hearing.id}/conclude", {"version": str(hearing.version)},
                              form_page=f"/consultations/{hearing.id}")
    assert refused_close.status_code == 302
    assert "peuvent encore répondre" in client.get(f"/consultations/{hearing.id}").get_data(as_text=True)
    for login_name in ("landlord_a", "landlord_b"):
        other = client.application.test_client()
        login(other, login_name)
        post_form(other, f"/consultations/{hearing.id}/answer", {"choice": "abstain"},
                  form_page=f"/consultations/{hearing.id}")
    final = client.get(f"/consultations/{hearing.id}").get_data(as_text=True)
    assert 'data-state="proposal_adopted"' in final and "Enregistrer l'issue" not in final


def test_an_answer_without_a_choice_is_shown_on_the_page(client: FlaskClient, session: Session,
                                                         world: World) -> None:
    case = ready_case(session, world, "Yann")
    login(client, "coordinator")
    post_form(client, "/consultations/new", _form(world, case.id, proposal="waiting_list", place_id=""))
    fresh(session)
    hearing = session.query(Hearing).filter(Hearing.kind == HearingKind.WRITTEN).one()
    member = client.application.test_client()
    login(member, "member")
    response = post_form(member, f"/consultations/{hearing.id}/answer", {"choice": "perhaps"},
                         form_page=f"/consultations/{hearing.id}")
    assert response.status_code == 400
    assert 'href="#choice"' in response.get_data(as_text=True)
    # the member's list holds the consultations they were consulted on
    assert f'href="/consultations/{hearing.id}"' in member.get("/consultations").get_data(as_text=True)
    care = client.application.test_client()
    login(care, "care_a")
    assert f'href="/consultations/{hearing.id}"' not in care.get("/consultations").get_data(as_text=True)
