"""The states of the case machine and what each means, apart from its steps.

They live apart from :mod:`commission.workflow.case` because the model needs them too: the database
keeps one holder per place (a partial unique index over the states that hold a place), and the case
machine's module imports the model.
"""

from __future__ import annotations

from commission.i18n import N_
from commission.workflow.engine import Awaits as A
from commission.workflow.engine import StateSpec, states_tagged
from commission.workflow.tags import Tag, Tone

_T = Tag
_O = Tone

CASE_STATES: tuple[StateSpec, ...] = (
    StateSpec("draft", N_("Draft"), N_("The care team is preparing the application; nobody else sees it yet."),
              tags=frozenset({_T.EDITABLE, _T.BEFORE_HOUSED}),
              tone=_O.WAITING, awaits=A(N_("To be completed by the care team"))),
    StateSpec("submitted", N_("Submitted"), N_("The care team has filed the application; the coordinator "
                                                "checks that it is complete."),
              tags=frozenset({_T.OPEN_APPLICATION, _T.BEFORE_HOUSED}),
              tone=_O.WAITING, awaits=A(N_("Awaits the coordinator's check"))),
    StateSpec("incomplete", N_("Incomplete"), N_("Returned to the care team with the list of what is missing; "
                                                  "a reminder follows if nothing comes."),
              tags=frozenset({_T.EDITABLE, _T.MISSING_ITEMS, _T.OPEN_APPLICATION, _T.BEFORE_HOUSED}),
              tone=_O.ATTENTION, awaits=A(N_("Awaits the missing items from the care team"),
                                              N_("Awaits the missing items from the care team, by %(date)s"))),
    StateSpec("ready", N_("Ready"), N_("Complete: it waits to be placed on a quarterly hearing's agenda."),
              tags=frozenset({_T.OPEN_APPLICATION, _T.BEFORE_HOUSED}),
              tone=_O.WAITING, awaits=A(N_("Awaits a place on a hearing's agenda"))),
    StateSpec("scheduled", N_("On an agenda"), N_("On the agenda of the next hearing; the person is invited "
                                                   "to come and present their situation."),
              tags=frozenset({_T.ON_AGENDA, _T.BEFORE_HOUSED}),
              tone=_O.WAITING, awaits=A(N_("Awaits the hearing"), N_("Awaits the hearing of %(date)s"))),
    StateSpec("heard", N_("Heard"), N_("Presented at the hearing; the commission's decision is being recorded."),
              tags=frozenset({_T.BEFORE_HOUSED}),
              tone=_O.WAITING, awaits=A(N_("Awaits the record of the commission's decision"))),
    StateSpec("allocated", N_("Place offered"), N_("The commission allocated a place; the person has a deadline "
                                                    "to accept or decline the offer."),
              tags=frozenset({_T.OFFER_PENDING, _T.HOLDS_PLACE, _T.BEFORE_HOUSED}),
              tone=_O.DECIDED, awaits=A(N_("Awaits the person's answer"),
                                            N_("Awaits the person's answer, by %(date)s"))),
    StateSpec("waiting_list", N_("Waiting list"), N_("Favourable opinion, no place yet: the person waits for one; "
                                                      "a declined offer also comes back here."),
              tags=frozenset({_T.ON_WAITING_LIST, _T.OPEN_APPLICATION, _T.BEFORE_HOUSED}),
              tone=_O.DECIDED, awaits=A(N_("Awaits a place"))),
    StateSpec("deferred", N_("Deferred"), N_("The commission awaits something before deciding; the file comes "
                                              "back at a later hearing."),
              tags=frozenset({_T.AWAITED_ITEMS, _T.OPEN_APPLICATION, _T.BEFORE_HOUSED}),
              tone=_O.ATTENTION, awaits=A(N_("Awaits what the commission asked for"))),
    StateSpec("refused", N_("Refused"), N_("The commission refused the application, with its reason."),
              final=True, tags=frozenset({_T.ENDED}),
              tone=_O.ENDED),
    StateSpec("offer_accepted", N_("Offer accepted"), N_("The person accepted the place; the lease and the "
                                                         "deposit are being prepared."),
              tags=frozenset({_T.HOLDS_PLACE, _T.BEFORE_HOUSED}),
              tone=_O.DECIDED, awaits=A(N_("Awaits the lease and the deposit"))),
    StateSpec("moving_in", N_("Moving in"), N_("The lease is signed and the move-in date is set."),
              tags=frozenset({_T.HOLDS_PLACE, _T.BEFORE_HOUSED}),
              tone=_O.DECIDED, awaits=A(N_("Awaits the move-in"), N_("Awaits the move-in on %(date)s"))),
    StateSpec("housed", N_("Housed"), N_("The person lives in the place; the care team follows the tenancy."),
              tags=frozenset({_T.HOLDS_PLACE, _T.HOUSED, _T.FOLLOWED, _T.TENANCY}),
              tone=_O.ACTIVE, awaits=A(N_("Followed by the care team"))),
    StateSpec("exiting", N_("Exiting"), N_("The tenancy is ending: the place, the deposit and the file are "
                                           "being closed."),
              tags=frozenset({_T.HOLDS_PLACE, _T.FOLLOWED, _T.TENANCY}),
              tone=_O.ACTIVE, awaits=A(N_("Awaits the settlement of the exit"))),
    StateSpec("closed", N_("Closed"), N_("The tenancy has ended and everything is settled."), final=True,
              tags=frozenset({_T.ENDED, _T.SETTLED, _T.TENANCY}),
              tone=_O.ENDED),
    StateSpec("withdrawn", N_("Withdrawn"), N_("The person withdrew the application."), final=True,
              tags=frozenset({_T.ENDED}),
              tone=_O.ENDED),
)

# The states in which a file holds its allocated place: one holder per place, kept by the database.
HOLDING_STATES = states_tagged(CASE_STATES, Tag.HOLDS_PLACE)
