"""Years of the commission's life, replayed through the services, day by day, with the clock moved.

The software starts three years ago: the commission's register is taken over in its first weeks (the people
housed then, those waiting: :mod:`.demo_start`). From then on, files are created on random days; care teams
submit them, the coordinator checks them; every quarter a hearing is held (:mod:`.demo_hearings`), places falling
vacant between two go to the members in writing; offers are accepted or declined, people move in, are followed,
leave after years (:mod:`.demo_tenancy`, :mod:`.demo_followup`). Every step is a service call at its own date (or,
for the register taken over and the routine visits, the same records written in bulk), so the records carry their
whole history and audit trail, in the order it happened.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import date, timedelta
from functools import partial

from sqlalchemy import func, select

from commission import demo_consultation, demo_people, demo_start
from commission.demo_files import FilesReplay
from commission.demo_followup import FollowUpReplay
from commission.demo_hearings import HearingsReplay
from commission.demo_phrases import MISSING
from commission.demo_scenes import ScenesReplay
from commission.models.accounts import User
from commission.models.cases import Case
from commission.models.housing import PlaceKind
from commission.services import cases, digest, hearings

FILES_PER_YEAR = 30  # new applications a year (times the scale)


@dataclass
class DemoHistory(FilesReplay, HearingsReplay, ScenesReplay, FollowUpReplay):
    """The three years replayed: :meth:`build` puts everything on the calendar, then runs it."""

    def build(self) -> int:
        """Replay the years; returns how many files the commission holds."""
        rng = self.rng
        day0 = self.start - timedelta(days=30)  # the software's first day: the stock and the accounts
        taken = demo_start.take_over(self, day0)
        for place_id in taken.vacant:
            self.at(self.start + timedelta(days=rng.randint(0, 10)), partial(self.vacancy, place_id))
        created = Counter(self.start + timedelta(days=rng.randint(0, (self.today - self.start).days - 20))
                          for _ in range(FILES_PER_YEAR * (self.today - self.start).days // 365 * self.scale))
        for day, count in sorted(created.items()):
            self.at(day, partial(self.new_files, count=count))
        for year in range(day0.year + 1, self.today.year + 1):  # the fund opened with day0's year
            self.at(max(date(year, 2, 1), self.start), partial(self.contributions, year=year))
        held = [hearings.default_day(year, quarter) for year in range(self.start.year, self.today.year + 1)
                for quarter in range(1, 5)
                if self.start + timedelta(days=60) <= hearings.default_day(year, quarter) < self.today]
        for day in held:
            self.at(day - timedelta(days=45), partial(self.plan, year=day.year, quarter=hearings.quarter_of(day)))
        # an extraordinary hearing six weeks before the last quarterly one: a place that could not wait
        if len(held) >= 2:
            self.at(held[-1] - timedelta(days=62), partial(self.extraordinary, sitting=held[-1] - timedelta(days=42)))
        if held:  # and a written consultation a month before it, answered by the members, reported in its minutes
            self.at(held[-1] - timedelta(days=30), partial(demo_consultation.consult, self))
        # files of the last weeks: drafts, submissions being checked, files ready for the next agenda
        for back in (2, 5, 9, 13, 17, 26):
            self.at(self.today - timedelta(days=back), partial(self.new_files, count=1))
        # and two files whose last steps fall on fixed days: one returned for a missing item, one found
        # complete after the next agenda was frozen
        returned = ((20, "submit"), (12, "return_incomplete"))
        self.at(self.today - timedelta(days=28), partial(self._scene, steps=returned))
        self.at(self.today - timedelta(days=30), partial(self._scene, steps=((22, "submit"), (2, "mark_ready"))))
        # two apartments handed back in the last weeks: one let again, the other kept for the next hearing
        self.last_weeks()
        # the daily digests of the last days, kept in the outbox (mail is not configured in the demo)
        for back in (3, 2, 1, 0):
            self.at(self.today - timedelta(days=back), partial(digest.send_digests, self.session, None))
        self.next_hearing()
        self.run()
        return int(self.session.execute(select(func.count(Case.id))).scalar_one())

    def taken_over(self, case_id: int, day: date) -> None:
        self.at(day, partial(self.care_plan, case_id, "Suivi en place depuis l'entrée dans le logement."))
        self.at(self.leaves_on(max(day, self.start)), partial(self.exit, case_id))

    # ------------------------------------------------------------ files

    def ask_for_applications(self, kind: PlaceKind, day: date) -> None:
        self.at(self.later(day, 3, 10), partial(self._asked, kind))

    def _asked(self, kind: PlaceKind, day: date) -> None:
        """A care team files, for a person it follows, an application for the kind of place vacant; complete."""
        team = self.rng.choice(self.teams)
        case = cases.create_case(self.session, self.team_users.get(team.id, self.coordinator),
                                 demo_people.draw(self.rng, self.fake, team, self.towns, kind=kind.value).as_input(),
                                 today=day)
        case_id = case.id
        submitted = self.later(day, 2, 5)
        self.at(submitted, partial(self._fire_on, case_id, "submit", None, ""))
        self.at(self.later(submitted, 2, 5), partial(self._fire_on, case_id, "mark_ready", self.coordinator, ""))

    def _scene(self, day: date, *, steps: tuple[tuple[int, str], ...]) -> None:
        team = self.teams[0]
        case = cases.create_case(self.session, self.team_users.get(team.id, self.coordinator),
                                 demo_people.draw(self.rng, self.fake, team, self.towns).as_input(), today=day)
        case_id = case.id
        for days_before_today, trigger in steps:
            actor = None if trigger == "submit" else self.coordinator
            reason = self.rng.choice(MISSING) if trigger == "return_incomplete" else ""
            self.at(self.today - timedelta(days=days_before_today),
                    partial(self._fire_on, case_id, trigger, actor, reason))

    def _fire_on(self, case_id: int, trigger: str, actor: User | None, reason: str, day: date) -> None:
        self.fire(case_id, trigger, actor, day, reason=reason)
