"""What a state means, and where a step is taken: the vocabulary the machines speak to the rest.

Services, pages and documents never name a state: they ask a machine which states carry a tag
(``CASE_MACHINE.tagged(Tag.HOLDS_PLACE)``) or whether a row's state does
(``CASE_MACHINE.means(case.state, Tag.EDITABLE)``). A new state or step is one edit in its machine's
module; the tags it carries tell everyone else what to make of it.
"""

from __future__ import annotations

import enum


class Tag(enum.Enum):
    # The case (one person's file).
    EDITABLE = "editable"  # the care team may still change the application
    MISSING_ITEMS = "missing_items"  # returned to the care team with what is missing
    AWAITED_ITEMS = "awaited_items"  # the commission awaits something before deciding (carried over)
    OPEN_APPLICATION = "open_application"  # filed, in the commission's hands, no place offered yet
    ON_WAITING_LIST = "on_waiting_list"  # favourable opinion, waiting for a place
    ON_AGENDA = "on_agenda"  # on a hearing's agenda, not yet heard
    OFFER_PENDING = "offer_pending"  # a place is offered; the person has a deadline to answer
    HOLDS_PLACE = "holds_place"  # the file holds its allocated place (offered to housed and exiting)
    BEFORE_HOUSED = "before_housed"  # the person does not live in the place yet (and may withdraw)
    HOUSED = "housed"  # the person lives in the place, the tenancy is not ending
    FOLLOWED = "followed"  # the care team follows the tenancy (housed, or leaving)
    TENANCY = "tenancy"  # the person has lived in the place (its follow-up may be read)
    ENDED = "ended"  # the file is over (closed, refused, withdrawn): it may be reopened, then purged
    SETTLED = "settled"  # the tenancy ended and everything is settled
    # The hearing.
    TAKES_PLACE = "takes_place"  # the hearing is not cancelled
    AGENDA_OPEN = "agenda_open"  # files may still be added to or removed from the agenda
    DETAILS_EDITABLE = "details_editable"  # its date, time and place may still change
    CONVOKED = "convoked"  # the convocations are out, the session has not opened
    ATTENDANCE_OPEN = "attendance_open"  # who is present may be recorded
    SITTING = "sitting"  # the commission sits: items are decided
    HELD = "held"  # the hearing has sat (counted in the year's figures)
    MINUTES_DRAFT = "minutes_draft"  # the minutes are being drafted
    ANSWERS_OPEN = "answers_open"  # a written consultation: the members answer until it is concluded
    CONSULTED = "consulted"  # a written consultation is over: reported in the next hearing's minutes
    # The place.
    ALLOCATABLE = "allocatable"  # vacant and ready: the commission may allocate it
    FREE = "free"  # nobody lives there and nobody has been offered it (a vacancy)
    TAKEN = "taken"  # offered to someone, or lived in
    OFFERED = "offered"  # offered to the person allocated
    OCCUPIED = "occupied"  # someone lives there
    VACATED = "vacated"  # the person has left; fixtures and works before the next one
    OUT_OF_STOCK = "out_of_stock"  # no longer in the stock
    # The deposit.
    BEFORE_PAYMENT = "before_payment"  # not paid yet: it may still be cancelled
    PAID_OUT = "paid_out"  # paid to the landlord, not claimed back yet
    OUTSTANDING = "outstanding"  # the council's money is with the landlord
    AWAITING_REFUND = "awaiting_refund"  # the refund is claimed from the landlord
    RETURNED = "returned"  # the landlord paid back all or part of it
    PARTLY_RETAINED = "partly_retained"  # the landlord kept part of it, with the reason
    CLOSED_ACCOUNT = "closed_account"  # nothing more will move on it
    # The prospect (a structure or landlord the housing sub-group approaches).
    PURSUED = "pursued"  # still followed: contacted, met, a proposal made, an agreement drafted
    SIGNABLE = "signable"  # the agreement is drafted: the coordinator may sign it
    CONCLUDED = "concluded"  # signed: its agreement and partner are in the stock
    GIVEN_UP = "given_up"  # abandoned, with the reason (it may be taken up again)
    # an orientation towards a structure of the territory
    AWAITING_ANSWER = "awaiting_answer"  # sent, the structure's answer awaited
    FOLLOWED_THERE = "followed_there"  # the structure took the person on and follows them
    HELPED = "helped"  # the person was taken on there (counted among the people the council helps)


class Tone(enum.Enum):
    """What a state's badge says at a glance, by its colour; the words on the badge say the rest.

    Each state of each machine has exactly one (its ``tone``), so that every list colours a state the same
    way: waiting on someone, decided, active (housed, occupied, in session, paid out), ended, or needing
    attention (something is missing or must be done before it can go on).
    """

    WAITING = "waiting"
    DECIDED = "decided"
    ACTIVE = "active"
    ENDED = "ended"
    ATTENTION = "attention"


class Screen(enum.Enum):
    """Where a step is taken: from the record's own page, or from a hearing's pages."""

    RECORD = "record"
    HEARING = "hearing"
    # The exit's page, which closes the occupancy, the place's tenancy, the deposit and the file at once.
    EXIT = "exit"
    # Taken by the software as the consequence of another record's step (the place follows the file).
    CONSEQUENCE = "consequence"
    # A record arriving from a spreadsheet in its current state (``MachineSpec.imports``): taken only by an import,
    # never offered on a page, never drawn on the diagrams.
    IMPORT = "import"
