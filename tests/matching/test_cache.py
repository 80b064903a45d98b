"""The built index is cached on disk, keyed by the active list versions."""

from __future__ import annotations

from pathlib import Path

from compliance.lists.service import ListService
from compliance.matching.engine import load_matcher
from tests.lists.test_service import V1, V2, write_csl


def test_index_is_cached_per_set_of_versions(db, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    cache = tmp_path / "cache"
    service = ListService(db.sessions)
    service.load([write_csl(tmp_path / "v1.csv", V1)], fmt="csl", source="el")
    first = load_matcher(db.sessions, cache)
    again = load_matcher(db.sessions, cache)
    assert not first.from_cache and again.from_cache
    assert again.list_versions == first.list_versions
    assert [m.entry_key for m in again.matcher.match_name("Sugon")] == ["a2"]

    service.load([write_csl(tmp_path / "v2.csv", V2)], fmt="csl", source="el")
    changed = load_matcher(db.sessions, cache)
    assert not changed.from_cache and changed.list_versions != first.list_versions
    assert changed.matcher.match_name("New Entry GmbH")[0].entry_key == "a4"
    assert len(list(cache.glob("index-*.pkl"))) == 2

    (next(cache.glob("index-*.pkl"))).write_bytes(b"not a pickle")  # a damaged cache file
    assert load_matcher(db.sessions, cache).matcher is not None


class _Boom:
    """Unpickles by raising KeyError, like a cache file written by another index layout."""

    def __reduce__(self) -> tuple[object, tuple[object, ...]]:
        import operator

        return operator.getitem, ({}, "_name_columns")


def test_a_cache_file_of_another_layout_is_rebuilt(db, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    import pickle

    cache = tmp_path / "cache"
    service = ListService(db.sessions)
    service.load([write_csl(tmp_path / "v1.csv", V1)], fmt="csl", source="el")
    first = load_matcher(db.sessions, cache)
    (cache_file,) = cache.glob("index-*.pkl")
    cache_file.write_bytes(pickle.dumps(_Boom()))
    again = load_matcher(db.sessions, cache)
    assert not again.from_cache
    assert [m.entry_key for m in again.matcher.match_name("Sugon")] == ["a2"]
    assert load_matcher(db.sessions, cache).from_cache  # rewritten
    assert first.list_versions == again.list_versions


def test_cache_key_names_the_index_layout(monkeypatch) -> None:  # type: ignore[no-untyped-def]
    from compliance.matching import engine
    from compliance.matching.weights import DEFAULT_WEIGHTS

    key = engine._cache_key({"el": "sha256:x"}, DEFAULT_WEIGHTS)
    monkeypatch.setattr(engine, "INDEX_FORMAT", engine.INDEX_FORMAT + 1)
    assert engine._cache_key({"el": "sha256:x"}, DEFAULT_WEIGHTS) != key
