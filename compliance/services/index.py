"""Loading the matcher from the database: the one place the matching core meets the store.

The index itself is built by :class:`compliance.matching.engine.Matcher` (pure) and cached on
disk by :mod:`compliance.matching.engine`'s cache; this service reads the active list
versions' entries (verified against their stored digests) and hands them over.
"""

from __future__ import annotations

from pathlib import Path

from sqlalchemy.orm import Session, sessionmaker

from compliance.matching.engine import DiskCache, LoadedMatcher, Matcher, open_cache
from compliance.matching.weights import DEFAULT_WEIGHTS, Weights
from compliance.store.repository import ListRepository


def load_matcher(
    sessions: sessionmaker[Session],
    cache_dir: Path | None,
    weights: Weights = DEFAULT_WEIGHTS,
) -> LoadedMatcher:
    """A Matcher over every active list version. The built index is cached on disk, keyed by
    the active versions' content hashes (and the engine and weights), so it is built once per
    set of list versions. The cache is used only from a directory and key file that no other
    user can write, and a file is used only when its MAC and manifest check out; else the
    index is built from the database (see the format notes above)."""
    cache: DiskCache | None = None
    try:
        with sessions() as session:
            repo = ListRepository(session)
            active = [(v.source.name, v) for v in repo.active_versions()]
            versions = {name: v.content_sha256 for name, v in sorted(active)}
            cache, warning = open_cache(cache_dir, versions, weights)
            if cache is not None and (cached := cache.read(weights)) is not None:
                return LoadedMatcher(cached, versions, True)
            lists = [
                (name, repo.verified_entries(v)) for name, v in sorted(active, key=lambda p: p[0])
            ]
        matcher = Matcher.build(lists, weights)
        if cache is not None:
            cache.write(matcher)
    finally:
        if cache is not None:
            cache.close()
    return LoadedMatcher(matcher, versions, False, warning)
