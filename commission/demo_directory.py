"""The demo's directory of the territory: some fifty fictional but plausible structures of the six towns, and of
Lille for the hospital's sector and prevention, added through the service as the coordinator would.

Every kind of structure is there; the council's landlords, hostels and residence (and the users' and families'
associations it knows) are the same bodies as its partners (``organisation_id``). The names, addresses,
telephone numbers and e-mail addresses are invented (``example.org``).
"""

from __future__ import annotations

import re

from sqlalchemy import select
from sqlalchemy.orm import Session

from commission.models.accounts import User
from commission.models.directory import StructureKind
from commission.models.reference import Organisation, OrganisationKind, Town
from commission.services import directory
from commission.typography import NBSP, fix_spacing

K = StructureKind
POSTCODES = {"Faches-Thumesnil": "59155", "Hellemmes": "59260", "Lesquin": "59810", "Lezennes": "59260",
             "Mons-en-Barœul": "59370", "Ronchin": "59790"}


def _h(text: str) -> str:
    """« 9 h » and « 8 h 30 » with no-break spaces, in an opening-hours text written « 9h » and « 8h 30 »."""
    return re.sub(r"\b(\d{1,2})h(?: (\d\d)\b)?",
                  lambda found: f"{found[1]}{NBSP}h" + (f"{NBSP}{found[2]}" if found[2] else ""), text)


WEEK = _h("Du lundi au vendredi, de 9h à 12h et de 14h à 17h.")
WEEK_LATE = _h("Du lundi au vendredi, de 8h 30 à 18h 30 ; permanence sans rendez-vous le mardi de 14h à 17h.")
MORNINGS = _h("Du lundi au vendredi, de 8h 30 à 12h ; l'après-midi sur rendez-vous.")
GEM_HOURS = _h("Le lundi, le mercredi et le vendredi, de 14h à 18h ; le samedi de 10h à 16h.")
DAY_AND_NIGHT = "Accueil et soins 24 h sur 24, 7 jours sur 7.".replace(" h ", f"{NBSP}h{NBSP}")
ASSOCIATION = _h("Permanence le mercredi de 14h à 17h, et sur rendez-vous.")

# (name, kind, town or "" for Lille and around, street address, telephone, e-mail user@domain, website,
#  opening hours, what it offers, for whom)
STRUCTURES: list[tuple[str, StructureKind, str, str, str, str, str, str, str, str]] = [
    # care: the sector's consultations and the hospital's sector
    ("CMP de Ronchin", K.CMP, "Ronchin", "12 rue Jean Jaurès", "03 20 16 42 10", "cmp.ronchin@epsm.example.org",
     "", WEEK_LATE, "Consultations de psychiatrie adulte, entretiens infirmiers, suivi social, visites à domicile.",
     "Adultes du secteur (Ronchin, Lesquin, Faches-Thumesnil), sur rendez-vous ; premier accueil infirmier."),
    ("CMP de Mons-en-Barœul", K.CMP, "Mons-en-Barœul", "3 avenue Robert Schuman", "03 20 04 71 30",
     "cmp.mons@epsm.example.org", "", WEEK_LATE,
     "Consultations de psychiatrie adulte, psychologues, infirmiers, assistante sociale du secteur.",
     "Adultes de Mons-en-Barœul, Hellemmes et Lezennes."),
    ("CMP enfants et adolescents de Faches-Thumesnil", K.CMP, "Faches-Thumesnil", "48 rue Kléber",
     "03 20 62 18 44", "cmpea.faches@epsm.example.org", "", WEEK,
     "Consultations pédopsychiatriques, bilans, groupes thérapeutiques, guidance parentale.",
     "Enfants et adolescents jusqu'à 16 ans et leurs parents."),
    ("Hôpital de jour Faches-Thumesnil", K.HOSPITAL_SECTOR, "Faches-Thumesnil", "7 rue Pasteur",
     "03 20 62 30 00", "hdj.faches@epsm.example.org", "", _h("Du lundi au vendredi, de 9h à 16h 30."),
     "Soins à la journée : ateliers thérapeutiques, activités de groupe, suivi médical.",
     "Adultes suivis par le secteur, sur indication du psychiatre."),
    ("CATTP Le Jardin de Hellemmes", K.HOSPITAL_SECTOR, "Hellemmes", "25 rue Roger Salengro", "03 20 41 55 72",
     "cattp.hellemmes@epsm.example.org", "", _h("Du lundi au vendredi, de 10h à 17h."),
     "Centre d'accueil thérapeutique à temps partiel : ateliers, groupes de parole, sorties.",
     "Adultes suivis par le CMP, sur indication de l'équipe soignante."),
    ("Équipe mobile psychiatrie-précarité", K.HOSPITAL_SECTOR, "", "Rue de Lille, 59000 Lille", "03 20 12 84 00",
     "empp@epsm.example.org", "https://www.epsm-agglo.example.org", MORNINGS,
     "Aller-vers les personnes à la rue ou en grande précarité, évaluation, lien avec les soins.",
     "Personnes sans domicile ou en hébergement d'urgence ; appel des professionnels."),
    ("Centre d'accueil et de crise de l'EPSM", K.HOSPITAL_SECTOR, "", "Boulevard de la Liberté, 59000 Lille",
     "03 20 12 80 80", "accueil.crise@epsm.example.org", "https://www.epsm-agglo.example.org", DAY_AND_NIGHT,
     "Accueil des situations de crise, évaluation, courte hospitalisation, orientation.",
     "Adultes du territoire, adressés par un médecin, les urgences ou le CMP."),
    # social: towns' social action centres, district services, social centres
    ("CCAS de Ronchin", K.CCAS, "Ronchin", "Place de l'Hôtel de Ville", "03 20 16 60 20",
     "ccas@ronchin.example.org", "https://www.ronchin.example.org", WEEK,
     "Aides facultatives, domiciliation, instruction des demandes de logement social, aide alimentaire.",
     "Habitants de Ronchin ; sur rendez-vous pour les demandes d'aide."),
    ("CCAS de Mons-en-Barœul", K.CCAS, "Mons-en-Barœul", "27 avenue Robert Schuman", "03 20 61 78 00",
     "ccas@monsenbaroeul.example.org", "https://www.monsenbaroeul.example.org", WEEK,
     "Accueil social, aides d'urgence, accompagnement budgétaire, portage de repas.", "Habitants de Mons-en-Barœul."),
    ("CCAS de Faches-Thumesnil", K.CCAS, "Faches-Thumesnil", "Rue Jean-Baptiste Lebas", "03 20 62 94 50",
     "ccas@faches-thumesnil.example.org", "https://www.faches-thumesnil.example.org", WEEK,
     "Aides facultatives, épicerie solidaire, demandes de logement, aide aux démarches en ligne.",
     "Habitants de Faches-Thumesnil."),
    ("CCAS de Lesquin", K.CCAS, "Lesquin", "Place Bernard Delerue", "03 20 87 43 10", "ccas@lesquin.example.org",
     "https://www.lesquin.example.org", MORNINGS, "Accueil social, aides ponctuelles, service aux aînés.",
     "Habitants de Lesquin."),
    ("CCAS de Lezennes", K.CCAS, "Lezennes", "Rue Pasteur", "03 20 91 18 60", "ccas@lezennes.example.org", "",
     _h("Le lundi, le mercredi et le jeudi, de 9h à 12h."), "Accueil social, aides d'urgence, lien avec l'UTPAS.",
     "Habitants de Lezennes."),
    ("Mairie de quartier de Hellemmes — action sociale", K.CCAS, "Hellemmes", "Place Hentgès", "03 20 41 82 00",
     "action.sociale@hellemmes.example.org", "", WEEK,
     "Accueil social de proximité, aides facultatives, demandes de logement social.", "Habitants de Hellemmes."),
    ("UTPAS de Villeneuve-d'Ascq", K.DISTRICT_SOCIAL_SERVICE, "", "Rue des Victoires, 59650 Villeneuve-d'Ascq",
     "03 59 73 60 00", "utpas.villeneuve@departement.example.org", "", WEEK,
     "Service social départemental : accompagnement social, protection de l'enfance, RSA, PMI.",
     "Habitants de Hellemmes, Lezennes et Mons-en-Barœul ; sur rendez-vous."),
    ("UTPAS de Lille-Sud", K.DISTRICT_SOCIAL_SERVICE, "", "Boulevard de Belfort, 59000 Lille", "03 59 73 82 00",
     "utpas.lillesud@departement.example.org", "", WEEK,
     "Service social départemental : accompagnement social et budgétaire, aides du Fonds solidarité logement.",
     "Habitants de Ronchin, Lesquin et Faches-Thumesnil ; sur rendez-vous."),
    ("Centre social Boris Vian", K.SOCIAL_CENTRE, "Ronchin", "2 rue Boris Vian", "03 20 53 27 11",
     "accueil@cs-borisvian.example.org", "", WEEK_LATE,
     "Accueil, ateliers collectifs, écrivain public, activités familles, accès aux droits.",
     "Tous les habitants ; adhésion annuelle modique."),
    ("Centre social Imagine", K.SOCIAL_CENTRE, "Mons-en-Barœul", "Rue du Docteur Schweitzer", "03 20 04 26 90",
     "contact@cs-imagine.example.org", "", WEEK, "Ateliers, sorties, aide aux démarches numériques, épicerie sociale.",
     "Habitants du Nouveau Mons et des quartiers voisins."),
    ("Centre social La Passerelle", K.SOCIAL_CENTRE, "Faches-Thumesnil", "Rue Édouard Herriot", "03 20 96 41 22",
     "accueil@cs-passerelle.example.org", "", WEEK,
     "Accueil, jardin partagé, ateliers cuisine et couture, permanences d'accès aux droits.", "Tous les habitants."),
    ("Centre social L'Arbre de vie", K.SOCIAL_CENTRE, "Hellemmes", "Rue Ferdinand Mathias", "03 20 33 58 40",
     "accueil@cs-arbredevie.example.org", "", WEEK, "Ateliers collectifs, soutien scolaire, café des habitants.",
     "Habitants de Hellemmes."),
    ("Espace de vie sociale Les Carrières", K.SOCIAL_CENTRE, "Lezennes", "Rue Marcel Sembat", "03 20 91 55 07",
     "evs.carrieres@lezennes.example.org", "", _h("Du mardi au samedi, de 14h à 18h."),
     "Lieu de rencontre, ateliers, sorties familiales.", "Habitants de Lezennes et des environs."),
    ("Centre social Le Tilleul", K.SOCIAL_CENTRE, "Lesquin", "Rue Marcel Delattre", "03 20 87 61 30",
     "accueil@cs-tilleul.example.org", "", WEEK, "Ateliers, aide aux démarches, activités pour les aînés.",
     "Habitants de Lesquin."),
    # housing: hostels, residences, retirement homes (the council's partners are added below)
    ("Foyer de jeunes travailleurs L'Envol", K.HOSTEL, "Lesquin", "Rue de la Gare", "03 20 87 20 45",
     "accueil@fjt-envol.example.org", "", WEEK, "Logements meublés, accompagnement vers le logement autonome.",
     "Jeunes de 18 à 30 ans en emploi ou en formation."),
    ("Résidence sociale Les Hirondelles", K.HOSTEL, "Faches-Thumesnil", "Rue de Wattignies", "03 20 96 12 74",
     "contact@rs-hirondelles.example.org", "", MORNINGS, "Logements temporaires meublés, accompagnement social.",
     "Personnes seules ou couples en difficulté de logement, orientées par le SIAO."),
    ("Pension de famille Le Colibri", K.RESIDENCE, "Mons-en-Barœul", "Rue Parmentier", "03 20 04 88 16",
     "colibri@pensionfamille.example.org", "", "Présence d'hôtes tous les jours ; visites sur rendez-vous.",
     "Logement durable en petite collectivité, avec des hôtes et des temps partagés.",
     "Personnes isolées ayant connu la rue ou l'exclusion, orientées par le SIAO."),
    ("Résidence accueil Le Trait d'Union", K.RESIDENCE, "Hellemmes", "Rue Jules Ferry", "03 20 41 09 38",
     "traitdunion@residenceaccueil.example.org", "", "Présence d'hôtes du lundi au samedi ; visites sur rendez-vous.",
     "Logement durable avec hôtes, en lien avec le secteur psychiatrique et un service d'accompagnement.",
     "Personnes en situation de handicap psychique, stabilisées, suivies par une équipe de soins."),
    ("EHPAD Les Charmilles", K.RETIREMENT_HOME, "Ronchin", "Avenue Jean Jaurès", "03 20 53 64 00",
     "accueil@ehpad-charmilles.example.org", "",
     _h("Accueil du lundi au vendredi, de 9h à 17h ; visites tous les jours."),
     "Hébergement médicalisé, unité protégée, accueil de jour.", "Personnes âgées de plus de 60 ans dépendantes."),
    ("EHPAD Le Clos des Tilleuls", K.RETIREMENT_HOME, "Faches-Thumesnil", "Rue du Général de Gaulle",
     "03 20 62 77 00", "accueil@closdestilleuls.example.org", "", WEEK,
     "Hébergement médicalisé, hébergement temporaire.",
     "Personnes âgées de plus de 60 ans."),
    ("Résidence autonomie Les Bleuets", K.RETIREMENT_HOME, "Mons-en-Barœul", "Rue de Normandie", "03 20 61 40 12",
     "bleuets@residenceautonomie.example.org", "", WEEK, "Logements autonomes, restauration, animations.",
     "Personnes âgées autonomes de plus de 60 ans."),
    ("Résidence autonomie Les Aubépines", K.RETIREMENT_HOME, "Lesquin", "Rue Jean Baptiste Lebas", "03 20 87 52 90",
     "aubepines@residenceautonomie.example.org", "", WEEK, "Logements autonomes, repas, veille de nuit.",
     "Personnes âgées autonomes de plus de 60 ans."),
    # peer and family help
    ("GEM L'Entre-Deux", K.MUTUAL_HELP_GROUP, "Ronchin", "8 rue Carnot", "03 20 53 19 82",
     "gem.entredeux@example.org", "", GEM_HOURS,
     "Groupe d'entraide mutuelle : accueil entre pairs, activités choisies par les adhérents, sorties.",
     "Adultes vivant avec un trouble psychique ; adhésion libre et gratuite."),
    ("GEM Le Fil d'Ariane", K.MUTUAL_HELP_GROUP, "Mons-en-Barœul", "Rue de Gaulle", "03 20 04 52 63",
     "gem.filariane@example.org", "", GEM_HOURS, "Accueil entre pairs, ateliers, repas partagés.",
     "Adultes en souffrance psychique ou isolés ; adhésion libre."),
    ("GEM La Craie", K.MUTUAL_HELP_GROUP, "Lezennes", "Rue Jean Jaurès", "03 20 91 72 18", "gem.lacraie@example.org",
     "", GEM_HOURS, "Accueil entre pairs, activités artistiques, randonnées.",
     "Adultes vivant avec un trouble psychique ou une lésion cérébrale."),
    ("Familles en Chemin", K.FAMILIES_ASSOCIATION, "Faches-Thumesnil", "Rue Roger Salengro", "06 71 20 44 18",
     "contact@famillesenchemin.example.org", "", ASSOCIATION,
     "Écoute et soutien des proches, groupes de parole, information sur les droits.",
     "Familles et proches de personnes vivant avec un trouble psychique."),
    ("Association d'usagers La Voix des Usagers", K.USERS_ASSOCIATION, "", "Rue Nationale, 59000 Lille",
     "03 20 30 11 45", "contact@voixdesusagers.example.org", "", ASSOCIATION,
     "Représentation des usagers, pair-aidance, information sur les droits en psychiatrie.",
     "Usagers de la psychiatrie et anciens usagers."),
    ("Clubhouse Lille", K.MUTUAL_HELP_GROUP, "", "Rue Solférino, 59000 Lille", "03 20 57 41 90",
     "contact@clubhouse-lille.example.org", "", _h("Du lundi au vendredi, de 9h 30 à 17h 30."),
     "Lieu de vie et de réinsertion socioprofessionnelle géré avec ses membres.",
     "Adultes vivant avec un trouble psychique, en recherche d'emploi ou de lien social."),
    # prevention
    ("Point Écoute Jeunes", K.PREVENTION, "Mons-en-Barœul", "Place de l'Europe", "03 20 04 19 27",
     "pej@example.org", "", _h("Le mercredi de 13h à 18h, le samedi de 10h à 13h ; sans rendez-vous."),
     "Écoute anonyme et gratuite par des psychologues, orientation.", "Jeunes de 12 à 25 ans et leurs parents."),
    ("Espace prévention addictions Le Relais", K.PREVENTION, "Faches-Thumesnil", "Rue Gambetta", "03 20 96 70 33",
     "lerelais@prevention.example.org", "", MORNINGS,
     "Consultations jeunes consommateurs, prévention, réduction des risques.",
     "Jeunes et adultes, et leur entourage ; gratuit et confidentiel."),
    ("Relais Prévention Lezennes", K.PREVENTION, "Lezennes", "Rue Pasteur", "03 20 91 30 60",
     "relais.prevention@lezennes.example.org", "", _h("Le jeudi de 14h à 18h."),
     "Actions de prévention en santé, permanences de l'infirmière de prévention.", "Habitants de Lezennes."),
    ("Maison des adolescents de Lille", K.PREVENTION, "", "Rue d'Arras, 59000 Lille", "03 20 57 20 00",
     "accueil@mda-lille.example.org", "https://www.mda-lille.example.org",
     _h("Du lundi au vendredi, de 10h à 19h ; le samedi de 10h à 13h."),
     "Accueil, écoute et orientation des adolescents, consultations de santé, ateliers.",
     "Jeunes de 11 à 25 ans, leurs parents et les professionnels."),
    ("CSAPA Le Cèdre Bleu", K.PREVENTION, "", "Rue Saint-Sébastien, 59000 Lille", "03 20 07 20 50",
     "accueil@cedrebleu.example.org", "https://www.cedrebleu.example.org", WEEK_LATE,
     "Centre de soins, d'accompagnement et de prévention en addictologie.",
     "Adultes et jeunes ayant une conduite addictive, et leur entourage."),
    ("Conseil local de santé mentale — prévention du suicide", K.PREVENTION, "Ronchin", "Place de l'Hôtel de Ville",
     "03 20 16 60 45", "clsm@ronchin.example.org", "", WEEK,
     "Formations sentinelles, cellule de veille, semaines d'information sur la santé mentale.",
     "Habitants, élus et professionnels des six villes."),
    ("Point Écoute Jeunes de Lesquin", K.PREVENTION, "Lesquin", "Rue Marcel Delattre", "03 20 87 18 06",
     "pej.lesquin@example.org", "", _h("Le mercredi de 14h à 17h."),
     "Écoute anonyme, orientation, ateliers estime de soi.",
     "Jeunes de 12 à 25 ans."),
]

# The council's partners, in the directory too: (the partner's kind, the structure's kind, what it offers, to whom).
PARTNER_KINDS = {
    OrganisationKind.LANDLORD: (K.LANDLORD, "Logements sociaux ; logements réservés au dispositif de la commission.",
                                "Demandeurs de logement social ; orientation par la commission pour les places du "
                                "dispositif."),
    OrganisationKind.HOSTEL: (K.HOSTEL, "Hébergement en foyer, accompagnement social, places de la commission.",
                              "Adultes orientés par la commission ou le SIAO."),
    OrganisationKind.RESIDENCE: (K.RESIDENCE, "Logement durable avec hôtes, places de la commission.",
                                 "Adultes stabilisés, suivis par une équipe de soins, orientés par la commission."),
    OrganisationKind.USER_ASSOCIATION: (K.USERS_ASSOCIATION, "Pair-aidance, représentation des usagers.",
                                        "Usagers de la psychiatrie."),
    OrganisationKind.FAMILY_ASSOCIATION: (K.FAMILIES_ASSOCIATION, "Accueil et soutien des familles, formations.",
                                          "Familles et proches de personnes vivant avec un trouble psychique."),
}


def _address(street: str, town: str) -> str:
    if not town:
        return street
    return f"{street}, {POSTCODES.get(town, '')} {town}".replace(",  ", ", ")


def build_directory(session: Session, coordinator: User, towns: dict[str, Town]) -> int:
    """Add the demo's structures; returns how many."""
    count = 0
    for name, kind, town, street, phone, email, website, hours, offer, audience in STRUCTURES:
        directory.create_structure(session, coordinator, directory.StructureInput(
            name=name, kind=kind.value, town_id=str(towns[town].id) if town else "", address=_address(street, town),
            phone=phone, email=email, website=website, opening_hours=fix_spacing(hours), offer=fix_spacing(offer),
            audience=fix_spacing(audience)))
        count += 1
    partners = session.execute(select(Organisation).where(Organisation.kind.in_(PARTNER_KINDS))
                               .order_by(Organisation.id)).scalars().all()
    town_names = {town.id: name for name, town in towns.items()}
    for partner in partners:
        kind, offer, audience = PARTNER_KINDS[partner.kind]
        town = town_names.get(partner.town_id or 0, "")
        directory.create_structure(session, coordinator, directory.StructureInput(
            name=partner.name, kind=kind.value, town_id=str(partner.town_id) if partner.town_id else "",
            address=_address(partner.address, town) if partner.address else "", phone=partner.phone[:40],
            email=partner.email, opening_hours=WEEK, offer=fix_spacing(offer), audience=fix_spacing(audience)),
            organisation_id=partner.id)
        count += 1
    return count
