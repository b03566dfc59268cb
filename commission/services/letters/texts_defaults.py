"""The letters that exist, the named fields each may use, and the texts the software ships (version 0).

Each text is an English message id with ``{{ field }}`` placeholders and ``{% if field %}...{% endif %}`` where a
field may be empty, translated in the catalogues (the French one is the council's letter as it is sent). A body's
paragraphs are separated by a blank line: the salutation first, the closing formula last. What a letter says: what
was decided and why, in plain words; what happens next; what the person can do, and by when. Never a medical
detail; a landlord's letter says nothing of health, care or psychiatry.

The field names are a contract with :mod:`commission.services.letters.facts`, which gives their values.
"""

from __future__ import annotations

from dataclasses import dataclass

from commission import labels as tables
from commission.i18n import N_
from commission.models.letters import Audience, LetterKind


@dataclass(frozen=True)
class FieldSpec:
    """A named field a letter's text may use: its name in ``{{ }}``, what it holds (a message id), an example."""

    name: str
    label: str
    example: str


_SPECS = {spec.name: spec for spec in (
    FieldSpec("person_name", N_("The person's first and last names"), "Camille Martin"),
    FieldSpec("file_reference", N_("The file's reference"), "D-2026-00042"),
    FieldSpec("hearing_date", N_("The day of the hearing that decided"), "17 septembre 2026"),
    FieldSpec("council_name", N_("The council's name"), "Conseil intercommunal de santé, santé mentale et citoyenneté"),
    FieldSpec("contact_phone", N_("The commission's phone number"), "03 20 00 00 00"),
    FieldSpec("contact_email", N_("The commission's e-mail address"), "commission@example.org"),
    FieldSpec("place_kind", N_("The kind of place"), "appartement associatif"),
    FieldSpec("place_address", N_("The place's address, with its postcode and town"),
              "12 rue des Lilas, 59790 Ronchin"),
    FieldSpec("place_town", N_("The place's town"), "Ronchin"),
    FieldSpec("place_reference", N_("The place's reference"), "APP-001"),
    FieldSpec("landlord", N_("The landlord or structure of the place"), "Habitat du Nord"),
    FieldSpec("rooms", N_("The number of rooms"), "2"),
    FieldSpec("rent", N_("The monthly rent"), "407,91\u00a0€"),
    FieldSpec("charges", N_("The monthly charges"), "82,70\u00a0€"),
    FieldSpec("deposit", N_("The deposit the council pays"), "407,91\u00a0€"),
    FieldSpec("reply_by", N_("The last day to answer the offer"), "1er octobre 2026"),
    FieldSpec("rank", N_("The person's rank among the candidates"), "2e"),
    FieldSpec("awaited", N_("What the commission awaits before deciding"), "Un justificatif de ressources récent"),
    FieldSpec("next_hearing", N_("The day of the hearing the file comes back to"), "17 décembre 2026"),
    FieldSpec("reason", N_("The reason of the decision, as the commission gave it"),
              "Le projet de logement autonome reste à construire avec la personne"),
    FieldSpec("new_examination_days", N_("The days the person has to ask for a new examination"), "60"),
    FieldSpec("new_examination_by", N_("The last day to ask for a new examination"), "16 novembre 2026"),
    FieldSpec("move_in_date", N_("The day of the move-in"), "1er novembre 2026"),
    FieldSpec("lease_start", N_("The day the lease begins"), "1er novembre 2026"),
    FieldSpec("review_outcome", N_("What the commission decided at the review"),
              "L'hébergement se poursuit\u202f; prochain examen dans un an"),
    FieldSpec("next_review", N_("The day of the next review"), "1er novembre 2027"),
    FieldSpec("exit_date", N_("The day the person leaves the place"), "30 juin 2027"),
)}

PERSON_FIELDS = ("person_name", "file_reference", "hearing_date", "council_name", "contact_phone", "contact_email")
LANDLORD_FIELDS = ("landlord", "person_name", "file_reference", "place_reference", "place_address", "council_name",
                   "contact_phone", "contact_email")

_NAMES: dict[tuple[LetterKind, Audience], tuple[str, ...]] = {
    (LetterKind.OFFER, Audience.PERSON): (*PERSON_FIELDS, "place_kind", "place_address", "landlord", "rooms", "rent",
                                          "charges", "deposit", "reply_by"),
    (LetterKind.RANKED, Audience.PERSON): (*PERSON_FIELDS, "rank", "place_kind", "place_town"),
    (LetterKind.WAITING_LIST, Audience.PERSON): PERSON_FIELDS,
    (LetterKind.DEFERRAL, Audience.PERSON): (*PERSON_FIELDS, "awaited", "next_hearing"),
    (LetterKind.REFUSAL, Audience.PERSON): (*PERSON_FIELDS, "reason", "new_examination_days", "new_examination_by"),
    (LetterKind.OFFER_EXPIRED, Audience.PERSON): (*PERSON_FIELDS, "place_kind", "place_address", "reply_by"),
    (LetterKind.WELCOME, Audience.PERSON): (*PERSON_FIELDS, "place_address", "move_in_date", "landlord"),
    (LetterKind.REVIEW, Audience.PERSON): (*PERSON_FIELDS, "review_outcome", "next_review"),
    (LetterKind.EXIT, Audience.PERSON): (*PERSON_FIELDS, "exit_date", "place_address"),
    (LetterKind.OFFER, Audience.LANDLORD): (*LANDLORD_FIELDS, "hearing_date", "reply_by", "deposit"),
    (LetterKind.WELCOME, Audience.LANDLORD): (*LANDLORD_FIELDS, "move_in_date", "lease_start"),
    (LetterKind.EXIT, Audience.LANDLORD): (*LANDLORD_FIELDS, "exit_date"),
}

# Every letter that exists (a kind of letter, for whom), and the fields offered to its text.
FIELDS: dict[tuple[LetterKind, Audience], tuple[FieldSpec, ...]] = {
    key: tuple(_SPECS[name] for name in names) for key, names in _NAMES.items()}

# The letters' names: the shared label tables.
KIND_LABELS = tables.LETTER_KIND_LABELS
AUDIENCE_LABELS = tables.AUDIENCE_LABELS


@dataclass(frozen=True)
class ShippedText:
    """A letter's text as the software ships it: message ids, translated when rendered."""

    subject: str
    body: str


SHIPPED: dict[tuple[LetterKind, Audience], ShippedText] = {
    (LetterKind.OFFER, Audience.PERSON): ShippedText(
        N_("Allocation and offer of a place"),
        N_("Dear Sir or Madam,\n\n"
           "{% if hearing_date %}At its hearing of {{ hearing_date }}, the{% else %}The{% endif %} apartment "
           "commission examined your application for housing and decided to allocate you the place described "
           "below.\n\n"
           "The place offered: {{ place_kind }}, {{ place_address }}{% if landlord %} (landlord: {{ landlord }})"
           "{% endif %}{% if rooms %}, number of rooms: {{ rooms }}{% endif %}.\n\n"
           "The monthly rent is {{ rent }}{% if charges %}, plus {{ charges }} of charges{% endif %}."
           "{% if deposit %} The deposit, {{ deposit }}, is paid by the council directly to the landlord: you do "
           "not have to pay it.{% endif %}\n\n"
           "Please give us your answer{% if reply_by %} by {{ reply_by }} at the latest{% endif %}, with the help "
           "of the team that accompanies you if you wish. Without an answer in time, the offer lapses and the place "
           "may be offered to another person; your application then stays on the waiting list.\n\n"
           "The team that accompanies you can arrange a visit of the place with you and help you prepare the move. "
           "If you accept, we will agree with you on the day you move in.\n\n"
           "For any question, you can reach the commission's coordination{% if contact_phone %} by phone on "
           "{{ contact_phone }}{% endif %}{% if contact_phone and contact_email %} or{% endif %}"
           "{% if contact_email %} by e-mail at {{ contact_email }}{% endif %}.\n\n"
           "Yours faithfully,")),
    (LetterKind.RANKED, Audience.PERSON): ShippedText(
        N_("Application for housing: ranked {{ rank }} for a place"),
        N_("Dear Sir or Madam,\n\n"
           "{% if hearing_date %}At its hearing of {{ hearing_date }}, the{% else %}The{% endif %} apartment "
           "commission examined your application for housing. It ranked you {{ rank }} among the candidates for "
           "the following place: {{ place_kind }}, in {{ place_town }}.\n\n"
           "The place is first offered to the candidates ranked before you. If they decline it or do not answer "
           "in time, it will be offered to you by a letter that will say how long you have to answer. Otherwise, "
           "your application stays on the waiting list, and the commission will examine it again when another "
           "place suited to it becomes free.\n\n"
           "You have nothing to do for now. If your situation changes (address, resources, wishes), please tell "
           "the team that accompanies you, so that your application stays up to date.\n\n"
           "For any question, you can reach the commission's coordination{% if contact_phone %} by phone on "
           "{{ contact_phone }}{% endif %}{% if contact_phone and contact_email %} or{% endif %}"
           "{% if contact_email %} by e-mail at {{ contact_email }}{% endif %}.\n\n"
           "Yours faithfully,")),
    (LetterKind.WAITING_LIST, Audience.PERSON): ShippedText(
        N_("Application for housing: favourable opinion, placed on the waiting list"),
        N_("Dear Sir or Madam,\n\n"
           "{% if hearing_date %}At its hearing of {{ hearing_date }}, the{% else %}The{% endif %} apartment "
           "commission examined your application for housing and gave it a favourable opinion.\n\n"
           "No place suited to your application is free at the moment: your application is therefore placed on "
           "the waiting list. The commission will examine it again as soon as a suitable place becomes free; if "
           "the place is allocated to you, you will receive a written offer.\n\n"
           "You have nothing to do until then. If your situation or your plans change (address, resources, towns "
           "wished), please tell the team that accompanies you, so that your application stays up to date.\n\n"
           "For any question, you can reach the commission's coordination{% if contact_phone %} by phone on "
           "{{ contact_phone }}{% endif %}{% if contact_phone and contact_email %} or{% endif %}"
           "{% if contact_email %} by e-mail at {{ contact_email }}{% endif %}.\n\n"
           "Yours faithfully,")),
    (LetterKind.DEFERRAL, Audience.PERSON): ShippedText(
        N_("Application for housing: decision deferred"),
        N_("Dear Sir or Madam,\n\n"
           "{% if hearing_date %}At its hearing of {{ hearing_date }}, the{% else %}The{% endif %} apartment "
           "commission examined your application for housing and decided to defer its decision"
           "{% if awaited %}, awaiting the following: “{{ awaited }}”{% endif %}. This is not a refusal: your "
           "application stays open.\n\n"
           "{% if next_hearing %}Your file will be presented to the commission again at its hearing of "
           "{{ next_hearing }}.{% else %}Your file will be presented to the commission again once what is awaited "
           "has been received.{% endif %} The team that accompanies you can help you gather and send what is "
           "missing. Like any person whose application is examined, you may come and present your situation to "
           "the commission yourself: talk about it with the team that accompanies you.\n\n"
           "For any question, you can reach the commission's coordination{% if contact_phone %} by phone on "
           "{{ contact_phone }}{% endif %}{% if contact_phone and contact_email %} or{% endif %}"
           "{% if contact_email %} by e-mail at {{ contact_email }}{% endif %}.\n\n"
           "Yours faithfully,")),
    (LetterKind.REFUSAL, Audience.PERSON): ShippedText(
        N_("Application for housing: the commission's decision"),
        N_("Dear Sir or Madam,\n\n"
           "{% if hearing_date %}At its hearing of {{ hearing_date }}, the{% else %}The{% endif %} apartment "
           "commission examined your application for housing. We regret to inform you that it could not give it "
           "a favourable answer.\n\n"
           "{% if reason %}The commission gave the following reason for its decision: “{{ reason }}”.{% endif %}\n\n"
           "You may ask for your application to be examined again within {{ new_examination_days }} days"
           "{% if new_examination_by %}, that is by {{ new_examination_by }} at the latest{% endif %}: through the "
           "team that accompanies you, or by writing to the commission at the address at the top of this letter"
           "{% if contact_email %} or by e-mail at {{ contact_email }}{% endif %}. Please add, if you can, anything "
           "new that sheds light on your situation. You may also ask to come and present your situation to the "
           "commission yourself at its next hearing.\n\n"
           "The team that accompanies you can also help you consider other housing solutions.\n\n"
           "For any question, you can reach the commission's coordination{% if contact_phone %} by phone on "
           "{{ contact_phone }}{% endif %}{% if contact_phone and contact_email %} or{% endif %}"
           "{% if contact_email %} by e-mail at {{ contact_email }}{% endif %}.\n\n"
           "Yours faithfully,")),
    (LetterKind.OFFER_EXPIRED, Audience.PERSON): ShippedText(
        N_("Offer of a place: no answer received"),
        N_("Dear Sir or Madam,\n\n"
           "The apartment commission offered you the following place: {{ place_kind }}, {{ place_address }}. We "
           "did not receive your answer in the time given{% if reply_by %}, which ended on {{ reply_by }}"
           "{% endif %}.\n\n"
           "The offer has therefore lapsed, and the place may be offered to another person. Your application is "
           "not closed: it stays on the waiting list, and the commission may offer you another place.\n\n"
           "If you could not answer for a reason beyond your control, or if your situation has changed, please "
           "contact the team that accompanies you or the commission quickly.\n\n"
           "For any question, you can reach the commission's coordination{% if contact_phone %} by phone on "
           "{{ contact_phone }}{% endif %}{% if contact_phone and contact_email %} or{% endif %}"
           "{% if contact_email %} by e-mail at {{ contact_email }}{% endif %}.\n\n"
           "Yours faithfully,")),
    (LetterKind.WELCOME, Audience.PERSON): ShippedText(
        N_("Welcome to your new home"),
        N_("Dear Sir or Madam,\n\n"
           "Your move into your new home ({{ place_address }}) {% if move_in_date %}took place on "
           "{{ move_in_date }}{% else %}is confirmed{% endif %}. The whole apartment commission welcomes you "
           "there.\n\n"
           "{% if landlord %}The place is managed by {{ landlord }}, to whom you can report any technical problem "
           "(heating, water, fittings). {% endif %}The rent and charges are to be paid every month. If you meet "
           "any difficulty, whatever it is, talk about it without waiting with the team that accompanies you: a "
           "way through is easier to find early.\n\n"
           "The commission will regularly take stock with you and the team that accompanies you of how you are "
           "settling in.\n\n"
           "For any question, you can reach the commission's coordination{% if contact_phone %} by phone on "
           "{{ contact_phone }}{% endif %}{% if contact_phone and contact_email %} or{% endif %}"
           "{% if contact_email %} by e-mail at {{ contact_email }}{% endif %}.\n\n"
           "Yours faithfully,")),
    (LetterKind.REVIEW, Audience.PERSON): ShippedText(
        N_("Review of your housing: the commission's decision"),
        N_("Dear Sir or Madam,\n\n"
           "{% if hearing_date %}At its hearing of {{ hearing_date }}, the{% else %}The{% endif %} apartment "
           "commission took stock of your housing{% if review_outcome %} and decided as follows: "
           "“{{ review_outcome }}”{% endif %}.\n\n"
           "{% if next_review %}The next review of your situation is planned for {{ next_review }}. {% endif %}"
           "Until then, the team that accompanies you remains your first contact: do not hesitate to tell it of "
           "any difficulty or wish about your home.\n\n"
           "For any question, you can reach the commission's coordination{% if contact_phone %} by phone on "
           "{{ contact_phone }}{% endif %}{% if contact_phone and contact_email %} or{% endif %}"
           "{% if contact_email %} by e-mail at {{ contact_email }}{% endif %}.\n\n"
           "Yours faithfully,")),
    (LetterKind.EXIT, Audience.PERSON): ShippedText(
        N_("Leaving your home"),
        N_("Dear Sir or Madam,\n\n"
           "We have recorded that you left your home ({{ place_address }}){% if exit_date %} on "
           "{{ exit_date }}{% endif %}.\n\n"
           "The deposit, paid by the council, is settled directly between the council and the landlord: you have "
           "nothing to do about it.\n\n"
           "Should you wish to apply for housing again one day, the team that accompanies you can help you. The "
           "commission wishes you all the best.\n\n"
           "For any question, you can reach the commission's coordination{% if contact_phone %} by phone on "
           "{{ contact_phone }}{% endif %}{% if contact_phone and contact_email %} or{% endif %}"
           "{% if contact_email %} by e-mail at {{ contact_email }}{% endif %}.\n\n"
           "Yours faithfully,")),
    (LetterKind.OFFER, Audience.LANDLORD): ShippedText(
        N_("Allocation of the place {{ place_reference }}"),
        N_("Dear Sir or Madam,\n\n"
           "{% if hearing_date %}At its hearing of {{ hearing_date }}, the{% else %}The{% endif %} apartment "
           "commission allocated the place {{ place_reference }} ({{ place_address }}) to {{ person_name }}.\n\n"
           "The offer has been sent to {{ person_name }}, whose answer is expected{% if reply_by %} by "
           "{{ reply_by }} at the latest{% else %} shortly{% endif %}. We thank you for keeping the place until "
           "then. We will tell you of the answer and agree with you on the day of the move-in and of the check-in "
           "inventory.\n\n"
           "{% if deposit %}The deposit, {{ deposit }}, will be paid to you by the council under the agreement "
           "between us; the council's commitment will be sent to you separately.{% endif %}\n\n"
           "For any question, you can reach the commission's coordination{% if contact_phone %} by phone on "
           "{{ contact_phone }}{% endif %}{% if contact_phone and contact_email %} or{% endif %}"
           "{% if contact_email %} by e-mail at {{ contact_email }}{% endif %}, quoting the place's reference "
           "({{ place_reference }}).\n\n"
           "Yours faithfully,")),
    (LetterKind.WELCOME, Audience.LANDLORD): ShippedText(
        N_("Place {{ place_reference }}: move-in"),
        N_("Dear Sir or Madam,\n\n"
           "We confirm that {{ person_name }} moved into the place {{ place_reference }} ({{ place_address }})"
           "{% if move_in_date %} on {{ move_in_date }}{% endif %}.{% if lease_start %} The lease takes effect on "
           "{{ lease_start }}.{% endif %}\n\n"
           "The commission remains your contact for any question about this tenancy. Should a difficulty arise, "
           "please tell us quickly, so that a solution can be sought with everyone concerned.\n\n"
           "For any question, you can reach the commission's coordination{% if contact_phone %} by phone on "
           "{{ contact_phone }}{% endif %}{% if contact_phone and contact_email %} or{% endif %}"
           "{% if contact_email %} by e-mail at {{ contact_email }}{% endif %}, quoting the place's reference "
           "({{ place_reference }}).\n\n"
           "Yours faithfully,")),
    (LetterKind.EXIT, Audience.LANDLORD): ShippedText(
        N_("Place {{ place_reference }}: end of the tenancy"),
        N_("Dear Sir or Madam,\n\n"
           "We inform you that the tenancy of {{ person_name }} in the place {{ place_reference }} "
           "({{ place_address }}) ends{% if exit_date %} on {{ exit_date }}{% endif %}.\n\n"
           "Please contact us to agree on the day of the check-out inventory. The deposit paid by the council "
           "will be settled in the light of it.\n\n"
           "The place may then be offered to another person by the commission, under the agreement between us."
           "\n\n"
           "For any question, you can reach the commission's coordination{% if contact_phone %} by phone on "
           "{{ contact_phone }}{% endif %}{% if contact_phone and contact_email %} or{% endif %}"
           "{% if contact_email %} by e-mail at {{ contact_email }}{% endif %}, quoting the place's reference "
           "({{ place_reference }}).\n\n"
           "Yours faithfully,")),
}

# The letters that exist, in the order the coordinator's list shows them.
LETTERS: tuple[tuple[LetterKind, Audience], ...] = tuple(FIELDS)

assert set(SHIPPED) == set(FIELDS), "every letter has its shipped text"
