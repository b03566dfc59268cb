"""The housing sub-group's first rights (issue 21, in part): the coordinator seats an account in it; a member who is
not the coordinator then reads the agreements and the fund, and changes nothing there; leaving the sub-group takes
the rights away; the data-protection officer cannot sit in it."""

from __future__ import annotations

import pytest
from flask.testing import FlaskClient
from sqlalchemy.orm import Session

from commission.errors import Forbidden, InvalidInput
from commission.models import AuditEntry
from commission.services import accounts, stock
from tests.conftest import World, csrf_token, login, post_form
from tests.test_stock import agreement_input


def switch(client: FlaskClient, login_name: str) -> None:
    """Log out whoever is logged in, then log in as another account."""
    post_form(client, "/logout", {}, form_page="/")
    login(client, login_name)


def test_a_member_of_the_sub_group_reads_the_agreements_and_the_fund(client: FlaskClient, session: Session,
                                                                     world: World) -> None:
    convention = stock.create_agreement(session, world.users["coordinator"], agreement_input(world))
    session.commit()
    member = world.users["member"]
    login(client, "member")
    for path in ("/agreements", f"/agreements/{convention.id}", "/treasury"):
        assert client.get(path).status_code == 403, path

    switch(client, "coordinator")
    response = post_form(client, f"/admin/users/{member.id}/subgroup", {"member": "1"}, form_page="/admin/users")
    assert response.status_code == 302
    session.refresh(member)
    assert member.housing_subgroup
    assert session.query(AuditEntry).filter(AuditEntry.action == "user.subgroup_joined").count() == 1
    session.commit()  # the test's read ends: the application writes next

    switch(client, "member")
    home = client.get("/").get_data(as_text=True)
    assert 'href="/agreements"' in home and 'href="/treasury"' in home
    listing = client.get("/agreements").get_data(as_text=True)
    assert convention.reference in listing and "/agreements/new" not in listing
    page = client.get(f"/agreements/{convention.id}").get_data(as_text=True)
    assert convention.reference in page
    assert f"/agreements/{convention.id}/edit" not in page and f"/agreements/{convention.id}/end" not in page
    assert client.get("/treasury").status_code == 200
    # reading is all: the agreement's forms still refuse them
    token = csrf_token(client, "/agreements")
    for path in (f"/agreements/{convention.id}/end", "/agreements/new", f"/agreements/{convention.id}/edit"):
        assert client.post(path, data={"csrf_token": token, "ended_on": "2026-03-01"}).status_code == 403, path
    assert client.get(f"/agreements/{convention.id}/edit").status_code == 403

    switch(client, "coordinator")
    post_form(client, f"/admin/users/{member.id}/subgroup", {"member": "0"}, form_page="/admin/users")
    switch(client, "member")
    assert client.get("/agreements").status_code == 403 and client.get("/treasury").status_code == 403


def test_only_the_coordinator_seats_an_account_and_never_the_data_protection_officer(session: Session,
                                                                                      world: World) -> None:
    with pytest.raises(Forbidden):
        accounts.set_housing_subgroup(session, world.users["chair"], world.users["member"].id, True)
    with pytest.raises(InvalidInput):
        accounts.set_housing_subgroup(session, world.users["coordinator"], world.users["dpo"].id, True)
    assert not world.users["dpo"].housing_subgroup
