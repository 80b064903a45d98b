"""Address screening (pure): a customer's or a data centre's address against the addresses the
lists give for their parties.

An Entity List entry can be an address alone, and a listed party's address is known even when
the customer's name is not the listed name; an address that matches a listed one is a hit in
its own right (the rules make it at least ``review``), not just a nudge to a name score.

How an address is compared:

* both sides are folded to ASCII, lower-cased and split into words and numbers; common
  abbreviations are written out ("St" -> street, "Rd" -> road, "Bldg" -> building) and filler
  words dropped ("no", "the", "of");
* every number the listed address gives (house number, floor, unit, postcode) must be in the
  query, in a part (the text between commas) sharing a word with the listed number's part:
  "11 Collyer Quay" is not "10 Collyer Quay", "No. 1 Xinxi Road" is not "Unit 1, No. 10 Xinxi
  Road", but "No. 37 Asseman Tower" is "Asseman Tower, No. 37";
* the listed address's words must be in the query, by rarity (a word found in many listed
  addresses, "beijing", "road", weighs little): the score is the weighted share of the listed
  address held by the query, a word one typo away counting 0.9;
* candidates are the listed addresses sharing a rare word with the query;
* a listed address must be specific enough to mean one place: a number and two words, one of
  them rare (in at most ``RARE_DF`` listed addresses), or, without a number, five words, three
  of them rare; "Beijing, China", "Moscow" or "Cabo Delgado Province, Mozambique" never match;
* when both sides give a country and they differ, it is not a match.

Worked example: the query "Room 1203, 8 Jianguomen Outer St, Chaoyang District, Beijing 100022"
against the listed "8 Jianguomen Outer Street, Chaoyang District, Beijing" (CN): numbers {8}
held, every word held, score 1.0 -> a hit. Against "18 Jianguomen Outer Street, ...": the
number 18 is missing -> no hit.
"""

from __future__ import annotations

import math
import re
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass

from anyascii import anyascii
from rapidfuzz.distance import OSA

from compliance.model import Address, ListEntry

THRESHOLD = 0.85  # weighted share of the listed address the query must hold
RARE_DF = 50  # a word in at most this many listed addresses is "rare"
MAX_CANDIDATES = 200
MAX_CHARS = 2_000  # an address longer than this is compared by its beginning
MAX_WORDS = 60
# Part of every screening id (compliance.screening): a change to how addresses are compared
# replays as a different screening.
ADDRESS_VERSION = "address-1"
_TYPO_SIMILARITY = 0.9
_ABBREVIATIONS = {
    "st": "street", "str": "street", "rd": "road", "ave": "avenue", "av": "avenue",
    "blvd": "boulevard", "bldg": "building", "bld": "building", "fl": "floor", "flr": "floor",
    "rm": "room", "ste": "suite", "dist": "district", "distr": "district", "twr": "tower",
    "hwy": "highway", "ln": "lane", "sq": "square", "ul": "ulitsa", "pr": "prospekt",
    "prosp": "prospekt", "pl": "place", "dr": "drive", "ct": "court", "mt": "mount",
}  # fmt: skip
_FILLER = frozenset({"no", "the", "of", "and", "de", "la", "d", "nr", "number", "c", "o"})


def address_words(text: str) -> tuple[str, ...]:
    """The words and numbers an address is compared by ("8 Jianguomen Outer St." ->
    ``("8", "jianguomen", "outer", "street")``). Numbers written with letters attached are
    split ("12F" -> "12", "f"; "#18-01" -> "18", "01")."""
    return tuple(w for part in _parts(text) for w in part)


@dataclass(frozen=True, slots=True)
class AddressHit:
    """A listed address the query holds: the entry (position in the index's entries), the
    listed address, the score (0..1) and the words both share."""

    entry: int
    address: Address
    score: float
    shared: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class _Listed:
    entry: int
    address: Address
    words: tuple[str, ...]
    # each number with the words of the part of the address it stands in
    beside: tuple[tuple[str, frozenset[str]], ...]


_SEPARATORS = frozenset({",", ";", "\n"})


_PART_TOKEN = re.compile(r"[0-9]+|[a-z]+|[,;\n]")


def _parts(text: str) -> list[tuple[str, ...]]:
    """The words of each part of an address (the text between commas), in one pass."""
    text = text[:MAX_CHARS]
    folded = (text if text.isascii() else anyascii(text)).lower()
    get = _ABBREVIATIONS.get
    parts: list[tuple[str, ...]] = []
    words: list[str] = []
    for raw in _PART_TOKEN.findall(folded):
        if raw in _SEPARATORS:
            if words:
                parts.append(tuple(words))
                words = []
        elif (word := get(raw, raw)) not in _FILLER:
            words.append(word)
    if words:
        parts.append(tuple(words))
    return parts


def _beside(parts: Sequence[tuple[str, ...]]) -> dict[str, list[frozenset[str]]]:
    """Each number of an address with the words of the part it stands in, once per occurrence:
    "Room 1203, 8 Jianguomen Outer St" -> {"1203": [{room}], "8": [{jianguomen, outer,
    street}]}."""
    out: dict[str, list[frozenset[str]]] = {}
    for words in parts:
        numbers = [w for w in words if w.isdigit()]
        if numbers:
            letters = frozenset(w for w in words if not w.isdigit())
            for number in numbers:
                out.setdefault(number, []).append(letters)
    return out


def _numbers_in_place(item: _Listed, query: dict[str, list[frozenset[str]]]) -> bool:
    """Every number of the listed address is in the query, in a part sharing a word with the
    listed number's part (or standing alone in either): "No. 1 Xinxi Road" is not "Unit 1,
    No. 10 Xinxi Road", "Room 1203, 8 Jianguomen" is not "Room 8, 1203 Jianguomen"; "No. 37
    Asseman Tower" is "Asseman Tower, No. 37"."""
    for number, near in item.beside:
        found = query.get(number)
        if found is None:
            return False
        if near and not any(not words or near & words for words in found):
            return False
    return True


class AddressIndex:
    """Every address the lists give that names one place, indexed by its rare words (built once
    per set of list versions, before batch workers fork)."""

    def __init__(self, entries: Sequence[tuple[str, ListEntry]]) -> None:
        listed: list[tuple[int, Address, tuple[str, ...], list[tuple[str, ...]]]] = []
        seen: set[tuple[int, tuple[str, ...]]] = set()
        for pos, (_, entry) in enumerate(entries):
            for address in entry.addresses:
                parts = _parts(address.text)
                words = tuple(w for part in parts for w in part)[:MAX_WORDS]
                if not words or (pos, words) in seen:
                    continue
                seen.add((pos, words))
                listed.append((pos, address, words, parts))
        # How many distinct addresses hold a word: sixty front companies at one address make
        # it no commoner than one (the most listed addresses must stay matchable).
        unique = {words for _, _, words, _ in listed}
        df: dict[str, int] = defaultdict(int)
        for words in unique:
            for word in set(words):
                df[word] += 1
        self.df: dict[str, int] = dict(df)
        n = max(len(unique), 1)
        self.weight: dict[str, float] = {
            w: math.log((n + 1) / df) + 1.0 for w, df in self.df.items()
        }
        self.items: list[_Listed] = []
        postings: dict[str, list[int]] = defaultdict(list)
        for pos, address, words, parts in listed:
            numbers = frozenset(w for w in words if w.isdigit())
            if not self._specific(words, numbers):
                continue  # "Moscow", "Beijing, China": never matched, not indexed
            at = len(self.items)
            beside = tuple(
                (number, frozenset().union(*near)) for number, near in _beside(parts).items()
            )
            self.items.append(_Listed(pos, address, words, beside))
            for word in set(words):
                if not word.isdigit() and self.df[word] <= RARE_DF:
                    postings[word].append(at)
        self.postings: dict[str, list[int]] = dict(postings)

    def _specific(self, words: Sequence[str], numbers: frozenset[str]) -> bool:
        """Whether a listed address names one place (see the module notes)."""
        letters = [w for w in set(words) if len(w) >= 2 and not w.isdigit()]
        df = self.df
        rare = sum(1 for w in letters if df.get(w, 0) <= RARE_DF)
        if numbers:
            return rare >= 1 and len(letters) >= 2
        return rare >= 3 and len(letters) >= 5

    def match(self, text: str | None, country: str | None = None) -> list[AddressHit]:
        """The listed addresses ``text`` holds, best first (one per entry)."""
        if not text:
            return []
        parts = _parts(text)
        query = tuple(w for part in parts for w in part)[:MAX_WORDS]
        if not query:
            return []
        qset = set(query)
        # Candidates: the listed addresses holding one of the query's rare words (every indexed
        # address has one; a query holding 85% of an address's weight holds it).
        counts: dict[int, int] = defaultdict(int)
        for word in qset:
            for at in self.postings.get(word, ()):
                counts[at] += 1
        if not counts:
            return []
        ranked = sorted(counts, key=lambda a: (-counts[a], a))[:MAX_CANDIDATES]
        around = _beside(parts)
        best: dict[int, AddressHit] = {}
        long_query = [w for w in qset if len(w) >= 5 and not w.isdigit()]
        for at in ranked:
            item = self.items[at]
            listed_country = item.address.country
            if country and listed_country and country != listed_country:
                continue
            if not _numbers_in_place(item, around):
                continue
            total = held = 0.0
            shared: list[str] = []
            for word in dict.fromkeys(item.words):
                weight = self.weight.get(word, 1.0)
                total += weight
                if word in qset:
                    held += weight
                    shared.append(word)
                elif len(word) >= 5 and any(OSA.distance(word, q) <= 1 for q in long_query):
                    held += weight * _TYPO_SIMILARITY  # one typo apart ("jianguomen"/"jianguomne")
                    shared.append(word)
            score = held / total if total else 0.0
            if score >= THRESHOLD:
                hit = AddressHit(item.entry, item.address, round(score, 4), tuple(shared))
                if item.entry not in best or best[item.entry].score < hit.score:
                    best[item.entry] = hit
        return sorted(best.values(), key=lambda h: (-h.score, h.entry))
