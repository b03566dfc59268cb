"""Realistic plain data for the documents, without a database: a hearing at Ronchin in March 2026.

Shared by the document tests, the benchmark of the minutes, and any test that needs a believable
document. Every value is deterministic: the same call gives the same data.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from commission.documents.data import (
    AgendaData,
    AgendaItem,
    Attendee,
    Council,
    HearingInfo,
    Invitation,
    Letter,
    MinutesData,
    MinutesItem,
    PersonRef,
    VoteTally,
)

PARIS = ZoneInfo("Europe/Paris")
COUNCIL = Council(address="Hôtel de ville, 2 rue Louis Pasteur, 59790 Ronchin", town="Ronchin")
HEARING = HearingInfo(
    reference="2026-1",
    day=date(2026, 3, 19),
    start=time(14, 0),
    town="Ronchin",
    venue="Salle du conseil municipal",
    address="Hôtel de ville, 2 rue Louis Pasteur",
    chair_name="Hélène Dubois",
    chair_title="Adjointe au maire de Ronchin",
)

FIRST_NAMES = ("Camille", "Julien", "Nadia", "Thierry", "Sophie", "Karim", "Brigitte", "Mathieu", "Yasmina",
               "Gérard", "Aurélie", "Didier")
LAST_NAMES = ("Martin", "Lefebvre", "Benali", "Dupont", "Vasseur", "Moreau", "Delattre", "Lambert", "Haddad",
              "Lemaire", "Carpentier", "Wallart", "Duhamel")
CARE_TEAMS = ("CMP de Ronchin", "CMP de Mons-en-Barœul", "Hôpital de jour de Lesquin", "CATTP de Hellemmes")
PROTECTIONS = ("", "Curatelle renforcée", "", "Tutelle")
TOWNS = ("Faches-Thumesnil", "Hellemmes", "Lesquin", "Lezennes", "Mons-en-Barœul", "Ronchin")

ATTENDEES = (
    Attendee("Hélène Dubois", "Adjointe au maire de Ronchin, présidente de séance", "present", "Présente"),
    Attendee("Marc Vandamme", "Conseiller municipal de Faches-Thumesnil", "present", "Présent"),
    Attendee("Isabelle Noël", "Adjointe au maire de Hellemmes", "present", "Présente"),
    Attendee("Patrick Oudart", "Conseiller municipal de Lesquin", "represented", "Représenté",
             represented_by="Isabelle Noël"),
    Attendee("Fatima Zerrouki", "Adjointe au maire de Mons-en-Barœul", "present", "Présente"),
    Attendee("Dr Anne Lemoine", "Psychiatre, cheffe de pôle de l'EPSM", "present", "Présente"),
    Attendee("Olivier Caron", "Représentant du bailleur Habitat Métropole Est", "present", "Présent"),
    Attendee("Sandrine Leroy", "Représentante du bailleur Logis du Nord", "excused", "Excusée"),
    Attendee("Jean-Paul Ricquier", "Représentant de l'UNAFAM", "present", "Présent"),
    Attendee("Nathalie Deschamps", "Mandataire judiciaire, association tutélaire", "present", "Présente"),
    Attendee("Hervé Masson", "Directeur du foyer Les Tilleuls", "absent", "Absent"),
    Attendee("Claire Bouchez", "Infirmière coordinatrice de l'équipe appartements", "present", "Présente",
             votes=False),
    Attendee("Stéphane Briffaut", "Assistant social, CMP de Ronchin", "excused", "Excusé", votes=False),
)


def person(index: int) -> PersonRef:
    """The index-th applicant: a distinct name and birth date for every index below 156."""
    first, last = FIRST_NAMES[index % len(FIRST_NAMES)], LAST_NAMES[index % len(LAST_NAMES)]
    protection = PROTECTIONS[index % len(PROTECTIONS)]
    return PersonRef(
        full_name=f"{first} {last}",
        initials=f"{first[0]}. {last[0]}.",
        birth_date=date(1955 + index % 40, 1 + index % 12, 1 + (index * 5) % 28),
        care_team=CARE_TEAMS[index % len(CARE_TEAMS)],
        protection=protection,
        guardian="Nathalie Deschamps" if protection else "",
    )


def time_slot(index: int) -> time:
    start = datetime.combine(HEARING.day, HEARING.start) + timedelta(minutes=15 * index)
    return start.time()


def request(index: int) -> str:
    town, other = TOWNS[index % len(TOWNS)], TOWNS[(index + 2) % len(TOWNS)]
    return f"Appartement associatif, une chambre, à {town} ou {other} ; rez-de-chaussée souhaité."


def minutes_item(index: int) -> MinutesItem:
    """One examined file; the decisions cycle through every kind, each with its reason and vote."""
    item = MinutesItem(
        position=index + 1, kind="application", kind_label="Demande de logement",
        case_reference=f"D-2026-{index + 1:03d}", person=person(index), request=request(index),
        carried_over=index % 5 == 2, time_slot=time_slot(index), attended=index % 4 != 3,
        decision="", decision_label="", reason="",
    )
    votes = VoteTally(in_favour=8 - index % 3, against=index % 2, abstentions=index % 3)
    match index % 5:
        case 0:
            return replace(
                item, decision="allocate", decision_label="Attribution",
                reason="Projet de soin stabilisé depuis un an ; autonomie suffisante pour vivre seul.",
                place=f"APP-RON-{index + 10:03d} — 14 rue Jean Jaurès, Ronchin (T2, rez-de-chaussée)", rank=1,
                votes=replace(votes, withdrawn=("Olivier Caron",)),
                note="Visite du logement prévue avec l'infirmière coordinatrice.",
            )
        case 1:
            return replace(
                item, decision="waiting_list", decision_label="Avis favorable, en attente de place",
                reason="Demande adaptée ; aucune place de ce type n'est libre à ce jour.",
                place="APP-MONS-004 — 3 allée des Saules, Mons-en-Barœul", rank=2, votes=votes,
            )
        case 2:
            return replace(
                item, decision="defer", decision_label="Ajournement",
                reason="Le dossier ne comporte pas l'avis du psychiatre référent.",
                awaited="Avis écrit du psychiatre référent et bilan de l'hôpital de jour.",
                deferred_to="Commission du 18 juin 2026 — Lezennes", votes=votes,
            )
        case 3:
            return replace(
                item, decision="refuse", decision_label="Refus",
                reason="La personne souhaite un logement hors du secteur ; orientation vers le bailleur direct.",
                votes=votes,
            )
        case _:
            return replace(
                item, kind="review", kind_label="Point de suivi", decision="review_noted",
                decision_label="Suivi pris en compte",
                reason="Installation réussie ; loyer payé régulièrement, lien maintenu avec le CMP.",
            )


def sample_minutes(items: int = 6) -> MinutesData:
    """Signed minutes of the March 2026 hearing with ``items`` files examined."""
    return MinutesData(
        council=COUNCIL,
        hearing=HEARING,
        version=1,
        status="signed",
        status_label="Signé",
        attendees=ATTENDEES,
        quorum_required=6,
        quorum_present=sum(1 for a in ATTENDEES if a.votes and a.status in ("present", "represented")),
        items=tuple(minutes_item(index) for index in range(items)),
        vacancies=("APP-LEZ-002 — 8 rue de la Gare, Lezennes (T1), libre au 1er avril 2026",
                   "Résidence Les Jardins, place 7, libre à la fin du mois"),
        movements=("Entrée de M. D. en appartement associatif à Hellemmes le 2 février 2026",
                   "Sortie de Mme L. vers un logement ordinaire (bail glissant) le 15 février 2026"),
        remarks="Le bailleur Logis du Nord propose deux nouveaux logements à Faches-Thumesnil en septembre.",
        next_hearing="Jeudi 18 juin 2026 à 14 h, salle des fêtes de Lezennes",
        signed_by="Hélène Dubois",
        signer_capacity="Adjointe au maire de Ronchin, présidente de séance",
        signed_at=datetime(2026, 3, 26, 9, 30, tzinfo=UTC),
        approved_at=datetime(2026, 3, 24, 16, 0, tzinfo=UTC),
    )


def sample_draft(items: int = 6) -> MinutesData:
    """A draft correcting version 1, not yet signed."""
    return replace(sample_minutes(items), version=2, status="draft", status_label="Projet", signed_by="",
                   signer_capacity="", signed_at=None, approved_at=None, corrects_version=1,
                   correction_reason="erreur sur le rang attribué au point 2")


def sample_agenda(items: int = 8) -> AgendaData:
    return AgendaData(
        council=COUNCIL,
        hearing=HEARING,
        items=tuple(
            AgendaItem(position=index + 1, kind="application", kind_label="Demande de logement",
                       case_reference=f"D-2026-{index + 1:03d}", person=person(index), request=request(index),
                       carried_over=index % 3 == 1, time_slot=time_slot(index))
            for index in range(items)
        ),
        vacancies=sample_minutes(0).vacancies,
    )


def sample_letter(role: str = "person", index: int = 0) -> Letter:
    who = person(index)
    recipients = {
        "person": (f"Madame {who.full_name}" if index % 2 == 0 else f"Monsieur {who.full_name}",
                   ("12 rue des Acacias", "59790 Ronchin")),
        "guardian": ("Nathalie Deschamps, mandataire judiciaire", ("Association tutélaire du Nord",
                                                                   "40 boulevard de la Liberté", "59000 Lille")),
        "care_team": (who.care_team, ("Centre médico-psychologique", "5 rue du Général Leclerc", "59790 Ronchin")),
    }
    name, address = recipients[role]
    return Letter(council=COUNCIL, hearing=HEARING, recipient_name=name, recipient_address=address,
                  salutation="Madame, Monsieur,", person=who, time_slot=time_slot(index), role=role,
                  signatory="Claire Bouchez, coordinatrice de la commission appartement",
                  letter_date=date(2026, 3, 2))


def sample_letters() -> list[Letter]:
    """The convocations of the first two items: the person, the guardian and the care team each."""
    return [sample_letter(role, index) for index in range(2) for role in ("person", "guardian", "care_team")]


def sample_invitation(**overrides: object) -> Invitation:
    invitation = Invitation(
        uid="hearing-2026-1-member-7@commission.example.org",
        summary="Commission appartement — Ronchin",
        description="Commission trimestrielle du 19 mars 2026.\nOrdre du jour joint au courrier.",
        location="Salle du conseil municipal, Hôtel de ville, 2 rue Louis Pasteur, 59790 Ronchin",
        start=datetime(2026, 3, 19, 14, 0, tzinfo=PARIS),
        end=datetime(2026, 3, 19, 17, 0, tzinfo=PARIS),
        organizer_name="Claire Bouchez",
        organizer_email="coordination@commission.example.org",
        attendee_name="Olivier Caron",
        attendee_email="o.caron@habitat-metropole.example.org",
        sequence=1,
        stamp=datetime(2026, 3, 2, 10, 0, tzinfo=UTC),
    )
    return replace(invitation, **overrides)  # type: ignore[arg-type]
