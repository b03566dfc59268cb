"""The home page of each role."""

from __future__ import annotations

from flask import Blueprint, render_template
from flask.typing import ResponseReturnValue
from flask_babel import format_time
from flask_babel import gettext as _gettext

from commission import policy
from commission.i18n import Message
from commission.services import reference, reminders
from commission.web.i18n import locale_date
from commission.web.shell import db, login_required, require_user

bp = Blueprint("main", __name__)


def reminder_text(message: Message) -> str:
    """A reminder's message in the user's language, its dates and times in the user's format."""
    return reminders.render(message, _gettext, locale_date, lambda value: format_time(value, "short"))


@bp.get("/")
@login_required
def home() -> ResponseReturnValue:
    user = require_user()
    counts = reference.place_counts(db(), user) if policy.can(user, policy.Action.VIEW_PLACES) else []
    # The data-protection officer reads the logs and nothing else: no reminder of the commission's work.
    staff = policy.is_staff(user)
    groups = reminders.grouped(reminders.reminders_for(db(), user)) if staff else []
    return render_template("main/home.html", place_counts=counts, reminder_groups=groups,
                           reminder_text=reminder_text)
