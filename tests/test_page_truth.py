"""What a file's page and its letters say is derived from the records, in every state of the file (issue 17).

One file walks the whole life of a file, through the services as the care team, the commission, the
coordinator and the treasurer would take each step, and branch files reach the states the main path does
not (refused, deferred, withdrawn). At every state the coordinator opens the file's page in French, and
the test checks that it says only what is true that day:

- its money is "soldé" only when every deposit of the file is settled (the deposit machine's tag);
- a reply deadline is shown only while the offer can still be answered: an expired offer says so, an
  accepted one names its place without a deadline;
- the readers of the sensitive parts are named (display name and role), never "utilisateur n° 1";
- the deposit's commitment letter says when the deposit is really paid: the treasurer may pay it before
  any lease is recorded, and the letter no longer promises the landlord a payment "dès la signature du bail".
"""

from __future__ import annotations

import html
import io
import re
from datetime import date, timedelta

from flask.testing import FlaskClient
from pypdf import PdfReader
from sqlalchemy import select
from sqlalchemy.orm import Session

from commission import clock
from commission.documents.tenancy_letters import render_commitment
from commission.models import Case, Deposit
from commission.services import accounts, followup, tenancy_documents, treasury
from commission.workflow.case import CASE_MACHINE
from commission.workflow.deposit import DEPOSIT_MACHINE
from commission.workflow.tags import Tag
from tests.cases_helpers import new_case, step
from tests.conftest import World, fresh, login

FIRST_HEARING, SECOND_HEARING = date(2026, 3, 19), date(2026, 6, 18)
SETTLED = "tout est soldé"
NOT_SETTLED = "sa caution n'est pas encore soldée"
REPLY_BY = "réponse avant le"
EXPIRED = "est passé sans réponse"


def _page(client: FlaskClient, case_id: int) -> str:
    response = client.get(f"/cases/{case_id}", headers={"Accept-Language": "fr"})
    assert response.status_code == 200
    return html.unescape(response.get_data(as_text=True))


def _access_section(page: str) -> str:
    match = re.search(r'<section aria-labelledby="access-title">(.*?)</section>', page, re.S)
    assert match, "the coordinator sees who read the sensitive parts"
    return match.group(1)


def _check(client: FlaskClient, session: Session, case_id: int, day: date, seen: set[str]) -> str:
    """Open the file's page on ``day`` and check it against the records; the state it was in."""
    with clock.travel(day):
        page = _page(client, case_id)
    fresh(session)
    case = session.get(Case, case_id)
    assert case is not None
    seen.add(case.state)
    deposits = list(session.execute(select(Deposit).where(Deposit.case_id == case_id)).scalars())
    settled = all(DEPOSIT_MACHINE.means(deposit.state, Tag.CLOSED_ACCOUNT) for deposit in deposits)
    where = f"{case.state} on {day}"
    # Money: "soldé" only when every deposit is; a closed file whose deposit is not says so.
    if SETTLED in page:
        assert settled, f"{where}: says everything is settled while a deposit is {[d.state for d in deposits]}"
    if CASE_MACHINE.means(case.state, Tag.SETTLED):
        assert (SETTLED in page) == settled and (NOT_SETTLED in page) != settled, where
    # The offer: a reply deadline only while it can be answered.
    open_offer = CASE_MACHINE.means(case.state, Tag.OFFER_PENDING) and case.offer_deadline is not None \
        and case.offer_deadline >= day
    assert (REPLY_BY in page) == open_offer, f"{where}: reply deadline shown: {REPLY_BY in page}"
    expired = CASE_MACHINE.means(case.state, Tag.OFFER_PENDING) and not open_offer
    assert (EXPIRED in page) == expired, where
    assert ("lettre de proposition" in page) == open_offer, f"{where}: the offer letter is linked"
    # The readers: named, with their role; never a number.
    reads = _access_section(page)
    assert "utilisateur n°" not in reads and "user #" not in reads, where
    if "<li>" in reads:  # the page's own read is logged apart: it shows from the next opening on
        assert "User coordinator (Coordination)" in reads, where
        seen.add("readers named")
    return case.state


def test_every_state_of_a_file_says_only_what_is_true(client: FlaskClient, session: Session,
                                                      world: World) -> None:
    coordinator, care, treasurer = world.users["coordinator"], world.users["care_a"], world.users["treasurer"]
    accounts.grant_signing_delegation(session, coordinator, world.users["member"].id)
    session.commit()
    login(client, "coordinator")
    seen: set[str] = set()
    case = new_case(session, world)
    session.commit()
    the_file = case.id

    def take(trigger: str, day: date, actor: object = coordinator, **kwargs: object) -> None:
        current = session.get(Case, the_file)
        assert current is not None
        with clock.travel(day):
            step(session, actor, current, trigger, today=day, **kwargs)  # type: ignore[arg-type]
        session.commit()

    def check(day: date) -> str:
        return _check(client, session, the_file, day, seen)

    day = date(2026, 3, 2)
    check(day)
    take("submit", day, care)
    check(day)
    take("return_incomplete", day, reason="Justificatif de ressources manquant")
    check(day)
    take("resubmit", day, care)
    take("mark_ready", day)
    check(day)
    take("schedule", day, values={"hearing_date": FIRST_HEARING})
    check(day)
    take("hear", FIRST_HEARING)
    check(FIRST_HEARING)
    take("allocate", FIRST_HEARING, values={"place_id": world.place_a.id}, reason="Projet adapté")
    assert check(FIRST_HEARING + timedelta(days=1)) == "allocated"  # the reply deadline is ahead
    deadline = session.get(Case, the_file).offer_deadline  # type: ignore[union-attr]
    assert deadline is not None
    assert check(deadline) == "allocated"  # the last day to answer
    assert check(deadline + timedelta(days=1)) == "allocated"  # past it: the offer has expired, not pending
    take("expire_offer", deadline + timedelta(days=1))
    check(deadline + timedelta(days=1))
    take("schedule", deadline + timedelta(days=2), values={"hearing_date": SECOND_HEARING})
    take("hear", SECOND_HEARING)
    # Another place: the same place offered again would find its first deposit, cancelled (left as it is here).
    take("allocate", SECOND_HEARING, values={"place_id": world.place_b.id}, reason="Place libérée")
    check(SECOND_HEARING)
    accepted = SECOND_HEARING + timedelta(days=2)
    take("accept_offer", accepted, care)
    assert check(accepted) == "offer_accepted"
    assert check(accepted + timedelta(days=30)) == "offer_accepted"  # accepted: its old deadline is no deadline

    # The deposit: committed, then paid before any lease is recorded; the commitment letter says so truly.
    deposit = session.execute(select(Deposit).where(Deposit.case_id == the_file,
                                                    Deposit.place_id == world.place_b.id)).scalar_one()
    treasury.fire_deposit(session, world.users["member"], deposit.id, "commit", expected_version=None,
                          today=accepted)
    session.commit()
    paid_on = accepted + timedelta(days=1)
    treasury.fire_deposit(session, treasurer, deposit.id, "pay", expected_version=None, today=paid_on,
                          movement=treasury.Movement(value_date=paid_on.isoformat(), reference="VIR-1"))
    session.commit()
    current = session.get(Case, the_file)
    assert current is not None and current.lease_start is None  # paid, and no lease on the file yet
    letter = tenancy_documents.commitment_letter(session, coordinator, deposit.id)
    text = " ".join(" ".join(page.extract_text() for page in PdfReader(io.BytesIO(
        render_commitment(letter, "fr"))).pages).split())
    assert "dès la signature du bail" not in text
    assert "sans attendre la signature du bail" in text
    check(paid_on)

    move_in = accepted + timedelta(days=20)
    take("start_move_in", accepted + timedelta(days=5), values={"move_in_date": move_in, "lease_kind": "sublease"})
    assert check(accepted + timedelta(days=5)) == "moving_in"
    take("confirm_housed", move_in)
    assert check(move_in) == "housed"
    leaving = move_in + timedelta(days=200)
    take("start_exit", leaving, care, reason="Logement ordinaire trouvé")
    assert check(leaving) == "exiting"
    with clock.travel(leaving + timedelta(days=5)):
        followup.record_exit(session, coordinator, the_file, followup.ExitInput(
            reason="ordinary_housing", exit_date=(leaving + timedelta(days=4)).isoformat(), place_condition="good",
        ), today=leaving + timedelta(days=5))
    session.commit()
    # Closed, its deposit only claimed back: not "tout est soldé".
    assert check(leaving + timedelta(days=6)) == "closed"
    fresh(session)
    assert session.get(Deposit, deposit.id).state == "refund_claimed"  # type: ignore[union-attr]
    refunded_on = leaving + timedelta(days=30)
    treasury.fire_deposit(session, treasurer, deposit.id, "refund", expected_version=None, today=refunded_on,
                          movement=treasury.Movement(value_date=refunded_on.isoformat(), reference="VIR-2"))
    session.commit()
    # Now it is.
    assert check(refunded_on) == "closed"

    # The states the main path does not reach, one file each.
    for ending, trigger, kwargs in (("refused", "refuse", {"reason": "Projet à retravailler"}),
                                    ("deferred", "defer", {"reason": "Avis du psychiatre attendu"}),
                                    ("waiting_list", "place_on_waiting_list", {})):
        other = new_case(session, world, first_name=ending.capitalize())
        session.commit()
        the_file = other.id
        take("submit", day, care)
        take("mark_ready", day)
        take("schedule", day, values={"hearing_date": FIRST_HEARING})
        take("hear", FIRST_HEARING)
        take(trigger, FIRST_HEARING, **kwargs)
        assert check(FIRST_HEARING) == ending
    withdrawn = new_case(session, world, first_name="Wanda")
    session.commit()
    the_file = withdrawn.id
    take("submit", day, care)
    take("withdraw", day, care, reason="Relogée par sa famille")
    assert check(day) == "withdrawn"

    every_state = {state.name for state in CASE_MACHINE.states}
    assert seen == every_state | {"readers named"}, f"never checked: {every_state - seen}"
