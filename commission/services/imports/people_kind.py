"""The people's import: one row per person, with their file in its current state and the history known, dated.

Each row goes through the services the forms use: the application's own service creates the file as a draft
(the same parsing and rules as the form: names, birth date, contact details, resources, consent); then the case
machine's import step brings it to the state the row gives (:mod:`commission.services.import_steps`), after the
dated steps known of its history (filed, decided, moved in, left), recorded as the machine's own steps. A file
that holds a place (an offer accepted, moving in, housed) names it: the place arrives offered or occupied through
the place machine's import step, held by this file only, and a person housed has their occupancy from the day they
moved in.

The medical part is never imported: it is a care record, written by the person's care team in the form that
keeps it apart (its own table, its own right to read), and a spreadsheet passed from hand to hand is no place for
it. A file imported without it is complete for the commission; the care team adds it in the file.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date

from sqlalchemy import select

from commission.i18n import N_, msg
from commission.models.cases import Case, CaseTransition
from commission.models.housing import Place
from commission.models.reference import CareTeam
from commission.models.tenancy import LeaseKind, Occupancy
from commission.services import import_steps
from commission.services.cases.editing import CaseInput, create_case
from commission.services.imports.kinds import (
    Column,
    ImportContext,
    Kind,
    date_value,
    flag_value,
    normalised,
    register,
    state_value,
    text,
)
from commission.services.unit import flush, locked
from commission.workflow import case_import
from commission.workflow.case import CASE_MACHINE
from commission.workflow.place import PLACE_MACHINE
from commission.workflow.tags import Tag

KIND = "people"


COLUMNS = (
    Column("last_name", N_("Last name"), required=True, parse=text(100), example="Martin",
           synonyms=("nom", "nom de famille", "nom de naissance")),
    Column("first_name", N_("First name"), required=True, parse=text(100), example="Claire",
           synonyms=("prénom", "prenom")),
    Column("birth_date", N_("Birth date"), required=True, parse=date_value(), example="1980-04-12",
           synonyms=("date de naissance", "né le", "née le")),
    Column("care_team", N_("Care team"), required=True, parse=text(200), example="CMP Nord",
           synonyms=("équipe", "équipe soignante", "équipe de soins"), fields=("care_team_id",),
           help=N_("The care team's name, as the council's settings list it.")),
    Column("state", N_("State of the file"), required=True, parse=state_value(CASE_MACHINE, refused=N_(
               "A file cannot arrive in this state (on an agenda, heard, an offer awaiting its answer, an exit under "
               "way): import it in the state before and take the next step in the application.")), example="Logé",
           synonyms=("état", "état du dossier", "statut", "situation du dossier"),
           help=N_("Draft, submitted, incomplete, ready, waiting list, deferred, refused, offer accepted, moving "
                   "in, housed, closed or withdrawn.")),
    Column(case_import.SUBMITTED_ON, N_("Submitted on"), parse=date_value(), example="2021-03-02",
           synonyms=("date de dépôt", "déposé le", "date de la demande")),
    Column(case_import.DECIDED_ON, N_("Decision date"), parse=date_value(), example="2021-06-15",
           synonyms=("date de la décision", "décision le", "date de la commission"),
           help=N_("The commission's decision (or the day the file was returned as incomplete, marked complete, "
                   "withdrawn).")),
    Column(case_import.MOVED_IN_ON, N_("Moved in on"), parse=date_value(), example="2021-09-01",
           synonyms=("date d'entrée", "entrée le", "date d'emménagement")),
    Column(case_import.EXIT_ON, N_("Exit date"), parse=date_value(), example="",
           synonyms=("date de sortie", "sortie le")),
    Column("place", N_("Place"), parse=text(100), example="LOG-001",
           synonyms=("logement", "référence du logement", "ref logement"),
           help=N_("The reference of the place the person holds or held (the places' import or the stock).")),
    Column("reason", N_("Reason"), parse=text(5000), example="",
           synonyms=("motif", "raison", "pièces manquantes"),
           help=N_("What is missing, what the commission awaits, why it refused, why the person withdrew.")),
    Column("phone", N_("Phone"), parse=text(40), synonyms=("téléphone", "tel")),
    Column("email", N_("E-mail"), parse=text(200), synonyms=("courriel", "mail", "adresse électronique")),
    Column("address", N_("Address"), parse=text(300), synonyms=("adresse",)),
    Column("monthly_resources", N_("Monthly resources"), parse=text(40), example="850",
           synonyms=("ressources", "ressources mensuelles")),
    Column("referring_psychiatrist", N_("Referring psychiatrist"), parse=text(200),
           synonyms=("psychiatre", "psychiatre référent")),
    Column("project", N_("Care and reintegration project"), parse=text(20_000), synonyms=("projet",)),
    Column("consent_given", N_("Consent given"), parse=flag_value(), example="oui",
           synonyms=("consentement",)),
    Column("consent_date", N_("Consent date"), parse=date_value(), synonyms=("date du consentement",)),
)


def _care_team(ctx: ImportContext, name: str) -> CareTeam:
    wanted = normalised(name)
    for team in ctx.session.execute(select(CareTeam).order_by(CareTeam.id)).scalars():
        if normalised(team.name) == wanted:
            return team
    ctx.refuse("care_team", msg("No care team is named “%(name)s”.", name=name))


def find_place(ctx: ImportContext, column: str, reference: str) -> Place:
    """A place by the reference the places' import gave it, or its own reference in the stock."""
    place_id = ctx.lookup("places", reference)
    query = select(Place).where(Place.id == place_id) if place_id is not None \
        else select(Place).where(Place.reference == reference)
    place = ctx.session.execute(locked(query)).scalar_one_or_none()
    if place is None:
        ctx.refuse(column, msg("No place has the reference “%(reference)s”.", reference=reference))
    return place


def _dates(ctx: ImportContext, state: str, values: Mapping[str, object]) -> dict[str, date | None]:
    days: dict[str, date | None] = {}
    for key in case_import.DATED:
        day = values.get(key)
        days[key] = day if isinstance(day, date) else None
    allowed, previous = case_import.days_of(state), None
    for key in case_import.DATED:
        day = days[key]
        if day is None:
            if key in case_import.days_required(state):
                ctx.refuse(key, msg("Give this date for a file in this state."))
            continue
        if key not in allowed:
            ctx.refuse(key, msg("This date does not go with the file's state: leave it empty or correct the state."))
        if day > ctx.today and not case_import.may_be_in_future(state, key):
            ctx.refuse(key, msg("This date is in the future."))
        if previous is not None and day < previous:
            ctx.refuse(key, msg("This date comes before an earlier step of the file (%(date)s).",
                                date=previous.isoformat()))
        previous = day
    return days


def _held_place(ctx: ImportContext, state: str, reference: str | None) -> Place | None:
    if reference is None:
        if case_import.needs_place(state):
            ctx.refuse("place", msg("Give the reference of the place this file holds."))
        return None
    if not case_import.may_name_place(state):
        ctx.refuse("place", msg("A file in this state holds no place: leave it empty or correct the state."))
    place = find_place(ctx, "place", reference)
    if not case_import.needs_place(state):
        return place
    holder = ctx.session.execute(
        select(Case.id).where(Case.allocated_place_id == place.id,
                              Case.state.in_(CASE_MACHINE.tagged(Tag.HOLDS_PLACE)))
    ).scalars().first()
    if holder is not None:
        ctx.refuse("place", msg("This place is already held by another file."))
    if place.state != PLACE_MACHINE.initial:
        ctx.refuse("place", msg("This place is not available: it is “%(state)s”.",
                                state=msg(PLACE_MACHINE.state(place.state).label)))
    return place


def _reason(ctx: ImportContext) -> str:
    return str(msg("Imported from a spreadsheet (line %(line)s).", line=ctx.row))


def _apply(ctx: ImportContext, values: Mapping[str, object]) -> int:
    state = str(values["state"])
    team = _care_team(ctx, str(values["care_team"]))
    days = _dates(ctx, state, values)
    reason = str(values.get("reason") or "")
    needed = case_import.reason_needed(state)
    if needed is not None and not reason.strip():
        ctx.refuse("reason", needed)
    place = _held_place(ctx, state, str(values["place"]) if values.get("place") else None)
    birth = values["birth_date"]
    consent_day = values.get("consent_date")

    def cell(name: str) -> str:
        value = values.get(name)
        return "" if value is None else str(value)

    case = create_case(ctx.session, ctx.actor, CaseInput(
        first_name=cell("first_name"), last_name=cell("last_name"),
        birth_date=birth.isoformat() if isinstance(birth, date) else cell("birth_date"),
        phone=cell("phone"), email=cell("email"), address=cell("address"),
        monthly_resources=cell("monthly_resources"), referring_psychiatrist=cell("referring_psychiatrist"),
        project=cell("project"), consent_given=bool(values.get("consent_given")),
        consent_date=consent_day.isoformat() if isinstance(consent_day, date) else "",
        care_team_id=str(team.id),
    ), today=ctx.today)
    _bring(ctx, case, state, days, place, reason)
    return case.id


def _bring(ctx: ImportContext, case: Case, state: str, days: dict[str, date | None], place: Place | None,
           reason: str) -> None:
    """The file's known history, its import step, and its place's."""
    session, actor = ctx.session, ctx.actor
    known = [import_steps.Known(step.trigger, step.source, step.dest, day) for step in case_import.past(state)
             if (day := days[step.day]) is not None]
    note = _reason(ctx)
    if known:
        # The file was created on paper by its first known day at the latest: its creation's record says so.
        created = session.execute(select(CaseTransition).where(CaseTransition.case_id == case.id)).scalars().first()
        if created is not None:
            created.at = import_steps.moment(min(item.on for item in known)) or created.at
    for item in known:
        import_steps.recall(session, actor, case, [item], reason=reason if item.dest == state else note)
    arrived = max((item.on for item in known if item.on <= ctx.today), default=None)
    import_steps.arrive(session, actor, case, state, on=arrived, today=ctx.today, reason=note, values={
        "submitted_at": import_steps.moment(days[case_import.SUBMITTED_ON]), "place": place,
        "decision_on": days[case_import.DECIDED_ON], "moved_in_on": days[case_import.MOVED_IN_ON],
        "reason": reason,
    })
    place_state = case_import.place_state(state)
    if place is None or place_state is None:
        return
    import_steps.arrive(session, actor, place, place_state, on=arrived, today=ctx.today, reason=note)
    place.vacant_since = None
    if case_import.lives_there(state):
        move_in = days[case_import.MOVED_IN_ON]
        assert move_in is not None
        session.add(Occupancy(place_id=place.id, case_id=case.id, lease_kind=LeaseKind.DIRECT, lease_start=move_in,
                              move_in_date=move_in))
    flush(session)


PEOPLE = register(Kind(
    name=KIND,
    label=N_("People and their files"),
    description=N_("One row per person: who they are, their care team, the state of their file and the dates "
                   "known of its history; the place they hold, if any. Never the medical part: the care team "
                   "writes it in the file."),
    object_type="case",
    order=50,
    columns=COLUMNS,
    apply=_apply,
))
