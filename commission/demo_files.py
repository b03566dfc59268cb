"""The replay's new files, before any hearing: care teams file applications, submit them, send back what was
missing; the coordinator checks them (complete, or returned with what is missing); a few people withdraw.

These first steps are many (every file takes three or more) and the services' own checks (the form's parsing,
who may take a step) are not what the demo shows: a day's files are written in bulk, and a day's steps are taken
together, each through the case machine itself (its guards and effects), their records and audit entries written
in one batch (:mod:`.demo_bulk`), as the case service writes them one at a time.
"""

from __future__ import annotations

from datetime import date, timedelta
from functools import partial

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from commission import clock, demo_people
from commission.demo_bulk import Step, record_steps
from commission.demo_calendar import DueStep, Replay
from commission.demo_phrases import MISSING, WITHDRAWALS
from commission.models.accounts import User
from commission.models.cases import Case, CaseTransition
from commission.workflow import engine
from commission.workflow.case import CASE_MACHINE
from commission.workflow.tags import Tag

RETURNED = 0.3  # files returned as incomplete at their first check
WITHDRAWN = 0.05  # people who withdraw while their file waits
DRAFTS = 0.3  # files of the last month still drafts


class FilesReplay(Replay):
    """New files and their first steps, a day's at once."""

    def new_files(self, day: date, count: int) -> None:
        """A day's new applications, each filed by a care team for a person it follows; most are submitted
        within three weeks."""
        people = [demo_people.draw(self.rng, self.fake, self.rng.choice(self.teams), self.towns) for _ in range(count)]
        filers = [self.team_users.get(person.team.id, self.coordinator) for person in people]
        draft = CASE_MACHINE.initial
        case_ids = demo_people.insert_files(self.session, people, [
            {"state": draft, "version": 1, "created_by_id": filer.id, "consent_date": day} for filer in filers])
        record_steps(self.session, CaseTransition, [
            Step(filer, "create", None, draft, "case", case_id, {"case_id": case_id, "case_version": 1, "comment": ""},
                 extra={"comment": ""}) for case_id, filer in zip(case_ids, filers, strict=True)])
        for case_id, filer in zip(case_ids, filers, strict=True):
            if day > self.today - timedelta(days=30) and self.rng.random() < DRAFTS:
                continue  # still a draft
            self.file_step(self.later(day, 3, 20), case_id, "submit", filer)

    def file_step(self, day: date, case_id: int, trigger: str, actor: User, reason: str = "",
                  comment: str = "") -> None:
        """A file's step, taken with the others of its day."""
        due = self.steps_due.setdefault(day, [])
        if not due:
            self.at(day, self._take_steps)
        due.append(DueStep(case_id, trigger, actor, reason, comment))

    def _take_steps(self, day: date) -> None:
        due = self.steps_due.pop(day, [])
        found = {case.id: case for case in self.session.execute(
            select(Case).options(selectinload(Case.wished_towns)).where(Case.id.in_({step.case_id for step in due}))
        ).scalars()}
        taken: list[tuple[Case, DueStep, engine.Fired]] = []
        for step in due:
            case = found[step.case_id]
            context = engine.FireContext(actor=step.actor, today=day, reason=step.reason, comment=step.comment)
            if engine.refusals(CASE_MACHINE, case, step.trigger, context):
                continue  # withdrawn meanwhile, say: the step is no longer offered
            taken.append((case, step, engine.fire(CASE_MACHINE, case, step.trigger, context)))
        self.session.flush()  # each file's version moves on with its step
        record_steps(self.session, CaseTransition, [
            Step(step.actor, step.trigger, fired.source, fired.dest, "case", case.id,
                 {"case_id": case.id, "case_version": case.version, "comment": step.comment}, reason=step.reason,
                 extra={"comment": step.comment}, at=clock.now())
            for case, step, fired in taken])
        for case, step, _fired in taken:
            self._after_step(case, step.trigger, day)

    def _after_step(self, case: Case, trigger: str, day: date) -> None:
        rng = self.rng
        if trigger == "submit" and rng.random() < WITHDRAWN:
            self.at(self.later(day, 10, 60), partial(self._withdraw, case.id))
        if trigger in ("submit", "resubmit"):
            check = self.later(day, 3, 12)
            if rng.random() < RETURNED and not case.missing_items:
                self.file_step(check, case.id, "return_incomplete", self.coordinator, reason=rng.choice(MISSING))
            else:
                self.file_step(check, case.id, "mark_ready", self.coordinator)
        elif trigger == "return_incomplete":
            self.file_step(self.later(day, 7, 30), case.id, "resubmit", self.care(case),
                           comment="Pièce ajoutée au dossier")

    def _withdraw(self, case_id: int, day: date) -> None:
        case = self.session.get(Case, case_id)
        if case is not None and CASE_MACHINE.means(case.state, Tag.OPEN_APPLICATION):
            self.fire(case_id, "withdraw", None, day, reason=self.rng.choice(WITHDRAWALS))
