"""The demo's letters: the council's letterhead, the titles its signatories sign with, the letters of three years
posted in monthly print runs and e-mailed to the partners, the last days' letters waiting for the next print run,
and the three-party commitments of the persons who moved in, signed.

The letters themselves are written by the files' steps as the demo replays them (the case machine's hook writes
them); this module only gives them what happened to them afterwards, and the commitments their signatures.
"""

from __future__ import annotations

import random
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from commission.models.accounts import User
from commission.models.cases import Case
from commission.models.letters import Channel, CouncilProfile, LetterStatus, OutgoingLetter, PrintRun
from commission.models.tenancy import Occupancy
from commission.services import audit, commitments
from commission.services.unit import commit

ZONE = ZoneInfo("Europe/Paris")
# The chairs' titles, as their letters sign them.
TITLES = {
    "presidence.ronchin": "Adjoint au maire de Ronchin",
    "presidence.mons": "Adjointe au maire de Mons-en-Barœul",
    "presidence.faches": "Adjointe au maire de Faches-Thumesnil",
    "presidence.hellemmes": "Maire délégué de Hellemmes",
    "presidence.lesquin": "Adjointe au maire de Lesquin",
    "presidence.lezennes": "Conseiller municipal délégué de Lezennes",
}
WAITING_DAYS = 4  # the letters of the last days wait for the next print run


def install_letterhead(session: Session, users: dict[str, User]) -> None:
    """The council's details on its letters (the elected officials' titles are given with their accounts)."""
    session.add(CouncilProfile(
        id=1, street="1 place de la République", address_extra="Hôtel de ville", postcode="59370",
        town="Mons-en-Barœul", phone="03 20 61 78 90", email="commission.appartement@cism.example.org",
        contact_name="Claire Dubois, coordinatrice", president_name="Patrick Lemoine",
        president_capacity="Président du conseil intercommunal de santé mentale",
    ))
    audit.record(session, users.get("coordination"), "council_profile.updated", "council_profile", 1,
                 {"fields": ["street", "postcode", "town", "phone", "email", "contact_name", "president_name"]})
    commit(session)


def settle_letters(session: Session, coordinator: User, today: date) -> int:
    """The letters of the past as they went: each month's posted in one print run a few days after the month's
    end, the e-mails sent the day they were written; the last days' left for the coordinator's next print run.
    Returns the print runs made."""
    cutoff = today - timedelta(days=WAITING_DAYS)
    months = sorted({(day.year, day.month) for day in session.execute(
        select(OutgoingLetter.letter_date).where(OutgoingLetter.status == LetterStatus.TO_POST,
                                                 OutgoingLetter.letter_date < cutoff)).scalars()})
    runs = 0
    for year, month in months:
        first = date(year, month, 1)
        following = date(year + month // 12, month % 12 + 1, 1)
        posted = min(following + timedelta(days=2), cutoff)
        run = PrintRun(created_by_id=coordinator.id, posted_on=posted, posted_by_id=coordinator.id,
                       created_at=datetime.combine(posted, time(9), ZONE))
        session.add(run)
        session.flush()
        session.execute(update(OutgoingLetter).where(
            OutgoingLetter.status == LetterStatus.TO_POST, OutgoingLetter.letter_date >= first,
            OutgoingLetter.letter_date < min(following, cutoff)).values(
            status=LetterStatus.POSTED, print_run_id=run.id, posted_on=posted,
            version=OutgoingLetter.version + 1))
        audit.record(session, coordinator, "print_run.posted", "print_run", run.id, {"posted_on": posted.isoformat()})
        runs += 1
    session.execute(update(OutgoingLetter).where(
        OutgoingLetter.channel == Channel.EMAIL, OutgoingLetter.status == LetterStatus.TO_SEND,
        OutgoingLetter.letter_date < cutoff).values(status=LetterStatus.SENT, sent_at=OutgoingLetter.created_at,
                                                    version=OutgoingLetter.version + 1))
    commit(session)
    return runs


def sign_commitments(session: Session, rng: random.Random, coordinator: User, delegate: User,
                     team_members: dict[int, User], today: date) -> int:
    """The commitments of the persons who moved in, signed by the three parties in the days after the allocation;
    a commitment drafted for each one housed without one (the stock taken over the first day)."""
    housed = session.execute(select(Case).join(Occupancy, Occupancy.case_id == Case.id)
                             .where(Occupancy.ended_on.is_(None))).scalars().all()
    for case in housed:
        if commitments.holds_place(case) and commitments.get_for_case(session, coordinator, case.id) is None:
            commitments.draft_for_case(session, coordinator, case.id, today=today)
    commit(session)
    signed = 0
    for case in housed:
        commitment = commitments.get_for_case(session, coordinator, case.id)
        if commitment is None or commitment.signed:
            continue
        start = commitment.allocated_on
        days = [min(start + timedelta(days=rng.randint(2, 15)), today) for _ in range(3)]
        member = team_members.get(case.care_team_id)
        team_signatory = f"{member.display_name}, {case.care_team.name}" if member else case.care_team.name
        for party, day, name in (("person", days[0], ""), ("care_team", days[1], team_signatory),
                                 ("council", days[2], f"{delegate.display_name}, {delegate.title}".strip(", "))):
            commitments.record_signature(session, coordinator, commitment.id, party, day, name,
                                         expected_version=None, today=today)
        signed += 1
    commit(session)
    return signed
