"""Downloading the official list files (``compliance lists update``).

A download goes to a temporary directory (removed on every outcome), is verified (HTTP status,
an overall deadline over the whole request, declared length, one gzip or deflate layer at most,
decoded in bounded pieces under the size cap, redirects only to the same or an allowed host,
the format's own completeness check, a full parse, and the list guards of
:func:`compliance.lists.service.check_guards` against the active version), and only then loaded
as a new version. Any failure leaves the active version as it was, and the attempt is in the
audit log with the final URL of each file.
"""

from __future__ import annotations

import tempfile
import threading
import time
import zlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

from compliance.errors import DownloadError, UnknownSourceError
from compliance.lists.service import ListService, LoadPolicy, LoadResult
from compliance.settings import Settings


@dataclass(frozen=True)
class OfficialFile:
    url: str
    filename: str  # what the loader expects to see
    required: bool = True


@dataclass(frozen=True)
class OfficialSource:
    name: str
    format: str
    files: tuple[OfficialFile, ...]
    complete: Callable[[str, bytes], bool]  # (filename, bytes) -> looks complete


def _csl_complete(_name: str, data: bytes) -> bool:
    from compliance.lists.csl import looks_complete

    return looks_complete(data)


def _ofac_complete(name: str, data: bytes) -> bool:
    from compliance.lists.ofac import looks_complete

    return looks_complete(data)


def official_sources(settings: Settings) -> dict[str, OfficialSource]:
    return {
        "us-csl": OfficialSource(
            "us-csl", "csl", (OfficialFile(settings.csl_url, "consolidated.csv"),), _csl_complete
        ),
        "us-ofac-sdn": OfficialSource(
            "us-ofac-sdn",
            "ofac",
            (
                OfficialFile(settings.ofac_sdn_url, "sdn.csv"),
                OfficialFile(settings.ofac_alt_url, "alt.csv"),
                OfficialFile(settings.ofac_add_url, "add.csv"),
                OfficialFile(settings.ofac_comments_url, "sdn_comments.csv", required=False),
            ),
            _ofac_complete,
        ),
    }


MAX_REDIRECTS = 5
_PIECE = 1 << 16  # decoded bytes per decompress call: memory stays bounded by it


def _follow(url: httpx.URL, location: str, origin: httpx.URL, allowed: frozenset[str]) -> httpx.URL:
    """The redirect target, if it may be followed: http(s), no https -> http downgrade, and the
    original URL's host or one of ``settings.download_allowed_hosts``."""
    target = url.join(location)
    if target.scheme not in ("http", "https") or (
        url.scheme == "https" and target.scheme != "https"
    ):
        raise DownloadError(f"{url}: redirect to {target} refused (scheme)")
    if target.host != origin.host and target.host not in allowed:
        raise DownloadError(
            f"{url}: redirect to another host ({target.host}) refused; add it to "
            "COMPLIANCE_DOWNLOAD_ALLOWED_HOSTS to allow it"
        )
    return target


class _Decoder:
    """The response's Content-Encoding undone, a bounded piece at a time: identity, or ONE
    gzip or deflate layer. Anything else, or stacked encodings (``gzip, gzip``: a 13 KB body
    can hold gigabytes), is refused. Each ``decompress`` call is capped at ``_PIECE`` output
    bytes (the rest of the input waits in ``unconsumed_tail``), so the caller can stop at the
    size cap before more is decoded."""

    def __init__(self, url: httpx.URL, header: str | None) -> None:
        self.url = url
        codings = [c.strip().lower() for c in (header or "").split(",")]
        codings = [c for c in codings if c and c != "identity"]
        if len(codings) > 1:
            raise DownloadError(
                f"{url}: stacked content encodings ({header}) refused; one gzip or deflate "
                "layer at most"
            )
        self.coding = codings[0] if codings else None
        if self.coding not in (None, "gzip", "x-gzip", "deflate"):
            raise DownloadError(f"{url}: content encoding {header!r} not supported; refused")
        self._d: Any = None
        self._started = False
        self._head = b""
        if self.coding in ("gzip", "x-gzip"):
            self._d = zlib.decompressobj(16 + zlib.MAX_WBITS)
        elif self.coding == "deflate":
            self._d = zlib.decompressobj(zlib.MAX_WBITS)  # zlib-wrapped; raw deflate below

    def feed(self, data: bytes) -> Iterator[bytes]:
        if self._d is None:
            if data:
                yield data
            return
        try:
            if not self._started and data:
                if self.coding == "deflate" and len(self._head) + len(data) < 2:
                    self._head += data  # two bytes tell a zlib header from raw deflate
                    return
                data, self._head = self._head + data, b""
                self._started = True
                zlib_header = (
                    len(data) > 1 and data[0] & 0x0F == 8 and int.from_bytes(data[:2]) % 31 == 0
                )
                if self.coding == "deflate" and not zlib_header:
                    self._d = zlib.decompressobj(-zlib.MAX_WBITS)  # raw deflate, no header
            while data:
                if self._d.eof:
                    raise DownloadError(f"{self.url}: data after the end of the compressed body")
                piece = self._d.decompress(data, _PIECE)
                data = self._d.unconsumed_tail
                if piece:
                    yield piece
                while len(piece) == _PIECE and not data and not self._d.eof:
                    piece = self._d.decompress(b"", _PIECE)  # output still held back
                    if piece:
                        yield piece
            if self._d.unused_data:
                raise DownloadError(f"{self.url}: data after the end of the compressed body")
        except zlib.error as exc:
            raise DownloadError(f"{self.url}: corrupt {self.coding} body: {exc}") from None

    def finish(self) -> None:
        if self._d is not None and not self._d.eof:
            raise DownloadError(f"{self.url}: truncated {self.coding} body")


def _fetch(
    client: httpx.Client,
    spec: OfficialFile,
    dest: Path,
    settings: Settings,
    cancelled: threading.Event | None = None,
) -> tuple[Path, str] | None:
    """Download one file into ``dest``; returns (path, final URL), or None for an optional file
    the server does not have (:func:`_fetch_bounded` runs it under the overall deadline). The
    size cap counts decoded bytes; the declared Content-Length is checked against the bytes
    received on the wire."""
    target = dest / spec.filename
    origin = url = httpx.URL(spec.url)
    allowed = frozenset(h.lower() for h in settings.download_allowed_hosts)
    deadline = time.monotonic() + settings.download_deadline_seconds

    def remaining() -> float:
        left = deadline - time.monotonic()
        if left <= 0 or (cancelled is not None and cancelled.is_set()):
            raise DownloadError(_late(spec, settings))
        return left

    try:
        for _hop in range(MAX_REDIRECTS + 1):
            timeout = httpx.Timeout(min(settings.download_timeout_seconds, remaining()))
            with client.stream(
                "GET", url, timeout=timeout, headers={"Accept-Encoding": "gzip, deflate"}
            ) as response:
                if response.is_redirect:
                    location = response.headers.get("location")
                    if not location:
                        raise DownloadError(f"{url}: redirect without a Location header")
                    url = _follow(url, location, origin, allowed)
                    continue
                if response.status_code == 404 and not spec.required:
                    return None
                if response.status_code != 200:
                    raise DownloadError(f"{url}: HTTP {response.status_code}")
                declared = response.headers.get("content-length")
                decoder = _Decoder(url, response.headers.get("content-encoding"))
                size = received = 0
                remaining()
                with target.open("wb") as fh:
                    for raw in response.iter_raw():
                        received += len(raw)
                        for piece in decoder.feed(raw):
                            size += len(piece)
                            if size > settings.download_max_bytes:
                                raise DownloadError(
                                    f"{url}: larger than the {settings.download_max_bytes}-"
                                    "byte cap (decoded); refused"
                                )
                            remaining()
                            fh.write(piece)
                        remaining()
                    decoder.finish()
            if declared is not None and declared.isdigit() and int(declared) != received:
                raise DownloadError(
                    f"{url}: truncated download ({received} of {declared} declared bytes)"
                )
            if size == 0:
                raise DownloadError(f"{url}: empty response")
            return target, str(url)
    except httpx.HTTPError as exc:
        raise DownloadError(f"{url}: {type(exc).__name__}: {exc}") from None
    except (httpx.InvalidURL, OSError) as exc:
        raise DownloadError(f"{url}: {type(exc).__name__}: {exc}") from None
    raise DownloadError(f"{spec.url}: more than {MAX_REDIRECTS} redirects; refused")


def _late(spec: OfficialFile, settings: Settings) -> str:
    return (
        f"{spec.url}: not complete within the {settings.download_deadline_seconds:g}-second "
        "download deadline (connection, headers and body); refused"
    )


def _fetch_bounded(
    client: httpx.Client, spec: OfficialFile, dest: Path, settings: Settings
) -> tuple[Path, str] | None:
    """:func:`_fetch` in a worker thread, waited for at most the download deadline: the
    deadline covers the whole request (name lookup, connect, headers trickled a byte at a
    time, body), in any thread. A late worker is told to stop and abandoned (a daemon thread:
    it writes nothing more and ends when its connection does)."""
    outcome: list[Any] = []
    cancelled = threading.Event()

    def work() -> None:
        try:
            outcome.append(("ok", _fetch(client, spec, dest, settings, cancelled)))
        except BaseException as exc:  # handed to the waiting caller
            outcome.append(("error", exc))

    worker = threading.Thread(target=work, name=f"download {spec.filename}", daemon=True)
    worker.start()
    try:
        worker.join(settings.download_deadline_seconds + 0.5)
    except BaseException:  # Ctrl-C or SIGTERM while waiting
        cancelled.set()
        raise
    if worker.is_alive() or not outcome:
        cancelled.set()
        raise DownloadError(_late(spec, settings))
    kind, value = outcome[0]
    if kind == "error":
        raise value
    result: tuple[Path, str] | None = value
    return result


def update_source(
    service: ListService,
    settings: Settings,
    source: str,
    *,
    allow_shrink: bool = False,
    allow_rollback: bool = False,
    allow_partial: bool = False,
    transport: httpx.BaseTransport | None = None,
) -> LoadResult:
    """Download ``source``'s official files and load them through the list guards. Every
    outcome is in the audit log (``lists.update``: ok, unchanged, reactivated, refused,
    failed, interrupted); the temporary files are removed on every outcome."""
    sources = official_sources(settings)
    spec = sources.get(source)
    if spec is None:
        raise UnknownSourceError(
            f"no official download for {source!r}; known: {', '.join(sorted(sources))}"
        )
    policy = LoadPolicy(
        allow_rollback=allow_rollback,
        allow_shrink=allow_shrink,
        allow_partial=allow_partial,
        max_removed_share=settings.max_removed_share,
    )
    with tempfile.TemporaryDirectory(prefix="compliance-dl-") as tmp:
        try:
            fetched, urls = _fetch_all(service, spec, Path(tmp), settings, transport)
        except KeyboardInterrupt as exc:  # (the load below audits its own interruption)
            service.record_failure("lists.update", source, exc, outcome="interrupted")
            raise
        return service.load(
            fetched,
            fmt=spec.format,
            source=source,
            policy=policy,
            origin={"urls": urls, "requested": {f.filename: f.url for f in spec.files}},
            action="lists.update",
        )


def _fetch_all(
    service: ListService,
    spec: OfficialSource,
    tmpdir: Path,
    settings: Settings,
    transport: httpx.BaseTransport | None,
) -> tuple[list[Path], dict[str, str]]:
    fetched: list[Path] = []
    urls: dict[str, str] = {}
    try:
        with httpx.Client(
            timeout=settings.download_timeout_seconds,
            follow_redirects=False,
            transport=transport,
        ) as client:
            for file in spec.files:
                got = _fetch_bounded(client, file, tmpdir, settings)
                if got is None:
                    continue
                path, final_url = got
                if not spec.complete(file.filename, path.read_bytes()):
                    raise DownloadError(
                        f"{final_url}: the file is incomplete (no end-of-file marker or a "
                        "cut-off last record); the active version is unchanged"
                    )
                fetched.append(path)
                urls[file.filename] = final_url
    except DownloadError as exc:
        service.record_failure("lists.update", spec.name, exc)
        raise
    return fetched, urls
