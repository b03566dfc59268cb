"""The spreadsheet import in a real browser (issue 23), as the coordinator works from a tablet.

She opens the import page from the menu and downloads the places' template (a real CSV and a real XLSX, French
headers); she uploads the places kept until now in a spreadsheet (a CSV of Windows-1252 with ``;``, as Excel
saves it in France, accented town and partner names), with one bad date; the columns proposed are confirmed, the
dry run lists the error by its line and its column, in French, and nothing was written. She corrects the file,
uploads it again from the report, the dry run is clean, she imports: the places are in the places' list. The same
file again is reported unchanged and imports nothing. The clicks of the main path are counted; every page met
passes the axe-core audit.
"""

from __future__ import annotations

import io
import re
import sqlite3
from contextlib import closing
from pathlib import Path

import pytest
from openpyxl import load_workbook

from tests.e2e.conftest import BrowserProblems, DemoServer, skip_reason
from tests.e2e.test_browser import assert_no_browser_problems, audit, log_in, main_nav, nav_link

SKIP_REASON = skip_reason()
pytestmark = [pytest.mark.e2e, pytest.mark.skipif(SKIP_REASON is not None, reason=SKIP_REASON or "")]

if SKIP_REASON is None:
    from playwright.sync_api import Page, expect

TABLET = {"width": 820, "height": 1180}  # a tablet held upright: the coordinator's, at a meeting or on the road
TOWN = "Mons-en-Barœul"  # "œ" is in Windows-1252 (0x9C)
PARTNER = "Habitat Métropole Est"
# The headers as a coordinator's own spreadsheet names them (not the template's): the page proposes the match.
HEADERS = ["Référence externe", "Référence du logement", "Type", "Ville", "Adresse", "Bailleur", "Pièces",
           "Surface", "Étage", "Loyer mensuel", "Charges", "Dépôt de garantie", "État", "Depuis"]
EXPECTED_COLUMNS = ["external_ref", "reference", "kind", "town", "address", "partner", "rooms", "surface_m2",
                    "floor", "rent", "charges", "deposit", "state", "since"]
REFERENCES = ["MONS-IMP-1", "MONS-IMP-2", "MONS-IMP-3"]
BAD_DATE = "31/02/2026"  # the planted error: no 31 February; on line 3 of the file, column « Depuis »


def _rows(second_since: str) -> list[list[str]]:
    return [
        ["L-901", REFERENCES[0], "Appartement associatif", TOWN, "4 rue de l'Église, apt 2", PARTNER, "2", "41",
         "1", "352,50", "58,00", "352,50", "Disponible", "01/09/2026"],
        ["L-902", REFERENCES[1], "Appartement associatif", TOWN, "17 rue Pasteur, apt 5", PARTNER, "1", "28", "3",
         "298,00", "45,00", "298,00", "Disponible", second_since],
        ["L-903", REFERENCES[2], "Appartement associatif", "mons en baroeul", "2 place de l'Hôtel de Ville",
         PARTNER, "3", "63", "0", "410,00", "70,00", "410,00", "", ""],
    ]


def _write_csv(path: Path, rows: list[list[str]]) -> Path:
    lines = [";".join(HEADERS), *(";".join(row) for row in rows)]
    path.write_bytes(("\r\n".join(lines) + "\r\n").encode("cp1252"))
    return path


def _menu_taps(page: Page, label: str) -> int:
    """The taps that reach a page of the menu, as :func:`nav_link` makes them: the menu's button where the menu is
    folded (a phone), the group's button where the page's group is folded, the page's link."""
    nav = main_nav(page)
    link = nav.get_by_role("link", name=label, exact=True, include_hidden=True)
    expect(link).to_have_count(1)
    menu = nav.locator(".nav-toggle")
    folded_menu = menu.is_visible() and menu.get_attribute("aria-expanded") != "true"
    named = page.get_by_role("link", name=label, exact=True, include_hidden=True)  # (inner locators are relative)
    group = nav.locator(".nav-group", has=named).locator(".nav-group-toggle")
    folded_group = group.count() == 1 and group.get_attribute("aria-expanded") != "true"
    return int(folded_menu) + int(folded_group) + 1


def _query(database: Path, sql: str, *args: object) -> list[tuple[object, ...]]:
    with closing(sqlite3.connect(f"file:{database}?mode=ro", uri=True)) as connection:
        return connection.execute(sql, args).fetchall()


def _count(database: Path, sql: str, *args: object) -> int:
    return int(_query(database, sql, *args)[0][0])  # type: ignore[call-overload]


def _imported_places(database: Path) -> int:
    marks = ",".join("?" * len(REFERENCES))
    return _count(database, f"SELECT count(*) FROM place WHERE reference IN ({marks})", *REFERENCES)


def _downloaded(page: Page, link: str) -> bytes:
    with page.expect_download() as download:
        page.locator(f"main a[href='{link}']").click()
    path = download.value.path()
    assert path is not None, link
    return Path(path).read_bytes()


def _check_templates(page: Page) -> None:
    """The places' template, both formats: French headers, the external reference first, an example row."""
    csv_text = _downloaded(page, "/imports/templates/places.csv").decode("utf-8-sig")
    csv_lines = csv_text.splitlines()
    headers = csv_lines[0].split(";")
    assert headers[0] == "Référence externe", headers
    assert {"Référence", "Commune", "Partenaire", "Loyer", "Caution", "Depuis"} <= set(headers), headers
    assert len(csv_lines) == 2 and len(csv_lines[1].split(";")) == len(headers), csv_lines
    workbook = load_workbook(io.BytesIO(_downloaded(page, "/imports/templates/places.xlsx")), read_only=True)
    sheet_rows = list(workbook.worksheets[0].iter_rows(values_only=True))
    workbook.close()
    assert [cell for cell in sheet_rows[0] if cell] == headers, sheet_rows[0]
    assert len(sheet_rows) == 2, sheet_rows


def _choose_and_read(page: Page, csv_file: Path) -> int:
    """The import page's form: the kind, the file, « Lire le fichier ». Returns the clicks."""
    form = page.locator("main form[enctype='multipart/form-data']")
    form.get_by_label("Contenu du fichier").select_option("places")
    form.get_by_label("Le fichier (CSV ou XLSX, 5 Mo au plus)").set_input_files(str(csv_file))  # the chooser: a tap
    with page.expect_navigation():
        form.get_by_role("button", name="Lire le fichier").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Les colonnes du fichier")
    return 3


def _upload_corrected(page: Page, csv_file: Path) -> int:
    """The report's own form (its kind kept): the corrected file, « Téléverser le fichier corrigé »."""
    form = page.locator("main form[enctype='multipart/form-data']")
    expect(form.locator("input[type=hidden][name=kind]")).to_have_value("places")
    form.get_by_label("Le fichier corrigé (CSV ou XLSX, 5 Mo au plus)").set_input_files(str(csv_file))
    with page.expect_navigation():
        form.get_by_role("button", name="Téléverser le fichier corrigé").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Les colonnes du fichier")
    return 2


def _confirm_columns(page: Page, what: str) -> int:
    """The proposed match of the columns, checked then confirmed by « Vérifier le fichier »."""
    selects = page.locator("main form select")
    expect(selects).to_have_count(len(HEADERS))
    for index, (header, column) in enumerate(zip(HEADERS, EXPECTED_COLUMNS, strict=True)):
        select = page.get_by_label(header, exact=True)
        expect(select).to_have_attribute("id", f"col-{index}")
        expect(select).to_have_value(column)
    expect(page.locator("main .error-summary")).to_have_count(0)  # every required column found
    audit(page, f"the columns of {what}")
    with page.expect_navigation():
        page.get_by_role("button", name="Vérifier le fichier (essai à blanc)").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Essai à blanc de l'import")
    return 1


def test_the_coordinator_imports_places_from_a_spreadsheet_corrects_an_error_and_imports_once(
        page: Page, demo_server: DemoServer, browser_problems: BrowserProblems, tmp_path: Path) -> None:
    database = demo_server.database
    runs_before = _count(database, "SELECT count(*) FROM import_run")
    places_before = _count(database, "SELECT count(*) FROM place")
    assert _imported_places(database) == 0
    page.set_viewport_size(TABLET)
    coordinator = demo_server.account("coordinator")
    log_in(page, coordinator.login, coordinator.password)
    expect(page).to_have_url(re.compile(r"/$"))

    # From the home page to the import page, by the menu: its group « Pilotage et administration » opened, then
    # its page.
    clicks = _menu_taps(page, "Import depuis des tableurs")
    assert clicks == 2, clicks  # the group is folded in the menu bar of a tablet
    with page.expect_navigation():
        nav_link(page, "Import depuis des tableurs").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Import depuis des tableurs")
    audit(page, "the import page")

    # The template (a preparation, not counted: done once, before filling in years of paper)
    _check_templates(page)

    # The file with its error: read, its columns confirmed, its dry run
    bad = _write_csv(tmp_path / "logements.csv", _rows(BAD_DATE))
    assert "œ".encode("cp1252") in bad.read_bytes() and b"\xe9" in bad.read_bytes()  # not UTF-8
    clicks += _choose_and_read(page, bad)
    expect(page.locator("main")).to_contain_text("logements.csv")
    clicks += _confirm_columns(page, "the file with an error")
    summary = page.locator("main .error-summary")
    expect(summary).to_be_visible()
    expect(summary).to_contain_text("1 problème à corriger dans le fichier")
    problems = page.locator("#problems tbody tr")
    expect(problems).to_have_count(1)
    cells = problems.first.locator("td")
    expect(cells).to_have_text(["3", "L-902", "Depuis", re.compile(r"Ce n'est pas une date")])
    # the summary has the focus (read out first); it leads to the problems, and to the next step: the corrected
    # file's field, on this page
    expect(summary).to_be_focused()
    summary.locator("a[href='#problems']").click()
    expect(page.locator("#problems")).to_be_focused()
    summary.locator("a[href='#import-file']").click()
    expect(page.locator("#import-file")).to_be_focused()
    expect(page.get_by_role("button", name="Importer")).to_have_count(0)
    audit(page, "the dry run's report with an error")
    # nothing was written
    assert _imported_places(database) == 0
    assert _count(database, "SELECT count(*) FROM import_run") == runs_before
    assert _count(database, "SELECT count(*) FROM place") == places_before

    # Corrected, uploaded again from the report itself: the kind stays chosen
    good = _write_csv(tmp_path / "logements.csv", _rows("15/10/2026"))
    clicks += _upload_corrected(page, good)
    clicks += _confirm_columns(page, "the corrected file")
    expect(page.locator("main .error-summary")).to_have_count(0)
    expect(page.locator("main .figures")).to_contain_text("Fiches à créer\u00a0: 3")
    audit(page, "the clean dry run")
    assert _imported_places(database) == 0  # still a dry run
    with page.expect_navigation():
        page.get_by_role("button", name="Importer", exact=True).click()
    clicks += 1

    # The result
    expect(page).to_have_url(re.compile(r"/imports$"))
    expect(page.locator(".flashes .flash-success")).to_contain_text(
        re.compile(r"Import de logements\.csv\s*: 3\s*fiches créées, 0\s*inchangées\."))
    expect(page.locator("main table").last).to_contain_text("logements.csv")
    audit(page, "the import page after the import")
    # Home page -> result: the menu (2: its group is folded on a tablet, then the page), the kind, the file,
    # « Lire le fichier », « Vérifier le fichier » (the columns proposed are right: nothing to change); after the
    # correction, on the report itself, the file and « Téléverser le fichier corrigé » (the kind is kept), then
    # « Vérifier » and « Importer »: ten taps, four for each round of correction; a first file without error
    # would take seven (the columns always shown: a wrong match would import garbage silently).
    assert clicks <= 10, f"{clicks} taps from the home page to the result"

    assert _imported_places(database) == 3
    assert _count(database, "SELECT count(*) FROM import_run") == runs_before + 1
    rows = _query(database, """
        SELECT p.reference, t.name, o.name, p.rent_cents, p.state FROM place p JOIN town t ON t.id = p.town_id
        JOIN organisation o ON o.id = p.organisation_id WHERE p.reference LIKE 'MONS-IMP-%' ORDER BY p.reference""")
    assert rows == [(REFERENCES[0], TOWN, PARTNER, 35250, "available"),
                    (REFERENCES[1], TOWN, PARTNER, 29800, "available"),
                    (REFERENCES[2], TOWN, PARTNER, 41000, "available")], rows

    # The places are in the list of places, filtered on their town
    with page.expect_navigation():
        nav_link(page, "Places").click()
    page.locator("main form.filters").get_by_label("Commune").select_option(label=TOWN)
    with page.expect_navigation():
        page.locator("main form.filters button[type=submit]").click()
    listed = page.locator("main table tbody")
    for reference in REFERENCES:
        expect(listed.get_by_role("link", name=reference, exact=True)).to_have_count(1)
    audit(page, "the places of the town, with the imported ones")

    # The same file again: everything unchanged, nothing to import
    page.goto("/imports")
    _choose_and_read(page, good)
    _confirm_columns(page, "the same file again")
    figures = page.locator("main .figures")
    expect(figures).to_contain_text("Fiches à créer\u00a0: 0")
    expect(figures).to_contain_text("Inchangées (déjà importées)\u00a0: 3")
    expect(page.locator("main")).to_contain_text("il n'y a rien à importer")
    expect(page.get_by_role("button", name="Importer", exact=True)).to_have_count(0)
    audit(page, "the dry run of a file imported before")
    assert _count(database, "SELECT count(*) FROM import_run") == runs_before + 1
    assert _count(database, "SELECT count(*) FROM place") == places_before + 3
    assert_no_browser_problems(browser_problems)
