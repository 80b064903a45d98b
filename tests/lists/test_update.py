"""`lists update` against a local HTTP server on loopback (no other network, ever)."""

from __future__ import annotations

import functools
import gzip
import http.server
import shutil
import tempfile
import threading
import time
import zlib
from collections.abc import Iterator
from functools import partial
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from compliance.errors import DownloadError, ListGuardError, UnknownSourceError
from compliance.lists.service import ListService, LoadPolicy
from compliance.lists.update import update_source
from compliance.settings import Settings
from compliance.store.tables import AuditEvent

OFAC = {
    "sdn.csv": "ofac/sdn_2024-05-03.csv",
    "alt.csv": "ofac/alt_watchman-2025-12.csv",
    "add.csv": "ofac/add_watchman-2025-12.csv",
    "sdn_comments.csv": "ofac/sdn_comments_watchman-2025-12.csv",
}
CSL = "us_csl/csl_consolidated_watchman-pr523_2023-11_partial.csv"


@functools.cache
def _bomb() -> bytes:
    """One gzip layer: about 250 KB on the wire, 256 MiB of zeros decoded."""
    packer = zlib.compressobj(9, zlib.DEFLATED, 16 + zlib.MAX_WBITS)
    block = bytes(1 << 20)
    return b"".join(packer.compress(block) for _ in range(256)) + packer.flush()


class _Handler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args: object) -> None:
        pass

    def _send(self, body: bytes, headers: dict[str, str], status: int = 200) -> None:
        self.send_response(status)
        for key, value in headers.items():
            self.send_header(key, value)
        self.end_headers()
        self.wfile.write(body)
        self.wfile.flush()
        self.close_connection = True

    def do_GET(self) -> None:
        root = Path(self.directory)
        name = self.path.rsplit("/", 1)[-1]
        port = self.server.server_address[1]
        if self.path.startswith("/nolength/"):  # no Content-Length: the body just ends
            self._send((root / name).read_bytes(), {"Connection": "close"})
            return
        if self.path.startswith("/gzip/"):
            body = gzip.compress((root / name).read_bytes())
            headers = {"Content-Encoding": "gzip", "Content-Length": str(len(body))}
            self._send(body, headers)
            return
        if self.path.startswith("/gzip2/"):  # two stacked gzip layers
            body = gzip.compress(gzip.compress((root / name).read_bytes()))
            self._send(body, {"Content-Encoding": "gzip, gzip", "Content-Length": str(len(body))})
            return
        if self.path.startswith(("/deflate/", "/rawdeflate/", "/br/")):
            data = (root / name).read_bytes()
            if self.path.startswith("/deflate/"):
                body, coding = zlib.compress(data), "deflate"
            elif self.path.startswith("/rawdeflate/"):
                packer = zlib.compressobj(wbits=-zlib.MAX_WBITS)
                body, coding = packer.compress(data) + packer.flush(), "deflate"
            else:
                body, coding = data, "br"
            self._send(body, {"Content-Encoding": coding, "Content-Length": str(len(body))})
            return
        if self.path.startswith("/bomb"):
            self._send(_bomb(), {"Content-Encoding": "gzip", "Content-Length": str(len(_bomb()))})
            return
        if self.path.startswith("/trickle-headers"):  # a header byte every 0.25 s, 12 s at most
            try:
                self.wfile.write(b"HTTP/1.1 200 OK\r\n")
                for _ in range(48):
                    self.wfile.write(b"X")
                    self.wfile.flush()
                    time.sleep(0.25)
                self.wfile.write(b": y\r\nContent-Length: 0\r\n\r\n")
            except OSError:
                pass
            self.close_connection = True
            return
        if self.path.startswith("/slow"):  # one byte a second, for 20 seconds at most
            self.send_response(200)
            self.end_headers()
            try:
                for byte in b"_id,source,name\n1,x,y":
                    self.wfile.write(bytes([byte]))
                    self.wfile.flush()
                    time.sleep(1)
            except OSError:
                pass
            self.close_connection = True
            return
        if self.path.startswith("/redirect-same/"):
            self._send(b"", {"Location": f"/{name}", "Content-Length": "0"}, 302)
            return
        if self.path.startswith("/redirect-other/"):
            where = f"http://localhost:{port}/{name}"
            self._send(b"", {"Location": where, "Content-Length": "0"}, 302)
            return
        if self.path.startswith("/loop"):
            self._send(b"", {"Location": "/loop", "Content-Length": "0"}, 302)
            return
        if self.path.startswith("/error"):
            self.send_error(500, "server exploded")
            return
        if self.path.startswith("/liar"):  # declares more bytes than it sends
            self.send_response(200)
            self.send_header("Content-Length", "100000")
            self.end_headers()
            self.wfile.write(b"_id,source\n")
            self.wfile.flush()
            self.close_connection = True
            return
        super().do_GET()


@pytest.fixture
def server(tmp_path: Path) -> Iterator[tuple[str, Path]]:
    root = tmp_path / "www"
    root.mkdir()
    httpd = http.server.ThreadingHTTPServer(
        ("127.0.0.1", 0), partial(_Handler, directory=str(root))
    )
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}", root
    httpd.shutdown()
    httpd.server_close()


def _settings(base: str, **overrides: Any) -> Settings:
    urls = {
        "csl_url": f"{base}/consolidated.csv",
        "ofac_sdn_url": f"{base}/sdn.csv",
        "ofac_alt_url": f"{base}/alt.csv",
        "ofac_add_url": f"{base}/add.csv",
        "ofac_comments_url": f"{base}/sdn_comments.csv",
    }
    options: dict[str, Any] = {"database_url": "sqlite://", "download_timeout_seconds": 10}
    options.update(urls)
    options.update(overrides)
    return Settings(**options)


def _last_audit(db) -> AuditEvent:  # type: ignore[no-untyped-def]
    with db.sessions() as session:
        row = session.scalars(select(AuditEvent).order_by(AuditEvent.seq.desc())).first()
        assert row is not None
        return row


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_ofac_update_loads_then_is_unchanged(db, server, shared_lists) -> None:  # type: ignore[no-untyped-def]
    base, root = server
    for name, rel in OFAC.items():
        shutil.copy(shared_lists / rel, root / name)
    service = ListService(db.sessions, actor="updater")
    first = update_source(service, _settings(base), "us-ofac-sdn")
    assert first.status == "loaded" and first.entry_count == 14965
    assert _last_audit(db).details["origin"]["urls"]["sdn.csv"] == f"{base}/sdn.csv"
    again = update_source(service, _settings(base), "us-ofac-sdn")
    assert again.status == "unchanged" and again.seq == 1


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_truncated_ofac_download_keeps_previous_version(db, server, shared_lists) -> None:  # type: ignore[no-untyped-def]
    base, root = server
    for name, rel in OFAC.items():
        shutil.copy(shared_lists / rel, root / name)
    service = ListService(db.sessions, actor="updater")
    update_source(service, _settings(base), "us-ofac-sdn")
    data = (shared_lists / OFAC["sdn.csv"]).read_bytes()
    (root / "sdn.csv").write_bytes(data[: len(data) // 2])  # lost its tail and the 0x1A marker
    with pytest.raises(DownloadError, match="incomplete"):
        update_source(service, _settings(base), "us-ofac-sdn")
    (status,) = service.status()
    assert status.active_seq == 1 and status.versions == 1 and status.entry_count == 14965
    last = _last_audit(db)
    assert (last.action, last.outcome) == ("lists.update", "failed")


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_http_error_and_short_body_are_refused(db, server) -> None:  # type: ignore[no-untyped-def]
    base, _root = server
    service = ListService(db.sessions, actor="updater")
    with pytest.raises(DownloadError, match="HTTP 500"):
        update_source(service, _settings(base, csl_url=f"{base}/error"), "us-csl")
    with pytest.raises(DownloadError):
        update_source(service, _settings(base, csl_url=f"{base}/liar"), "us-csl")
    with pytest.raises(DownloadError, match="404"):
        update_source(service, _settings(base, csl_url=f"{base}/missing.csv"), "us-csl")
    assert service.status() == []


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_csl_update_and_shrink_guard(db, server, shared_lists, tmp_path) -> None:  # type: ignore[no-untyped-def]
    base, root = server
    lines = (shared_lists / CSL).read_bytes().splitlines(keepends=True)
    # The snapshot itself was cut mid-record by its publisher: a download like that is refused.
    shutil.copy(shared_lists / CSL, root / "consolidated.csv")
    service = ListService(db.sessions, actor="updater")
    with pytest.raises(DownloadError, match="incomplete"):
        update_source(service, _settings(base), "us-csl")
    (root / "consolidated.csv").write_bytes(b"".join(lines[:-1]))  # whole records only
    first = update_source(service, _settings(base), "us-csl")
    assert first.status == "loaded" and first.entry_count == 4226
    # A complete, valid file that has lost most rows: refused unless allowed.
    (root / "consolidated.csv").write_bytes(b"".join(lines[:50]))
    with pytest.raises(ListGuardError, match="probable truncation"):
        update_source(service, _settings(base), "us-csl")
    assert service.status()[0].active_seq == 1
    allowed = update_source(service, _settings(base), "us-csl", allow_shrink=True)
    assert allowed.status == "loaded" and allowed.seq == 2 and allowed.entry_count < 50


def _csl_lines(shared_lists: Path) -> list[bytes]:
    # The snapshot's last record was cut by its publisher: whole records only.
    return (shared_lists / CSL).read_bytes().splitlines(keepends=True)[:-1]


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_update_never_rolls_back_to_an_earlier_version_silently(db, server, shared_lists) -> None:  # type: ignore[no-untyped-def]
    """Issue 8.1: full CSL v1, a 300-line subset v2, v1 re-activated, the subset served."""
    base, root = server
    lines = _csl_lines(shared_lists)
    (root / "consolidated.csv").write_bytes(b"".join(lines))
    service = ListService(db.sessions, actor="updater")
    assert update_source(service, _settings(base), "us-csl").entry_count == 4226
    subset = root / "subset.csv"
    subset.write_bytes(b"".join(lines[:300]))
    shrunk = service.load(
        [subset], fmt="csl", source="us-csl", policy=LoadPolicy(allow_shrink=True)
    )
    assert shrunk.seq == 2 and shrunk.entry_count < 300
    service.activate("us-csl", 1)
    shutil.copy(subset, root / "consolidated.csv")
    with pytest.raises(ListGuardError) as caught:
        update_source(service, _settings(base), "us-csl")
    message = caught.value.message
    assert "earlier version 2" in message and "--allow-rollback" in message
    assert "would be removed" in message  # every guard runs whatever the history
    assert service.status()[0].active_seq == 1
    last = _last_audit(db)
    assert (last.action, last.outcome) == ("lists.update", "refused")
    with pytest.raises(ListGuardError, match="would be removed"):
        update_source(service, _settings(base), "us-csl", allow_rollback=True)
    assert service.status()[0].active_seq == 1


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_csl_cut_at_a_line_end_without_length_is_refused(db, server, shared_lists) -> None:  # type: ignore[no-untyped-def]
    """Issue 8.2: no Content-Length, the body cut at a line end 60% in."""
    base, root = server
    lines = _csl_lines(shared_lists)
    (root / "consolidated.csv").write_bytes(b"".join(lines))
    service = ListService(db.sessions, actor="updater")
    update_source(service, _settings(base), "us-csl")
    total, size, cut = sum(map(len, lines)), 0, 0
    while size < 0.6 * total:
        size += len(lines[cut])
        cut += 1
    (root / "cut.csv").write_bytes(b"".join(lines[:cut]))
    settings = _settings(base, csl_url=f"{base}/nolength/cut.csv")
    with pytest.raises(ListGuardError) as caught:
        update_source(service, settings, "us-csl")
    assert (
        "entries would be removed" in caught.value.message
        and "--allow-shrink" in caught.value.message
    )
    removed = caught.value.to_dict()["removed"]
    assert isinstance(removed, list) and len(removed) > 1500 and removed[0]["name"]
    (status,) = service.status()
    assert status.active_seq == 1 and status.entry_count == 4226
    assert _last_audit(db).outcome == "refused"


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_emptied_ofac_alt_file_is_refused_and_aliases_still_match(
    db, server, shared_lists, tmp_path
) -> None:  # type: ignore[no-untyped-def]
    """Issue 8.3: alt.csv cut to its first row (still ending in 0x1A)."""
    from compliance.services.index import load_matcher

    base, root = server
    for name, rel in OFAC.items():
        shutil.copy(shared_lists / rel, root / name)
    service = ListService(db.sessions, actor="updater")
    first = update_source(service, _settings(base), "us-ofac-sdn")
    alt = (root / "alt.csv").read_bytes()
    (root / "alt.csv").write_bytes(alt.split(b"\n", 1)[0] + b"\n\x1a")
    with pytest.raises(ListGuardError, match="aliases") as caught:
        update_source(service, _settings(base), "us-ofac-sdn")
    assert "--allow-shrink" in caught.value.message
    (status,) = service.status()
    assert status.active_seq == 1 and status.alias_count == first.alias_count
    hits = load_matcher(db.sessions, tmp_path / "cache").matcher.match_name("CRYMSA")
    assert "552" in [m.entry_key for m in hits]


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_a_slow_server_fails_within_the_deadline_and_leaves_no_files(
    db, server, tmp_path, monkeypatch
) -> None:  # type: ignore[no-untyped-def]
    base, _root = server
    scratch = tmp_path / "scratch"
    scratch.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(scratch))
    service = ListService(db.sessions, actor="updater")
    settings = _settings(base, csl_url=f"{base}/slow", download_deadline_seconds=1.5)
    started = time.monotonic()
    with pytest.raises(DownloadError, match="deadline"):
        update_source(service, settings, "us-csl")
    assert time.monotonic() - started < 6
    assert list(scratch.iterdir()) == []
    last = _last_audit(db)
    assert (last.action, last.outcome) == ("lists.update", "failed")


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_an_interrupted_update_is_audited_and_cleaned_up(db, tmp_path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    import httpx

    scratch = tmp_path / "scratch"
    scratch.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(scratch))

    def interrupt(request: httpx.Request) -> httpx.Response:
        raise KeyboardInterrupt

    service = ListService(db.sessions, actor="updater")
    with pytest.raises(KeyboardInterrupt):
        update_source(
            service,
            _settings("http://127.0.0.1:9"),
            "us-csl",
            transport=httpx.MockTransport(interrupt),
        )
    assert list(scratch.iterdir()) == []
    last = _last_audit(db)
    assert (last.action, last.outcome, last.subject) == ("lists.update", "interrupted", "us-csl")


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_a_gzip_encoded_download_is_decoded(db, server, shared_lists) -> None:  # type: ignore[no-untyped-def]
    base, root = server
    (root / "consolidated.csv").write_bytes(b"".join(_csl_lines(shared_lists)))
    service = ListService(db.sessions, actor="updater")
    result = update_source(
        service, _settings(base, csl_url=f"{base}/gzip/consolidated.csv"), "us-csl"
    )
    assert result.status == "loaded" and result.entry_count == 4226
    plain = update_source(service, _settings(base), "us-csl")
    assert plain.status == "unchanged"  # the decoded bytes are the file itself
    with pytest.raises(DownloadError, match="cap"):
        update_source(
            service,
            _settings(base, csl_url=f"{base}/gzip/consolidated.csv", download_max_bytes=100_000),
            "us-csl",
        )


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_redirects_stay_on_the_host_or_an_allowed_one(db, server, shared_lists) -> None:  # type: ignore[no-untyped-def]
    base, root = server
    (root / "consolidated.csv").write_bytes(b"".join(_csl_lines(shared_lists)))
    service = ListService(db.sessions, actor="updater")
    other = _settings(base, csl_url=f"{base}/redirect-other/consolidated.csv")
    with pytest.raises(DownloadError, match="another host"):
        update_source(service, other, "us-csl")
    assert _last_audit(db).outcome == "failed" and service.status() == []
    with pytest.raises(DownloadError, match="redirects"):
        update_source(service, _settings(base, csl_url=f"{base}/loop"), "us-csl")
    same = _settings(base, csl_url=f"{base}/redirect-same/consolidated.csv")
    assert update_source(service, same, "us-csl").status == "loaded"
    origin = _last_audit(db).details["origin"]
    assert origin["urls"]["consolidated.csv"] == f"{base}/consolidated.csv"
    assert origin["requested"]["consolidated.csv"] == f"{base}/redirect-same/consolidated.csv"
    port = base.rsplit(":", 1)[1]
    allowed = _settings(
        base,
        csl_url=f"{base}/redirect-other/consolidated.csv",
        download_allowed_hosts=["localhost"],
    )
    assert update_source(service, allowed, "us-csl").status == "unchanged"
    final = _last_audit(db).details["origin"]["urls"]["consolidated.csv"]
    assert final == f"http://localhost:{port}/consolidated.csv"


def test_an_unknown_source_is_bad_input(db) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(UnknownSourceError):
        update_source(ListService(db.sessions), _settings("http://127.0.0.1:9"), "nosuch")


def test_sigterm_during_an_update_cleans_up_audits_and_exits_3(server, tmp_path) -> None:  # type: ignore[no-untyped-def]
    """A killed update (SIGTERM, as from a scheduler's timeout) leaves no temporary files."""
    import os
    import signal
    import sqlite3
    import subprocess
    import sys

    base, _root = server
    scratch, home = tmp_path / "scratch", tmp_path / "home"
    scratch.mkdir()
    env = {k: v for k, v in os.environ.items() if not k.startswith("COMPLIANCE_")}
    env.update(
        COMPLIANCE_HOME=str(home),
        COMPLIANCE_CSL_URL=f"{base}/slow",
        COMPLIANCE_DOWNLOAD_DEADLINE_SECONDS="60",
        TMPDIR=str(scratch),
    )
    proc = subprocess.Popen(
        [sys.executable, "-m", "compliance", "lists", "update", "--source", "us-csl"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    try:
        deadline = time.monotonic() + 60
        while not list(scratch.glob("compliance-dl-*")) and time.monotonic() < deadline:
            assert proc.poll() is None, proc.communicate()
            time.sleep(0.1)
        assert list(scratch.glob("compliance-dl-*")), "the download never started"
        time.sleep(1)  # the request is being answered, one byte a second
        proc.send_signal(signal.SIGTERM)
        _out, err = proc.communicate(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait(timeout=10)
    assert proc.returncode == 3, err
    assert b"interrupted" in err and b"Traceback" not in err
    assert list(scratch.iterdir()) == []
    with sqlite3.connect(home / "compliance.db") as conn:
        row = conn.execute(
            "SELECT action, outcome, subject FROM audit_log ORDER BY seq DESC LIMIT 1"
        ).fetchone()
    assert row == ("lists.update", "interrupted", "us-csl")


# ------------------------------------------------------------------ issue 8, second round
def _matches(db, tmp_path: Path, *names: str) -> list[list[str]]:  # type: ignore[no-untyped-def]
    from compliance.services.index import load_matcher

    matcher = load_matcher(db.sessions, tmp_path / "cache").matcher
    return [[m.entry_name for m in matcher.match_name(name)] for name in names]


def _share_of(lines: list[bytes], share: float) -> bytes:
    return b"".join(lines[: int(len(lines) * share)])


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_a_re_encoded_earlier_version_is_a_refused_rollback(
    db, server, shared_lists, tmp_path
) -> None:  # type: ignore[no-untyped-def]
    """Round 2, A: 99% (v1), full (v2), the 99% file with LF -> CRLF: same entries as v1."""
    base, root = server
    lines = _csl_lines(shared_lists)
    cut = _share_of(lines, 0.99)
    (root / "consolidated.csv").write_bytes(cut)
    service = ListService(db.sessions, actor="updater")
    assert update_source(service, _settings(base), "us-csl").seq == 1
    (root / "consolidated.csv").write_bytes(b"".join(lines))
    assert update_source(service, _settings(base), "us-csl").seq == 2
    (root / "consolidated.csv").write_bytes(cut.replace(b"\n", b"\r\n"))
    with pytest.raises(ListGuardError) as caught:  # shrink allowed: the rollback alone refuses
        update_source(service, _settings(base), "us-csl", allow_shrink=True)
    message = caught.value.message
    assert "entries (not the file bytes) equal earlier version 1" in message
    assert "--allow-rollback" in message
    assert caught.value.to_dict()["rollback_to"] == 1
    (status,) = service.status()
    assert status.active_seq == 2 and status.versions == 2
    assert _last_audit(db).outcome == "refused"
    assert "Henson Chua" in _matches(db, tmp_path, "Henson Chua")[0]
    accepted = update_source(
        service, _settings(base), "us-csl", allow_shrink=True, allow_rollback=True
    )
    assert accepted.status == "loaded" and accepted.seq == 3


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_small_cuts_at_a_line_end_are_refused_as_truncation(
    db, server, shared_lists, tmp_path
) -> None:  # type: ignore[no-untyped-def]
    """Round 2, B: 99.5%, then 99%, then 98.5% of the CSL with no Content-Length: each under 2%
    but each the active version's last entries, so each is refused."""
    base, root = server
    lines = _csl_lines(shared_lists)
    (root / "consolidated.csv").write_bytes(b"".join(lines))
    service = ListService(db.sessions, actor="updater")
    update_source(service, _settings(base), "us-csl")
    settings = _settings(base, csl_url=f"{base}/nolength/cut.csv")
    for share in (0.995, 0.99, 0.985):
        (root / "cut.csv").write_bytes(_share_of(lines, share))
        with pytest.raises(ListGuardError) as caught:
            update_source(service, settings, "us-csl")
        message = caught.value.message
        assert "exactly its last" in message and "--allow-shrink" in message
        data = caught.value.to_dict()
        assert data["removed_are_the_last_entries"] is True
        assert "Henson Chua" in [r["name"] for r in data["removed"]]  # type: ignore[union-attr]
        (status,) = service.status()
        assert status.active_seq == 1 and status.entry_count == 4226
    assert "Henson Chua" in _matches(db, tmp_path, "Henson Chua")[0]
    accepted = update_source(service, settings, "us-csl", allow_shrink=True)
    assert accepted.status == "loaded"
    removed = {r["name"] for r in accepted.removed}
    assert "Henson Chua" in removed and len(accepted.removed) > 50
    assert accepted.to_dict()["removed"] == list(accepted.removed)
    assert _last_audit(db).details["removed"] == list(accepted.removed)


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_a_missing_optional_ofac_comments_file_is_a_partial_set(
    db, server, shared_lists, tmp_path
) -> None:  # type: ignore[no-untyped-def]
    """Round 2, C: the comments URL answers 404 after a version that had sdn_comments.csv."""
    base, root = server
    for name, rel in OFAC.items():
        shutil.copy(shared_lists / rel, root / name)
    service = ListService(db.sessions, actor="updater")
    first = update_source(service, _settings(base), "us-ofac-sdn")
    (root / "sdn_comments.csv").unlink()
    with pytest.raises(ListGuardError) as caught:
        update_source(service, _settings(base), "us-ofac-sdn")
    message = caught.value.message
    assert "--allow-partial" in message and "sdn_comments.csv" in message
    assert caught.value.to_dict()["missing_files_of_active"] == ["sdn_comments.csv"]
    (status,) = service.status()
    assert status.active_seq == 1 and status.alias_count == first.alias_count
    aliases = ("APPLEWORM", "WHOIS HACKING TEAM", "SBERBANK INDIA")
    assert all(_matches(db, tmp_path, *aliases)), aliases
    allowed = update_source(service, _settings(base), "us-ofac-sdn", allow_partial=True)
    assert allowed.status == "loaded" and allowed.alias_count < first.alias_count


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_stacked_or_unknown_content_encodings_are_refused(db, server, shared_lists) -> None:  # type: ignore[no-untyped-def]
    """Round 2, D: ``gzip, gzip`` (a double-gzip bomb's form) and ``br`` are refused."""
    base, root = server
    (root / "consolidated.csv").write_bytes(b"".join(_csl_lines(shared_lists)))
    service = ListService(db.sessions, actor="updater")
    with pytest.raises(DownloadError, match="stacked content encodings"):
        update_source(service, _settings(base, csl_url=f"{base}/gzip2/consolidated.csv"), "us-csl")
    with pytest.raises(DownloadError, match="not supported"):
        update_source(service, _settings(base, csl_url=f"{base}/br/consolidated.csv"), "us-csl")
    assert _last_audit(db).outcome == "failed" and service.status() == []
    for path in ("deflate", "rawdeflate"):
        got = update_source(
            service, _settings(base, csl_url=f"{base}/{path}/consolidated.csv"), "us-csl"
        )
        assert got.entry_count == 4226 and got.seq == 1


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_a_gzip_bomb_is_stopped_at_the_cap_with_bounded_memory(db, server) -> None:  # type: ignore[no-untyped-def]
    """Round 2, D: decoding is bounded (max_length pieces), so memory stays near the cap."""
    import tracemalloc

    base, _root = server
    _bomb()  # built before measuring
    service = ListService(db.sessions, actor="updater")
    settings = _settings(base, csl_url=f"{base}/bomb", download_max_bytes=1_000_000)
    tracemalloc.start()
    try:
        with pytest.raises(DownloadError, match="cap"):
            update_source(service, settings, "us-csl")
        _current, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 16_000_000, peak


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_the_deadline_covers_headers_trickled_byte_by_byte(
    db, server, tmp_path, monkeypatch
) -> None:  # type: ignore[no-untyped-def]
    """Round 2, E: a header byte every 0.25 s never trips the 5 s read timeout; the 1 s
    deadline covers the whole request, in a thread other than the main one as well."""
    base, _root = server
    scratch = tmp_path / "scratch"
    scratch.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(scratch))
    service = ListService(db.sessions, actor="updater")
    settings = _settings(
        base,
        csl_url=f"{base}/trickle-headers",
        download_deadline_seconds=1,
        download_timeout_seconds=5,
    )
    outcome: list[BaseException | float] = []

    def run() -> None:
        started = time.monotonic()
        try:
            update_source(service, settings, "us-csl")
        except BaseException as exc:
            outcome.extend([exc, time.monotonic() - started])

    worker = threading.Thread(target=run, daemon=True)
    worker.start()
    worker.join(10)
    assert not worker.is_alive(), "the update is still running after 10 s"
    error, elapsed = outcome
    assert isinstance(error, DownloadError) and "deadline" in error.message
    assert isinstance(elapsed, float) and elapsed < 4
    assert list(scratch.iterdir()) == []
    last = _last_audit(db)
    assert (last.action, last.outcome) == ("lists.update", "failed")


@pytest.mark.parametrize("wbits", [zlib.MAX_WBITS, -zlib.MAX_WBITS])
def test_deflate_decoded_whatever_the_first_chunk_size(wbits: int) -> None:
    """A zlib-wrapped deflate body whose first network chunk is one byte was taken for raw
    deflate (the header check needs two bytes) and refused as corrupt."""
    import httpx

    from compliance.lists.update import _Decoder

    body = b"x" * 10_000 + b"ent_num,name\n" * 50
    packer = zlib.compressobj(wbits=wbits)
    packed = packer.compress(body) + packer.flush()
    decoder = _Decoder(httpx.URL("http://127.0.0.1/x"), "deflate")
    out = b"".join(
        piece for chunk in (packed[:1], packed[1:2], packed[2:]) for piece in decoder.feed(chunk)
    )
    decoder.finish()
    assert out == body
