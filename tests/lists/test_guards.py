"""The list guards (issue 8, items 1-3 and 11): no silent rollback, no silent loss of entries,
aliases or addresses, no partial OFAC set, no older publication, no count mismatch; concurrent
loads of one source are serialised; a file name that is not UTF-8 is stored and audited safely."""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import threading
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from compliance.errors import ListFormatError, ListGuardError
from compliance.lists.service import ListService, LoadPolicy
from compliance.store.audit import verify_chain
from compliance.store.tables import AuditEvent, ListVersion
from tests.lists.test_service import V1, V2, csl_row, write_csl

GUARDED = LoadPolicy()
OFAC_SET = {
    "sdn.csv": "ofac/sdn_2024-05-03.csv",
    "alt.csv": "ofac/alt_watchman-2025-12.csv",
    "add.csv": "ofac/add_watchman-2025-12.csv",
}


@pytest.fixture
def service(db) -> ListService:  # type: ignore[no-untyped-def]
    return ListService(db.sessions, actor="tester")


def _last_audit(db) -> AuditEvent:  # type: ignore[no-untyped-def]
    with db.sessions() as session:
        row = session.scalars(select(AuditEvent).order_by(AuditEvent.seq.desc())).first()
        assert row is not None
        return row


def _rows(n: int, **extra: str) -> list[dict[str, str]]:
    return [csl_row(f"e{i:03d}", f"Listed Party Number {i}", **extra) for i in range(n)]


def _active(service: ListService, source: str) -> int | None:
    return {s.source: s.active_seq for s in service.status()}[source]


def test_removing_more_than_two_percent_is_refused_naming_the_removed(
    service, db, tmp_path
) -> None:  # type: ignore[no-untyped-def]
    rows = _rows(100)
    service.load([write_csl(tmp_path / "v1.csv", rows)], fmt="csl", source="s", policy=GUARDED)
    two_gone = write_csl(tmp_path / "v2.csv", rows[2:])  # 2% removed: at the limit, accepted
    assert service.load([two_gone], fmt="csl", source="s", policy=GUARDED).seq == 2
    three_gone = write_csl(tmp_path / "v3.csv", rows[5:])  # 3 of 98 removed: refused
    with pytest.raises(ListGuardError) as caught:
        service.load([three_gone], fmt="csl", source="s", policy=GUARDED)
    err = caught.value
    assert "--allow-shrink" in err.message and "Listed Party Number 2 (key e002)" in err.message
    data = err.to_dict()
    assert [r["key"] for r in data["removed"]] == ["e002", "e003", "e004"]  # type: ignore[index]
    assert data["removed_count"] == 3 and "--allow-shrink" in data["override_flags"]  # type: ignore[operator]
    assert _active(service, "s") == 2
    last = _last_audit(db)
    assert (last.action, last.outcome, last.subject) == ("lists.load", "refused", "s")
    assert last.details["removed_count"] == 3
    accepted = service.load(
        [three_gone], fmt="csl", source="s", policy=LoadPolicy(allow_shrink=True)
    )
    assert accepted.status == "loaded" and accepted.seq == 3


def test_the_text_names_twenty_removed_entries_and_counts_the_rest(service, tmp_path) -> None:  # type: ignore[no-untyped-def]
    rows = _rows(100)
    service.load([write_csl(tmp_path / "v1.csv", rows)], fmt="csl", source="s", policy=GUARDED)
    with pytest.raises(ListGuardError) as caught:
        service.load(
            [write_csl(tmp_path / "v2.csv", rows[:50])], fmt="csl", source="s", policy=GUARDED
        )
    assert "... and 30 more" in caught.value.message
    assert len(caught.value.to_dict()["removed"]) == 50  # type: ignore[arg-type]


def test_aliases_and_addresses_lost_on_kept_entries_are_refused(service, tmp_path) -> None:  # type: ignore[no-untyped-def]
    full = _rows(50, alt_names="First Alias; Second Alias", addresses="1 Main St, Town, CN")
    service.load([write_csl(tmp_path / "v1.csv", full)], fmt="csl", source="s", policy=GUARDED)
    bare = _rows(50)  # same keys, no aliases, no addresses
    with pytest.raises(ListGuardError) as caught:
        service.load([write_csl(tmp_path / "v2.csv", bare)], fmt="csl", source="s", policy=GUARDED)
    message = caught.value.message
    assert "lose 100 of the active version's 100 aliases" in message
    assert "lose 50 of the active version's 50 addresses" in message
    assert "would be removed" not in message  # no entry is gone
    assert _active(service, "s") == 1


def test_content_equal_to_an_earlier_version_is_a_refused_rollback(service, db, tmp_path) -> None:  # type: ignore[no-untyped-def]
    v1 = write_csl(tmp_path / "v1.csv", V1)
    service.load([v1], fmt="csl", source="s", policy=GUARDED)
    service.load(
        [write_csl(tmp_path / "v2.csv", V2)],
        fmt="csl",
        source="s",
        policy=LoadPolicy(allow_shrink=True),
    )
    with pytest.raises(ListGuardError) as caught:
        service.load([v1], fmt="csl", source="s", policy=GUARDED)
    message = caught.value.message
    assert "earlier version 1 (loaded 20" in message and "--allow-rollback" in message
    assert _active(service, "s") == 2
    assert _last_audit(db).outcome == "refused"
    # --allow-rollback alone: the other guards still compare with the ACTIVE version (V1
    # lacks V2's entry a4: 1 of 3 removed).
    with pytest.raises(ListGuardError, match="would be removed") as again:
        service.load([v1], fmt="csl", source="s", policy=LoadPolicy(allow_rollback=True))
    assert "earlier version" not in again.value.message
    back = service.load(
        [v1], fmt="csl", source="s", policy=LoadPolicy(allow_rollback=True, allow_shrink=True)
    )
    assert back.status == "reactivated" and back.seq == 1
    # Loading the active content again stays "unchanged", never a refusal.
    assert service.load([v1], fmt="csl", source="s", policy=GUARDED).status == "unchanged"


def _csl_json(path: Path, published: str, total: int | None = None) -> Path:
    results = [
        {
            "id": f"j{i}",
            "source": "Entity List (EL) - Bureau of Industry and Security",
            "name": f"Json Party {i}",
            "type": "Entity",
        }
        for i in range(3)
    ]
    data: dict[str, Any] = {
        "sources_used": [{"source": "EL", "source_last_updated": published}],
        "results": results,
    }
    if total is not None:
        data["total"] = total
    path.write_text(json.dumps(data), encoding="utf-8")
    return path


def test_an_older_publication_date_is_refused(service, tmp_path) -> None:  # type: ignore[no-untyped-def]
    service.load(
        [_csl_json(tmp_path / "new.json", "2024-06-01")], fmt="csl", source="j", policy=GUARDED
    )
    older = _csl_json(tmp_path / "old.json", "2024-01-01")
    older.write_text(older.read_text().replace("Json Party 0", "Json Party Zero"))
    with pytest.raises(ListGuardError, match="published 2024-01-01, before the active version"):
        service.load([older], fmt="csl", source="j", policy=GUARDED)
    assert (
        service.load([older], fmt="csl", source="j", policy=LoadPolicy(allow_rollback=True)).seq
        == 2
    )


def test_a_stated_record_count_that_does_not_match_is_refused(
    service, tmp_path, shared_lists
) -> None:  # type: ignore[no-untyped-def]
    data = json.loads((shared_lists / "us_export_control_nsfreg/bis_meu.json").read_text())
    data["count"] = len(data["entities"]) + 40  # the file says 40 more than it holds
    path = tmp_path / "bis_meu.json"
    path.write_text(json.dumps(data), encoding="utf-8")
    with pytest.raises(ListGuardError, match=r"record count mismatch.*--allow-partial"):
        service.load([path], fmt="nsfreg", source="meu", policy=GUARDED)
    assert service.status() == []
    assert (
        service.load(
            [path], fmt="nsfreg", source="meu", policy=LoadPolicy(allow_partial=True)
        ).status
        == "loaded"
    )


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_ofac_primary_file_alone_is_a_refused_partial_set(service, tmp_path, shared_lists) -> None:  # type: ignore[no-untyped-def]
    paths = []
    for name, rel in OFAC_SET.items():
        paths.append(tmp_path / name)
        shutil.copy(shared_lists / rel, paths[-1])
    full = service.load(paths, fmt="ofac", policy=GUARDED)
    assert full.status == "loaded" and full.alias_count > 20000
    with pytest.raises(ListGuardError) as caught:
        service.load([paths[0]], fmt="ofac", policy=GUARDED)  # sdn.csv alone
    message = caught.value.message
    assert "partial OFAC file set: alt.csv, add.csv missing" in message
    assert "--allow-partial" in message
    # even with --allow-partial, the active version's aliases and addresses are protected
    with pytest.raises(ListGuardError, match="aliases") as again:
        service.load([paths[0]], fmt="ofac", policy=LoadPolicy(allow_partial=True))
    assert "partial OFAC" not in again.value.message
    (status,) = service.status()
    assert status.active_seq == 1 and status.alias_count == full.alias_count


# ----------------------------------------------------------------------- concurrent loads
def test_two_concurrent_loads_of_one_source_give_loaded_and_unchanged(
    db, tmp_path, monkeypatch
) -> None:  # type: ignore[no-untyped-def]
    """Both loads parse, then race to store. Whichever is second sees the first one's version."""
    from compliance.store.repository import ListRepository

    path = write_csl(tmp_path / "v1.csv", V1)
    barrier = threading.Barrier(2)
    original = ListRepository.next_seq

    def next_seq(self, source):  # type: ignore[no-untyped-def]
        # hold both writers here at once when the database lets them get this far
        with contextlib.suppress(threading.BrokenBarrierError):
            barrier.wait(timeout=2)
        return original(self, source)

    monkeypatch.setattr(ListRepository, "next_seq", next_seq)
    results: list[str] = []
    errors: list[BaseException] = []

    def run() -> None:
        try:
            service = ListService(db.sessions, actor="tester")
            results.append(service.load([path], fmt="csl", source="race", policy=GUARDED).status)
        except BaseException as exc:  # the test reports it
            errors.append(exc)

    threads = [threading.Thread(target=run) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert not any(t.is_alive() for t in threads)
    assert errors == []
    assert sorted(results) == ["loaded", "unchanged"]
    (status,) = ListService(db.sessions).status()
    assert status.versions == 1 and status.active_seq == 1
    with db.sessions() as session:
        assert verify_chain(session).ok


# ------------------------------------------------------------------ non-UTF-8 file names
def test_a_file_name_that_is_not_utf8_is_stored_and_audited(service, db, tmp_path) -> None:  # type: ignore[no-untyped-def]
    name = os.fsdecode(b"list-\xff\xfe.csv")
    path = write_csl(tmp_path / name, V1)
    result = service.load([path], fmt="csl", source="s1", policy=GUARDED)
    assert result.status == "loaded"
    with db.sessions() as session:
        (version,) = session.scalars(select(ListVersion)).all()
        assert version.files[0]["name"] == "list-\\xff\\xfe.csv"
    assert _last_audit(db).details["files"][0]["name"] == "list-\\xff\\xfe.csv"
    bad = tmp_path / os.fsdecode(b"bad-\xff.csv")
    bad.write_text('_id,source,name\n"1","x"\n', encoding="utf-8")
    with pytest.raises(ListFormatError) as caught:
        service.load([bad], fmt="csl", source="s2", policy=GUARDED)
    assert "bad-\\xff.csv" in caught.value.message
    caught.value.message.encode("utf-8")
    last = _last_audit(db)
    assert last.outcome == "failed" and "bad-\\xff.csv" in last.details["detail"]
    with db.sessions() as session:
        assert verify_chain(session).ok


# ------------------------------------------------------------------ issue 8, second round
def test_removing_the_last_entries_is_refused_whatever_the_share(service, tmp_path) -> None:  # type: ignore[no-untyped-def]
    """A file cut at a line end loses the active version's LAST entries (file order)."""
    rows = _rows(200)
    service.load([write_csl(tmp_path / "v1.csv", rows)], fmt="csl", source="s", policy=GUARDED)
    with pytest.raises(ListGuardError) as caught:  # 1 of 200 (0.5%): under 2%, but the tail
        service.load(
            [write_csl(tmp_path / "cut.csv", rows[:-1])], fmt="csl", source="s", policy=GUARDED
        )
    assert "exactly its last 1 entries in file order" in caught.value.message
    assert "Listed Party Number 199 (key e199)" in caught.value.message
    assert _active(service, "s") == 1
    # The same share from the middle is an ordinary delisting: accepted, and named.
    middle = rows[:50] + rows[51:]
    result = service.load(
        [write_csl(tmp_path / "v2.csv", middle)], fmt="csl", source="s", policy=GUARDED
    )
    assert result.seq == 2
    assert result.removed == ({"key": "e050", "name": "Listed Party Number 50"},)
    assert result.to_dict()["removed"] == [{"key": "e050", "name": "Listed Party Number 50"}]


def test_the_tail_is_taken_in_file_order_not_key_order(service, tmp_path) -> None:  # type: ignore[no-untyped-def]
    rows = list(reversed(_rows(100)))  # file order e099 ... e000
    service.load([write_csl(tmp_path / "v1.csv", rows)], fmt="csl", source="s", policy=GUARDED)
    with pytest.raises(ListGuardError, match="exactly its last 1 entries"):  # e000 is last
        service.load(
            [write_csl(tmp_path / "a.csv", rows[:-1])], fmt="csl", source="s", policy=GUARDED
        )
    assert (
        service.load(  # e099, first in the file (and last by key): an ordinary removal
            [write_csl(tmp_path / "b.csv", rows[1:])], fmt="csl", source="s", policy=GUARDED
        ).removed
        == ({"key": "e099", "name": "Listed Party Number 99"},)
    )


def test_the_same_entries_in_other_bytes_are_a_rollback(service, tmp_path) -> None:  # type: ignore[no-untyped-def]
    rows = _rows(100)
    v1 = write_csl(tmp_path / "v1.csv", rows)
    service.load([v1], fmt="csl", source="s", policy=GUARDED)
    more = [*rows, csl_row("x1", "Added Later Ltd.")]
    service.load([write_csl(tmp_path / "v2.csv", more)], fmt="csl", source="s", policy=GUARDED)
    crlf = tmp_path / "v1-crlf.csv"
    crlf.write_bytes(v1.read_bytes().replace(b"\n", b"\r\n"))
    with pytest.raises(ListGuardError) as caught:
        service.load([crlf], fmt="csl", source="s", policy=LoadPolicy(allow_shrink=True))
    assert "entries (not the file bytes) equal earlier version 1" in caught.value.message
    assert _active(service, "s") == 2
    accepted = service.load(
        [crlf], fmt="csl", source="s", policy=LoadPolicy(allow_shrink=True, allow_rollback=True)
    )
    assert accepted.seq == 3 and accepted.removed == ({"key": "x1", "name": "Added Later Ltd."},)


def test_lost_aliases_are_named(service, tmp_path) -> None:  # type: ignore[no-untyped-def]
    full = _rows(50, alt_names="First Alias; Second Alias")
    service.load([write_csl(tmp_path / "v1.csv", full)], fmt="csl", source="s", policy=GUARDED)
    renamed = _rows(50, alt_names="First Alias; Another Alias")  # same count, one name gone
    with pytest.raises(ListGuardError) as caught:
        service.load(
            [write_csl(tmp_path / "v2.csv", renamed)], fmt="csl", source="s", policy=GUARDED
        )
    message = caught.value.message
    assert "lose 50 of the active version's 100 aliases" in message
    assert "Second Alias (key e000)" in message and "... and 30 more" in message
    lost = caught.value.to_dict()["lost_alias_names"]
    assert (
        isinstance(lost, list)
        and len(lost) == 50
        and lost[0]
        == {
            "key": "e000",
            "name": "Second Alias",
        }
    )


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_a_file_the_active_ofac_version_had_is_needed_on_load(service, shared_lists) -> None:  # type: ignore[no-untyped-def]
    """`lists load` of sdn + alt + add after a version that also had sdn_comments.csv."""
    three = [shared_lists / rel for rel in OFAC_SET.values()]
    comments = shared_lists / "ofac/sdn_comments_watchman-2025-12.csv"
    first = service.load([*three, comments], fmt="ofac", source="o", policy=GUARDED)
    with pytest.raises(ListGuardError) as caught:
        service.load(three, fmt="ofac", source="o", policy=GUARDED)
    assert "--allow-partial" in caught.value.message
    assert caught.value.to_dict()["missing_files_of_active"] == [comments.name]
    assert _active(service, "o") == 1
    second = service.load(three, fmt="ofac", source="o", policy=LoadPolicy(allow_partial=True))
    assert second.seq == 2 and second.alias_count < first.alias_count
