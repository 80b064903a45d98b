"""Blocking index over every name and alias of the active list versions.

Keys per name: its core tokens and the character trigrams of its written-together form
(``^huaweitechnologies$``). A query collects the postings of its keys, skipping keys that occur
in too many names (they say little), and ranks names by the summed rarity (IDF) of the keys
they share with it. Trigrams make retrieval tolerant of typos anywhere, the first letter
included ("Suawei" still shares ``uaw``, ``awe``, ``wei``, ``ei$`` with "Huawei"). A query
token the lists rarely or never use also brings the word keys of the list tokens one typo
away (:meth:`NameIndex.near_tokens`): in a short name a typo breaks most trigrams.

The index also holds what the vectorised scorer needs: a vocabulary of tokens with their
weights, and each name's tokens as an id array.
"""

from __future__ import annotations

import math
import re
import string
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, overload

import numpy as np
import numpy.typing as npt
from rapidfuzz.distance import OSA

from compliance.matching.weights import Weights
from compliance.model import AliasKind, EntityType, ListEntry
from compliance.normalize import NormName, normalize_name
from compliance.normalize.legal_forms import LEGAL_TOKENS, is_legal
from compliance.normalize.scripts import fold_romanization, skeleton
from compliance.normalize.symbols import inner_vowel_key, phonetic_key, vowel_key, vowels_alike

IntArray = npt.NDArray[np.int32]
FloatArray = npt.NDArray[np.float64]

# Blocking sums key weights per name by sorting the query's ids when there are fewer than
# 1/_SPARSE_RATIO of the names, else by one pass over a slot per name (measured crossover).
_SPARSE_RATIO = 40
_NO_SYMBOLS: frozenset[str] = frozenset()
# Person-name symbols, and the token lengths from which they pair an organisation's tokens
# (any first letter from the second; see NameIndex.equivalent_ids).
_PERSON_SYMBOLS = ("[NAME:", "[NICK:")
_ORG_NAME_SYMBOL_MIN_LEN = 4
_ORG_NAME_SYMBOL_ANY_FIRST_LEN = 5
# The letters of a normalized token (ASCII after transliteration): what a letter inserted
# into one can be (Weights.near_insertions).
_TOKEN_LETTERS = string.ascii_lowercase + string.digits
# Query tokens whose near_tokens are remembered (customer names repeat their words).
_NEAR_CACHE_SIZE = 65536


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
    core = norm.core
    keys = ["w:" + t for t in core]
    keys += [key for t in core if (key := _skeleton_key(t))]
    if norm.abjad:
        return keys
    joined = "".join(core)
    if len(joined) <= 2:
        return keys
    padded = f"^{joined}$"
    keys += [padded[i : i + 3] for i in range(len(padded) - 2)]
    return keys


# Where a romanization-folding rule (compliance.normalize.scripts) could apply: a superset of
# its patterns, so a token this does not match folds to itself.
_FOLD_HINT = re.compile(r"sch|kh|ph|tz|x|i[aeu]|(?:iy|ii|yi|ij|yj|yy)$")
# Digits typed for the letters they look like ("r0sneft", "a1fa"): 1 may stand for l or i.
_DIGIT_LETTERS = (str.maketrans("01", "ol"), str.maketrans("01", "oi"))


@lru_cache(maxsize=65536)
def typo_variants(token: str) -> frozenset[str]:
    """The spellings one common typo away from a normalized token, as list names normalize
    them: two adjacent letters swapped ("lakahl" -> "lakhal", folded to "lahal"; "oamr" ->
    "omar") and, in a token mixing letters and digits, each digit read as its look-alike letter
    ("a1fa" -> "alfa"). Plain edit distance misses the first when romanization folding moved
    the letters ("kh" -> "h") and prices both too high in a four-letter token."""
    out: set[str] = set()
    for k in range(len(token) - 1):
        a, b = token[k], token[k + 1]
        if a != b and a.isalpha() and b.isalpha():  # "2024"/"2042" are two numbers
            swapped = token[:k] + b + a + token[k + 2 :]
            out.add(swapped)
            if _FOLD_HINT.search(swapped):  # else folding leaves it as it is
                out.add(fold_romanization(swapped))
    if not token.isalpha() and not token.isdigit() and token.isalnum():
        for table in _DIGIT_LETTERS:
            read = token.translate(table)
            if read.isalpha():
                out.add(fold_romanization(read))
    out.discard(token)
    return frozenset(out)


@lru_cache(maxsize=131072)
def _skeleton_key(token: str) -> str:
    """A core token's consonant-skeleton key ("" when the skeleton is too short)."""
    sk = skeleton(token)
    return "s:" + sk if len(sk) >= 2 else ""


def _middle_keys(norm: NormName) -> set[str]:
    """The blocking keys of a person's name that come from its middle core tokens alone: their
    word and skeleton keys, and the trigrams of the written-together name inside them."""
    core = norm.core
    keys: set[str] = set()
    at = len(core[0])
    padded = f"^{''.join(core)}$"
    for t in core[1:-1]:
        keys.add("w:" + t)
        if sk := _skeleton_key(t):
            keys.add(sk)
        start = at + 1  # (the padding's "^")
        keys.update(padded[i : i + 3] for i in range(start, start + len(t) - 2))
        at += len(t)
    ends = (core[0], core[-1])
    return keys - set(name_keys(NormName(ends, ends, (), norm.abjad)))


class NameColumns(Sequence[IndexedName]):
    """The indexed names of a cached (or unpickled) index, kept as columns: an
    :class:`IndexedName` is built when a row is read (a match's name, an explanation), not
    50,000 of them at load."""

    __slots__ = ("_abjad", "_entry", "_kind", "_text", "_tokens")

    def __init__(
        self,
        entry: list[int],
        text: list[str],
        kind: list[str],
        tokens: list[tuple[str, ...]],
        abjad: list[bool],
    ) -> None:
        self._entry = entry
        self._text = text
        self._kind = kind
        self._tokens = tokens
        self._abjad = abjad

    def columns(
        self,
    ) -> tuple[list[int], list[str], list[str], list[tuple[str, ...]], list[bool]]:
        return self._entry, self._text, self._kind, self._tokens, self._abjad

    def __len__(self) -> int:
        return len(self._text)

    @overload
    def __getitem__(self, row: int) -> IndexedName: ...
    @overload
    def __getitem__(self, row: slice) -> list[IndexedName]: ...
    def __getitem__(self, row: int | slice) -> IndexedName | list[IndexedName]:
        if isinstance(row, slice):
            return [self[i] for i in range(*row.indices(len(self)))]
        tokens = self._tokens[row]
        norm = NormName(
            tokens,
            tuple([t for t in tokens if t not in LEGAL_TOKENS]),
            tuple([t for t in tokens if t in LEGAL_TOKENS]),
            self._abjad[row],
        )
        return IndexedName(self._entry[row], self._text[row], self._kind[row], norm)


def is_person(entity_type: EntityType) -> bool:
    return entity_type is EntityType.PERSON


# Entries that are things, not parties: a customer declared a person or an organisation is
# never one of them (compliance.matching.engine.Matcher.match leaves their names out).
CRAFT_TYPES = frozenset({EntityType.VESSEL, EntityType.AIRCRAFT})


class NameIndex:
    """Built once per set of list versions (see :func:`compliance.matching.engine.load_matcher`
    for the on-disk cache keyed by version hashes)."""

    def __init__(self, entries: Sequence[tuple[str, ListEntry]], weights: Weights) -> None:
        self.weights = weights
        self.entries: Sequence[tuple[str, ListEntry]] = list(entries)
        names: list[IndexedName] = []
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
                names.append(IndexedName(i, text, kind, norm))
        # Every indexed name, by row (after unpickling: built from columns on access).
        self.names: Sequence[IndexedName] = names
        n = len(names)
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

        # Name symbols (compliance.normalize.symbols) -> the list tokens carrying them, laid
        # out symbol after symbol: "[NAME:Q1164078]" -> hussein, husayn, hsyn (from حسين)...
        by_symbol: dict[str, set[int]] = defaultdict(set)
        for rec in self.names:
            for tok, syms in zip(rec.norm.tokens, rec.norm.symbols, strict=False):
                for sym in syms if len(tok) > 1 else ():
                    by_symbol[sym].add(self.token_id[tok])
        self.symbol_names: list[str] = sorted(by_symbol)
        self.symbol_offsets: npt.NDArray[np.int64] = np.cumsum(
            [0] + [len(by_symbol[s]) for s in self.symbol_names], dtype=np.int64
        )
        self.symbol_tokens: IntArray = np.array(
            [t for s in self.symbol_names for t in sorted(by_symbol[s])], dtype=np.int32
        )

        self._phonetic_codes()

        # Each name's tokens as ids, padded into one matrix (-1 = none).
        width = max((len(r.norm.tokens) for r in self.names), default=1)
        self.name_tokens: IntArray = np.full((n, width), -1, dtype=np.int32)
        # The same, as tuples (for the scorer's plain-Python path).
        self.row_tokens: list[tuple[int, ...]] = []
        for row, rec in enumerate(self.names):
            ids = tuple([self.token_id[t] for t in dict.fromkeys(rec.norm.tokens)])
            self.name_tokens[row, : len(ids)] = ids
            self.row_tokens.append(ids)
        self.name_len: IntArray = np.array(
            [len(set(r.norm.tokens)) for r in self.names], dtype=np.int32
        )
        # ... and flat, name after name (`row_start[row]` is where a name's tokens begin).
        self.row_start: npt.NDArray[np.int64] = np.concatenate(
            ([0], np.cumsum(self.name_len, dtype=np.int64))
        )[:-1]
        self.token_flat: IntArray = np.fromiter(
            (t for ids in self.row_tokens for t in ids),
            dtype=np.int32,
            count=int(self.name_len.sum()),
        )
        self.name_core_count: IntArray = np.array(
            [len(r.norm.core) for r in self.names], dtype=np.int32
        )
        self.name_joined: npt.NDArray[np.object_] = np.array(
            [r.norm.joined for r in self.names], dtype=object
        )
        self.joined_len: IntArray = np.array([len(j) for j in self.name_joined], dtype=np.int32)
        self.name_entry: IntArray = np.array([r.entry for r in self.names], dtype=np.int32)
        self.name_person: npt.NDArray[np.bool_] = np.array(
            [is_person(self.entries[r.entry][1].entity_type) for r in self.names], dtype=np.bool_
        )
        self.name_weak: npt.NDArray[np.bool_] = np.array(
            [r.kind == AliasKind.WEAK.value for r in self.names], dtype=np.bool_
        )

        # Blocking postings: one array of row ids, key by key (each key's rows ascending).
        postings: dict[str, list[int]] = defaultdict(list)
        for row, rec in enumerate(self.names):
            for key in set(name_keys(rec.norm)):
                postings[key].append(row)
        self.key_names: list[str] = list(postings)
        self.key_offsets: npt.NDArray[np.int64] = np.cumsum(
            [0] + [len(postings[key]) for key in self.key_names], dtype=np.int64
        )
        self.key_rows: IntArray = np.empty(int(self.key_offsets[-1]), dtype=np.int32)
        for i, key in enumerate(self.key_names):
            self.key_rows[self.key_offsets[i] : self.key_offsets[i + 1]] = postings.pop(key)
        # An absolute cap: as lists grow, more keys become "common" and are skipped, so the
        # work per query stays flat instead of growing with the lists.
        self.max_df = weights.max_key_df
        self._prepare()

    # ------------------------------------------------------------------ derived lookups
    # Plain Python lists and dicts derived from the arrays above (and ``name_craft`` from the
    # entries): per-query work on a few candidates is faster on these than through numpy
    # calls. Rebuilt on load (from the index cache or a pickle) rather than stored.
    _DERIVED = (
        "key_info",
        "name_craft",
        "row_person",
        "row_core_count",
        "row_joined",
        "token_weight_list",
        "token_legal_list",
        "token_len_list",
        "skeleton_len_list",
        "near_cache",
        "typo_cache",
        "symbol_info",
        "phonetic_info",
        "equivalent_cache",
        "initial_ids",
    )

    def _phonetic_codes(self) -> None:
        """The vocabulary's tokens by code, laid out code after code (as the symbols are):
        Metaphone code; consonant skeleton ("sadegh"/"sadeq" -> "sdk"), from 3 consonants
        on; first-vowel and inner-vowel keys (see :meth:`equivalent_ids`)."""
        by_code: dict[str, list[int]] = defaultdict(list)
        min_len = self.weights.phonetic_min_len
        for tid, (tok, skel) in enumerate(zip(self.vocab, self.vocab_skeleton, strict=True)):
            if len(tok) >= min_len:
                if code := phonetic_key(tok):
                    by_code[code].append(tid)
                if len(skel) >= 3:
                    by_code["s:" + skel].append(tid)
            if code := vowel_key(tok):
                by_code[code].append(tid)
            if code := inner_vowel_key(tok):
                by_code[code].append(tid)
        self.phonetic_names: list[str] = list(by_code)
        self.phonetic_offsets: npt.NDArray[np.int64] = np.cumsum(
            [0] + [len(by_code[c]) for c in self.phonetic_names], dtype=np.int64
        )
        self.phonetic_tokens: IntArray = np.array(
            [t for c in self.phonetic_names for t in by_code[c]], dtype=np.int32
        )

    def _prepare(self) -> None:
        offsets = self.key_offsets.tolist()
        dfs = np.diff(self.key_offsets).astype(np.float64)
        key_weights = np.log((self.size + 1) / dfs).tolist() if len(dfs) else []
        rows = self.key_rows
        # key -> (its rows, how many, its rarity weight log((N + 1) / df))
        self.key_info: dict[str, tuple[IntArray, int, float]] = {
            key: (rows[offsets[i] : offsets[i + 1]], offsets[i + 1] - offsets[i], key_weights[i])
            for i, key in enumerate(self.key_names)
        }
        # Per name: its entry is a vessel or an aircraft (CRAFT_TYPES).
        # (a cached index's entries give their types as one column: see EntryColumns)
        column = getattr(self.entries, "entity_types", None)
        types = column() if column is not None else [e.entity_type for _, e in self.entries]
        entry_craft = np.fromiter(
            (t in CRAFT_TYPES for t in types),
            dtype=np.bool_,
            count=len(self.entries),
        )
        self.name_craft: npt.NDArray[np.bool_] = entry_craft[self.name_entry]
        self.row_person: list[bool] = self.name_person.tolist()
        self.row_core_count: list[int] = self.name_core_count.tolist()
        self.row_joined: list[str] = self.name_joined.tolist()
        self.token_weight_list: list[float] = self.token_weight.tolist()
        self.token_legal_list: list[bool] = self.token_legal.tolist()
        self.token_len_list: list[int] = self.token_len.tolist()
        self.skeleton_len_list: list[int] = self.skeleton_len.tolist()
        self.near_cache: dict[str, list[str]] = {}  # token -> near_tokens(token)
        self.typo_cache: dict[str, tuple[int, ...]] = {}  # token -> typo_ids(token)
        sym_at = self.symbol_offsets.tolist()
        sym_tokens = self.symbol_tokens.tolist()
        # symbol -> ids of the list tokens carrying it
        self.symbol_info: dict[str, list[int]] = {
            s: sym_tokens[sym_at[i] : sym_at[i + 1]] for i, s in enumerate(self.symbol_names)
        }
        # Metaphone code (and the others: see _phonetic_codes) -> ids of the list tokens
        pho_at = self.phonetic_offsets.tolist()
        pho_tokens = self.phonetic_tokens.tolist()
        self.phonetic_info: dict[str, list[int]] = {
            c: pho_tokens[pho_at[i] : pho_at[i + 1]] for i, c in enumerate(self.phonetic_names)
        }
        # The ids of the list tokens that are single letters (a person's initials).
        self.initial_ids: list[int] = [
            t for t, tok in enumerate(self.vocab) if len(tok) == 1 and tok.isalpha()
        ]
        # (token, its symbols) -> equivalent_ids(...)
        self.equivalent_cache: dict[
            tuple[str, frozenset[str], bool], tuple[tuple[int, float], ...]
        ] = {}

    # Pickling (in-process copies, the cache benchmark's baseline; the on-disk cache is
    # never a pickle: see to_state) keeps the names as columns too.
    def __getstate__(self) -> dict[str, Any]:
        state = {k: v for k, v in self.__dict__.items() if k not in self._DERIVED}
        # Names as columns: unpickling 50,000 small objects field by field is slow.
        names = state.pop("names")
        state["_name_columns"] = (
            names.columns()
            if isinstance(names, NameColumns)
            else (
                [r.entry for r in names],
                [r.name for r in names],
                [r.kind for r in names],
                [r.norm.tokens for r in names],
                [r.norm.abjad for r in names],
            )
        )
        return state

    def __setstate__(self, state: dict[str, Any]) -> None:
        columns = state.pop("_name_columns")
        self.__dict__.update(state)
        self.names = NameColumns(*columns)
        self._prepare()

    # ------------------------------------------------------------------ cached form
    # What the on-disk index cache holds (compliance.matching.engine): the numeric arrays as
    # they are, the strings as plain lists. Entries and weights are passed back in by the
    # loader; the derived lookups are rebuilt. An attribute not named here stops the index
    # from being cached at all (to_state raises), so a new one cannot go missing on load.
    _STATE_ARRAYS = (
        "token_weight",
        "token_len",
        "skeleton_len",
        "token_legal",
        "name_tokens",
        "name_len",
        "row_start",
        "token_flat",
        "name_core_count",
        "joined_len",
        "name_entry",
        "name_person",
        "name_weak",
        "key_offsets",
        "key_rows",
        "symbol_offsets",
        "symbol_tokens",
        "phonetic_offsets",
        "phonetic_tokens",
    )
    _STATE_REBUILT = (
        "weights",
        "entries",
        "names",
        "size",
        "vocab",
        "token_id",
        "vocab_array",
        "vocab_skeleton",
        "_log_n",
        "row_tokens",
        "name_joined",
        "key_names",
        "max_df",
        "symbol_names",
        "phonetic_names",
    )

    def to_state(self) -> tuple[dict[str, Any], dict[str, npt.NDArray[Any]]]:
        """(plain data, numeric arrays): everything but the entries, the weights and what
        :meth:`from_state` derives. Raises ValueError on an attribute it does not know."""
        unknown = set(self.__dict__) - {*self._STATE_ARRAYS, *self._STATE_REBUILT, *self._DERIVED}
        if unknown:
            raise ValueError(f"NameIndex attributes the cache does not store: {sorted(unknown)}")
        names = self.names
        if isinstance(names, NameColumns):
            _entry, text, kind, tokens, abjad = names.columns()
        else:
            text = [r.name for r in names]
            kind = [r.kind for r in names]
            tokens = [r.norm.tokens for r in names]
            abjad = [r.norm.abjad for r in names]
        plain: dict[str, Any] = {
            "size": self.size,
            "log_n": self._log_n,
            "max_df": self.max_df,
            "vocab": self.vocab,
            "vocab_skeleton": self.vocab_skeleton,
            "key_names": self.key_names,
            "symbol_names": self.symbol_names,
            "phonetic_names": self.phonetic_names,
            "name_text": text,
            "name_kind": kind,
            "name_joined": self.name_joined.tolist(),
        }
        arrays = {name: getattr(self, name) for name in self._STATE_ARRAYS}
        arrays["name_abjad"] = np.array(abjad, dtype=np.bool_)
        # Each name's tokens in order, repeats kept (row_tokens drops them), as vocab ids.
        token_id = self.token_id
        arrays["name_token_count"] = np.array([len(t) for t in tokens], dtype=np.int32)
        arrays["name_token_ids"] = np.array(
            [token_id[t] for ts in tokens for t in ts], dtype=np.int32
        )
        return plain, arrays

    @classmethod
    def from_state(
        cls,
        entries: Sequence[tuple[str, ListEntry]],
        weights: Weights,
        plain: dict[str, Any],
        arrays: dict[str, npt.NDArray[Any]],
    ) -> NameIndex:
        """The index :meth:`to_state` described (same attributes, same values)."""
        self = cls.__new__(cls)
        self.weights = weights
        self.entries = entries
        size = int(plain["size"])
        for name in self._STATE_ARRAYS:
            setattr(self, name, arrays[name])
        if not len(self.name_entry) == len(plain["name_text"]) == size:
            raise ValueError("cached index: name columns of different lengths")
        self.vocab = plain["vocab"]
        words = [self.vocab[i] for i in arrays["name_token_ids"].tolist()]
        tokens: list[tuple[str, ...]] = []
        start = 0
        for count in arrays["name_token_count"].tolist():
            tokens.append(tuple(words[start : start + count]))
            start += count
        self.names = NameColumns(
            self.name_entry.tolist(),
            plain["name_text"],
            plain["name_kind"],
            tokens,
            arrays["name_abjad"].tolist(),
        )
        self.size = size
        self.token_id = {t: i for i, t in enumerate(self.vocab)}
        self.vocab_array = np.array(self.vocab, dtype=object)
        self.vocab_skeleton = plain["vocab_skeleton"]
        self._log_n = float(plain["log_n"])
        flat = self.token_flat.tolist()
        self.row_tokens = [
            tuple(flat[s : s + n])
            for s, n in zip(self.row_start.tolist(), self.name_len.tolist(), strict=True)
        ]
        self.name_joined = np.array(plain["name_joined"], dtype=object)
        self.key_names = plain["key_names"]
        self.symbol_names = plain["symbol_names"]
        self.phonetic_names = plain["phonetic_names"]
        self.max_df = int(plain["max_df"])
        self._prepare()
        return self

    def _weight(self, token: str, df: int, log_n: float) -> float:
        if is_legal(token):
            return self.weights.legal_form_weight
        return max(0.1, min(1.0, math.log((self.size + 1) / df) / log_n))

    def query_token_weight(self, token: str) -> float | None:
        """Weight of a query token; None when the lists never use it (weighed by its match)."""
        tid = self.token_id.get(token)
        if tid is not None:
            return self.token_weight_list[tid]
        if is_legal(token):
            return self.weights.legal_form_weight
        return None

    def near_tokens(self, token: str) -> list[str]:
        """The list tokens one typo from ``token``, sorted: its :func:`typo_variants` and,
        from ``near_edit_min_len`` letters on, itself with one letter dropped ("dollahh" ->
        "dollah"). Dictionary lookups only: no comparison with the whole vocabulary."""
        cache = self.near_cache
        found = cache.get(token)
        if found is None:
            if len(cache) >= _NEAR_CACHE_SIZE:
                cache.clear()
            found = cache[token] = self._near_tokens(token)
        return found

    def typo_ids(self, token: str) -> tuple[int, ...]:
        """The ids of the list tokens among ``token``'s :func:`typo_variants` (both longer
        than ``exact_token_max_len``), remembered per token."""
        cache = self.typo_cache
        found = cache.get(token)
        if found is None:
            if len(cache) >= _NEAR_CACHE_SIZE:
                cache.clear()
            short = self.weights.exact_token_max_len
            get = self.token_id.get
            found = cache[token] = (
                tuple(
                    sorted(
                        t
                        for v in typo_variants(token)
                        if len(v) > short and (t := get(v)) is not None
                    )
                )
                if len(token) > short
                else ()
            )
        return found

    def equivalent_ids(
        self, token: str, symbols: frozenset[str], person: bool = True
    ) -> tuple[tuple[int, float], ...]:
        """(list token id, similarity) of the list tokens that are another spelling of
        ``token`` though their letters differ too much for edit distance: those sharing one
        of its name ``symbols`` ("hussein"/"husayn"/"hsyn": ``symbol_similarity``) and, from
        ``phonetic_min_len`` letters on, those with its Metaphone code or its consonant
        skeleton (3 consonants or more), its first letter and at least
        ``phonetic_min_similarity`` of its letters ("nikolay"/"nykolai", "karim"/"kareem",
        "sadegh"/"sadeq": ``phonetic_similarity``), for a ``person``'s name only: brand
        names that sound alike are different companies ("Altria"/"Altura"). Remembered per
        (token, symbols, person). For an organisation's tokens, person-name symbols count
        from 5 letters (4 with the same first letter) only: they also tie short syllables of
        other languages' names together ("sap"/"sup", both readings of 十), which as brands
        are different names."""
        cache = self.equivalent_cache
        key = (token, symbols, person)
        found = cache.get(key)
        if found is not None:
            return found
        if len(cache) >= _NEAR_CACHE_SIZE:
            cache.clear()
        w = self.weights
        out: dict[int, float] = {}
        own = self.token_id.get(token, -1)
        vocab = self.vocab
        for sym in symbols:
            if not person and sym.startswith(_PERSON_SYMBOLS):
                # A person's name inside a company's ("Yasmin"/"Jasmine Contracting"): from
                # 5 letters, or 4 with the same first letter.
                if len(token) >= _ORG_NAME_SYMBOL_MIN_LEN:
                    for t in self.symbol_info.get(sym, ()):
                        cand = vocab[t]
                        if (
                            t != own
                            and len(cand) >= _ORG_NAME_SYMBOL_MIN_LEN
                            and (
                                cand[0] == token[0]
                                or min(len(cand), len(token)) >= _ORG_NAME_SYMBOL_ANY_FIRST_LEN
                            )
                        ):
                            out[t] = w.symbol_similarity
                continue
            for t in self.symbol_info.get(sym, ()):
                if t != own:
                    out[t] = w.symbol_similarity
        codes: list[str] = []
        if person and len(token) >= w.phonetic_min_len:
            skel = skeleton(token)
            codes = [c for c in (phonetic_key(token), "s:" + skel if len(skel) >= 3 else "") if c]
        for code in codes:
            for t in self.phonetic_info.get(code, ()):
                cand = vocab[t]
                if (
                    t != own
                    and t not in out
                    and cand[0] == token[0]
                    and len(cand) >= w.phonetic_min_len
                    and OSA.normalized_similarity(token, cand) >= w.phonetic_min_similarity
                ):
                    out[t] = w.phonetic_similarity
        # The same name with its first vowel written another way ("iyad"/"eyad",
        # "osama"/"usama", "ismail"/"esmail"): a person's, from 4 letters.
        if person and (code := vowel_key(token)):
            for t in self.phonetic_info.get(code, ()):
                if t != own and t not in out:
                    out[t] = w.phonetic_similarity
        # ... or its other vowels ("umer"/"umar", "raeef"/"raif", "aden"/"adan"), in the
        # pairs romanizations confuse (a/e, e/i, o/u: not "mina"/"mona").
        if person and (code := inner_vowel_key(token)):
            for t in self.phonetic_info.get(code, ()):
                if t != own and t not in out and vowels_alike(token, vocab[t]):
                    out[t] = w.phonetic_similarity
        found = cache[key] = tuple(sorted(out.items()))
        return found

    def _near_tokens(self, token: str) -> list[str]:
        short = self.weights.exact_token_max_len
        vocab = self.token_id
        near = {v for v in typo_variants(token) if len(v) > short and v in vocab}
        if len(token) >= self.weights.near_edit_min_len:
            for k in range(len(token)):
                d = token[:k] + token[k + 1 :]
                if d in vocab:
                    near.add(d)
        if self.weights.near_insertions and len(token) + 1 >= self.weights.near_edit_min_len:
            for k in range(len(token) + 1):
                head, tail = token[:k], token[k:]
                for c in _TOKEN_LETTERS:
                    if (v := head + c + tail) in vocab:
                        near.add(v)
        return sorted(near)

    def candidates(self, norm: NormName, limit: int | None = None) -> IntArray:
        """Row ids of the names sharing the most (rarity-weighted) keys with ``norm``."""
        limit = limit or self.weights.max_candidates
        keys = set(name_keys(norm))
        get = self.key_info.get
        found = [f for f in map(get, keys) if f is not None]
        unseen = len(keys) - len(found)
        max_df = self.max_df
        # A query token the lists never use may be a typo of one they do ("lakahl" for
        # "lakhal"): the listed spellings one typo away stand in for its word key. A name
        # holds one of them at most, so the query's possible weight counts the heaviest.
        short = self.weights.exact_token_max_len
        stand_in = 0.0
        rare = self.weights.near_max_df
        # ... and so do the list tokens that are the same name by symbol or sound (for a
        # name from Arabic script too, "hsyn" from حسين finding "hussein"; typos not: its word
        # keys are vowel-less spellings).
        taken: set[str] = set()  # two query tokens near one listed token add it once
        symbols = dict(zip(norm.tokens, norm.symbols, strict=True)) if norm.symbols else {}
        vocab = self.vocab
        for tok in norm.core:
            own = get("w:" + tok)
            if own is None or own[1] <= rare:
                near = [] if norm.abjad or len(tok) <= short else self.near_tokens(tok)
                alike = self.equivalent_ids(tok, symbols.get(tok, _NO_SYMBOLS), norm.person)
                if alike:
                    near = [*near, *(vocab[t] for t, _ in alike)]
                fresh = [k for v in near if (k := "w:" + v) not in keys]
                fresh = [k for k in fresh if k not in taken]
                taken.update(fresh)
                posted = [f for k in fresh if (f := get(k)) is not None and f[1] <= max_df]
                if posted:
                    found += posted
                    heaviest = max(f[2] for f in posted)
                    if own is None:
                        unseen -= 1
                    else:  # the token's own key or one of these: the heavier counts
                        heaviest = max(heaviest - own[2], 0.0)
                    stand_in += heaviest - sum(f[2] for f in posted)
        if not found:
            return np.empty(0, dtype=np.int32)
        unseen = max(unseen, 0)
        usable = [f for f in found if f[1] <= max_df]
        if not usable:  # every key is common ("group", "international"): take the rarest few
            usable = sorted(found, key=lambda f: f[1])[:3]
            stand_in = 0.0
        posts, dfs, key_weights = zip(*usable, strict=True)
        ids = np.concatenate(posts) if len(posts) > 1 else posts[0]
        weights = np.repeat(np.array(key_weights, dtype=np.float64), dfs)
        # Names sharing too little of the query's key weight cannot be similar enough to
        # matter: dropping them is what keeps the scorer's work small for the many clean
        # customers. A key the lists never use (a typo's trigrams) counts as an average key of
        # the query, not as a maximally rare one: one typo must not push the true name out.
        if norm.abjad:  # its word keys are vowel-less spellings: only skeletons can meet
            unseen = 0
        total = sum(key_weights) + stand_in
        possible = total + unseen * (total / len(key_weights))
        if norm.person and len(norm.core) >= 3:
            # A person's middle names and patronymic are often missing from the listing
            # ("Mohammad Hossein Baqeri" / "BAGHERI, Mohammad"): their own keys do not count
            # toward the share a name must hold.
            optional = sum(f[2] for k in _middle_keys(norm) if (f := get(k)) and f[1] <= max_df)
            possible = max(possible - optional, possible / 2)
        w = self.weights
        floor = max(w.min_key_coverage_floor * possible, 1e-9)
        names: npt.NDArray[np.integer[Any]]
        if len(ids) * _SPARSE_RATIO < self.size:
            # Few ids for many names: sorting them beats a pass over every name. A stable
            # sort of postings that are each sorted merges runs; each name's weights are then
            # summed over its run of equal ids, in key order as in the other branch (the
            # same sums to the last bit, so ties break the same way).
            order = np.argsort(ids, kind="stable")
            ids = ids[order]
            first = np.empty(len(ids), dtype=np.bool_)
            first[0] = True
            np.not_equal(ids[1:], ids[:-1], out=first[1:])
            sums = np.bincount(np.cumsum(first) - 1, weights=weights[order])
            above = np.flatnonzero(sums >= floor)
            names, sums = ids[first][above], sums[above]
        else:
            dense = np.bincount(ids, weights=weights)  # one slot per name id
            names = np.flatnonzero(dense >= floor)
            sums = dense[names]
        keep = sums >= w.min_key_coverage * possible
        if np.count_nonzero(keep) < w.min_candidates:
            # Short names have few keys and a typo breaks a large share of them ("IFYTEK"):
            # the best few names clearing the lower bar are scored too.
            if len(names) <= w.min_candidates:
                keep[:] = True
            else:
                keep[np.argpartition(-sums, w.min_candidates - 1)[: w.min_candidates]] = True
        names, sums = names[keep], sums[keep]
        if len(names) <= limit:
            return names.astype(np.int32)
        top = np.argpartition(-sums, limit - 1)[:limit]
        return names[top].astype(np.int32)
