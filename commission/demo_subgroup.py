"""The demo's housing sub-group: its year of work, recorded through the services as its members would.

Three members without an account beside the two accounts seated (the elected official who holds the signing
delegation, the treasurer); a meeting every two months over the past year and the next one planned, each with
its attendance, its notes and its actions (the old ones done, the recent ones open, one due in the coming days
for the elected official); the register of official letters in and out (the préfecture, the ARS, the
département, a town, the landlords), most answered, one to answer this week, one overdue, a few with the
letter's scan; three prospects: a residence signed this year with the places it brought, a landlord at the
proposal, a boarding house abandoned.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date, timedelta
from html import escape

from sqlalchemy import select
from sqlalchemy.orm import Session

from commission.demo_phrases import french_date
from commission.models.accounts import User
from commission.models.reference import Organisation, Town
from commission.models.tenancy import Agreement
from commission.services import stock
from commission.services.subgroup import meetings, members, official_mail, prospects
from commission.services.unit import commit
from commission.storage import DocumentStore
from commission.typography import fix_spacing

# Members who sit without an account: (name, capacity, organisation's name or "", town or "").
MEMBERS_WITHOUT_ACCOUNT = [
    ("Anne Roussel", "Cadre supérieure de santé, représentante de l'EPSM", "EPSM de l'agglomération lilloise", ""),
    ("Thierry Vandamme", "Représentant du dispositif des appartements associatifs", "", "Hellemmes"),
    ("Josiane Leroy", "Bénévole, UNAFAM", "UNAFAM — délégation du Nord", ""),
]
# What each meeting went through, and the actions it decided (description, owner login or "", days to do it).
MEETINGS: list[tuple[str, str, list[tuple[str, str, int]]]] = [
    ("Point sur les entrées et les sorties du trimestre ; renouvellement des conventions à venir.",
     "Trois entrées, deux sorties. La convention avec Habitat Métropole Est arrive à échéance : "
     "la coordination prépare l'avenant.",
     [("Préparer l'avenant de renouvellement de la convention avec Habitat Métropole Est", "coordination", 30)]),
    ("Courrier de la préfecture sur le bilan annuel ; appel à cotisations.",
     "Le bilan sera transmis avec le rapport d'activité. Les cotisations de l'année sont appelées en mars.",
     [("Transmettre le bilan annuel à la préfecture", "coordination", 21),
      ("Vérifier les populations légales retenues pour l'appel à cotisations", "tresorerie", 14)]),
    ("Prospection : résidence accueil Les Glycines ; situation du fonds.",
     "Rencontre prévue avec la directrice de la résidence. Le fonds couvre les dépôts de garantie de l'année.",
     [("Rencontrer la directrice de la résidence Les Glycines", "presidence.mons", 20)]),
    ("Proposition de convention aux Glycines ; interpellation de la mairie de Lesquin.",
     "La proposition de convention est envoyée. Réponse à la mairie de Lesquin sur la place vacante.",
     [("Répondre à la mairie de Lesquin", "presidence.mons", 10),
      ("Contacter Partenord Habitat", "", 45)]),
    ("Signature de la convention avec Les Glycines ; rapport d'activité.",
     "Convention signée : quatre places entrent dans le parc. Le rapport d'activité est validé.",
     [("Présenter le rapport d'activité à l'assemblée générale", "presidence.mons", 40)]),
    ("Proposition faite à Partenord Habitat ; abandon de la piste de la pension de famille.",
     "Partenord Habitat étudie la proposition. La pension de famille Le Relais n'a plus de places.",
     [("Relancer Partenord Habitat sur la proposition", "presidence.mons", 30),
      ("Mettre à jour la liste des partenaires dans le guide", "", 60)]),
    ("Point sur les conventions à renouveler ; courrier de l'ARS.",
     "L'ARS demande les indicateurs d'activité : la coordination les rassemble.",
     [("Rassembler les indicateurs demandés par l'ARS", "coordination", 12),
      ("Préparer la prochaine réunion avec les bailleurs", "presidence.mons", 15)]),
]
# The texts as a member types them, spaced as French is written (the pages print them as they are).
MEETINGS = [(fix_spacing(agenda), fix_spacing(notes), [(fix_spacing(what), who, days) for what, who, days in actions])
            for agenda, notes, actions in MEETINGS]
MEETING_EVERY_DAYS = 56
# Letters: (days ago, direction, correspondent, kind, partner's name or "", subject, answer within days or None,
# handler login, answered after days or None, with a scan).
LETTERS: list[tuple[int, str, str, str, str, str, int | None, str, int | None, bool]] = [
    (350, "incoming", "Préfecture du Nord — DDETS", "authority", "", "Demande du bilan annuel du dispositif", 45,
     "coordination", 30, True),
    (330, "incoming", "Habitat Métropole Est", "landlord", "Habitat Métropole Est",
     "Révision annuelle des loyers des logements conventionnés", None, "coordination", None, True),
    (300, "outgoing", "Conseil départemental du Nord", "funder", "", "Demande de soutien au fonds de garantie",
     None, "presidence.mons", None, False),
    (260, "incoming", "Conseil départemental du Nord", "funder", "", "Réponse à la demande de soutien au fonds",
     None, "presidence.mons", None, True),
    (230, "incoming", "Mairie de Lesquin", "town", "", "Question sur une place vacante à Lesquin", 30,
     "presidence.mons", 25, False),
    (190, "incoming", "Logis du Nord Social", "landlord", "Logis du Nord Social",
     "Travaux de réhabilitation de la résidence du Moulin", 30, "coordination", 40, False),
    (175, "outgoing", "Résidence accueil Les Glycines", "partner", "",
     "Proposition de convention de partenariat", None, "presidence.mons", None, False),
    (110, "incoming", "Agence régionale de santé Hauts-de-France", "authority", "",
     "Appel à manifestation d'intérêt : logement accompagné", 60, "coordination", 50, True),
    (60, "incoming", "Foyer Lillois HLM", "landlord", "Foyer Lillois HLM",
     "Renouvellement de la convention de partenariat", 45, "coordination", None, False),
    (20, "incoming", "Agence régionale de santé Hauts-de-France", "authority", "",
     "Demande des indicateurs d'activité de l'année", 26, "presidence.mons", None, True),
]

LETTERS = [(*letter[:5], fix_spacing(letter[5]), *letter[6:]) for letter in LETTERS]


@dataclass(frozen=True)
class SubgroupDemo:
    meetings: int
    letters: int
    prospects: int


def _scan(correspondent: str, subject: str, day: date) -> bytes:
    """A one-page letter standing for the scan of the one received (WeasyPrint, no outside resource)."""
    from weasyprint import HTML

    dated = french_date(day)
    html = (f"<html lang='fr'><body style='font-family: DejaVu Sans; font-size: 11pt; margin: 2cm'>"
            f"<p><strong>{escape(correspondent)}</strong></p><p style='text-align: right'>Le {dated}</p>"
            f"<p>Objet\u00a0: {escape(subject)}</p><p>Madame, Monsieur,</p>"
            "<p>Nous vous prions de bien vouloir trouver ci-joint les éléments relatifs à l'objet cité en référence "
            "et restons à votre disposition pour tout complément.</p>"
            "<p>Veuillez agréer l'expression de nos salutations distinguées.</p>"
            "<p style='color: #666; font-size: 8pt'>Document de démonstration.</p></body></html>")
    pdf: bytes = HTML(string=html).write_pdf()
    return pdf


def _organisation(session: Session, name: str) -> Organisation | None:
    return session.execute(select(Organisation).where(Organisation.name == name)).scalar_one_or_none()


def _members(session: Session, coordinator: User, today: date) -> None:
    for name, capacity, organisation, town in MEMBERS_WITHOUT_ACCOUNT:
        found = _organisation(session, organisation) if organisation else None
        town_id = session.execute(select(Town.id).where(Town.name == town)).scalar_one() if town else None
        members.add_member(session, coordinator, members.MemberInput(
            name=name, capacity=capacity, organisation_id=str(found.id) if found else "",
            town_id=str(town_id) if town_id else "", email=f"{name.lower().replace(' ', '.')}@demo.example.org",
            joined_on=(today - timedelta(days=400)).isoformat()), today=today - timedelta(days=400))


def _meetings(session: Session, rng: random.Random, users: dict[str, User], today: date) -> int:
    coordinator = users["coordination"]
    seats = [seat.key for seat in members.membership(session, coordinator)]
    by_login = {user.login: user for user in users.values()}
    first = today - timedelta(days=MEETING_EVERY_DAYS * (len(MEETINGS) - 1) + 10)  # the last one ten days ago
    for number, (agenda, notes, actions) in enumerate(MEETINGS):
        day = first + timedelta(days=MEETING_EVERY_DAYS * number)
        present = sorted(rng.sample(seats, k=max(2, len(seats) - rng.randint(0, 2))))
        meeting = meetings.plan_meeting(session, coordinator, meetings.MeetingInput(
            held_on=day.isoformat(), starts_at="17:30", location="Mairie de Mons-en-Barœul, salle du conseil",
            agenda=agenda, notes=notes, attendees=present), today=today)
        for description, login, days in actions:
            owner = members.person_key(user_id=by_login[login].id) if login else ""
            due = day + timedelta(days=days)
            action = meetings.add_action(session, coordinator, meeting.id, description, owner=owner,
                                         due_on=due.isoformat(), today=today)
            done = due + timedelta(days=rng.randint(-8, 3))
            if number < len(MEETINGS) - 2 and done < today:  # the last two meetings' actions are still open
                meetings.complete_action(session, coordinator, action.id, done_on=max(done, day).isoformat(),
                                         outcome="Fait.", today=today)
    meetings.plan_meeting(session, coordinator, meetings.MeetingInput(
        held_on=(today + timedelta(days=21)).isoformat(), starts_at="17:30",
        location="Mairie de Mons-en-Barœul, salle du conseil",
        agenda=fix_spacing("Entrées et sorties ; conventions à renouveler ; indicateurs pour l'ARS ; prospection.")),
        today=today)
    return len(MEETINGS) + 1


def _letters(session: Session, store: DocumentStore, users: dict[str, User], today: date) -> int:
    by_login = {user.login: user for user in users.values()}
    for ago, direction, correspondent, kind, partner, subject, within, login, answered, scanned in LETTERS:
        day = today - timedelta(days=ago)
        organisation = _organisation(session, partner) if partner else None
        agreement = session.execute(select(Agreement.id).where(Agreement.organisation_id == organisation.id)
                                    .order_by(Agreement.id).limit(1)).scalar_one_or_none() if organisation else None
        handler = by_login[login]
        letter = official_mail.register_mail(session, handler, official_mail.MailInput(
            direction=direction, correspondent=correspondent, correspondent_kind=kind,
            organisation_id=str(organisation.id) if organisation else "",
            agreement_id=str(agreement) if agreement else "", subject=subject,
            dated_on=(day - timedelta(days=2 if direction == "incoming" else 0)).isoformat(),
            registered_on=day.isoformat(), handler_id=str(handler.id),
            answer_due=(day + timedelta(days=within)).isoformat() if within else ""), today=today)
        if scanned:
            official_mail.attach_document(session, handler, store, letter.id, "courrier.pdf",
                                          _scan(correspondent, subject, day))
        if answered is not None:
            answer_day = day + timedelta(days=answered)
            answer = official_mail.MailInput.answering(letter, answer_day)
            answer.subject = fix_spacing(f"Réponse : {subject}")
            official_mail.register_mail(session, handler, answer, today=today)
    return len(LETTERS) + sum(1 for letter in LETTERS if letter[8] is not None)


def _prospects(session: Session, users: dict[str, User], today: date) -> int:
    coordinator, delegate = users["coordination"], users["presidence.mons"]
    faches = session.execute(select(Town).where(Town.name == "Faches-Thumesnil")).scalar_one()

    def new(name: str, kind: str, town: Town | None, places: int, place_kind: str, contact: str, role: str,
            next_action: str, due: date | None) -> int:
        return prospects.create_prospect(session, delegate, prospects.ProspectInput(
            name=name, kind=kind, town_id=str(town.id) if town else "", contact_name=contact, contact_role=role,
            phone="03 20 00 00 00", email=f"contact@{name.split()[-1].lower()}.example.org",
            places_announced=str(places), place_kind=place_kind, next_action=next_action,
            next_action_due=due.isoformat() if due else "", follower_id=str(delegate.id))).id

    def step(prospect_id: int, trigger: str, ago: int, note: str, next_action: str = "", due: int | None = None
             ) -> None:
        version = prospects.get_prospect(session, delegate, prospect_id).version
        prospects.take_step(session, delegate, prospect_id, trigger, on=(today - timedelta(days=ago)).isoformat(),
                            note=fix_spacing(note), next_action=fix_spacing(next_action),
                            next_action_due=(today + timedelta(days=due)).isoformat() if due is not None else "",
                            expected_version=version, today=today)

    glycines = new("Résidence accueil Les Glycines", "residence", faches, 4, "residence_place", "Mme Dumont",
                   "Directrice", "Rencontrer la directrice", None)
    step(glycines, "meet", 200, "Visite de la résidence : quatre studios pourraient être réservés.",
         "Envoyer la proposition de convention")
    step(glycines, "propose", 175, "Proposition de convention envoyée.", "Attendre la réponse du conseil "
         "d'administration")
    step(glycines, "draft", 140, "Le conseil d'administration accepte : la convention est rédigée.",
         "Signer la convention")
    version = prospects.get_prospect(session, coordinator, glycines).version
    signed = today - timedelta(days=125)
    prospect = prospects.sign_prospect(session, coordinator, glycines, prospects.SignInput(
        reference=f"CONV-{signed.year}-GLY", title="Convention de partenariat avec la résidence accueil Les Glycines",
        start_date=signed.isoformat(), end_date=signed.replace(year=signed.year + 3).isoformat(),
        renewal="explicit", notice_months="3", signed_on=signed.isoformat(),
        note="Signée par l'élue titulaire de la délégation."), version, today=today)
    assert prospect.agreement_id is not None and prospect.organisation_id is not None
    for number in range(4):
        stock.create_place(session, coordinator, stock.PlaceInput(
            reference=f"RES-GLY-{number + 1}", kind="residence_place", town_id=str(faches.id),
            address=f"12 rue des Glycines, studio {number + 1}", organisation_id=str(prospect.organisation_id),
            agreement_id=str(prospect.agreement_id), rooms="1", surface_m2=str(22 + number), floor=str(number // 2),
            rent="365,00", charges="35,00", deposit="400,00"), today=today)

    partenord = new("Partenord Habitat", "landlord", None, 6, "apartment", "M. Caudron",
                    "Responsable des partenariats", "Premier rendez-vous", None)
    step(partenord, "propose", 70, "Proposition de réserver six logements sur trois ans.",
         "Relancer sur la proposition", 9)

    relais = new("Pension de famille Le Relais", "hostel", None, 2, "hostel_place", "Mme Lemaire", "Hôtesse",
                 "Visiter la pension", None)
    step(relais, "meet", 110, "Visite : deux places pourraient se libérer.")
    step(relais, "abandon", 68, "La pension n'a plus de places disponibles avant deux ans.")
    return 3


def build_subgroup_year(session: Session, rng: random.Random, store: DocumentStore, users: dict[str, User],
                        today: date) -> SubgroupDemo:
    """The sub-group's year, through the services, then committed."""
    _members(session, users["coordination"], today)
    held = _meetings(session, rng, users, today)
    letters = _letters(session, store, users, today)
    followed = _prospects(session, users, today)
    commit(session)
    return SubgroupDemo(held, letters, followed)
