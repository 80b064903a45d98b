"""`lists update` against a local HTTP server on loopback (no other network, ever)."""

from __future__ import annotations

import http.server
import shutil
import threading
from collections.abc import Iterator
from functools import partial
from pathlib import Path

import pytest
from sqlalchemy import select

from compliance.errors import DownloadError, ListGuardError
from compliance.lists.service import ListService
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


class _Handler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args: object) -> None:
        pass

    def do_GET(self) -> None:
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


def _settings(base: str, **overrides: str) -> Settings:
    urls = {
        "csl_url": f"{base}/consolidated.csv",
        "ofac_sdn_url": f"{base}/sdn.csv",
        "ofac_alt_url": f"{base}/alt.csv",
        "ofac_add_url": f"{base}/add.csv",
        "ofac_comments_url": f"{base}/sdn_comments.csv",
    }
    urls.update(overrides)
    return Settings(database_url="sqlite://", download_timeout_seconds=10, **urls)  # type: ignore[arg-type]


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
