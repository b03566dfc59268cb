"""The replay's follow-up of the people housed: the care plan written in the first weeks, home visits and
consultations at the plan's rhythm (written in bulk, a day's at once: :meth:`commission.demo_calendar.Replay.event`),
a phone call now and then, a hospitalisation, an incident, a resource meeting when one is serious, its actions
done; the follow-up's status as it goes."""

from __future__ import annotations

from datetime import date, timedelta
from functools import partial

from sqlalchemy import select

from commission.demo_calendar import Replay
from commission.demo_phrases import ACTIVITIES, ATTENDEES, INCIDENTS, MEETING_ACTIONS, MEETING_OUTCOMES, VISITS
from commission.models.accounts import User
from commission.models.cases import Case
from commission.models.followup import CarePlan, EventKind, MeetingAction, ResourceMeeting
from commission.services import followup
from commission.workflow.case import CASE_MACHINE
from commission.workflow.tags import Tag

LAGGING = 0.12  # about one person in eight is followed less closely in the last weeks: their follow-up is overdue
LAGGING_DAYS = 75


class FollowUpReplay(Replay):
    """The care teams' follow-up."""

    def housed(self, case_id: int, day: date) -> None:
        """The care team writes the care plan in the first weeks (a few teams are late with it)."""
        self.at(self.later(day, 3, 20 if self.rng.random() < 0.9 else 60),
                partial(self.care_plan, case_id, "Installation dans le logement accompagnée par l'équipe."))

    def _followed(self, case_id: int) -> Case | None:
        case = self.session.get(Case, case_id)
        return case if case is not None and CASE_MACHINE.means(case.state, Tag.FOLLOWED) else None

    def care_plan(self, case_id: int, note: str, day: date) -> None:
        case = self._followed(case_id)
        if case is None:
            return
        visits, consultations = self.rng.choice([14, 21, 30]), self.rng.choice([30, 60, 90])
        followup.save_care_plan(self.session, self.care(case), case_id, followup.CarePlanInput(
            referring_psychiatrist=case.referring_psychiatrist or f"Dr {self.fake.last_name()}",
            referring_nurse=case.referring_nurse or self.fake.name(), social_worker=case.social_worker,
            visit_every_days=str(visits), consultation_every_days=str(consultations),
            activities=self.rng.choice(ACTIVITIES), status="going_well", status_note=note), today=day)
        lagging = self.rng.random() < LAGGING
        self.at(self.later(day, 3, 10), partial(self._follow, case_id, visits, consultations, day, lagging))

    def _status(self, case_id: int, day: date, status: str, note: str) -> None:
        plan = self.session.get(CarePlan, case_id)
        if plan is None or plan.status.value == status:
            return
        case = self.session.get(Case, case_id)
        assert case is not None
        followup.save_care_plan(self.session, self.care(case), case.id, followup.CarePlanInput(
            referring_psychiatrist=case.referring_psychiatrist or "Dr Martin", referring_nurse=case.referring_nurse,
            social_worker=case.social_worker, visit_every_days=str(plan.visit_every_days or ""),
            consultation_every_days=str(plan.consultation_every_days or ""), activities=plan.activities,
            status=status, status_note=note), today=day)

    def _follow(self, case_id: int, visits: int, consultations: int, last_consultation: date, lagging: bool,
                day: date) -> None:
        found = self.session.execute(select(Case.state, Case.care_team_id).where(Case.id == case_id)).first()
        if found is None or not CASE_MACHINE.means(found.state, Tag.FOLLOWED) \
                or (lagging and (self.today - day).days < LAGGING_DAYS):
            return
        actor, rng = self.team_users.get(found.care_team_id, self.coordinator), self.rng
        self.event(actor, case_id, day, EventKind.VISIT, rng.choice(VISITS))
        if (day - last_consultation).days >= consultations - 7:
            self.event(actor, case_id, day, EventKind.CONSULTATION, "Consultation au CMP")
            last_consultation = day
        roll = rng.random()
        if roll < 0.08:
            self.event(actor, case_id, day, EventKind.PHONE_CALL, "Point téléphonique avec la curatrice")
        elif roll < 0.11:  # less routine: through the follow-up's service
            followup.record_event(self.session, actor, case_id, followup.EventInput(
                kind="hospitalisation", occurred_on=day.isoformat(), summary="Hospitalisation de courte durée",
                action_taken="Visites maintenues"), today=day)
            self._status(case_id, day, "needs_attention", "Retour à domicile après une courte hospitalisation.")
        elif roll < 0.16:
            self._incident(case_id, actor, day)
        elif roll < 0.30:
            self._status(case_id, day, "going_well", "La situation s'est apaisée.")
        self.at(day + timedelta(days=visits + rng.randint(-3, 4)),
                partial(self._follow, case_id, visits, consultations, last_consultation, lagging))

    def _incident(self, case_id: int, actor: User, day: date) -> None:
        rng = self.rng
        kind, note, action = rng.choice(INCIDENTS)
        serious = rng.random() < 0.35
        incident = followup.record_event(self.session, actor, case_id, followup.EventInput(
            kind="incident", occurred_on=day.isoformat(), incident_kind=kind, serious=serious, summary=note,
            action_taken=action), today=day)
        if not serious:
            self._status(case_id, day, "needs_attention", "Quelques difficultés, suivies par l'équipe.")
            return
        self._status(case_id, day, "at_risk", "Difficultés dans le logement\u00a0: une cellule ressource se réunit.")
        meeting_day = self.later(day, 7, 15)
        followup.call_meeting(self.session, actor, case_id, followup.MeetingInput(
            meeting_date=meeting_day.isoformat(), attendees=rng.choice(ATTENDEES),
            incident_id=str(incident.id)), today=day)
        self.at(meeting_day, partial(self._meeting_held, case_id))

    def _meeting_held(self, case_id: int, day: date) -> None:
        case = self.session.get(Case, case_id)
        if case is None:
            return
        meeting = self.session.execute(
            select(ResourceMeeting).where(ResourceMeeting.case_id == case_id, ResourceMeeting.held.is_(False))
            .order_by(ResourceMeeting.id)).scalars().first()
        if meeting is None:
            return
        actions = self.rng.sample(MEETING_ACTIONS, 2)
        followup.record_meeting_outcome(self.session, self.care(case), meeting.id, followup.MeetingInput(
            outcome=self.rng.choice(MEETING_OUTCOMES), person_included=self.rng.random() < 0.8,
            actions=[followup.ActionInput(what, who, self.later(day, 10, 30).isoformat()) for what, who in actions],
        ), today=day)
        for action in self.session.execute(
                select(MeetingAction).where(MeetingAction.meeting_id == meeting.id)).scalars().all():
            if self.rng.random() < 0.85:
                self.at(self.later(day, 5, 40), partial(self._action_done, case_id, action.id))

    def _action_done(self, case_id: int, action_id: int, day: date) -> None:
        case = self.session.get(Case, case_id)
        action = self.session.get(MeetingAction, action_id)
        if case is None or action is None or action.done_on is not None:
            return
        followup.complete_action(self.session, self.care(case), action_id, today=day)
