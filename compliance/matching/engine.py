"""The Matcher: candidates from the blocking index, name scores, feature adjustments, and one
explained :class:`~compliance.model.Match` per list entry that reaches the threshold."""

from __future__ import annotations

import copyreg
import hashlib
import json
import os
import pickle
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass, fields
from pathlib import Path
from typing import IO, Any

import numpy as np
from sqlalchemy.orm import Session, sessionmaker

from compliance.index import FloatArray, IntArray, NameIndex
from compliance.matching import features
from compliance.matching.scorer import (
    SMALL_BLOCK,
    explain_name,
    score_block,
    score_candidates,
    score_names,
)
from compliance.matching.weights import DEFAULT_WEIGHTS, Weights
from compliance.model import (
    Address,
    Alias,
    EntityType,
    FeatureResult,
    Identifier,
    ListEntry,
    Match,
    Party,
)
from compliance.normalize import NormName, normalize_name, visual_form


# Largest total bonus the adjustments can add: a name score this far below the threshold
# can still reach it, so such candidates are kept for the feature step.
def _max_bonus(w: Weights) -> float:
    return w.country_match + w.dob_match + w.address_match


@dataclass
class _Best:
    name_score: float
    row: int
    query_name: str


def query_names(party: Party) -> list[str]:
    """The names a party is screened under: its name and aliases as stored, each followed by
    the form it displays as when bidi overrides make that differ (a name stored backwards
    under U+202E displays, and is read, the right way round)."""
    names: list[str] = []
    for name in (party.name, *party.aliases):
        names.append(name)
        shown = visual_form(name)
        if shown is not None:
            names.append(shown)
    return list(dict.fromkeys(names))


def _review_floor(name_score: float, thresholds: tuple[float, ...]) -> float | None:
    """The highest review threshold the name score alone (after the weak-alias adjustment)
    reaches: a customer-supplied attribute that contradicts the entry (country, birth date,
    entity type, address, a differing identifier) may lower the score, never below it."""
    return max((t for t in thresholds if name_score >= t), default=None)


def _floor_result(
    found: _Best, total: float, floor: float, adjustments: list[tuple[str, FeatureResult]]
) -> FeatureResult:
    against = [r.detail for _, r in adjustments if r.score < 0]
    return FeatureResult(
        floor - total,
        "; ".join(
            [
                *against,
                f"kept at review because the name alone ({found.name_score:.2f}) reaches "
                f"the threshold ({floor:.2f})",
            ]
        ),
    )


class Matcher:
    def __init__(self, index: NameIndex) -> None:
        self.index = index
        self.weights = index.weights
        self.identifiers: dict[str, list[int]] = {}
        for i, (_src, entry) in enumerate(index.entries):
            for ident in entry.identifiers:
                key = features.normalize_identifier(ident.value)
                if len(key) >= 5:
                    self.identifiers.setdefault(key, []).append(i)
        self._rows_by_entry: dict[int, list[int]] = {}
        for row, rec in enumerate(index.names):
            self._rows_by_entry.setdefault(rec.entry, []).append(row)
        # ListEntry.content_hash serialises and hashes the whole entry on every access:
        # remembered per entry once a match needs it (entries are immutable).
        self._entry_hashes: dict[int, str] = {}

    @classmethod
    def build(
        cls,
        lists: Sequence[tuple[str, Sequence[ListEntry]]],
        weights: Weights = DEFAULT_WEIGHTS,
    ) -> Matcher:
        """Index every entry of every (source name, entries) pair."""
        pairs = [(source, entry) for source, entries in lists for entry in entries]
        return cls(NameIndex(pairs, weights))

    # ----------------------------------------------------------------------------- match
    def match(
        self,
        party: Party,
        *,
        threshold: float | None = None,
        limit: int = 50,
        brute_force: bool = False,
    ) -> list[Match]:
        """Entries matching ``party`` at or above ``threshold``, best first, one per entry.

        ``brute_force`` scores every indexed name instead of the blocking candidates (the
        baseline the benchmarks compare against; same scorer, same result shape).
        """
        w = self.weights
        thr = w.review_threshold if threshold is None else threshold
        floor = thr - _max_bonus(w)
        person = party.entity_type is EntityType.PERSON
        best: dict[int, _Best] = {}
        # A weak alias's name score is adjusted after scoring: score down to where the
        # adjustment could still lift it to the floor.
        name_floor = floor - max(0.0, w.weak_alias)
        weak = self.index.name_weak
        name_entry = self.index.name_entry
        for qname in query_names(party):
            norm = normalize_name(qname, person)
            if norm.is_empty:
                continue
            for row, score in self._scored(norm, name_floor, brute_force):
                if weak[row]:
                    score += w.weak_alias
                if score < floor:
                    continue
                eidx = int(name_entry[row])
                current = best.get(eidx)
                if current is None or score > current.name_score:
                    best[eidx] = _Best(score, row, qname)

        query = features.Query(party, person)
        id_hits: dict[int, FeatureResult] = {}
        if party.registration_number:
            key = features.normalize_identifier(party.registration_number)
            for idx in self.identifiers.get(key, ()):
                hit = features.identifier(query, self.index.entries[idx][1], w)
                if hit is not None:
                    id_hits[idx] = hit
                    if idx not in best:
                        best[idx] = self._best_row_for_entry(idx, party, person)

        matches: list[Match] = []
        for entry_idx, found in best.items():
            source, entry = self.index.entries[entry_idx]
            adjustments: list[tuple[str, FeatureResult]] = []
            total = found.name_score
            for feature in features.ADJUSTMENTS:
                result = feature(query, entry, w)
                if result is not None:
                    adjustments.append((feature.__name__, result))
                    total += result.score
            if entry_idx in id_hits:
                adjustments.append(("identifier", id_hits[entry_idx]))
                total = max(total, id_hits[entry_idx].score)
            total = min(1.0, max(0.0, total))
            keep = _review_floor(found.name_score, (thr, w.review_threshold))
            if keep is not None and total < keep:
                adjustments.append(("review_floor", _floor_result(found, total, keep, adjustments)))
                total = keep
            if total < thr:
                continue
            rec = self.index.names[found.row]
            norm = normalize_name(found.query_name, person)
            name_feature = explain_name(self.index, norm, found.row, found.name_score)
            if rec.kind == "weak":
                adjustments.append(
                    (
                        "weak_alias",
                        FeatureResult(w.weak_alias, "matched a weak (low-quality) alias"),
                    )
                )
            matches.append(
                Match(
                    source=source,
                    list_code=entry.list_code,
                    entry_key=entry.key,
                    entry_name=entry.name,
                    matched_name=rec.name,
                    matched_kind=rec.kind,
                    query_name=found.query_name,
                    score=round(total, 4),
                    features=(("name", name_feature), *adjustments),
                    programs=entry.programs,
                    entry_hash=self._entry_hash(entry_idx, entry),
                )
            )
        matches.sort(key=lambda m: (-m.score, m.source, m.entry_key))
        return matches[:limit]

    def match_name(
        self,
        name: str,
        *,
        country: str | None = None,
        entity_type: EntityType = EntityType.UNKNOWN,
        threshold: float | None = None,
    ) -> list[Match]:
        party = Party(id="query", name=name, country=country, entity_type=entity_type)
        return self.match(party, threshold=threshold)

    # --------------------------------------------------------------------------- helpers
    def _scored(self, norm: NormName, floor: float, brute_force: bool) -> list[tuple[int, float]]:
        """(row, name score) of the names scoring at least ``floor``, in block order."""
        if brute_force:
            rows: IntArray = np.arange(self.index.size, dtype=np.int32)
            scores = self._score(norm, rows, chunk=4096)
        else:
            rows = self.index.candidates(norm)
            if len(rows) <= SMALL_BLOCK:
                return score_candidates(self.index, norm, rows.tolist(), floor)
            return score_block(self.index, norm, rows, floor)
        keep = np.flatnonzero(scores >= floor)
        return list(zip(rows[keep].tolist(), scores[keep].tolist(), strict=True))

    def _score(self, norm: NormName, rows: IntArray, chunk: int) -> FloatArray:
        if not chunk or len(rows) <= chunk:
            return score_names(self.index, norm, rows)
        return np.concatenate(
            [score_names(self.index, norm, rows[i : i + chunk]) for i in range(0, len(rows), chunk)]
        )

    def _entry_hash(self, idx: int, entry: ListEntry) -> str:
        found = self._entry_hashes.get(idx)
        if found is None:
            found = self._entry_hashes[idx] = entry.content_hash
        return found

    def _best_row_for_entry(self, entry: int, party: Party, person: bool) -> _Best:
        rows = np.array(self._rows_by_entry.get(entry, []), dtype=np.int32)
        best = _Best(0.0, int(rows[0]) if len(rows) else 0, party.name)
        for qname in query_names(party):
            norm = normalize_name(qname, person)
            if norm.is_empty or not len(rows):
                continue
            scores = score_names(self.index, norm, rows)
            k = int(scores.argmax())
            if scores[k] > best.name_score:
                best = _Best(float(scores[k]), int(rows[k]), qname)
        return best


# --------------------------------------------------------------------- loading + caching
ENGINE_VERSION = "match-2"  # 2: invisible characters stripped, bidi visual form, review floor


@dataclass(frozen=True)
class LoadedMatcher:
    matcher: Matcher
    list_versions: dict[str, str]  # source -> content sha256 of its active version
    from_cache: bool


# The layout of the cached index: bumped when what is pickled changes shape, so an older
# cache file is never read as a newer one (the scores do not change: ENGINE_VERSION does not).
INDEX_FORMAT = 2

# List entries are pickled as their field values and rebuilt through the constructor:
# about twice as fast to load as the default dataclass state. The field names are part of
# the cache key, so a cache written before a field changed is not read.
_PICKLED_AS_FIELDS: tuple[type[Any], ...] = (ListEntry, Alias, Address, Identifier)


def _as_fields(obj: Any) -> tuple[type[Any], tuple[Any, ...]]:
    return type(obj), tuple([getattr(obj, f.name) for f in fields(obj)])


def _cache_key(versions: dict[str, str], weights: Weights) -> str:
    payload = json.dumps(
        {
            "engine": ENGINE_VERSION,
            "format": INDEX_FORMAT,
            "fields": {c.__name__: [f.name for f in fields(c)] for c in _PICKLED_AS_FIELDS},
            "versions": versions,
            "weights": repr(weights),
        },
        sort_keys=True,
    )
    return hashlib.sha256(payload.encode()).hexdigest()[:32]


def _dump(matcher: Matcher, fh: IO[bytes]) -> None:
    pickler = pickle.Pickler(fh, protocol=pickle.HIGHEST_PROTOCOL)
    table: dict[type[Any], Any] = dict(copyreg.dispatch_table)
    table.update(dict.fromkeys(_PICKLED_AS_FIELDS, _as_fields))
    pickler.dispatch_table = table
    pickler.dump(matcher)


def load_matcher(
    sessions: sessionmaker[Session],
    cache_dir: Path | None,
    weights: Weights = DEFAULT_WEIGHTS,
) -> LoadedMatcher:
    """A Matcher over every active list version. The built index is cached on disk, keyed by
    the active versions' content hashes (and the engine and weights), so it is built once per
    set of list versions."""
    from compliance.store.repository import ListRepository

    with sessions() as session:
        repo = ListRepository(session)
        active = [(v.source.name, v) for v in repo.active_versions()]
        versions = {name: v.content_sha256 for name, v in sorted(active)}
        cache_file: Path | None = None
        if cache_dir is not None:
            cache_file = cache_dir / f"index-{_cache_key(versions, weights)}.pkl"
            if cache_file.exists():
                try:
                    with cache_file.open("rb") as fh:
                        matcher = pickle.load(fh)  # noqa: S301 - our own cache file, mode 0600
                    if isinstance(matcher, Matcher):
                        return LoadedMatcher(matcher, versions, True)
                except Exception:  # noqa: S110 - a damaged or foreign cache file: rebuild below
                    pass
        lists = [(n, repo.verified_entries(v)) for n, v in sorted(active, key=lambda p: p[0])]
    matcher = Matcher.build(lists, weights)
    if cache_file is not None:
        cache_file.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=cache_file.parent, prefix=".index-")
        try:
            with os.fdopen(fd, "wb") as fh:
                _dump(matcher, fh)
            os.chmod(tmp, 0o600)
            os.replace(tmp, cache_file)
        except OSError:
            Path(tmp).unlink(missing_ok=True)
    return LoadedMatcher(matcher, versions, False)
