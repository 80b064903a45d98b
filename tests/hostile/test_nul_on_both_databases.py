"""Issue 8, item 11: NUL in a custom JSON name loaded on SQLite and raised ``DataError`` on
PostgreSQL. Now the file is refused the same way on both, before anything is written: a
ListFormatError naming file, line and field, an audited failure, and exit 2 from the CLI."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlalchemy import func, select
from typer.testing import CliRunner

from compliance.errors import ListFormatError
from compliance.lists.service import ListService
from compliance.store.database import Database
from compliance.store.tables import AuditEvent, ListEntryRow, ListVersion

BAD_NAMES = ["Evil\\u0000Corp", "Evil\\u0001Corp", "Evil\\ud800Corp"]


def _custom_json(tmp_path: Path, name_escape: str) -> Path:
    path = tmp_path / "blocklist.json"
    path.write_text(
        '[\n  {"id": "a", "name": "Good Co"},\n  {"id": "b", "name": "' + name_escape + '"}\n]\n',
        encoding="utf-8",
    )
    return path


@pytest.mark.parametrize("name_escape", BAD_NAMES)
def test_refused_the_same_way_on_sqlite_and_postgresql(
    db: Database, tmp_path: Path, name_escape: str
) -> None:
    service = ListService(db.sessions, actor="tester")
    path = _custom_json(tmp_path, name_escape)
    with pytest.raises(ListFormatError) as info:
        service.load([path], fmt="custom", source="internal-x")
    assert (info.value.path, info.value.line, info.value.field) == (str(path), 3, "name")
    assert info.value.exit_code == 2
    with db.sessions() as session:
        assert session.scalar(select(func.count()).select_from(ListVersion)) == 0
        assert session.scalar(select(func.count()).select_from(ListEntryRow)) == 0
        last = session.scalars(select(AuditEvent).order_by(AuditEvent.seq.desc())).first()
        assert last is not None and (last.action, last.outcome) == ("lists.load", "failed")


def test_cli_exit_code_is_2(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from compliance.cli import app
    from compliance.settings import get_settings

    monkeypatch.setenv("COMPLIANCE_DATABASE_URL", f"sqlite:///{tmp_path / 'cli.db'}")
    get_settings.cache_clear()
    path = _custom_json(tmp_path, BAD_NAMES[0])
    result = CliRunner().invoke(app, ["lists", "load", str(path), "--format", "custom"])
    assert result.exit_code == 2, result.output
    assert "line 3" in result.output and "'name'" in result.output
    assert json.dumps(str(path))[1:-1] in result.output or str(path) in result.output
