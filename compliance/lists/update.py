"""Downloading the official list files (``compliance lists update``).

A download goes to a temporary directory, is verified (HTTP status, declared length, size
cap, the format's own completeness check, a full parse, and a shrink guard against the active
version), and only then loaded as a new version. Any failure leaves the active version as it
was, and the attempt is in the audit log.
"""

from __future__ import annotations

import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import httpx

from compliance.errors import BadInputError, DownloadError
from compliance.lists.service import ListService, LoadResult
from compliance.model import ParsedList
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


def _fetch(client: httpx.Client, spec: OfficialFile, dest: Path, max_bytes: int) -> Path | None:
    target = dest / spec.filename
    try:
        with client.stream("GET", spec.url) as response:
            if response.status_code == 404 and not spec.required:
                return None
            if response.status_code != 200:
                raise DownloadError(f"{spec.url}: HTTP {response.status_code}")
            declared = response.headers.get("content-length")
            size = 0
            with target.open("wb") as fh:
                for chunk in response.iter_raw():
                    size += len(chunk)
                    if size > max_bytes:
                        raise DownloadError(
                            f"{spec.url}: larger than the {max_bytes}-byte cap; refused"
                        )
                    fh.write(chunk)
    except httpx.HTTPError as exc:
        raise DownloadError(f"{spec.url}: {type(exc).__name__}: {exc}") from None
    if declared is not None and declared.isdigit() and int(declared) != size:
        raise DownloadError(f"{spec.url}: truncated download ({size} of {declared} declared bytes)")
    if size == 0:
        raise DownloadError(f"{spec.url}: empty response")
    return target


def shrink_guard(min_ratio: float) -> Callable[[ParsedList, int | None], None]:
    def guard(parsed: ParsedList, active_count: int | None) -> None:
        if active_count and len(parsed.entries) < min_ratio * active_count:
            raise DownloadError(
                f"new file has {len(parsed.entries)} entries against {active_count} in the "
                f"active version (below {min_ratio:.0%}); refusing it as a probable truncation "
                "(--allow-shrink to accept)"
            )

    return guard


def update_source(
    service: ListService,
    settings: Settings,
    source: str,
    *,
    allow_shrink: bool = False,
    transport: httpx.BaseTransport | None = None,
) -> LoadResult:
    sources = official_sources(settings)
    spec = sources.get(source)
    if spec is None:
        raise BadInputError(
            f"no official download for {source!r}; known: {', '.join(sorted(sources))}"
        )
    with tempfile.TemporaryDirectory(prefix="compliance-dl-") as tmp:
        tmpdir = Path(tmp)
        fetched: list[Path] = []
        urls: dict[str, str] = {}
        try:
            with httpx.Client(
                timeout=settings.download_timeout_seconds,
                follow_redirects=True,
                transport=transport,
            ) as client:
                for file in spec.files:
                    path = _fetch(client, file, tmpdir, settings.download_max_bytes)
                    if path is None:
                        continue
                    if not spec.complete(file.filename, path.read_bytes()):
                        raise DownloadError(
                            f"{file.url}: the file is incomplete (no end-of-file marker or a "
                            "cut-off last record); the active version is unchanged"
                        )
                    fetched.append(path)
                    urls[file.filename] = file.url
        except DownloadError as exc:
            service.record_failure("lists.update", source, exc)
            raise
        guard = None if allow_shrink else shrink_guard(settings.min_entry_ratio)
        return service.load(
            fetched, fmt=spec.format, source=source, guard=guard, origin={"urls": urls}
        )
