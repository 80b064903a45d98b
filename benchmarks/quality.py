"""Matching quality on the generated dev set: recall, precision, F1, per-kind and per-list
recall, a precision/recall table over thresholds, the worst misses and the highest-scoring
false positives.

    python benchmarks/quality.py [--lists ../shared/data/lists] [--positives 3000]
        [--negatives 3000] [--seed 20260709] [--threshold T] [--json OUT] [--devset CSV]
        [--save-devset CSV] [--set WEIGHT=VALUE ...] [--no-real | --real-fast] [--real-only]

After the generated dev set (kept as the regression part) it prints the real-variant
evaluation of ``benchmarks/realeval.py`` (leave-one-name-out, cross-list pairs, real unlisted
negatives, per dev / frozen-test split and per category): the headline figures. ``--no-real``
skips it, ``--real-fast`` runs it on a 1-in-10 slice, ``--real-only`` skips the dev set.

``--set`` tries other :class:`~compliance.matching.weights.Weights` on the matcher under test
without editing code (``--set min_key_coverage=0 --set token_similarity_floor=0.8``); the
dev set does not depend on them. The report names the code it measured (git HEAD, the
compliance/ files modified in the working tree, a hash of compliance/*.py).

Builds one Matcher over every name of OFAC SDN + CSL + BIS Entity List 2026 + UN, generates
the dev set from those same lists (``benchmarks/devset.py``; or reads ``--devset``), and runs
every query once with ``threshold=0.5`` and ``limit=50``, so scores below the review threshold
are seen. Metrics at a threshold T are computed from the stored scores:

* a positive is *found* when a match at or above T is on the expected entry or an equivalent
  one (same (source, key); same normalized primary name, e.g. the same party on SDN and in
  the CSL; or an entry holding the query's base name among its names; devset filter 4);
  ``strict`` recall counts only the first two;
* a query is *flagged* when any match reaches T. A flag is correct when the query is a
  positive that was found; a flagged negative, and a flagged positive whose matches are all
  wrong entries, are false positives;
* recall = found / positives; precision = correct flags / flags; F1 their harmonic mean.

T defaults to ``Weights().review_threshold``. ``--json`` writes every figure, every miss and
every false positive. Runtime: ~15 s for lists and index, ~5 s for the dev set, 2-5 ms per
query (about a minute for the default 6,000 queries on 2 cores).
"""

from __future__ import annotations

import argparse
import dataclasses
import hashlib
import json
import statistics
import subprocess
import sys
import time
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

import devset
import realeval
from devset import Context, DevRow

from compliance.matching.engine import Matcher
from compliance.matching.weights import Weights
from compliance.model import EntityType, Match, Party

RUN_THRESHOLD = 0.5
LIMIT = 50
PR_THRESHOLDS = [round(0.6 + 0.025 * i, 3) for i in range(15)]  # 0.600 ... 0.950


@dataclass
class Scored:
    """One match of a query, reduced to what the reports need."""

    score: float
    correct: bool  # expected entry or an equivalent one (positives only)
    strict: bool  # expected (source, key) or the same normalized primary name
    source: str
    list_code: str
    entry_name: str
    matched_name: str
    name_detail: str


@dataclass
class Result:
    row: DevRow
    matches: list[Scored] = field(default_factory=list)
    ms: float = 0.0

    def flagged(self, t: float) -> bool:
        return any(m.score >= t for m in self.matches)

    def found(self, t: float, strict: bool = False) -> bool:
        return any(m.score >= t and (m.strict if strict else m.correct) for m in self.matches)

    def best_correct(self) -> Scored | None:
        return max((m for m in self.matches if m.correct), key=lambda m: m.score, default=None)

    def best_wrong(self) -> Scored | None:
        return max((m for m in self.matches if not m.correct), key=lambda m: m.score, default=None)


# ------------------------------------------------------------------------------ running
def run(matcher: Matcher, ctx: Context, rows: Sequence[DevRow]) -> list[Result]:
    results: list[Result] = []
    for i, row in enumerate(rows):
        party = Party(
            id=f"q{i}",
            name=row.query,
            entity_type=EntityType(row.entity_type),
            country=row.country or None,
        )
        equivalent: set[int] = set()
        strict: set[int] = set()
        if row.positive:
            idx = ctx.position[(row.expected_source, row.expected_key)]
            equivalent = ctx.equivalents(idx, row.base_name)
            strict = {idx} | ctx.primary_holders.get(ctx.primary_key[idx], set())
        t0 = time.perf_counter()
        found = matcher.match(party, threshold=RUN_THRESHOLD, limit=LIMIT)
        ms = (time.perf_counter() - t0) * 1000
        results.append(Result(row, [_scored(ctx, m, equivalent, strict) for m in found], ms))
    return results


def _scored(ctx: Context, m: Match, equivalent: set[int], strict: set[int]) -> Scored:
    pos = ctx.position[(m.source, m.entry_key)]
    detail = next((f.detail for name, f in m.features if name == "name"), "")
    return Scored(
        score=m.score,
        correct=pos in equivalent,
        strict=pos in strict,
        source=m.source,
        list_code=m.list_code,
        entry_name=m.entry_name,
        matched_name=m.matched_name,
        name_detail=detail,
    )


# ------------------------------------------------------------------------------ metrics
@dataclass(frozen=True)
class Metrics:
    threshold: float
    positives: int
    negatives: int
    found: int
    found_strict: int
    pos_wrong_only: int  # positives flagged with only wrong entries
    neg_flagged: int

    @property
    def flags(self) -> int:
        return self.found + self.pos_wrong_only + self.neg_flagged

    @property
    def recall(self) -> float:
        return self.found / self.positives if self.positives else 0.0

    @property
    def recall_strict(self) -> float:
        return self.found_strict / self.positives if self.positives else 0.0

    @property
    def precision(self) -> float:
        return self.found / self.flags if self.flags else 1.0

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0

    @property
    def neg_flag_rate(self) -> float:
        return self.neg_flagged / self.negatives if self.negatives else 0.0

    def to_dict(self) -> dict[str, Any]:
        return {
            "threshold": self.threshold,
            "positives": self.positives,
            "negatives": self.negatives,
            "found": self.found,
            "found_strict": self.found_strict,
            "positives_flagged_wrong_only": self.pos_wrong_only,
            "negatives_flagged": self.neg_flagged,
            "recall": round(self.recall, 4),
            "recall_strict": round(self.recall_strict, 4),
            "precision": round(self.precision, 4),
            "f1": round(self.f1, 4),
            "negative_flag_rate": round(self.neg_flag_rate, 4),
        }


def metrics(results: Sequence[Result], t: float) -> Metrics:
    pos = [r for r in results if r.row.positive]
    neg = [r for r in results if not r.row.positive]
    found = sum(r.found(t) for r in pos)
    return Metrics(
        threshold=t,
        positives=len(pos),
        negatives=len(neg),
        found=found,
        found_strict=sum(r.found(t, strict=True) for r in pos),
        pos_wrong_only=sum(r.flagged(t) and not r.found(t) for r in pos),
        neg_flagged=sum(r.flagged(t) for r in neg),
    )


def _group_recall(
    results: Iterable[Result], key: Callable[[DevRow], str], t: float
) -> list[dict[str, Any]]:
    groups: dict[str, list[Result]] = defaultdict(list)
    for r in results:
        if r.row.positive:
            groups[key(r.row)].append(r)
    out: list[dict[str, Any]] = []
    for name, items in groups.items():
        scores = [b.score if (b := r.best_correct()) else 0.0 for r in items]
        found = sum(r.found(t) for r in items)
        out.append(
            {
                "group": name,
                "n": len(items),
                "found": found,
                "recall": round(found / len(items), 4),
                "wrong_only": sum(r.flagged(t) and not r.found(t) for r in items),
                "median_score": round(statistics.median(scores), 4),
                "not_retrieved": sum(1 for s in scores if s == 0.0),
            }
        )
    return out


def _list_label(row: DevRow) -> str:
    if row.expected_source == "us-csl":
        return f"us-csl/{row.expected_list}"
    return row.expected_source


def _negatives(results: Sequence[Result], t: float) -> list[dict[str, Any]]:
    groups: dict[str, list[Result]] = defaultdict(list)
    for r in results:
        if not r.row.positive:
            groups[r.row.kind].append(r)
    out: list[dict[str, Any]] = []
    for kind, items in sorted(groups.items()):
        flagged = sum(r.flagged(t) for r in items)
        best = [b.score if (b := r.best_wrong()) else 0.0 for r in items]
        out.append(
            {
                "kind": kind,
                "n": len(items),
                "flagged": flagged,
                "flag_rate": round(flagged / len(items), 4),
                "p95_best_score": round(sorted(best)[int(0.95 * (len(best) - 1))], 4),
            }
        )
    return out


def _misses(results: Sequence[Result], t: float) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    for r in results:
        if not r.row.positive or r.found(t):
            continue
        bc, bw = r.best_correct(), r.best_wrong()
        out.append(
            {
                "query": r.row.query,
                "kind": r.row.kind,
                "entity_type": r.row.entity_type,
                "country": r.row.country,
                "expected": f"{r.row.expected_name} [{_list_label(r.row)} {r.row.expected_key}]",
                "base_name": r.row.base_name,
                "detail": r.row.detail,
                "expected_score": round(bc.score, 4) if bc else None,
                "expected_via": bc.matched_name if bc else None,
                "expected_name_detail": bc.name_detail if bc else None,
                "best_other": f"{bw.entry_name} [{bw.source}]" if bw else None,
                "best_other_score": round(bw.score, 4) if bw else None,
            }
        )
    out.sort(key=lambda m: (m["expected_score"] or 0.0, m["kind"], m["query"]))
    return out


def _false_positives(results: Sequence[Result], t: float) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    for r in results:
        if not r.flagged(t) or (r.row.positive and r.found(t)):
            continue
        bw = r.best_wrong()
        if bw is None:
            continue
        out.append(
            {
                "query": r.row.query,
                "kind": r.row.kind,
                "entity_type": r.row.entity_type,
                "country": r.row.country,
                "matched_entry": f"{bw.entry_name} [{bw.source}/{bw.list_code}]",
                "matched_name": bw.matched_name,
                "score": round(bw.score, 4),
                "name_detail": bw.name_detail,
                "expected": r.row.expected_name if r.row.positive else None,
            }
        )
    out.sort(key=lambda f: (-f["score"], f["query"]))
    return out


# ------------------------------------------------------------------------------ printing
def table(headers: Sequence[str], rows: Iterable[Sequence[object]]) -> str:
    cells = [[str(h) for h in headers]] + [[_cell(v) for v in row] for row in rows]
    widths = [max(len(r[i]) for r in cells) for i in range(len(headers))]
    lines = []
    for n, row in enumerate(cells):
        parts = [
            c.ljust(w) if i == 0 else c.rjust(w)
            for i, (c, w) in enumerate(zip(row, widths, strict=True))
        ]
        lines.append("  ".join(parts).rstrip())
        if n == 0:
            lines.append("  ".join("-" * w for w in widths))
    return "\n".join(lines)


def _cell(v: object) -> str:
    if isinstance(v, float):
        return f"{v:.3f}"
    return "-" if v is None else str(v)


def _clip(text: str | None, n: int) -> str:
    if text is None:
        return "-"
    return text if len(text) <= n else text[: n - 1] + "…"


def _diverse(items: list[dict[str, Any]], n: int, per_kind: int) -> list[dict[str, Any]]:
    """The first ``n`` items, at most ``per_kind`` of each kind (then the rest in order)."""
    picked: list[dict[str, Any]] = []
    count: Counter[str] = Counter()
    for item in items:
        if count[item["kind"]] < per_kind:
            picked.append(item)
            count[item["kind"]] += 1
        if len(picked) == n:
            return picked
    rest = [i for i in items if i not in picked]
    return picked + rest[: n - len(picked)]


def report(results: Sequence[Result], t: float, info: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    out: list[str] = []
    m = metrics(results, t)
    out.append(
        f"Matcher over {info['lists']} ({info['names']:,} names, {info['entries']:,} entries); "
        f"dev set seed {info['seed']}: {m.positives:,} positives, {m.negatives:,} negatives."
    )
    code = info["code"]
    out.append(
        f"Code: HEAD {code['head']}, compliance/ sha256 {code['compliance_sha256']}, "
        f"{len(code['modified'])} modified compliance/ file(s) in the working tree; "
        f"weights overridden: {info['weights_overridden'] or 'none'}."
    )
    out.append(f"\n== At the review threshold {t:.3f}")
    out.append(
        table(
            ["metric", "value"],
            [
                ["recall", m.recall],
                ["  (strict: same key or same primary name)", m.recall_strict],
                ["precision", m.precision],
                ["F1", m.f1],
                ["positives found", m.found],
                ["positives flagged with only wrong entries", m.pos_wrong_only],
                ["positives not flagged", m.positives - m.found - m.pos_wrong_only],
                ["negatives flagged (false positives)", m.neg_flagged],
                ["negative flag rate", m.neg_flag_rate],
            ],
        )
    )
    by_kind = _group_recall(results, lambda r: r.kind, t)
    order = {k: i for i, k in enumerate(devset.POSITIVE_KINDS)}
    by_kind.sort(key=lambda g: order.get(g["group"], 99))
    heads = ["group", "n", "found", "recall", "wrong_only", "median_score", "not_retrieved"]
    out.append("\n== Recall by perturbation kind")
    out.append(table(heads, ([g[h] for h in heads] for g in by_kind)))
    by_list = sorted(_group_recall(results, _list_label, t), key=lambda g: -g["n"])
    out.append("\n== Recall by list (CSL by list code)")
    out.append(table(heads, ([g[h] for h in heads] for g in by_list)))
    by_type = _group_recall(results, lambda r: r.entity_type, t)
    by_country = _group_recall(results, lambda r: "with country" if r.country else "no country", t)
    out.append("\n== Recall by query entity type and by country given")
    out.append(table(heads, ([g[h] for h in heads] for g in [*by_type, *by_country])))
    negs = _negatives(results, t)
    nheads = ["kind", "n", "flagged", "flag_rate", "p95_best_score"]
    out.append("\n== Negatives by kind (any match at the threshold is a false positive)")
    out.append(table(nheads, ([g[h] for h in nheads] for g in negs)))

    pr = [metrics(results, x) for x in PR_THRESHOLDS]
    out.append("\n== Precision / recall by threshold")
    out.append(
        table(
            ["threshold", "recall", "precision", "F1", "neg_flag_rate", "pos_wrong_only"],
            (
                [
                    f"{x.threshold:.3f}",
                    x.recall,
                    x.precision,
                    x.f1,
                    x.neg_flag_rate,
                    x.pos_wrong_only,
                ]
                for x in pr
            ),
        )
    )

    misses = _misses(results, t)
    hist = Counter(_band(mm["expected_score"]) for mm in misses)
    out.append(f"\n== Misses: {len(misses)} (expected entry's best score)")
    out.append(table(["score band", "misses"], ([b, hist[b]] for b in _BANDS if hist[b])))
    worst = _diverse(misses, 25, per_kind=4)
    out.append("\n== 25 worst misses (lowest score of the expected entry; at most 4 per kind)")
    out.append(
        table(
            ["query", "kind", "expected", "exp_score", "best other (score)"],
            (
                [
                    _clip(mm["query"], 42),
                    mm["kind"],
                    _clip(mm["expected"], 58),
                    mm["expected_score"],
                    _clip(mm["best_other"], 40) + f" ({_cell(mm['best_other_score'])})",
                ]
                for mm in worst
            ),
        )
    )
    near = [mm for mm in misses if (mm["expected_score"] or 0) >= t - 0.1]
    near.sort(key=lambda mm: -(mm["expected_score"] or 0))
    out.append(f"\n== 15 nearest misses (within 0.1 of the threshold: {len(near)})")
    out.append(
        table(
            ["query", "kind", "exp_score", "name feature of the expected entry"],
            (
                [
                    _clip(mm["query"], 40),
                    mm["kind"],
                    mm["expected_score"],
                    _clip(mm["expected_name_detail"], 110),
                ]
                for mm in near[:15]
            ),
        )
    )
    fps = _false_positives(results, t)
    out.append(f"\n== 25 highest-scoring false positives (of {len(fps)})")
    out.append(
        table(
            ["query", "kind", "matched entry", "score", "name feature"],
            (
                [
                    _clip(f["query"], 36),
                    f["kind"],
                    _clip(f["matched_entry"], 46),
                    f["score"],
                    _clip(f["name_detail"], 110),
                ]
                for f in fps[:25]
            ),
        )
    )
    fp_kinds = Counter(f["kind"] for f in fps)
    out.append(
        "  false positives by kind: " + ", ".join(f"{k} {v}" for k, v in fp_kinds.most_common())
    )

    ms = [r.ms for r in results]
    total_s = sum(ms) / 1000
    timing = {
        **info["timing"],
        "match_s": round(total_s, 2),
        "queries_per_s": round(len(ms) / total_s, 1) if total_s else None,
        "ms_mean": round(statistics.fmean(ms), 2),
        "ms_p50": round(statistics.median(ms), 2),
        "ms_p95": round(sorted(ms)[int(0.95 * (len(ms) - 1))], 2),
        "ms_max": round(max(ms), 2),
    }
    out.append("\n== Timing")
    out.append(table(["step", "value"], ([k, v] for k, v in timing.items())))
    data = {
        "info": {k: v for k, v in info.items() if k != "timing"},
        "summary": m.to_dict(),
        "by_kind": by_kind,
        "by_list": by_list,
        "by_entity_type": by_type,
        "by_country_given": by_country,
        "negatives": negs,
        "pr_table": [x.to_dict() for x in pr],
        "misses": misses,
        "false_positives": fps,
        "timing": timing,
    }
    return "\n".join(out), data


_BANDS = ("not retrieved", "<0.60", "0.60-0.70", "0.70-0.75", "0.75-0.80", ">=0.80")


def _band(score: float | None) -> str:
    if not score:
        return "not retrieved"
    if score < 0.6:
        return "<0.60"
    if score < 0.7:
        return "0.60-0.70"
    if score < 0.75:
        return "0.70-0.75"
    if score < 0.8:
        return "0.75-0.80"
    return ">=0.80"


# ------------------------------------------------------------------------------ main
def parse_overrides(pairs: Sequence[str]) -> Weights:
    """``Weights`` with ``name=value`` overrides (values typed like the field's default)."""
    base = Weights()
    names = {f.name for f in dataclasses.fields(Weights)}
    changes: dict[str, Any] = {}
    for pair in pairs:
        name, sep, value = pair.partition("=")
        name = name.strip()
        if not sep or name not in names:
            raise SystemExit(
                f"--set {pair!r}: expected WEIGHT=VALUE, WEIGHT one of {sorted(names)}"
            )
        default = getattr(base, name)
        changes[name] = type(default)(value)
    return dataclasses.replace(base, **changes)


def code_state() -> dict[str, Any]:
    """Which matcher code was measured: HEAD, modified compliance/ files, a content hash."""
    repo = devset.REPO

    def git(*args: str) -> str:
        try:
            return subprocess.run(
                ["git", *args], cwd=repo, capture_output=True, text=True, check=True
            ).stdout.strip()
        except (OSError, subprocess.CalledProcessError):
            return ""

    digest = hashlib.sha256()
    for path in sorted((repo / "compliance").rglob("*.py")):
        digest.update(path.relative_to(repo).as_posix().encode())
        digest.update(path.read_bytes())
    return {
        "head": git("rev-parse", "--short", "HEAD"),
        "modified": git("status", "--porcelain", "--", "compliance").splitlines(),
        "compliance_sha256": digest.hexdigest()[:16],
    }


def main(argv: Sequence[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--lists", type=Path, default=devset.DEFAULT_LISTS)
    ap.add_argument("--positives", type=int, default=3000)
    ap.add_argument("--negatives", type=int, default=3000)
    ap.add_argument("--seed", type=int, default=devset.DEFAULT_SEED)
    ap.add_argument("--threshold", type=float, default=None, help="default: review_threshold")
    ap.add_argument("--json", type=Path, default=None, help="write machine-readable results")
    ap.add_argument("--devset", type=Path, default=None, help="read the dev set from a CSV")
    ap.add_argument("--save-devset", type=Path, default=None, help="write the dev set CSV")
    ap.add_argument(
        "--set",
        dest="overrides",
        action="append",
        default=[],
        metavar="WEIGHT=VALUE",
        help="override a Weights field for the matcher under test (repeatable)",
    )
    ap.add_argument(
        "--no-real",
        action="store_true",
        help="skip the real-variant evaluation (benchmarks/realeval.py, ~1 min)",
    )
    ap.add_argument(
        "--real-fast",
        action="store_true",
        help=f"real-variant evaluation on a 1-in-{realeval.FAST_EVERY} slice",
    )
    ap.add_argument(
        "--real-only", action="store_true", help="skip the generated dev set (regression part)"
    )
    args = ap.parse_args(argv)
    if args.real_only:
        run_real(args, None)
        return
    weights = parse_overrides(args.overrides)
    threshold = weights.review_threshold if args.threshold is None else args.threshold

    t0 = time.perf_counter()
    lists = devset.load_lists(args.lists)
    t1 = time.perf_counter()
    matcher = Matcher.build(lists, weights)
    t2 = time.perf_counter()
    ctx = Context(matcher)
    filtered: Counter[str] = Counter()
    if args.devset:
        rows = devset.read_csv(args.devset)
    else:
        rows, filtered = devset.generate(matcher, args.positives, args.negatives, args.seed)
    if args.save_devset:
        devset.write_csv(rows, args.save_devset)
    t3 = time.perf_counter()
    results = run(matcher, ctx, rows)
    info: dict[str, Any] = {
        "lists": " + ".join(f"{src} ({len(entries):,})" for src, entries in lists),
        "entries": len(matcher.index.entries),
        "names": matcher.index.size,
        "seed": args.seed if not args.devset else str(args.devset),
        "threshold": threshold,
        "run_threshold": RUN_THRESHOLD,
        "limit": LIMIT,
        "weights_overridden": dict(pair.split("=", 1) for pair in args.overrides),
        "code": code_state(),
        "devset_filters": dict(sorted(filtered.items())),
        "timing": {
            "parse_lists_s": round(t1 - t0, 2),
            "build_matcher_s": round(t2 - t1, 2),
            "devset_s": round(t3 - t2, 2),
            "queries": len(rows),
        },
    }
    text, data = report(results, threshold, info)
    print(text)
    data = run_real(args, data)
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(
            json.dumps(data, indent=1, ensure_ascii=False, default=str), encoding="utf-8"
        )
        print(f"\nJSON: {args.json}")


def run_real(args: argparse.Namespace, data: dict[str, Any] | None) -> dict[str, Any] | None:
    """Print the real-variant evaluation (unless ``--no-real``); its figures go under
    ``real`` in the JSON."""
    if args.no_real:
        return data
    print("\n(generated dev set above: the regression part; the headline figures follow)")
    text, real = realeval.evaluate(args.lists, fast=args.real_fast, threshold=args.threshold)
    print(text)
    if data is not None:
        data["real"] = real
    elif args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(
            json.dumps({"real": real}, indent=1, ensure_ascii=False, default=str), encoding="utf-8"
        )
    return data


if __name__ == "__main__":
    main(sys.argv[1:])
