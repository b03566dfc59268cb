"""The housing sub-group's year in figures, for the council's general assembly: its meetings and actions, the
official correspondence and the answers given, the prospects followed and the places the agreements signed brought.

Counts only (no person, no subject of a letter), in five queries whatever the volume; the annual report prints them
beside the scheme's figures, and the workspace shows them for the current year.
"""

from __future__ import annotations

from sqlalchemy import and_, func, or_, select
from sqlalchemy.orm import Session

from commission import policy
from commission.documents.figures import Period, SubgroupYear
from commission.models.accounts import User
from commission.models.housing import Place
from commission.models.official_mail import MailDirection, OfficialMail
from commission.models.prospects import Prospect, ProspectTransition
from commission.models.subgroup import SubgroupAction, SubgroupMeeting
from commission.workflow.prospect import PROSPECT_MACHINE
from commission.workflow.tags import Tag


def subgroup_year(session: Session, actor: User, found: Period) -> SubgroupYear:
    """The sub-group's figures for a year, as of its last day (or today for the current year)."""
    policy.require(actor, policy.Action.VIEW_DASHBOARD)
    first, last = found.first_day, found.as_of
    in_year = and_(SubgroupMeeting.held_on >= first, SubgroupMeeting.held_on <= last)
    meetings = session.execute(select(
        func.count(func.distinct(SubgroupMeeting.id)),
        func.count(SubgroupAction.id),
        func.count(SubgroupAction.id).filter(SubgroupAction.done_on.is_not(None), SubgroupAction.done_on <= last),
    ).select_from(SubgroupMeeting).outerjoin(SubgroupAction, SubgroupAction.meeting_id == SubgroupMeeting.id)
        .where(in_year)).one()
    received = and_(OfficialMail.direction == MailDirection.INCOMING, OfficialMail.answer_due.is_not(None))
    answered = and_(OfficialMail.answered_on.is_not(None), OfficialMail.answered_on <= last)
    mail = session.execute(select(
        func.count().filter(OfficialMail.direction == MailDirection.INCOMING),
        func.count().filter(OfficialMail.direction == MailDirection.OUTGOING),
        func.count().filter(received),
        func.count().filter(received, answered, OfficialMail.answered_on <= OfficialMail.answer_due),
        func.count().filter(received, answered, OfficialMail.answered_on > OfficialMail.answer_due),
        func.count().filter(received, or_(OfficialMail.answered_on.is_(None), OfficialMail.answered_on > last),
                            OfficialMail.answer_due < last),
    ).where(OfficialMail.registered_on >= first, OfficialMail.registered_on <= last)).one()
    signed_states = PROSPECT_MACHINE.tagged(Tag.CONCLUDED)
    signed_in_year = (select(ProspectTransition.prospect_id)
                      .where(ProspectTransition.to_state.in_(signed_states), ProspectTransition.on >= first,
                             ProspectTransition.on <= last))
    prospects = session.execute(select(
        func.count().filter(Prospect.created_at >= found.start, Prospect.created_at < found.end),
        func.count().filter(Prospect.id.in_(signed_in_year)),
    )).one()
    places = session.execute(select(func.count(Place.id)).where(Place.agreement_id.in_(
        select(Prospect.agreement_id).where(Prospect.id.in_(signed_in_year))))).scalar_one()
    return SubgroupYear(
        meetings_held=meetings[0], actions_recorded=meetings[1], actions_done=meetings[2],
        letters_received=mail[0], letters_sent=mail[1], answers_due=mail[2], answered_in_time=mail[3],
        answered_late=mail[4], unanswered_overdue=mail[5], prospects_new=prospects[0],
        agreements_signed=prospects[1], places_brought=places)

