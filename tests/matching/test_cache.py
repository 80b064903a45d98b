"""The on-disk index cache: keyed by the active list versions, and never a way in.

* it is used again for the same versions and rebuilt for new ones;
* nothing in it is code: a pickle planted under the old or the new name is never unpickled;
* a file that is not exactly this installation's, for these versions, is not used: a flipped
  byte, a name edited under a MAC made with another key, a valid file of other versions;
* a cache directory or key file that someone else could write is refused (warned, not used);
* a cached Matcher answers exactly as a freshly built one (real lists, demo list).
"""

from __future__ import annotations

import json
import logging
import os
import pickle
import stat
import struct
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

from compliance.lists import csl, parse_files
from compliance.lists.service import ListService
from compliance.matching import engine
from compliance.matching.engine import Matcher
from compliance.matching.weights import DEFAULT_WEIGHTS
from compliance.model import Alias, AliasKind, EntityType, ListEntry, Party
from compliance.services.index import load_matcher
from tests.lists.test_service import V1, V2, write_csl
from tests.matching.test_matching import DEMO, EXTRA

SUFFIX = getattr(engine, "_SUFFIX", ".pkl")  # the cache file's name ending


@pytest.fixture
def db(tmp_path: Path):  # type: ignore[no-untyped-def]
    """A migrated SQLite store: the cache is the same whatever the database (the shared
    ``db`` fixture runs each test on PostgreSQL too; the load path is tested there)."""
    from compliance.store.database import Database
    from compliance.store.session import ensure_schema, make_engine, session_factory

    engine = make_engine(f"sqlite:///{tmp_path / 'test.db'}")
    ensure_schema(engine)
    database = Database(engine, session_factory(engine))
    yield database
    database.dispose()


def _load(db, tmp_path: Path, rows=V1, name: str = "v1.csv") -> None:  # type: ignore[no-untyped-def]
    ListService(db.sessions).load(
        [write_csl(tmp_path / name, rows)], fmt="csl", source="el", policy=None
    )


def _cache_file(db, cache: Path) -> Path:  # type: ignore[no-untyped-def]
    """Where the cache file of the active versions lives."""
    versions = load_matcher(db.sessions, None).list_versions
    return cache / f"index-{engine._cache_key(versions, DEFAULT_WEIGHTS)}{SUFFIX}"


def _keys(loaded: engine.LoadedMatcher, name: str) -> list[str]:
    return [m.entry_key for m in loaded.matcher.match_name(name)]


# ------------------------------------------------------------------------------ reuse
def test_index_is_cached_per_set_of_versions(db, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    cache = tmp_path / "cache"
    _load(db, tmp_path)
    first = load_matcher(db.sessions, cache)
    again = load_matcher(db.sessions, cache)
    assert not first.from_cache and again.from_cache
    assert again.list_versions == first.list_versions
    assert _keys(again, "Sugon") == ["a2"]
    assert first.cache_warning is None and again.cache_warning is None

    _load(db, tmp_path, V2, "v2.csv")
    changed = load_matcher(db.sessions, cache)
    assert not changed.from_cache and changed.list_versions != first.list_versions
    assert _keys(changed, "New Entry GmbH") == ["a4"]
    assert len(list(cache.glob(f"index-*{SUFFIX}"))) == 2

    _cache_file(db, cache).write_bytes(b"not a cache file")  # damaged: rebuilt, rewritten
    assert _keys(load_matcher(db.sessions, cache), "New Entry GmbH") == ["a4"]
    assert load_matcher(db.sessions, cache).from_cache


def test_directory_and_key_are_private_to_this_user(db, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    cache = tmp_path / "home" / "cache"
    _load(db, tmp_path)
    load_matcher(db.sessions, cache)
    assert stat.S_IMODE(cache.stat().st_mode) == 0o700
    key = cache / "index.key"
    assert stat.S_IMODE(key.stat().st_mode) == 0o600 and len(key.read_bytes()) == 32
    (written,) = cache.glob(f"index-*{SUFFIX}")
    assert stat.S_IMODE(written.stat().st_mode) == 0o600
    secret = key.read_bytes()
    load_matcher(db.sessions, cache)
    assert key.read_bytes() == secret  # made once, then only read
    assert sorted(p.name for p in cache.iterdir()) == sorted(["index.key", written.name])


def test_cache_key_names_the_index_layout(monkeypatch) -> None:  # type: ignore[no-untyped-def]
    key = engine._cache_key({"el": "sha256:x"}, DEFAULT_WEIGHTS)
    monkeypatch.setattr(engine, "INDEX_FORMAT", engine.INDEX_FORMAT + 1)
    assert engine._cache_key({"el": "sha256:x"}, DEFAULT_WEIGHTS) != key


# ------------------------------------------------------------------ nothing executes
class _Touch:
    """Unpickling this creates ``marker``: the proof that a pickle was loaded."""

    def __init__(self, marker: Path) -> None:
        self.marker = marker

    def __reduce__(self) -> tuple[object, tuple[object, ...]]:
        return Path.touch, (self.marker,)


@pytest.mark.parametrize("suffix", [".pkl", SUFFIX])
def test_a_planted_pickle_is_never_unpickled(db, tmp_path: Path, suffix: str) -> None:  # type: ignore[no-untyped-def]
    cache = tmp_path / "cache"
    marker = tmp_path / "pwned"
    _load(db, tmp_path)
    load_matcher(db.sessions, cache)  # the directory and key exist, as on a used install
    for old in cache.glob("index-*"):
        old.unlink()
    planted = _cache_file(db, cache).with_suffix(suffix)
    planted.write_bytes(pickle.dumps(_Touch(marker)))
    pickle.loads(pickle.dumps(_Touch(tmp_path / "works")))
    assert (tmp_path / "works").exists()  # the planted file would run if unpickled

    loaded = load_matcher(db.sessions, cache)
    assert not marker.exists()
    assert not loaded.from_cache
    assert _keys(loaded, "Sugon") == ["a2"]
    assert load_matcher(db.sessions, cache).from_cache  # a good file written
    assert not marker.exists()
    if suffix == ".pkl":  # an earlier release's pickle is removed when a new file is written
        assert not planted.exists()


# ------------------------------------------------------------------ tampering
def _flip(data: bytes, at: int) -> bytes:
    return data[:at] + bytes([data[at] ^ 0x01]) + data[at + 1 :]


@pytest.mark.parametrize("where", ["in a listed name", "in the MAC", "last byte"])
def test_one_flipped_byte_is_not_used(db, tmp_path: Path, where: str) -> None:  # type: ignore[no-untyped-def]
    cache = tmp_path / "cache"
    _load(db, tmp_path)
    load_matcher(db.sessions, cache)
    path = _cache_file(db, cache)
    data = path.read_bytes()
    at = {
        "in a listed name": data.index(b"Sugon") + 1,  # "Sugon" -> "Stgon"
        "in the MAC": len(b"compliance-index\n") + 5,
        "last byte": len(data) - 1,
    }[where]
    path.write_bytes(_flip(data, at))
    loaded = load_matcher(db.sessions, cache)
    assert not loaded.from_cache
    assert _keys(loaded, "Sugon") == ["a2"]
    assert path.read_bytes() == data  # rebuilt and written again
    assert load_matcher(db.sessions, cache).from_cache


def _resign(data: bytes, key: bytes, edit: tuple[bytes, bytes]) -> bytes:
    """The file with one edit in its JSON header and a MAC computed over it with ``key``."""
    magic = len(b"compliance-index\n")
    body = data[magic + 32 :]
    (head_len,) = struct.unpack_from("<Q", body)
    head = body[8 : 8 + head_len].replace(*edit)
    body = struct.pack("<Q", len(head)) + head + body[8 + head_len :]
    import hmac

    return data[:magic] + hmac.digest(key, body, "sha256") + body


def test_an_edited_name_under_another_key_is_not_used(db, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    cache = tmp_path / "cache"
    _load(db, tmp_path)
    load_matcher(db.sessions, cache)
    path = _cache_file(db, cache)
    data = path.read_bytes()
    # "Sugon" renamed everywhere in the file: a listed party that would screen clear.
    forged = _resign(data, os.urandom(32), (b"Sugon", b"Xylon")) if SUFFIX != ".pkl" else None
    path.write_bytes(forged or data.replace(b"Sugon", b"Xylon"))
    loaded = load_matcher(db.sessions, cache)
    assert not loaded.from_cache
    assert _keys(loaded, "Sugon") == ["a2"]
    # Control: the same edit under this installation's key is read, so the MAC is what stops it.
    if forged is not None:
        path.write_bytes(_resign(data, (cache / "index.key").read_bytes(), (b"Sugon", b"Xylon")))
        accepted = load_matcher(db.sessions, cache)
        assert accepted.from_cache
        assert [e.name for _, e in accepted.matcher.index.entries if e.key == "a2"] == ["Xylon"]


def test_a_valid_file_of_other_versions_is_not_used(db, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    cache = tmp_path / "cache"
    _load(db, tmp_path)
    load_matcher(db.sessions, cache)
    v1_file = _cache_file(db, cache)
    _load(db, tmp_path, V2, "v2.csv")
    v2_file = _cache_file(db, cache)
    assert v2_file != v1_file and not v2_file.exists()
    v2_file.write_bytes(v1_file.read_bytes())  # authentic, but for the list's older version
    loaded = load_matcher(db.sessions, cache)
    assert not loaded.from_cache
    assert _keys(loaded, "New Entry GmbH") == ["a4"]
    assert _keys(loaded, "Old Entry Ltd.") == []


def test_a_file_for_other_weights_is_not_used(tmp_path: Path) -> None:
    versions = {"demo": "sha256:d"}
    matcher = Matcher.build([("demo", EXTRA)])
    _write(tmp_path, versions, matcher)
    other = replace(DEFAULT_WEIGHTS, review_threshold=0.5)
    disk = engine.DiskCache(tmp_path, versions, other)
    (tmp_path / disk.name).write_bytes(
        (tmp_path / engine.DiskCache(tmp_path, versions, DEFAULT_WEIGHTS).name).read_bytes()
    )
    assert disk.read(other) is None
    disk.close()


# -------------------------------------------------------------- unsafe directories
@pytest.fixture
def warnings_seen(caplog: pytest.LogCaptureFixture) -> Iterator[pytest.LogCaptureFixture]:
    getattr(engine, "_warned", set()).clear()
    with caplog.at_level(logging.WARNING, logger="compliance.matching.engine"):
        yield caplog


def _refused(db, cache: Path, caplog: pytest.LogCaptureFixture) -> None:  # type: ignore[no-untyped-def]
    before = set(cache.iterdir()) if cache.is_dir() else set()
    loaded = load_matcher(db.sessions, cache)
    again = load_matcher(db.sessions, cache)
    assert not loaded.from_cache and not again.from_cache
    assert loaded.cache_warning and loaded.cache_warning.startswith("index cache not used: ")
    assert _keys(again, "Sugon") == ["a2"]  # screening goes on without the disk cache
    assert (set(cache.iterdir()) if cache.is_dir() else set()) == before  # nothing written
    warned = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert warned == [loaded.cache_warning]  # once, however many loads


@pytest.mark.parametrize("mode", [0o777, 0o770, 0o722, 0o1777])
def test_a_directory_others_can_write_is_refused(
    db, tmp_path: Path, warnings_seen, mode: int
) -> None:  # type: ignore[no-untyped-def]
    cache = tmp_path / "cache"
    _load(db, tmp_path)
    load_matcher(db.sessions, cache)  # a good cache file exists...
    os.chmod(cache, mode)  # ...in a directory others could have written it into
    _refused(db, cache, warnings_seen)
    assert f"{mode & 0o777:03o}" in warnings_seen.records[0].getMessage()


def _as_other_user(path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """``path`` owned by another uid: really (as root), else this process's uid changes."""
    if os.geteuid() == 0:
        os.chown(path, 4321, -1, follow_symlinks=False)
    else:
        uid = os.geteuid() + 1
        monkeypatch.setattr(os, "geteuid", lambda: uid)


def test_a_directory_of_another_user_is_refused(
    db, tmp_path: Path, warnings_seen, monkeypatch
) -> None:  # type: ignore[no-untyped-def]
    cache = tmp_path / "cache"
    _load(db, tmp_path)
    cache.mkdir(mode=0o700)
    _as_other_user(cache, monkeypatch)
    _refused(db, cache, warnings_seen)
    assert "owned by uid" in warnings_seen.records[0].getMessage()


def test_a_home_others_can_write_cannot_lend_its_cache_dir(
    db, tmp_path: Path, warnings_seen, monkeypatch
) -> None:  # type: ignore[no-untyped-def]
    # The repro: COMPLIANCE_HOME world-writable, another user makes "cache" first.
    home = tmp_path / "home"
    home.mkdir()
    os.chmod(home, 0o777)
    cache = home / "cache"
    cache.mkdir()
    os.chmod(cache, 0o777)
    _load(db, tmp_path)
    _refused(db, cache, warnings_seen)


@pytest.mark.parametrize(
    "problem", ["group-readable", "world-writable", "other owner", "symlink", "short"]
)
def test_a_bad_key_file_is_refused(
    db, tmp_path: Path, warnings_seen, monkeypatch, problem: str
) -> None:  # type: ignore[no-untyped-def]
    cache = tmp_path / "cache"
    _load(db, tmp_path)
    load_matcher(db.sessions, cache)
    key = cache / "index.key"
    if problem == "group-readable":
        os.chmod(key, 0o640)
    elif problem == "world-writable":
        os.chmod(key, 0o666)
    elif problem == "other owner":
        if os.geteuid() != 0:
            pytest.skip("needs root to give a file away while its directory stays ours")
        os.chown(key, 4321, -1)
    elif problem == "symlink":
        elsewhere = tmp_path / "known.key"
        elsewhere.write_bytes(b"k" * 32)
        os.chmod(elsewhere, 0o600)
        key.unlink()
        key.symlink_to(elsewhere)
    else:
        key.write_bytes(b"short")
    _refused(db, cache, warnings_seen)


def test_a_cache_path_that_is_a_file_is_refused(db, tmp_path: Path, warnings_seen) -> None:  # type: ignore[no-untyped-def]
    cache = tmp_path / "cache"
    cache.write_text("not a directory")
    _load(db, tmp_path)
    loaded = load_matcher(db.sessions, cache)
    assert not loaded.from_cache and loaded.cache_warning
    assert _keys(loaded, "Sugon") == ["a2"]


def test_racing_first_uses_agree_on_one_key(tmp_path: Path) -> None:
    # Two processes' first uses at once: each may create a key; one link wins, both read it.
    first = engine.DiskCache(tmp_path, {}, DEFAULT_WEIGHTS)
    (tmp_path / "index.key").unlink()
    second = engine.DiskCache(tmp_path, {}, DEFAULT_WEIGHTS)
    first._create_secret()  # loses the race: the key already there stays
    assert first._secret(tmp_path / "index.key") == second.key
    assert sorted(p.name for p in tmp_path.iterdir()) == ["index.key"]
    first.close()
    second.close()


# ------------------------------------------------------------ same answers from the cache
def _write(cache_dir: Path, versions: dict[str, str], matcher: Matcher) -> None:
    disk = engine.DiskCache(cache_dir, versions, DEFAULT_WEIGHTS)
    disk.write(matcher)
    disk.close()


def _read(cache_dir: Path, versions: dict[str, str]) -> Matcher:
    disk = engine.DiskCache(cache_dir, versions, DEFAULT_WEIGHTS)
    found = disk.read(DEFAULT_WEIGHTS)
    disk.close()
    assert found is not None
    return found


def _same_state(before: Matcher, after: Matcher) -> None:
    assert vars(after).keys() == vars(before).keys()
    assert after.identifiers == before.identifiers
    assert after._rows_by_entry == before._rows_by_entry
    assert after.weights == before.weights
    b, a = vars(before.index), vars(after.index)
    assert a.keys() == b.keys()
    for name, value in b.items():
        if isinstance(value, np.ndarray):
            assert a[name].dtype == value.dtype and a[name].shape == value.shape, name
            assert np.array_equal(a[name], value), name
        elif name == "key_info":
            assert list(a[name]) == list(value)
            for key, (rows, df, weight) in value.items():
                got = a[name][key]
                assert np.array_equal(got[0], rows) and got[1:] == (df, weight), key
        elif name in ("names", "entries"):  # (columns decoded when read, in a cached one)
            assert list(a[name]) == list(value)
        else:
            assert a[name] == value, name


def _queries(matcher: Matcher, step: int) -> list[Party]:
    parties = []
    for i, (_source, entry) in enumerate(matcher.index.entries[::step]):
        person = entry.entity_type is EntityType.PERSON
        name = entry.name if i % 3 else entry.name[:-1] + "x"  # every third one misspelt
        parties.append(
            Party(
                f"q{i}",
                name,
                aliases=tuple(a.name for a in entry.aliases[:1]),
                entity_type=entry.entity_type,
                country=(entry.countries or ("DE",))[0] if i % 2 else None,
                date_of_birth=(entry.dates_of_birth or ("1970-01-01",))[0] if person else None,
                registration_number=entry.identifiers[0].value if entry.identifiers else None,
            )
        )
    parties += [Party(f"u{i}", n) for i, n in enumerate(["Nordix Analytics", "Maria Garcia"])]
    return parties


def _same_answers(matcher: Matcher, cached: Matcher, parties: list[Party]) -> None:
    found = 0
    for party in parties:
        fresh = matcher.match(party, threshold=0.6)
        assert cached.match(party, threshold=0.6) == fresh, party
        found += len(fresh)
    assert found > len(parties) // 2  # the queries do reach listed parties


def test_a_cached_demo_index_answers_as_a_fresh_one(tmp_path: Path) -> None:
    _, demo = parse_files([DEMO], "csl")
    odd = ListEntry(
        "odd", "Odd Name\x00 Ltd", EntityType.ORGANIZATION, "EL", remarks="\U0001f600 \u202e",
        aliases=(Alias("Odd Weak", AliasKind.WEAK),), extra=(("k", "v"),),
    )  # fmt: skip
    matcher = Matcher.build([("demo", demo.entries), ("extra", (*EXTRA, odd))])
    versions = {"demo": "sha256:a", "extra": "sha256:b"}
    _write(tmp_path, versions, matcher)
    cached = _read(tmp_path, versions)
    _same_state(matcher, cached)
    assert list(cached.index.entries) == list(matcher.index.entries)
    _same_answers(matcher, cached, _queries(matcher, 1))


@pytest.mark.shared
def test_a_cached_real_index_answers_as_a_fresh_one(shared_lists: Path, tmp_path: Path) -> None:
    ofac = ("sdn_2024-05-03.csv", "alt_watchman-2025-12.csv", "add_watchman-2025-12.csv")
    sdn = parse_files([shared_lists / "ofac" / f for f in ofac], "ofac")[1]
    consolidated = csl.parse(
        [shared_lists / "us_csl" / "csl_consolidated_watchman-pr523_2023-11_partial.csv"],
        allow_truncated=True,
    )
    el = parse_files([shared_lists / "us_export_control_nsfreg" / "bis_entity_list.json"])[1]
    lists = [("us-ofac-sdn", sdn.entries), ("us-csl", consolidated.entries),
             ("bis-el", el.entries)]  # fmt: skip
    matcher = Matcher.build(lists)
    versions = {source: f"sha256:{source}" for source, _ in lists}
    _write(tmp_path, versions, matcher)
    cached = _read(tmp_path, versions)
    _same_state(matcher, cached)
    assert list(cached.index.entries) == list(matcher.index.entries)
    parties = _queries(matcher, len(matcher.index.entries) // 300)
    assert len(parties) >= 300
    _same_answers(matcher, cached, parties)


def test_a_matcher_with_state_the_format_lacks_is_not_cached(tmp_path: Path, warnings_seen) -> None:  # type: ignore[no-untyped-def]
    matcher = Matcher.build([("extra", EXTRA)])
    matcher.new_lookup = {}  # type: ignore[attr-defined]  # added by a future change
    _write(tmp_path, {}, matcher)
    assert not list(tmp_path.glob(f"index-*{SUFFIX}"))
    assert "Matcher attributes changed" in warnings_seen.records[0].getMessage()
    manifest = json.loads(engine._canonical(engine._manifest({}, DEFAULT_WEIGHTS)))
    assert manifest["versions"] == {} and manifest["format"] == engine.INDEX_FORMAT


def test_an_empty_index_round_trips(tmp_path: Path) -> None:
    matcher = Matcher.build([])
    _write(tmp_path, {}, matcher)
    cached = _read(tmp_path, {})
    _same_state(matcher, cached)
    assert cached.match_name("Sugon") == []


# ------------------------------------------------------- the person-name lexicon inside
def test_the_cache_carries_the_name_lexicon_and_a_fresh_process_takes_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A process that loads a cached index reads rigour's person-name lexicon from the file
    instead of building it, and gets exactly the lexicon it would have built."""
    from compliance.normalize import symbols

    built = symbols.person_lexicon()
    assert built is not None and len(built) > 400_000
    versions = {"demo": "sha256:d"}
    _write(tmp_path, versions, Matcher.build([("demo", EXTRA)]))
    monkeypatch.setattr(symbols, "_lexicon", symbols._UNSET)  # as a new process
    monkeypatch.setattr(
        symbols.PersonLexicon, "from_rigour", classmethod(lambda cls, path=None: pytest.fail())
    )
    disk = engine.DiskCache(tmp_path, versions, DEFAULT_WEIGHTS)
    assert disk.read(DEFAULT_WEIGHTS) is not None
    disk.close()
    assert symbols.lexicon_loaded() and symbols.person_lexicon() == built


def test_a_cache_of_another_rigour_release_is_not_used(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The list names' symbols come from rigour's data: a new release rebuilds the index."""
    from compliance.normalize import symbols

    versions = {"demo": "sha256:d"}
    _write(tmp_path, versions, Matcher.build([("demo", EXTRA)]))
    written = engine.DiskCache(tmp_path, versions, DEFAULT_WEIGHTS)
    data = (tmp_path / written.name).read_bytes()
    written.close()
    monkeypatch.setattr(symbols, "rigour_release", lambda: "99.0/lexicon-1")
    disk = engine.DiskCache(tmp_path, versions, DEFAULT_WEIGHTS)
    assert disk.name != written.name
    (tmp_path / disk.name).write_bytes(data)  # authentic, but built with another release
    assert disk.read(DEFAULT_WEIGHTS) is None
    disk.close()
