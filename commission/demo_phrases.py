"""What the people of the demo write: projects, reasons, notes, in the words of a French council's files.

The replay of :mod:`commission.demo_history` draws from these at random (same seed, same words).
"""

from __future__ import annotations

from datetime import date

PROJECTS = [
    "Vivre seul·e dans un appartement, avec une visite infirmière hebdomadaire "
    "et l'hôpital de jour deux fois par semaine.",
    "Quitter l'hospitalisation au long cours\u00a0: logement proche du CMP, accompagnement du SAVS, activités au GEM.",
    "Retrouver un logement après une période à la rue\u202f; suivi renforcé les trois premiers mois, puis mensuel.",
    "Prendre son autonomie après des années chez les parents\u202f; la famille reste présente, "
    "l'équipe soignante suit.",
    "Sortie de foyer vers un logement associatif\u202f; reprise d'une activité en ESAT, consultations mensuelles.",
]
# Where the places and the partners are.
STREETS = [
    "rue Jean Jaurès", "rue Roger Salengro", "avenue de la République", "rue Pasteur", "rue Victor Hugo",
    "rue Gambetta", "rue de Lille", "rue du Général de Gaulle", "rue Faidherbe", "place de la Mairie",
    "rue Voltaire", "rue Léon Blum", "allée des Acacias", "rue des Écoles", "rue Jules Ferry",
]
MISSING = ["Justificatif de ressources (notification AAH)", "Copie du jugement de curatelle",
           "Avis du psychiatre référent", "Pièce d'identité en cours de validité"]
AWAITED = ["Bilan de l'essai en appartement thérapeutique", "Accord de la curatrice sur le budget",
           "Stabilisation du traitement après l'hospitalisation"]
REFUSALS = ["Le projet de soin n'est pas encore construit avec la personne.",
            "La personne relève d'une structure médicalisée, orientation proposée vers une MAS."]
ALLOCATIONS = ["Le logement correspond au projet et aux besoins exprimés.",
               "Proche du CMP et de la famille\u202f; la personne a visité le logement et le souhaite."]
# The commission's usual reasons for its decisions, as the coordinator keeps them for the chair.
USUAL_REASONS = {
    "allocate": [*ALLOCATIONS, "Le logement répond aux besoins exprimés\u00a0: rez-de-chaussée, accessibilité."],
    "ranked": ["Candidature retenue en second rang pour ce logement.",
               "Projet adapté\u202f; un autre candidat était prioritaire pour ce logement."],
    "waiting_list": ["Avis favorable\u202f; aucune place adaptée disponible pour le moment.",
                     "Avis favorable\u202f; en attente d'une place dans les communes souhaitées."],
    "defer": AWAITED,
    "refuse": REFUSALS,
    "review_noted": ["Le suivi se passe bien\u202f; visites infirmières espacées.",
                     "Situation fragile\u202f; la commission revoit la location au prochain trimestre."],
}
DECLINES = ["Logement trop éloigné de la famille", "Étage élevé sans ascenseur", "La personne a trouvé un logement"]
# Why tenancies end, and how often (the reason, the note written with it).
EXITS = [
    ("ordinary_housing", "Accès à un logement ordinaire du parc social", 30),
    ("lease_taken_over", "Glissement de bail\u00a0: la personne devient locataire en titre", 20),
    ("hospitalisation", "Hospitalisation de longue durée", 15),
    ("moved_elsewhere", "Déménagement hors du secteur", 15),
    ("other", "Entrée en EHPAD", 10),
    ("death", "", 5),
    ("eviction", "Résiliation du bail après impayés répétés", 5),
]
WITHDRAWALS = ["La personne a trouvé une solution dans sa famille", "La personne ne souhaite plus déménager"]
INVENTORIES = ["État des lieux de sortie conforme\u202f; peintures refaites dans la chambre.",
               "Remplacement du flexible de douche et nettoyage\u202f; logement prêt.",
               "Quelques trous au mur rebouchés\u202f; cuisine nettoyée."]
RETENTIONS = ["Porte de la cuisine à remplacer", "Peintures dégradées dans le séjour", "Nettoyage non effectué"]
ACTIVITIES = ["Atelier cuisine thérapeutique le mardi\u202f; GEM le jeudi.", "Hôpital de jour deux fois par semaine.",
              "Groupe de parole mensuel\u202f; activité sportive adaptée.", "CATTP le lundi et le vendredi."]
VISITS = ["Visite à domicile, logement bien tenu.", "Visite infirmière, préparation du pilulier.",
          "Visite avec l'assistante sociale\u00a0: courriers et budget.", "Visite à domicile, courses faites ensemble."]
INCIDENTS = [
    ("rent_arrears", "Deux mois de loyer impayés", "Plan d'apurement avec la curatrice"),
    ("neighbour_complaint", "Plainte pour bruit la nuit", "Rencontre avec les voisins et le bailleur"),
    ("landlord_complaint", "Courrier du bailleur sur l'entretien des parties communes", "Rappel du règlement"),
    ("damage", "Dégât des eaux dans la salle de bains", "Déclaration à l'assurance, intervention du bailleur"),
    ("other", "Perte des clés du logement", "Double des clés demandé au bailleur"),
]
ATTENDEES = ["Infirmier référent, assistante sociale, bailleur, curatrice",
             "Psychiatre référent, infirmière, chargée de gestion locative du bailleur",
             "Équipe soignante, mandataire judiciaire, coordinatrice du conseil"]
MEETING_OUTCOMES = ["Maintien dans le logement avec un suivi renforcé.",
                    "Médiation avec le voisinage\u202f; point dans un mois.",
                    "Plan d'apurement signé\u202f; aide à la gestion du budget."]
MEETING_ACTIONS = [("Rencontrer les voisins avec le bailleur", "Infirmier référent"),
                   ("Mettre en place un plan d'apurement", "Curatrice"),
                   ("Renforcer les visites à domicile", "Équipe soignante"),
                   ("Demander une aide au Fonds de solidarité logement", "Assistante sociale"),
                   ("Faire intervenir une aide ménagère", "Coordinatrice du conseil")]

# What the commission says when it reviews a tenancy, by the follow-up status it sees.
REVIEWS = {
    "going_well": [("continue", "Le suivi se passe bien\u202f; visites infirmières espacées."),
                   ("continue", "Bonne intégration dans le quartier\u202f; reprise d'une activité au GEM."),
                   ("prepare_exit", "Autonomie acquise\u00a0: préparer l'accès à un logement ordinaire.")],
    "needs_attention": [("closer_follow_up", "Quelques impayés réglés avec la curatrice\u202f; à revoir au trimestre."),
                        ("continue", "Difficultés passagères, l'équipe a renforcé les visites.")],
    "at_risk": [("resource_meeting", "Plaintes du voisinage\u00a0: une cellule ressource est à réunir."),
                ("closer_follow_up", "Situation fragile après une hospitalisation\u202f; à revoir au trimestre.")],
}

# The files the commission held when the software was put in use, taken over from its register.
TAKEN_OVER_HOUSED = ("Dossier repris du registre de la commission à la mise en service du logiciel\u00a0: "
                     "logement attribué en commission, entrée dans les lieux le {moved_in}.")
TAKEN_OVER_WAITING = ("Dossier repris du registre de la commission à la mise en service du logiciel\u00a0: "
                      "avis favorable, en attente d'une place depuis le {since}.")
TAKEN_OVER_PLACE = "Occupé depuis le {moved_in} (reprise de l'existant à la mise en service du logiciel)."
VACANCY_PURPOSE = ("Une place s'est libérée le {day}\u202f; la prochaine commission trimestrielle ne se réunit que le "
                   "{next}.")
# Why the file proposed: the person waits on the list, or a new file is complete and fits.
VACANCY_GROUNDS = ("Avis favorable de la commission\u202f; la place correspond à la demande, la personne l'a visitée.",
                   "Dossier complet, projet de soin prêt\u202f; la place correspond à la demande.")
MONTHS = ["janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août", "septembre", "octobre",
          "novembre", "décembre"]


def french_date(day: date) -> str:
    """A date as French prose writes it: "1er mars 2021", "12 mars 2021"."""
    return f"{'1er' if day.day == 1 else day.day}\u00a0{MONTHS[day.month - 1]} {day.year}"
