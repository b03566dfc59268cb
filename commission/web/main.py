"""The home page of each role: what needs them today, most urgent first, and their usual tasks."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from flask import Blueprint, render_template
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _gettext
from flask_babel import lazy_gettext as _l

from commission import clock, policy
from commission.i18n import Message
from commission.models.accounts import User
from commission.services import hearings, reference, reminders
from commission.web.i18n import locale_date, locale_time
from commission.web.shell import db, login_required, require_user

bp = Blueprint("main", __name__)

TASKS_SHOWN = 3  # the home page leads with a role's three most frequent tasks
REMINDERS_SHOWN = 5  # per kind; the others behind "and N more"


@dataclass(frozen=True)
class Task:
    endpoint: str
    label: Any
    hint: Any
    action: policy.Action


# The tasks people come for, most frequent first across the roles: a user gets the first three their role
# may do (one per page). The policy says who may; this list only says what is asked most often.
TASKS = (
    Task("hearings.index", _l("Prepare the next hearing"),
         _l("Its agenda, the convocations and the session."), policy.Action.MANAGE_HEARINGS),
    Task("cases.index", _l("Check the files received"),
         _l("The files the care teams have submitted, and where each one stands."), policy.Action.VIEW_ALL_CASES),
    Task("places.vacancies", _l("Fill the vacant places"),
         _l("The places free or soon free, and the files waiting for one."), policy.Action.MANAGE_STOCK),
    Task("cases.new", _l("File a new application"),
         _l("For a person your team follows: a draft you submit once it is complete."), policy.Action.CREATE_CASE),
    Task("cases.index", _l("Follow your team's files"),
         _l("Where each file stands, the next hearing, the decisions."), policy.Action.VIEW_CASES),
    Task("hearings.index", _l("Chair a hearing"),
         _l("The hearings you chair: the agenda, the session, the minutes to sign."), policy.Action.RUN_SESSION),
    Task("treasury.deposits", _l("Pay and follow the deposits"),
         _l("The deposits committed, to pay, paid, to be refunded."), policy.Action.MANAGE_TREASURY),
    Task("treasury.contributions", _l("Call and receive the contributions"),
         _l("The towns' and the hospital's contributions of the year."), policy.Action.MANAGE_TREASURY),
    Task("treasury.statement", _l("The fund's statement"),
         _l("The year's figures, the ledger and the exports."), policy.Action.VIEW_TREASURY),
    Task("subgroup.workspace", _l("The housing sub-group"),
         _l("Its meetings and actions, the official letters to answer, the new partners, the agreements."),
         policy.Action.VIEW_SUBGROUP),
    Task("treasury.deposits", _l("The deposits on your places"),
         _l("What the council committed and paid, and the refunds."), policy.Action.VIEW_DEPOSITS),
    Task("places.index", _l("The places"),
         _l("The places held by the council and who holds them."), policy.Action.VIEW_PLACES),
    Task("hearings.index", _l("The hearings"),
         _l("Their dates, the agendas and the minutes you may read."), policy.Action.VIEW_HEARINGS),
    Task("dashboard.show", _l("The scheme's figures"),
         _l("Places, files, money and agreements, for the housing sub-group."), policy.Action.VIEW_DASHBOARD),
    Task("access_review.index", _l("Review the reads of the files"),
         _l("Who opened which file, and the reads flagged."), policy.Action.VIEW_ACCESS_REVIEW),
    Task("admin.audit", _l("Read the audit trail"),
         _l("Every change, who made it and when, chained."), policy.Action.VIEW_AUDIT),
)


def tasks_for(user: User) -> list[Task]:
    """A user's most frequent tasks: the first of TASKS their role may do, one per page."""
    chosen: list[Task] = []
    for task in TASKS:
        if policy.can(user, task.action) and task.endpoint not in {found.endpoint for found in chosen}:
            chosen.append(task)
        if len(chosen) == TASKS_SHOWN:
            break
    return chosen


def reminder_text(message: Message) -> str:
    """A reminder's message in the user's language, its dates and times in the user's format."""
    return reminders.render(message, _gettext, locale_date, locale_time)


@bp.get("/")
@login_required
def home() -> ResponseReturnValue:
    user = require_user()
    counts = reference.place_counts(db(), user) if policy.can(user, policy.Action.VIEW_PLACES) else []
    # The data-protection officer reads the logs and nothing else: no reminder of the commission's work.
    staff = policy.is_staff(user)
    groups = reminders.grouped(reminders.reminders_for(db(), user)) if staff else []
    # The hearings they chair or sit at: the coming ones first, with what they may read of each.
    seats = hearings.seat_hearings(db(), user) if staff else []
    return render_template("main/home.html", place_counts=counts, reminder_groups=groups,
                           reminder_text=reminder_text, tasks=tasks_for(user), shown=REMINDERS_SHOWN,
                           staff=staff, seat_hearings=seats, today=clock.today())
