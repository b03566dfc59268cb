"""The hearing machine: a quarterly hearing, from its planning to its signed minutes.

planned -> convened (agenda frozen, convocations sent) -> in_session -> closed (every item decided;
the minutes are drafted) -> minutes_approved -> minutes_signed. A correction of signed minutes takes
the hearing back to closed with a new version of the minutes; the signed one is kept unchanged.
A planned hearing can be cancelled.
"""

from __future__ import annotations

from commission.i18n import N_, Message, msg
from commission.models.hearings import Decision, Hearing, ItemKind
from commission.workflow.engine import FireContext, MachineSpec, StateSpec, TransitionSpec
from commission.workflow.tags import Tag, Tone


def _has_agenda(hearing: Hearing, _context: FireContext) -> Message | None:
    if not hearing.items:
        return msg("The agenda is empty: add the files to be heard first.")
    return None


def _has_chair(hearing: Hearing, _context: FireContext) -> Message | None:
    if hearing.chair_id is None:
        return msg("Choose who chairs the hearing first.")
    return None


def _not_past(hearing: Hearing, context: FireContext) -> Message | None:
    if hearing.day < context.today:
        return msg("The hearing's date is in the past.")
    return None


def _on_the_day(hearing: Hearing, context: FireContext) -> Message | None:
    if context.today < hearing.day:
        return msg("The session opens on the day of the hearing (%(date)s).", date=hearing.day.isoformat())
    return None


def undecided(hearing: Hearing) -> list[int]:
    """Positions of the items still waiting for a decision."""
    return [item.position for item in hearing.items if item.decision is None]


def _all_decided(hearing: Hearing, _context: FireContext) -> Message | None:
    waiting = undecided(hearing)
    if waiting:
        return msg("Items still without a decision: %(items)s.", items=", ".join(map(str, waiting)))
    return None


def decision_fits(kind: ItemKind, decision: Decision) -> bool:
    return (decision is Decision.REVIEW_NOTED) == (kind is ItemKind.REVIEW)


HEARING_MACHINE = MachineSpec(
    name="hearing",
    initial="planned",
    states=(
        StateSpec("planned", N_("Planned"), N_("Date, place and chair are set; the agenda is being prepared."),
                  tags=frozenset({Tag.TAKES_PLACE, Tag.AGENDA_OPEN, Tag.DETAILS_EDITABLE}), tone=Tone.WAITING),
        StateSpec("convened", N_("Convened"), N_("The agenda is frozen and the convocations are sent."),
                  tags=frozenset({Tag.TAKES_PLACE, Tag.DETAILS_EDITABLE, Tag.CONVOKED, Tag.ATTENDANCE_OPEN}),
                  tone=Tone.WAITING),
        StateSpec("in_session", N_("In session"), N_("The commission sits: attendance, then each item in turn."),
                  tags=frozenset({Tag.TAKES_PLACE, Tag.ATTENDANCE_OPEN, Tag.SITTING, Tag.HELD}), tone=Tone.ACTIVE),
        StateSpec("closed", N_("Closed"), N_("Every item is decided; the minutes are being drafted."),
                  tags=frozenset({Tag.TAKES_PLACE, Tag.HELD, Tag.MINUTES_DRAFT}), tone=Tone.DECIDED),
        StateSpec("minutes_approved", N_("Minutes approved"), N_("The minutes are approved and await signature."),
                  tags=frozenset({Tag.TAKES_PLACE, Tag.HELD}), tone=Tone.DECIDED),
        StateSpec("minutes_signed", N_("Minutes signed"), N_("The minutes are signed and archived; they no longer "
                                                               "change."), final=True,
                  tags=frozenset({Tag.TAKES_PLACE, Tag.HELD}), tone=Tone.ENDED),
        StateSpec("cancelled", N_("Cancelled"), N_("The hearing will not take place."), final=True,
                  tags=frozenset(), tone=Tone.ENDED),
    ),
    transitions=(
        TransitionSpec("convene", ("planned",), "convened", N_("Freeze the agenda and send the convocations"),
                       guards=(_has_agenda, _has_chair, _not_past)),
        TransitionSpec("reopen_agenda", ("convened",), "planned", N_("Reopen the agenda"),
                       reason_required=msg("Say why the agenda changes after the convocations.")),
        TransitionSpec("open_session", ("convened",), "in_session", N_("Open the session"), guards=(_on_the_day,)),
        TransitionSpec("close", ("in_session",), "closed", N_("Close the session"), guards=(_all_decided,)),
        TransitionSpec("approve_minutes", ("closed",), "minutes_approved", N_("Approve the minutes")),
        TransitionSpec("sign_minutes", ("minutes_approved",), "minutes_signed", N_("Sign the minutes")),
        TransitionSpec("correct_minutes", ("minutes_signed",), "closed", N_("Correct the minutes (new version)"),
                       reason_required=msg("Say what the correction is about.")),
        TransitionSpec("cancel", ("planned",), "cancelled", N_("Cancel the hearing"),
                       reason_required=msg("Say why the hearing is cancelled.")),
    ),
)
