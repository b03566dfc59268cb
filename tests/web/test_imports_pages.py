"""The coordinator's import page: upload, confirm the columns, read the dry run's report, import; refused to others."""

from __future__ import annotations

import io
import re

from flask.testing import FlaskClient
from openpyxl import load_workbook
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from commission.models import ImportedRecord, ImportRun, Organisation
from tests.conftest import World, csrf_token, fresh, login, post_form

GOOD = "Référence externe;Nom;Type;Commune\nP-1;Habitat Lys;Bailleur social;Ronchin\nP-2;Foyer Nord;hostel;\n"
BAD = "Référence externe;Nom;Type;Commune\nP-1;Habitat Lys;Bailleur social;Nowhere\nP-2;;hostel;\n"


def upload(client: FlaskClient, text: str, kind: str = "partners", name: str = "partenaires.csv"):  # type: ignore[no-untyped-def]
    return client.post("/imports", data={"kind": kind, "file": (io.BytesIO(text.encode("utf-8")), name),
                                         "csrf_token": csrf_token(client, "/imports")})


def columns(page: str) -> dict[str, str]:
    """The columns chosen on the page (the selected option of each select)."""
    chosen: dict[str, str] = {}
    for select_name, body in re.findall(r'<select id="(col-\d+)" name="col-\d+">(.*?)</select>', page, re.S):
        found = re.search(r'<option value="([^"]*)" selected>', body)
        chosen[select_name] = found.group(1) if found else ""
    return chosen


def test_the_coordinator_imports_partners_in_three_steps(client: FlaskClient, session: Session, world: World) -> None:
    login(client, "coordinator")
    home = client.get("/").get_data(as_text=True)
    assert 'href="/imports"' in home
    index = client.get("/imports").get_data(as_text=True)
    assert 'href="/imports/templates/partners.csv"' in index and 'enctype="multipart/form-data"' in index
    response = upload(client, GOOD)
    assert response.status_code == 302
    token_page = response.headers["Location"]
    page = client.get(token_page).get_data(as_text=True)
    chosen = columns(page)
    assert chosen == {"col-0": "external_ref", "col-1": "name", "col-2": "kind", "col-3": "town"}
    report = post_form(client, f"{token_page}/check", chosen, form_page=token_page)
    assert report.status_code == 200
    text = report.get_data(as_text=True)
    assert f'action="{token_page}/apply"' in text
    assert session.execute(select(func.count()).select_from(ImportRun)).scalar_one() == 0
    done = post_form(client, f"{token_page}/apply", chosen, form_page=token_page)
    assert done.status_code == 302 and done.headers["Location"] == "/imports"
    fresh(session)
    assert session.execute(select(func.count()).select_from(ImportedRecord)).scalar_one() == 2
    assert session.execute(select(Organisation).where(Organisation.name == "Foyer Nord")).scalar_one()
    assert "partenaires.csv" in client.get("/imports").get_data(as_text=True)
    # the file is forgotten once imported
    assert client.get(token_page).status_code == 404


def test_the_dry_run_lists_each_rows_problems_and_nothing_is_imported(client: FlaskClient, session: Session,
                                                                      world: World) -> None:
    login(client, "coordinator")
    token_page = upload(client, BAD).headers["Location"]
    chosen = columns(client.get(token_page).get_data(as_text=True))
    report = post_form(client, f"{token_page}/check", chosen, form_page=token_page)
    text = report.get_data(as_text=True)
    assert report.status_code == 200
    assert "/apply" not in text
    assert re.search(r'<td class="num">2</td>\s*<td>P-1</td>\s*<td>Commune</td>', text)
    assert re.search(r'<td class="num">3</td>\s*<td>P-2</td>\s*<td>Nom</td>', text)
    # the real run refuses as well, and says why (all or nothing)
    refused = post_form(client, f"{token_page}/apply", chosen, form_page=token_page)
    assert refused.status_code == 409
    fresh(session)
    assert session.execute(select(func.count()).select_from(ImportRun)).scalar_one() == 0
    assert session.execute(select(Organisation).where(Organisation.name == "Habitat Lys")).first() is None


def test_an_unreadable_file_is_refused_on_the_upload_form(client: FlaskClient, world: World) -> None:
    login(client, "coordinator")
    response = client.post("/imports", data={"kind": "partners", "file": (io.BytesIO(b""), "vide.csv"),
                                             "csrf_token": csrf_token(client, "/imports")})
    assert response.status_code == 302 and response.headers["Location"] == "/imports?kind=partners"
    page = client.get("/imports").get_data(as_text=True)
    # (in French once the catalogue is merged)
    assert "Choisissez le fichier à importer" in page or "Choose the file to import" in page
    response = client.post("/imports", data={"kind": "partners", "file": (io.BytesIO(b"\xd0\xcf\x11\xe0old"),
                                                                          "vieux.xls"),
                                             "csrf_token": csrf_token(client, "/imports")})
    assert response.status_code == 302 and "XLSX" in client.get("/imports").get_data(as_text=True)


def test_a_changed_column_is_taken_and_a_column_chosen_twice_is_refused(client: FlaskClient, world: World) -> None:
    login(client, "coordinator")
    text = "Code;Raison sociale;Nature;Ville\nP-9;Résidence Sud;residence;Lesquin\n"
    token_page = upload(client, text).headers["Location"]
    chosen = columns(client.get(token_page).get_data(as_text=True))
    assert chosen == {"col-0": "external_ref", "col-1": "name", "col-2": "kind", "col-3": "town"}
    twice = post_form(client, f"{token_page}/check", {**chosen, "col-3": "name"}, form_page=token_page)
    assert twice.status_code == 400
    ignored = post_form(client, f"{token_page}/check", {**chosen, "col-3": ""}, form_page=token_page)
    assert ignored.status_code == 200 and "/apply" in ignored.get_data(as_text=True)


def test_the_templates_download_with_french_headers(client: FlaskClient, world: World) -> None:
    login(client, "coordinator")
    response = client.get("/imports/templates/places.csv")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    first = response.get_data().decode("utf-8-sig").splitlines()[0]
    assert first.split(";")[0] in {"Référence externe", "External reference"}
    workbook = load_workbook(io.BytesIO(client.get("/imports/templates/agreements.xlsx").get_data()))
    assert workbook.active.max_row == 2
    assert client.get("/imports/templates/nothing.csv").status_code == 404


def test_a_file_kept_for_one_coordinator_is_not_found_by_another_token(client: FlaskClient, world: World) -> None:
    login(client, "coordinator")
    assert client.get("/imports/" + "A" * 43).status_code == 404
    assert client.get("/imports/../etc").status_code == 404


def test_others_are_refused(client: FlaskClient, world: World) -> None:
    login(client, "treasurer")
    assert client.get("/imports").status_code == 403
    assert client.get("/imports/templates/partners.csv").status_code == 403
    assert upload(client, GOOD).status_code == 403


def test_the_same_file_again_has_nothing_to_import(client: FlaskClient, session: Session, world: World) -> None:
    login(client, "coordinator")
    first = upload(client, GOOD).headers["Location"]
    chosen = columns(client.get(first).get_data(as_text=True))
    assert post_form(client, f"{first}/apply", chosen, form_page=first).status_code == 302
    again = upload(client, GOOD).headers["Location"]
    report = post_form(client, f"{again}/check", chosen, form_page=again)
    text = report.get_data(as_text=True)
    assert report.status_code == 200 and "/apply" not in text
    done = post_form(client, f"{again}/apply", chosen, form_page=again)
    assert done.status_code == 302
    fresh(session)
    assert session.execute(select(func.count()).select_from(ImportRun)).scalar_one() == 1


def test_a_required_column_missing_is_said_before_the_dry_run(client: FlaskClient, world: World) -> None:
    login(client, "coordinator")
    token_page = upload(client, "Nom;Commune\nHabitat;Ronchin\n").headers["Location"]
    page = client.get(token_page).get_data(as_text=True)
    assert 'class="error-summary"' in page
    chosen = columns(page)
    refused = post_form(client, f"{token_page}/check", chosen, form_page=token_page)
    assert refused.status_code == 400 and 'class="error-summary"' in refused.get_data(as_text=True)
