"""What a place proposed would leave the person to live on, on the pages and in the agenda's PDF (issue 20).

The issue's example: a 3-room flat at 407,91 € rent and 82,70 € charges (APP-T3, Habitat A's) for Ada, who has
1 168 € a month: 677,39 € left. The coordinator, the chair and Ada's own care team read the figures; a member, a
landlord's representative, another team, the treasurer read only that the warning applies, when it does (the
coordinator's threshold raised to 700 €), and nothing when it does not. The care team's form records the housing
allowance and the person's consent to be told by e-mail that a letter waits.
"""

from __future__ import annotations

import io
from datetime import timedelta
from html import unescape
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient
from pypdf import PdfReader
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session

from commission import clock
from commission.models import Applicant, Case, Hearing
from commission.services import consultations, hearings, means, stock
from tests.cases_helpers import TODAY, new_case, step
from tests.conftest import WORLD, World, fresh, is_postgres, load_world, login, post_form
from tests.databases import Ids, Restored, Scenario
from tests.hearings_helpers import HEARING_DAY, sitting
from tests.test_means import set_threshold
from tests.web.test_cases_pages import form_data
from tests.web.test_query_counts import count_queries

LEFT = "677,39\u00a0€"
WARNING = "Reste à vivre sous le seuil"
FIGURES_READERS = ("coordinator", "chair")
WARNING_READERS = ("member", "landlord_a", "care_b", "treasurer")


def _build(session: Session, _instance: Path, ids: Ids) -> Ids:
    world = load_world(session, ids)
    coordinator = world.users["coordinator"]
    flat = stock.create_place(session, coordinator, stock.PlaceInput(
        reference="APP-T3", kind="apartment", town_id=str(world.towns["Ronchin"].id), address="12 rue Jean Jaurès",
        organisation_id=str(world.landlord_a.id), rooms="3", rent="407,91", charges="82,70", deposit="407,91"),
        today=TODAY)
    ada = new_case(session, world, "care_a", first_name="Ada", monthly_resources="1 168")
    step(session, world.users["care_a"], ada, "submit")
    step(session, coordinator, ada, "mark_ready")
    hearing = sitting(session, world, []).hearing  # Ada's file on the agenda, the session open
    return {"hearing": hearing.id, "ada": ada.id, "item": hearing.items[0].id, "flat": flat.id}


SCENARIO = Scenario("means-pages", _build, extends=WORLD)


@pytest.fixture
def scenario() -> Scenario:
    return SCENARIO


@pytest.fixture
def isolation() -> str:
    return "rollback" if is_postgres() else "copy"


@pytest.fixture
def ids(restored: Restored, world: World) -> Ids:
    return restored.ids


def page(client: FlaskClient, path: str, status: int = 200) -> str:
    response = client.get(path)
    assert response.status_code == status, (path, response.status_code)
    return unescape(response.get_data(as_text=True))


def pdf_text(data: bytes) -> str:
    """The PDF's text, its white space (no-break spaces too) made single spaces."""
    return " ".join(" ".join(page.extract_text().split()) for page in PdfReader(io.BytesIO(data)).pages)


def allocate_the_flat(session: Session, world: World, ids: Ids) -> None:
    hearings.decide_item(session, world.users["chair"], ids["hearing"], ids["item"], hearings.DecisionInput(
        decision="allocate", place_id=str(ids["flat"]), reason="Le logement correspond au projet."),
        today=HEARING_DAY)


# ---------------------------------------------------------------- the session's choices


def test_the_session_shows_what_each_place_offered_would_leave(
    app: Flask, session: Session, world: World, ids: Ids,
) -> None:
    set_threshold(session, 70000)
    path = f"/hearings/{ids['hearing']}/session/items/{ids['item']}"
    for login_name in FIGURES_READERS:
        client = app.test_client()
        login(client, login_name)
        html = page(client, path)
        assert "Reste à vivre\u00a0:" in html
        assert f"{LEFT} / mois" in html  # APP-T3: 1 168 − 407,91 − 82,70
        assert "818,00\u00a0€ / mois" in html  # APP-001: 1 168 − 300 − 50
        assert "Loyer 407,91\u00a0€, charges 82,70\u00a0€" in html
        flat_choice = html[html.index("APP-T3"):]
        flat_choice = flat_choice[:flat_choice.index("</label>")]
        assert "Sous le seuil de 700,00\u00a0€" in flat_choice
        other = html[html.index("APP-001"):]
        assert "Sous le seuil" not in other[:other.index("</label>")]


def test_the_session_warns_nothing_below_a_lower_threshold(
    client: FlaskClient, session: Session, world: World, ids: Ids,
) -> None:
    login(client, "chair")
    html = page(client, f"/hearings/{ids['hearing']}/session/items/{ids['item']}")
    assert f"{LEFT} / mois" in html and "Sous le seuil" not in html  # 677,39 € is above the 300 € of the default


# ---------------------------------------------------------------- the agenda's page and PDF


def test_the_agenda_gives_the_figures_to_those_who_read_the_means_and_the_warning_to_the_others(
    app: Flask, session: Session, world: World, ids: Ids,
) -> None:
    allocate_the_flat(session, world, ids)
    set_threshold(session, 70000)
    agenda = f"/hearings/{ids['hearing']}"
    for login_name in (*FIGURES_READERS, "care_a"):
        client = app.test_client()
        login(client, login_name)
        html = page(client, agenda)
        assert f"{LEFT} / mois" in html and "Sous le seuil de 700,00\u00a0€" in html, login_name
    for login_name in WARNING_READERS:
        client = app.test_client()
        login(client, login_name)
        html = page(client, agenda)
        assert WARNING in html, login_name
        assert "677,39" not in html and "1\u202f168" not in html and "407,91" not in html, login_name


def test_the_agenda_pdf_holds_the_figures_or_the_warning_alone(
    app: Flask, session: Session, world: World, ids: Ids,
) -> None:
    allocate_the_flat(session, world, ids)
    set_threshold(session, 70000)
    pdf = f"/hearings/{ids['hearing']}/agenda.pdf"

    def text_for(login_name: str) -> str:
        client = app.test_client()
        login(client, login_name)
        response = client.get(pdf)
        assert response.status_code == 200, login_name
        return pdf_text(response.data)

    for login_name in FIGURES_READERS:
        text = text_for(login_name)
        assert "Reste à vivre : 677,39 € / mois" in text, (login_name, text)
        assert "Sous le seuil de 700,00 €" in text
        assert "ressources 1 168,00 €, aide au logement —, loyer 407,91 €, charges 82,70 €" in text
    for login_name in ("member", "landlord_a", "landlord_b", "care_b"):
        text = text_for(login_name)
        assert WARNING in text, (login_name, text)
        assert "677,39" not in text and "1 168" not in text and "407,91" not in text, login_name


def test_nothing_is_said_to_the_others_when_the_warning_does_not_apply(
    app: Flask, session: Session, world: World, ids: Ids,
) -> None:
    allocate_the_flat(session, world, ids)  # the default threshold, 300 €: 677,39 € is above it
    for login_name in ("member", "landlord_a"):
        client = app.test_client()
        login(client, login_name)
        assert "Reste à vivre" not in page(client, f"/hearings/{ids['hearing']}")
        assert "Reste à vivre" not in pdf_text(client.get(f"/hearings/{ids['hearing']}/agenda.pdf").data)
    client = app.test_client()
    login(client, "chair")
    html = page(client, f"/hearings/{ids['hearing']}")
    assert f"{LEFT} / mois" in html and "Sous le seuil" not in html


def test_the_means_of_an_agenda_page_take_two_queries_whatever_its_length(
    engine: Engine, session: Session, world: World, ids: Ids,
) -> None:
    allocate_the_flat(session, world, ids)
    fresh(session)
    hearing = session.get(Hearing, ids["hearing"])
    assert hearing is not None
    lines = hearings.agenda_page(session, hearing).items
    chair = world.users["chair"]
    assert chair.active  # the reader, loaded as the request's is
    with count_queries(engine) as found:
        shown = means.for_items(session, chair, lines)
        assert [view.figures.left_cents for view in shown.values() if view.figures] == [67739]
    selects = [statement for statement in found if statement.lstrip().upper().startswith("SELECT")]
    assert len(selects) == 2, selects  # the places of the page, then the threshold: never one per item


# ---------------------------------------------------------------- the file's page


def test_the_files_page_shows_what_the_place_allocated_leaves(
    app: Flask, session: Session, world: World, ids: Ids,
) -> None:
    allocate_the_flat(session, world, ids)
    set_threshold(session, 70000)
    for login_name in ("care_a", "coordinator"):
        client = app.test_client()
        login(client, login_name)
        html = page(client, f"/cases/{ids['ada']}")
        assert "Reste à vivre\u00a0:" in html and f"{LEFT} / mois" in html, login_name
        assert "Sous le seuil de 700,00\u00a0€" in html
        assert "loyer 407,91\u00a0€, charges 82,70\u00a0€" in html
    client = app.test_client()
    login(client, "care_b")
    assert client.get(f"/cases/{ids['ada']}").status_code in (403, 404)  # another team's file: not theirs


# ---------------------------------------------------------------- a written consultation


def test_a_written_consultation_proposing_a_place_shows_the_means_as_each_reader_reads_them(
    app: Flask, session: Session, world: World, ids: Ids,
) -> None:
    coordinator = world.users["coordinator"]
    zoe = new_case(session, world, "care_a", first_name="Zoé", monthly_resources="1 168")
    step(session, world.users["care_a"], zoe, "submit")
    step(session, coordinator, zoe, "mark_ready")
    hearing = consultations.open_consultation(session, coordinator, consultations.ConsultationInput(
        case_id=str(zoe.id), proposal="allocate", place_id=str(ids["flat"]), grounds="Le logement convient.",
        purpose="Sort de l'hôpital lundi.", deadline_day=(clock.today() + timedelta(days=5)).isoformat(),
        deadline_time="18:00", quorum="2"))
    set_threshold(session, 70000)
    client = app.test_client()
    login(client, "coordinator")
    html = page(client, f"/consultations/{hearing.id}")
    assert f"{LEFT} / mois" in html and "Sous le seuil de 700,00 €" in html
    client = app.test_client()
    login(client, "member")
    html = page(client, f"/consultations/{hearing.id}")
    assert WARNING in html and "677,39" not in html and "407,91" not in html


# ---------------------------------------------------------------- the form


def test_the_housing_allowance_and_the_consent_to_be_told_by_email_are_saved(
    client: FlaskClient, session: Session, world: World,
) -> None:
    login(client, "care_a")
    response = post_form(client, "/cases/new", form_data(
        world, housing_allowance="180,50", email="lou.garnier@example.org", notice_by_email="y"))
    assert response.status_code == 302, response.get_data(as_text=True)
    fresh(session)
    case = session.execute(select(Case).join(Applicant).where(Applicant.last_name == "Garnier")).scalar_one()
    assert case.housing_allowance_cents == 18050 and case.applicant.notice_by_email is True
    html = page(client, response.headers["Location"])
    assert "Aide au logement" in html and "180,50\u00a0€ / mois" in html
    assert "Prévenu·e par courriel qu'un courrier l'attend" in html and "Oui, avec son accord" in html
    edit = page(client, f"/cases/{case.id}/edit")
    assert 'value="180,50"' in edit and "Accepte d'être prévenu·e par courriel qu'un courrier l'attend" in edit


def test_a_bad_allowance_is_refused_at_its_field_and_nothing_is_saved(
    client: FlaskClient, session: Session, world: World,
) -> None:
    login(client, "care_a")
    before = session.execute(select(func.count(Case.id))).scalar_one()
    response = post_form(client, "/cases/new", form_data(world, housing_allowance="beaucoup", notice_by_email="y"))
    assert response.status_code == 400
    html = unescape(response.get_data(as_text=True))
    assert 'class="error-summary"' in html
    assert '<a href="#housing_allowance">' in html and '<a href="#notice_by_email">' in html
    assert 'id="housing_allowance-error"' in html and 'aria-invalid="true"' in html
    assert "Indiquez l'adresse de courriel de la personne pour la prévenir par courriel." in html
    fresh(session)
    assert session.execute(select(func.count(Case.id))).scalar_one() == before


def test_an_edit_with_a_bad_allowance_changes_nothing(
    client: FlaskClient, session: Session, world: World, ids: Ids,
) -> None:
    case = new_case(session, world, "care_a", first_name="Zoé", housing_allowance="100")
    login(client, "care_a")
    response = post_form(client, f"/cases/{case.id}/edit", {
        **form_data(world, first_name="Zoé", housing_allowance="-5"), "version": str(case.version)})
    assert response.status_code == 400
    assert "Le montant ne peut pas être négatif." in unescape(response.get_data(as_text=True))
    fresh(session)
    assert session.get(Case, case.id).housing_allowance_cents == 10000  # type: ignore[union-attr]
