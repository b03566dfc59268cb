"""Every page, for every role and for an anonymous visitor: allowed, refused, or sent to login.

A test fails when a page is added without being placed in the matrix.
"""

from __future__ import annotations

from datetime import date, timedelta
from functools import cache
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from commission import clock
from commission.models import Agreement, Deposit, MeetingAction, OutgoingLetter, Place, PlaceKind, SentMail
from commission.services import accounts, cases, commitments, consultations, digest, followup, hearings, treasury, unit
from commission.storage import DocumentStore
from tests.cases_helpers import new_case
from tests.conftest import PASSWORD, WORLD, World, is_postgres, load_world, logged_in, login, post_form
from tests.databases import Builder, Ids, Restored, Scenario
from tests.followup_helpers import MOVE_IN, housed
from tests.hearings_helpers import closed, ready_case, sitting

ALL = {"coordinator", "care_a", "care_b", "chair", "member", "treasurer", "landlord_a", "dpo"}
# Those who take part in the commission's work: all but the data-protection officer, who reads the logs only.
STAFF = ALL - {"dpo"}
LOGS = {"coordinator", "dpo"}  # the audit trail and the access review
CASE_TEAM = {"coordinator", "care_a"}  # the file below belongs to care_a's team
DASHBOARD = {"coordinator", "chair", "member", "treasurer"}  # figures only; the records behind, per role
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def everyone_but(*roles: str) -> set[str]:
    return STAFF - set(roles)


# path template -> roles allowed (200); every other role gets 403, anonymous gets sent to login.
PAGES: dict[str, set[str]] = {
    "/": ALL,
    "/account/password": ALL,
    "/account/two-factor": ALL,
    "/account/sessions": ALL,
    "/places": everyone_but("care_a", "care_b"),
    "/places/{place_a}": everyone_but("care_a", "care_b"),
    "/reference": everyone_but("care_a", "care_b", "landlord_a"),
    "/admin/users": {"coordinator"},
    "/admin/users/new": {"coordinator"},
    # the integration API's tokens and the notices sent through it: the coordinator
    "/integrations": {"coordinator"},
    "/integrations/new": {"coordinator"},
    "/integrations/{api_token}/revoke": {"coordinator"},
    "/integrations/{api_token}/edit": {"coordinator"},
    "/admin/audit": LOGS,
    "/access-review": LOGS,
    "/cases": {"coordinator", "care_a", "care_b"},
    "/cases/new": {"coordinator", "care_a", "care_b"},
    "/cases/{case}": CASE_TEAM,
    "/cases/{case}/edit": CASE_TEAM,
    "/cases/{case}/medical": CASE_TEAM,
    "/cases/{case}/orientations/new": CASE_TEAM,
    "/cases/{case}/documents/{document}": CASE_TEAM,
    "/workflow": STAFF,
    "/search": STAFF,
    "/hearings": STAFF,
    "/hearings/new": {"coordinator"},
    "/hearings/{hearing}": STAFF,
    "/hearings/{hearing}/edit": {"coordinator"},
    "/hearings/{hearing}/session": {"coordinator", "chair"},
    "/hearings/{hearing}/session/items/{item}": {"coordinator", "chair"},
    # the room's screen: those who run the session, and the members present (the landlord was excused)
    "/hearings/{hearing}/room": {"coordinator", "chair", "member"},
    "/hearings/{hearing}/room.json": {"coordinator", "chair", "member"},
    "/hearings/usual-reasons": {"coordinator"},
    "/hearings/{hearing}/agenda.pdf": STAFF,
    "/hearings/{hearing}/convocations.pdf": {"coordinator"},
    "/hearings/{hearing}/invitations.zip": {"coordinator"},
    "/hearings/{closed}/minutes": {"coordinator", "chair"},
    "/hearings/{signed}/minutes.pdf": STAFF,
    "/places/new": {"coordinator"},
    "/places/{place_a}/edit": {"coordinator"},
    "/places/vacancies": {"coordinator"},
    "/partners": {"coordinator"},
    "/partners/new": {"coordinator"},
    "/partners/{landlord_b}/edit": {"coordinator"},
    "/directory": STAFF,
    "/directory/new": {"coordinator", "care_a", "care_b"},
    "/directory/{structure}": STAFF,
    "/directory/{structure}/edit": {"coordinator", "care_a", "care_b"},
    "/directory/guide.pdf": STAFF,
    "/directory/export.csv": STAFF,
    "/directory/export.xlsx": STAFF,
    "/agreements": {"coordinator"},
    "/agreements/new": {"coordinator"},
    "/agreements/{agreement}": {"coordinator"},
    "/agreements/{agreement}/edit": {"coordinator"},
    # the prospects: the coordinator and the accounts seated in the sub-group (none is seated here)
    "/subgroup/prospects": {"coordinator"},
    "/subgroup/prospects/new": {"coordinator"},
    "/subgroup/prospects/diagram": {"coordinator"},
    "/subgroup/prospects/{prospect}": {"coordinator"},
    "/subgroup/prospects/{prospect}/edit": {"coordinator"},
    "/agreements/{agreement}/documents/{agreement_document}": {"coordinator"},
    "/cases/{allocated}/offer.pdf": {"coordinator", "care_a"},
    # the three-party commitment: whoever reads the file; its text is edited by the person's team and the coordinator
    "/cases/{allocated}/commitment": CASE_TEAM,
    "/cases/{allocated}/commitment.pdf": CASE_TEAM,
    "/cases/{allocated}/commitment/{commitment}/edit": CASE_TEAM,
    "/deposits/{deposit}/commitment.pdf": {"coordinator", "treasurer", "landlord_a", "member"},
    "/treasury": {"coordinator", "treasurer"},
    "/treasury/deposits": {"coordinator", "treasurer", "landlord_a"},
    "/treasury/deposits/{deposit}": {"coordinator", "treasurer", "landlord_a", "member"},
    "/treasury/contributions": {"coordinator", "treasurer"},
    "/treasury/contributions/2026": {"coordinator", "treasurer"},
    "/treasury/contributions/2026/settings": {"coordinator", "treasurer"},
    "/treasury/ledger": {"coordinator", "treasurer"},
    "/treasury/ledger/2026": {"coordinator", "treasurer"},
    "/treasury/ledger/2026.csv": {"coordinator", "treasurer"},
    "/treasury/ledger/2026.xlsx": {"coordinator", "treasurer"},
    "/treasury/statement": {"coordinator", "treasurer"},
    "/treasury/statement/2026": {"coordinator", "treasurer"},
    "/treasury/statement/2026.csv": {"coordinator", "treasurer"},
    "/treasury/statement/2026.xlsx": {"coordinator", "treasurer"},
    "/treasury/statement/2026.pdf": {"coordinator", "treasurer"},
    "/treasury/expenses/new": {"treasurer"},
    "/treasury/ledger/entries/{entry}/correct": {"treasurer"},
    "/cases/{housed}/followup": CASE_TEAM,
    "/cases/{housed}/followup/plan": CASE_TEAM,
    "/cases/{housed}/followup/meetings/new": CASE_TEAM,
    "/cases/{housed}/followup/meetings/{meeting}": CASE_TEAM,
    "/cases/{housed}/exit": {"coordinator"},
    "/dashboard": DASHBOARD,
    "/dashboard/{year}": DASHBOARD,
    "/dashboard/{year}/figures/places": DASHBOARD,
    "/dashboard/{year}/figures/waiting_list": {"coordinator"},
    "/dashboard/{year}/figures/deposits": {"coordinator", "treasurer"},
    "/dashboard/{year}/figures/renewals": {"coordinator"},
    "/reports/annual": DASHBOARD,
    "/reports/annual/{year}.pdf": DASHBOARD,
    "/outbox": {"coordinator"},
    # the housing sub-group's workspace and registers: the coordinator, and the accounts seated in it (none here:
    # tests/web/test_subgroup_access.py seats them)
    "/subgroup": {"coordinator"},
    "/subgroup/mail": {"coordinator"},
    "/subgroup/mail/new": {"coordinator"},
    "/subgroup/mail/{mail_entry}": {"coordinator"},
    "/subgroup/mail/{mail_entry}/edit": {"coordinator"},
    "/subgroup/mail/{mail_entry}/documents/{mail_document}": {"coordinator"},
    "/council": {"coordinator"},
    "/letters/print-runs": {"coordinator"},
    "/outbox/{mail}": {"coordinator"},
    # the sub-group's members and meetings: the coordinator, and the accounts seated in it (none here)
    "/subgroup/members": {"coordinator"},
    "/subgroup/members/new": {"coordinator"},
    "/subgroup/members/{sg_member}/edit": {"coordinator"},
    "/subgroup/meetings": {"coordinator"},
    "/subgroup/meetings/new": {"coordinator"},
    "/subgroup/meetings/{sg_meeting}": {"coordinator"},
    "/subgroup/meetings/{sg_meeting}/edit": {"coordinator"},
    "/letters/texts": {"coordinator"},
    "/letters/texts/refusal/person": {"coordinator"},
    # the register of outgoing mail: the coordinator; a letter about a file, to its team too
    "/letters": {"coordinator"},
    "/letters/{letter}": {"coordinator", "care_a"},
    "/letters/{letter}.pdf": {"coordinator", "care_a"},
    "/consultations": STAFF,
    "/consultations/new": {"coordinator"},
    # the coordinator, and the voting members consulted (the treasurer sits without a vote)
    "/consultations/{consultation}": {"coordinator", "chair", "member", "landlord_a"},
    # imports from spreadsheets: the coordinator (a file kept for the coordinator, its columns; the templates)
    "/imports": {"coordinator"},
    "/imports/{import_token}": {"coordinator"},
    "/imports/templates/{import_kind}.csv": {"coordinator"},
    "/imports/templates/{import_kind}.xlsx": {"coordinator"},
}

# Pages anyone may see, logged in or not.
PUBLIC = {"/login", "/api/v1/openapi.json"}
# The integration API: a bearer token, never a session (tests/test_api.py, tests/test_api_schema.py); a logged-in
# user's cookie opens none of it.
BEARER = {"/api/v1/places", "/api/v1/places/{place_a}", "/api/v1/applications", "/api/v1/applications/D-2026-00001",
          "/api/v1/ledger", "/api/v1/events"}
# The second step of a login: without a password just given, it sends back to the login page.
LOGIN_STEPS = {"/login/code"}

# Actions (POST only): the roles allowed to perform them, and what the form sends.
ACTIONS: dict[str, tuple[set[str], dict[str, str]]] = {
    "/council/logo": ({"coordinator"}, {}),  # no file: refused with a message (302), the others 403
    "/imports": ({"coordinator"}, {"kind": "partners"}),  # no file: refused with a message (302)
    "/imports/{import_token}/check": ({"coordinator"}, {}),  # the dry run's report (200), the columns proposed
    "/imports/{import_token}/apply": ({"coordinator"}, {}),
    "/council/logo/remove": ({"coordinator"}, {"version": "0"}),
    "/letters/print-runs": ({"coordinator"}, {}),  # nothing to print: refused with a message (302)
    "/subgroup/mail/new": ({"coordinator"}, {
        "direction": "incoming", "correspondent": "Préfecture du Nord", "correspondent_kind": "authority",
        "subject": "Enquête annuelle", "dated_on": "2026-01-08", "registered_on": "2026-01-12"}),
    "/subgroup/mail/{mail_entry}/edit": ({"coordinator"}, {
        "correspondent": "ARS Hauts-de-France", "correspondent_kind": "authority", "subject": "Bilan",
        "summary": "Corrigé", "dated_on": "2026-01-08", "registered_on": "2026-01-10", "answer_due": "2026-02-10",
        "version": "{mail_version}"}),
    "/subgroup/mail/{mail_entry}/answer": ({"coordinator"}, {"answered_on": "2026-01-20", "answer_note": "Au téléphone",
                                                             "version": "{mail_version}"}),
    "/subgroup/mail/{mail_entry}/documents": ({"coordinator"}, {}),  # no file: refused with a message (302)
    "/letters/{letter}/send-again": ({"coordinator"}, {}),  # not refused by the mail server: a message (302)
    "/admin/users/{member}/active": ({"coordinator"}, {"active": "1"}),
    "/integrations/new": ({"coordinator"}, {"name": "Habitat A", "kind": "landlord", "organisation": "{landlord_b}",
                                            "scopes": "places:read", "expires_on": "{api_expiry}"}),
    "/integrations/{api_token}/revoke": ({"coordinator"}, {}),
    "/integrations/{api_token}/edit": ({"coordinator"}, {"name": "Extranet", "scopes": "places:read",
                                                         "expires_on": "{api_expiry}", "version": "1"}),
    "/integrations/notices/{api_notice}/confirm": ({"coordinator"}, {}),
    "/integrations/notices/{api_notice}/dismiss": ({"coordinator"}, {}),
    "/admin/users/{member}/delegation": ({"coordinator"}, {}),
    "/admin/users/{member}/two-factor/reset": ({"coordinator"}, {"confirm": "1"}),
    "/account/two-factor/recovery-codes": (ALL, {}),
    "/account/two-factor/disable": (ALL, {}),
    "/cases/{case}/steps/withdraw": (CASE_TEAM, {"reason": "Moved away", "version": "{version}"}),
    "/cases/{case}/documents": (CASE_TEAM, {"kind": "other"}),
    "/cases/{case}/medical": ({"care_a"}, {"treatment": "x"}),
    "/cases/{case}/orientations/new?structure={structure_o}": (CASE_TEAM, {
        "structure_id": "{structure_o}", "reason": "Lien social", "consent_on": "2026-01-01", "sent_on": "2026-01-01"}),
    "/cases/{case}/orientations/{orientation}/steps/accept": (CASE_TEAM, {"on": "2026-01-02",
                                                                          "version": "{orientation_version}"}),
    "/hearings/plan-year": ({"coordinator"}, {"year": "2027"}),
    "/places/{place_b}/steps/withdraw": ({"coordinator"}, {"reason": "Works", "version": "{place_version}"}),
    "/partners/{landlord_b}/active": ({"coordinator"}, {"active": "1"}),
    "/directory/{structure}/active": ({"coordinator", "care_a", "care_b"}, {"active": "0",
                                                                           "version": "{structure_version}"}),
    "/agreements/{agreement}/places": ({"coordinator"}, {"place_ids": "{place_a}"}),
    "/agreements/{agreement}/places/{covered}/detach": ({"coordinator"}, {}),
    "/agreements/{agreement}/end": ({"coordinator"}, {"ended_on": "2026-01-01", "note": "Ended"}),
    "/agreements/{agreement}/documents": ({"coordinator"}, {"kind": "other"}),  # no file: refused (302)
    "/subgroup/prospects/{prospect}/steps/abandon": ({"coordinator"}, {"on": "2026-01-01", "note": "Plus de place",
                                                                       "version": "{prospect_version}"}),
    "/subgroup/prospects/{prospect}/sign": ({"coordinator"}, {
        "reference": "CONV-P", "title": "Convention P", "start_date": "2026-01-01", "end_date": "", "renewal": "none",
        "notice_months": "0", "signed_on": "2026-01-01", "version": "{prospect_version}"}),
    "/treasury/deposits/{deposit}/steps/cancel": ({"treasurer"}, {"reason": "Fell through",
                                                                  "expected_version": "{deposit_version}"}),
    "/treasury/contributions/2026/open": ({"treasurer"}, {}),
    "/treasury/contributions/2026/settings": ({"coordinator"}, {"version": "0", "rate": "0,40", "add": "{landlord_b}",
                                                                "add-base": "fixed", "add-amount": "100"}),
    "/treasury/expenses/new": ({"treasurer"}, {"amount": "12,00", "value_date": "2026-03-02", "label": "Keys",
                                               "method": "transfer", "reference": ""}),
    "/hearings/{hearing}/steps/close": ({"coordinator", "chair"}, {"version": "{hearing_version}"}),
    "/hearings/{hearing}/agenda/build": ({"coordinator"}, {}),
    "/hearings/{hearing}/session/attendees": ({"coordinator", "chair"}, {"name": "Mme Roux", "capacity": "UDAF"}),
    "/hearings/usual-reasons": ({"coordinator"}, {"decision": "refuse", "text": "Orientation vers une MAS"}),
    "/hearings/usual-reasons/{reason}": ({"coordinator"}, {"text": "Projet de soin à construire avec la personne"}),
    "/hearings/usual-reasons/{reason}/active": ({"coordinator"}, {"active": "0"}),
    "/subgroup/members/new": ({"coordinator"}, {"name": "M. Lemaire", "capacity": "Représentant de l'UNAFAM",
                                                "joined_on": "2026-02-01"}),
    "/subgroup/members/{sg_member}/edit": ({"coordinator"}, {
        "name": "Mme Roux", "capacity": "Maire adjointe de Ronchin", "joined_on": "2026-01-05",
        "version": "{sg_member_version}"}),
    "/subgroup/members/{sg_member}/leave": ({"coordinator"}, {"left_on": "2026-06-30",
                                                             "version": "{sg_member_version}"}),
    "/subgroup/meetings/new": ({"coordinator"}, {"held_on": "2026-04-02", "location": "Mairie de Lesquin"}),
    "/subgroup/meetings/{sg_meeting}/edit": ({"coordinator"}, {
        "held_on": "2026-03-05", "location": "Mairie de Ronchin", "notes": "Deux entrées.",
        "attendees": "m-{sg_member}", "version": "{sg_meeting_version}"}),
    "/subgroup/meetings/{sg_meeting}/actions": ({"coordinator"}, {"description": "Relancer Habitat A",
                                                                  "owner": "m-{sg_member}", "due_on": "2026-04-01"}),
    "/subgroup/actions/{sg_action}/done": ({"coordinator"}, {"done_on": "2026-03-20", "outcome": "Fait",
                                                             "version": "{sg_action_version}"}),
    "/cases/{housed}/followup/events": (CASE_TEAM, {"kind": "phone_call", "occurred_on": "2026-05-02"}),
    "/cases/{housed}/followup/actions/{action}/done": (CASE_TEAM, {"done_on": "2026-05-03"}),
    "/persons/{applicant}/export": ({"coordinator"}, {}),
    "/cases/{allocated}/commitment/draft": (CASE_TEAM, {}),
    "/cases/{allocated}/commitment/{commitment}/signatures": (CASE_TEAM, {
        "party": "person", "signed_on": "2026-09-18", "version": "{commitment_version}"}),
    "/cases/{allocated}/commitment/{commitment}/signed-copy": (CASE_TEAM, {"version": "{commitment_version}"}),
    "/consultations/{consultation}/answer": ({"chair", "member", "landlord_a"}, {"choice": "abstain"}),
    "/consultations/{consultation}/conclude": ({"coordinator"}, {}),
    "/consultations/{consultation}/end": ({"coordinator"}, {"reason": "The place was taken back."}),
    "/letters/texts/refusal/person": ({"coordinator"}, {"subject": "Objet", "body": "Madame,\n\nTexte.",
                                                        "expected_version": "0", "action": "save"}),
}
# Actions that answer with a download (200) rather than a redirect.
DOWNLOADS = {"/persons/{applicant}/export",
             "/integrations/new",  # the token issued: its secret shown once, on the page answered (200)
             "/imports/{import_token}/check"}  # the dry run answers with its report, a page (200)


def _records(session: Session, instance: Path, ids: Ids) -> Ids:
    """A file of care_a's team with a document, an agreement covering a place, an expense: through the services."""
    world = load_world(session, ids)
    case = new_case(session, world)
    store = DocumentStore(instance / "documents")
    document = cases.attach_document(session, world.users["care_a"], store, case.id, filename="id.pdf", data=PDF,
                                     kind="identity")
    agreement = Agreement(organisation_id=world.landlord_a.id, reference="CONV-1", title="Convention A",
                          start_date=date(2024, 1, 1), end_date=date(2030, 1, 1))
    session.add(agreement)
    session.flush()
    covered = Place(reference="APP-099", kind=PlaceKind.APARTMENT, town_id=world.towns["Ronchin"].id, address="2 rue",
                    organisation_id=world.landlord_a.id, rooms=1, rent_cents=1, charges_cents=1, deposit_cents=1,
                    agreement_id=agreement.id)
    session.add(covered)
    session.commit()
    entry = treasury.record_expense(session, world.users["treasurer"], amount="80,00", value_date="2026-02-01",
                                    label="Locksmith", method="transfer")
    reason = hearings.add_usual_reason(session, world.users["coordinator"], "refuse", "Projet à construire")
    return {"case": case.id, "applicant": case.applicant_id, "document": document.id, "version": case.version,
            "agreement": agreement.id,
            "place_version": world.place_b.version, "entry": entry.id, "covered": covered.id,
            "year": clock.today().year, "reason": reason.id}


RECORDS = Scenario("matrix", _records, extends=WORLD)


def _hearings(signed: bool, draft: bool, allocated: bool) -> Builder:
    """Hearings for the pages that need them (built only for those: signing renders PDFs): one signed,
    one closed with its draft minutes, one in session; its first file allocated a place and the deposit
    committed."""

    def build(session: Session, instance: Path, ids: Ids) -> Ids:
        world = load_world(session, ids)
        store = DocumentStore(instance / "documents")
        signed_hearing = closed(session, world, "Sid", date(2026, 3, 19), signed_in=store) if signed else None
        draft_hearing = closed(session, world, "Dora", date(2026, 6, 18)) if draft else None
        hearing = sitting(session, world, ["Ines"], day=date(2026, 9, 17)).hearing
        allocated_case = deposit = deposit_version = commitment = commitment_version = letter = 0
        if allocated:
            hearings.decide_item(session, world.users["chair"], hearing.id, hearing.items[0].id,
                                 hearings.DecisionInput(decision="allocate", place_id=str(world.place_a.id),
                                                        reason="Fits"), today=date(2026, 9, 17))
            allocated_case = hearing.items[0].case_id
            accounts.grant_signing_delegation(session, world.users["coordinator"], world.users["member"].id)
            deposit = session.execute(select(Deposit.id)).scalar_one()
            deposit_version = treasury.fire_deposit(session, world.users["member"], deposit, "commit",
                                                    expected_version=None, today=date(2026, 9, 17)).version
            drafted = commitments.draft_for_case(session, world.users["coordinator"], allocated_case,
                                                 date(2026, 9, 17))
            commitment, commitment_version = drafted.id, drafted.version
            letter = session.execute(select(OutgoingLetter.id).where(OutgoingLetter.case_id == allocated_case)
                                     .order_by(OutgoingLetter.id)).scalars().first() or 0
        return {"letter": letter,"hearing": hearing.id, "item": hearing.items[0].id, "hearing_version": hearing.version,
                "closed": draft_hearing.id if draft_hearing else 0,
                "signed": signed_hearing.id if signed_hearing else 0,
                "allocated": allocated_case, "deposit": deposit, "deposit_version": deposit_version,
                "commitment": commitment, "commitment_version": commitment_version}

    return build


def _subgroup_meeting(session: Session, _instance: Path, ids: Ids) -> Ids:
    """The housing sub-group: a member without an account, a meeting held with them, an action they carry."""
    from commission.services.subgroup import meetings, members

    world = load_world(session, ids)
    coordinator, day = world.users["coordinator"], date(2026, 3, 10)
    member = members.add_member(session, coordinator, members.MemberInput(
        name="Mme Roux", capacity="Adjointe au maire de Ronchin", joined_on="2026-01-05"), today=day)
    meeting = meetings.plan_meeting(session, coordinator, meetings.MeetingInput(
        held_on="2026-03-05", location="Mairie de Ronchin", attendees=[members.person_key(member_id=member.id)]),
        today=day)
    action = meetings.add_action(session, coordinator, meeting.id, "Écrire au bailleur",
                                 members.person_key(member_id=member.id), "2026-03-31", today=day)
    session.commit()
    return {"sg_member": member.id, "sg_member_version": member.version, "sg_meeting": meeting.id,
            "sg_meeting_version": meeting.version, "sg_action": action.id, "sg_action_version": action.version}


def _housed(session: Session, _instance: Path, ids: Ids) -> Ids:
    """A person of care_a's team housed, with a resource meeting and an action, for the follow-up's pages."""
    world = load_world(session, ids)
    (case,) = housed(session, world, ["Hana"])
    meeting = followup.call_meeting(session, world.users["care_a"], case.id, followup.MeetingInput(
        meeting_date=MOVE_IN.isoformat(), attendees="Équipe", held=True, outcome="Plan",
        actions=[followup.ActionInput("Appeler le bailleur", "Infirmier", "")]), today=MOVE_IN)
    action = session.execute(select(MeetingAction.id).where(MeetingAction.meeting_id == meeting.id)).scalar_one()
    return {"housed": case.id, "meeting": meeting.id, "action": action}


def _official_mail(session: Session, instance: Path, ids: Ids) -> Ids:
    """A letter of the housing sub-group's register, received and waiting for its answer, with its scan."""
    from commission.services.subgroup import official_mail

    world = load_world(session, ids)
    coordinator = world.users["coordinator"]
    mail = official_mail.register_mail(session, coordinator, official_mail.MailInput(
        direction="incoming", correspondent="ARS Hauts-de-France", correspondent_kind="authority", subject="Bilan",
        dated_on="2026-01-08", registered_on="2026-01-10", answer_due="2026-02-10"))
    document = official_mail.attach_document(session, coordinator, DocumentStore(instance / "documents"), mail.id,
                                             "courrier.pdf", PDF)
    session.commit()
    return {"mail_entry": mail.id, "mail_version": mail.version, "mail_document": document.id}


def _orientation(session: Session, _instance: Path, ids: Ids) -> Ids:
    """Two structures of the directory; the file of care_a's team oriented towards the first, awaiting its answer."""
    from commission.models.directory import Structure, StructureKind
    from commission.services import orientations

    world = load_world(session, ids)
    gem = Structure(name="GEM Matrice", kind=StructureKind.MUTUAL_HELP_GROUP, town_id=world.towns["Ronchin"].id)
    cmp_ = Structure(name="CMP Matrice", kind=StructureKind.CMP, town_id=world.towns["Ronchin"].id)
    session.add_all([gem, cmp_])
    session.flush()
    (orientation,) = orientations.orient(session, world.users["care_a"], ids["case"], orientations.OrientationInput(
        structure_id=str(gem.id), reason="Rompre l'isolement", consent_on="2026-01-01", sent_on="2026-01-01"))
    session.commit()
    return {"orientation": orientation.id, "orientation_version": orientation.version, "structure_o": cmp_.id}


def _outbox_mail(session: Session, _instance: Path, ids: Ids) -> Ids:
    """A digest kept in the outbox (mail is not configured): a coordinator's, CONV-1's renewal coming."""
    world = load_world(session, ids)
    accounts.create_user(session, world.users["coordinator"], accounts.UserInput(
        login="coordination.mail", display_name="Coordination", email="coordination@example.org",
        role="coordinator", password=PASSWORD))
    digest.send_digests(session, None, date(2029, 12, 1))
    return {"mail": session.execute(select(SentMail.id)).scalar_one()}


def _prospect(session: Session, instance: Path, ids: Ids) -> Ids:
    """A prospect whose agreement is drafted (to sign, or abandon), and a document of CONV-1."""
    from commission.services import stock
    from commission.services.subgroup import prospects

    world = load_world(session, ids)
    coordinator = world.users["coordinator"]
    prospect = prospects.create_prospect(session, coordinator, prospects.ProspectInput(
        name="Foyer du Parc", kind="hostel", places_announced="2"))
    for trigger in ("propose", "draft"):
        prospects.take_step(session, coordinator, prospect.id, trigger, on="2026-01-01", expected_version=None)
    document = stock.attach_agreement_document(session, coordinator, DocumentStore(instance / "documents"),
                                               ids["agreement"], filename="convention.pdf", data=PDF,
                                               kind="convention")
    session.commit()
    return {"prospect": prospect.id, "prospect_version": prospect.version, "agreement_document": document.id}


def _structure(session: Session, _instance: Path, ids: Ids) -> Ids:
    """A structure of the directory of the territory, open."""
    from commission.services import directory

    world = load_world(session, ids)
    structure = directory.create_structure(session, world.users["coordinator"], directory.StructureInput(
        name="CMP de Ronchin", kind="cmp", town_id=str(world.towns["Ronchin"].id), phone="03 20 16 42 10",
        opening_hours="Du lundi au vendredi"))
    session.commit()
    return {"structure": structure.id, "structure_version": structure.version}


def _held_import(session: Session, instance: Path, ids: Ids) -> Ids:
    """A file of partners uploaded on the import page, kept for the coordinator who uploaded it."""
    from commission.services.imports import held

    world = load_world(session, ids)
    data = "Référence externe;Nom;Type\nP-1;Habitat Matrice;Bailleur social\n".encode()
    kept = held.hold(instance, world.users["coordinator"], "partners", "partenaires.csv", data,
                     token="matrix-import-0123456789abcdefghijklmnop")
    return {"import_token": kept.token, "import_kind": "partners"}


def _api_records(session: Session, _instance: Path, ids: Ids) -> Ids:
    """An integration token of landlord A's, and the availability notice it sent about place A."""
    from commission.services.integrations import notices, tokens

    world = load_world(session, ids)
    expiry = (clock.today() + timedelta(days=200)).isoformat()
    with unit.unit_of_work(session):
        issued = tokens.create(session, world.users["coordinator"], name="Habitat A", kind="landlord",
                               organisation_id=world.landlord_a.id, scopes=["places:read", "places:declare"],
                               expires_on=expiry)
        notice = notices.declare(session, issued.token, world.place_a.id, available_from=clock.today().isoformat(),
                                 comment="Départ")
    return {"api_token": issued.token.id, "api_notice": notice.id, "api_expiry": expiry}


def _consultation(session: Session, _instance: Path, ids: Ids) -> Ids:
    """A written consultation under way, a month to answer: a file of care_a's team, the waiting list proposed."""
    world = load_world(session, ids)
    case = ready_case(session, world, "Urgent")
    hearing = consultations.open_consultation(session, world.users["coordinator"], consultations.ConsultationInput(
        case_id=str(case.id), proposal="waiting_list", grounds="Favourable", purpose="Leaves hospital",
        deadline_day=(clock.today() + timedelta(days=30)).isoformat(), deadline_time="18:00", quorum="2"))
    return {"consultation": hearing.id}


HEARING_KEYS = ("{hearing}", "{closed}", "{signed}", "{allocated}", "{deposit}", "{letter}")


@cache
def matrix_scenario(path: str) -> Scenario:
    """The records a path needs, on top of the file and the agreement every path has: built once per run
    for each combination, then copied for each role (every role of a page sees the same data)."""
    scenario = RECORDS
    if any(key in path for key in HEARING_KEYS):
        signed, draft = "{signed}" in path, "{closed}" in path
        allocated = any(key in path for key in ("{allocated}", "{deposit}", "{letter}"))
        scenario = Scenario(f"{scenario.name}-hearings-{signed:d}{draft:d}{allocated:d}",
                            _hearings(signed, draft, allocated), extends=scenario)
    if "{mail}" in path:
        scenario = Scenario(f"{scenario.name}-mail", _outbox_mail, extends=scenario)
    if "{mail_entry}" in path:
        scenario = Scenario(f"{scenario.name}-official-mail", _official_mail, extends=scenario)
    if "{structure}" in path:
        scenario = Scenario(f"{scenario.name}-structure", _structure, extends=scenario)
    if "{consultation}" in path:
        scenario = Scenario(f"{scenario.name}-consultation", _consultation, extends=scenario)
    if "{prospect}" in path:
        scenario = Scenario(f"{scenario.name}-prospect", _prospect, extends=scenario)
    if "{agreement_document}" in path:
        scenario = Scenario(f"{scenario.name}-agreement-document", _prospect, extends=scenario)
    if "{orientation}" in path or "{structure_o}" in path:
        scenario = Scenario(f"{scenario.name}-orientation", _orientation, extends=scenario)
    if "{housed}" in path:
        scenario = Scenario(f"{scenario.name}-housed", _housed, extends=scenario)
    if "{sg_meeting}" in path or "{sg_member}" in path or "{sg_action}" in path:
        scenario = Scenario(f"{scenario.name}-subgroup", _subgroup_meeting, extends=scenario)
    if "{import_" in path:
        scenario = Scenario(f"{scenario.name}-import", _held_import, extends=scenario)
    if "/integrations" in path:
        scenario = Scenario(f"{scenario.name}-api", _api_records, extends=scenario)
    return scenario


@pytest.fixture
def scenario(request: pytest.FixtureRequest) -> Scenario | None:
    if "world" not in request.fixturenames:
        return None
    callspec = getattr(request.node, "callspec", None)
    path = callspec.params.get("path") if callspec else None
    return matrix_scenario(path) if path else WORLD


@pytest.fixture
def isolation() -> str:
    """Each test only goes through the app and its session: on PostgreSQL it works in the scenario's own
    database, in a transaction rolled back at its end (about 270 ms a test less than copying it)."""
    return "rollback" if is_postgres() else "copy"


@pytest.fixture
def records(restored: Restored, world: World) -> Ids:
    return restored.ids


def fill(path: str, world: World, records: Ids) -> str:
    return path.format(**{**records, "place_a": world.place_a.id, "place_b": world.place_b.id,
                          "member": world.users["member"].id, "landlord_b": world.landlord_b.id})


def test_every_page_of_the_app_is_in_the_matrix(app: Flask) -> None:
    known = {path.split("{")[0].rstrip("/") or "/" for path in (*PAGES, *ACTIONS, *PUBLIC, *LOGIN_STEPS, *BEARER)}
    for rule in app.url_map.iter_rules():
        if rule.endpoint == "static" or rule.rule == "/logout":
            continue
        prefix = rule.rule.split("<")[0].rstrip("/") or "/"
        assert prefix in known, f"{rule.rule} is not in the access matrix"


@pytest.mark.parametrize("path", sorted(PAGES))
def test_anonymous_visitors_are_sent_to_login(client: FlaskClient, world: World, records: Ids, path: str) -> None:
    response = client.get(fill(path, world, records))
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/login")


@pytest.mark.parametrize("role", sorted(ALL))
@pytest.mark.parametrize("path", sorted(PAGES))
def test_role_by_page(client: FlaskClient, session: Session, world: World, records: Ids, role: str,
                      path: str) -> None:
    logged_in(client, session, world.users[role])  # the login form itself: tests/web/test_auth.py
    response = client.get(fill(path, world, records))
    expected = 200 if role in PAGES[path] else 403
    assert response.status_code == expected, f"{role} on {path}"
    if expected == 403:
        assert "Accès refusé" in response.get_data(as_text=True)


@pytest.mark.parametrize("role", sorted(ALL))
@pytest.mark.parametrize("path", sorted(ACTIONS))
def test_role_by_action(client: FlaskClient, session: Session, world: World, records: Ids, role: str,
                        path: str) -> None:
    logged_in(client, session, world.users[role])
    allowed, data = ACTIONS[path]
    data = {name: fill(value, world, records) for name, value in data.items()}
    response = post_form(client, fill(path, world, records), data, form_page="/")
    if role in allowed:
        assert response.status_code == (200 if path in DOWNLOADS else 302)
    else:
        assert response.status_code == 403


@pytest.mark.parametrize("path", sorted(PUBLIC))
def test_public_pages(client: FlaskClient, path: str) -> None:
    assert client.get(path).status_code == 200


@pytest.mark.parametrize("role", sorted(ALL))
def test_a_session_opens_nothing_of_the_api(client: FlaskClient, world: World, role: str) -> None:
    login(client, role)
    for path in sorted(BEARER):
        response = client.get(path.format(place_a=world.place_a.id))
        assert response.status_code == 401 and response.mimetype == "application/json", f"{role} on {path}"


@pytest.mark.parametrize("path", sorted(LOGIN_STEPS))
def test_login_steps_send_back_to_login_without_a_password_given(client: FlaskClient, world: World,
                                                                 path: str) -> None:
    assert client.get(path).headers["Location"] == "/login"


def test_a_landlord_cannot_reach_another_landlords_place(client: FlaskClient, world: World) -> None:
    login(client, "landlord_a")
    assert client.get(f"/places/{world.place_b.id}").status_code == 403
    listing = client.get("/places").get_data(as_text=True)
    assert world.place_a.reference in listing and world.place_b.reference not in listing


def test_navigation_shows_only_what_the_role_may_open(app: Flask, world: World) -> None:
    care, coordinator = app.test_client(), app.test_client()
    login(care, "care_a")
    html = care.get("/").get_data(as_text=True)
    assert 'href="/places"' not in html and 'href="/admin/users"' not in html
    login(coordinator, "coordinator")
    html = coordinator.get("/").get_data(as_text=True)
    assert 'href="/admin/users"' in html and 'href="/admin/audit"' in html
