"""The treasury's pages as their users meet them: the treasurer takes each step of a deposit, the holder
of the signing delegation commits the council, the coordinator reads and approves, a landlord sees its
own deposits and nothing else. Bad input is refused with a reason and changes nothing."""

from __future__ import annotations

import csv
import io
from datetime import date, datetime

import pytest
from flask.testing import FlaskClient
from openpyxl import load_workbook
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session

from commission import clock
from commission.models.treasury import Contribution, Deposit, LedgerEntry
from commission.services import treasury, treasury_reports
from tests.conftest import World, fresh, login, post_form
from tests.test_treasury_reports import HOSTILE_LABEL, build_fund, delegate, extra_place, fire, paid, request
from tests.web.test_query_counts import count_queries

TODAY = date(2026, 3, 1)
YEAR = 2025
ALLOWED_READERS = {"coordinator", "treasurer"}
REFUSED = {"care_a", "care_b", "chair", "member"}


def entries(session: Session) -> int:
    fresh(session)
    return session.execute(select(func.count(LedgerEntry.id))).scalar_one()


def deposit_state(session: Session, deposit_id: int) -> tuple[str, int]:
    fresh(session)
    deposit = session.get(Deposit, deposit_id)
    assert deposit is not None
    return deposit.state, deposit.version


def step(client: FlaskClient, deposit: Deposit | int, trigger: str, data: dict[str, str], *,
         version: int | None = None, lang: str = "en"):  # type: ignore[no-untyped-def]
    deposit_id = deposit if isinstance(deposit, int) else deposit.id
    page = f"/treasury/deposits/{deposit_id}"
    if version is None:
        assert not isinstance(deposit, int)
        version = deposit.version
    with clock.travel(TODAY):
        return post_form(client, f"{page}/steps/{trigger}?lang={lang}",
                         {"expected_version": str(version), **data}, form_page=page)


# ---------------------------------------------------------------- who sees what


def pages(deposit_a: int, entry: int) -> dict[str, set[str]]:
    readers = ALLOWED_READERS
    return {
        "/treasury": readers,
        "/treasury/deposits": readers | {"landlord_a", "landlord_b"},  # each its own
        f"/treasury/deposits/{deposit_a}": readers | {"landlord_a"},
        f"/treasury/contributions/{YEAR}": readers,
        "/treasury/contributions": readers,
        f"/treasury/ledger/{YEAR}": readers,
        "/treasury/ledger": readers,
        f"/treasury/ledger/{YEAR}.csv": readers,
        f"/treasury/ledger/{YEAR}.xlsx": readers,
        f"/treasury/statement/{YEAR}": readers,
        "/treasury/statement": readers,
        f"/treasury/statement/{YEAR}.csv": readers,
        f"/treasury/statement/{YEAR}.xlsx": readers,
        f"/treasury/statement/{YEAR}.pdf": readers,
        "/treasury/expenses/new": {"treasurer"},
        f"/treasury/ledger/entries/{entry}/correct": {"treasurer"},
    }


@pytest.mark.parametrize("role", sorted(ALLOWED_READERS | REFUSED | {"landlord_a", "landlord_b"}))
def test_each_role_reaches_only_its_pages(client: FlaskClient, session: Session, world: World, role: str) -> None:
    delegate(session, world)
    deposit_a = paid(session, world, "Ada", date(2025, 2, 3))
    expense = treasury.record_expense(session, world.users["treasurer"], amount="10", value_date="2025-05-05",
                                      label="Stamps", method="other")
    login(client, role)
    for path, allowed in pages(deposit_a.id, expense.id).items():
        response = client.get(path)
        if role in allowed:
            assert response.status_code == 200, (role, path)
        else:
            assert response.status_code == 403, (role, path, response.status_code)
            assert "Accès refusé" in response.get_data(as_text=True)


def test_anonymous_visitors_are_sent_to_login(client: FlaskClient, session: Session, world: World) -> None:
    deposit = request(session, world, "Ada")
    for path in pages(deposit.id, 1):
        response = client.get(path)
        assert response.status_code == 302 and response.headers["Location"].startswith("/login"), path


def test_a_landlord_sees_only_its_own_deposits_without_names(client: FlaskClient, session: Session,
                                                              world: World) -> None:
    delegate(session, world)
    own = paid(session, world, "Ada", date(2025, 2, 3))
    other = paid(session, world, "Bea", date(2025, 2, 3), extra_place(session, world, "APP-B2"))
    login(client, "landlord_a")
    listing = client.get("/treasury/deposits").get_data(as_text=True)
    assert "APP-001" in listing and "APP-B2" not in listing
    assert "Ada Martin" not in listing and "A. M." in listing
    assert 'href="/treasury/ledger' not in listing and 'href="/treasury"' not in listing
    page = client.get(f"/treasury/deposits/{own.id}")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "Ada Martin" not in html and "/steps/" not in html and "User treasurer" not in html
    assert client.get(f"/treasury/deposits/{other.id}").status_code == 403
    # a landlord takes no step, even on its own deposit
    response = step(client, own, "claim_refund", {})
    assert response.status_code == 403
    assert deposit_state(session, own.id)[0] == "paid"
    assert treasury.check(session) == []


def test_the_navigation_shows_the_treasury_to_those_who_may_open_it(client: FlaskClient, world: World) -> None:
    for role, treasury_link, deposits_link in (("treasurer", True, True), ("coordinator", True, True),
                                                ("landlord_a", False, True), ("care_a", False, False),
                                                ("member", False, False)):
        client.get("/logout")
        other = client.application.test_client()
        login(other, role)
        html = other.get("/").get_data(as_text=True)
        assert ('href="/treasury"' in html) is treasury_link, role
        assert ('href="/treasury/deposits"' in html) is deposits_link, role


# ---------------------------------------------------------------- a deposit's life, through the forms


def test_a_deposit_from_commitment_to_a_partial_refund(client: FlaskClient, session: Session, world: World) -> None:
    delegate(session, world)  # the coordinator holds the signing delegation
    deposit = request(session, world, "Ada", day=date(2026, 1, 5))
    treasurer, coordinator = client, client.application.test_client()
    login(treasurer, "treasurer")
    login(coordinator, "coordinator")

    # only the holder of the delegation sees and takes the commitment
    assert "/steps/commit" not in treasurer.get(f"/treasury/deposits/{deposit.id}").get_data(as_text=True)
    assert step(treasurer, deposit, "commit", {}).status_code == 403
    assert "/steps/commit" in coordinator.get(f"/treasury/deposits/{deposit.id}").get_data(as_text=True)
    with clock.travel(date(2026, 1, 20)):
        response = post_form(coordinator, f"/treasury/deposits/{deposit.id}/steps/commit",
                             {"expected_version": str(deposit.version)}, form_page=f"/treasury/deposits/{deposit.id}")
    assert response.status_code == 302
    state, version = deposit_state(session, deposit.id)
    assert state == "committed"
    assert treasury.check(session) == []

    # the coordinator reads, the treasurer pays
    assert step(coordinator, deposit.id, "pay", {"value_date": "2026-01-22", "method": "transfer"},
                version=version).status_code == 403
    response = step(treasurer, deposit.id, "pay", {"value_date": "2026-01-22", "method": "transfer",
                                                   "reference": "VIR 2026-014"}, version=version)
    assert response.status_code == 302
    state, version = deposit_state(session, deposit.id)
    assert state == "paid"
    assert treasury_reports.account_balances(session, world.users["treasurer"]).fund_cents == -30000
    assert treasury.check(session) == []

    assert step(treasurer, deposit.id, "claim_refund", {}, version=version).status_code == 302
    state, version = deposit_state(session, deposit.id)
    assert state == "refund_claimed"
    assert treasury.check(session) == []

    response = step(treasurer, deposit.id, "retain", {"value_date": "2026-02-20", "method": "cheque",
                                                      "reference": "CHQ 88", "refunded": "212,50",
                                                      "reason": "Stained carpet"}, version=version)
    assert response.status_code == 302
    fresh(session)
    settled = session.get(Deposit, deposit.id)
    assert settled is not None
    assert (settled.state, settled.refunded_cents, settled.retained_cents) == ("retained", 21250, 8750)
    assert settled.retention_reason == "Stained carpet"
    assert treasury.check(session) == []

    html = treasurer.get(f"/treasury/deposits/{deposit.id}").get_data(as_text=True)
    assert "Stained carpet" in html and "User coordinator" in html  # the timeline: who, and why
    found = treasury_reports.statement(session, world.users["treasurer"], 2026)
    assert found.balanced and found.refunds_received_cents == 21250 and found.retentions_cents == 8750


def test_a_full_refund_and_a_write_off_approved_by_both(client: FlaskClient, session: Session,
                                                        world: World) -> None:
    delegate(session, world)
    back = paid(session, world, "Ada", date(2025, 2, 3))
    lost = paid(session, world, "Bea", date(2025, 2, 3))
    fire(session, world, back, "claim_refund", date(2025, 12, 1))
    fire(session, world, lost, "claim_refund", date(2025, 12, 1))
    coordinator = client.application.test_client()
    login(client, "treasurer")
    login(coordinator, "coordinator")
    assert step(client, back, "refund", {"value_date": "2026-01-10", "method": "transfer"}).status_code == 302
    assert deposit_state(session, back.id)[0] == "refunded"

    # writing off needs both approvals
    response = step(client, lost, "write_off", {"reason": "Landlord gone"})
    assert response.status_code == 409  # a step refused
    assert "approval of the treasurer and of the coordinator" in response.get_data(as_text=True)
    for who in (client, coordinator):
        with clock.travel(TODAY):
            assert post_form(who, f"/treasury/deposits/{lost.id}/write-off-approval", {},
                             form_page=f"/treasury/deposits/{lost.id}").status_code == 302
    assert "Approve the write-off" not in client.get(f"/treasury/deposits/{lost.id}?lang=en").get_data(as_text=True)
    version = deposit_state(session, lost.id)[1]
    response = step(client, lost.id, "write_off", {"reason": ""}, version=version)
    assert response.status_code == 409  # refused by its guard
    assert "Say why the deposit is lost." in response.get_data(as_text=True)
    assert step(client, lost.id, "write_off", {"reason": "Landlord gone"}, version=version).status_code == 302
    assert deposit_state(session, lost.id)[0] == "written_off"
    assert treasury.check(session) == []
    # a landlord's representative never approves
    landlord = client.application.test_client()
    login(landlord, "landlord_a")
    with clock.travel(TODAY):
        assert post_form(landlord, f"/treasury/deposits/{lost.id}/write-off-approval", {},
                         form_page="/").status_code == 403


def test_a_cancellation_needs_its_reason(client: FlaskClient, session: Session, world: World) -> None:
    deposit = request(session, world, "Ada")
    login(client, "treasurer")
    assert step(client, deposit, "cancel", {"reason": " "}).status_code == 409  # refused by its guard
    assert deposit_state(session, deposit.id)[0] == "requested"
    assert step(client, deposit, "cancel", {"reason": "The person declined the place"}).status_code == 302
    assert deposit_state(session, deposit.id)[0] == "cancelled"
    assert treasury.check(session) == []


# ---------------------------------------------------------------- bad input changes nothing


@pytest.mark.parametrize(("refunded", "message"), [
    ("-5", "The amount cannot be negative."),
    ("abc", "This is not an amount in euros"),
    ("12,345", "This is not an amount in euros"),
    ("300", "The refund cannot reach the deposit"),
    ("450,00", "The refund cannot reach the deposit"),
])
def test_a_partial_refund_with_a_bad_amount_is_refused(client: FlaskClient, session: Session, world: World,
                                                       refunded: str, message: str) -> None:
    delegate(session, world)
    deposit = paid(session, world, "Ada", date(2025, 2, 3))
    fire(session, world, deposit, "claim_refund", date(2025, 12, 1))
    before = entries(session)
    login(client, "treasurer")
    response = step(client, deposit, "retain", {"value_date": "2026-01-10", "method": "transfer",
                                                "refunded": refunded, "reason": "Damage"})
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert message in html
    assert 'id="retain-refunded-error"' in html and 'id="step-retain"' in html
    assert f'value="{refunded}"' in html  # what was typed comes back
    assert deposit_state(session, deposit.id)[0] == "refund_claimed"
    assert entries(session) == before
    assert treasury.check(session) == []


def test_a_payment_before_the_commitment_is_refused(client: FlaskClient, session: Session, world: World) -> None:
    delegate(session, world)
    deposit = request(session, world, "Ada")
    login(client, "treasurer")
    before = entries(session)
    # not committed yet
    response = step(client, deposit, "pay", {"value_date": "2026-02-01", "method": "transfer"})
    assert response.status_code == 409
    assert "This step is not possible now" in response.get_data(as_text=True)
    assert deposit_state(session, deposit.id)[0] == "requested"
    fire(session, world, deposit, "commit", date(2026, 2, 10))
    state, version = deposit_state(session, deposit.id)
    # dated before the commitment, in the future, or not a date
    for value_date, message in (("2026-02-01", "cannot be dated before the commitment (2026-02-10)"),
                                ("2026-03-02", "The date is in the future."),
                                ("01/02/2026", "This is not a date")):
        response = step(client, deposit.id, "pay", {"value_date": value_date, "method": "transfer"}, version=version)
        # before the commitment is the step's guard refusing (409); the others are bad input (400)
        assert response.status_code == (409 if value_date == "2026-02-01" else 400), value_date
        html = response.get_data(as_text=True)
        assert message in html and 'id="pay-value_date-error"' in html, value_date
    response = step(client, deposit.id, "pay", {"value_date": "2026-02-11", "method": "bitcoin"}, version=version)
    assert response.status_code == 400 and "Choose how the money was paid." in response.get_data(as_text=True)
    assert deposit_state(session, deposit.id) == (state, version)
    assert entries(session) == before
    assert treasury.check(session) == []


def test_a_step_on_a_deposit_changed_meanwhile_is_refused(client: FlaskClient, session: Session,
                                                          world: World) -> None:
    delegate(session, world)
    deposit = paid(session, world, "Ada", date(2025, 2, 3))
    stale = deposit.version
    fire(session, world, deposit, "claim_refund", date(2025, 12, 1))
    login(client, "treasurer")
    response = step(client, deposit.id, "refund", {"value_date": "2026-01-10", "method": "transfer"}, version=stale)
    assert response.status_code == 302
    assert "changed meanwhile" in client.get(response.headers["Location"] + "?lang=en").get_data(as_text=True)
    assert deposit_state(session, deposit.id)[0] == "refund_claimed"
    # without the version the form was drawn from, nothing is taken either
    with clock.travel(TODAY):
        response = post_form(client, f"/treasury/deposits/{deposit.id}/steps/refund",
                             {"value_date": "2026-01-10", "method": "transfer"},
                             form_page=f"/treasury/deposits/{deposit.id}")
    assert response.status_code == 302
    assert deposit_state(session, deposit.id)[0] == "refund_claimed"
    assert step(client, deposit.id, "nonsense", {}, version=stale).status_code == 404
    assert treasury.check(session) == []


# ---------------------------------------------------------------- contributions, expenses, corrections


def test_the_contributions_of_a_year(client: FlaskClient, session: Session, world: World) -> None:
    login(client, "treasurer")
    page = f"/treasury/contributions/{YEAR}"
    assert "/open" in client.get(page).get_data(as_text=True)
    with clock.travel(TODAY):
        assert post_form(client, f"{page}/open", {}, form_page=page).status_code == 302
    fresh(session)
    rows = session.execute(select(Contribution).order_by(Contribution.id)).scalars().all()
    assert len(rows) == 3  # two towns and the hospital
    first = rows[0]
    base = f"{page}/{first.id}"
    with clock.travel(TODAY):
        assert post_form(client, f"{base}/amount?lang=en", {"amount": "-3"}, form_page=page).status_code == 400
        response = post_form(client, f"{base}/amount?lang=en", {"amount": "7 500,00"}, form_page=page)
        assert response.status_code == 302
        response = post_form(client, f"{base}/call?lang=en", {"value_date": "2025-01-15"}, form_page=page)
        assert response.status_code == 302
        response = post_form(client, f"{base}/amount?lang=en", {"amount": "1"}, form_page=page)
        assert response.status_code == 400
        assert "no longer changes" in response.get_data(as_text=True)
        response = post_form(client, f"{base}/receive?lang=en", {"value_date": "2025-01-10", "method": "transfer"},
                             form_page=page)
        assert response.status_code == 400
        html = response.get_data(as_text=True)
        assert "before the call" in html and f'id="receive-{first.id}-value_date-error"' in html
        response = post_form(client, f"{base}/receive?lang=en", {"value_date": "2025-02-10", "method": "transfer",
                                                                  "reference": "VIR RONCHIN"}, form_page=page)
        assert response.status_code == 302
    fresh(session)
    assert (first.amount_cents, first.called_on, first.received_on) == (750000, date(2025, 1, 15), date(2025, 2, 10))
    found = treasury_reports.statement(session, world.users["treasurer"], YEAR)
    assert found.contributions_received_cents == 750000 and found.balanced
    # the coordinator reads them, and changes nothing
    coordinator = client.application.test_client()
    login(coordinator, "coordinator")
    html = coordinator.get(page).get_data(as_text=True)
    assert "Ronchin" in html and "/receive" not in html
    with clock.travel(TODAY):
        assert post_form(coordinator, f"{page}/{rows[1].id}/call", {"value_date": "2025-01-15"},
                         form_page=page).status_code == 403
    assert treasury.check(session) == []


def test_an_expense_and_its_correction(client: FlaskClient, session: Session, world: World) -> None:
    login(client, "treasurer")
    page = "/treasury/expenses/new?lang=en"
    before = entries(session)
    for amount, message in (("-20", "more than zero"), ("vingt", "not an amount"), ("", "Give the amount in euros.")):
        response = post_form(client, page, {"amount": amount, "value_date": "2025-03-03", "label": "Keys",
                                            "method": "cheque"})
        assert response.status_code == 400
        assert message in response.get_data(as_text=True)
    response = post_form(client, page, {"amount": "20", "value_date": "2025-03-03", "label": " ", "method": "cheque"})
    assert response.status_code == 400 and "Say what the expense is." in response.get_data(as_text=True)
    assert entries(session) == before
    response = post_form(client, page, {"amount": "1 234,50", "value_date": "2025-03-03", "label": HOSTILE_LABEL,
                                        "method": "cheque", "reference": "CHQ 3"})
    assert response.status_code == 302 and response.headers["Location"].endswith(f"/treasury/ledger/{YEAR}")
    fresh(session)
    expense = session.execute(select(LedgerEntry).order_by(LedgerEntry.id.desc())).scalars().first()
    assert expense is not None and expense.label == HOSTILE_LABEL
    ledger = client.get(f"/treasury/ledger/{YEAR}").get_data(as_text=True)
    assert "=HYPERLINK(&#34;" in ledger or "=HYPERLINK(&quot;" in ledger  # shown escaped, as text
    assert f"/treasury/ledger/entries/{expense.id}/correct" in ledger

    correct = f"/treasury/ledger/entries/{expense.id}/correct?lang=en"
    with clock.travel(TODAY):
        response = post_form(client, correct, {"reason": "", "value_date": "2026-01-05"})
        assert response.status_code == 400 and "Say why the entry is corrected." in response.get_data(as_text=True)
        response = post_form(client, correct, {"reason": "Wrong amount", "value_date": "5 janvier"})
        assert response.status_code == 400 and "This is not a date" in response.get_data(as_text=True)
        assert entries(session) == before + 1
        response = post_form(client, correct, {"reason": "Wrong amount", "value_date": "2026-01-05"})
        assert response.status_code == 302
        response = post_form(client, correct, {"reason": "Again", "value_date": "2026-01-05"})
        assert response.status_code == 400
    assert entries(session) == before + 2
    assert treasury_reports.account_balances(session, world.users["treasurer"]).fund_cents == 0
    ledger = client.get(f"/treasury/ledger/{YEAR}?lang=en").get_data(as_text=True)
    assert f"Reversed by entry {expense.id + 1}" in ledger
    assert treasury.check(session) == []
    # the coordinator neither records nor corrects
    coordinator = client.application.test_client()
    login(coordinator, "coordinator")
    assert coordinator.get("/treasury/expenses/new").status_code == 403
    assert post_form(coordinator, "/treasury/expenses/new", {"amount": "1", "value_date": "2025-01-01", "label": "x",
                                                             "method": "other"}, form_page="/").status_code == 403


# ---------------------------------------------------------------- pages and exports over a fund with history


def test_the_overview_ledger_statement_and_exports(client: FlaskClient, session: Session, world: World) -> None:
    fund = build_fund(session, world)
    login(client, "coordinator")
    with clock.travel(TODAY):
        html = client.get("/treasury?lang=en").get_data(as_text=True)
    balances = treasury_reports.account_balances(session, world.users["coordinator"])
    assert "Habitat A" in html and "Habitat B" in html and "APP-B2" in html
    assert f"/treasury/deposits/{fund.middle.id}" in html  # the overdue refund
    assert "Three years or more" in html

    ledger = client.get("/treasury/ledger/2025?lang=en")
    assert ledger.status_code == 200 and "Locksmith" in ledger.get_data(as_text=True)
    assert "/correct" not in ledger.get_data(as_text=True)  # the coordinator corrects nothing
    statement = client.get("/treasury/statement/2025?lang=en").get_data(as_text=True)
    assert "Opening balance" in statement and "Closing balance" in statement

    csv_export = client.get("/treasury/ledger/2025.csv")
    assert csv_export.mimetype == "text/csv" and csv_export.data.startswith(b"\xef\xbb\xbf")
    assert "attachment" in csv_export.headers["Content-Disposition"]
    labels = [row[3] for row in csv.reader(io.StringIO(csv_export.data.decode("utf-8-sig")), delimiter=";")]
    assert "'" + HOSTILE_LABEL in labels and HOSTILE_LABEL not in labels
    workbook = load_workbook(io.BytesIO(client.get("/treasury/statement/2025.xlsx").data))
    figures = {row[1].value: row for row in workbook.worksheets[0].iter_rows(min_row=2)}
    found = treasury_reports.statement(session, world.users["coordinator"], 2025)
    assert round(figures[next(iter(figures))][3].value * 100) == found.opening_cents  # the first row: the opening
    assert isinstance(workbook.worksheets[1]["A2"].value, datetime)
    pdf = client.get("/treasury/statement/2025.pdf")
    assert pdf.mimetype == "application/pdf" and pdf.data.startswith(b"%PDF")
    assert client.get("/treasury/statement/1999").status_code == 404
    assert client.get("/treasury/ledger/2025.ods").status_code == 404
    assert balances.fund_cents == treasury_reports.statement(session, world.users["coordinator"], 2026).closing_cents
    assert treasury.check(session) == []


# ---------------------------------------------------------------- queries do not grow with the deposits


def grow_deposits(session: Session, world: World, count: int, start: int) -> None:
    delegate(session, world)
    place_b = extra_place(session, world, f"APP-Q{start}")
    for index in range(start, start + count):
        deposit = paid(session, world, f"Q{index}", date(2024 + index % 2, 1 + index % 12, 3),
                       place_b if index % 2 else world.place_a)
        if index % 3 == 0:
            fire(session, world, deposit, "claim_refund", date(2025, 12, 1))


@pytest.mark.parametrize("path", ["/treasury", "/treasury/deposits"])
def test_treasury_queries_do_not_grow_with_the_deposits(client: FlaskClient, engine: Engine, session: Session,
                                                        world: World, path: str) -> None:
    login(client, "treasurer")
    grow_deposits(session, world, 3, 0)
    with clock.travel(TODAY), count_queries(engine) as small:
        assert client.get(path).status_code == 200
    grow_deposits(session, world, 27, 3)
    fresh(session)
    assert session.execute(select(func.count(Deposit.id))).scalar_one() == 30
    with clock.travel(TODAY), count_queries(engine) as large:
        assert client.get(path).status_code == 200
    assert len(large) == len(small), (path, len(small), len(large))
    assert len(large) <= 12, (path, large)
    assert treasury.check(session) == []
