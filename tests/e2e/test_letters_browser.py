"""The coordinator edits the refusal letter's text in a real browser, previews it on a file, saves it; the next
refusal, recorded at the session, is written with it, while a refusal letter written before stays as it was sent.

It runs on a copy of the demo served on the day of its convened hearing (the session test's fixture), so that a
refusal can be recorded as the commission records one: at the session.
"""

from __future__ import annotations

import io
import re
import sqlite3
from contextlib import closing
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from tests.e2e.conftest import BrowserProblems
from tests.e2e.test_browser import assert_no_browser_problems, audit, log_in
from tests.e2e.test_session_browser import SKIP_REASON, HearingDay, hearing_day, tablet_page

pytestmark = [pytest.mark.e2e, pytest.mark.skipif(SKIP_REASON is not None, reason=SKIP_REASON or "")]
__all__ = ["hearing_day"]  # the fixture, imported to be used here

if SKIP_REASON is None or TYPE_CHECKING:
    from playwright.sync_api import Browser, Page, expect

NEW_SENTENCE = "Nous restons à votre disposition pour préparer avec vous une nouvelle demande."


def _query(database: Path, sql: str, *args: object) -> list[tuple[object, ...]]:
    with closing(sqlite3.connect(f"file:{database}?mode=ro", uri=True)) as connection:
        return connection.execute(sql, args).fetchall()


def _pdf_text(page: Page, path: str) -> str:
    from pypdf import PdfReader

    response = page.request.get(path)
    assert response.ok, (path, response.status)
    assert response.headers["content-type"] == "application/pdf"
    reader = PdfReader(io.BytesIO(response.body()))
    text = " ".join(pdf_page.extract_text() for pdf_page in reader.pages)
    return " ".join(text.replace("\xa0", " ").replace("\u202f", " ").split())


def test_the_coordinator_edits_the_refusal_letter_and_the_next_refusal_uses_it(
        browser: Browser, hearing_day: HearingDay, browser_problems: BrowserProblems, tmp_path: Path) -> None:
    day = hearing_day
    database = tmp_path / "instance" / "commission.sqlite"
    earlier_id, earlier_file = _query(database, (
        "SELECT outgoing_letter.id, case_file.id FROM outgoing_letter JOIN case_file ON case_file.id = case_id "
        "WHERE kind = 'refusal' AND recipient = 'person' ORDER BY outgoing_letter.id LIMIT 1"))[0]
    page = tablet_page(browser, day, browser_problems)
    log_in(page, *day.coordinator)
    earlier_before = _pdf_text(page, f"/letters/{earlier_id}.pdf")

    # the menu's "Texts of the letters", then the refusal: two clicks
    page.goto("/")
    clicks = 0
    page.get_by_role("button", name="Pilotage et administration").click()
    with page.expect_navigation():
        page.get_by_role("link", name="Textes des lettres").click()
        clicks += 1
    audit(page, "the texts of the letters")
    with page.expect_navigation():
        page.get_by_role("link", name="Refus", exact=True).click()
        clicks += 1
    expect(page.get_by_role("heading", level=1)).to_contain_text("Refus")
    body = page.get_by_label("Texte de la lettre")
    paragraphs = body.input_value().split("\n\n")
    body.fill("\n\n".join([*paragraphs[:-1], NEW_SENTENCE, paragraphs[-1]]))

    # previewed on the file of the earlier refusal, by its number
    page.get_by_label("Dossier sur lequel prévisualiser la lettre").fill(str(earlier_file))
    with page.expect_navigation():
        page.get_by_role("button", name="Prévisualiser").click()
        clicks += 1
    preview = page.locator("section.letter-preview")
    expect(preview).to_contain_text(NEW_SENTENCE)
    audit(page, "the refusal letter previewed")
    assert NEW_SENTENCE in body.input_value(), "the preview lost the text being edited"
    page.get_by_label("Ce qui a changé (conservé avec la version)").fill("Une phrase d'accompagnement")
    with page.expect_navigation():
        page.get_by_role("button", name="Enregistrer", exact=True).click()
        clicks += 1
    expect(page.get_by_role("status")).to_contain_text("version 1")
    assert clicks <= 4, clicks

    # the session: the coordinator, its secretary, refuses the first application on the agenda
    item_id, case_id = _query(database, (
        "SELECT id, case_id FROM agenda_item WHERE hearing_id = ? AND kind = 'application' ORDER BY position, id "
        "LIMIT 1"), day.hearing_id)[0]
    page.goto(f"/hearings/{day.hearing_id}/session")
    with page.expect_navigation():
        page.get_by_role("button", name="Tous présents").click()
    with page.expect_navigation():
        page.get_by_role("button", name="Ouvrir la séance").click()
    page.goto(f"/hearings/{day.hearing_id}/session/items/{item_id}")
    page.get_by_role("radio", name="Refuser", exact=True).click()
    page.locator("[data-decisions='refuse'] input[name='usual_reason']").first.click()
    with page.expect_navigation():
        page.get_by_role("button", name="Enregistrer la décision").click()

    # the refusal's letters are written with the new text; the earlier letter is as it was sent
    written = _query(database, "SELECT id, recipient FROM outgoing_letter WHERE case_id = ? AND kind = 'refusal' "
                               "ORDER BY id", case_id)
    assert {recipient for _id, recipient in written} >= {"person", "care_team"}, written
    person_letter = next(letter_id for letter_id, recipient in written if recipient == "person")
    page.goto(f"/cases/{case_id}")
    expect(page.locator("#letters-title")).to_be_visible()
    new_text = _pdf_text(page, f"/letters/{person_letter}.pdf")
    assert NEW_SENTENCE in new_text
    assert re.search(r"N/Réf\.?\s*:?\s*CA-\d{4}-\d{6}", new_text), new_text[:600]
    earlier_after = _pdf_text(page, f"/letters/{earlier_id}.pdf")
    assert earlier_after == earlier_before and NEW_SENTENCE not in earlier_after
    assert_no_browser_problems(browser_problems)
