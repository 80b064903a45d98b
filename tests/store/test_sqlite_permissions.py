"""Issue 8.4, round 2 (B): a SQLite database another user could replace or rewrite is refused
before it is opened (exit 3, the chmod/chown fix in the message). Tests run as root in CI:
another owner is made with os.chown; being a non-root user is simulated with os.geteuid."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from typer.testing import CliRunner

from compliance.cli import app
from compliance.errors import ConfigurationError
from compliance.store.session import make_engine

OTHER_UID = 4321


def _engine(db: Path) -> None:
    make_engine(f"sqlite:///{db}").dispose()


def _create(db: Path) -> Path:
    """A real SQLite file at ``db`` (its directory must already be acceptable)."""
    engine = make_engine(f"sqlite:///{db}")
    with engine.connect() as conn:
        conn.exec_driver_sql("CREATE TABLE t (x INTEGER)")
    engine.dispose()
    for suffix in ("-wal", "-shm"):
        db.with_name(db.name + suffix).unlink(missing_ok=True)
    return db


def _refused(db: Path, *shown: str) -> str:
    with pytest.raises(ConfigurationError) as caught:
        _engine(db)
    message = str(caught.value)
    assert caught.value.exit_code == 3
    assert f"refusing to open the SQLite database {db.resolve()}" in message
    for text in shown:
        assert text in message, message
    return message


@pytest.fixture
def home(tmp_path: Path) -> Path:
    path = tmp_path / "home"
    path.mkdir(mode=0o755)
    os.chmod(path, 0o755)
    return path


def test_a_private_home_and_file_are_accepted(home: Path) -> None:
    db = _create(home / "compliance.db")
    os.chmod(db, 0o644)
    _engine(db)


@pytest.mark.parametrize("mode", [0o777, 0o775, 0o757])
def test_a_directory_others_can_write_is_refused(home: Path, mode: int) -> None:
    db = _create(home / "compliance.db")
    os.chmod(home, mode)
    _refused(db, f"{home} is writable by group or others (mode {mode:04o})", f"chmod go-w {home}")


def test_a_world_writable_home_is_refused_before_the_database_is_made(home: Path) -> None:
    os.chmod(home, 0o777)
    _refused(home / "compliance.db", "mode 0777")
    assert not (home / "compliance.db").exists()


@pytest.mark.parametrize("mode", [0o666, 0o664, 0o646])
def test_a_database_file_others_can_write_is_refused(home: Path, mode: int) -> None:
    db = _create(home / "compliance.db")
    os.chmod(db, mode)
    _refused(db, f"{db} is writable by group or others (mode {mode:04o})", f"chmod go-w {db}")


@pytest.mark.skipif(os.geteuid() != 0, reason="needs root to give a file away")
def test_a_database_file_of_another_user_is_refused(home: Path) -> None:
    db = _create(home / "compliance.db")
    os.chown(db, OTHER_UID, -1)
    _refused(db, f"{db} is owned by uid {OTHER_UID}", f"chown {os.geteuid()} {db}")


@pytest.mark.skipif(os.geteuid() != 0, reason="needs root to give a file away")
def test_a_directory_of_another_user_is_refused(home: Path) -> None:
    db = _create(home / "compliance.db")
    os.chown(home, OTHER_UID, -1)
    _refused(db, f"{home} is owned by uid {OTHER_UID}")


@pytest.mark.skipif(os.geteuid() != 0, reason="needs root to give a file away")
def test_a_root_owned_directory_is_accepted_for_another_user(
    home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Root is excepted for the directory (only), as for /var/lib/<app>-style layouts."""
    db = _create(home / "compliance.db")
    os.chown(db, OTHER_UID, -1)
    monkeypatch.setattr(os, "geteuid", lambda: OTHER_UID)
    _engine(db)  # the directory is root's, the file ours
    os.chown(db, 0, -1)
    _refused(db, f"{db} is owned by uid 0, not by this user (uid {OTHER_UID})")


@pytest.mark.skipif(os.geteuid() != 0, reason="needs root to give a file away")
@pytest.mark.parametrize("suffix", ["-wal", "-journal"])
def test_a_planted_journal_file_is_refused(home: Path, suffix: str) -> None:
    db = _create(home / "compliance.db")
    planted = db.with_name(db.name + suffix)
    planted.write_bytes(b"")
    os.chown(planted, OTHER_UID, -1)
    _refused(db, f"{planted} is owned by uid {OTHER_UID}")


def test_a_sticky_shared_directory_needs_the_file_to_be_ours_and_private(home: Path) -> None:
    db = _create(home / "compliance.db")
    os.chmod(home, 0o1777)  # like /tmp: others cannot rename or remove our file
    os.chmod(db, 0o644)
    _engine(db)
    os.chmod(db, 0o666)
    _refused(db, "sticky, but the database in it is missing or not private", f"{db} is writable")
    db.unlink()  # a missing file could be made first by anyone
    _refused(db, "mode 1777")


def test_a_symlink_to_a_database_in_an_open_directory_is_refused(tmp_path: Path) -> None:
    open_dir = tmp_path / "open"
    open_dir.mkdir()
    real = _create(open_dir / "real.db")
    os.chmod(open_dir, 0o777)
    safe = tmp_path / "safe"
    safe.mkdir(mode=0o700)
    link = safe / "compliance.db"
    link.symlink_to(real)
    _refused(link, f"{open_dir} is writable by group or others (mode 0777)")


def test_the_default_home_made_with_umask_022_is_accepted(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The README's default: ~/.local/share/compliance, created by the first command."""
    from compliance.settings import get_settings

    monkeypatch.delenv("COMPLIANCE_HOME", raising=False)
    monkeypatch.setenv("HOME", str(tmp_path / "user"))
    get_settings.cache_clear()
    old = os.umask(0o022)
    try:
        r = CliRunner().invoke(app, ["lists", "status"])
    finally:
        os.umask(old)
    assert r.exit_code == 0, r.output
    assert (tmp_path / "user" / ".local" / "share" / "compliance" / "compliance.db").is_file()


def test_cli_refuses_a_world_writable_home_with_exit_3(env: Path) -> None:
    """The issue's case: COMPLIANCE_HOME mode 777 lets another user swap compliance.db."""
    runner = CliRunner()
    assert runner.invoke(app, ["lists", "status"]).exit_code == 0
    os.chmod(env / "home", 0o777)
    r = runner.invoke(app, ["screen-name", "Huawei Technologies Co., Ltd."])
    assert r.exit_code == 3, r.output
    assert "refusing to open the SQLite database" in r.stderr
    assert f"chmod go-w {env / 'home'}" in " ".join(r.stderr.split())
    os.chmod(env / "home", 0o755)
    assert runner.invoke(app, ["screen-name", "Huawei Technologies Co., Ltd."]).exit_code == 0
