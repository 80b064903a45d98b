"""A deterministic matching development set generated from the REAL list snapshots.

    python benchmarks/devset.py [--lists ../shared/data/lists] [--positives 3000]
                                [--negatives 3000] [--seed 20260709] [--out PATH]

Writes a CSV (default ``benchmarks/results/devset.csv``, git-ignored). Nothing from the lists
is copied into the repository: the set is regenerated from the snapshots on every run (the
same seed and snapshots give the same rows). ``benchmarks/quality.py`` calls
:func:`generate` directly with the Matcher it has built.

Lists: OFAC SDN (sdn + alt + add), the trade.gov CSL subset (2023-11, truncated last record
dropped), the BIS Entity List 2026 (nsfreg extraction) and the UN SC consolidated list.

Row columns: ``query, entity_type (person|organization|unknown), country (ISO-2 or empty),
label (pos|neg), kind, expected_source, expected_key, expected_list, expected_name,
base_name, detail``. ``base_name`` is the list name (primary or alias) a positive was derived
from; ``detail`` says what was changed.

Query type and country: the entry's type ("unknown" in 15% of queries, as customer files
often leave it out); an untyped entry that looks like a person (2-4 plain words, no
organisation word or legal form: "Fang Yu" on the Entity List) is queried as a *person*
half of the time, as the customer record would say. Country: one of the entry's countries
or nationalities in half of the queries, none otherwise.

Positive kinds (each gets an equal share of ``--positives``; a kind that cannot fill its
share, e.g. ``translit_pinyin``, hands the rest to the others). Entries are drawn in turn
from the four lists, so every kind spans SDN, CSL, Entity List and UN where it applies; the
base is the primary name, or (20%) a strong alias:

* ``exact``: the primary name as the list writes it (sanity baseline);
* ``alias``: one of the entry's aliases (normalized differently from the primary name);
* ``typo_sub`` / ``typo_ins`` / ``typo_del``: one substituted / inserted / deleted letter,
  not the first, in a word of 5+ letters (legal-form words too: "JOINT STOK COMPANY");
  ``typo_first``: the same on the first letter; ``typo_transpose``: two adjacent letters
  swapped;
* ``drop_token``: persons lose a middle name (3+ name parts; never a particle such as "bin",
  "al", "de"); organisations with 3+ core tokens lose one word that is not their most
  distinctive (highest index weight) word and not "of"/"and"/"the";
* ``reorder``: persons "SURNAME, Given" <-> "Given SURNAME" (no comma: the last part moved
  first, with or without a comma; not when the part after the comma is "JR"/"II"...);
  organisations: two words of the name swapped, the legal form left where it was and its
  words ("Limited Liability Company") never swapped;
* ``legal_swap``: the legal form replaced by an equivalent rendering ("Co., Ltd." /
  "Limited" / "Company Limited"; "LLC" / "OOO" / "Limited Liability Company" (/ "GmbH" for
  DE/AT/CH); "JSC" / "АО" / "Joint Stock Company"; "Inc." / "Corp." / "Corporation"; Russian
  transliterated forms such as "Aktsionernoe Obshchestvo" are recognised too);
  ``legal_remove``: the legal form removed; ``legal_add``: one added (by country) to an
  organisation name that has none (not to ministries, institutes, armed groups...);
* ``noise_case`` (lower/upper/title case), ``noise_punct`` (punctuation removed),
  ``noise_spacing`` (hyphen <-> space, doubled spaces, two adjacent plain words of 3+ letters
  written together, never legal-form words: "Hugo Armando" -> "HugoArmando"),
  ``noise_runtogether`` (legal form glued to the name: "JSCNAME", "NAMELLC"; a name without one
  gets a glued "OOO"/"JSC" if Russian; only when the glued word keeps 4+ letters, the minimum
  any splitter can rely on);
* ``translit_cyrillic``: Latin -> Cyrillic with a simple reverse table (digraphs shch zh kh
  ts ch sh yu ya yo ye; x -> кс, j -> дж, final -y -> -ий), for Russian-looking names:
  organisations of a former-USSR country, persons with a Russian surname/patronymic ending;
  never names with an English word ("Concern", "Bank"), an acronym ("ICC", "KKhZ") or "JR";
* ``translit_han``: a Latin name of a Chinese organisation (CN/HK/MO; primary or alias, e.g. a
  pinyin alias) rendered in Han script: pinyin words split into syllables and written with a
  common character of that reading (round trip checked with pypinyin); generic pinyin words
  ("keji", "jinchukou"), place names and English generic words written with their real
  characters ("Co., Ltd." -> 有限公司). Only names whose generic and place words are all in the
  matcher's own Han table (``compliance.normalize.scripts.HAN_WORDS``); ``translit_han_vocab``:
  the same for names needing words beyond that table (仪器 instrument, 光电 optoelectronic,
  哈尔滨 Harbin...), which measures vocabulary coverage. Not rendered: names with digits, "#",
  acronyms, three or more one-syllable words in a row ("CHANG SHA TIAN YI"), or a word the
  lists use mostly for non-Chinese parties (5+ names, 60%+ outside CN/HK/MO/TW: "mobile",
  "machine" would otherwise pass for pinyin);
* ``translit_pinyin``: the reverse, for the few entries that have a Han-script alias (UN):
  the alias in pinyin, two syllables a word ("Huaxin Chuanwu (Xianggang) Youxian Gongsi").

Filters (each keeps the set honest; counts are printed by the CLI and stored in
quality.py's JSON):

1. Vessels and aircraft are never sampled (they stay in the index). Names with extraction
   artefacts are not used as a base: "a.k.a"/"f.k.a"/"formerly"/"original script"/"dba"/
   "; and" inside the name, a 5+ digit number (a postcode), 3+ commas (an address glued to
   the name), unbalanced parentheses (the Entity List PDF extraction has all of these).
2. Distinctiveness: the list tokens a query keeps (for a typo or transliteration: the base
   name's tokens; for a dropped token: the remaining ones) must include at least one core token
   whose index weight (``matcher.index.query_token_weight``) reaches the default
   ``min_distinctive_weight`` (0.5). "Trading Co." left after a drop is not a positive.
3. Collision: a query whose normalized core tokens (sorted) equal a list name that belongs to
   no entry equivalent to the expected one is dropped (the typo produced another party's
   name, e.g. "Ali Hasan" from "Ali Hassan").
4. Entry equivalence (used by quality.py): a positive is found by a match on the expected
   (source, key), on any entry with the same normalized primary name (the same party on SDN and
   in the CSL), or on any entry that holds the query's base name among its names (an alias
   several entries share).
5. No query appears twice (the same party on SDN and in the CSL yields one row).

The set depends only on the snapshots, the seed and the default weights: ``quality.py --set``
(other weights for the matcher under test) does not change it.

Negatives (realistic NON-listed names), kinds and default shares:

* ``neg_company`` (26%): "<stem> <industry word> <legal form>" (sometimes with a place) from
  word lists of 20 countries/languages ("Nordlicht Datenwerk GmbH", "Kaveri Analytics Private
  Limited", "Sao Paulo Logistica Ltda", "Sakura Robotics K.K.");
* ``neg_company_cn`` (14%): Chinese-style "<City> <invented pinyin stem> <industry> Co., Ltd."
  ("Hangzhou Xinyuan Technology Co., Ltd."); stems that occur as a token of any list name are
  rejected (a shared distinctive stem makes the ground truth ambiguous);
* ``neg_person`` (30%): given (+ middle/patronymic/father's name) + family names from Anglo,
  Hispanic, Chinese, Russian, Arabic, Persian, Indian, German/French, Japanese, Korean,
  Turkish and African naming cultures;
* ``neg_hard_generic`` (14%): generic words shared with many listed names ("Beijing
  Technology Co., Ltd.", "International Trading Group LLC");
* ``neg_famous_company`` (10%) and ``neg_famous_person`` (6%): well-known non-listed
  companies ("Siemens AG", "Toyota Motor Corporation") and people ("George Bush").

Every negative is checked against ALL list names (primaries and aliases) and dropped when it
is an exact or near-exact list name: same casefolded punctuation-stripped text; same sorted
normalized core tokens (legal form and word order ignored); or the same number of core tokens
each equal to, or (6+ letters) within one edit of, a candidate list name's tokens.
"""

from __future__ import annotations

import argparse
import csv
import random
import re
import sys
import time
import unicodedata
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from dataclasses import asdict, dataclass, fields
from functools import cache, lru_cache
from pathlib import Path

from rapidfuzz.distance import Levenshtein

from compliance.lists import csl, default_source, parse_files
from compliance.matching.engine import Matcher
from compliance.matching.weights import DEFAULT_WEIGHTS
from compliance.model import AliasKind, EntityType, ListEntry
from compliance.normalize import normalize_name
from compliance.normalize.legal_forms import is_legal

REPO = Path(__file__).resolve().parents[1]
DEFAULT_LISTS = REPO.parent / "shared" / "data" / "lists"
DEFAULT_OUT = REPO / "benchmarks" / "results" / "devset.csv"
DEFAULT_SEED = 20260709

# (format, files relative to the lists directory)
LIST_FILES: tuple[tuple[str, tuple[str, ...]], ...] = (
    (
        "ofac",
        (
            "ofac/sdn_2024-05-03.csv",
            "ofac/alt_watchman-2025-12.csv",
            "ofac/add_watchman-2025-12.csv",
        ),
    ),
    ("csl", ("us_csl/csl_consolidated_watchman-pr523_2023-11_partial.csv",)),
    ("nsfreg", ("us_export_control_nsfreg/bis_entity_list.json",)),
    ("un", ("un/UN_consolidated_watchman.xml",)),
)

POSITIVE_KINDS: tuple[str, ...] = (
    "exact",
    "alias",
    "typo_sub",
    "typo_ins",
    "typo_del",
    "typo_first",
    "typo_transpose",
    "drop_token",
    "reorder",
    "legal_swap",
    "legal_remove",
    "legal_add",
    "noise_case",
    "noise_punct",
    "noise_spacing",
    "noise_runtogether",
    "translit_cyrillic",
    "translit_han",
    "translit_han_vocab",
    "translit_pinyin",
)

NEGATIVE_SHARES: tuple[tuple[str, float], ...] = (
    ("neg_company", 0.26),
    ("neg_company_cn", 0.14),
    ("neg_person", 0.30),
    ("neg_hard_generic", 0.14),
    ("neg_famous_company", 0.10),
    ("neg_famous_person", 0.06),
)


# ------------------------------------------------------------------------------ rows + I/O
@dataclass(frozen=True, slots=True)
class DevRow:
    query: str
    entity_type: str  # person | organization | unknown
    country: str  # ISO-2 or ""
    label: str  # pos | neg
    kind: str
    expected_source: str = ""
    expected_key: str = ""
    expected_list: str = ""
    expected_name: str = ""
    base_name: str = ""
    detail: str = ""

    @property
    def positive(self) -> bool:
        return self.label == "pos"


def write_csv(rows: Sequence[DevRow], path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    names = [f.name for f in fields(DevRow)]
    with path.open("w", newline="", encoding="utf-8") as fh:
        writer = csv.DictWriter(fh, fieldnames=names)
        writer.writeheader()
        for row in rows:
            writer.writerow(asdict(row))


def read_csv(path: Path) -> list[DevRow]:
    with path.open(newline="", encoding="utf-8") as fh:
        return [DevRow(**row) for row in csv.DictReader(fh)]


# ------------------------------------------------------------------------------ lists
def load_lists(lists_dir: Path) -> list[tuple[str, list[ListEntry]]]:
    """(source name, entries) for SDN, CSL, Entity List 2026 and UN."""
    out: list[tuple[str, list[ListEntry]]] = []
    for fmt, files in LIST_FILES:
        paths = [lists_dir / f for f in files]
        if fmt == "csl":
            parsed = csl.parse(paths, allow_truncated=True)
        else:
            _, parsed = parse_files(paths, fmt)
        out.append((default_source(paths, fmt), list(parsed.entries)))
    return out


def name_key(name: str, person: bool) -> tuple[str, ...]:
    """Sorted normalized core tokens: legal form and word order ignored."""
    return tuple(sorted(normalize_name(name, person).core))


_PUNCT = re.compile(r"[^\w\s]+")
_SPACES = re.compile(r"\s+")


def simple_form(name: str) -> str:
    """Casefolded, punctuation-stripped, whitespace-collapsed."""
    text = unicodedata.normalize("NFKC", name).casefold()
    return _SPACES.sub(" ", _PUNCT.sub(" ", text)).strip()


_ARTEFACT = re.compile(
    r"a\.k\.a|f\.k\.a|formerly|original script|\bdba\b|;\s*and\b|\b\d{5,}\b", re.IGNORECASE
)


def clean_base(name: str) -> bool:
    """False for names with extraction artefacts (filter 1)."""
    return (
        not _ARTEFACT.search(name)
        and name.count(",") < 3
        and name.count("(") == name.count(")")
        and sum(c.isalpha() for c in name) >= 3
    )


def _wordset(text: str) -> frozenset[str]:
    return frozenset(text.split())


ORG_CUES = _wordset(
    """
    academy agency airlines association authority bank bureau center centre college company
    complex concern corporation council department directorate electronics enterprise
    enterprises establishment factory foundation front group holding holdings industries
    industry institute international laboratory logistics ministry network office
    organization organisation party plant research school services shipping society systems
    technologies technology trading university works
    """
)


def entry_class(entry: ListEntry) -> str | None:
    """person | organization | unknown; None for vessels and aircraft (not sampled)."""
    if entry.entity_type in (EntityType.VESSEL, EntityType.AIRCRAFT):
        return None
    if entry.entity_type is EntityType.PERSON:
        return "person"
    if entry.entity_type is EntityType.ORGANIZATION:
        return "organization"
    norm = normalize_name(entry.name)
    if norm.legal or any(t in ORG_CUES for t in norm.tokens):
        return "organization"
    return "unknown"


class Context:
    """The lists as the matcher indexed them, plus the lookups the generator needs."""

    def __init__(self, matcher: Matcher) -> None:
        self.matcher = matcher
        self.index = matcher.index
        # The default weights' value, so that trying other weights on the matcher under test
        # (quality.py --set) leaves the dev set unchanged.
        self.min_weight = DEFAULT_WEIGHTS.min_distinctive_weight
        self.entries = self.index.entries
        self.position: dict[tuple[str, str], int] = {
            (src, e.key): i for i, (src, e) in enumerate(self.entries)
        }
        self.holders: dict[tuple[str, ...], set[int]] = {}
        for rec in self.index.names:
            self.holders.setdefault(tuple(sorted(rec.norm.core)), set()).add(rec.entry)
        self.primary_key: list[tuple[str, ...]] = []
        self.primary_holders: dict[tuple[str, ...], set[int]] = {}
        for i, (_src, e) in enumerate(self.entries):
            key = name_key(e.name, e.entity_type is EntityType.PERSON)
            self.primary_key.append(key)
            self.primary_holders.setdefault(key, set()).add(i)
        self.simple_names: set[str] = {simple_form(rec.name) for rec in self.index.names}
        self.token_rows: dict[tuple[int, str], set[int]] = {}
        self.by_length: dict[int, set[int]] = {}
        for row, rec in enumerate(self.index.names):
            n = len(rec.norm.core)
            if n == 1:
                self.by_length.setdefault(n, set()).add(row)
            for tok in rec.norm.core:
                self.token_rows.setdefault((n, tok), set()).add(row)
        # Tokens the lists use mostly for non-Chinese parties (5+ names, 60%+ outside CN/HK/
        # MO/TW): not taken for pinyin when rendering a name in Han script.
        chinese: Counter[str] = Counter()
        other: Counter[str] = Counter()
        for rec in self.index.names:
            countries = set(self.entries[rec.entry][1].countries)
            target = chinese if countries & {"CN", "HK", "MO", "TW"} else other
            target.update(set(rec.norm.core))
        self.latin_words: frozenset[str] = frozenset(
            t for t, n in other.items() if n >= 5 and n >= 0.6 * (n + chinese[t])
        )

    def weight(self, token: str) -> float:
        w = self.index.query_token_weight(token)
        return 0.0 if w is None else w

    def distinctive(self, text: str, person: bool) -> bool:
        """Filter 2: at least one core token of weight >= min_distinctive_weight."""
        core = normalize_name(text, person).core
        return any(self.weight(t) >= self.min_weight for t in core)

    def equivalents(self, entry_idx: int, base_name: str) -> set[int]:
        """Filter 4: entries a match on which counts as finding ``entry_idx``."""
        out = {entry_idx}
        out |= self.primary_holders.get(self.primary_key[entry_idx], set())
        if base_name:
            person = self.entries[entry_idx][1].entity_type is EntityType.PERSON
            out |= self.holders.get(name_key(base_name, person), set())
        return out

    def collides(self, query: str, person: bool, equivalent: set[int]) -> bool:
        """Filter 3: the query is (order/legal-form aside) another party's listed name."""
        for flag in {person, not person}:
            holders = self.holders.get(name_key(query, flag))
            if holders and not holders & equivalent:
                return True
        return False

    def near_listed(self, name: str, person: bool) -> bool:
        """True when ``name`` is an exact or near-exact list name (negative filter)."""
        if simple_form(name) in self.simple_names:
            return True
        norm = normalize_name(name, person)
        if not norm.core or tuple(sorted(norm.core)) in self.holders:
            return True
        if tuple(sorted(normalize_name(name, not person).core)) in self.holders:
            return True
        # Candidates: list names with the same number of core tokens sharing one token exactly
        # (or, for one-token names, any one-token name); the matcher's own blocking is not
        # used, so its settings cannot change the dev set.
        n = len(norm.core)
        rows: set[int] = set()
        if n == 1:
            rows = self.by_length.get(1, set())
        else:
            for tok in norm.core:
                rows |= self.token_rows.get((n, tok), set())
        return any(_tokens_close(norm.core, self.index.names[r].norm.core) for r in rows)


def _tokens_close(a: Sequence[str], b: Sequence[str]) -> bool:
    unused = list(b)
    for tok in a:
        for j, other in enumerate(unused):
            same = tok == other
            near = min(len(tok), len(other)) >= 6 and Levenshtein.distance(tok, other) <= 1
            if same or near:
                del unused[j]
                break
        else:
            return False
    return True


# ------------------------------------------------------------------------------ perturbations
@dataclass(frozen=True, slots=True)
class Pert:
    query: str
    retained: str  # list text whose tokens the query keeps (for the distinctiveness filter)
    detail: str
    base: str = ""  # overrides the base name (when the perturbation picked its own)


@dataclass(frozen=True, slots=True)
class Sample:
    source: str
    idx: int
    entry: ListEntry
    cls: str  # person | organization | unknown
    base: str

    @property
    def person_like(self) -> bool:
        return self.cls in ("person", "unknown")


PertFn = Callable[[random.Random, Sample, "Context"], Pert | None]
_LETTERS = "abcdefghijklmnopqrstuvwxyz"
_WORD5 = re.compile(r"[A-Za-z]{5,}")


def _match_case(letter: str, like: str) -> str:
    return letter.upper() if like.isupper() else letter


def _typo_targets(base: str) -> list[re.Match[str]]:
    return [m for m in _WORD5.finditer(base) if not is_legal(m.group(0).lower())]


def _typo(op: str, first: bool) -> PertFn:
    def fn(rng: random.Random, s: Sample, ctx: Context) -> Pert | None:
        targets = _typo_targets(s.base)
        if not targets:
            return None
        m = rng.choice(targets)
        word = m.group(0)
        kind = rng.choice(("sub", "ins", "del")) if first else op
        if kind == "sub":
            pos = 0 if first else rng.randrange(1, len(word))
            new = rng.choice([c for c in _LETTERS if c != word[pos].lower()])
            out = word[:pos] + _match_case(new, word[pos]) + word[pos + 1 :]
        elif kind == "ins":
            pos = 0 if first else rng.randrange(1, len(word) + 1)
            like = word[min(pos, len(word) - 1)]
            out = word[:pos] + _match_case(rng.choice(_LETTERS), like) + word[pos:]
        elif kind == "del":
            pos = 0 if first else rng.randrange(1, len(word))
            out = word[:pos] + word[pos + 1 :]
        else:  # transpose
            options = [i for i in range(len(word) - 1) if word[i].lower() != word[i + 1].lower()]
            if not options:
                return None
            pos = rng.choice(options)
            out = word[:pos] + word[pos + 1] + word[pos] + word[pos + 2 :]
        query = s.base[: m.start()] + out + s.base[m.end() :]
        return Pert(query, s.base, f"{kind}@{pos}: {word} -> {out}")

    return fn


def _exact(rng: random.Random, s: Sample, ctx: Context) -> Pert | None:
    return Pert(s.entry.name, s.entry.name, "primary name as listed", base=s.entry.name)


def _alias(rng: random.Random, s: Sample, ctx: Context) -> Pert | None:
    person = s.entry.entity_type is EntityType.PERSON
    primary = name_key(s.entry.name, person)
    options = [
        a for a in s.entry.aliases if clean_base(a.name) and name_key(a.name, person) != primary
    ]
    if not options:
        return None
    alias = rng.choice(options)
    return Pert(alias.name, alias.name, f"alias ({alias.kind.value})", base=alias.name)


def _split_person(base: str) -> tuple[list[str], list[str], bool]:
    """(given parts, surname parts, had a comma)."""
    if base.count(",") == 1:
        surname, given = (p.strip() for p in base.split(","))
        return given.split(), surname.split(), True
    parts = base.split()
    return parts[:-1], parts[-1:], False


def _org_words(base: str) -> list[int]:
    """Indices of whitespace words that carry core (non-legal) tokens."""
    words = base.split()
    return [i for i, w in enumerate(words) if normalize_name(w).core]


_SUFFIXES = frozenset({"jr", "sr", "ii", "iii", "iv"})


def _reorder(rng: random.Random, s: Sample, ctx: Context) -> Pert | None:
    if s.person_like and s.cls != "organization":
        given, surname, comma = _split_person(s.base)
        if not given or not surname or " ".join(given).lower().strip(".") in _SUFFIXES:
            return None
        if comma:
            query = f"{' '.join(given)} {' '.join(surname)}"
            return Pert(query, s.base, "Surname, Given -> Given Surname")
        parts = s.base.split()
        if len(parts) < 2:
            return None
        if rng.random() < 0.5:
            return Pert(f"{parts[-1]}, {' '.join(parts[:-1])}", s.base, "last part first, comma")
        return Pert(" ".join([parts[-1], *parts[:-1]]), s.base, "last part first")
    found = _find_legal(s.base)
    text = found[0] if found else s.base
    words = text.split()
    core = [i for i in _org_words(text) if not _legalish(words[i])]
    core = [i for i in core if words[i].lower() not in _PARTICLES]
    if len(core) < 2:
        return None
    i, j = sorted(rng.sample(core, 2))
    words[i], words[j] = words[j], words[i]
    query = " ".join(words)
    if found:
        query = f"{found[1]} {query}" if found[3] else f"{query} {found[1]}"
    return Pert(query, s.base, f"swapped {words[j]!r} and {words[i]!r}")


_PARTICLES = frozenset(
    {"of", "and", "the", "for", "de", "del", "la", "el", "al", "bin", "ibn", "bint", "ben", "van",
     "von", "da", "dos", "y", "&", "-"}
)  # fmt: skip


def _drop_token(rng: random.Random, s: Sample, ctx: Context) -> Pert | None:
    person = s.entry.entity_type is EntityType.PERSON
    if s.cls == "person" or (s.cls == "unknown" and not normalize_name(s.base).legal):
        given, surname, comma = _split_person(s.base)
        if comma:
            if len(given) < 2:
                return None
            options = [i for i in range(1, len(given)) if given[i].lower() not in _PARTICLES]
            if not options:
                return None
            k = rng.choice(options)
            dropped = given[k]
            rest = given[:k] + given[k + 1 :]
            query = f"{' '.join(surname)}, {' '.join(rest)}"
        else:
            parts = s.base.split()
            if len(parts) < 3:
                return None
            options = [i for i in range(1, len(parts) - 1) if parts[i].lower() not in _PARTICLES]
            if not options:
                return None
            k = rng.choice(options)
            dropped = parts[k]
            query = " ".join(parts[:k] + parts[k + 1 :])
        return Pert(query, query, f"middle name dropped: {dropped}")
    if len(normalize_name(s.base, person).core) < 3:
        return None
    words = s.base.split()
    idxs = _org_words(s.base)
    weights = {i: max(ctx.weight(t) for t in normalize_name(words[i]).core) for i in idxs}
    top = max(weights.values())
    options = [i for i in idxs if weights[i] < top and words[i].lower() not in _PARTICLES]
    if not options:
        return None
    k = rng.choice(options)
    query = " ".join(words[:k] + words[k + 1 :])
    return Pert(query, query, f"dropped word {words[k]!r} (w {weights[k]:.2f} < max {top:.2f})")


# Legal forms: group -> renderings (prefix renderings are written before the name).
LEGAL_GROUPS: dict[str, tuple[str, ...]] = {
    "ltd": ("Co., Ltd.", "Limited", "Company Limited", "Ltd.", "Co. Ltd"),
    "llc": ("LLC", "OOO", "Limited Liability Company", "L.L.C."),
    "jsc": ("JSC", "АО", "Joint Stock Company", "AO"),
    "pjsc": ("PJSC", "Public Joint Stock Company", "PAO", "ПАО"),
    "inc": ("Inc.", "Corporation", "Corp.", "Incorporated"),
    "sa": ("S.A.", "SA", "Sociedad Anonima"),
    "pvt": ("Private Limited", "Pvt. Ltd.", "Pvt Ltd"),
    "fze": ("FZE", "FZCO", "FZ-LLC"),
    "bhd": ("Sdn. Bhd.", "Sdn Bhd", "Sendirian Berhad"),
    "pty": ("Pty Ltd", "Proprietary Limited", "(Pty) Ltd"),
    "gmbh": ("GmbH",),
}
PREFIX_RENDERINGS = frozenset({"OOO", "АО", "AO", "PAO", "ПАО", "ОАО", "ООО", "ЗАО"})
_LEGAL_PATTERNS: tuple[tuple[str, str], ...] = (
    (r"obshchestvo\s+s\s+ogranichennoi\s+otvetstvennostyu", "llc"),
    (r"publichnoe\s+aktsionernoe\s+obshchestvo", "pjsc"),
    (r"(?:otkrytoe\s+|zakrytoe\s+|nepublichnoe\s+)?aktsionernoe\s+obshchestvo", "jsc"),
    (r"public\s+joint[\s-]+stock\s+company", "pjsc"),
    (r"(?:closed|open)\s+joint[\s-]+stock\s+company", "jsc"),
    (r"\(?pty\)?\.?\s*ltd\.?|proprietary\s+limited", "pty"),
    (r"limited\s+liability\s+company", "llc"),
    (r"joint[\s-]+stock\s+company", "jsc"),
    (r"pvt\.?\s*ltd\.?|private\s+limited", "pvt"),
    (r"sdn\.?\s*bhd\.?|sendirian\s+berhad", "bhd"),
    (r"co(?:mpany)?\.?,?\s*(?:ltd\.?|limited)", "ltd"),
    (r"limited|ltd\.?", "ltd"),
    (r"l\.?l\.?c\.?|ooo|ооо", "llc"),
    (r"pjsc|pao|пао", "pjsc"),
    (r"ojsc|cjsc|jsc|oao|zao|ао|оао|зао", "jsc"),
    (r"inc\.?|incorporated|corp\.?|corporation", "inc"),
    (r"s\.a\.|sa|sociedad\s+an[oó]nima", "sa"),
    (r"fze|fzco|fz-llc", "fze"),
    (r"gmbh", "gmbh"),
)
_SUFFIX_RE = re.compile(
    r"(?P<sep>,?\s+)(?P<form>" + "|".join(p for p, _ in _LEGAL_PATTERNS) + r")\s*$",
    re.IGNORECASE,
)
_PREFIX_RE = re.compile(
    r"^(?P<form>"
    + "|".join(p for p, _ in _LEGAL_PATTERNS[:5])
    + r"|joint\s+stock\s+company|limited\s+liability\s+company"
    r"|PJSC|OJSC|CJSC|JSC|OOO|OAO|ZAO|PAO|AO|LLC|ООО|АО|ОАО|ЗАО|ПАО)\s+",
    re.IGNORECASE,
)
# Words of legal-form phrases: never swapped, glued or typo'd on their own by the
# reorder/spacing perturbations ("LIABILITY LIMITED ORION COMPANY" is no customer's spelling).
LEGAL_WORDS = _wordset(
    """
    joint stock company limited liability closed open public private proprietary pty
    aktsionernoe obshchestvo otkrytoe zakrytoe publichnoe nepublichnoe s ogranichennoi
    otvetstvennostyu co corp corporation inc incorporated ltd llc
    """
)


def _legalish(word: str) -> bool:
    w = word.lower().strip(",.()")
    return w in LEGAL_WORDS or is_legal(w)


def _group_of(form: str) -> str:
    for pattern, group in _LEGAL_PATTERNS:
        if re.fullmatch(pattern, form.strip(), re.IGNORECASE):
            return group
    return "other"


def _find_legal(base: str) -> tuple[str, str, str, bool] | None:
    """(name without the legal form, the form, its group, form was a prefix) or None."""
    m = _SUFFIX_RE.search(base)
    if m and len(base[: m.start()].strip()) >= 3:
        form = m.group("form")
        return base[: m.start()].strip(" ,"), form, _group_of(form), False
    m = _PREFIX_RE.match(base)
    if m and (len(m.group("form")) > 3 or m.group("form").isupper()):
        form = m.group("form")
        return base[m.end() :].strip(" ,"), form, _group_of(form), True
    return None


def _with_form(name: str, form: str) -> str:
    return f"{form} {name}" if form in PREFIX_RENDERINGS else f"{name} {form}"


def _legal_swap(rng: random.Random, s: Sample, ctx: Context) -> Pert | None:
    found = _find_legal(s.base)
    if not found or s.cls == "person":
        return None
    rest, form, group, _ = found
    options = list(LEGAL_GROUPS.get(group, ()))
    if group == "llc" and set(s.entry.countries) & {"DE", "AT", "CH"}:
        options.append("GmbH")
    options = [o for o in options if simple_form(o) != simple_form(form)]
    if not options:
        return None
    new = rng.choice(options)
    return Pert(_with_form(rest, new), s.base, f"{form} -> {new}")


def _legal_remove(rng: random.Random, s: Sample, ctx: Context) -> Pert | None:
    found = _find_legal(s.base)
    if not found or s.cls == "person":
        return None
    rest, form, _, _ = found
    return Pert(rest, rest, f"removed {form}")


# Words of public bodies, armed groups and institutes: no legal form is added to those.
PUBLIC_BODY = _wordset(
    """
    academy agency army authority battalion brigade bureau center centre college committee
    council department directorate force forces foundation front government hospital
    institute institution laboratory ministry navy office organization organisation party
    regiment school university
    """
)
_FORM_BY_COUNTRY: dict[str, tuple[str, ...]] = {
    "CN": ("Co., Ltd.", "Company Limited"),
    "HK": ("Limited", "Co., Limited"),
    "RU": ("LLC", "OOO", "JSC"),
    "BY": ("LLC", "OOO"),
    "DE": ("GmbH",),
    "IN": ("Private Limited",),
    "PK": ("Private Limited", "Pvt. Ltd."),
    "AE": ("LLC", "FZE", "FZCO"),
    "US": ("Inc.", "LLC"),
    "IR": ("Co.", "Company"),
    "TR": ("A.S.", "Ltd. Sti."),
    "SG": ("Pte. Ltd.",),
    "MY": ("Sdn. Bhd.",),
}


def _legal_add(rng: random.Random, s: Sample, ctx: Context) -> Pert | None:
    if s.cls != "organization" or normalize_name(s.base).legal or _find_legal(s.base):
        return None
    if any(t in PUBLIC_BODY for t in normalize_name(s.base).tokens):
        return None
    forms: tuple[str, ...] = ("Ltd.", "LLC", "Inc.")
    for c in s.entry.countries:
        if c in _FORM_BY_COUNTRY:
            forms = _FORM_BY_COUNTRY[c]
            break
    new = rng.choice(forms)
    return Pert(_with_form(s.base, new), s.base, f"added {new}")


def _noise_case(rng: random.Random, s: Sample, ctx: Context) -> Pert | None:
    if s.base.isupper():
        query = s.base.lower() if rng.random() < 0.5 else s.base.title()
    else:
        query = s.base.lower() if rng.random() < 0.5 else s.base.upper()
    return Pert(query, s.base, "case changed") if query != s.base else None


_PUNCT_CHARS = re.compile(r"[,.()'\"&/;:]")


def _noise_punct(rng: random.Random, s: Sample, ctx: Context) -> Pert | None:
    if not _PUNCT_CHARS.search(s.base):
        return None
    query = _SPACES.sub(" ", _PUNCT_CHARS.sub(lambda m: " " if m.group(0) in "&/" else "", s.base))
    return Pert(query.strip(), s.base, "punctuation removed")


def _noise_spacing(rng: random.Random, s: Sample, ctx: Context) -> Pert | None:
    ops: list[str] = []
    if "-" in s.base:
        ops.append("hyphen_to_space")
    words = s.base.split()
    if len(words) >= 2:
        ops += ["space_to_hyphen", "extra_spaces", "join_words"]
    if not ops:
        return None
    op = rng.choice(ops)
    if op == "hyphen_to_space":
        return Pert(s.base.replace("-", " "), s.base, op)
    if op == "extra_spaces":
        i = rng.randrange(1, len(words))
        query = " " + " ".join(words[:i]) + "   " + " ".join(words[i:]) + "  "
        return Pert(query, s.base, op)
    pairs = [
        i
        for i in range(len(words) - 1)
        if all(
            w.isascii() and w.isalpha() and len(w) >= 3 and not _legalish(w)
            for w in words[i : i + 2]
        )
    ]
    if not pairs:
        return None
    i = rng.choice(pairs)
    glue = "-" if op == "space_to_hyphen" else ""
    new = [*words[:i], words[i] + glue + words[i + 1], *words[i + 2 :]]
    return Pert(" ".join(new), s.base, f"{op}: {words[i]} {words[i + 1]}")


_GLUE_PREFIX = ("PJSC", "OJSC", "CJSC", "JSC", "OOO", "OAO", "ZAO", "LLC", "PAO")
_GLUE_SUFFIX = ("GmbH", "LLC", "Ltd", "Inc", "Corp", "JSC")


def _noise_runtogether(rng: random.Random, s: Sample, ctx: Context) -> Pert | None:
    if s.cls != "organization":
        return None
    words = s.base.split()
    if len(words) < 2:
        return None
    first, last = words[0], words[-1].rstrip(".")
    if first.upper() in _GLUE_PREFIX and len(words[1]) >= 4 and words[1].isalpha():
        glued = (first + words[1]).upper()
        return Pert(" ".join([glued, *words[2:]]), s.base, f"glued {first}+{words[1]}")
    if any(last.lower() == f.lower() for f in _GLUE_SUFFIX):
        prev = words[-2].rstrip(",")
        if len(prev) >= 4 and prev.isalpha():
            glued = prev + last.upper()
            return Pert(" ".join([*words[:-2], glued]), s.base, f"glued {prev}+{last}")
        return None
    if normalize_name(s.base).legal:
        return None
    if any(t in PUBLIC_BODY for t in normalize_name(s.base).tokens):
        return None
    # A name without a legal form: a Russian-style prefix form, glued ("OOOROMASHKA").
    if set(s.entry.countries) & {"RU", "BY", "KZ"} and len(first) >= 4 and first.isalpha():
        form = rng.choice(("OOO", "JSC"))
        glued = (form + first).upper()
        return Pert(" ".join([glued, *words[1:]]), s.base, f"added glued {form}+{first}")
    return None


# ---------------------------------------------------------------------------- Cyrillic
_CIS = frozenset({"RU", "BY", "UA", "KZ", "KG", "TJ", "UZ", "TM", "AM", "AZ", "GE", "MD"})
_RU_ENDING = re.compile(r"(?:ov|ova|ev|eva|yev|yeva|sky|skiy|skii|skaya|enko|vich|vna|kin|kina)$")
ENGLISH_WORDS = _wordset(
    """
    the of and for in on at a an bank company group trading technology technologies research
    institute scientific science center centre plant factory international limited holding
    holdings industries industrial industry systems system services service shipping aviation
    airlines airline state university academy corporation enterprise production design bureau
    engineering energy oil gas electronics electronic electric power military defense defence
    federal national development investment investments management marine maritime
    instruments instrument equipment machine machinery building construction import export
    ltd inc corp co llc jsc pjsc ojsc cjsc branch office joint stock public open closed
    society association union commercial chemical chemicals metals metal steel mining
    resources financial finance capital fund insurance logistics transport trade general
    north south east west central new first united global precision special works navy army
    force forces air space aerospace radio radar nuclear laboratory laboratories production
    physics optical optics mechanical mechanics communications network software computer
    microelectronics semiconductor components component concern scientific technical
    group technological innovation innovative solutions center project projects
    """
)
_CYR_LEGAL: dict[str, str] = {
    "llc": "ООО",
    "ooo": "ООО",
    "jsc": "АО",
    "ao": "АО",
    "oao": "ОАО",
    "ojsc": "ОАО",
    "zao": "ЗАО",
    "cjsc": "ЗАО",
    "pao": "ПАО",
    "pjsc": "ПАО",
}
_CYR_DIGRAPHS: tuple[tuple[str, str], ...] = (
    ("shch", "щ"),
    ("zh", "ж"),
    ("kh", "х"),
    ("ts", "ц"),
    ("ch", "ч"),
    ("sh", "ш"),
    ("yu", "ю"),
    ("ya", "я"),
    ("yo", "ё"),
    ("ye", "е"),
)
_CYR_SINGLE: dict[str, str] = dict(
    zip(
        "abvgdezijklmnoprstufhcqwx",
        ["а", "б", "в", "г", "д", "е", "з", "и", "дж", "к", "л", "м", "н", "о", "п", "р", "с",
         "т", "у", "ф", "х", "к", "к", "в", "кс"],
        strict=True,
    )
)  # fmt: skip
_VOWELS = "aeiouy"


def _cyr_word(word: str) -> str | None:
    w = word.lower()
    out: list[str] = []
    i = 0
    while i < len(w):
        ch = w[i]
        if ch in "-":
            out.append(ch)
            i += 1
            continue
        if ch == "'":
            out.append("ь")
            i += 1
            continue
        for latin, cyr in _CYR_DIGRAPHS:
            if w.startswith(latin, i):
                out.append(cyr)
                i += len(latin)
                break
        else:
            if ch == "y":
                prev = w[i - 1] if i else ""
                if prev and prev in _VOWELS:
                    out.append("й")
                else:  # "Dmitry" -> Дмитрий; inside a word after a consonant: ы
                    out.append("ий" if i == len(w) - 1 else "ы")
            elif ch == "e" and i == 0:
                out.append("э")
            elif ch in _CYR_SINGLE:
                out.append(_CYR_SINGLE[ch])
            else:
                return None
            i += 1
    text = "".join(out)
    if word.isupper():
        return text.upper()
    if word[:1].isupper():
        return text[:1].upper() + text[1:]
    return text


_WORD_SPLIT = re.compile(r"(\w[\w'-]*)")


def _acronym(word: str, name: str) -> bool:
    letters = word.replace("-", "")
    if not any(c in "aeiouyAEIOUY" for c in letters):
        return True
    mixed_case = not name.isupper() and not name.islower()
    return mixed_case and len(letters) <= 4 and sum(c.isupper() for c in letters) >= 2


def _translit_cyrillic(rng: random.Random, s: Sample, ctx: Context) -> Pert | None:
    words = [w for w in _WORD_SPLIT.findall(s.base)]
    if not words or not all(w.isascii() for w in words):
        return None
    lower = [w.lower().strip("'-") for w in words]
    if any(w in ENGLISH_WORDS and w not in _CYR_LEGAL for w in lower):
        return None
    # Acronyms ("ICC", "KKhZ") and name suffixes ("JR") are not transliterated by anyone.
    if any(_acronym(w, s.base) for w in words if w.lower() not in _CYR_LEGAL):
        return None
    if any(w in _SUFFIXES for w in lower):
        return None
    russian_country = bool(set(s.entry.countries) & _CIS or set(s.entry.nationalities) & _CIS)
    looks_russian = any(_RU_ENDING.search(w) for w in lower if len(w) >= 5)
    if s.cls == "organization" and not russian_country:
        return None
    if s.cls != "organization" and not looks_russian:
        return None

    def convert(m: re.Match[str]) -> str:
        word = m.group(0)
        legal = _CYR_LEGAL.get(word.lower())
        if legal is not None:
            return legal
        cyr = _cyr_word(word)
        if cyr is None:
            raise ValueError(word)
        return cyr

    try:
        query = _WORD_SPLIT.sub(convert, s.base)
    except ValueError:
        return None
    return Pert(query, s.base, "Latin -> Cyrillic")


# ---------------------------------------------------------------------------- Han / pinyin
_CN = frozenset({"CN", "HK", "MO"})
# English (and pinyin) generic words -> Han. Longest phrases are matched first.
EN_HAN: dict[str, str] = {
    "co ltd": "有限公司",
    "co limited": "有限公司",
    "company limited": "有限公司",
    "limited": "有限公司",
    "ltd": "有限公司",
    "limited liability company": "有限责任公司",
    "company": "公司",
    "corporation": "公司",
    "corp": "公司",
    "inc": "公司",
    "group": "集团",
    "holdings": "控股",
    "holding": "控股",
    "science and technology": "科技",
    "technology": "科技",
    "technologies": "技术",
    "tech": "科技",
    "electronic": "电子",
    "electronics": "电子",
    "information": "信息",
    "network": "网络",
    "communication": "通信",
    "communications": "通信",
    "software": "软件",
    "semiconductor": "半导体",
    "integrated circuit": "集成电路",
    "microelectronics": "微电子",
    "intelligent": "智能",
    "artificial intelligence": "人工智能",
    "research institute": "研究所",
    "research center": "研究中心",
    "center": "中心",
    "centre": "中心",
    "university": "大学",
    "institute": "学院",
    "international": "国际",
    "industry": "工业",
    "industrial": "实业",
    "manufacturing": "制造",
    "equipment": "设备",
    "trading": "贸易",
    "trade": "贸易",
    "import and export": "进出口",
    "import export": "进出口",
    "development": "发展",
    "investment": "投资",
    "national": "国家",
    "supercomputing": "超级计算",
    "computer": "计算机",
    "system": "系统",
    "systems": "系统",
    "engineering": "工程",
    "aviation": "航空",
    "aerospace": "航天",
    "hong kong": "香港",
    "hongkong": "香港",
    "china": "中国",
    # pinyin renderings of generic words
    "youxian gongsi": "有限公司",
    "youxian zeren gongsi": "有限责任公司",
    "gufen youxian gongsi": "股份有限公司",
    "gongsi": "公司",
    "keji": "科技",
    "jishu": "技术",
    "jituan": "集团",
    "dianzi": "电子",
    "xinxi": "信息",
    "xianggang": "香港",
    "zhongguo": "中国",
    # beyond the matcher's table (translit_han_vocab)
    "instrument": "仪器",
    "instruments": "仪器",
    "precision": "精密",
    "precise": "精密",
    "optical": "光学",
    "optics": "光学",
    "optoelectronic": "光电",
    "optoelectronics": "光电",
    "photoelectric": "光电",
    "machinery": "机械",
    "materials": "材料",
    "material": "材料",
    "new": "新",
    "energy": "能源",
    "shipping": "航运",
    "logistics": "物流",
    "biological": "生物",
    "biotechnology": "生物技术",
    "chemical": "化工",
    "medical": "医疗",
    "digital": "数字",
    "data": "数据",
    "power": "电力",
    "laser": "激光",
    "automation": "自动化",
    "control": "控制",
    "test": "测试",
    "measurement": "测量",
    "quantum": "量子",
    "computing": "计算",
    "security": "安全",
    "display": "显示",
    "vision": "视觉",
    "robot": "机器人",
    "robotics": "机器人",
    "communication technology": "通信技术",
    "supply chain": "供应链",
    "microwave": "微波",
    "devices": "器件",
    "device": "器件",
    "components": "元件",
    "parts": "配件",
    "metal": "金属",
    "marine": "海洋",
    "academy": "研究院",
    "sciences": "科学",
    "science": "科学",
    "research": "研究",
    "design": "设计",
    "testing": "检测",
    "imaging": "成像",
    "commerce": "商贸",
    "commercial": "商业",
    "chinese": "中国",
    "head company": "总公司",
}
PLACE_HAN: dict[str, str] = {
    "beijing": "北京",
    "shanghai": "上海",
    "tianjin": "天津",
    "chongqing": "重庆",
    "shenzhen": "深圳",
    "guangzhou": "广州",
    "wuhan": "武汉",
    "nanjing": "南京",
    "hangzhou": "杭州",
    "chengdu": "成都",
    "xian": "西安",
    "changsha": "长沙",
    "hefei": "合肥",
    "suzhou": "苏州",
    "wuxi": "无锡",
    "jinan": "济南",
    "zhengzhou": "郑州",
    "macau": "澳门",
    "harbin": "哈尔滨",
    "dalian": "大连",
    "qingdao": "青岛",
    "xiamen": "厦门",
    "ningbo": "宁波",
    "zhuhai": "珠海",
    "dongguan": "东莞",
    "foshan": "佛山",
    "changchun": "长春",
    "shenyang": "沈阳",
    "kunming": "昆明",
    "nanchang": "南昌",
    "taiyuan": "太原",
    "mianyang": "绵阳",
    "guiyang": "贵阳",
    "fuzhou": "福州",
    "hunan": "湖南",
    "hubei": "湖北",
    "sichuan": "四川",
    "jiangsu": "江苏",
    "zhejiang": "浙江",
    "guangdong": "广东",
    "shaanxi": "陕西",
    "shandong": "山东",
    "henan": "河南",
    "hebei": "河北",
    "anhui": "安徽",
    "fujian": "福建",
    "liaoning": "辽宁",
    "jilin": "吉林",
    "heilongjiang": "黑龙江",
    "yunnan": "云南",
    "xinjiang": "新疆",
}
_HAN_SKIP_WORDS = frozenset({"and", "of", "the"})
_NOT_SYLLABLES = frozenset({"n", "m", "ng", "hm", "hng", "r", "ê"})


def _strip_tone(text: str) -> str:
    return "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c))


@lru_cache(maxsize=1)
def _syllable_chars() -> dict[str, str]:
    """Toneless pinyin syllable -> a common (GB2312 level-1) character with that reading;
    single-reading characters are preferred."""
    from pypinyin.pinyin_dict import pinyin_dict

    mono: dict[str, str] = {}
    poly: dict[str, str] = {}
    for b1 in range(0xB0, 0xD8):
        for b2 in range(0xA1, 0xFF):
            try:
                ch = bytes([b1, b2]).decode("gb2312")
            except UnicodeDecodeError:
                continue
            readings = pinyin_dict.get(ord(ch))
            if not readings:
                continue
            first = _strip_tone(readings.split(",")[0])
            if not first.isascii() or first in _NOT_SYLLABLES:
                continue
            target = mono if "," not in readings else poly
            target.setdefault(first, ch)
    return {**poly, **mono}


def _segment(word: str) -> list[str] | None:
    """Split a lower-case word into pinyin syllables (fewest syllables first)."""
    table = _syllable_chars()

    @cache
    def rec(i: int) -> tuple[str, ...] | None:
        if i == len(word):
            return ()
        for j in range(min(len(word), i + 6), i, -1):
            if word[i:j] in table:
                rest = rec(j)
                if rest is not None:
                    return (word[i:j], *rest)
        return None

    found = rec(0)
    return list(found) if found is not None else None


# Generic words as lists write them in pinyin, with their characters: a pinyin alias such as
# "Zhongguo Jingmi Jixie Jinchukou Zonggongsi" is written 中国精密机械进出口总公司, not with
# homophones. Only words that are generic in names (not "zhongxin", a name as often as 中心).
PINYIN_HAN: dict[str, str] = {
    "youxian": "有限", "zeren": "责任", "gufen": "股份", "gongsi": "公司", "zonggongsi": "总公司",
    "jituan": "集团", "konggu": "控股", "keji": "科技", "jishu": "技术", "dianzi": "电子",
    "xinxi": "信息", "tongxin": "通信", "guoji": "国际", "yanjiuyuan": "研究院",
    "yanjiusuo": "研究所", "daxue": "大学", "bandaoti": "半导体", "zhizao": "制造",
    "maoyi": "贸易", "jinchukou": "进出口", "jixie": "机械", "shiye": "实业", "gongye": "工业",
    "fazhan": "发展", "touzi": "投资", "wuliu": "物流", "hangyun": "航运", "haiyun": "海运",
    "yiqi": "仪器", "jingmi": "精密", "guangdian": "光电", "kexue": "科学", "shebei": "设备",
    "ruanjian": "软件", "wangluo": "网络", "zhineng": "智能", "xianggang": "香港",
    "zhongguo": "中国",
}  # fmt: skip


def _pinyin_words() -> dict[str, str]:
    return {**PINYIN_HAN, **PLACE_HAN}


def _han_for_pinyin_word(word: str) -> str | None:
    from pypinyin import lazy_pinyin

    known = _pinyin_words().get(word)
    if known is not None:
        return known
    syllables = _segment(word)
    if not syllables:
        return None
    chars = "".join(_syllable_chars()[s] for s in syllables)
    if lazy_pinyin(chars) != syllables:
        return None
    return chars


_HAN_PHRASES = sorted(EN_HAN, key=lambda k: -len(k.split()))
_LATIN_TOKEN = re.compile(r"[a-z]+|[()]")


def to_han(name: str, latin_words: frozenset[str] = frozenset()) -> tuple[str, list[str]] | None:
    """A Han rendering of a Latin Chinese organisation name, and the generic and place words it
    used; None when a word has no rendering. Not rendered (None): names with digits, "#" or
    acronyms; names spelling three or more syllables as separate words ("CHANG SHA TIAN YI");
    names with a word in ``latin_words`` (words the lists use mostly outside China, such as
    "mobile" or "machine", which would otherwise pass as pinyin: mo-bi-le)."""
    if re.search(r"[\d#]", name) or any(_acronym(w, name) for w in re.findall(r"[A-Za-z]+", name)):
        return None
    text = name.lower().replace("&", " and ")
    tokens = _LATIN_TOKEN.findall(text)
    single = 0
    for tok in tokens:
        syllables = _segment(tok)
        single = single + 1 if syllables is not None and len(syllables) == 1 else 0
        if single >= 3:
            return None
    out: list[str] = []
    generic: list[str] = []
    pinyin_words = 0
    i = 0
    while i < len(tokens):
        tok = tokens[i]
        if tok in "()":
            out.append("（" if tok == "(" else "）")
            i += 1
            continue
        for phrase in _HAN_PHRASES:
            parts = phrase.split()
            if tokens[i : i + len(parts)] == parts:
                out.append(EN_HAN[phrase])
                generic.append(EN_HAN[phrase])
                i += len(parts)
                break
        else:
            if tok in PLACE_HAN:
                out.append(PLACE_HAN[tok])
                generic.append(PLACE_HAN[tok])
            elif tok in _HAN_SKIP_WORDS:
                pass
            elif tok in latin_words:
                return None
            else:
                han = _han_for_pinyin_word(tok)
                if han is None:
                    return None
                out.append(han)
                pinyin_words += 1
            i += 1
    if not pinyin_words:
        return None
    return "".join(out), generic


def _translit_han(vocab: bool) -> PertFn:
    from compliance.normalize.scripts import HAN_WORDS

    known = {v.strip() for v in HAN_WORDS} | set(HAN_WORDS)

    def fn(rng: random.Random, s: Sample, ctx: Context) -> Pert | None:
        if not set(s.entry.countries) & _CN or s.cls != "organization":
            return None
        names = [n for n in s.entry.all_names if n.isascii() and clean_base(n)]
        rng.shuffle(names)
        for base in names:
            found = to_han(base, ctx.latin_words)
            if found is None:
                continue
            han, generic = found
            beyond = [g for g in generic if g not in known]
            if bool(beyond) == vocab:
                extra = f" (not in the matcher's table: {' '.join(beyond)})" if beyond else ""
                return Pert(han, base, "Latin -> Han" + extra, base=base)
        return None

    return fn


_HAN_RUN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff]+")


def _translit_pinyin(rng: random.Random, s: Sample, ctx: Context) -> Pert | None:
    from pypinyin import lazy_pinyin

    hans = [a.name for a in s.entry.aliases if _HAN_RUN.search(a.name)]
    if not hans:
        return None
    alias = rng.choice(hans)

    def words(m: re.Match[str]) -> str:
        syl = lazy_pinyin(m.group(0))
        pairs = ["".join(syl[i : i + 2]).capitalize() for i in range(0, len(syl), 2)]
        return " " + " ".join(pairs) + " "

    query = _SPACES.sub(" ", _HAN_RUN.sub(words, unicodedata.normalize("NFKC", alias))).strip()
    query = query.replace("( ", "(").replace(" )", ")")
    if not query.isascii():
        return None
    return Pert(query, s.entry.name, f"pinyin of the Han alias {alias}", base=alias)


PERTURBATIONS: dict[str, PertFn] = {
    "exact": _exact,
    "alias": _alias,
    "typo_sub": _typo("sub", False),
    "typo_ins": _typo("ins", False),
    "typo_del": _typo("del", False),
    "typo_first": _typo("sub", True),
    "typo_transpose": _typo("transpose", False),
    "drop_token": _drop_token,
    "reorder": _reorder,
    "legal_swap": _legal_swap,
    "legal_remove": _legal_remove,
    "legal_add": _legal_add,
    "noise_case": _noise_case,
    "noise_punct": _noise_punct,
    "noise_spacing": _noise_spacing,
    "noise_runtogether": _noise_runtogether,
    "translit_cyrillic": _translit_cyrillic,
    "translit_han": _translit_han(vocab=False),
    "translit_han_vocab": _translit_han(vocab=True),
    "translit_pinyin": _translit_pinyin,
}
# Kinds whose base is always the primary name (the others use an alias a fifth of the time).
_PRIMARY_ONLY = frozenset({"exact", "alias", "translit_han", "translit_han_vocab"})


# ------------------------------------------------------------------------------ positives
@dataclass
class Stats:
    """What the filters removed (printed by the CLI, stored in quality.py's JSON)."""

    counts: Counter[str]

    def add(self, what: str) -> None:
        self.counts[what] += 1


def _person_looking(name: str) -> bool:
    """2-4 alphabetic words, none an English/organisation word or a legal form: how an
    untyped entry ("Fang Yu", "Mehmet Yari" on the Entity List) looks when it is a person."""
    words = name.replace(",", " ").split()
    return 2 <= len(words) <= 4 and all(
        w.replace("-", "").replace("'", "").isalpha()
        and w.lower() not in ENGLISH_WORDS
        and w.lower() not in ORG_CUES
        and not _find_legal(w + " x")
        and not _legalish(w)
        for w in words
    )


def _query_type(rng: random.Random, sample: Sample) -> str:
    """The entry's type (15% "unknown", as customer files often leave it out). An untyped
    entry that looks like a person is queried as a person half of the time: the customer
    record knows it is one even when the list does not say."""
    if sample.cls == "unknown":
        if _person_looking(sample.entry.name) and rng.random() < 0.5:
            return "person"
        return "unknown"
    return "unknown" if rng.random() < 0.15 else sample.cls


def _query_country(rng: random.Random, entry: ListEntry) -> str:
    countries = sorted(set(entry.countries) | set(entry.nationalities))
    if countries and rng.random() < 0.5:
        return rng.choice(countries)
    return ""


def generate_positives(ctx: Context, n: int, rng: random.Random, stats: Stats) -> list[DevRow]:
    pools: dict[str, list[Sample]] = {}
    for idx, (source, entry) in enumerate(ctx.entries):
        cls = entry_class(entry)
        if cls is None or not clean_base(entry.name):
            continue
        pools.setdefault(source, []).append(Sample(source, idx, entry, cls, entry.name))
    # Per kind and list: the entries in a seeded random order, each tried at most once.
    order: dict[str, dict[str, Iterator[Sample]]] = {}
    for kind in POSITIVE_KINDS:
        order[kind] = {}
        for source in sorted(pools):
            shuffled = list(pools[source])
            rng.shuffle(shuffled)
            order[kind][source] = iter(shuffled)
    rows: list[DevRow] = []
    seen: set[str] = set()
    remaining = list(POSITIVE_KINDS)
    # Rounds: every kind that can still produce gets an equal share of what is left.
    while len(rows) < n and remaining:
        share = max(1, (n - len(rows)) // len(remaining))
        for kind in list(remaining):
            want = min(share, n - len(rows))
            made = _fill_kind(ctx, kind, want, order[kind], rng, stats, seen)
            rows.extend(made)
            if len(made) < want:
                remaining.remove(kind)
            if len(rows) >= n:
                break
    return rows


def _fill_kind(
    ctx: Context,
    kind: str,
    want: int,
    sources: dict[str, Iterator[Sample]],
    rng: random.Random,
    stats: Stats,
    seen: set[str],
) -> list[DevRow]:
    """Up to ``want`` rows of ``kind``, taking entries from the lists in turn; a query
    already in the set (the same party on SDN and in the CSL) is not repeated."""
    fn = PERTURBATIONS[kind]
    out: list[DevRow] = []
    while len(out) < want and sources:
        for source in list(sources):
            if len(out) >= want:
                break
            for sample in sources[source]:
                row = _make_row(ctx, kind, fn, sample, rng, stats)
                if row is not None and simple_form(row.query) in seen:
                    stats.add(f"duplicate_query:{kind}")
                elif row is not None:
                    seen.add(simple_form(row.query))
                    out.append(row)
                    break
            else:
                del sources[source]  # this list has no more entries for this kind
    return out


def _make_row(
    ctx: Context, kind: str, fn: PertFn, sample: Sample, rng: random.Random, stats: Stats
) -> DevRow | None:
    entry = sample.entry
    base = entry.name
    if kind not in _PRIMARY_ONLY and entry.aliases and rng.random() < 0.2:
        alias = rng.choice(entry.aliases)
        if alias.kind is not AliasKind.WEAK and clean_base(alias.name):
            base = alias.name
    s = Sample(sample.source, sample.idx, entry, sample.cls, base)
    pert = fn(rng, s, ctx)
    if pert is None:
        return None
    base = pert.base or base
    person_entry = entry.entity_type is EntityType.PERSON
    query = pert.query
    if not query.strip():
        return None
    if not ctx.distinctive(pert.retained, person_entry):
        stats.add(f"filter2_not_distinctive:{kind}")
        return None
    qtype = _query_type(rng, sample)
    equivalent = ctx.equivalents(sample.idx, base)
    if kind != "exact" and kind != "alias" and ctx.collides(query, qtype == "person", equivalent):
        stats.add(f"filter3_collision:{kind}")
        return None
    return DevRow(
        query=query,
        entity_type=qtype,
        country=_query_country(rng, entry),
        label="pos",
        kind=kind,
        expected_source=sample.source,
        expected_key=entry.key,
        expected_list=entry.list_code,
        expected_name=entry.name,
        base_name=base,
        detail=pert.detail,
    )


# ------------------------------------------------------------------------------ negatives
# culture: (country, stems, industry words, legal forms, places)
COMPANY_CULTURES: dict[str, tuple[str, tuple[str, ...], tuple[str, ...], tuple[str, ...]]] = {
    "de": ("DE",
           ("Nordlicht", "Bergmann", "Sonnenfeld", "Weisshorn", "Falkenstein", "Rheinblick",
            "Eichenwald", "Lindenhof", "Silberbach", "Kranich", "Hafenlicht", "Tannenberg",
            "Morgenrot", "Wiesental", "Auenland", "Schwarzwald Blick", "Elbufer"),
           ("Datenwerk", "Maschinenbau", "Logistik", "Elektronik", "Softwarehaus", "Analytik",
            "Feinmechanik", "Medizintechnik", "Energietechnik", "Antriebstechnik",
            "Verpackungstechnik", "Systemhaus"),
           ("GmbH", "AG", "GmbH & Co. KG", "UG")),
    "gb": ("GB",
           ("Ashbourne", "Kestrel", "Thistledown", "Harrowgate", "Bramblewood", "Oakhurst",
            "Wrenfield", "Silverbirch", "Fernleigh", "Marlowe", "Stonebridge", "Larkspur",
            "Hollowmere", "Cobblestone", "Whitcombe"),
           ("Analytics", "Consulting", "Logistics", "Software", "Data Systems", "Engineering",
            "Foods", "Textiles", "Robotics", "Health", "Capital", "Ventures"),
           ("Ltd", "Limited", "PLC", "LLP")),
    "us": ("US",
           ("Bluewater", "Redwood", "Summit Ridge", "Prairie Lane", "Lakeshore", "Granite Peak",
            "Clearwater", "Pioneer Valley", "Riverbend", "Canyon Creek", "Evergreen Hollow",
            "Mesa Verde", "Cedar Point", "Blue Heron", "Sandpiper"),
           ("Cloud", "Labs", "Analytics", "Robotics", "Biosciences", "Networks", "Logistics",
            "Solutions", "Software", "Data", "Devices", "Renewables"),
           ("Inc.", "LLC", "Corp.", "Corporation")),
    "in": ("IN",
           ("Kaveri", "Ganga", "Himalaya", "Narmada", "Sahyadri", "Vindhya", "Aravali",
            "Godavari", "Shakti", "Suryoday", "Anand", "Prakash", "Vasundhara", "Tapti",
            "Nilgiri"),
           ("Analytics", "Infotech", "Softech", "Pharma", "Textiles", "Agro Foods",
            "Engineering", "Logistics", "Data Services", "Electricals", "Fintech",
            "Consultancy"),
           ("Private Limited", "Pvt. Ltd.", "Limited", "LLP")),
    "br": ("BR",
           ("Sao Paulo", "Ipanema", "Araucaria", "Jabuticaba", "Itapua", "Serra Azul",
            "Boa Vista", "Campo Verde", "Rio Claro", "Pitanga", "Mandacaru", "Ouro Preto"),
           ("Logistica", "Tecnologia", "Alimentos", "Consultoria", "Engenharia", "Servicos",
            "Transportes", "Agronegocios", "Sistemas", "Comercio"),
           ("Ltda", "S.A.", "Ltda.", "EIRELI")),
    "es": ("ES",
           ("Alhambra", "Guadalquivir", "Montserrat", "Sierra Nevada", "Costa Blanca",
            "Albufera", "Cantabrica", "Valdelobos", "Mirasol", "Torrealta"),
           ("Ingenieria", "Tecnologia", "Servicios", "Logistica", "Alimentacion",
            "Consultores", "Energias", "Sistemas"),
           ("S.L.", "S.A.", "SL", "S.L.U.")),
    "mx": ("MX",
           ("Tulum", "Popocatepetl", "Sierra Madre", "Valle Dorado", "Cozumel",
            "Oaxaca Verde", "Monte Alban", "Rio Bravo"),
           ("Comercializadora", "Servicios", "Tecnologia", "Alimentos", "Logistica",
            "Construcciones"),
           ("S.A. de C.V.", "S. de R.L. de C.V.")),
    "fr": ("FR",
           ("Beaulieu", "Montclair", "Val de Loire", "Belleville", "Clairefontaine",
            "Rochebrune", "Saint-Aubin", "Haute-Rive", "Mirabeau", "Chantemerle"),
           ("Conseil", "Logistique", "Technologies", "Informatique", "Ingenierie", "Services",
            "Energies", "Biotech"),
           ("SAS", "SARL", "S.A.", "SASU")),
    "it": ("IT",
           ("Bellavista", "Montefiore", "Valpolicella", "Aurora", "Monteverde", "Castelnuovo",
            "Fiordaliso", "Riva Azzurra", "Girasole"),
           ("Tecnologie", "Meccanica", "Servizi", "Logistica", "Alimentari", "Impianti",
            "Sistemi", "Elettronica"),
           ("S.r.l.", "S.p.A.", "Srl")),
    "nl": ("NL",
           ("Zeewind", "Tulpenveld", "Molenaar", "Waterland", "Lindeboom", "Vlietland",
            "Duinzicht"),
           ("Data", "Logistiek", "Technologie", "Software", "Installatietechniek", "Agro"),
           ("B.V.", "N.V.")),
    "se": ("SE",
           ("Nordvik", "Fjallbacka", "Solvang", "Bjorkdal", "Havsbris", "Lindholmen",
            "Granskog", "Vinterljus"),
           ("Analys", "Teknik", "Data", "Logistik", "Energi", "Robotik"),
           ("AB", "AS", "Oy", "ApS")),
    "jp": ("JP",
           ("Sakura", "Fujimoto", "Hikari", "Midori", "Aozora", "Kawasemi", "Yamabuki",
            "Tsubame", "Hoshizora", "Kazeyama"),
           ("Robotics", "Denki", "Shoji", "Seimitsu", "Kogyo", "Systems", "Software", "Foods"),
           ("K.K.", "Co., Ltd.", "Corporation", "Kabushiki Kaisha")),
    "kr": ("KR",
           ("Hanbit", "Saebyeok", "Doldam", "Narae", "Haneul", "Bitgaram", "Seorak",
            "Mirae Plus"),
           ("Tech", "Electronics", "Bio", "Solutions", "Logis", "Semicon", "Networks", "Foods"),
           ("Co., Ltd.", "Inc.", "Corporation")),
    "tr": ("TR",
           ("Anadolu Yildiz", "Bogazici", "Kapadokya", "Egemen", "Toros", "Karadeniz Mavi",
            "Akdeniz Gunes", "Pamukkale"),
           ("Lojistik", "Teknoloji", "Gida", "Tekstil", "Muhendislik", "Enerji", "Yazilim",
            "Insaat"),
           ("A.S.", "Ltd. Sti.", "Anonim Sirketi")),
    "ae": ("AE",
           ("Al Noor", "Palm Crest", "Desert Rose", "Al Waha", "Falcon Heights", "Creek Side",
            "Oasis Pearl", "Al Sahra"),
           ("General Trading", "Logistics", "Technologies", "Contracting",
            "Facilities Management", "Consultancy"),
           ("LLC", "FZE", "FZCO", "L.L.C.")),
    "ng": ("NG",
           ("Eko", "Zuma Rock", "Olumo", "Niger Delta", "Ikoyi", "Obudu", "Yankari",
            "Ogun Star"),
           ("Logistics", "Agro", "Energy", "Technologies", "Ventures", "Foods"),
           ("Limited", "Ltd", "Plc")),
    "ru": ("RU",
           ("Severnaya Zvezda", "Belaya Berezka", "Solnechny Veter", "Lesnaya Polyana",
            "Zolotoy Kolos", "Volzhskaya Dolina", "Sinyaya Ptitsa", "Yasnaya Zarya",
            "Tikhaya Gavan", "Ryabinushka"),
           ("Logistika", "Tekhnologii", "Stroy", "Agro", "Servis", "Trans", "Torg", "Soft"),
           ("LLC", "OOO", "JSC", "AO")),
    "sg": ("SG",
           ("Merlion", "Sentosa", "Orchid Bay", "Marina Crest", "Lion City", "Tanjong Rhu"),
           ("Analytics", "Logistics", "Technologies", "Solutions", "Holdings", "Ventures"),
           ("Pte. Ltd.", "Pte Ltd")),
    "au": ("AU",
           ("Wattle", "Kookaburra", "Coral Sea", "Blue Gum", "Outback", "Southern Cross"),
           ("Analytics", "Mining Services", "Logistics", "Software", "Agribusiness"),
           ("Pty Ltd", "Pty. Limited")),
    "pl": ("PL",
           ("Wisla", "Mazury", "Tatry", "Bursztyn", "Zielona Dolina", "Biala Gora"),
           ("Logistyka", "Technologie", "Systemy", "Budownictwo", "Energia", "Informatyka"),
           ("Sp. z o.o.", "S.A.")),
}  # fmt: skip

CN_CITIES = (
    "Hangzhou", "Suzhou", "Ningbo", "Xiamen", "Qingdao", "Dalian", "Chengdu", "Wuhan",
    "Nanjing", "Hefei", "Changsha", "Dongguan", "Foshan", "Zhuhai", "Kunming", "Guiyang",
    "Jinan", "Fuzhou", "Shenzhen", "Shanghai", "Beijing", "Guangzhou", "Tianjin", "Chongqing",
)  # fmt: skip
CN_SYLLABLES = (
    "xin", "yuan", "hua", "tai", "feng", "sheng", "rui", "jia", "hong", "long", "xiang",
    "kang", "ming", "chen", "yu", "heng", "tian", "bao", "jin", "run", "zhi", "fu", "guang",
    "hai", "lian", "tong", "de", "li", "cheng", "hao", "yi", "bo", "qi", "shun", "ying",
)  # fmt: skip
CN_INDUSTRIES = (
    "Technology", "Information Technology", "Electronics", "Trading", "Intelligent Technology",
    "New Energy Technology", "Biotechnology", "Precision Machinery", "Network Technology",
    "Supply Chain Management", "Import and Export", "Software", "Optoelectronics",
    "Automation Equipment", "Textile", "Food", "Garment", "Furniture",
)  # fmt: skip
CN_FORMS = ("Co., Ltd.", "Company Limited", "Co. Ltd", "Co., Limited")

PERSON_CULTURES: dict[str, tuple[str, tuple[str, ...], tuple[str, ...]]] = {
    "anglo": ("US",
              ("James", "Emily", "Michael", "Sarah", "Robert", "Jessica", "William", "Olivia",
               "Thomas", "Hannah", "Daniel", "Rachel", "Christopher", "Laura", "Matthew",
               "Rebecca", "Andrew", "Sophie", "Jonathan", "Megan"),
              ("Thompson", "Whitaker", "Harrington", "Caldwell", "Fletcher", "Pemberton",
               "Ashworth", "Holloway", "Bradshaw", "Sutherland", "Bennett", "Crawford",
               "Gallagher", "Hughes", "Lawson", "Prescott", "Radcliffe", "Sinclair")),
    "hispanic": ("MX",
                 ("Alejandro", "Lucia", "Mateo", "Valentina", "Santiago", "Camila", "Diego",
                  "Isabela", "Javier", "Ximena", "Andres", "Paula", "Fernando", "Mariana",
                  "Ricardo"),
                 ("Gutierrez", "Castellanos", "Villanueva", "Mendoza", "Echeverria",
                  "Saavedra", "Bustamante", "Quintero", "Arredondo", "Figueroa", "Valderrama",
                  "Olmedo", "Cifuentes", "Zamudio")),
    "chinese": ("CN",
                ("Wei", "Fang", "Jing", "Min", "Lei", "Jun", "Yan", "Tao", "Ming", "Hui",
                 "Xiaoming", "Jianguo", "Lihua", "Haoran", "Yuxuan", "Zihan", "Wenjie",
                 "Xinyi", "Junhao", "Meiling"),
                ("Wang", "Li", "Zhang", "Liu", "Chen", "Yang", "Huang", "Zhao", "Wu", "Zhou",
                 "Xu", "Sun", "Ma", "Zhu", "Hu", "Guo", "He", "Lin", "Luo", "Gao")),
    "russian": ("RU",
                ("Aleksandr", "Dmitry", "Sergei", "Andrei", "Alexei", "Mikhail", "Nikolai",
                 "Ivan", "Pavel", "Konstantin", "Elena", "Olga", "Tatiana", "Natalia",
                 "Irina", "Svetlana", "Ekaterina", "Yulia"),
                ("Sokolov", "Lebedev", "Novikov", "Morozov", "Volkov", "Solovyov", "Zaitsev",
                 "Pavlov", "Semenov", "Golubev", "Vinogradov", "Bogdanov", "Vorobyov",
                 "Belyaev", "Tarasov", "Komarov")),
    "arabic": ("JO",
               ("Omar", "Khalid", "Yousef", "Tariq", "Samir", "Faisal", "Nabil", "Hamza",
                "Karim", "Rami", "Layla", "Nour", "Amira", "Rania", "Salma", "Huda"),
               ("Haddad", "Khoury", "Nasser", "Saleh", "Mansour", "Aziz", "Farouk", "Qasim",
                "Barakat", "Sabbagh", "Awad", "Hijazi", "Abboud", "Najjar", "Darwish",
                "Tamimi")),
    "persian": ("IR",
                ("Reza", "Maryam", "Arash", "Shirin", "Dariush", "Farhad", "Leila", "Babak",
                 "Niloufar", "Kaveh"),
                ("Moradi", "Rahimi", "Karimi", "Hosseini", "Jafari", "Ahmadi", "Rostami",
                 "Tehrani", "Ghorbani", "Sadeghi")),
    "indian": ("IN",
               ("Aarav", "Priya", "Rohan", "Ananya", "Vikram", "Kavya", "Arjun", "Sneha",
                "Rahul", "Divya", "Siddharth", "Pooja", "Karthik", "Meera", "Nikhil"),
               ("Sharma", "Iyer", "Reddy", "Nair", "Patel", "Gupta", "Menon", "Deshpande",
                "Kulkarni", "Chatterjee", "Banerjee", "Mehta", "Joshi", "Rao", "Pillai")),
    "european": ("DE",
                 ("Lukas", "Anna", "Jonas", "Lea", "Felix", "Marie", "Pierre", "Camille",
                  "Julien", "Chloe", "Matteo", "Giulia", "Lars", "Ingrid"),
                 ("Schneider", "Hoffmann", "Becker", "Wagner", "Dubois", "Lefebvre", "Moreau",
                  "Girard", "Fontaine", "Rousseau", "Bianchi", "Ferrari", "Lindqvist",
                  "Johansson")),
    "japanese": ("JP",
                 ("Haruto", "Yui", "Sota", "Aoi", "Ren", "Hina", "Takumi", "Sakura", "Yuto",
                  "Mio"),
                 ("Sato", "Suzuki", "Takahashi", "Tanaka", "Watanabe", "Ito", "Yamamoto",
                  "Nakamura", "Kobayashi", "Kato")),
    "korean": ("KR",
               ("Min-jun", "Seo-yeon", "Ji-ho", "Ha-eun", "Do-yun", "Su-bin", "Ye-jin",
                "Hyun-woo", "Jae-won", "Eun-ji"),
               ("Kim", "Lee", "Park", "Choi", "Jung", "Kang", "Cho", "Yoon", "Jang", "Lim")),
    "turkish": ("TR",
                ("Emre", "Elif", "Burak", "Zeynep", "Mert", "Ayse", "Can", "Selin"),
                ("Yilmaz", "Kaya", "Demir", "Sahin", "Celik", "Aydin", "Ozturk", "Arslan")),
    "african": ("NG",
                ("Chinedu", "Amara", "Kwame", "Abena", "Tendai", "Thabo", "Zanele",
                 "Oluwaseun"),
                ("Okafor", "Mensah", "Adeyemi", "Nkosi", "Moyo", "Banda", "Mwangi",
                 "Okonkwo")),
}  # fmt: skip

GENERIC_PREFIX = (
    "Beijing", "Shanghai", "Shenzhen", "Moscow", "Tehran", "Dubai", "Hong Kong", "China",
    "Russia", "Iran", "International", "Global", "Asia Pacific", "Middle East", "Euro", "Gulf",
    "National", "United", "General", "Eastern", "Northern", "Golden", "Star", "New", "Sino",
)  # fmt: skip
GENERIC_MID = (
    "Technology", "Trading", "Electronics", "Industrial", "Engineering", "Logistics",
    "Import Export", "Investment", "Shipping", "General Trading", "Holding", "Petroleum",
    "Machinery", "Aviation", "Energy", "Chemical", "Construction", "Communications",
    "Software", "Semiconductor", "Scientific", "Research Institute", "Development",
    "Technology Development", "Electronic Components", "Trading Group",
)  # fmt: skip
GENERIC_FORMS = ("Co., Ltd.", "LLC", "Limited", "Group", "Company", "Inc.", "JSC", "FZE", "")

FAMOUS_COMPANIES = (
    "Siemens AG", "Toyota Motor Corporation", "Infosys Limited", "Samsung Electronics Co., Ltd.",
    "Nestle S.A.", "Unilever PLC", "BASF SE", "Bayer AG", "Volkswagen AG",
    "Bayerische Motoren Werke AG", "Robert Bosch GmbH", "SAP SE", "Allianz SE",
    "Deutsche Telekom AG", "Nokia Oyj", "Telefonaktiebolaget LM Ericsson", "Volvo AB",
    "Hennes & Mauritz AB", "A.P. Moller - Maersk A/S", "Novo Nordisk A/S",
    "Koninklijke Philips N.V.", "ASML Holding N.V.", "Shell plc", "BP p.l.c.",
    "HSBC Holdings plc", "Barclays PLC", "Tesco PLC", "Vodafone Group Plc", "AstraZeneca PLC",
    "Diageo plc", "Renault S.A.", "TotalEnergies SE", "L'Oreal S.A.", "Airbus SE",
    "Danone S.A.", "Carrefour S.A.", "Orange S.A.", "Sanofi S.A.", "Schneider Electric SE",
    "Enel S.p.A.", "Stellantis N.V.", "Ferrari N.V.", "Banco Santander S.A.",
    "Telefonica S.A.", "Industria de Diseno Textil S.A.", "Iberdrola S.A.", "Vale S.A.",
    "Embraer S.A.", "Ambev S.A.", "Itau Unibanco Holding S.A.", "Cemex S.A.B. de C.V.",
    "Grupo Bimbo S.A.B. de C.V.", "Walmart Inc.", "Apple Inc.", "Microsoft Corporation",
    "Alphabet Inc.", "Amazon.com, Inc.", "Meta Platforms, Inc.", "NVIDIA Corporation",
    "Intel Corporation", "Advanced Micro Devices, Inc.", "Qualcomm Incorporated",
    "Cisco Systems, Inc.", "Oracle Corporation", "International Business Machines Corporation",
    "Dell Technologies Inc.", "HP Inc.", "Hewlett Packard Enterprise Company",
    "Johnson & Johnson", "Pfizer Inc.", "The Procter & Gamble Company", "The Coca-Cola Company",
    "PepsiCo, Inc.", "General Electric Company", "General Motors Company",
    "Ford Motor Company", "The Boeing Company", "Lockheed Martin Corporation",
    "Caterpillar Inc.", "3M Company", "Exxon Mobil Corporation", "Chevron Corporation",
    "JPMorgan Chase & Co.", "The Goldman Sachs Group, Inc.", "Morgan Stanley",
    "Citigroup Inc.", "Bank of America Corporation", "Visa Inc.", "Mastercard Incorporated",
    "Netflix, Inc.", "Salesforce, Inc.", "Adobe Inc.", "Tesla, Inc.",
    "Uber Technologies, Inc.", "Airbnb, Inc.", "Starbucks Corporation",
    "McDonald's Corporation", "Nike, Inc.", "Sony Group Corporation",
    "Panasonic Holdings Corporation", "Hitachi, Ltd.", "Toshiba Corporation",
    "Honda Motor Co., Ltd.", "Nissan Motor Co., Ltd.", "Canon Inc.", "Nikon Corporation",
    "Fujitsu Limited", "NEC Corporation", "SoftBank Group Corp.", "Nintendo Co., Ltd.",
    "Fast Retailing Co., Ltd.", "Keyence Corporation", "Murata Manufacturing Co., Ltd.",
    "Tokyo Electron Limited", "LG Electronics Inc.", "SK hynix Inc.", "Hyundai Motor Company",
    "Kia Corporation", "POSCO Holdings Inc.", "NAVER Corporation",
    "Tata Consultancy Services Limited", "Tata Motors Limited", "Reliance Industries Limited",
    "Wipro Limited", "HCL Technologies Limited", "Mahindra & Mahindra Limited",
    "Larsen & Toubro Limited", "HDFC Bank Limited", "ICICI Bank Limited",
    "Bharti Airtel Limited", "Taiwan Semiconductor Manufacturing Company Limited",
    "MediaTek Inc.", "Hon Hai Precision Industry Co., Ltd.", "ASUSTeK Computer Inc.",
    "Acer Incorporated", "Saudi Arabian Oil Company", "DP World Limited",
    "Emirates NBD Bank PJSC", "Qatar Airways Group Q.C.S.C.",
    "Turkcell Iletisim Hizmetleri A.S.", "Koc Holding A.S.", "Anglo American plc",
    "BHP Group Limited", "Rio Tinto plc", "Commonwealth Bank of Australia",
    "Telstra Group Limited", "Atlassian Corporation", "Shopify Inc.", "Royal Bank of Canada",
    "Bombardier Inc.", "Naspers Limited", "MTN Group Limited", "Sasol Limited",
    "Dangote Cement Plc", "Safaricom PLC", "Grab Holdings Limited", "DBS Group Holdings Ltd",
    "Singapore Airlines Limited", "Petroliam Nasional Berhad", "Malayan Banking Berhad",
    "Spotify Technology S.A.", "adidas AG", "Puma SE", "Continental AG",
    "Infineon Technologies AG", "Carl Zeiss AG", "TRUMPF SE + Co. KG", "ABB Ltd",
    "Novartis AG", "Roche Holding AG", "UBS Group AG", "Zurich Insurance Group AG",
    "Logitech International S.A.", "The Swatch Group AG", "Holcim Ltd", "Equinor ASA",
    "Nordea Bank Abp", "Kone Oyj", "Atlas Copco AB", "Sandvik AB", "Heineken N.V.",
    "ING Groep N.V.", "Adyen N.V.",
)  # fmt: skip

FAMOUS_PEOPLE = (
    "George Bush", "George W. Bush", "Barack Obama", "Angela Merkel", "Emmanuel Macron",
    "Justin Trudeau", "Narendra Modi", "Boris Johnson", "Olaf Scholz", "Jacinda Ardern",
    "Lionel Messi", "Cristiano Ronaldo", "Roger Federer", "Serena Williams", "Taylor Swift",
    "Elon Musk", "Bill Gates", "Warren Buffett", "Jeff Bezos", "Mark Zuckerberg", "Tim Cook",
    "Satya Nadella", "Sundar Pichai", "Jensen Huang", "Lisa Su", "Mukesh Ambani",
    "Ratan Tata", "Masayoshi Son", "Akio Toyoda", "Lee Jae-yong", "Carlos Slim Helu",
    "Bernard Arnault", "Amancio Ortega", "Oprah Winfrey", "Tom Hanks", "Meryl Streep",
    "Shah Rukh Khan", "Amitabh Bachchan", "Kylian Mbappe", "Usain Bolt", "Michael Jordan",
    "LeBron James", "Kofi Annan", "Ban Ki-moon", "Antonio Guterres", "Malala Yousafzai",
    "Nelson Mandela", "Desmond Tutu", "Stephen Hawking", "Albert Einstein", "Marie Curie",
    "John Smith", "James Brown", "Maria Garcia", "David Miller", "Michael Johnson",
    "Jose Rodriguez", "Juan Martinez", "Emma Watson", "Hugh Jackman", "Penelope Cruz",
    "Gabriel Garcia Marquez", "Haruki Murakami", "Yuval Noah Harari", "Greta Thunberg",
    "Christine Lagarde", "Ursula von der Leyen", "Jerome Powell", "Janet Yellen",
    "Rishi Sunak", "Keir Starmer", "Pedro Sanchez", "Giorgia Meloni",
)  # fmt: skip


def _neg_company(rng: random.Random) -> tuple[str, str]:
    culture = rng.choice(sorted(COMPANY_CULTURES))
    country, stems, industries, forms = COMPANY_CULTURES[culture]
    parts = [rng.choice(stems), rng.choice(industries)]
    if rng.random() < 0.2:
        parts.insert(1, rng.choice(industries))
        if parts[1] == parts[2]:
            parts.pop(1)
    return " ".join([*parts, rng.choice(forms)]), country


def _cn_stem(rng: random.Random, ctx: Context) -> str | None:
    a, b = rng.sample(CN_SYLLABLES, 2)
    stem = a + b
    if stem in ctx.index.token_id:
        return None
    return stem.capitalize()


def _neg_company_cn(rng: random.Random, ctx: Context) -> tuple[str, str] | None:
    stem = _cn_stem(rng, ctx)
    if stem is None:
        return None
    if rng.random() < 0.2:
        style = rng.choice(("{s} (Hong Kong) Limited", "{s} International Holdings Limited",
                            "Hong Kong {s} Trading Co., Limited"))  # fmt: skip
        return style.format(s=stem), "HK"
    name = f"{rng.choice(CN_CITIES)} {stem} {rng.choice(CN_INDUSTRIES)} {rng.choice(CN_FORMS)}"
    return name, "CN"


def _neg_person(rng: random.Random) -> tuple[str, str]:
    culture = rng.choice(sorted(PERSON_CULTURES))
    country, given, family = PERSON_CULTURES[culture]
    first = rng.choice(given)
    last = rng.choice(family)
    if culture == "russian":
        female = first.endswith("a") and first not in ("Nikita",)
        father = rng.choice(("Aleksandr", "Dmitri", "Sergei", "Andrei", "Mikhail", "Ivan",
                             "Pavel", "Viktor", "Oleg", "Yuri"))  # fmt: skip
        stem = father[:-1] + "e" if father.endswith("i") else father
        patronymic = stem + ("vna" if female else "vich")
        if female:
            last += "a"
        return f"{first} {patronymic} {last}" if rng.random() < 0.6 else f"{first} {last}", country
    if culture == "hispanic" and rng.random() < 0.5:
        second = rng.choice([f for f in family if f != last])
        return f"{first} {last} {second}", country
    if culture == "arabic" and rng.random() < 0.4:
        father = rng.choice([g for g in given if g != first])
        return f"{first} {father} {last}", country
    if culture in ("chinese", "korean") and rng.random() < 0.5:
        return f"{last} {first}", country
    if culture == "anglo" and rng.random() < 0.3:
        middle = rng.choice([g for g in given if g != first])
        return f"{first} {middle} {last}", country
    if rng.random() < 0.2:
        return f"{last.upper()}, {first}", country
    return f"{first} {last}", country


def _neg_hard_generic(rng: random.Random) -> tuple[str, str]:
    parts = [rng.choice(GENERIC_PREFIX), rng.choice(GENERIC_MID)]
    if rng.random() < 0.3:
        extra = rng.choice(GENERIC_MID)
        if extra != parts[1]:
            parts.append(extra)
    form = rng.choice(GENERIC_FORMS)
    if form:
        parts.append(form)
    return " ".join(parts), ""


def generate_negatives(ctx: Context, n: int, rng: random.Random, stats: Stats) -> list[DevRow]:
    want = {kind: round(n * share) for kind, share in NEGATIVE_SHARES}
    famous_companies = list(FAMOUS_COMPANIES)
    famous_people = list(FAMOUS_PEOPLE)
    rng.shuffle(famous_companies)
    rng.shuffle(famous_people)
    rows: list[DevRow] = []
    seen: set[str] = set()

    def add(kind: str, name: str, country: str, person: bool) -> bool:
        key = simple_form(name)
        if key in seen:
            return False
        seen.add(key)
        if ctx.near_listed(name, person):
            stats.add(f"negative_near_listed:{kind}")
            return False
        etype = "person" if person else "organization"
        if rng.random() < 0.15:
            etype = "unknown"
        ctry = country if country and rng.random() < 0.5 else ""
        rows.append(DevRow(query=name, entity_type=etype, country=ctry, label="neg", kind=kind))
        return True

    made: Counter[str] = Counter()
    for name in famous_companies:
        if made["neg_famous_company"] >= want["neg_famous_company"]:
            break
        made["neg_famous_company"] += add("neg_famous_company", name, "", False)
    for name in famous_people:
        if made["neg_famous_person"] >= want["neg_famous_person"]:
            break
        made["neg_famous_person"] += add("neg_famous_person", name, "", True)
    # What the famous lists could not fill goes to the synthetic kinds.
    short = (want["neg_famous_company"] - made["neg_famous_company"]) + (
        want["neg_famous_person"] - made["neg_famous_person"]
    )
    want["neg_company"] += short // 2
    want["neg_person"] += short - short // 2
    want["neg_famous_company"] = made["neg_famous_company"]
    want["neg_famous_person"] = made["neg_famous_person"]
    want["neg_company"] += n - sum(want.values())  # rounding
    for kind in ("neg_company", "neg_company_cn", "neg_person", "neg_hard_generic"):
        attempts = 0
        while made[kind] < want[kind] and attempts < want[kind] * 50:
            attempts += 1
            if kind == "neg_company":
                name, country = _neg_company(rng)
            elif kind == "neg_company_cn":
                got = _neg_company_cn(rng, ctx)
                if got is None:
                    stats.add("negative_cn_stem_in_lists")
                    continue
                name, country = got
            elif kind == "neg_person":
                name, country = _neg_person(rng)
            else:
                name, country = _neg_hard_generic(rng)
            made[kind] += add(kind, name, country, kind == "neg_person")
    return rows


# ------------------------------------------------------------------------------ entry point
def generate(
    matcher: Matcher, positives: int, negatives: int, seed: int
) -> tuple[list[DevRow], Counter[str]]:
    """The dev set (positives then negatives) and the filter counts."""
    ctx = Context(matcher)
    stats = Stats(Counter())
    pos = generate_positives(ctx, positives, random.Random(seed), stats)
    neg = generate_negatives(ctx, negatives, random.Random(seed + 1), stats)
    return pos + neg, stats.counts


def build_matcher(lists_dir: Path) -> Matcher:
    return Matcher.build(load_lists(lists_dir))


def main(argv: Sequence[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--lists", type=Path, default=DEFAULT_LISTS)
    ap.add_argument("--positives", type=int, default=3000)
    ap.add_argument("--negatives", type=int, default=3000)
    ap.add_argument("--seed", type=int, default=DEFAULT_SEED)
    ap.add_argument("--out", type=Path, default=DEFAULT_OUT)
    args = ap.parse_args(argv)
    t0 = time.perf_counter()
    matcher = build_matcher(args.lists)
    t1 = time.perf_counter()
    rows, filtered = generate(matcher, args.positives, args.negatives, args.seed)
    t2 = time.perf_counter()
    write_csv(rows, args.out)
    print(f"lists + index {t1 - t0:.1f}s, generation {t2 - t1:.1f}s -> {args.out}")
    kinds = Counter(r.kind for r in rows)
    sources = Counter(r.expected_source for r in rows if r.positive)
    for kind in (*POSITIVE_KINDS, *(k for k, _ in NEGATIVE_SHARES)):
        print(f"  {kind:<22} {kinds[kind]:>5}")
    print("  positives by list:", dict(sorted(sources.items())))
    print("  filtered:", dict(sorted(filtered.items())))


if __name__ == "__main__":
    main(sys.argv[1:])
