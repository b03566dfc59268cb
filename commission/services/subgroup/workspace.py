"""The housing sub-group's workspace: what it follows, on one page, for its members and the coordinator.

Its next meeting and the actions still open; the official letters awaiting an answer; the prospects pursued;
the agreements to renew and the partners with their places; the year's admissions and exits and the fund; the
year's figures for the council's general assembly. Counts and references only where a person could appear: a
member who is not the coordinator reads no file from here.

A bounded number of queries whatever the volume (the lists are capped, the figures grouped in SQL).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from commission import clock, policy
from commission.documents.figures import SubgroupYear, YearFigures
from commission.models.accounts import User
from commission.models.housing import Place
from commission.models.official_mail import OfficialMail
from commission.models.reference import Organisation
from commission.models.subgroup import SubgroupMeeting
from commission.models.tenancy import Agreement
from commission.services import dashboard, stock
from commission.services.stock.agreements import RenewalDue
from commission.services.subgroup import meetings, members, prospects
from commission.services.subgroup.meetings import OpenAction
from commission.services.subgroup.prospects import ProspectsInProgress
from commission.services.subgroup.year import subgroup_year

SHOWN = 5  # each list's first rows; the registers hold the rest


@dataclass(frozen=True)
class PartnerRow:
    """A partner with agreements in force: how many, and the places they cover."""

    organisation: Organisation
    agreements: int
    places: int


@dataclass(frozen=True)
class Workspace:
    today: date
    members: int
    next_meeting: SubgroupMeeting | None
    actions: list[OpenAction]  # the first SHOWN, overdue first
    actions_open: int
    awaiting: list[OfficialMail]  # the first SHOWN letters whose answer is due, soonest first
    awaiting_total: int
    prospects: ProspectsInProgress
    renewals: list[RenewalDue]
    partners: list[PartnerRow]
    figures: YearFigures
    year: SubgroupYear
    reads_fund: bool
    records: bool  # may write in the sub-group's registers


def _partners(session: Session) -> list[PartnerRow]:
    covered = (select(Place.agreement_id, func.count(Place.id).label("places"))
               .where(Place.active.is_(True)).group_by(Place.agreement_id).subquery())
    rows = session.execute(
        select(Organisation, func.count(Agreement.id), func.coalesce(func.sum(covered.c.places), 0))
        .join(Agreement, Agreement.organisation_id == Organisation.id)
        .outerjoin(covered, covered.c.agreement_id == Agreement.id)
        .where(Agreement.ended_at.is_(None)).group_by(Organisation.id).order_by(Organisation.name)
    ).all()
    return [PartnerRow(organisation, agreements, int(places)) for organisation, agreements, places in rows]


def _awaiting(session: Session, today: date) -> tuple[list[OfficialMail], int]:
    waiting = (OfficialMail.answer_due.is_not(None), OfficialMail.answered_on.is_(None))
    rows = list(session.execute(select(OfficialMail).where(*waiting)
                                .order_by(OfficialMail.answer_due, OfficialMail.id).limit(SHOWN)).scalars())
    total = session.execute(select(func.count()).select_from(OfficialMail).where(*waiting)).scalar_one()
    return rows, total


def workspace(session: Session, actor: User, today: date | None = None) -> Workspace:
    policy.require(actor, policy.Action.VIEW_SUBGROUP)
    today = today or clock.today()
    actions = meetings.open_actions(session, actor, today)
    awaiting, awaiting_total = _awaiting(session, today)
    figures = dashboard.year_figures(session, actor, today.year, today)
    return Workspace(
        today=today, members=len(members.membership(session, actor)),
        next_meeting=meetings.next_meeting(session, actor, today),
        actions=actions[:SHOWN], actions_open=len(actions),
        awaiting=awaiting, awaiting_total=awaiting_total,
        prospects=prospects.prospects_in_progress(session, actor, today),
        renewals=stock.agreements_to_renew(session, actor, today),
        partners=_partners(session), figures=figures, year=subgroup_year(session, actor, figures.period),
        reads_fund=policy.can(actor, policy.Action.VIEW_TREASURY),
        records=policy.can(actor, policy.Action.RECORD_SUBGROUP),
    )

