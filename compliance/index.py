"""Blocking index over every name and alias of the active list versions.

Keys per name: its core tokens and the character trigrams of its written-together form
(``^huaweitechnologies$``). A query collects the postings of its keys, skipping keys that occur
in too many names (they say little), and ranks names by the summed rarity (IDF) of the keys
they share with it. Trigrams make retrieval tolerant of typos anywhere, the first letter
included ("Suawei" still shares ``uaw``, ``awe``, ``wei``, ``ei$`` with "Huawei").

The index also holds what the vectorised scorer needs: a vocabulary of tokens with their
weights, and each name's tokens as an id array.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from compliance.matching.weights import Weights
from compliance.model import AliasKind, EntityType, ListEntry
from compliance.normalize import NormName, normalize_name
from compliance.normalize.legal_forms import is_legal
from compliance.normalize.scripts import skeleton

IntArray = npt.NDArray[np.int32]
FloatArray = npt.NDArray[np.float64]


@dataclass(frozen=True, slots=True)
class IndexedName:
    entry: int  # position in NameIndex.entries
    name: str
    kind: str  # "primary" or an AliasKind value
    norm: NormName


def name_keys(norm: NormName) -> list[str]:
    """The blocking keys of a normalized name (same function at index and query time).

    Every name also gets consonant-skeleton keys (``s:lktrnk``), which is what a query
    transliterated from Arabic script looks up instead of its trigrams."""
    skeletons = ["s:" + sk for sk in (skeleton(t) for t in norm.core) if len(sk) >= 2]
    if norm.abjad:
        return ["w:" + t for t in norm.core] + skeletons
    keys = ["w:" + t for t in norm.core] + skeletons
    joined = norm.joined
    if len(joined) <= 2:
        return keys
    padded = f"^{joined}$"
    keys.extend(padded[i : i + 3] for i in range(len(padded) - 2))
    return keys


def is_person(entity_type: EntityType) -> bool:
    return entity_type is EntityType.PERSON


class NameIndex:
    """Built once per set of list versions (see :func:`compliance.matching.engine.load_matcher`
    for the on-disk cache keyed by version hashes)."""

    def __init__(self, entries: Sequence[tuple[str, ListEntry]], weights: Weights) -> None:
        self.weights = weights
        self.entries: list[tuple[str, ListEntry]] = list(entries)
        self.names: list[IndexedName] = []
        for i, (_source, entry) in enumerate(self.entries):
            person = is_person(entry.entity_type)
            seen: set[tuple[str, ...]] = set()
            for text, kind in (
                (entry.name, "primary"),
                *((a.name, a.kind.value) for a in entry.aliases),
            ):
                norm = normalize_name(text, person)
                if norm.is_empty or norm.tokens in seen:
                    continue
                seen.add(norm.tokens)
                self.names.append(IndexedName(i, text, kind, norm))
        n = len(self.names)
        self.size = n

        # Vocabulary and token weights (IDF over names, scaled to [0.1, 1]).
        df: dict[str, int] = defaultdict(int)
        for rec in self.names:
            for tok in set(rec.norm.tokens):
                df[tok] += 1
        self.vocab: list[str] = sorted(df)
        self.token_id: dict[str, int] = {t: i for i, t in enumerate(self.vocab)}
        log_n = math.log(max(n, 2) + 1)
        self.token_weight: FloatArray = np.array(
            [self._weight(t, df[t], log_n) for t in self.vocab], dtype=np.float64
        )
        self.token_len: IntArray = np.array([len(t) for t in self.vocab], dtype=np.int32)
        self.vocab_array: npt.NDArray[np.object_] = np.array(self.vocab, dtype=object)
        self.vocab_skeleton: list[str] = [skeleton(t) for t in self.vocab]
        self.skeleton_len: IntArray = np.array(
            [len(t) for t in self.vocab_skeleton], dtype=np.int32
        )
        self.token_legal: npt.NDArray[np.bool_] = np.array(
            [is_legal(t) for t in self.vocab], dtype=np.bool_
        )
        self._log_n = log_n

        # Each name's tokens as ids, padded into one matrix (-1 = none).
        width = max((len(r.norm.tokens) for r in self.names), default=1)
        self.name_tokens: IntArray = np.full((n, width), -1, dtype=np.int32)
        for row, rec in enumerate(self.names):
            ids = [self.token_id[t] for t in dict.fromkeys(rec.norm.tokens)]
            self.name_tokens[row, : len(ids)] = ids
        self.name_len: IntArray = np.array(
            [len(set(r.norm.tokens)) for r in self.names], dtype=np.int32
        )
        self.name_core_count: IntArray = np.array(
            [len(r.norm.core) for r in self.names], dtype=np.int32
        )
        self.name_joined: npt.NDArray[np.object_] = np.array(
            [r.norm.joined for r in self.names], dtype=object
        )
        self.name_entry: IntArray = np.array([r.entry for r in self.names], dtype=np.int32)
        self.name_person: npt.NDArray[np.bool_] = np.array(
            [is_person(self.entries[r.entry][1].entity_type) for r in self.names], dtype=np.bool_
        )
        self.name_weak: npt.NDArray[np.bool_] = np.array(
            [r.kind == AliasKind.WEAK.value for r in self.names], dtype=np.bool_
        )

        # Blocking postings.
        postings: dict[str, list[int]] = defaultdict(list)
        for row, rec in enumerate(self.names):
            for key in set(name_keys(rec.norm)):
                postings[key].append(row)
        self.postings: dict[str, IntArray] = {
            k: np.array(v, dtype=np.int32) for k, v in postings.items()
        }
        # An absolute cap: as lists grow, more keys become "common" and are skipped, so the
        # work per query stays flat instead of growing with the lists.
        self.max_df = weights.max_key_df

    def _weight(self, token: str, df: int, log_n: float) -> float:
        if is_legal(token):
            return self.weights.legal_form_weight
        return max(0.1, min(1.0, math.log((self.size + 1) / df) / log_n))

    def query_token_weight(self, token: str) -> float | None:
        """Weight of a query token; None when the lists never use it (weighed by its match)."""
        tid = self.token_id.get(token)
        if tid is not None:
            return float(self.token_weight[tid])
        if is_legal(token):
            return self.weights.legal_form_weight
        return None

    def candidates(self, norm: NormName, limit: int | None = None) -> IntArray:
        """Row ids of the names sharing the most (rarity-weighted) keys with ``norm``."""
        limit = limit or self.weights.max_candidates
        keys = set(name_keys(norm))
        found: list[tuple[int, IntArray]] = []
        unseen = 0
        for key in keys:
            post = self.postings.get(key)
            if post is None:
                unseen += 1
            else:
                found.append((len(post), post))
        if not found:
            return np.empty(0, dtype=np.int32)
        usable = [p for p in found if p[0] <= self.max_df]
        if not usable:  # every key is common ("group", "international"): take the rarest few
            usable = sorted(found, key=lambda p: p[0])[:3]
        ids = np.concatenate([p for _, p in usable])
        dfs = np.array([df for df, _ in usable], dtype=np.float64)
        key_weights = np.log((self.size + 1) / dfs)
        weights = np.repeat(key_weights, dfs.astype(np.int64))
        # Names sharing too little of the query's key weight cannot be similar enough to
        # matter: dropping them is what keeps the scorer's work small for the many clean
        # customers. A key the lists never use (a typo's trigrams) counts as an average key of
        # the query, not as a maximally rare one: one typo must not push the true name out.
        if norm.abjad:  # its word keys are vowel-less spellings: only skeletons can meet
            unseen = 0
        possible = float(key_weights.sum()) + unseen * float(key_weights.mean())
        w = self.weights
        floor = max(w.min_key_coverage_floor * possible, 1e-9)
        if len(ids) * 64 < self.size:  # few ids: sorting them beats a pass over every name
            names, inverse = np.unique(ids, return_inverse=True)
            sums = np.bincount(inverse, weights=weights)
            above = np.flatnonzero(sums >= floor)
            names, sums = names[above], sums[above]
        else:
            dense = np.bincount(ids, weights=weights)  # one slot per name id
            names = np.flatnonzero(dense >= floor)
            sums = dense[names]
        keep = sums >= w.min_key_coverage * possible
        if int(keep.sum()) < w.min_candidates < len(names):
            # Short names have few keys and a typo breaks a large share of them ("IFYTEK"):
            # the best few names clearing the lower bar are scored too.
            keep[np.argpartition(-sums, w.min_candidates - 1)[: w.min_candidates]] = True
        names, sums = names[keep], sums[keep]
        if len(names) <= limit:
            return names.astype(np.int32)
        top = np.argpartition(-sums, limit - 1)[:limit]
        return names[top].astype(np.int32)
