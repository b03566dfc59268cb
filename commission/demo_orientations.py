"""The demo's orientations: people oriented, with their consent, towards structures of the directory, over the
past years, through the services as the care teams and the coordinator would, in every state.

Each care-team account orients people of its own team's files, the coordinator those of the other teams: people
on the waiting list towards mutual-help groups and social services (most taken on there, some still followed,
some followed until it ended); people whose tenancy ended towards hostels, retirement homes and care (taken on,
the link kept on the council's books); people refused or who withdrew towards care and social services (awaiting
an answer, or declined with the structure's reason: they are never counted as helped by the demo, so that a
mutual-help group taking one of them on shows on the dashboard at once). Together with the people the council
housed, more than a hundred people helped over the years.
"""

from __future__ import annotations

import random
from datetime import date, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from commission.errors import InvalidInput, TransitionRefused
from commission.models.accounts import User
from commission.models.cases import Case
from commission.models.directory import Need, Structure, StructureKind
from commission.services import orientations
from commission.services.unit import commit
from commission.workflow.case import CASE_MACHINE
from commission.workflow.tags import Tag

CARE_TEAM_LOGINS = ("soignant.ronchin", "soignant.mons")
COORDINATOR = "coordination"
# (why, what is asked), by the need the structure answers.
REASONS: dict[Need, list[tuple[str, str]]] = {
    Need.PEER: [("Rompre l'isolement en attendant un logement ; la personne souhaite rencontrer d'autres "
                 "adhérents.", "Un accueil aux après-midis d'activités."),
                ("Retrouver un rythme de journée et des liens hors de l'hôpital.", "Une première visite accompagnée.")],
    Need.SOCIAL: [("Ouverture des droits et aide aux démarches administratives.", "Un rendez-vous avec une "
                   "assistante sociale."),
                  ("Accompagnement budgétaire demandé par la personne.", "Un suivi budgétaire.")],
    Need.CARE: [("Poursuite des soins près du domicile actuel.", "Un premier rendez-vous infirmier."),
                ("Relais du suivi après la sortie d'hospitalisation.", "Une consultation de suivi.")],
    Need.HOUSING: [("Recherche d'un hébergement adapté, la personne n'ayant pas de place au dispositif.",
                    "L'étude de sa demande d'admission."),
                   ("Besoin d'un cadre de vie plus entouré avec l'âge.", "Une visite et l'étude de l'admission.")],
    Need.PREVENTION: [("Prévention des consommations, à la demande de la personne.", "Un entretien d'accueil.")],
}
DECLINES = ("Plus de place avant plusieurs mois.", "Hors de notre secteur géographique.",
            "La personne ne relève pas de notre accueil ; réorientée vers le CMP.")


def _by_kind(structures: list[Structure], *kinds: StructureKind) -> list[Structure]:
    return [row for row in structures if row.kind in kinds]


def _files(session: Session, users: dict[str, User]) -> list[tuple[User, Case]]:
    """Each file with the account that orients from it: its team's, else the coordinator."""
    by_team = {users[login].care_team_id: users[login] for login in CARE_TEAM_LOGINS if login in users}
    rows = session.execute(select(Case).order_by(Case.id)).scalars().all()
    return [(by_team.get(case.care_team_id, users[COORDINATOR]), case) for case in rows]


def build_orientations(session: Session, rng: random.Random, users: dict[str, User], today: date) -> int:
    """Orientations in every state over the past years; returns how many."""
    structures = list(session.execute(select(Structure).where(Structure.active).order_by(Structure.id)).scalars())
    if not structures or COORDINATOR not in users:
        return 0
    peer = _by_kind(structures, StructureKind.MUTUAL_HELP_GROUP, StructureKind.USERS_ASSOCIATION)
    social = _by_kind(structures, StructureKind.CCAS, StructureKind.DISTRICT_SOCIAL_SERVICE,
                      StructureKind.SOCIAL_CENTRE)
    care = _by_kind(structures, StructureKind.CMP, StructureKind.HOSPITAL_SECTOR, StructureKind.PREVENTION)
    lodging = _by_kind(structures, StructureKind.HOSTEL, StructureKind.RESIDENCE, StructureKind.RETIREMENT_HOME)
    made = 0
    answers: tuple[str, ...]
    for number, (actor, case) in enumerate(_files(session, users)):
        state = case.state
        if CASE_MACHINE.means(state, Tag.ON_WAITING_LIST):
            pools, answers = [peer, social], ("accept", "accept", "end", "unanswered", "decline")
        elif CASE_MACHINE.means(state, Tag.SETTLED):
            pools, answers = [lodging, care, peer], ("accept", "end", "accept", "decline")
        elif CASE_MACHINE.means(state, Tag.ENDED):  # refused or withdrawn, never housed
            pools, answers = [care, social], ("unanswered", "decline")
        elif CASE_MACHINE.means(state, Tag.HOUSED):
            if number % 4:  # a few of the people housed are also followed by a mutual-help group
                continue
            pools, answers = [peer], ("accept", "end")
        else:
            continue
        pool = next((choice for choice in pools[number % len(pools):] + pools if choice), None)
        if pool is None:
            continue
        made += _orient(session, rng, actor, case, rng.choice(pool), answers[number % len(answers)], today)
    commit(session)
    return made


def _orient(session: Session, rng: random.Random, actor: User, case: Case, structure: Structure, answer: str,
            today: date) -> int:
    """Orient the person towards the structure, then play its answer: a step of the orientation ("accept",
    "decline"; "end": accepted, then ended), or none ("unanswered")."""
    opened = case.created_at.date()
    earliest = max(opened, today - timedelta(days=1000))
    if earliest >= today - timedelta(days=20):
        earliest = today - timedelta(days=20)
    sent = earliest + timedelta(days=rng.randint(0, max((today - earliest).days - 15, 0)))
    why, asked = rng.choice(REASONS[structure.need])
    try:
        (orientation,) = orientations.orient(session, actor, case.id, orientations.OrientationInput(
            structure_id=str(structure.id), reason=why, request=asked,
            consent_on=(sent - timedelta(days=rng.randint(0, 10))).isoformat(), sent_on=sent.isoformat()),
            today=today)
    except (InvalidInput, TransitionRefused):  # already oriented there and still open, or anonymised: skipped
        return 0
    if answer == "unanswered":  # the structure has not answered yet
        return 1
    answered = min(sent + timedelta(days=rng.randint(5, 30)), today)
    trigger = "decline" if answer == "decline" else "accept"
    orientations.take_step(session, actor, orientation.id, trigger, on=answered.isoformat(),
                           note=rng.choice(DECLINES) if trigger == "decline" else "", expected_version=None,
                           today=today)
    if answer == "end" and answered + timedelta(days=60) <= today:
        ended = min(answered + timedelta(days=rng.randint(60, 400)), today)
        orientations.take_step(session, actor, orientation.id, "end", on=ended.isoformat(),
                               note="Suivi terminé, la personne va bien.", expected_version=None, today=today)
    return 1
