"""The year's figures as plain data: what the dashboard shows and the annual report prints.

The dashboard's service (:mod:`commission.services.dashboard`) computes them; the pages and the
printed report read them. Every figure is a count, a rate, a duration or a sum: never a person.
"""

from __future__ import annotations

import statistics
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from commission.clock import COUNCIL_ZONE
from commission.labels import DECISION_LABELS as HEARING_DECISION_LABELS
from commission.models.followup import ExitReason
from commission.models.hearings import Decision
from commission.models.housing import PlaceKind
from commission.workflow.place import PLACE_MACHINE
from commission.workflow.tags import Tag

PLACE_STATES = tuple(state.name for state in PLACE_MACHINE.states)
# The hearing's decisions on an application, as the case machine records them (a candidate ranked for a
# place is placed on the waiting list until the place comes to them), and the decision each records.
DECISION_OF_TRIGGER: dict[str, Decision] = {
    "allocate": Decision.ALLOCATE, "place_on_waiting_list": Decision.WAITING_LIST, "defer": Decision.DEFER,
    "refuse": Decision.REFUSE,
}
DECISION_TRIGGERS = tuple(DECISION_OF_TRIGGER)
OFFER_TRIGGERS = ("allocate", "offer_next")
# The decisions' words, the same as the minutes' (commission.labels), by the trigger that records them.
DECISION_LABELS: dict[str, str] = {trigger: HEARING_DECISION_LABELS[decision]
                                   for trigger, decision in DECISION_OF_TRIGGER.items()}

__all__ = ["DECISION_LABELS", "DECISION_TRIGGERS", "HEARING_DECISION_LABELS", "OFFER_TRIGGERS", "PLACE_STATES",
           "AnnualReport", "Durations", "Finances", "HearingFigures", "Period", "PlaceRow", "YearFigures"]


@dataclass(frozen=True)
class Period:
    """A calendar year, seen as of its last day, or as of today for the current year."""

    year: int
    as_of: date
    current: bool

    @property
    def first_day(self) -> date:
        return date(self.year, 1, 1)

    @property
    def start(self) -> datetime:
        """The first instant of the year, council time, in UTC."""
        return _midnight(self.first_day)

    @property
    def end(self) -> datetime:
        """The first instant after ``as_of``, council time, in UTC: steps strictly before it count."""
        return _midnight(self.as_of + timedelta(days=1))

    def quarter_of(self, day: date) -> int:
        return (day.month - 1) // 3 + 1


def _midnight(day: date) -> datetime:
    return datetime.combine(day, time.min, tzinfo=COUNCIL_ZONE).astimezone(UTC)


@dataclass(frozen=True)
class Finances:
    """The fund over the year, from the ledger: what came in, what went out, the balance on the last day."""

    contributions_received_cents: int
    deposits_paid_cents: int
    refunds_received_cents: int
    retained_cents: int
    written_off_cents: int
    other_expenses_cents: int
    fund_balance_cents: int


@dataclass(frozen=True)
class HearingFigures:
    held: int
    applications_heard: int
    reviews: int
    decisions: dict[Decision, int]


@dataclass(frozen=True)
class Durations:
    """How long, in days, for ``count`` records: median and mean (None when there are none)."""

    count: int
    median_days: float | None
    mean_days: float | None

    @classmethod
    def of(cls, days: Sequence[int]) -> Durations:
        if not days:
            return cls(0, None, None)
        return cls(len(days), float(statistics.median(days)), round(statistics.fmean(days), 1))

    @classmethod
    def of_counts(cls, counts: Iterable[tuple[int, int]]) -> Durations:
        """The same figures from how many records took each number of days (``(days, count)``, as a
        query grouped by the duration gives them): what :meth:`of` says of the list of every record's days."""
        histogram: dict[int, int] = {}
        for days, count in counts:
            histogram[int(days)] = histogram.get(int(days), 0) + int(count)
        total = sum(histogram.values())
        if not total:
            return cls(0, None, None)
        ordered = sorted(item for item in histogram.items() if item[1])
        middle = [_nth(ordered, (total - 1) // 2), _nth(ordered, total // 2)]
        mean = sum(days * count for days, count in ordered) / total
        return cls(total, (middle[0] + middle[1]) / 2, round(mean, 1))


def _nth(ordered: list[tuple[int, int]], index: int) -> int:
    """The value at ``index`` (from 0) of the sorted list of days that ``ordered`` (days, count) stands for."""
    for days, count in ordered:
        if index < count:
            return days
        index -= count
    raise IndexError(index)


@dataclass(frozen=True)
class PlaceRow:
    kind: PlaceKind
    counts: dict[str, int]  # per state of PLACE_STATES

    @property
    def in_stock(self) -> int:
        """Every place but those withdrawn from the stock."""
        return sum(count for state, count in self.counts.items() if not PLACE_MACHINE.means(state, Tag.OUT_OF_STOCK))

@dataclass(frozen=True)
class YearFigures:
    period: Period
    places: list[PlaceRow]
    vacancies: Durations  # places vacant on the day, and for how long
    waiting_list: Durations  # files on the waiting list on the day, and since when
    applications_received: int
    decisions: dict[str, int]  # per trigger of DECISION_TRIGGERS
    submission_to_decision: Durations
    waiting_to_allocation: Durations
    admissions: list[int]  # per quarter
    exits: list[int]  # per quarter
    exits_by_reason: dict[ExitReason, int]
    housed: int  # on the day
    followed: int  # at any time in the year
    deposits_outstanding: int
    deposits_outstanding_cents: int
    finances: Finances
    agreements_in_force: int
    agreements_to_renew: int
    hearings: HearingFigures
    followed_elsewhere: int = 0  # on the day: people followed in a structure they were oriented to (FOLLOWED_THERE)
    # People helped over the year: housed or followed by the council at any time in the year, or taken on by a
    # structure through an orientation (accepted in the year or still followed), each person once.
    helped: int = 0
    helped_since_start: int = 0  # the same, over every year up to the day

    @property
    def places_in_stock(self) -> int:
        return sum(row.in_stock for row in self.places)

    @property
    def occupied(self) -> int:
        return sum(row.counts[state] for row in self.places for state in PLACE_MACHINE.tagged(Tag.OCCUPIED))

    @property
    def occupancy_rate(self) -> float | None:
        """Occupied places per hundred places in the stock, one decimal."""
        return round(100 * self.occupied / self.places_in_stock, 1) if self.places_in_stock else None

    def places_in(self, state: str) -> int:
        return sum(row.counts[state] for row in self.places)

    @property
    def decisions_total(self) -> int:
        return sum(self.decisions.values())

    @property
    def admissions_total(self) -> int:
        return sum(self.admissions)

    @property
    def exits_total(self) -> int:
        return sum(self.exits)


@dataclass(frozen=True)
class SubgroupYear:
    """The housing sub-group's year, for the council's general assembly: counts only, never a person."""

    meetings_held: int
    actions_recorded: int
    actions_done: int
    letters_received: int
    letters_sent: int
    answers_due: int  # letters received in the year that called for an answer
    answered_in_time: int
    answered_late: int  # answered after the date due
    unanswered_overdue: int  # still unanswered on the day, past the date due
    prospects_new: int  # first contacts recorded in the year
    agreements_signed: int  # prospects signed in the year
    places_brought: int  # the places the agreements signed in the year brought into the stock


@dataclass(frozen=True)
class AnnualReport:
    """What the printed annual report shows: the year's figures (no person), who issues it, when."""

    council: str
    figures: YearFigures
    issued_on: date
    subgroup: SubgroupYear | None = None
