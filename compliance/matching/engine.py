"""The Matcher: candidates from the blocking index, name scores, feature adjustments, and one
explained :class:`~compliance.model.Match` per list entry that reaches the threshold."""

from __future__ import annotations

import contextlib
import functools
import gc
import hashlib
import hmac
import json
import logging
import math
import os
import secrets
import stat
import struct
import unicodedata
from collections.abc import Callable, Collection, Iterator, Sequence
from dataclasses import asdict, dataclass, fields
from pathlib import Path
from typing import Any, overload

import numpy as np
import numpy.typing as npt

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
    AliasKind,
    EntityType,
    FeatureResult,
    Identifier,
    ListEntry,
    Match,
    Outcome,
    Party,
)
from compliance.normalize import NormName, normalize_name, symbols, visual_form
from compliance.normalize.confusables import latin_skeleton
from compliance.normalize.legal_forms import LEGAL_TOKENS
from compliance.normalize.scripts import skeleton
from compliance.normalize.symbols import phonetic_key
from compliance.permissions import ownership_problem


# Largest total bonus the adjustments can add: a name score this far below the threshold
# can still reach it, so such candidates are kept for the feature step.
def _max_bonus(w: Weights) -> float:
    return w.country_match + w.dob_match + w.address_match


@dataclass
class _Best:
    name_score: float
    row: int
    query_name: str
    # The reading the query name was normalized under (True: as a person's name).
    person: bool = False


def readings(party: Party) -> tuple[bool, ...]:
    """The ways a party's names are normalized (``True``: as a person's name), the declared
    one first. A declared person or organisation is read both ways: the declared type is an
    attribute that may contradict an entry (the ``entity_type`` feature lowers the score),
    never a reason to miss a name that matches under the other reading ("JOINT STOCK
    COMPANY X" declared a person is still read as the company's legal form). The other
    reading is scored against entries of the other type only (those of the declared type
    are met by the declared reading)."""
    if party.entity_type is EntityType.PERSON:
        return (True, False)
    if party.entity_type is EntityType.ORGANIZATION:
        return (False, True)
    return (False,)


# A customer declared a person or an organisation is not a ship or an aircraft: the names of
# vessel and aircraft entries are not candidates for it (OpenSanctions' yente likewise never
# matches a Person or Company query against Vessel or Airplane entities). Without this,
# "Dover Corporation" alerted on the OFAC vessel DOVER and "Next plc" on the UK vessel NEXT
# (the entity_type feature has nothing to say: neither side is a person; and the review floor
# keeps a strong name at review whatever the type). A party of unknown type (an owner or
# parent name, a quick name check) still meets them, and so does any party whose
# registration number is one of a vessel's or aircraft's identifiers (an IMO number).
NOT_CRAFT = frozenset({EntityType.PERSON, EntityType.ORGANIZATION})


def _query_forms(party: Party) -> list[tuple[str, bool, NormName]]:
    """(query name, reading, its normalized form) for every name and reading of ``party``,
    without repeats of one normalized form (a plain name usually reads the same both ways)."""
    forms: list[tuple[str, bool, NormName]] = []
    declared: set[tuple[str, ...]] = set()  # forms under the declared reading
    other: set[tuple[str, ...]] = set()
    ways = readings(party)
    for qname in query_names(party):
        for person in ways:
            norm = normalize_name(qname, person)
            if norm.is_empty or norm.tokens in declared:
                continue
            if person == ways[0]:
                declared.add(norm.tokens)
            elif norm.tokens in other:
                continue
            else:
                other.add(norm.tokens)
            forms.append((qname, person, norm))
    return forms


# (public: a delta re-screen reads a changed entry's names as screening reads a party's)
query_forms = _query_forms

# A place or a note after a company's name: ", Moscow", " (Russia)", ", Baku, Azerbaijan".
_NOTE_MAX_WORDS = 3
_TAIL_MAX_TOKENS = 2


def _trailing_note(text: str) -> tuple[str, str] | None:
    """(the name before it, the note) when ``text`` ends with a note after a comma or in
    brackets; string scans, no backtracking regex (a crafted name must not cost more than
    a pass over it)."""
    text = text.rstrip()
    if text.endswith(")"):
        at = text.rfind("(")
        if at < 0 or ")" in text[at:-1]:
            return None
    else:
        at = text.rfind(",")
        if at < 0 or "(" in text[at:] or ")" in text[at:]:
            return None
    head, note = text[:at].rstrip(), text[at:]
    if not head or not note.strip(",() \t"):
        return None
    return head, note


def without_qualifiers(name: str) -> list[str]:
    """The shorter forms of a company's name without what customers add after it: a place
    or a note after a comma or in brackets ("Sovcombank PJSC, Moscow" -> "Sovcombank PJSC";
    "Kaspian Bank, Baku, Azerbaijan" -> "Kaspian Bank, Baku" -> "Kaspian Bank"), and a word
    or two after its legal form ("Dahua Technology Co., Ltd. Hangzhou" -> "dahua technology
    llc"). Each keeps a word of 4 letters or more that is not a legal form."""
    out: list[str] = []
    text = name
    for _ in range(_NOTE_MAX_WORDS):
        found = _trailing_note(text)
        if found is None:
            break
        head, note = found
        if len(note.replace(",", " ").replace("(", " ").split()) > _NOTE_MAX_WORDS:
            break
        text = head
        out.append(text)
    tokens = normalize_name(text, False).tokens
    legal_at = [i for i, t in enumerate(tokens) if t in LEGAL_TOKENS]
    if legal_at and 0 < len(tokens) - 1 - legal_at[-1] <= _TAIL_MAX_TOKENS:
        out.append(" ".join(tokens[: legal_at[-1] + 1]))
    return [
        form
        for form in dict.fromkeys(out)
        if any(len(t) >= 4 for t in normalize_name(form, False).core)
    ]


def query_names(party: Party) -> list[str]:
    """The names a party is screened under: its name and aliases as stored, each followed by
    the form it displays as when bidi overrides make that differ (a name stored backwards
    under U+202E displays, and is read, the right way round), and the Latin skeleton of a
    form whose words imitate Latin ones with other scripts' letters ("ᎻUᎪWEI" is also
    screened as "HUAWEI"; :mod:`compliance.normalize.confusables`); a company's name also
    without a place or note added after it (:func:`without_qualifiers`; a party declared a
    company, or of unknown type with a legal form in its name)."""
    names: list[str] = []
    for name in (party.name, *party.aliases):
        names.append(name)
        if party.entity_type is EntityType.ORGANIZATION or (
            party.entity_type is EntityType.UNKNOWN and normalize_name(name, False).legal
        ):
            names.extend(without_qualifiers(name))
        if name.isascii():
            continue
        shown = visual_form(name)
        for form in (name,) if shown is None else (name, shown):
            if form is not name:
                names.append(form)
            folded = latin_skeleton(form)
            if folded is not None:
                names.append(folded)
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
        among: Collection[int] | None = None,
    ) -> list[Match]:
        """Entries matching ``party`` at or above ``threshold``, best first, one per entry.
        A party declared a person or an organisation meets no vessel or aircraft entry by
        name, only by an identical identifier (:data:`NOT_CRAFT`).

        ``brute_force`` scores every indexed name instead of the blocking candidates (the
        baseline the benchmarks compare against; same scorer, same result shape).
        ``among``: only these entries (positions in ``index.entries``), every name of them
        scored, none left to blocking (a delta re-screen's check of a party against the
        entries a list update changed: the scores a full screening would give them).
        """
        w = self.weights
        thr = w.review_threshold if threshold is None else threshold
        floor = thr - _max_bonus(w)
        person = party.entity_type is EntityType.PERSON
        best: dict[int, _Best] = {}
        # A weak alias's name score is adjusted after scoring: score down to where the
        # adjustment could still lift it to the floor.
        name_floor = floor - max(0.0, w.weak_alias)
        name_entry = self.index.name_entry
        declared = readings(party)[0]
        craft = party.entity_type not in NOT_CRAFT
        rows: IntArray | None = None
        if among is not None:
            by_entry = self._rows_by_entry
            rows = np.array(sorted(r for e in among for r in by_entry.get(e, ())), dtype=np.int32)
        for qname, reading, norm in _query_forms(party):
            # The other reading is scored against entries of the other type only.
            only = None if reading == declared else reading
            for row, score in self._scored(norm, name_floor, brute_force, only, craft, rows):
                score += self._penalty(row, norm)
                if score < floor:
                    continue
                eidx = int(name_entry[row])
                current = best.get(eidx)
                if current is None or score > current.name_score:
                    best[eidx] = _Best(score, row, qname, reading)

        query = features.Query(party, person)
        id_hits: dict[int, FeatureResult] = {}
        if party.registration_number:
            key = features.normalize_identifier(party.registration_number)
            for idx in self.identifiers.get(key, ()):
                if among is not None and idx not in among:
                    continue
                hit = features.identifier(query, self.index.entries[idx][1], w)
                if hit is not None:
                    id_hits[idx] = hit
                    if idx not in best:
                        best[idx] = self._best_row_for_entry(idx, party)

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
            norm = normalize_name(found.query_name, found.person)
            name_feature = explain_name(self.index, norm, found.row, found.name_score)
            adjustments += self._penalty_features(found.row, norm)
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
    def _scored(
        self,
        norm: NormName,
        floor: float,
        brute_force: bool,
        person: bool | None = None,
        craft: bool = True,
        among: IntArray | None = None,
    ) -> list[tuple[int, float]]:
        """(row, name score) of the names scoring at least ``floor``, in block order; only
        those of persons' (``person=True``) or others' (``False``) entries when asked, and
        none of vessels' or aircraft's when ``craft`` is false; only the rows ``among``
        (all of them scored) when given."""
        if among is not None:
            rows_among = self._only(among, person, craft)
            return score_candidates(self.index, norm, rows_among.tolist(), floor)
        if brute_force:
            rows: IntArray = np.arange(self.index.size, dtype=np.int32)
            rows = self._only(rows, person, craft)
            scores = self._score(norm, rows, chunk=4096)
        else:
            rows = self._only(self.index.candidates(norm), person, craft)
            if len(rows) <= SMALL_BLOCK:
                return score_candidates(self.index, norm, rows.tolist(), floor)
            return score_block(self.index, norm, rows, floor)
        keep = np.flatnonzero(scores >= floor)
        return list(zip(rows[keep].tolist(), scores[keep].tolist(), strict=True))

    def _penalty(self, row: int, norm: NormName) -> float:
        """What the name score of indexed name ``row`` for ``norm`` loses after scoring (a
        weak alias; one word against another listed word): :meth:`_penalty_features` says
        why."""
        w = self.index.weights
        penalty = w.weak_alias if self.index.name_weak[row] else 0.0
        if len(norm.core) == 1 and self._other_word(row, norm):
            penalty += w.one_word_inexact
        return penalty

    def _penalty_features(self, row: int, norm: NormName) -> list[tuple[str, FeatureResult]]:
        w = self.index.weights
        out: list[tuple[str, FeatureResult]] = []
        if self.index.name_weak[row]:
            out.append(
                ("weak_alias", FeatureResult(w.weak_alias, "matched a weak (low-quality) alias"))
            )
        if len(norm.core) == 1 and self._other_word(row, norm):
            out.append(
                (
                    "one_word",
                    FeatureResult(
                        w.one_word_inexact, "one word against one listed word, not the same"
                    ),
                )
            )
        return out

    def _other_word(self, row: int, norm: NormName) -> bool:
        """Whether the indexed name ``row`` is one word (legal forms aside) other than the one
        word of ``norm`` that sounds different by both sound keys, Metaphone and the consonant
        skeleton (Weights.one_word_inexact): "Alcon"/"ALCO" (ALKN/ALK, kn/lk) are two words;
        "Cytrox"/"SYTROX" (STRKS) and "Tiger"/"TIGAR" (tkr) are one."""
        index = self.index
        if index.row_core_count[row] != 1:
            return False
        word, mine = index.row_joined[row], norm.joined
        return (
            word != mine
            and phonetic_key(word) != phonetic_key(mine)
            and skeleton(word) != skeleton(mine)
        )

    def _only(self, rows: IntArray, person: bool | None, craft: bool) -> IntArray:
        if person is not None:
            rows = rows[self.index.name_person[rows] == person]
        if not craft:
            rows = rows[~self.index.name_craft[rows]]
        return rows

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

    def _best_row_for_entry(self, entry: int, party: Party) -> _Best:
        rows = np.array(self._rows_by_entry.get(entry, []), dtype=np.int32)
        ways = readings(party)
        best = _Best(0.0, int(rows[0]) if len(rows) else 0, party.name, ways[0])
        if not len(rows):
            return best
        entry_person = self.index.row_person[int(rows[0])]
        for qname, reading, norm in _query_forms(party):
            if reading != ways[0] and entry_person != reading:
                continue
            scores = score_names(self.index, norm, rows)
            scores += [self._penalty(r, norm) for r in rows.tolist()]
            k = int(scores.argmax())
            if scores[k] > best.name_score:
                best = _Best(float(scores[k]), int(rows[k]), qname, reading)
        return best


# --------------------------------------------------------------------- loading + caching
# 2: invisible characters stripped, bidi visual form, review floor; 3: one-typo tokens,
# both readings of a declared entity type, TR39 confusable skeletons; 4: name symbols,
# sound-alike person-name parts, initials, a person's missing middle names; 5: person-name
# symbols read from rigour's corpus as a word lexicon (forms with diacritics folded to ASCII),
# a company's short tokens are not paired by person-name symbols; 6: East Slavic name forms,
# first-vowel variants, a company's name without an added place or note, one listed word per
# query word, German "sch", katakana "・" between words, honorifics and digit ordinals, a
# query's extra words when it holds a listed name whole, a person's missing parts at
# person_part_factor, one word against another listed word, middle names out of blocking's
# share; 7: a person's name part with other vowels in the pairs romanizations confuse;
# 8: Russian organisation classes (NPO, NII, OKB...) as one token each
ENGINE_VERSION = "match-8"

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class LoadedMatcher:
    matcher: Matcher
    list_versions: dict[str, str]  # source -> content sha256 of its active version
    from_cache: bool
    # Why the on-disk cache was not used at all (an unsafe directory or key file), else None.
    cache_warning: str | None = None


# The cache file holds no code: MAGIC, an HMAC-SHA256 tag, then the authenticated body: the
# header's length, a JSON header (the manifest, the index's and entries' plain data, where
# each array lies) and the arrays' raw bytes. Nothing is decoded before the tag checks out
# under the installation's secret, and nothing is used unless the manifest in the body is
# the one expected (engine, format, entry fields, list version hashes, weights). Bump
# INDEX_FORMAT when the layout changes.
INDEX_FORMAT = 5
_MAGIC = b"compliance-index\n"
_TAG_SIZE = 32
_KEY_FILE = "index.key"
_KEY_SIZE = 32
_SUFFIX = ".idx"
_DTYPES = frozenset({"<i4", "<i8", "<f8", "|b1"})
_ENTRY_CLASSES: tuple[type[Any], ...] = (ListEntry, Alias, Address, Identifier)
# The nested values are written as these fields, in this order.
_NESTED_FIELDS = {
    "Alias": ["name", "kind"],
    "Address": ["text", "country"],
    "Identifier": ["kind", "value", "country"],
}
_MATCHER_STATE = frozenset({"index", "weights", "identifiers", "_rows_by_entry", "_entry_hashes"})


def _manifest(versions: dict[str, str], weights: Weights) -> dict[str, Any]:
    return {
        "engine": ENGINE_VERSION,
        "format": INDEX_FORMAT,
        "fields": {c.__name__: [f.name for f in fields(c)] for c in _ENTRY_CLASSES},
        "versions": versions,
        "weights": asdict(weights),
        # The list names' symbols in the index, and the lexicon carried beside it, come from
        # rigour's name data: a new release rebuilds both.
        "names": symbols.rigour_release(),
        # ... and the indexed names were normalized with these (an index built under others
        # would not meet queries normalized now: the stored parties' index lives long).
        "normalizers": dict(_normalizer_versions()),
    }


@functools.cache
def _normalizer_versions() -> dict[str, str]:
    from importlib.metadata import version

    out = {name: version(name) for name in _NORMALIZERS}
    out["unicode"] = unicodedata.unidata_version
    return out


_NORMALIZERS = ("anyascii", "confusable_homoglyphs", "pypinyin", "rapidfuzz")


def _canonical(value: Any) -> str:
    return json.dumps(value, sort_keys=True)


def _cache_key(versions: dict[str, str], weights: Weights) -> str:
    return hashlib.sha256(_canonical(_manifest(versions, weights)).encode()).hexdigest()[:32]


# -- list entries as plain columns, one codec per field type (ListEntry's annotations)
_ENTITY_TYPES = {m.value: m for m in EntityType}
_ALIAS_KINDS = {m.value: m for m in AliasKind}
_OUTCOMES = {m.value: m for m in Outcome}
_Codec = tuple[Callable[[Any], Any], Callable[[list[Any]], list[Any]]]


def _same(value: Any) -> Any:
    return value


_CODECS: dict[str, _Codec] = {
    "str": (_same, _same),
    "str | None": (_same, _same),
    "EntityType": (lambda v: v.value, lambda col: list(map(_ENTITY_TYPES.__getitem__, col))),
    "Outcome | None": (
        lambda v: None if v is None else v.value,
        lambda col: [None if x is None else _OUTCOMES[x] for x in col],
    ),
    "tuple[str, ...]": (list, lambda col: list(map(tuple, col))),
    "tuple[tuple[str, str], ...]": (
        lambda v: [list(p) for p in v],
        lambda col: [tuple(map(tuple, x)) for x in col],
    ),
    "tuple[Alias, ...]": (
        lambda v: [[a.name, a.kind.value] for a in v],
        lambda col: [tuple([Alias(n, _ALIAS_KINDS[k]) for n, k in x]) for x in col],
    ),
    "tuple[Address, ...]": (
        lambda v: [[a.text, a.country] for a in v],
        lambda col: [tuple([Address(t, c) for t, c in x]) for x in col],
    ),
    "tuple[Identifier, ...]": (
        lambda v: [[i.kind, i.value, i.country] for i in v],
        lambda col: [tuple([Identifier(k, v, c) for k, v, c in x]) for x in col],
    ),
}


def _entry_codecs() -> list[tuple[str, _Codec]]:
    """(field, codec) for every ListEntry field; ValueError when a field has no codec."""
    for cls in (Alias, Address, Identifier):
        if [f.name for f in fields(cls)] != _NESTED_FIELDS[cls.__name__]:
            raise ValueError(f"{cls.__name__} changed shape: the index cache cannot store it")
    found = []
    for f in fields(ListEntry):
        codec = _CODECS.get(str(f.type))
        if codec is None:
            raise ValueError(f"ListEntry.{f.name}: no cache codec for {f.type}")
        found.append((f.name, codec))
    return found


def _encode_entries(entries: Sequence[tuple[str, ListEntry]]) -> dict[str, Any]:
    sources = list(dict.fromkeys(source for source, _ in entries))
    number = {source: i for i, source in enumerate(sources)}
    columns = {
        name: [encode(getattr(e, name)) for _, e in entries]
        for name, (encode, _) in _entry_codecs()
    }
    return {"sources": sources, "source": [number[s] for s, _ in entries], "columns": columns}


class EntryColumns(Sequence[tuple[str, ListEntry]]):
    """A cached index's entries as their encoded columns: an entry is decoded when it is read
    (a match's entry, an explanation), not every one at load (a party index segment holds
    131,072 of them, of which a re-screen reads a few). :meth:`entity_types` gives one column
    whole (what the index needs of every entry)."""

    __slots__ = ("_built", "_columns", "_data", "_source", "_sources")

    def __init__(self, data: dict[str, Any]) -> None:
        self._data = data  # (what a pickled copy is rebuilt from: the codecs are functions)
        self._sources: list[str] = data["sources"]
        self._source: list[int] = data["source"]
        columns = data["columns"]
        self._columns = [(columns[name], decode) for name, (_, decode) in _entry_codecs()]
        if any(len(col) != len(self._source) for col, _ in self._columns):
            raise ValueError("cached entries: columns of different lengths")
        if any(not 0 <= i < len(self._sources) for i in self._source):
            raise ValueError("cached entries: a source out of range")
        self._built: dict[int, tuple[str, ListEntry]] = {}

    def __len__(self) -> int:
        return len(self._source)

    def __reduce__(self) -> tuple[Any, ...]:
        return (EntryColumns, (self._data,))

    def _entry(self, i: int) -> tuple[str, ListEntry]:
        found = self._built.get(i)
        if found is None:
            entry = ListEntry(*[decode([col[i]])[0] for col, decode in self._columns])
            found = self._built[i] = (self._sources[self._source[i]], entry)
        return found

    @overload
    def __getitem__(self, i: int) -> tuple[str, ListEntry]: ...
    @overload
    def __getitem__(self, i: slice) -> list[tuple[str, ListEntry]]: ...
    def __getitem__(self, i: int | slice) -> tuple[str, ListEntry] | list[tuple[str, ListEntry]]:
        if isinstance(i, slice):
            return [self._entry(k) for k in range(*i.indices(len(self)))]
        if i < 0:
            i += len(self)
        if not 0 <= i < len(self):
            raise IndexError(i)
        return self._entry(i)

    def keys(self) -> list[tuple[str, str]]:
        """(source, key) of every entry, in order (two columns decoded, no entry built)."""
        names = [f.name for f in fields(ListEntry)]
        col, decode = self._columns[names.index("key")]
        keys: list[str] = decode(col)
        return [(self._sources[s], k) for s, k in zip(self._source, keys, strict=True)]

    def entity_types(self) -> list[EntityType]:
        names = [f.name for f in fields(ListEntry)]
        col, decode = self._columns[names.index("entity_type")]
        types: list[EntityType] = decode(col)
        return types


def entry_keys(entries: Sequence[tuple[str, ListEntry]]) -> list[tuple[str, str]]:
    """(source, key) of each of an index's entries, in order (a cached index's without
    building its entries)."""
    if isinstance(entries, EntryColumns):
        return entries.keys()
    return [(source, e.key) for source, e in entries]


def _decode_entries(data: dict[str, Any]) -> EntryColumns:
    return EntryColumns(data)


# -- the file
def _dump(matcher: Matcher, manifest: dict[str, Any], key: bytes) -> bytes:
    """The cache file's bytes. ValueError when the matcher holds state the format lacks."""
    if set(vars(matcher)) != _MATCHER_STATE:
        raise ValueError(f"Matcher attributes changed: {sorted(vars(matcher))}")
    plain, arrays = matcher.index.to_state()
    places: list[list[Any]] = []
    chunks: list[bytes] = []
    offset = 0
    for name, array in arrays.items():
        raw = np.ascontiguousarray(array)
        if raw.dtype.str not in _DTYPES:
            raise ValueError(f"index array {name}: dtype {raw.dtype.str} is not cached")
        chunks.append(raw.tobytes())
        places.append([name, raw.dtype.str, list(raw.shape), offset, raw.nbytes])
        offset += raw.nbytes
    # rigour's person-name lexicon (when this process read it), so that a process loading
    # this file need not build it again.
    lexicon = symbols.person_lexicon() if symbols.lexicon_loaded() else None
    if lexicon is not None:
        blob = lexicon.to_bytes()
        chunks.append(blob)
        lexicon_place: list[int] | None = [offset, len(blob)]
        offset += len(blob)
    else:
        lexicon_place = None
    header = {
        "manifest": manifest,
        "index": plain,
        "entries": _encode_entries(matcher.index.entries),
        "identifiers": matcher.identifiers,
        "arrays": places,
        "lexicon": lexicon_place,
    }
    # ASCII JSON: a lone surrogate in a list entry's text survives the round trip.
    head = json.dumps(header, ensure_ascii=True, allow_nan=False).encode("ascii")
    body = b"".join([struct.pack("<Q", len(head)), head, *chunks])
    return _MAGIC + hmac.digest(key, body, "sha256") + body


def _parse(
    data: bytes, manifest: str, key: bytes, weights: Weights
) -> tuple[Matcher, symbols.PersonLexicon | None]:
    """The Matcher in a cache file, and the person-name lexicon it carries (None when it has
    none, or this process already has one). ValueError (or another Exception) when it is not
    exactly an authentic file for ``manifest``: then it is not used."""
    start = len(_MAGIC) + _TAG_SIZE
    if len(data) < start + 8 or not data.startswith(_MAGIC):
        raise ValueError("not an index cache file")
    body = memoryview(data)[start:]
    if not hmac.compare_digest(data[len(_MAGIC) : start], hmac.digest(key, body, "sha256")):
        raise ValueError("bad MAC")
    (head_len,) = struct.unpack_from("<Q", body)
    header = json.loads(bytes(body[8 : 8 + head_len]))
    if _canonical(header["manifest"]) != manifest:
        raise ValueError("built for other list versions, weights or engine")
    base = 8 + head_len
    arrays: dict[str, npt.NDArray[Any]] = {}
    for name, dtype, shape, offset, nbytes in header["arrays"]:
        if dtype not in _DTYPES or base + offset + nbytes > len(body):
            raise ValueError(f"array {name} out of place")
        kind = np.dtype(dtype)
        count = math.prod(shape)
        if count * kind.itemsize != nbytes:
            raise ValueError(f"array {name}: size and shape disagree")
        flat = np.frombuffer(body, dtype=kind, count=count, offset=base + offset)
        arrays[name] = flat.reshape(shape).copy()
    lexicon = None
    place = header.get("lexicon")
    if place is not None and not symbols.lexicon_loaded():
        offset, nbytes = place
        if base + offset + nbytes > len(body):
            raise ValueError("lexicon out of place")
        lexicon = symbols.PersonLexicon.from_bytes(
            bytes(body[base + offset : base + offset + nbytes])
        )
    index = NameIndex.from_state(
        _decode_entries(header["entries"]), weights, header["index"], arrays
    )
    matcher = Matcher.__new__(Matcher)
    matcher.index = index
    matcher.weights = index.weights
    matcher.identifiers = header["identifiers"]
    rows_by_entry: dict[int, list[int]] = {}
    for row, entry in enumerate(index.name_entry.tolist()):
        rows_by_entry.setdefault(entry, []).append(row)
    matcher._rows_by_entry = rows_by_entry
    matcher._entry_hashes = {}
    return matcher, lexicon


# -- the directory and the installation's secret
_DIR_FD_CALLS = {os.open, os.rename, os.link, os.unlink}


class _UnsafeCacheError(Exception):
    """The cache directory or key file could be written by someone else: no disk cache."""


def _check_private(st: os.stat_result, path: Path, forbidden: int, what: str, fix: str) -> None:
    problem = ownership_problem(st, path, forbidden, what, fix)
    if problem is not None:
        raise _UnsafeCacheError(problem)


@contextlib.contextmanager
def _no_gc() -> Iterator[None]:
    """Hundreds of thousands of small objects made at once, none of them garbage: the cyclic
    collector's passes over them midway only cost time (most of a load's, measured)."""
    collecting = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if collecting:
            gc.enable()


_warned: set[str] = set()


def _warn_once(message: str) -> None:
    if message not in _warned:
        _warned.add(message)
        log.warning("%s", message)


class DiskCache:
    """One open, checked cache directory: its descriptor, the secret and this file's name.
    Every file is opened relative to the checked descriptor, never by path again."""

    def __init__(
        self,
        cache_dir: Path,
        versions: dict[str, str],
        weights: Weights,
        *,
        name: str | None = None,
    ) -> None:
        if not hasattr(os, "geteuid") or not os.supports_dir_fd.issuperset(_DIR_FD_CALLS):
            raise _UnsafeCacheError(
                "this platform cannot open files relative to a checked directory"
            )
        try:
            cache_dir.mkdir(mode=0o700, parents=True)
        except FileExistsError:
            pass
        except OSError as exc:
            raise _UnsafeCacheError(f"cannot create {cache_dir}: {exc.strerror}") from exc
        try:
            self.fd = os.open(cache_dir, os.O_RDONLY | os.O_DIRECTORY)
        except OSError as exc:
            raise _UnsafeCacheError(f"cannot open {cache_dir}: {exc.strerror}") from exc
        try:
            _check_private(
                os.fstat(self.fd), cache_dir, 0o022, "writable by group or others", "chmod go-w"
            )
            self.key = self._secret(cache_dir / _KEY_FILE)
        except BaseException:
            os.close(self.fd)
            raise
        self.manifest = _manifest(versions, weights)
        # A list index is named by what it was built from; a file of another kind (a
        # segment of the stored parties' index) by a fixed ``name``, each rebuild replacing
        # the last (the manifest inside says what it was built from).
        self.name = (
            f"index-{_cache_key(versions, weights)}{_SUFFIX}" if name is None else name + _SUFFIX
        )

    def _secret(self, path: Path) -> bytes:
        """The installation's secret: created once (0600, exclusively), then only read."""
        flags = os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK
        try:
            try:
                fd = os.open(_KEY_FILE, flags, dir_fd=self.fd)
            except FileNotFoundError:
                self._create_secret()
                fd = os.open(_KEY_FILE, flags, dir_fd=self.fd)
            with os.fdopen(fd, "rb") as fh:
                st = os.fstat(fh.fileno())
                if not stat.S_ISREG(st.st_mode):
                    raise _UnsafeCacheError(f"{path} is not a regular file")
                _check_private(st, path, 0o077, "open to group or others", "chmod 600")
                key = fh.read(_KEY_SIZE + 1)
        except OSError as exc:  # a symlink (ELOOP), no permission, a read-only disk...
            raise _UnsafeCacheError(f"cannot use {path}: {exc.strerror}") from exc
        if len(key) != _KEY_SIZE:
            raise _UnsafeCacheError(
                f"{path} is not a {_KEY_SIZE}-byte key; remove it to make a new one"
            )
        return key

    def _create_secret(self) -> None:
        # Written whole under a private name, then linked into place: a reader never sees a
        # partial key, and of two processes racing the first link wins.
        tmp = f".{_KEY_FILE}-{secrets.token_hex(8)}"
        fd = os.open(
            tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o600, dir_fd=self.fd
        )
        try:
            with os.fdopen(fd, "wb") as fh:
                fh.write(secrets.token_bytes(_KEY_SIZE))
                fh.flush()
                os.fsync(fh.fileno())
            with contextlib.suppress(FileExistsError):
                os.link(tmp, _KEY_FILE, src_dir_fd=self.fd, dst_dir_fd=self.fd)
        finally:
            os.unlink(tmp, dir_fd=self.fd)

    def read(self, weights: Weights) -> Matcher | None:
        """The cached Matcher, or None (absent, damaged, forged or for other versions)."""
        try:
            fd = os.open(self.name, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK, dir_fd=self.fd)
            with os.fdopen(fd, "rb") as fh:
                if not stat.S_ISREG(os.fstat(fh.fileno()).st_mode):
                    return None
                data = fh.read()
        except OSError:
            return None
        try:
            with _no_gc():
                matcher, lexicon = _parse(data, _canonical(self.manifest), self.key, weights)
        except Exception as exc:  # not this installation's file for these versions: rebuilt
            log.debug("index cache %s not used: %r", self.name, exc)
            return None
        if lexicon is not None:  # built from this rigour release (the manifest says so)
            symbols.install_lexicon(lexicon)
        return matcher

    def write(self, matcher: Matcher) -> None:
        """Replace the cache file atomically (a failure leaves no file half-written)."""
        try:
            with _no_gc():
                data = _dump(matcher, self.manifest, self.key)
        except ValueError as exc:
            _warn_once(f"index cache not written: {exc}")
            return
        tmp = f".index-{secrets.token_hex(8)}.tmp"
        try:
            fd = os.open(
                tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o600, dir_fd=self.fd
            )
            with os.fdopen(fd, "wb") as fh:
                fh.write(data)
            # rename(2) replaces the target atomically (os.replace is the same call here)
            os.rename(tmp, self.name, src_dir_fd=self.fd, dst_dir_fd=self.fd)
            for old in os.listdir(self.fd):  # pickled caches of earlier releases: never read
                if old.startswith("index-") and old.endswith(".pkl"):
                    os.unlink(old, dir_fd=self.fd)
        except OSError:
            with contextlib.suppress(OSError):
                os.unlink(tmp, dir_fd=self.fd)

    def close(self) -> None:
        os.close(self.fd)


def open_cache(
    cache_dir: Path | None,
    versions: dict[str, str],
    weights: Weights,
    *,
    name: str | None = None,
) -> tuple[DiskCache | None, str | None]:
    if cache_dir is None:
        return None, None
    try:
        return DiskCache(cache_dir, versions, weights, name=name), None
    except _UnsafeCacheError as exc:
        message = f"index cache not used: {exc}"
        _warn_once(message)
        return None, message
