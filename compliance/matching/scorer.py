"""Name similarity: rarity-weighted token alignment, vectorised over a block of candidates.

For a query name Q and a candidate name C (both normalized the same way):

* token similarity is optimal-string-alignment similarity (a transposition costs one edit);
  below ``token_similarity_floor`` it counts as 0, and tokens of 3 letters or fewer must be equal;
* each token weighs its rarity across all list names (IDF scaled to 0.1..1), so "technology",
  "international" or "beijing" weigh little and "huawei" or "sugon" a lot; legal forms weigh
  ``legal_form_weight`` and, when unmatched, only a third of that; an entry's tokens that the
  query lacks count ``unmatched_entry_token_factor`` when they are a person's name parts or
  no more distinctive than the best shared token (lists give full names, customers fewer),
  and fully otherwise (so "Beijing Technology" does not meet "Beijing Skyverse Technology");
* score = (sum over Q of weight x best similarity in C + the same from C's side) /
  (total weight of Q + total weight of C): a soft, weighted Dice coefficient. Unmatched rare
  tokens on either side pull it down, so "George Bush" stays far from "George Habbash";
* when the two names have different numbers of core tokens and their written-together forms
  are nearly equal ("megatech" / "mega tech"), that similarity can stand in, times
  ``joined_factor``.

Worked example: "Huawei Technologies Co Ltd" vs list name "Huawei Technologies Co., Ltd.":
both normalize to ``huawei technologies llc``; every token matches itself -> 1.0.
"""

from __future__ import annotations

import numpy as np
from rapidfuzz.distance import OSA
from rapidfuzz.process import cdist

from compliance.index import FloatArray, IntArray, NameIndex
from compliance.model import FeatureResult
from compliance.normalize import NormName
from compliance.normalize.legal_forms import is_legal
from compliance.normalize.scripts import skeleton

_UNMATCHED_LEGAL = 1.0 / 3.0


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
    best_c = grid.max(axis=0)  # (C, L)

    safe = np.where(valid, tokens, 0)
    c_w = np.where(valid, index.token_weight[safe], 0.0)
    c_legal = valid & index.token_legal[safe]

    q_den = np.where(
        q_legal[:, None] & (best_q == 0), q_w[:, None] * _UNMATCHED_LEGAL, q_w[:, None]
    )
    # Discount an entry's unmatched token only if it is a person's name part, or no more
    # distinctive than the best token the names share ("Huawei" vs "Huawei Technology": yes;
    # "Beijing Technology" vs "Beijing Skyverse Technology": no, "skyverse" is the name).
    matched_c = best_c > 0
    best_shared = np.where(matched_c, c_w, 0.0).max(axis=1)
    core_w = q_w[~q_legal]
    distinctive = core_w.size > 0 and float(core_w.max()) >= w.min_distinctive_weight
    discount = index.name_person[rows][:, None] | (distinctive & (c_w <= best_shared[:, None]))
    c_den = np.where(
        matched_c,
        c_w,
        np.where(
            c_legal,
            c_w * _UNMATCHED_LEGAL,
            np.where(discount, c_w * w.unmatched_entry_token_factor, c_w),
        ),
    )
    num = (q_w[:, None] * best_q).sum(axis=0) + (c_w * best_c).sum(axis=1)
    den = q_den.sum(axis=0) + c_den.sum(axis=1)
    scores: FloatArray = np.divide(num, den, out=np.zeros_like(num), where=den > 0)

    differ = index.name_core_count[rows] != len(query.core)
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


def explain_name(index: NameIndex, query: NormName, row: int, score: float) -> FeatureResult:
    """The human-readable alignment behind one name score."""
    cand = index.names[row].norm
    sims = _token_sims(
        index,
        query.tokens,
        list(cand.tokens),
        np.array([len(t) for t in cand.tokens], dtype=np.int32),
    )
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
    for i, tok in enumerate(query.tokens):
        j = int(sims[i].argmax())
        if sims[i, j] > 0:
            used.add(j)
            weight = index.query_token_weight(tok)
            wtxt = f", w {weight:.2f}" if weight is not None else ""
            sign = "=" if tok == cand.tokens[j] else "~"
            parts.append(f"{tok}{sign}{cand.tokens[j]} ({sims[i, j]:.2f}{wtxt})")
        else:
            unmatched_q.append(tok)
    unmatched_c = [t for j, t in enumerate(cand.tokens) if j not in used]
    detail = f"'{query.text}' vs '{cand.text}': " + ("; ".join(parts) or "no token in common")
    if unmatched_q:
        detail += f"; query only: {' '.join(unmatched_q)}"
    if unmatched_c:
        detail += f"; entry only: {' '.join(unmatched_c)}"
    if len(cand.core) != len(query.core) and query.joined and cand.joined:
        joined = OSA.normalized_similarity(query.joined, cand.joined)
        if (
            joined >= index.weights.joined_min_similarity
            and joined * index.weights.joined_factor >= score - 1e-9
        ):
            detail += f"; written together '{query.joined}' vs '{cand.joined}' {joined:.2f}"
    return FeatureResult(score, detail)
