"""The fund: its balance, the deposits and their steps, the contributions, expenses, the ledger, statements.

The treasurer answers for every euro and takes every step that moves money; the coordinator reads it
all; the holder of the signing delegation commits the council to a landlord; a landlord's
representative sees the deposits on their own landlord's places, and never the ledger. The views
parse the forms; the services check who may do what, write, and refuse bad input with a reason.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

from flask import Blueprint, Response, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import SelectField, StringField, TextAreaField
from wtforms.validators import Length

from commission import clock, policy
from commission.documents import exports
from commission.errors import ConcurrentChange, NotFound, TransitionRefused
from commission.i18n import DEFAULT_LOCALE
from commission.models.treasury import LedgerEntry, PaymentMethod
from commission.parsing import as_page
from commission.services import tenancy_documents, treasury, treasury_reports
from commission.services.sorting import Sort
from commission.services.treasury import contribution_settings
from commission.web.forms import optional_int
from commission.web.i18n import render_message
from commission.web.shell import db, login_required, require_user
from commission.web.unit import attempt, page_status
from commission.workflow.deposit import DEPOSIT_MACHINE
from commission.workflow.tags import Tag

bp = Blueprint("treasury", __name__, url_prefix="/treasury")

FIRST_YEAR, LAST_YEAR = 2000, 2100
# The fields each step of a deposit asks for (beyond the version the form was drawn from).
STEP_FIELDS: dict[str, tuple[str, ...]] = {
    "commit": (),
    "pay": ("value_date", "method", "reference"),
    "claim_refund": (),
    "refund": ("value_date", "method", "reference"),
    "retain": ("refunded", "value_date", "method", "reference", "reason"),
    "write_off": ("reason",),
    "cancel": ("reason",),
}
# Guard messages that belong next to a field rather than above the form.
FIELD_OF_MESSAGE = {
    "Give the date of the payment.": "value_date",
    "The payment cannot be dated before the commitment (%(date)s).": "value_date",
}

Errors = dict[str, list[str]]


def _year(year: int | None) -> int:
    if year is None:
        return clock.today().year
    if not FIRST_YEAR <= year <= LAST_YEAR:
        raise NotFound()
    return year


def _method_choices() -> list[tuple[str, str]]:
    return [(method.value, _(treasury_reports.METHOD_LABELS[method])) for method in PaymentMethod]


def _translator() -> Callable[[str], str]:
    return _


def _locale() -> str:
    return str(get_locale() or DEFAULT_LOCALE)


# ---------------------------------------------------------------- overview


@bp.get("")
@login_required
def overview() -> ResponseReturnValue:
    user = require_user()
    data = treasury_reports.overview(db(), user, clock.today())
    # The lists of the deposits outstanding: those paid out, and those whose refund is claimed.
    return render_template("treasury/overview.html", data=data, account_labels=treasury_reports.ACCOUNT_LABELS,
                           overdue_days=treasury_reports.OVERDUE_AFTER_DAYS, year=data.today.year,
                           paid_state=DEPOSIT_MACHINE.tagged(Tag.PAID_OUT)[0],
                           claimed_state=DEPOSIT_MACHINE.tagged(Tag.AWAITING_REFUND)[0])


# ---------------------------------------------------------------- deposits


@bp.get("/deposits")
@login_required
def deposits() -> ResponseReturnValue:
    user = require_user()
    policy.require(user, policy.Action.VIEW_DEPOSITS)
    state = request.args.get("state") or None
    if state is not None and state not in {spec.name for spec in DEPOSIT_MACHINE.states}:
        state = None
    choices = treasury_reports.landlords(db(), user)
    landlord_id = optional_int(request.args.get("landlord")) if choices else None
    deposit_filter = treasury_reports.DepositFilter(state=state, landlord_id=landlord_id)
    sort = Sort.read(request.args.get("sort"), treasury_reports.DEPOSIT_SORTS)
    page = treasury_reports.list_deposits(db(), user, deposit_filter, page=as_page(request.args.get("page")),
                                          sort=sort)
    args = {name: value for name, value in (("state", state), ("landlord", landlord_id)) if value is not None}
    return render_template("treasury/deposits.html", page=page, deposit_filter=deposit_filter, landlords=choices,
                           machine=DEPOSIT_MACHINE, args=args, sort=sort)


def _deposit_page(deposit_id: int, *, failed: str | None = None, errors: Errors | None = None,
                  values: Mapping[str, str] | None = None, status: int = 200) -> ResponseReturnValue:
    user = require_user()
    deposit = treasury.get_deposit(db(), user, deposit_id)
    steps = policy.steps_for(user, DEPOSIT_MACHINE, deposit)
    sees_ledger = policy.can(user, policy.Action.VIEW_TREASURY)
    return render_template(
        "treasury/deposit.html", deposit=deposit, machine=DEPOSIT_MACHINE, steps=steps, step_fields=STEP_FIELDS,
        history=treasury.transitions(db(), user, deposit),
        entries=treasury_reports.deposit_entries(db(), user, deposit.id) if sees_ledger else [],
        sees_ledger=sees_ledger, shows_names=sees_ledger, failed=failed, errors=errors or {}, values=values or {},
        today=clock.today(), method_choices=_method_choices(),
        # The treasurer and the coordinator each approve a write-off once, while the refund is claimed.
        can_approve=policy.write_off_approval(user, deposit) is not None,
        letter=deposit.committed_on is not None and tenancy_documents.may_read_commitment(user, deposit),
        entry_kind_labels=treasury_reports.ENTRY_KIND_LABELS, account_labels=treasury_reports.ACCOUNT_LABELS,
    ), status


@bp.get("/deposits/<int:deposit_id>")
@login_required
def deposit(deposit_id: int) -> ResponseReturnValue:
    return _deposit_page(deposit_id)


def _refusal_errors(trigger: str, refusal: TransitionRefused) -> Errors:
    errors: Errors = {}
    spec = next((spec for spec in DEPOSIT_MACHINE.transitions if spec.trigger == trigger), None)
    for message in refusal.messages:
        if spec is not None and spec.reason_required is not None and message == spec.reason_required:
            name = "reason"
        else:
            name = FIELD_OF_MESSAGE.get(message.msgid, "")
        errors.setdefault(name, []).append(render_message(message))
    return errors


def _changed_meanwhile(deposit_id: int) -> ResponseReturnValue:
    flash(_("This deposit changed meanwhile: the page has been reloaded, check and try again."), "error")
    return redirect(url_for("treasury.deposit", deposit_id=deposit_id))


@bp.post("/deposits/<int:deposit_id>/steps/<trigger>")
@login_required
def deposit_step(deposit_id: int, trigger: str) -> ResponseReturnValue:
    user = require_user()
    if trigger not in STEP_FIELDS:
        raise NotFound()
    form = request.form
    movement = treasury.Movement(
        value_date=form.get("value_date", ""), method=form.get("method", ""), reference=form.get("reference", ""),
        refunded=form.get("refunded", ""), reason=form.get("reason", ""),
    )
    outcome = attempt(lambda: treasury.fire_deposit(
        db(), user, deposit_id, trigger,
        expected_version=optional_int(form.get("expected_version")) or -1, movement=movement))
    if outcome:
        flash(_("The step has been recorded."), "success")
        return redirect(url_for("treasury.deposit", deposit_id=deposit_id))
    if isinstance(outcome.refusal, ConcurrentChange):
        return _changed_meanwhile(deposit_id)
    errors = (_refusal_errors(trigger, outcome.refusal) if isinstance(outcome.refusal, TransitionRefused)
              else outcome.errors)
    current = treasury.get_deposit(db(), user, deposit_id)
    if DEPOSIT_MACHINE.find(trigger, current.state) is None:
        state = _(DEPOSIT_MACHINE.state(current.state).label)
        errors = {"": [_("This step is not possible now: the deposit is “%(state)s”.", state=state)]}
    return _deposit_page(deposit_id, failed=trigger, errors=errors, values=form, status=outcome.status)


@bp.post("/deposits/<int:deposit_id>/write-off-approval")
@login_required
def approve_write_off(deposit_id: int) -> ResponseReturnValue:
    user = require_user()
    outcome = attempt(lambda: treasury.approve_write_off(db(), user, deposit_id))
    if isinstance(outcome.refusal, ConcurrentChange):
        return _changed_meanwhile(deposit_id)
    if not outcome:
        return _deposit_page(deposit_id, failed="approve", errors=outcome.errors, status=outcome.status)
    flash(_("Your approval of the write-off has been recorded."), "success")
    return redirect(url_for("treasury.deposit", deposit_id=deposit_id))


# ---------------------------------------------------------------- contributions


def _contributions_page(year: int, *, failed: tuple[int, str] | None = None, errors: Errors | None = None,
                        values: Mapping[str, str] | None = None, status: int = 200) -> ResponseReturnValue:
    user = require_user()
    rows = treasury_reports.year_contributions(db(), user, year)
    return render_template(
        "treasury/contributions.html", year=year, rows=rows, failed=failed, errors=errors or {},
        values=values or {}, today=clock.today(), method_choices=_method_choices(),
        manage=policy.can(user, policy.Action.MANAGE_TREASURY),
        rate_cents=contribution_settings.year_settings(db(), user, year).rate_cents,
        first_year=FIRST_YEAR, last_year=LAST_YEAR,
        total_cents=sum(row.cents for row in rows),
        received_cents=sum(row.cents for row in rows if row.received_on is not None),
    ), status


@bp.get("/contributions")
@bp.get("/contributions/<int:year>")
@login_required
def contributions(year: int | None = None) -> ResponseReturnValue:
    return _contributions_page(_year(year))


@bp.post("/contributions/<int:year>/open")
@login_required
def open_year(year: int) -> ResponseReturnValue:
    user = require_user()
    policy.require(user, policy.Action.MANAGE_TREASURY)
    rows = treasury.contributions(db(), user, _year(year))
    flash(_("The contributions of %(year)s are open: %(count)s contributors.", year=year, count=len(rows)), "success")
    return redirect(url_for("treasury.contributions", year=year))


def _contribution_action(year: int, contribution_id: int, form_name: str, action: Callable[[], object],
                         done: str) -> ResponseReturnValue:
    user = require_user()
    policy.require(user, policy.Action.MANAGE_TREASURY)
    year = _year(year)
    if contribution_id not in {row.id for row in treasury_reports.year_contributions(db(), user, year)}:
        raise NotFound()
    outcome = attempt(action)
    if not outcome:
        return _contributions_page(year, failed=(contribution_id, form_name), errors=outcome.errors,
                                   values=request.form, status=outcome.status)
    flash(done, "success")
    return redirect(url_for("treasury.contributions", year=year) + f"#contribution-{contribution_id}")


@bp.post("/contributions/<int:year>/<int:contribution_id>/amount")
@login_required
def contribution_amount(year: int, contribution_id: int) -> ResponseReturnValue:
    user = require_user()
    return _contribution_action(
        year, contribution_id, "amount",
        lambda: treasury.set_contribution_amount(db(), user, contribution_id, request.form.get("amount", "")),
        _("The amount has been changed."))


@bp.post("/contributions/<int:year>/<int:contribution_id>/call")
@login_required
def contribution_call(year: int, contribution_id: int) -> ResponseReturnValue:
    user = require_user()
    return _contribution_action(
        year, contribution_id, "call",
        lambda: treasury.call_contribution(db(), user, contribution_id, request.form.get("value_date", "")),
        _("The contribution has been called."))


@bp.post("/contributions/<int:year>/<int:contribution_id>/receive")
@login_required
def contribution_receive(year: int, contribution_id: int) -> ResponseReturnValue:
    user = require_user()
    form = request.form
    return _contribution_action(
        year, contribution_id, "receive",
        lambda: treasury.receive_contribution(db(), user, contribution_id, form.get("value_date", ""),
                                              form.get("method", ""), form.get("reference", "")),
        _("The payment of the contribution has been recorded."))


# ---------------------------------------------------------------- expenses and corrections


class ExpenseForm(FlaskForm):
    amount = StringField(_l("Amount (euros)"), render_kw={"inputmode": "decimal"})
    value_date = StringField(_l("Date of the payment"), render_kw={"type": "date"})
    label = StringField(_l("What the expense is"), validators=[Length(max=300)])
    method = SelectField(_l("Paid by"), choices=[], validate_choice=False)
    reference = StringField(_l("Transfer or cheque reference (optional)"), validators=[Length(max=100)])


@bp.route("/expenses/new", methods=["GET", "POST"])
@login_required
def new_expense() -> ResponseReturnValue:
    user = require_user()
    policy.require(user, policy.Action.MANAGE_TREASURY)
    form = ExpenseForm()
    form.method.choices = _method_choices()
    general: list[str] = []
    outcome = None
    if request.method == "GET":
        form.value_date.data = clock.today().isoformat()
    elif form.validate_on_submit():
        outcome = attempt(lambda: treasury.record_expense(
            db(), user, amount=form.amount.data or "", value_date=form.value_date.data or "",
            label=form.label.data or "", method=form.method.data or "", reference=form.reference.data or ""), form)
        if (entry := outcome.value) is not None:
            flash(_("The expense has been recorded."), "success")
            return redirect(url_for("treasury.ledger", year=entry.value_date.year))
        general = outcome.general
    return render_template("treasury/expense.html", form=form, general=general), page_status(form, outcome)


class CorrectionForm(FlaskForm):
    reason = TextAreaField(_l("Why the entry is corrected"), validators=[Length(max=250)], render_kw={"rows": 3})
    value_date = StringField(_l("Date of the correcting entry"), render_kw={"type": "date"})


@bp.route("/ledger/entries/<int:entry_id>/correct", methods=["GET", "POST"])
@login_required
def correct(entry_id: int) -> ResponseReturnValue:
    user = require_user()
    policy.require(user, policy.Action.MANAGE_TREASURY)
    entry = treasury_reports.ledger_entry(db(), user, entry_id)
    form = CorrectionForm()
    general: list[str] = []
    outcome = None
    if request.method == "GET":
        form.value_date.data = clock.today().isoformat()
    elif form.validate_on_submit():
        def correct_entry() -> LedgerEntry:
            raw_day = (form.value_date.data or "").strip()
            day = treasury.parse_day(raw_day) if raw_day else None
            return treasury.correct_entry(db(), user, entry_id, form.reason.data or "", day)

        outcome = attempt(correct_entry, form)
        if (correction := outcome.value) is not None:
            flash(_("Entry %(id)s has been reversed by entry %(correction)s.", id=entry_id,
                    correction=correction.id), "success")
            return redirect(url_for("treasury.ledger", year=correction.value_date.year))
        general = outcome.general
    status = page_status(form, outcome)
    return render_template("treasury/correct.html", form=form, general=general, entry=entry,
                           entry_kind_labels=treasury_reports.ENTRY_KIND_LABELS,
                           account_labels=treasury_reports.ACCOUNT_LABELS), status


# ---------------------------------------------------------------- the ledger and the statement


@bp.get("/ledger")
@bp.get("/ledger/<int:year>")
@login_required
def ledger(year: int | None = None) -> ResponseReturnValue:
    user = require_user()
    year = _year(year)
    page = treasury_reports.ledger_page(db(), user, year, page=as_page(request.args.get("page")))
    return render_template("treasury/ledger.html", year=year, page=page,
                           years=treasury_reports.ledger_years(db(), user),
                           manage=policy.can(user, policy.Action.MANAGE_TREASURY),
                           entry_kind_labels=treasury_reports.ENTRY_KIND_LABELS,
                           account_labels=treasury_reports.ACCOUNT_LABELS,
                           method_labels=treasury_reports.METHOD_LABELS)


def _download(data: bytes, fmt: str, name: str) -> Response:
    media_type = {"csv": exports.CSV_MEDIA_TYPE, "xlsx": exports.XLSX_MEDIA_TYPE}.get(fmt, "application/pdf")
    response = Response(data, mimetype=media_type)
    response.headers.set("Content-Disposition", "attachment", filename=name)
    return response


@bp.get("/ledger/<int:year>.<any(csv, xlsx):fmt>")
@login_required
def ledger_export(year: int, fmt: str) -> ResponseReturnValue:
    from commission.services.hearing_documents import council

    user = require_user()
    year = _year(year)
    rows = treasury_reports.ledger_lines(db(), user, year)
    data = exports.ledger_export(rows, year, fmt, _translator(), author=council().name)
    return _download(data, fmt, exports.filename("grand-livre", year, fmt))


@bp.get("/statement")
@bp.get("/statement/<int:year>")
@login_required
def statement(year: int | None = None) -> ResponseReturnValue:
    user = require_user()
    year = _year(year)
    found = treasury_reports.statement(db(), user, year)
    return render_template("treasury/statement.html", year=year, statement=found,
                           sections=treasury_reports.statement_sections(treasury_reports.statement_rows(found)),
                           years=treasury_reports.ledger_years(db(), user))


@bp.get("/statement/<int:year>.<any(csv, xlsx, pdf):fmt>")
@login_required
def statement_export(year: int, fmt: str) -> ResponseReturnValue:
    from commission.services.hearing_documents import council

    user = require_user()
    year = _year(year)
    name = exports.filename("bilan", year, fmt)
    if fmt == "pdf":
        from commission.documents.statement import render_statement

        document = treasury_reports.statement_document(db(), user, year, council().name)
        return _download(render_statement(document, locale=_locale()), fmt, name)
    found = treasury_reports.statement(db(), user, year)
    rows = treasury_reports.ledger_lines(db(), user, year)
    return _download(exports.statement_export(found, rows, fmt, _translator(), author=council().name), fmt, name)

