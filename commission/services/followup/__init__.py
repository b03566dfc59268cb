"""The follow-up of housed people, their resource meetings, and the exit that closes everything.

Care records (the plan, the events, the meetings) are read by the person's care team and the
coordinator only; each read of a person's follow-up is logged like a read of the medical part.

One module per section: :mod:`.reading` (the follow-up's page, what is overdue, the actions due),
:mod:`.care_plan`, :mod:`.events`, :mod:`.meetings`, :mod:`.reviews` (what a hearing's review sees),
:mod:`.exit` (the exit, and its invariants); :mod:`.common` holds what they share. The names the web,
the command line, the other services and the tests use are all here:
``from commission.services import followup; followup.record_exit(...)``.
"""

from __future__ import annotations

from commission.services.followup.care_plan import CarePlanInput, save_care_plan
from commission.services.followup.common import MAX_TEXT
from commission.services.followup.events import EventInput, record_event
from commission.services.followup.exit import ExitInput, check, record_exit
from commission.services.followup.meetings import (
    ActionInput,
    MeetingInput,
    call_meeting,
    complete_action,
    record_meeting_outcome,
)
from commission.services.followup.reading import (
    CARE_PLAN_GRACE_DAYS,
    ActionDue,
    FollowUp,
    MeetingView,
    Overdue,
    open_meeting_actions,
    overdue_followups,
    read_followup,
)
from commission.services.followup.reviews import ReviewSummary, review_summaries

__all__ = [
    "CARE_PLAN_GRACE_DAYS",
    "MAX_TEXT",
    "ActionDue",
    "ActionInput",
    "CarePlanInput",
    "EventInput",
    "ExitInput",
    "FollowUp",
    "MeetingInput",
    "MeetingView",
    "Overdue",
    "ReviewSummary",
    "call_meeting",
    "check",
    "complete_action",
    "open_meeting_actions",
    "overdue_followups",
    "read_followup",
    "record_event",
    "record_exit",
    "record_meeting_outcome",
    "review_summaries",
    "save_care_plan",
]
