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
  query: "11 Collyer Quay" is not "10 Collyer Quay";
* the listed address's words must be in the query, by rarity (a word found in many listed
  addresses, "beijing", "road", weighs little): the score is the weighted share of the listed
  address held by the query, a word one typo away counting 0.9;
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
MAX_DF = 2000  # words in more listed addresses than this are not looked up
MAX_CANDIDATES = 200
_TYPO_SIMILARITY = 0.9
_WORD = re.compile(r"[a-z0-9]+")
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
    folded = anyascii(text).lower()
    words: list[str] = []
    for raw in _WORD.findall(folded):
        for part in re.findall(r"[0-9]+|[a-z]+", raw):
            part = _ABBREVIATIONS.get(part, part)
            if part and part not in _FILLER:
                words.append(part)
    return tuple(words)


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
    numbers: frozenset[str]


class AddressIndex:
    """Every address the lists give, indexed by word (built once per set of list versions)."""

    def __init__(self, entries: Sequence[tuple[str, ListEntry]]) -> None:
        self.items: list[_Listed] = []
        postings: dict[str, list[int]] = defaultdict(list)
        seen: set[tuple[int, str]] = set()
        for pos, (_, entry) in enumerate(entries):
            for address in entry.addresses:
                words = address_words(address.text)
                key = (pos, " ".join(words))
                if not words or key in seen:
                    continue
                seen.add(key)
                at = len(self.items)
                self.items.append(
                    _Listed(pos, address, words, frozenset(w for w in words if w.isdigit()))
                )
                for word in set(words):
                    postings[word].append(at)
        self.postings: dict[str, list[int]] = dict(postings)
        n = max(len(self.items), 1)
        self.weight: dict[str, float] = {
            w: math.log((n + 1) / len(p)) + 1.0 for w, p in self.postings.items()
        }

    def _df(self, word: str) -> int:
        return len(self.postings.get(word, ()))

    def _specific(self, item: _Listed) -> bool:
        """Whether a listed address names one place (see the module notes)."""
        letters = [w for w in set(item.words) if not w.isdigit() and len(w) >= 2]
        rare = sum(1 for w in letters if self._df(w) <= RARE_DF)
        if item.numbers:
            return rare >= 1 and len(letters) >= 2
        return rare >= 3 and len(letters) >= 5

    def match(self, text: str | None, country: str | None = None) -> list[AddressHit]:
        """The listed addresses ``text`` holds, best first (one per entry)."""
        if not text:
            return []
        query = address_words(text)
        if not query:
            return []
        qset = set(query)
        counts: dict[int, int] = defaultdict(int)
        for word in qset:
            found = self.postings.get(word)
            if found is not None and len(found) <= MAX_DF:
                for at in found:
                    counts[at] += 1
        ranked = sorted((at for at, c in counts.items() if c >= 2), key=lambda a: -counts[a])
        best: dict[int, AddressHit] = {}
        long_query = [w for w in qset if len(w) >= 5 and not w.isdigit()]
        for at in ranked[:MAX_CANDIDATES]:
            item = self.items[at]
            listed_country = item.address.country
            if country and listed_country and country != listed_country:
                continue
            if not item.numbers <= qset or not self._specific(item):
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
