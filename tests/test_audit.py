"""The audit trail is append-only and tamper-evident: `commission audit verify` names what changed (the forgeries
of whoever can write the database but lacks the key: tests/test_audit_forgery.py)."""

from __future__ import annotations

from itertools import pairwise

import pytest
from click.testing import CliRunner
from sqlalchemy import select, text, update
from sqlalchemy.orm import Session

from commission.cli import main
from commission.models import AuditEntry, AuditHead
from commission.services import audit, audit_keys
from tests.conftest import World


@pytest.fixture
def trail(session: Session, world: World) -> list[AuditEntry]:
    for number in range(5):
        audit.record(session, world.users["coordinator"], "test.event", "thing", number, {"n": number})
    session.commit()
    return list(session.execute(select(AuditEntry).order_by(AuditEntry.id)).scalars())


def verify_cli(database_url: str, monkeypatch: pytest.MonkeyPatch) -> tuple[int, str]:
    """Run the command as an operator would, from another connection."""
    monkeypatch.setenv("COMMISSION_DATABASE_URL", database_url)
    monkeypatch.setenv("LANG", "en_GB.UTF-8")
    result = CliRunner().invoke(main, ["audit", "verify"])
    return result.exit_code, result.output


def test_entries_are_chained_and_numbered(trail: list[AuditEntry]) -> None:
    assert [entry.id for entry in trail] == list(range(1, len(trail) + 1))
    for before, after in pairwise(trail):
        assert after.prev_hash == before.hash


def test_an_intact_trail_verifies(session: Session, trail: list[AuditEntry], database_url: str,
                                  monkeypatch: pytest.MonkeyPatch) -> None:
    assert audit.verify(session).ok
    session.rollback()
    code, output = verify_cli(database_url, monkeypatch)
    assert code == 0 and f"{trail[-1].id} entries verified" in output


def test_an_altered_entry_is_named(session: Session, trail: list[AuditEntry], database_url: str,
                                   monkeypatch: pytest.MonkeyPatch) -> None:
    target = trail[-4]
    session.execute(update(AuditEntry).where(AuditEntry.id == target.id).values(details='{"n":99}'))
    session.commit()
    result = audit.verify(session)
    assert not result.ok and result.entry_id == target.id and result.problem is not None \
        and "altered" in result.problem.msgid
    session.rollback()
    code, output = verify_cli(database_url, monkeypatch)
    assert code != 0 and f"entry {target.id} was altered" in output


def test_a_removed_entry_is_named(session: Session, trail: list[AuditEntry], database_url: str,
                                  monkeypatch: pytest.MonkeyPatch) -> None:
    target = trail[-3]
    session.execute(text("DELETE FROM audit_entry WHERE id = :id"), {"id": target.id})
    session.commit()
    code, output = verify_cli(database_url, monkeypatch)
    assert code != 0 and f"entry {target.id} was removed" in output


def test_removing_the_newest_entry_is_detected(session: Session, trail: list[AuditEntry], database_url: str,
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    last = trail[-1]
    session.execute(text("DELETE FROM audit_entry WHERE id = :id"), {"id": last.id})
    session.commit()
    code, output = verify_cli(database_url, monkeypatch)
    assert code != 0 and f"entry {last.id} was removed" in output


def test_an_inserted_entry_is_named(session: Session, trail: list[AuditEntry], database_url: str,
                                    monkeypatch: pytest.MonkeyPatch) -> None:
    """A forged entry slipped in after the newest one, signed with the key's id (the key itself is not
    in the database), the head left as it was."""
    last = trail[-1]
    fields = dict(id=last.id + 1, at=last.at, actor_id=None, actor_name="intruder", action="x",
                  object_type="thing", object_id="1", details="{}", prev_hash=last.hash)
    forged = audit.signed_hash(b"not the key, but as long as one.", str(last.key_id), **fields)
    session.add(AuditEntry(**fields, key_id=last.key_id, hash=forged))  # type: ignore[arg-type]
    session.commit()
    code, output = verify_cli(database_url, monkeypatch)
    assert code != 0 and f"entry {last.id + 1} was altered (or forged without the key)" in output
    session.execute(update(AuditEntry).where(AuditEntry.id == last.id + 1)
                    .values(hash=audit.signed_hash(audit_keys.keyring().current,  # type: ignore[union-attr]
                                                   str(last.key_id), **fields)))
    session.commit()  # signed as the application would, but the head was not moved
    code, output = verify_cli(database_url, monkeypatch)
    assert code != 0 and f"entry {last.id + 1} was inserted" in output


def test_an_entry_rewritten_with_a_recomputed_hash_is_named(session: Session, trail: list[AuditEntry]) -> None:
    """Whoever rewrites an entry without the key cannot sign it: the entry itself is named."""
    target = trail[1]
    fields = dict(id=target.id, at=target.at, actor_id=target.actor_id, actor_name="someone else",
                  action=target.action, object_type=target.object_type, object_id=target.object_id,
                  details=target.details, prev_hash=target.prev_hash)
    session.execute(update(AuditEntry).where(AuditEntry.id == target.id)
                    .values(actor_name="someone else", hash=audit.entry_hash(**fields)))  # type: ignore[arg-type]
    session.commit()
    result = audit.verify(session)
    assert not result.ok and result.entry_id == target.id and result.problem is not None \
        and "altered" in result.problem.msgid


def test_each_entry_names_the_key_that_signed_it(trail: list[AuditEntry]) -> None:
    ring = audit_keys.keyring()
    assert ring is not None
    for entry in trail:
        fields = {name: getattr(entry, name) for name in ("id", "at", "actor_id", "actor_name", "action",
                                                          "object_type", "object_id", "details", "prev_hash")}
        assert entry.key_id == ring.current_id
        assert entry.hash == audit.signed_hash(ring.current, ring.current_id, **fields) != audit.entry_hash(**fields)


def test_the_entry_is_written_in_the_same_transaction_as_the_change(session: Session, world: World) -> None:
    before = session.get(AuditHead, 1)
    assert before is not None
    last_id = before.last_id
    audit.record(session, world.users["coordinator"], "test.event", "thing", 1)
    session.rollback()
    assert session.execute(select(AuditEntry).where(AuditEntry.id == last_id + 1)).first() is None
    assert audit.verify(session).ok
