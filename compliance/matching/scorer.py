"""Name similarity: rarity-weighted token alignment over a block of candidates.

Two implementations of the one score: :func:`score_names` vectorised with numpy (large blocks,
brute force), and :func:`score_candidates` in plain Python, candidate by candidate (the small
blocks blocking leaves most queries, where numpy's per-call cost would dominate).

For a query name Q and a candidate name C (both normalized the same way):

* token similarity is optimal-string-alignment similarity (a transposition costs one edit);
  below ``token_similarity_floor`` it counts as 0, and tokens of 3 letters or fewer must be equal;
  two tokens one common typo apart (``compliance.index.typo_variants``: adjacent letters
  swapped, also across romanization folding, a digit for its look-alike letter) count at least
  ``typo_similarity`` ("oamr"/"omar");
* each token weighs its rarity across all list names (IDF scaled to 0.1..1), so "technology",
  "international" or "beijing" weigh little and "huawei" or "sugon" a lot; legal forms weigh
  ``legal_form_weight`` and, when unmatched, only a third of that; an entry's tokens that the
  query lacks count ``unmatched_entry_token_factor`` when they are a person's name parts or
  no more distinctive than the best shared token (lists give full names, customers fewer),
  and fully otherwise (so "Beijing Technology" does not meet "Beijing Skyverse Technology");
  a person's missing parts count ``person_part_factor`` when the query meets the entry's first
  part and another distinctive one; the query's own unmatched tokens count fully, except a
  person's middle names and the extra words of a query that holds the listed name whole
  (``person_extra_part_min_weight``, ``org_extra_word_min_weight``);
* score = (sum over Q of weight x best similarity in C + the same from C's side) /
  (total weight of Q + total weight of C): a soft, weighted Dice coefficient. Unmatched rare
  tokens on either side pull it down, so "George Bush" stays far from "George Habbash";
* when the two names have different numbers of core tokens and their written-together forms
  are nearly equal ("megatech" / "mega tech"), that similarity can stand in, times
  ``joined_factor``; so can equal written-together forms split differently ("arefullaha ref"
  / "arefullah aref": a letter slipped across the word boundary).

Worked example: "Huawei Technologies Co Ltd" vs list name "Huawei Technologies Co., Ltd.":
both normalize to ``huawei technologies llc``; every token matches itself -> 1.0.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt
from rapidfuzz.distance import OSA
from rapidfuzz.process import cdist, extract

from compliance.index import FloatArray, IntArray, NameIndex
from compliance.matching.weights import Weights
from compliance.model import FeatureResult
from compliance.normalize import NormName
from compliance.normalize.legal_forms import LEGAL_TOKENS, is_legal
from compliance.normalize.scripts import skeleton

_UNMATCHED_LEGAL = 1.0 / 3.0
# rapidfuzz's own cutoffs only let it skip hopeless pairs early; they are applied with this
# margin because at the boundary rapidfuzz can drop a pair that reaches the cutoff exactly
# ("industrial"/"industries" = 0.8). The exact comparisons are ours.
_CUTOFF_MARGIN = 0.01
# From this many block tokens on, the long query tokens are compared in one `cdist` call
# rather than one `extract` each (measured crossover).
_CDIST_FROM = 100


def _token_sims(
    index: NameIndex, query: tuple[str, ...], cand: list[str], lens: IntArray
) -> FloatArray:
    w = index.weights
    sims: FloatArray = cdist(list(query), cand, scorer=OSA.normalized_similarity, dtype=np.float64)
    qlen = np.array([len(t) for t in query], dtype=np.int32)
    short = (np.minimum(qlen[:, None], lens[None, :]) <= w.exact_token_max_len) & (sims < 1.0)
    sims[short] = 0.0
    sims[sims < w.token_similarity_floor] = 0.0
    return sims


_NO_SYMBOLS: frozenset[str] = frozenset()


def _clashes(best_q: FloatArray, arg: npt.NDArray[np.integer[Any]]) -> npt.NDArray[np.bool_]:
    """Per name (column), whether two query tokens (rows) that match something match the
    same token of it best (``arg``: which one)."""
    found = best_q > 0
    out = np.zeros(best_q.shape[1], dtype=np.bool_)
    for i in range(best_q.shape[0]):
        for k in range(i + 1, best_q.shape[0]):
            out |= (arg[i] == arg[k]) & found[i] & found[k]
    return out


def _assign(
    index: NameIndex, row: int, pairs: Iterable[tuple[float, int, int]], n_q: int
) -> list[float]:
    """Each token of a listed name counts for one query token at most (a word the name holds
    twice, for two): the query tokens' similarities after pairing them greedily, best pair
    first (ties: the earlier query token, then the lower token id). Only run for a name where
    two query tokens match one token best ("Dave Davis" is not the listed alias "Dave" twice
    over; "Yun Yuan" still pairs with "Yung Yuan"). ``pairs``: (similarity, query token
    position, token id)."""
    token_id = index.token_id
    left: dict[int, int] = {}
    for tok in index.names[row].norm.tokens:
        t = token_id[tok]
        left[t] = left.get(t, 0) + 1
    best = [0.0] * n_q
    for sim, i, t in sorted(pairs, key=lambda p: (-p[0], p[1], p[2])):
        if best[i] == 0.0 and left.get(t, 0) > 0:
            best[i] = sim
            left[t] -= 1
    return best


def _query_symbols(query: NormName, qtokens: Sequence[str]) -> list[frozenset[str]]:
    """The name symbols of each of ``qtokens`` (a repeated token: all its occurrences')."""
    if not query.symbols:
        return [_NO_SYMBOLS] * len(qtokens)
    by: dict[str, frozenset[str]] = {}
    for tok, syms in zip(query.tokens, query.symbols, strict=True):
        by[tok] = by[tok] | syms if tok in by else syms
    return [by.get(t, _NO_SYMBOLS) for t in qtokens]


def _equivalents(
    index: NameIndex, query: NormName, qtokens: Sequence[str]
) -> list[tuple[int, int, float]]:
    return [(i, t, sim) for i, t, sim, _ in _equivalent_pairs(index, query, qtokens)]


def _equivalent_pairs(
    index: NameIndex, query: NormName, qtokens: Sequence[str]
) -> list[tuple[int, int, float, str]]:
    """(query token position, list token id, similarity) of the pairs that count alike
    although edit distance says otherwise: one common typo apart (``typo_similarity``,
    :meth:`NameIndex.typo_ids`), a shared name symbol or the same sound
    (:meth:`NameIndex.equivalent_ids`); and why, for explanations."""
    w = index.weights
    qsyms = _query_symbols(query, qtokens)
    out: list[tuple[int, int, float, str]] = []
    for i, q in enumerate(qtokens):
        out += [(i, t, w.typo_similarity, "one typo apart") for t in index.typo_ids(q)]
        out += [
            (i, t, sim, "same name" if sim == w.symbol_similarity else "sounds alike")
            for t, sim in index.equivalent_ids(q, qsyms[i], query.person)
        ]
    return out


def _initial_pairs(
    index: NameIndex, query: NormName, qtokens: Sequence[str], block: Iterable[int]
) -> list[tuple[int, int, float]]:
    """(query token position, block token id, ``initial_similarity``) of a person's initial
    and a name part it may stand for, either way round: "a" and "anatolyevich" ("MARKELOV,
    Vitaly A" / "Vitaliy Anatolyevich MARKELOV"), "v" and "vladimir"."""
    if not query.person:
        return []
    sim = index.weights.initial_similarity
    vocab = index.vocab
    initials = [i for i, q in enumerate(qtokens) if len(q) == 1 and q.isalpha()]
    firsts: dict[str, list[int]] = {}
    for i, q in enumerate(qtokens):
        if len(q) > 1:
            firsts.setdefault(q[0], []).append(i)
    out: list[tuple[int, int, float]] = []
    # The block's initials (few: single letters), then, for a query with initials, every
    # block token (a query's initials are rare).
    block_set = block if isinstance(block, (set, frozenset)) else set(block)
    for t in index.initial_ids:
        if t in block_set:
            out += [(i, t, sim) for i in firsts.get(vocab[t], ())]
    if initials:
        for t in block_set:
            tok = vocab[t]
            if len(tok) > 1 and tok.isalpha():
                out += [(i, t, sim) for i in initials if qtokens[i] == tok[0]]
    return out


def _equivalent_sims(
    index: NameIndex, query: NormName, cand: Sequence[str], sims: FloatArray
) -> dict[tuple[int, int], str]:
    """Raise the similarity of each (query token, candidate token) pair to what
    :func:`_equivalents` gives it (``cand``: list tokens, so each has a token id); returns
    why, for each pair raised."""
    at: dict[int, list[int]] = {}
    for j, tok in enumerate(cand):
        tid = index.token_id.get(tok)
        if tid is not None:
            at.setdefault(tid, []).append(j)
    why: dict[tuple[int, int], str] = {}
    initials = [
        (i, t, sim, "an initial") for i, t, sim in _initial_pairs(index, query, query.tokens, at)
    ]
    for i, t, sim, reason in _equivalent_pairs(index, query, query.tokens) + initials:
        for j in at.get(t, ()):
            if sims[i, j] < sim:
                sims[i, j] = sim
                why[(i, j)] = reason
    return why


def score_names(index: NameIndex, query: NormName, rows: IntArray) -> FloatArray:
    """Name similarity of ``query`` against each indexed name in ``rows`` (0..1)."""
    if len(rows) == 0 or not query.core:
        return np.zeros(len(rows), dtype=np.float64)
    w = index.weights
    qtokens = tuple(dict.fromkeys(query.tokens))  # a repeated word counts once
    width = int(index.name_len[rows].max())
    tokens = index.name_tokens[rows, :width]  # (C, L), -1 = padding
    valid = tokens >= 0
    uniq, inverse = np.unique(tokens[valid], return_inverse=True)
    sims = _token_sims(index, qtokens, index.vocab_array[uniq].tolist(), index.token_len[uniq])
    # Pairs one typo apart, or of one name symbol or sound (`uniq` is sorted).
    pairs = _equivalents(index, query, qtokens)
    pairs += _initial_pairs(index, query, qtokens, uniq.tolist())
    for i, t, sim in pairs:
        j = int(np.searchsorted(uniq, t))
        if j < len(uniq) and uniq[j] == t and sims[i, j] < sim:
            sims[i, j] = sim
    if query.abjad:
        skel = _token_sims(
            index,
            tuple(skeleton(t) for t in qtokens),
            [index.vocab_skeleton[i] for i in uniq],
            index.skeleton_len[uniq],
        )
        sims = np.maximum(sims, skel * index.weights.skeleton_factor)

    # Query token weights: known tokens by rarity; unknown ones by the token they match best.
    q_w = np.empty(len(qtokens), dtype=np.float64)
    q_legal = np.array([is_legal(t) for t in qtokens], dtype=np.bool_)
    for i, tok in enumerate(qtokens):
        known = index.query_token_weight(tok)
        if known is not None:
            q_w[i] = known
        elif sims[i].max() > 0:
            q_w[i] = index.token_weight[uniq[int(sims[i].argmax())]]
        else:
            q_w[i] = 1.0

    grid = np.zeros((len(qtokens), *tokens.shape), dtype=np.float64)  # (Q, C, L)
    grid[:, valid] = sims[:, inverse]
    best_q = grid.max(axis=2)  # (Q, C)
    if len(qtokens) > 1:
        for c in np.flatnonzero(_clashes(best_q, grid.argmax(axis=2))).tolist():
            qi, li = np.nonzero(grid[:, c, :])
            ids = tokens[c, li].tolist()
            sims_c = zip(grid[qi, c, li].tolist(), qi.tolist(), ids, strict=True)
            best_q[:, c] = _assign(index, int(rows[c]), sims_c, len(qtokens))
    best_c = grid.max(axis=0)  # (C, L)

    safe = np.where(valid, tokens, 0)
    c_w = np.where(valid, index.token_weight[safe], 0.0)
    c_legal = valid & index.token_legal[safe]

    # Discount an entry's unmatched token only if it is a person's name part, or no more
    # distinctive than the best token the names share ("Huawei" vs "Huawei Technology": yes;
    # "Beijing Technology" vs "Beijing Skyverse Technology": no, "skyverse" is the name).
    # The query's likewise, but only a person's middle names missing from the entry (not an
    # organisation's words: "Gazprom Neft" vs "OOO Neft").
    matched_c = best_c > 0
    best_shared = np.where(matched_c, c_w, 0.0).max(axis=1)
    core_w = q_w[~q_legal]
    distinctive = core_w.size > 0 and float(core_w.max()) >= w.min_distinctive_weight
    middle = _middle_tokens(query)
    q_mid = np.array([t in middle for t in qtokens], dtype=np.bool_)[:, None]
    covered = (valid & ~matched_c & ~c_legal).sum(axis=1) == 0
    person_rows = index.name_person[rows]
    person_c = (person_rows & covered)[None, :]
    # The name's core tokens matched better than by an initial. The query holds the name
    # whole when they are all of its core tokens, two at least, and as many query tokens
    # match ("Milad Mohammadi" does not hold "Mohammad Mohammadi": one query word matches
    # both); then the query's extra words cost little (Weights.person_extra_part_min_weight).
    core_c = valid & ~c_legal
    strong_c = core_c & (best_c > w.initial_similarity)
    n_strong, n_core = strong_c.sum(axis=1), core_c.sum(axis=1)
    whole = (n_strong == n_core) & (n_core >= 2) & ((best_q > 0).sum(axis=0) >= n_core)
    extra = (whole & person_rows & (best_shared >= w.person_extra_part_min_weight))[None, :] | (
        (whole & ~person_rows & (best_shared >= w.org_extra_word_min_weight))[None, :]
        & (q_w[:, None] <= best_shared[None, :])
    )
    q_den = np.where(
        best_q > 0,
        q_w[:, None],
        np.where(
            q_legal[:, None],
            q_w[:, None] * _UNMATCHED_LEGAL,
            np.where(
                (person_c & q_mid) | (extra & person_rows[None, :]),
                q_w[:, None] * w.person_part_factor,
                np.where(extra, q_w[:, None] * w.unmatched_entry_token_factor, q_w[:, None]),
            ),
        ),
    )
    discount = distinctive & (c_w <= best_shared[:, None])
    # (Weights.person_part_factor: the entry's first part and another, one distinctive)
    held = (n_strong >= 2) & (best_shared >= w.person_extra_part_min_weight) & strong_c[:, 0]
    c_den = np.where(
        matched_c,
        c_w,
        np.where(
            c_legal,
            c_w * _UNMATCHED_LEGAL,
            np.where(
                index.name_person[rows][:, None],
                c_w * np.where(held, w.person_part_factor, w.unmatched_entry_token_factor)[:, None],
                np.where(discount, c_w * w.unmatched_entry_token_factor, c_w),
            ),
        ),
    )
    num = (q_w[:, None] * best_q).sum(axis=0) + (c_w * best_c).sum(axis=1)
    den = q_den.sum(axis=0) + c_den.sum(axis=1)
    scores: FloatArray = np.divide(num, den, out=np.zeros_like(num), where=den > 0)

    differ = index.name_core_count[rows] != len(query.core)
    differ[_resplit(index, query, rows, ~differ)] = True
    if differ.any() and len(query.joined) >= 4:
        joined = cdist(
            [query.joined],
            index.name_joined[rows[differ]].tolist(),
            scorer=OSA.normalized_similarity,
            dtype=np.float64,
        )[0]
        joined = np.where(joined >= w.joined_min_similarity, joined * w.joined_factor, 0.0)
        scores[differ] = np.maximum(scores[differ], joined)
    return scores


def _core_ids(index: NameIndex, query: NormName) -> frozenset[int]:
    """The token ids of the query's core tokens (-1 for a token the lists never use)."""
    return frozenset([index.token_id.get(t, -1) for t in query.core])


def _resplit(
    index: NameIndex, query: NormName, rows: IntArray, same_count: npt.NDArray[np.bool_]
) -> npt.NDArray[np.intp]:
    """Positions in ``rows`` (among ``same_count``) of the names with as many core tokens as
    the query, written together the same, but split differently ("arefullaha ref" /
    "arefullah aref": a letter slipped across a word boundary)."""
    at = np.flatnonzero(same_count & (index.name_joined[rows] == query.joined))
    if not len(at):
        return at
    ids = _core_ids(index, query)
    rt = index.row_tokens
    return at[[not ids.issubset(rt[r]) for r in rows[at].tolist()]]


# Blocks of at most this many candidate names are scored by `score_candidates` in plain
# Python (several times faster for the few names blocking leaves a typical query); larger
# blocks by `score_block`, numpy over the blocks' tokens (measured crossover).
SMALL_BLOCK = 55


@dataclass(frozen=True, slots=True)
class _QueryTerms:
    """What scoring a query against a block needs from the query side."""

    qtokens: tuple[str, ...]  # distinct query tokens
    matched: dict[int, list[tuple[int, float]]]  # block token id -> [(query token, sim > 0)]
    q_w: list[float]  # query token weights
    q_den_unmatched: list[float]  # a query token's denominator share when nothing matches it
    distinctive: bool  # the query has a token of weight >= min_distinctive_weight
    # ... when nothing matches it and the candidate is a person's name whose every token is
    # matched: a middle name missing from the entry costs less (customers and lists give
    # different numbers of given names and patronymics); a middle name different from the
    # entry's does not ("Seyed Jalal Hosseini" vs "Seyed Mohammad Hosseini").
    # (Not an organisation's: the word a customer adds may be the name, "Gazprom Neft"
    # against "OOO Neft".)
    q_den_person: list[float]
    # ... when the query's word is one of the extra words that cost little (the entry is a
    # person's name it covers, or the word is no rarer than an organisation's best shared
    # word: Weights.person_extra_part_min_weight)
    q_den_extra: list[float]
    q_den_extra_person: list[float]  # (the same, for a person's name)


def _query_terms(index: NameIndex, query: NormName, present: set[int]) -> _QueryTerms:
    """``present``: the ids of every token of the block's names."""
    qtokens = tuple(dict.fromkeys(query.tokens))  # a repeated word counts once
    matched, best_tid = _token_matches(index, query, qtokens, present)
    # Query token weights: known tokens by rarity; unknown ones by the token they match best.
    tw = index.token_weight_list
    q_w: list[float] = []
    for i, tok in enumerate(qtokens):
        known = index.query_token_weight(tok)
        if known is None:
            known = tw[best_tid[i]] if best_tid[i] >= 0 else 1.0
        q_w.append(known)
    q_legal = [t in LEGAL_TOKENS for t in qtokens]
    core_w = [q for q, legal in zip(q_w, q_legal, strict=True) if not legal]
    distinctive = bool(core_w) and max(core_w) >= index.weights.min_distinctive_weight
    q_den_unmatched = [
        q * _UNMATCHED_LEGAL if legal else q for q, legal in zip(q_w, q_legal, strict=True)
    ]
    factor = index.weights.unmatched_entry_token_factor
    pfactor = index.weights.person_part_factor
    middle = _middle_tokens(query)
    q_den_person = [
        q * pfactor if t in middle else d
        for t, q, d in zip(qtokens, q_w, q_den_unmatched, strict=True)
    ]
    q_den_extra = [
        q * _UNMATCHED_LEGAL if legal else q * factor for q, legal in zip(q_w, q_legal, strict=True)
    ]
    q_den_extra_person = [
        q * _UNMATCHED_LEGAL if legal else q * pfactor
        for q, legal in zip(q_w, q_legal, strict=True)
    ]
    return _QueryTerms(
        qtokens,
        matched,
        q_w,
        q_den_unmatched,
        distinctive,
        q_den_person,
        q_den_extra,
        q_den_extra_person,
    )


def _middle_tokens(query: NormName) -> frozenset[str]:
    """The query's core tokens that are neither its first nor its last: a person's middle
    names and patronymics ("mishan rakin thamin al jaburi": rakin, thamin, al)."""
    core = query.core
    ends = {core[0], core[-1]} if core else set()
    return frozenset(t for t in core[1:-1] if t not in ends)


def score_candidates(
    index: NameIndex, query: NormName, rows: Sequence[int], floor: float
) -> list[tuple[int, float]]:
    """``(row, name score)`` for each row of ``rows`` whose score reaches ``floor``, in the
    order of ``rows``.

    The same score as :func:`score_names`, from the same steps, computed one candidate at a
    time on plain Python lists (sums may differ from numpy's in the last bit): for small
    blocks, where numpy's per-call cost would dominate."""
    if not rows or not query.core:
        return [] if floor > 0 else [(r, 0.0) for r in rows]
    w = index.weights
    row_tokens = index.row_tokens
    terms = _query_terms(index, query, set().union(*[row_tokens[r] for r in rows]))
    matched = terms.matched
    q_w = terms.q_w
    q_den_unmatched = terms.q_den_unmatched
    distinctive = terms.distinctive
    q_den_person = terms.q_den_person
    q_den_extra = terms.q_den_extra
    q_den_extra_person = terms.q_den_extra_person
    pfactor = w.person_part_factor
    person_min = w.person_extra_part_min_weight
    org_min = w.org_extra_word_min_weight
    initial = w.initial_similarity
    n_q = len(terms.qtokens)
    tw = index.token_weight_list

    t_legal = index.token_legal_list
    row_person = index.row_person
    factor = w.unmatched_entry_token_factor
    joined_q = query.joined if len(query.joined) >= 4 else ""
    len_q = len(joined_q)
    n_core = len(query.core)
    row_core_count = index.row_core_count
    row_joined = index.row_joined
    joined_min = w.joined_min_similarity
    joined_cutoff = max(0.0, joined_min - _CUTOFF_MARGIN)
    joined_factor = w.joined_factor
    osa = OSA.normalized_similarity
    get = matched.get
    is_disjoint = matched.keys().isdisjoint
    zeros = [0.0] * n_q
    q_range = range(n_q)
    core_ids = _core_ids(index, query)

    out: list[tuple[int, float]] = []
    for r in rows:
        score = 0.0
        toks = row_tokens[r]
        if not is_disjoint(toks):  # else no token matches: the token score is 0
            best_q = zeros.copy()
            num_c = 0.0
            den_c = 0.0
            best_shared = 0.0
            n_strong = 0  # the name's non-legal tokens matched better than by an initial
            weak = False  # a non-legal token of the name matched by an initial or worse
            unmatched: list[float] = []  # weights of the name's unmatched non-legal tokens
            best_t = [-1] * n_q  # the name's token each query token matches best
            first_strong = False  # the name's first token matched better than by an initial
            for t in toks:
                pairs = get(t)
                if pairs is None:
                    if t_legal[t]:
                        den_c += tw[t] * _UNMATCHED_LEGAL
                    else:
                        unmatched.append(tw[t])
                    continue
                b = 0.0
                for i, sim in pairs:
                    if sim > best_q[i]:
                        best_q[i] = sim
                        best_t[i] = t
                    if sim > b:
                        b = sim
                wt = tw[t]
                num_c += wt * b
                den_c += wt
                if wt > best_shared:
                    best_shared = wt
                if not t_legal[t]:
                    if b > initial:
                        n_strong += 1
                        if t == toks[0]:
                            first_strong = True
                    else:
                        weak = True
            if unmatched:
                # An unmatched token of the name is discounted if it is a person's name
                # part, or no more distinctive than the best token the names share.
                if row_person[r]:
                    f = (
                        pfactor
                        if n_strong >= 2 and best_shared >= person_min and first_strong
                        else factor
                    )
                    for wt in unmatched:
                        den_c += wt * f
                elif distinctive:
                    for wt in unmatched:
                        den_c += wt * factor if wt <= best_shared else wt
                else:
                    for wt in unmatched:
                        den_c += wt
            if n_q > 1:  # each token of the name counts for one query token (_assign)
                holders = [best_t[i] for i in q_range if best_q[i] > 0.0]
                if len(set(holders)) < len(holders):
                    best_q = _assign(
                        index,
                        r,
                        [(sim, i, t) for t in toks for i, sim in get(t, ())],
                        n_q,
                    )
            num_q = 0.0
            den_q = 0.0
            person_r = row_person[r]
            # the query's extra words that cost little (Weights.person_extra_part_min_weight)
            whole = (
                not unmatched
                and not weak
                and n_strong >= 2
                and sum([1 for b in best_q if b > 0.0]) >= n_strong
            )
            extra_all = whole and person_r and best_shared >= person_min
            extra_org = whole and not person_r and best_shared >= org_min
            for i in q_range:
                bq = best_q[i]
                if bq > 0.0:
                    num_q += q_w[i] * bq
                    den_q += q_w[i]
                elif extra_all:
                    den_q += q_den_extra_person[i]
                elif extra_org and q_w[i] <= best_shared:
                    den_q += q_den_extra[i]
                elif person_r and not unmatched:
                    den_q += q_den_person[i]
                else:
                    den_q += q_den_unmatched[i]
            den = den_q + den_c
            if den > 0.0:
                score = (num_q + num_c) / den
        if joined_q and (
            row_core_count[r] != n_core
            or (row_joined[r] == joined_q and not core_ids.issubset(toks))
        ):
            # The written-together similarity is at most shorter/longer length: compute it
            # only when that bound could still reach the cutoff and raise the score.
            joined_r = row_joined[r]
            len_r = len(joined_r)
            bound = len_r / len_q if len_r < len_q else len_q / len_r
            if bound >= joined_cutoff and bound * joined_factor > score:
                joined = osa(joined_q, joined_r, score_cutoff=joined_cutoff)
                if joined >= joined_min and joined * joined_factor > score:
                    score = joined * joined_factor
        if score >= floor:
            out.append((r, score))
    return out


def score_block(
    index: NameIndex, query: NormName, rows: IntArray, floor: float
) -> list[tuple[int, float]]:
    """:func:`score_candidates` for a larger block: the same score, computed with numpy over
    the block's tokens laid end to end (one segment per name), so its cost grows with the
    block's tokens rather than with its longest name times its size as `score_names`'s."""
    n = len(rows)
    if not n or not query.core:
        return [] if floor > 0 else [(r, 0.0) for r in rows.tolist()]
    w = index.weights
    row_tokens = index.row_tokens
    terms = _query_terms(index, query, set().union(*[row_tokens[r] for r in rows.tolist()]))
    scores: FloatArray = np.zeros(n, dtype=np.float64)
    if terms.matched:
        lens = index.name_len[rows].astype(np.int64)
        ends = np.cumsum(lens)
        starts = ends - lens  # where each name's segment begins
        occ = index.token_flat[
            np.repeat(index.row_start[rows] - starts, lens) + np.arange(ends[-1])
        ]
        # Similarity of each token occurrence to each query token, through the few block
        # tokens that match anything (the last table row, zeros, for all the others).
        ids = np.array(sorted(terms.matched), dtype=np.int32)
        table = np.zeros((len(ids) + 1, len(terms.qtokens)), dtype=np.float64)
        for k, t in enumerate(ids.tolist()):
            for i, sim in terms.matched[t]:
                table[k, i] = sim
        at = np.minimum(np.searchsorted(ids, occ), len(ids) - 1)
        at[ids[at] != occ] = len(ids)
        sims = table[at]  # (occurrences, query tokens)
        best_c = sims.max(axis=1)
        best_q = np.maximum.reduceat(sims, starts, axis=0)  # (names, query tokens)
        if best_q.shape[1] > 1:
            # which occurrence each query token matches best (the first of equals)
            segment_of = np.repeat(np.arange(n), lens)
            order = -np.arange(len(occ), dtype=np.int64)[:, None]
            first = np.where(sims == best_q[segment_of], order, np.iinfo(np.int64).min)
            arg = np.maximum.reduceat(first, starts, axis=0)
            for k in np.flatnonzero(_clashes(best_q.T, arg.T)).tolist():
                seg = slice(int(starts[k]), int(ends[k]))
                oi, qi = np.nonzero(sims[seg])
                ids = occ[seg][oi].tolist()
                pairs = zip(sims[seg][oi, qi].tolist(), qi.tolist(), ids, strict=True)
                best_q[k] = _assign(index, int(rows[k]), pairs, best_q.shape[1])
        c_w = index.token_weight[occ]
        matched_c = best_c > 0
        best_shared = np.maximum.reduceat(np.where(matched_c, c_w, 0.0), starts)
        segment = np.repeat(np.arange(n), lens)
        discount = terms.distinctive & (c_w <= best_shared[segment])
        core_occ = ~index.token_legal[occ]
        strong_c = core_occ & (best_c > w.initial_similarity)  # matched better than by an initial
        strong = np.add.reduceat(strong_c.astype(np.int32), starts)
        held = (strong >= 2) & (best_shared >= w.person_extra_part_min_weight) & strong_c[starts]
        c_den = np.where(
            matched_c,
            c_w,
            np.where(
                index.token_legal[occ],
                c_w * _UNMATCHED_LEGAL,
                np.where(
                    index.name_person[rows][segment],
                    c_w
                    * np.where(held, w.person_part_factor, w.unmatched_entry_token_factor)[segment],
                    np.where(discount, c_w * w.unmatched_entry_token_factor, c_w),
                ),
            ),
        )
        q_w = np.array(terms.q_w, dtype=np.float64)
        num = best_q @ q_w + np.add.reduceat(c_w * best_c, starts)
        # (a person's names: when every core token of the entry's is matched)
        covered = np.add.reduceat((~matched_c & core_occ).astype(np.int32), starts) == 0
        person_rows = index.name_person[rows]
        # the query's extra words that cost little (Weights.person_extra_part_min_weight)
        n_core = np.add.reduceat(core_occ.astype(np.int32), starts)
        whole = (strong == n_core) & (n_core >= 2) & ((best_q > 0).sum(axis=1) >= n_core)
        extra = (whole & person_rows & (best_shared >= w.person_extra_part_min_weight))[:, None] | (
            (whole & ~person_rows & (best_shared >= w.org_extra_word_min_weight))[:, None]
            & (q_w[None, :] <= best_shared[:, None])
        )
        unmatched = np.where(
            extra & person_rows[:, None],
            np.array(terms.q_den_extra_person)[None, :],
            np.where(
                extra,
                np.array(terms.q_den_extra)[None, :],
                np.where(
                    (person_rows & covered)[:, None],
                    np.array(terms.q_den_person)[None, :],
                    np.array(terms.q_den_unmatched)[None, :],
                ),
            ),
        )
        den = np.where(best_q > 0, q_w, unmatched).sum(axis=1)
        den += np.add.reduceat(c_den, starts)
        np.divide(num, den, out=scores, where=den > 0)
    joined = query.joined
    if len(joined) >= 4:
        # Written together: only names whose length allows the cutoff, and whose score it
        # could raise (the similarity is at most shorter/longer length).
        length = index.joined_len[rows]
        bound = np.minimum(length, len(joined)) / np.maximum(length, len(joined))
        cutoff = max(0.0, w.joined_min_similarity - _CUTOFF_MARGIN)
        differ = index.name_core_count[rows] != len(query.core)
        differ[_resplit(index, query, rows, ~differ)] = True
        maybe = np.flatnonzero(differ & (bound >= cutoff) & (bound * w.joined_factor > scores))
        for k in maybe.tolist():
            sim = OSA.normalized_similarity(
                joined, index.row_joined[int(rows[k])], score_cutoff=cutoff
            )
            if sim >= w.joined_min_similarity and sim * w.joined_factor > scores[k]:
                scores[k] = sim * w.joined_factor
    keep = np.flatnonzero(scores >= floor)
    return list(zip(rows[keep].tolist(), scores[keep].tolist(), strict=True))


def _token_matches(
    index: NameIndex, query: NormName, qtokens: tuple[str, ...], present: set[int]
) -> tuple[dict[int, list[tuple[int, float]]], list[int]]:
    """Which query tokens each candidate token matches, and how well: ``{token id:
    [(query token position, similarity > 0), ...]}`` by the rules of `_token_sims` (and the
    skeleton comparison for an abjad query); and, per query token, the candidate token it
    matches best (-1: none; ties to the lowest id, as ``argmax`` over ``np.unique`` ids)."""
    w = index.weights
    uniq = list(present)
    found: dict[tuple[int, int], float] = {}
    vocab = index.vocab
    _collect(
        found,
        qtokens,
        [vocab[t] for t in uniq],
        index.token_len_list,
        uniq,
        w,
        1.0,
        (index.token_id, present),
    )
    for i, t, sim in _equivalents(index, query, qtokens) + _initial_pairs(
        index, query, qtokens, present
    ):
        if t in present and sim > found.get((i, t), 0.0):
            found[(i, t)] = sim
    if query.abjad:
        _collect(
            found,
            tuple(skeleton(t) for t in qtokens),
            [index.vocab_skeleton[t] for t in uniq],
            index.skeleton_len_list,
            uniq,
            w,
            w.skeleton_factor,
        )
    matched: dict[int, list[tuple[int, float]]] = {}
    best_tid = [-1] * len(qtokens)
    best_sim = [0.0] * len(qtokens)
    for (i, t), sim in found.items():
        pairs = matched.get(t)
        if pairs is None:
            matched[t] = [(i, sim)]
        else:
            pairs.append((i, sim))
        if sim > best_sim[i] or (sim == best_sim[i] and t < best_tid[i]):
            best_sim[i] = sim
            best_tid[i] = t
    return matched, best_tid


def _collect(
    found: dict[tuple[int, int], float],
    left: tuple[str, ...],
    right: list[str],
    right_len: list[int],
    uniq: list[int],
    w: Weights,
    factor: float,
    exact: tuple[dict[str, int], set[int]] | None = None,
) -> None:
    """Add the (left position, token id) pairs whose similarity passes `_token_sims`'s rules,
    times ``factor``, keeping the larger value of a pair already found. ``exact`` (text ->
    token id, and the ids of ``uniq``, when ``right`` are their texts) finds the match of a
    short left token, which can only be the identical token, without comparing."""
    cutoff = w.token_similarity_floor
    short = w.exact_token_max_len
    lower = max(0.0, cutoff - _CUTOFF_MARGIN)
    compare: list[int] = []
    pairs: Iterable[tuple[int, float, int]]
    for i, tok in enumerate(left):
        if exact is not None and len(tok) <= short and cutoff <= 1.0:
            t = exact[0].get(tok, -1)
            if t in exact[1] and factor > found.get((i, t), 0.0):
                found[(i, t)] = factor
        else:
            compare.append(i)
    if len(compare) > 1 and len(right) >= _CDIST_FROM:
        # One call for every long token: cheaper than one extract each over many choices.
        sims = cdist(
            [left[i] for i in compare],
            right,
            scorer=OSA.normalized_similarity,
            dtype=np.float64,
            score_cutoff=lower,
        )
        rows, cols = np.nonzero(sims >= cutoff)
        pairs = zip(
            [compare[k] for k in rows.tolist()],
            sims[rows, cols].tolist(),
            cols.tolist(),
            strict=True,
        )
    else:
        pairs = (
            (i, sim, u)
            for i in compare
            for _, sim, u in extract(
                left[i], right, scorer=OSA.normalized_similarity, score_cutoff=lower, limit=None
            )
        )
    for i, sim, u in pairs:
        if sim < cutoff:
            continue
        t = uniq[u]
        if sim < 1.0 and (len(left[i]) <= short or right_len[t] <= short):
            continue
        sim *= factor
        if sim > found.get((i, t), 0.0):
            found[(i, t)] = sim


def explain_name(index: NameIndex, query: NormName, row: int, score: float) -> FeatureResult:
    """The human-readable alignment behind one name score."""
    cand = index.names[row].norm
    sims = _token_sims(
        index,
        query.tokens,
        list(cand.tokens),
        np.array([len(t) for t in cand.tokens], dtype=np.int32),
    )
    why = _equivalent_sims(index, query, cand.tokens, sims)
    raised = sims.copy()
    if query.abjad:
        skels = [skeleton(t) for t in cand.tokens]
        skel = _token_sims(
            index,
            tuple(skeleton(t) for t in query.tokens),
            skels,
            np.array([len(t) for t in skels], dtype=np.int32),
        )
        sims = np.maximum(sims, skel * index.weights.skeleton_factor)
    parts: list[str] = []
    used: set[int] = set()
    unmatched_q: list[str] = []
    # As scored: a repeated query word once, each entry token for one query token.
    qtokens = list(dict.fromkeys(query.tokens))
    at = [query.tokens.index(t) for t in qtokens]
    taken = [int(j) for j in sims[at].argmax(axis=1)]
    if len(qtokens) > 1:
        held = [taken[k] for k in range(len(qtokens)) if sims[at[k], taken[k]] > 0]
        if len(set(held)) < len(held):  # pair greedily, one query token per entry word
            free = list(range(len(cand.tokens)))
            taken = [-1] * len(qtokens)
            order = sorted(
                ((float(sims[at[k], j]), k, j) for k in range(len(qtokens)) for j in free),
                key=lambda p: (-p[0], p[1], p[2]),
            )
            for sim, k, j in order:
                if sim > 0 and taken[k] < 0 and j in free:
                    taken[k] = j
                    free.remove(j)
    for k, tok in enumerate(qtokens):
        i = at[k]
        j = taken[k]
        if j >= 0 and sims[i, j] > 0:
            used.add(j)
            weight = index.query_token_weight(tok)
            wtxt = f", w {weight:.2f}" if weight is not None else ""
            sign = "=" if tok == cand.tokens[j] else "~"
            reason = why.get((i, j))
            # (unless the skeleton comparison gave the pair more)
            rtxt = f", {reason}" if reason and sims[i, j] == raised[i, j] else ""
            parts.append(f"{tok}{sign}{cand.tokens[j]} ({sims[i, j]:.2f}{wtxt}{rtxt})")
        else:
            unmatched_q.append(tok)
    unmatched_c = [t for j, t in enumerate(cand.tokens) if j not in used]
    detail = f"'{query.text}' vs '{cand.text}': " + ("; ".join(parts) or "no token in common")
    if unmatched_q:
        detail += f"; query only: {' '.join(unmatched_q)}"
    if unmatched_c:
        detail += f"; entry only: {' '.join(unmatched_c)}"
    resplit = cand.joined == query.joined and set(cand.core) != set(query.core)
    if (len(cand.core) != len(query.core) or resplit) and query.joined and cand.joined:
        joined = OSA.normalized_similarity(query.joined, cand.joined)
        if (
            joined >= index.weights.joined_min_similarity
            and joined * index.weights.joined_factor >= score - 1e-9
        ):
            detail += f"; written together '{query.joined}' vs '{cand.joined}' {joined:.2f}"
    return FeatureResult(score, detail)
