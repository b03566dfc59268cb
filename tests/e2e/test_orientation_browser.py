"""Orientation towards a structure of the territory in a real browser (issue 22).

The coordinator reads the dashboard's people helped; the Ronchin care team opens one of its refused files, orients
the person, with their consent, to a mutual-help group of the directory, and records the group's acceptance from
the file's page; the coordinator's dashboard then counts one more person helped. Every page met passes the
axe-core audit.
"""

from __future__ import annotations

import re
import sqlite3
from contextlib import closing
from datetime import date
from pathlib import Path

import pytest

from tests.e2e.conftest import BrowserProblems, DemoServer, skip_reason
from tests.e2e.test_browser import assert_no_browser_problems, audit, log_in, log_out

SKIP_REASON = skip_reason()
pytestmark = [pytest.mark.e2e, pytest.mark.skipif(SKIP_REASON is not None, reason=SKIP_REASON or "")]

if SKIP_REASON is None:
    from playwright.sync_api import Page, expect

CARE_TEAM = "soignant.ronchin"


def _query(database: Path, sql: str, *args: object) -> list[tuple[object, ...]]:
    with closing(sqlite3.connect(f"file:{database}?mode=ro", uri=True)) as connection:
        return connection.execute(sql, args).fetchall()


def _helped(page: Page) -> int:
    page.goto("/dashboard")
    return int(re.sub(r"\D", "", page.locator("#figure-helped").inner_text()))


def test_a_care_team_orients_a_refused_applicant_to_a_mutual_help_group(
        page: Page, demo_server: DemoServer, browser_problems: BrowserProblems) -> None:
    accounts = {account.login: account for account in demo_server.accounts}
    database = demo_server.database
    # One of the team's refused files whose person is neither housed nor followed anywhere; a mutual-help group.
    (case_id,) = _query(database, """
        SELECT c.id FROM case_file c JOIN user_account u ON u.care_team_id = c.care_team_id AND u.login = ?
        WHERE c.state = 'refused'
          AND NOT EXISTS (SELECT 1 FROM case_file o JOIN occupancy h ON h.case_id = o.id
                          WHERE o.applicant_id = c.applicant_id)
          AND NOT EXISTS (SELECT 1 FROM case_file o JOIN orientation r ON r.case_id = o.id
                          WHERE o.applicant_id = c.applicant_id AND r.state IN ('accepted', 'ended'))
        ORDER BY c.id LIMIT 1""", CARE_TEAM)[0]
    (gem_id,) = _query(database, "SELECT id FROM structure WHERE kind = 'mutual_help_group' AND active "
                                 "ORDER BY id LIMIT 1")[0]
    coordinator = accounts["coordination"]
    log_in(page, coordinator.login, coordinator.password)
    before = _helped(page)
    log_out(page)

    team = accounts[CARE_TEAM]
    log_in(page, team.login, team.password)
    today = date.today().isoformat()
    page.goto(f"/cases/{case_id}")
    with page.expect_navigation():
        page.locator(f"a[href='/cases/{case_id}/orientations/new']").click()
    audit(page, "the orientation form")
    page.locator(f"#structure-{gem_id}").check()
    page.locator("#reason").fill("Rompre l'isolement ; la personne souhaite rencontrer d'autres adhérents.")
    page.locator("#consent_on").fill(today)
    page.locator("#sent_on").fill(today)
    with page.expect_navigation():
        page.locator("main form button[type=submit]").first.click()
    expect(page).to_have_url(re.compile(rf"/cases/{case_id}#orientations$"))
    card = page.locator("#orientations article").filter(has=page.locator("[data-state='sent']")).first
    expect(card).to_be_visible()
    audit(page, "the file with its orientation")
    with page.expect_navigation():
        card.locator("form[action$='/steps/accept'] button[type=submit]").click()
    expect(page.locator("#orientations [data-state='accepted']").first).to_be_visible()
    log_out(page)

    log_in(page, coordinator.login, coordinator.password)
    assert _helped(page) == before + 1
    audit(page, "the dashboard")
    assert_no_browser_problems(browser_problems)
