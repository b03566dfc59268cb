"""The hearing machine: a quarterly hearing, from its planning to its signed minutes.

planned -> convened (agenda frozen, convocations sent) -> in_session -> closed (every item decided;
the minutes are drafted) -> minutes_approved -> minutes_signed. A correction of signed minutes takes
the hearing back to closed with a new version of the minutes; the signed one is kept unchanged.
A planned hearing can be cancelled.

A written consultation (a hearing of kind ``written``) never convenes: from planned, ``consult`` puts its one
urgent file to the members, who answer in writing (consulting); it ends adopted (the quorum of answers and
the majority for: the decision is recorded), rejected (the quorum, no majority), lapsed (too few answers by
the deadline), or ended (the file was withdrawn meanwhile, or the proposal no longer stands).
"""

from __future__ import annotations

from dataclasses import dataclass

from commission.i18n import N_, Message, msg
from commission.models.hearings import Decision, Hearing, HearingKind, ItemKind
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


def _new_details(_hearing: Hearing, context: FireContext) -> Message | None:
    """A move is taken from the hearing's form, with its new date, time or place (never as a bare button)."""
    if not context.values.get("moved"):
        return msg("Change the date, time or place on the hearing's form.")
    return None


# The steps taken from the hearing's own form rather than as a button among the next steps.
FORM_STEPS = frozenset({"move"})


def decision_fits(kind: ItemKind, decision: Decision) -> bool:
    return (decision is Decision.REVIEW_NOTED) == (kind is ItemKind.REVIEW)


# ---------------------------------------------------------------- the written consultation


@dataclass(frozen=True)
class Tally:
    """The answers to a written consultation, counted by its service and given to the outcome steps.

    The ordinary rule applies: the quorum is of the voting members who answered (a member who withdrew for a
    conflict of interest answered, as one present at a session who withdraws from an item), and the proposal
    is adopted by a simple majority of the votes cast (more for than against; abstentions are not cast)."""

    consulted: int  # the voting members consulted
    in_favour: int
    against: int
    abstain: int
    withdrawn: int  # for a conflict of interest
    quorum: int
    deadline_passed: bool
    file_withdrawn: bool  # the file left the agenda meanwhile (withdrawn by the person)

    @property
    def answered(self) -> int:
        return self.in_favour + self.against + self.abstain + self.withdrawn

    @property
    def complete(self) -> bool:
        """Every member consulted has answered: no answer can change the outcome any more."""
        return self.answered >= self.consulted

    @property
    def quorum_met(self) -> bool:
        return self.answered >= self.quorum

    @property
    def majority(self) -> bool:
        return self.in_favour > self.against


def _written(hearing: Hearing, _context: FireContext) -> Message | None:
    if hearing.kind is not HearingKind.WRITTEN:
        return msg("Only a written consultation is put to the members in writing.")
    return None


def _one_file(hearing: Hearing, _context: FireContext) -> Message | None:
    if len(hearing.items) != 1:
        return msg("A written consultation is about one urgent file.")
    return None


def _deadline_ahead(hearing: Hearing, context: FireContext) -> Message | None:
    if hearing.day < context.today:
        return msg("The deadline for the answers is in the past.")
    return None


def _tally(context: FireContext) -> Tally | None:
    tally = context.values.get("tally")
    return tally if isinstance(tally, Tally) else None


def _counted(hearing: Hearing, context: FireContext) -> Message | None:
    if hearing.kind is not HearingKind.WRITTEN or _tally(context) is None:
        return msg("A written consultation's outcome is recorded from the consultation's page.")
    return None


def _answers_closed(_hearing: Hearing, context: FireContext) -> Message | None:
    tally = _tally(context)
    if tally is not None and not tally.complete and not tally.deadline_passed:
        return msg("The members may still answer until the deadline (%(answered)s of %(consulted)s have "
                   "answered).", answered=tally.answered, consulted=tally.consulted)
    return None


def _file_still_there(_hearing: Hearing, context: FireContext) -> Message | None:
    tally = _tally(context)
    if tally is not None and tally.file_withdrawn:
        return msg("The file was withdrawn meanwhile: end the consultation.")
    return None


def _quorum_of_answers(_hearing: Hearing, context: FireContext) -> Message | None:
    tally = _tally(context)
    if tally is not None and not tally.quorum_met:
        return msg("The quorum is not met: %(answered)s answer(s) of the %(required)s needed.",
                   answered=tally.answered, required=tally.quorum)
    return None


def _quorum_missed(_hearing: Hearing, context: FireContext) -> Message | None:
    tally = _tally(context)
    if tally is not None and tally.quorum_met:
        return msg("The quorum of answers is met: the proposal is adopted or rejected.")
    return None


def _majority_for(_hearing: Hearing, context: FireContext) -> Message | None:
    tally = _tally(context)
    if tally is not None and not tally.majority:
        return msg("The proposal has no majority: %(favour)s for, %(against)s against.", favour=tally.in_favour,
                   against=tally.against)
    return None


def _no_majority(_hearing: Hearing, context: FireContext) -> Message | None:
    tally = _tally(context)
    if tally is not None and tally.majority:
        return msg("The proposal has its majority: it is adopted.")
    return None


_OUTCOME = (_counted, _answers_closed, _file_still_there)


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
        StateSpec("consulting", N_("Members consulted"), N_("A written consultation: the members answer before the "
                                                            "deadline."),
                  tags=frozenset({Tag.ANSWERS_OPEN}), tone=Tone.WAITING),
        StateSpec("proposal_adopted", N_("Proposal adopted"), N_("The members adopted the proposal in writing; the "
                                                                 "decision is recorded."), final=True,
                  tags=frozenset({Tag.CONSULTED}), tone=Tone.DECIDED),
        StateSpec("proposal_rejected", N_("Proposal rejected"), N_("The proposal did not get its majority; the file "
                                                                   "goes to the next hearing."), final=True,
                  tags=frozenset({Tag.CONSULTED}), tone=Tone.ENDED),
        StateSpec("consultation_lapsed", N_("Lapsed for lack of answers"),
                  N_("Too few members answered by the deadline; the file goes to the next hearing."), final=True,
                  tags=frozenset({Tag.CONSULTED}), tone=Tone.ATTENTION),
        StateSpec("consultation_ended", N_("Consultation ended"),
                  N_("Ended before its outcome: the file was withdrawn meanwhile, or the proposal no longer stands."),
                  final=True, tags=frozenset({Tag.CONSULTED}), tone=Tone.ENDED),
    ),
    transitions=(
        TransitionSpec("convene", ("planned",), "convened", N_("Freeze the agenda and send the convocations"),
                       guards=(_has_agenda, _has_chair, _not_past)),
        TransitionSpec("reopen_agenda", ("convened",), "planned", N_("Reopen the agenda"),
                       reason_required=msg("Say why the agenda changes after the convocations.")),
        TransitionSpec("open_session", ("convened",), "in_session", N_("Open the session"), guards=(_on_the_day,),
                       offered_when_allowed=True),
        TransitionSpec("close", ("in_session",), "closed", N_("Close the session"), guards=(_all_decided,),
                       offered_when_allowed=True),
        TransitionSpec("approve_minutes", ("closed",), "minutes_approved", N_("Approve the minutes")),
        TransitionSpec("sign_minutes", ("minutes_approved",), "minutes_signed", N_("Sign the minutes")),
        TransitionSpec("correct_minutes", ("minutes_signed",), "closed", N_("Correct the minutes (new version)"),
                       reason_required=msg("Say what the correction is about.")),
        TransitionSpec("cancel", ("planned",), "cancelled", N_("Cancel the hearing"),
                       reason_required=msg("Say why the hearing is cancelled.")),
        # A convened hearing moved (date, time or place): new convocations and invitations go to everyone concerned.
        TransitionSpec("move", ("convened",), "convened", N_("Move the hearing and send new convocations"),
                       guards=(_new_details,), reason_required=msg("Say why the hearing moves.")),
        TransitionSpec("consult", ("planned",), "consulting", N_("Consult the members in writing"),
                       guards=(_written, _one_file, _deadline_ahead)),
        TransitionSpec("adopt", ("consulting",), "proposal_adopted", N_("Record the proposal as adopted"),
                       guards=(*_OUTCOME, _quorum_of_answers, _majority_for)),
        TransitionSpec("reject", ("consulting",), "proposal_rejected", N_("Record the proposal as rejected"),
                       guards=(*_OUTCOME, _quorum_of_answers, _no_majority)),
        TransitionSpec("lapse", ("consulting",), "consultation_lapsed", N_("Record the lack of answers"),
                       guards=(*_OUTCOME, _quorum_missed)),
        TransitionSpec("end_consultation", ("consulting",), "consultation_ended", N_("End the consultation"),
                       guards=(_counted,), reason_required=msg("Say why the consultation ends.")),
    ),
)

# The steps of a written consultation, and of a hearing that sits: a page offers each kind its own.
CONSULTATION_STEPS = frozenset({"consult", "adopt", "reject", "lapse", "end_consultation"})


def step_fits(trigger: str, hearing: Hearing) -> bool:
    """Whether a step belongs to this kind of hearing (a written consultation never convenes, a hearing that
    sits is never consulted in writing)."""
    return (trigger in CONSULTATION_STEPS) == (hearing.kind is HearingKind.WRITTEN)
