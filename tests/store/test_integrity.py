"""Stored list content is checked against the hashes written when its version was loaded
(issue 8.4): an entry edited in the database is refused, never screened."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from sqlalchemy import delete, select, update

from compliance.errors import ListIntegrityError
from compliance.lists.service import ListService
from compliance.model import hash_entry_dict
from compliance.services.index import load_matcher
from compliance.store.integrity import NO_DIGEST, entries_digest, verify_versions
from compliance.store.repository import ListRepository
from compliance.store.session import transaction
from compliance.store.tables import AuditEvent, ListAliasRow, ListEntryRow, ListVersion
from tests.lists.test_service import V1, write_csl


@pytest.fixture
def loaded(db, tmp_path: Path):  # type: ignore[no-untyped-def]
    ListService(db.sessions, actor="tester").load(
        [write_csl(tmp_path / "v1.csv", V1)], fmt="csl", source="test-csl"
    )
    return db


def _version(session) -> ListVersion:  # type: ignore[no-untyped-def]
    found = session.scalar(select(ListVersion))
    assert found is not None
    return found


def _verified(db):  # type: ignore[no-untyped-def]
    with db.sessions() as session:
        return ListRepository(session).verified_entries(_version(session))


def _checks(db):  # type: ignore[no-untyped-def]
    with db.sessions() as session:
        return verify_versions(session)


def _edit(db, *statements) -> None:  # type: ignore[no-untyped-def]
    with transaction(db.sessions) as session:
        for statement in statements:
            session.execute(statement)


def test_digest_is_stored_at_load_and_in_the_audit_row(loaded) -> None:  # type: ignore[no-untyped-def]
    entries = _verified(loaded)
    assert [e.key for e in entries] == ["a1", "a2", "a3"]
    with loaded.sessions() as session:
        version = _version(session)
        load_row = session.scalars(
            select(AuditEvent).where(AuditEvent.action == "lists.load")
        ).one()
    expected = entries_digest((e.key, e.content_hash) for e in entries)
    assert version.entries_sha256 == expected == load_row.details["entries_sha256"]
    (check,) = _checks(loaded)
    assert check.ok and check.digest_checked and check.entries == 3
    assert "test-csl version 1" in check.describe()


def test_edited_primary_name_is_refused_naming_source_version_and_entry(loaded) -> None:  # type: ignore[no-untyped-def]
    _edit(
        loaded,
        update(ListEntryRow).where(ListEntryRow.key == "a1").values(primary_name="Harmless Ltd"),
    )
    with pytest.raises(ListIntegrityError) as caught:
        _verified(loaded)
    message = str(caught.value)
    assert "test-csl version 1" in message and "'a1'" in message and "Harmless Ltd" in message
    assert caught.value.exit_code == 3 and caught.value.http_status == 500
    (check,) = _checks(loaded)
    assert not check.ok and check.bad_entries[0].startswith("'a1'")


def test_the_index_is_not_built_from_edited_entries(loaded) -> None:  # type: ignore[no-untyped-def]
    assert load_matcher(loaded.sessions, None).matcher.match_name("Huawei Technologies Co., Ltd.")
    _edit(
        loaded,
        update(ListEntryRow).where(ListEntryRow.key == "a1").values(primary_name="Harmless Ltd"),
    )
    with pytest.raises(ListIntegrityError, match="'a1'"):
        load_matcher(loaded.sessions, None)


def test_edited_or_removed_alias_is_refused(loaded) -> None:  # type: ignore[no-untyped-def]
    with loaded.sessions() as session:
        alias_id = session.scalars(select(ListAliasRow.id).order_by(ListAliasRow.id)).first()
    _edit(loaded, update(ListAliasRow).where(ListAliasRow.id == alias_id).values(name="x"))
    with pytest.raises(ListIntegrityError, match="'a1'"):
        _verified(loaded)
    _edit(loaded, delete(ListAliasRow).where(ListAliasRow.id == alias_id))
    with pytest.raises(ListIntegrityError, match="'a1'"):
        _verified(loaded)


def test_removed_entry_is_refused(loaded) -> None:  # type: ignore[no-untyped-def]
    _edit(loaded, delete(ListEntryRow).where(ListEntryRow.key == "a1"))
    with pytest.raises(ListIntegrityError) as caught:
        _verified(loaded)
    assert "2 entries stored" in str(caught.value) and "digest" in str(caught.value)


def test_edited_entry_with_a_recomputed_entry_hash_is_caught_by_the_digest(loaded) -> None:  # type: ignore[no-untyped-def]
    (entry,) = [e for e in _verified(loaded) if e.key == "a2"]
    data = entry.to_dict() | {"name": "Harmless Ltd"}
    _edit(
        loaded,
        update(ListEntryRow)
        .where(ListEntryRow.key == "a2")
        .values(primary_name="Harmless Ltd", content_hash=hash_entry_dict(data)),
    )
    with pytest.raises(ListIntegrityError, match="digest differs"):
        _verified(loaded)


def test_rewritten_digest_is_caught_by_the_audit_record(loaded) -> None:  # type: ignore[no-untyped-def]
    """Entries, their hashes and the version digest rewritten together: the digest no longer
    matches the one the (hash-chained) load row recorded, at index build and in verify."""
    (entry,) = [e for e in _verified(loaded) if e.key == "a2"]
    data = entry.to_dict() | {"name": "Harmless Ltd"}
    _edit(
        loaded,
        update(ListEntryRow)
        .where(ListEntryRow.key == "a2")
        .values(primary_name="Harmless Ltd", content_hash=hash_entry_dict(data)),
    )
    others = [(e.key, e.content_hash) for e in _verified_unchecked(loaded) if e.key != "a2"]
    forged = entries_digest([*others, ("a2", hash_entry_dict(data))])
    _edit(loaded, update(ListVersion).values(entries_sha256=forged))
    assert [e.name for e in _verified_unchecked(loaded) if e.key == "a2"] == ["Harmless Ltd"]
    with pytest.raises(ListIntegrityError, match=r"entries digest .* in its load audit row"):
        _verified(loaded)
    (check,) = _checks(loaded)
    assert not check.ok and "in its load audit row (seq 1, lists.load)" in check.describe()


def _verified_unchecked(db):  # type: ignore[no-untyped-def]
    with db.sessions() as session:
        return ListRepository(session).entries(_version(session))


def test_cleared_digest_and_count_are_refused_against_the_load_audit_row(loaded) -> None:  # type: ignore[no-untyped-def]
    """Issue 8.4, round 2 (A): an entry deleted, the version's digest set to NULL and its
    count lowered to match. The load audit row recorded a digest and the count: refused at
    index build and in verify (was: verified, "no version digest")."""
    _edit(
        loaded,
        delete(ListEntryRow).where(ListEntryRow.key == "a1"),
        update(ListVersion).values(entries_sha256=None, entry_count=ListVersion.entry_count - 1),
    )
    with pytest.raises(ListIntegrityError) as caught:
        _verified(loaded)
    message = str(caught.value)
    assert "entries digest none differs" in message and "load audit row" in message
    assert "entry count 2 differs from 3" in message
    (check,) = _checks(loaded)
    assert not check.ok and NO_DIGEST not in check.describe()


@pytest.mark.parametrize(
    ("column", "value", "shown"),
    [
        ("alias_count", 0, "alias count 0 differs"),
        ("address_count", 99, "address count 99 differs"),
        ("content_sha256", "sha256:" + "0" * 64, "content hash sha256:000000000000... differs"),
    ],
)
def test_version_columns_must_match_the_load_audit_row(loaded, column, value, shown) -> None:  # type: ignore[no-untyped-def]
    _edit(loaded, update(ListVersion).values({column: value}))
    with pytest.raises(ListIntegrityError, match=re.escape(shown)):
        _verified(loaded)
    (check,) = _checks(loaded)
    assert not check.ok and shown in check.describe()
    if column != "content_sha256":  # the rebuilt entries' own count disagrees too
        assert "stored, the version was loaded with" in check.describe()


def test_a_version_loaded_by_lists_update_is_checked_against_its_row(
    loaded, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    """Any action that creates a version counts, not only lists.load (was: lists.load only)."""
    from tests.lists.test_service import V2

    ListService(loaded.sessions, actor="tester").load(
        [write_csl(tmp_path / "v2.csv", V2)],
        fmt="csl",
        source="test-csl",
        policy=None,
        action="lists.update",
    )
    (check,) = _checks(loaded)
    assert check.ok and check.seq == 2 and check.digest_checked
    _edit(loaded, update(ListVersion).where(ListVersion.seq == 2).values(entries_sha256=None))
    with (
        pytest.raises(ListIntegrityError, match=r"load audit row \(seq \d+, lists.update\)"),
        loaded.sessions() as session,
    ):
        repo = ListRepository(session)
        repo.verified_entries(repo.active_versions()[0])


def test_a_version_without_a_load_audit_row_is_refused(loaded) -> None:  # type: ignore[no-untyped-def]
    """A version whose creation no audit row records (inserted behind the tool's back)."""
    _edit(loaded, update(ListVersion).values(seq=7))
    with pytest.raises(ListIntegrityError, match="no audit row records loading this version"):
        _verified(loaded)


def test_unreadable_row_is_reported_not_raised_raw(loaded) -> None:  # type: ignore[no-untyped-def]
    _edit(
        loaded,
        update(ListEntryRow).where(ListEntryRow.key == "a2").values(entity_type="spaceship"),
    )
    with pytest.raises(ListIntegrityError, match="cannot be rebuilt"):
        _verified(loaded)


def test_all_versions_checks_inactive_versions_too(loaded, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    from tests.lists.test_service import V2

    ListService(loaded.sessions, actor="tester").load(
        [write_csl(tmp_path / "v2.csv", V2)], fmt="csl", source="test-csl", policy=None
    )
    with loaded.sessions() as session:
        v1 = session.scalars(select(ListVersion.id).where(ListVersion.seq == 1)).one()
    _edit(
        loaded,
        update(ListEntryRow)
        .where(ListEntryRow.version_id == v1, ListEntryRow.key == "a3")
        .values(primary_name="Other"),
    )
    assert [(c.seq, c.ok) for c in _checks(loaded)] == [(2, True)]
    with loaded.sessions() as session:
        every = verify_versions(session, all_versions=True)
    assert [(c.seq, c.ok) for c in every] == [(1, False), (2, True)]
