"""Loading list files as versions: new content -> new version, same content -> none, bad
input -> nothing written but the audit log; diffs by stable key and content hash.

These tests are about version mechanics, so loads that remove entries or go back to an older
content pass ``policy=None`` (no guards); the guards themselves are tested in test_guards.py."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest
from sqlalchemy import func, select

from compliance.errors import ListFormatError
from compliance.lists.csl import COLUMNS
from compliance.lists.service import ListService
from compliance.store.audit import verify_chain
from compliance.store.tables import AuditEvent, ListAliasRow, ListEntryRow, ListVersion

CSL_HEADER = list(COLUMNS)
EL = "Entity List (EL) - Bureau of Industry and Security"


def csl_row(_id: str, name: str, **fields: str) -> dict[str, str]:
    row = dict.fromkeys(CSL_HEADER, "")
    row.update(_id=_id, source=EL, type="Entity", programs="EAR", name=name, **fields)
    return row


def write_csl(path: Path, rows: list[dict[str, str]]) -> Path:
    buf = io.StringIO()
    writer = csv.DictWriter(buf, fieldnames=CSL_HEADER, quoting=csv.QUOTE_ALL)
    writer.writeheader()
    writer.writerows(rows)
    path.write_text(buf.getvalue(), encoding="utf-8")
    return path


V1 = [
    csl_row(
        "a1",
        "Huawei Technologies Co., Ltd.",
        alt_names="Huawei; 华为技术有限公司",
        addresses="Bantian, Longgang District, Shenzhen, CN",
        federal_register_notice="84 FR 22963",
        license_requirement="For all items subject to the EAR.",
        license_policy="Presumption of denial.",
    ),
    csl_row("a2", "Sugon", federal_register_notice="84 FR 29371"),
    csl_row("a3", "Old Entry Ltd.", federal_register_notice="80 FR 1"),
]
V2 = [
    V1[0] | {"alt_names": "Huawei; 华为技术有限公司; Huawei Tech"},  # changed alias
    V1[1],  # unchanged
    csl_row("a4", "New Entry GmbH", federal_register_notice="91 FR 2"),  # added; a3 removed
]


@pytest.fixture
def service(db) -> ListService:  # type: ignore[no-untyped-def]
    return ListService(db.sessions, actor="tester")


def _count(db, table) -> int:  # type: ignore[no-untyped-def]
    with db.sessions() as session:
        return int(session.scalar(select(func.count()).select_from(table)) or 0)


def test_load_then_same_file_again_makes_no_new_version(service, db, tmp_path) -> None:  # type: ignore[no-untyped-def]
    path = write_csl(tmp_path / "v1.csv", V1)
    first = service.load([path], fmt="csl", source="test-csl")
    assert (first.status, first.seq, first.entry_count, first.alias_count) == ("loaded", 1, 3, 2)
    copy = tmp_path / "renamed.csv"
    copy.write_bytes(path.read_bytes())
    again = service.load([copy], fmt="csl", source="test-csl")
    assert again.status == "unchanged" and again.seq == 1
    assert _count(db, ListVersion) == 1
    assert _count(db, ListEntryRow) == 3
    (status,) = service.status()
    assert status.active_seq == 1 and status.entry_count == 3 and status.alias_count == 2
    assert status.content_sha256 == first.content_sha256


def test_aliases_keep_their_kind_and_order(service, db, tmp_path) -> None:  # type: ignore[no-untyped-def]
    service.load([write_csl(tmp_path / "v1.csv", V1)], fmt="csl", source="test-csl")
    with db.sessions() as session:
        names = session.scalars(select(ListAliasRow.name).order_by(ListAliasRow.position)).all()
        kinds = set(session.scalars(select(ListAliasRow.kind)).all())
    assert list(names) == ["Huawei", "华为技术有限公司"]
    assert kinds == {"aka"}


def test_new_content_makes_a_version_and_diff_names_the_changes(service, tmp_path) -> None:  # type: ignore[no-untyped-def]
    service.load([write_csl(tmp_path / "v1.csv", V1)], fmt="csl", source="test-csl")
    second = service.load(
        [write_csl(tmp_path / "v2.csv", V2)], fmt="csl", source="test-csl", policy=None
    )
    assert second.status == "loaded" and second.seq == 2 and second.previous_seq == 1
    assert second.diff_counts == {"added": 1, "removed": 1, "changed": 1, "unchanged": 1}

    diff = service.diff("test-csl")
    assert [e.key for e in diff.added] == ["a4"]
    assert [e.key for e in diff.removed] == ["a3"]
    assert [(c.key, c.fields) for c in diff.changed] == [("a1", ("aliases",))]
    data = diff.to_dict()
    assert data["from"]["version"] == 1 and data["to"]["version"] == 2
    assert data["changed"][0]["old_hash"] != data["changed"][0]["new_hash"]
    # explicit range, reversed direction
    back = service.diff("test-csl", from_seq=2, to_seq=1)
    assert [e.key for e in back.added] == ["a3"] and [e.key for e in back.removed] == ["a4"]


def test_reloading_an_older_content_reactivates_it(service, tmp_path) -> None:  # type: ignore[no-untyped-def]
    v1 = write_csl(tmp_path / "v1.csv", V1)
    service.load([v1], fmt="csl", source="test-csl")
    service.load([write_csl(tmp_path / "v2.csv", V2)], fmt="csl", source="test-csl", policy=None)
    back = service.load([v1], fmt="csl", source="test-csl", policy=None)
    assert back.status == "reactivated" and back.seq == 1 and back.previous_seq == 2
    (status,) = service.status()
    assert status.active_seq == 1 and status.versions == 2


def test_bad_file_leaves_active_version_and_is_audited(service, db, tmp_path) -> None:  # type: ignore[no-untyped-def]
    service.load([write_csl(tmp_path / "v1.csv", V1)], fmt="csl", source="test-csl")
    bad = write_csl(tmp_path / "v2.csv", V2)
    text = bad.read_text(encoding="utf-8")
    bad.write_text(text[: len(text) * 2 // 3], encoding="utf-8")  # cut mid-record
    with pytest.raises(ListFormatError) as caught:
        service.load([bad], fmt="csl", source="test-csl")
    assert "v2.csv" in str(caught.value) and "line" in str(caught.value)
    (status,) = service.status()
    assert status.active_seq == 1 and status.versions == 1
    assert _count(db, ListEntryRow) == 3
    with db.sessions() as session:
        last = session.scalars(select(AuditEvent).order_by(AuditEvent.seq.desc())).first()
        assert last is not None
        assert (last.action, last.outcome, last.subject) == ("lists.load", "failed", "test-csl")
        assert "v2.csv" in last.details["detail"]
        assert verify_chain(session).ok


def test_failure_mid_insert_rolls_back_everything(service, db, tmp_path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """A crash while writing entries leaves no half-written version behind."""
    from compliance.store.repository import ListRepository

    service.load([write_csl(tmp_path / "v1.csv", V1)], fmt="csl", source="test-csl")

    def boom(self, version) -> None:  # type: ignore[no-untyped-def]
        raise OSError("disk full")

    monkeypatch.setattr(ListRepository, "activate", boom)
    with pytest.raises(OSError):
        service.load(
            [write_csl(tmp_path / "v2.csv", V2)], fmt="csl", source="test-csl", policy=None
        )
    assert _count(db, ListVersion) == 1
    assert _count(db, ListEntryRow) == 3
    (status,) = service.status()
    assert status.active_seq == 1


def test_activate_and_deactivate(service, tmp_path) -> None:  # type: ignore[no-untyped-def]
    service.load([write_csl(tmp_path / "v1.csv", V1)], fmt="csl", source="test-csl")
    service.load([write_csl(tmp_path / "v2.csv", V2)], fmt="csl", source="test-csl", policy=None)
    service.activate("test-csl", 1)
    assert service.status()[0].active_seq == 1
    service.deactivate("test-csl")
    assert service.status()[0].active_seq is None


def test_stored_entries_rebuild_with_the_same_content_hash(service, db, tmp_path) -> None:  # type: ignore[no-untyped-def]
    from compliance.lists import parse_files
    from compliance.store.repository import ListRepository

    path = write_csl(tmp_path / "v1.csv", V1)
    service.load([path], fmt="csl", source="test-csl")
    _, parsed = parse_files([path], "csl")
    with db.sessions() as session:
        repo = ListRepository(session)
        stored = repo.entries(repo.active_version(repo.source("test-csl")))  # type: ignore[arg-type]
    assert {e.key: e.content_hash for e in stored} == {
        e.key: e.content_hash for e in parsed.entries
    }
    assert {e.key: e for e in stored} == {e.key: e for e in parsed.entries}


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
@pytest.mark.parametrize(("fmt", "name"), [("csl", "consolidated.csv"), ("ofac", "sdn.csv")])
def test_200_mb_of_garbage_is_refused_quickly_and_audited(service, db, tmp_path, fmt, name) -> None:  # type: ignore[no-untyped-def]
    """A 200 MB file of printable garbage: one clear error naming the file and line 1, no
    version, an audit row; nothing already loaded is touched."""
    import random

    service.load([write_csl(tmp_path / "v1.csv", V1)], fmt="csl", source="keep-me")
    rng = random.Random(1)
    block = bytes(rng.choice(b"abcdefghij,;\"' \t0123456789") for _ in range(1 << 20))
    garbage = tmp_path / name
    with garbage.open("wb") as fh:
        for _ in range(200):
            fh.write(block)
    with pytest.raises(ListFormatError) as caught:
        service.load([garbage], fmt=fmt, source=f"garbage-{fmt}")
    message = str(caught.value)
    assert name in message and "line 1" in message
    statuses = {s.source: s for s in service.status()}
    assert set(statuses) == {"keep-me"} and statuses["keep-me"].active_seq == 1
    with db.sessions() as session:
        last = session.scalars(select(AuditEvent).order_by(AuditEvent.seq.desc())).first()
        assert last is not None and last.outcome == "failed"
        assert last.subject == f"garbage-{fmt}"
