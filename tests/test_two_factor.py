"""The two-factor service on its own: codes, replay, recovery codes, the reset, who must use it."""

from __future__ import annotations

import threading
import time
from dataclasses import replace

import pyotp
import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from commission.config import Settings
from commission.errors import Forbidden, InvalidInput
from commission.models import AuditEntry, User
from commission.models.accounts import RecoveryCode
from commission.services import two_factor
from tests.conftest import World, fresh


@pytest.fixture
def required(settings: Settings) -> Settings:
    return replace(settings, two_factor_required=True)


def enrolled(session: Session, settings: Settings, user: User, at: float) -> tuple[str, list[str]]:
    secret = two_factor.begin_enrolment(user).secret
    codes = two_factor.confirm_enrolment(session, settings, user, secret, pyotp.TOTP(secret).at(at))
    return secret, codes


def test_who_must_use_it(world: World, required: Settings, settings: Settings) -> None:
    must = {login for login, user in world.users.items() if two_factor.is_required(required, user)}
    assert must == {"coordinator", "care_a", "care_b"}
    assert not any(two_factor.is_required(settings, user) for user in world.users.values())


def test_the_provisioning_uri_names_the_issuer_and_the_login(world: World) -> None:
    enrolment = two_factor.begin_enrolment(world.users["care_a"])
    assert enrolment.uri.startswith("otpauth://totp/Commission%20appartements:care_a?")
    assert f"secret={enrolment.secret}" in enrolment.uri and "issuer=Commission%20appartements" in enrolment.uri
    assert two_factor.grouped("ABCDEFGHIJ") == "ABCD EFGH IJ"


def test_recovery_codes_are_normalised() -> None:
    assert two_factor.normalise_recovery_code(" abcde-fghjk ") == "ABCDEFGHJK"
    assert two_factor.normalise_recovery_code("ABCDE FGHJK") == "ABCDEFGHJK"
    for bad in ("", "ABCDE", "ABCDE-FGHJK-MNPQR", "ABCDE-FGHI0", "<script>"):
        assert two_factor.normalise_recovery_code(bad) is None


def test_a_code_is_accepted_once_and_never_an_older_one(session: Session, required: Settings, world: World) -> None:
    user = world.users["care_a"]
    now = time.time()
    secret, _ = enrolled(session, required, user, now)
    totp = pyotp.TOTP(secret)
    with pytest.raises(two_factor.CodeRefused):  # the enrolment's own code
        two_factor.verify_login_code(session, required, user, totp.at(now), now=now)
    assert two_factor.verify_login_code(session, required, user, totp.at(now + 30), now=now + 30) is None
    with pytest.raises(two_factor.CodeRefused):
        two_factor.verify_login_code(session, required, user, totp.at(now + 30), now=now + 30)
    with pytest.raises(two_factor.CodeRefused):  # an older step, still inside the window
        two_factor.verify_login_code(session, required, user, totp.at(now), now=now + 30)
    with pytest.raises(two_factor.CodeRefused):  # too far
        two_factor.verify_login_code(session, required, user, totp.at(now + 120), now=now + 30)
    assert two_factor.verify_login_code(session, required, user, totp.at(now + 60), now=now + 60) is None


def test_two_simultaneous_uses_of_one_code_let_one_in(
    session: Session, session_factory: sessionmaker[Session], required: Settings, world: World
) -> None:
    now = time.time()
    secret, _ = enrolled(session, required, world.users["care_a"], now)
    code = pyotp.TOTP(secret).at(now + 30)
    outcomes: list[str] = []
    barrier = threading.Barrier(2)

    def attempt() -> None:
        with session_factory() as own:
            user = own.execute(select(User).where(User.login == "care_a")).scalar_one()
            barrier.wait()
            try:
                two_factor.verify_login_code(own, required, user, code, now=now + 30)
            except two_factor.CodeRefused:
                outcomes.append("refused")
            except Exception as error:  # a concurrent write refused by the database counts as a refusal
                outcomes.append(type(error).__name__)
            else:
                outcomes.append("accepted")

    threads = [threading.Thread(target=attempt) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert outcomes.count("accepted") == 1, outcomes


def test_recovery_codes_are_hashed_and_work_once(session: Session, required: Settings, world: World) -> None:
    user = world.users["care_b"]
    _, codes = enrolled(session, required, user, time.time())
    stored = session.execute(select(RecoveryCode.code_hash).where(RecoveryCode.user_id == user.id)).scalars().all()
    assert len(stored) == 10 and not set(stored) & {code.replace("-", "") for code in codes}
    assert two_factor.verify_login_code(session, required, user, codes[3].lower()) == 9
    with pytest.raises(two_factor.CodeRefused):
        two_factor.verify_login_code(session, required, user, codes[3])
    details = " ".join(session.execute(select(AuditEntry.details)).scalars())
    assert not any(code.replace("-", "") in details for code in codes)


def test_bad_input_is_refused_before_any_count(session: Session, required: Settings, world: World) -> None:
    user = world.users["care_a"]
    enrolled(session, required, user, time.time())
    for typed in ("", "abcdef", "1" * 20, "12345"):
        with pytest.raises(InvalidInput):
            two_factor.verify_login_code(session, required, user, typed)


def test_disable_is_refused_to_the_roles_that_must_use_it(
    session: Session, required: Settings, world: World
) -> None:
    user = world.users["coordinator"]
    now = time.time()
    secret, _ = enrolled(session, required, user, now)
    with pytest.raises(InvalidInput):
        two_factor.disable(session, required, user, pyotp.TOTP(secret).now())
    fresh(session)
    assert session.get(User, user.id).totp_secret == secret  # type: ignore[union-attr]


def test_the_reset_needs_the_coordinator_and_ends_the_sessions(
    session: Session, required: Settings, world: World
) -> None:
    care = world.users["care_a"]
    enrolled(session, required, care, time.time())
    with pytest.raises(Forbidden):
        two_factor.reset(session, world.users["treasurer"], care.id)
    nonce = care.session_nonce
    two_factor.reset(session, world.users["coordinator"], care.id)
    fresh(session)
    care = session.get(User, care.id)  # type: ignore[assignment]
    assert care.totp_secret is None and care.totp_last_step is None and care.session_nonce != nonce
    assert session.execute(select(RecoveryCode).where(RecoveryCode.user_id == care.id)).first() is None
    with pytest.raises(InvalidInput):  # nothing left to reset
        two_factor.reset(session, world.users["coordinator"], care.id)
