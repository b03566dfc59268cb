"""The one label table of each enumeration, shared by the pages, the documents and the services.

Each label is a message id (``N_``): a page shows it through its lazy translation
(:mod:`commission.web.labels`), a document through the gettext of its reader's language.
"""

from __future__ import annotations

from commission.i18n import N_
from commission.models.accounts import Role
from commission.models.cases import DocumentKind, HousingSituation
from commission.models.followup import (
    EventKind,
    ExitReason,
    FollowUpStatus,
    IncidentKind,
    PlaceCondition,
    ReviewOutcome,
)
from commission.models.hearings import AttendanceStatus, Decision, HearingKind, ItemKind, MinutesStatus
from commission.models.housing import PlaceKind
from commission.models.letters import Audience, Channel, LetterKind, LetterStatus, Recipient
from commission.models.people import ProtectionMeasure
from commission.models.reference import OrganisationKind
from commission.models.tenancy import LeaseKind, Renewal
from commission.models.treasury import Account, EntryKind, PaymentMethod

ROLE_LABELS = {
    Role.COORDINATOR: N_("Coordinator"),
    Role.CARE_TEAM: N_("Care-team member"),
    Role.CHAIR: N_("Chair (elected official)"),
    Role.MEMBER: N_("Commission member"),
    Role.TREASURER: N_("Treasurer"),
    Role.LANDLORD: N_("Landlord representative"),
    Role.DATA_PROTECTION: N_("Data-protection officer"),
}

PLACE_KIND_LABELS = {
    PlaceKind.APARTMENT: N_("Apartment in social housing"),
    PlaceKind.HOSTEL_PLACE: N_("Contracted place in a hostel or residence"),
    PlaceKind.TRANSITIONAL_PLACE: N_("Transitional place"),
    PlaceKind.RESIDENCE_PLACE: N_("Place in the residence"),
}

ORGANISATION_KIND_LABELS = {
    OrganisationKind.LANDLORD: N_("Social landlord"),
    OrganisationKind.HOSPITAL: N_("Psychiatric hospital"),
    OrganisationKind.USER_ASSOCIATION: N_("User association"),
    OrganisationKind.FAMILY_ASSOCIATION: N_("Family association"),
    OrganisationKind.HOSTEL: N_("Hostel"),
    OrganisationKind.RESIDENCE: N_("Residence"),
    OrganisationKind.RECEPTION_STRUCTURE: N_("Reception structure"),
    OrganisationKind.GUARDIANSHIP_SERVICE: N_("Guardianship service"),
}

PROTECTION_LABELS = {
    ProtectionMeasure.NONE: N_("No legal protection"),
    ProtectionMeasure.SAFEGUARD: N_("Safeguard of justice"),
    ProtectionMeasure.CURATORSHIP: N_("Curatorship"),
    ProtectionMeasure.REINFORCED_CURATORSHIP: N_("Reinforced curatorship"),
    ProtectionMeasure.GUARDIANSHIP: N_("Guardianship"),
    ProtectionMeasure.FAMILY_AUTHORISATION: N_("Family authorisation"),
}


FOLLOWUP_STATUS_LABELS = {
    FollowUpStatus.GOING_WELL: N_("Going well"),
    FollowUpStatus.NEEDS_ATTENTION: N_("Needs attention"),
    FollowUpStatus.AT_RISK: N_("At risk"),
}

EVENT_KIND_LABELS = {
    EventKind.VISIT: N_("Home visit"),
    EventKind.CONSULTATION: N_("Consultation"),
    EventKind.PHONE_CALL: N_("Telephone call"),
    EventKind.HOSPITALISATION: N_("Hospitalisation"),
    EventKind.INCIDENT: N_("Incident"),
}

INCIDENT_KIND_LABELS = {
    IncidentKind.RENT_ARREARS: N_("Rent arrears"),
    IncidentKind.NEIGHBOUR_COMPLAINT: N_("Neighbours' complaint"),
    IncidentKind.LANDLORD_COMPLAINT: N_("Landlord's complaint"),
    IncidentKind.DAMAGE: N_("Damage to the place"),
    IncidentKind.OTHER: N_("Other incident"),
}

REVIEW_OUTCOME_LABELS = {
    ReviewOutcome.CONTINUE: N_("The tenancy goes on; next review in a year"),
    ReviewOutcome.CLOSER_FOLLOW_UP: N_("Closer follow-up; reviewed again next quarter"),
    ReviewOutcome.RESOURCE_MEETING: N_("A resource meeting is to be called; reviewed next quarter"),
    ReviewOutcome.PREPARE_EXIT: N_("A move out is to be prepared"),
}

EXIT_REASON_LABELS = {
    ExitReason.ORDINARY_HOUSING: N_("Ordinary housing reached"),
    ExitReason.LEASE_TAKEN_OVER: N_("Lease taken over by the person"),
    ExitReason.HOSPITALISATION: N_("Hospitalisation"),
    ExitReason.MOVED_ELSEWHERE: N_("Moved elsewhere"),
    ExitReason.DEATH: N_("Death"),
    ExitReason.EVICTION: N_("Eviction"),
    ExitReason.OTHER: N_("Other reason"),
}

PLACE_CONDITION_LABELS = {
    PlaceCondition.GOOD: N_("Good condition"),
    PlaceCondition.WORKS_NEEDED: N_("Works needed before the next person"),
    PlaceCondition.DAMAGED: N_("Damaged"),
}

HOUSING_LABELS = {
    HousingSituation.HOSPITALISED: N_("Hospitalised"),
    HousingSituation.WITH_FAMILY: N_("Living with family"),
    HousingSituation.HOSTEL: N_("In a hostel or residence"),
    HousingSituation.OWN_TENANCY: N_("Own tenancy, to be left"),
    HousingSituation.HOMELESS: N_("Without housing"),
    HousingSituation.TEMPORARY: N_("Temporary accommodation"),
    HousingSituation.OTHER: N_("Other"),
}

DOCUMENT_LABELS = {
    DocumentKind.IDENTITY: N_("Identity document"),
    DocumentKind.RESOURCES: N_("Proof of resources"),
    DocumentKind.GUARDIANSHIP: N_("Guardianship judgement"),
    DocumentKind.MEDICAL_CERTIFICATE: N_("Medical certificate"),
    DocumentKind.OTHER: N_("Other document"),
}

RENEWAL_LABELS = {
    Renewal.TACIT: N_("Tacit: renewed unless notice is given"),
    Renewal.EXPLICIT: N_("Explicit: renewed by a new signature"),
    Renewal.NONE: N_("None: ends on its end date"),
}

LEASE_LABELS = {
    LeaseKind.DIRECT: N_("Direct lease with the landlord"),
    LeaseKind.SUBLEASE: N_("Sublease from the council"),
    LeaseKind.OCCUPANCY: N_("Occupancy agreement"),
}

# A hearing's decision on an item, in the minutes, the pages, the figures and the person's export alike.
DECISION_LABELS = {
    Decision.ALLOCATE: N_("Place allocated"),
    Decision.RANKED: N_("Ranked candidate for the place"),
    Decision.WAITING_LIST: N_("Favourable opinion, waiting list"),
    Decision.DEFER: N_("Deferred"),
    Decision.REFUSE: N_("Refused"),
    Decision.REVIEW_NOTED: N_("Follow-up reviewed"),
}

ITEM_KIND_LABELS = {ItemKind.APPLICATION: N_("Application"), ItemKind.REVIEW: N_("Follow-up review")}

HEARING_KIND_LABELS = {
    HearingKind.ORDINARY: N_("Ordinary hearing"), HearingKind.EXTRAORDINARY: N_("Extraordinary hearing"),
    HearingKind.WRITTEN: N_("Written consultation"),
}

ATTENDANCE_LABELS = {
    AttendanceStatus.PRESENT: N_("Present"), AttendanceStatus.EXCUSED: N_("Excused"),
    AttendanceStatus.REPRESENTED: N_("Represented"), AttendanceStatus.ABSENT: N_("Absent"),
}

MINUTES_STATUS_LABELS = {
    MinutesStatus.DRAFT: N_("Draft minutes"), MinutesStatus.APPROVED: N_("Approved minutes"),
    MinutesStatus.SIGNED: N_("Signed minutes"),
}

ACCOUNT_LABELS = {
    Account.BANK: N_("Bank account"),
    Account.DEPOSITS_RECEIVABLE: N_("Deposits paid, owed back"),
    Account.CONTRIBUTIONS_RECEIVABLE: N_("Contributions called, not yet received"),
    Account.CONTRIBUTIONS: N_("Contributions of the towns and the hospital"),
    Account.RETENTIONS: N_("Deposits retained by landlords"),
    Account.WRITE_OFFS: N_("Deposits written off"),
    Account.OTHER_EXPENSES: N_("Other expenses"),
    Account.BROUGHT_FORWARD: N_("Balances brought forward"),
}

ENTRY_KIND_LABELS = {
    EntryKind.CONTRIBUTION_CALLED: N_("Contribution called"),
    EntryKind.CONTRIBUTION_RECEIVED: N_("Contribution received"),
    EntryKind.DEPOSIT_PAID: N_("Deposit paid"),
    EntryKind.REFUND_RECEIVED: N_("Deposit refunded"),
    EntryKind.RETENTION: N_("Deposit partly retained"),
    EntryKind.WRITE_OFF: N_("Deposit written off"),
    EntryKind.EXPENSE: N_("Other expense"),
    EntryKind.CORRECTION: N_("Correction"),
    EntryKind.OPENING_BALANCE: N_("Opening balance"),
}

METHOD_LABELS = {
    PaymentMethod.TRANSFER: N_("Bank transfer"),
    PaymentMethod.CHEQUE: N_("Cheque"),
    PaymentMethod.OTHER: N_("Other means of payment"),
}

LETTER_KIND_LABELS = {
    LetterKind.OFFER: N_("Allocation and offer of a place"),
    LetterKind.RANKED: N_("Ranked candidate for a place"),
    LetterKind.WAITING_LIST: N_("Waiting list"),
    LetterKind.DEFERRAL: N_("Deferral"),
    LetterKind.REFUSAL: N_("Refusal"),
    LetterKind.OFFER_EXPIRED: N_("Offer expired"),
    LetterKind.WELCOME: N_("Move-in"),
    LetterKind.REVIEW: N_("Review of the tenancy"),
    LetterKind.EXIT: N_("Exit"),
}

AUDIENCE_LABELS = {Audience.PERSON: N_("To the person (copies to the guardian and the care team)"),
                   Audience.LANDLORD: N_("To the landlord of the place")}

RECIPIENT_LABELS = {
    Recipient.PERSON: N_("The person"),
    Recipient.GUARDIAN: N_("The guardian (copy)"),
    Recipient.CARE_TEAM: N_("The care team (copy)"),
    Recipient.LANDLORD: N_("The landlord"),
}

CHANNEL_LABELS = {Channel.POST: N_("Post"), Channel.EMAIL: N_("E-mail")}

LETTER_STATUS_LABELS = {
    LetterStatus.TO_POST: N_("To print and post"),
    LetterStatus.PRINTED: N_("Printed, to post"),
    LetterStatus.POSTED: N_("Posted"),
    LetterStatus.TO_SEND: N_("To e-mail"),
    LetterStatus.SENT: N_("E-mailed"),
    LetterStatus.FAILED: N_("Refused by the mail server"),
    LetterStatus.NO_ADDRESS: N_("Address to complete"),
}


# The parts of a file whose every read the access log keeps (a document's: ``document:<id>``).
READ_PART_LABELS = {
    "file": N_("the file"),
    "medical": N_("the medical part"),
    "followup": N_("the follow-up"),
    "export": N_("an export of the person's data"),
    "api:list": N_("the list of applications, through the integration API"),
    "api:state": N_("the application's state, through the integration API"),
}
