"""The housing sub-group in a real browser, as its members work.

An elected official who sits in the sub-group (not the coordinator) opens its workspace from the menu, reads the
agreements and the fund, records the meeting held today with an action of her own, registers a letter received
from the préfecture with its scan and an answer due in four days, and finds both on her home page. Then a new
partner is followed from the first meeting to the drafted agreement by her, signed by the coordinator, who adds
the place it brings: the prospect's page counts it. Every page met passes the axe-core audit.
"""

from __future__ import annotations

import re
from datetime import date, timedelta
from pathlib import Path

import pytest

from tests.e2e.conftest import BrowserProblems, DemoAccount, DemoServer, skip_reason
from tests.e2e.test_browser import assert_no_browser_problems, audit, log_in, log_out, nav_link

SKIP_REASON = skip_reason()
pytestmark = [pytest.mark.e2e, pytest.mark.skipif(SKIP_REASON is not None, reason=SKIP_REASON or "")]

if SKIP_REASON is None:
    from playwright.sync_api import Page, expect

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
SEATED = "presidence.mons"  # an elected official seated in the sub-group; she holds the signing delegation


def account(server: DemoServer, login: str) -> DemoAccount:
    return next(found for found in server.accounts if found.login == login)


def submit(page: Page, form: str) -> None:
    """Send a form of the page (the one matched by ``form``) and wait for the page it leads to."""
    with page.expect_navigation():
        page.locator(form).locator("button[type=submit]").click()


def test_a_member_reads_the_agreements_and_the_fund_records_a_meeting_and_registers_a_letter(
        page: Page, demo_server: DemoServer, browser_problems: BrowserProblems, tmp_path: Path) -> None:
    member = account(demo_server, SEATED)
    log_in(page, member.login, member.password)
    today = date.today()

    # the workspace, from the menu
    with page.expect_navigation():
        nav_link(page, "Sous-groupe logement").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Sous-groupe logement")
    audit(page, "the sub-group's workspace")

    # the agreements, read: no edit, no end
    with page.expect_navigation():
        page.get_by_role("link", name="Toutes les conventions, leurs renouvellements et leurs documents").click()
    expect(page.get_by_role("link", name="Nouvelle convention")).to_have_count(0)
    with page.expect_navigation():
        page.locator("main table tbody a[href^='/agreements/']").first.click()
    expect(page.locator("main a[href$='/edit']")).to_have_count(0)
    audit(page, "an agreement, read by a member")

    # the fund, read
    page.goto("/subgroup")
    with page.expect_navigation():
        page.locator("main").get_by_role("link", name="Le fonds", exact=True).click()
    expect(page).to_have_url(re.compile(r"/treasury$"))
    audit(page, "the fund, read by a member")

    # the meeting held today: its notes, who attended, and an action she carries
    page.goto("/subgroup")
    clicks = 0
    with page.expect_navigation():
        page.get_by_role("link", name="Prévoir une réunion").click()
        clicks += 1
    page.locator("[name=held_on]").fill(today.isoformat())
    page.locator("[name=starts_at]").fill("17:30")
    page.locator("[name=location]").fill("Mairie de Mons-en-Barœul")
    page.locator("[name=agenda]").fill("Conventions à renouveler")
    page.locator("[name=notes]").fill("La convention arrivant à échéance sera renouvelée.")
    page.get_by_label(member.name).check()
    submit(page, "main form[method=post]")
    clicks += 1
    expect(page.get_by_role("heading", level=1)).to_contain_text("Réunion")
    action_form = page.locator("form[action$='/actions']")
    action_form.locator("[name=description]").fill("Appeler le bailleur pour l'avenant")
    action_form.locator("[name=owner]").select_option(label=member.name)
    action_form.locator("[name=due_on]").fill((today + timedelta(days=3)).isoformat())
    submit(page, "form[action$='/actions']")
    clicks += 1
    expect(page.locator("main")).to_contain_text("Appeler le bailleur pour l'avenant")
    audit(page, "a meeting with its action")
    assert clicks <= 3, clicks

    # a letter received, with its scan, whose answer is due in four days
    page.goto("/subgroup")
    with page.expect_navigation():
        page.get_by_role("link", name="Enregistrer un courrier reçu").click()
    due = today + timedelta(days=4)
    page.locator("[name=correspondent]").fill("Préfecture du Nord — DDETS")
    page.locator("[name=correspondent_kind]").select_option("authority")
    page.locator("[name=subject]").fill("Demande de bilan du dispositif")
    page.locator("[name=dated_on]").fill((today - timedelta(days=2)).isoformat())
    page.locator("[name=registered_on]").fill(today.isoformat())
    page.locator("[name=answer_due]").fill(due.isoformat())
    page.locator("[name=handler_id]").select_option(label=member.name)
    audit(page, "the letter's form")
    submit(page, "main form[method=post]")
    number = page.get_by_role("heading", level=1).inner_text()
    scan = tmp_path / "courrier.pdf"
    scan.write_bytes(PDF)
    page.locator("input[type=file]").set_input_files(str(scan))
    submit(page, "form[action$='/documents']")
    expect(page.locator("main")).to_contain_text("courrier.pdf")
    audit(page, "a letter received, with its scan")

    # her home page: the answer due, and her action
    page.goto("/")
    letters = page.locator("section.reminder-group").filter(has_text="Courriers officiels à traiter")
    expect(letters).to_contain_text(re.search(r"\d{4}-A-\d+", number).group(0))  # type: ignore[union-attr]
    expect(page.locator("section.reminder-group").filter(has_text="Actions du sous-groupe logement")).to_have_count(1)
    audit(page, "her home page with the sub-group's reminders")
    assert_no_browser_problems(browser_problems)


def test_a_prospect_is_followed_to_a_signed_agreement_with_its_places(
        page: Page, demo_server: DemoServer, browser_problems: BrowserProblems) -> None:
    member, coordinator = account(demo_server, SEATED), demo_server.account("coordinator")
    today = date.today()
    log_in(page, member.login, member.password)
    page.goto("/subgroup")
    with page.expect_navigation():
        page.get_by_role("link", name="Nouveau partenaire pressenti").click()
    page.locator("[name=name]").fill("Résidence accueil Les Acacias")
    page.locator("[name=kind]").select_option("residence")
    page.locator("[name=places_announced]").fill("2")
    page.locator("[name=place_kind]").select_option("residence_place")
    page.locator("[name=contact_name]").fill("Mme Delcroix")
    submit(page, "main form[method=post]")
    prospect_url = page.url
    audit(page, "a new prospect")

    for trigger, note in (("meet", "Visite de la résidence."), ("propose", "Proposition envoyée."),
                          ("draft", "La convention est rédigée.")):
        form = f"form[action$='/steps/{trigger}']"
        page.locator(form).locator("[name=note]").fill(note)
        submit(page, form)
    expect(page.locator("main")).to_contain_text("Convention rédigée")
    expect(page.locator("form[action$='/sign']")).to_have_count(0)  # the coordinator signs it into the stock
    audit(page, "a drafted agreement, as the member sees it")
    log_out(page)

    log_in(page, coordinator.login, coordinator.password)
    page.goto(prospect_url)
    sign = page.locator("form[action$='/sign']")
    sign.locator("[name=reference]").fill(f"CONV-{today.year}-ACA")
    sign.locator("[name=title]").fill("Convention avec la résidence accueil Les Acacias")
    sign.locator("[name=start_date]").fill(today.isoformat())
    sign.locator("[name=end_date]").fill(today.replace(year=today.year + 3).isoformat())
    submit(page, "form[action$='/sign']")
    expect(page.locator("main")).to_contain_text(f"CONV-{today.year}-ACA")
    with page.expect_navigation():
        page.get_by_role("link", name="Ajouter une place à cette convention").click()
    page.locator("[name=reference]").fill("RES-ACA-1")
    page.locator("[name=kind]").select_option("residence_place")
    page.locator("[name=town_id]").select_option(label="Faches-Thumesnil")
    page.locator("[name=address]").fill("3 rue des Acacias, studio 1")
    page.locator("[name=rooms]").fill("1")
    page.locator("[name=rent]").fill("360,00")
    page.locator("[name=charges]").fill("30,00")
    page.locator("[name=deposit]").fill("400,00")
    submit(page, "main form[method=post]")
    page.goto(prospect_url)
    expect(page.locator("main")).to_contain_text("RES-ACA-1")
    expect(page.locator("main")).to_contain_text("1 place apportée sur les 2 annoncées.")
    audit(page, "a signed prospect with the place it brought")
    assert_no_browser_problems(browser_problems)
