"""Name normalization: one function, used the same way for list names and for queries.

Steps, in order (each is a pure string transformation):

1. Invisible format and bidi-control characters removed ("Hua\\u200bwei" -> "Huawei";
   :mod:`compliance.normalize.invisible`), then Unicode NFKC and case folding; in a word
   mixing Latin with Cyrillic/Greek look-alikes ("ZТЕ"), those become the Latin letters.
2. Person titles dropped ("Mr.", "Dr.", "President", "General"...) by rigour, and the
   religious and lineage honorifics that open many listed names and that rigour keeps
   ("Sheikh", "Sayyid"/"Seyed", "Maulvi", "Mullah", "Haji", "Qari": :data:`HONORIFICS`), as
   long as two words are left ("Qari Sahab" and "Shaykh Ameen" stay whole: one word alone
   would be a weak name, meeting every other "Ameen").
3. "SURNAME, Given" reordered to "Given SURNAME" for persons.
4. Transliteration to ASCII (:mod:`compliance.normalize.scripts`): Chinese to pinyin words,
   Cyrillic/Arabic/Korean/kana/Greek through rigour, Latin diacritics stripped; generic words
   written in pinyin ("keji", "youxian gongsi") rewritten to the English other renderings use.
5. Abbreviation dots closed up ("S.A." -> "sa"), other punctuation to spaces.
6. Legal forms rewritten to a generic comparison form ("Co., Ltd." -> ``llc``) and legal forms
   glued to a name split off ("JSCARGUMENT" -> ``jsc argument``).
7. Romanization variants folded to one spelling ("Dmitrii"/"Dmitriy" -> ``dmitry``,
   "Alexey" -> ``aleksey``, "Khor" -> ``hor``).
8. Each token's name symbols (:mod:`compliance.normalize.symbols`): those of the token, of
   the word before folding, and of the word in its own script it was transliterated from
   ("حسين" -> ``hsyn`` keeps Hussein's ``[NAME:Q1164078]``).

The result keeps every token; :attr:`NormName.core` holds those that identify the party.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from functools import lru_cache

from rigour.names import remove_person_prefixes

from compliance.normalize.invisible import strip_invisible
from compliance.normalize.legal_forms import (
    LEGAL_TOKENS,
    is_legal,
    rewrite,
    split_run_together,
)
from compliance.normalize.scripts import (
    fold_lookalikes,
    fold_romanization,
    is_abjad,
    rewrite_pinyin,
    to_ascii,
)
from compliance.normalize.symbols import word_symbols

# Religious and lineage honorifics written before a person's name, in their common
# romanizations. Not words that are also given names ("Said", "Amir", "Hafiz", "Sharif").
HONORIFICS = frozenset(
    {
        *("sheikh", "sheik", "shaikh", "shaykh", "cheikh", "sheykh", "shiekh"),
        *("sayyid", "sayyed", "seyed", "seyyed", "seyyid", "sayed", "syed", "sayid"),
        *("maulvi", "moulvi", "molvi", "mawlawi", "maulawi", "mawlavi", "moulavi", "molavi"),
        *("molawi", "mowlawi", "mowlavi", "maulavi", "moulawi"),
        *("maulana", "mawlana", "moulana", "mowlana"),
        *("mullah", "mulla", "mollah", "molla", "moulla"),
        *("haji", "hajji", "hadji", "hajj", "alhaji", "alhaj", "alhajji", "elhadj", "elhaj"),
        *("qari", "mufti", "ustad", "ustadh", "ustaz"),
    }
)


def strip_honorifics(text: str) -> str:
    """``text`` (lower case, words separated by spaces) without the honorifics that open
    it, as long as two words are left: "haji mullah abdul bari" -> "abdul bari"; "qari sahab"
    stays as it is (one word left would be a weak name)."""
    words = text.split(" ")
    start = 0
    while len(words) - start > 2 and words[start] in HONORIFICS:
        start += 1
    return " ".join(words[start:]) if start else text


_ABBREV_DOTS = re.compile(r"\b(?:[a-z]\.){2,}")  # s.a. / k.k. / u.s.a.
_NON_ALNUM = re.compile(r"[^a-z0-9]+")
_APOSTROPHES = re.compile(r"['\u2019\u02bc`]")


@dataclass(frozen=True, slots=True)
class NormName:
    """A normalized name. ``tokens`` is everything; ``core`` drops legal-form tokens."""

    tokens: tuple[str, ...]
    core: tuple[str, ...]
    legal: tuple[str, ...]
    # Transliterated from Arabic or Hebrew script: vowels are unreliable, so tokens are also
    # compared by consonant skeleton.
    abjad: bool = False
    # Per token (same order as ``tokens``; empty when not computed, as for a cached index's
    # names): the name symbols that tie it to other spellings of the same name.
    symbols: tuple[frozenset[str], ...] = field(default=(), compare=False)
    # Normalized as a person's name (the reading asked for).
    person: bool = field(default=False, compare=False)

    @property
    def text(self) -> str:
        return " ".join(self.tokens)

    @property
    def core_text(self) -> str:
        return " ".join(self.core)

    @property
    def joined(self) -> str:
        """The core tokens written together: meets run-together and split renderings
        ("hua wei" / "huawei", "JSCARGUMENT" / "JSC ARGUMENT")."""
        return "".join(self.core)

    @property
    def is_empty(self) -> bool:
        """True when nothing but legal forms (or nothing at all) is left: matches nothing."""
        return not self.core


def _reorder_person(text: str) -> str:
    if text.count(",") == 1:
        surname, given = (p.strip() for p in text.split(","))
        if surname and given:
            return f"{given} {surname}"
    return text


@lru_cache(maxsize=262144)
def normalize_name(name: str, person: bool = False) -> NormName:
    """Normalize one name. ``person`` enables name-order and honorific handling."""
    native, abjad, pairs = _normalize(name, person)
    tokens = tuple([t for _, t in pairs])
    symbols = [
        word_symbols(t) | word_symbols(raw) if raw != t else word_symbols(t) for raw, t in pairs
    ]
    if not native.isascii():
        # A word in another script that becomes one token lends that token its symbols.
        at = {t: k for k, t in enumerate(tokens)}
        for word in _WORD.findall(native):
            if word.isascii():
                continue
            own = _word_tokens(word, person)
            if len(own) == 1 and len(own[0]) > 1 and (k := at.get(own[0])) is not None:
                symbols[k] = symbols[k] | word_symbols(word)
    core = tuple([t for t in tokens if t not in LEGAL_TOKENS])
    legal = tuple([t for t in tokens if t in LEGAL_TOKENS])
    return NormName(tokens, core, legal, abjad, tuple(symbols), person)


_WORD = re.compile(r"\w+")


@lru_cache(maxsize=131072)
def _word_tokens(word: str, person: bool) -> tuple[str, ...]:
    return tuple([t for _, t in _normalize(word, person)[2]])


def _normalize(name: str, person: bool) -> tuple[str, bool, list[tuple[str, str]]]:
    """(the case-folded text before transliteration, abjad?, [(word before folding, token)])."""
    native = fold_lookalikes(unicodedata.normalize("NFKC", strip_invisible(name)).casefold())
    if "\u30fb" in native:  # the katakana middle dot between the words of a foreign name
        native = native.replace("\u30fb", " ")
    abjad = is_abjad(native)
    text = _reorder_person(native) if person else native
    text = to_ascii(text)
    text = _APOSTROPHES.sub("", text)
    text = _ABBREV_DOTS.sub(lambda m: m.group(0).replace(".", "") + " ", text)
    if person:
        text = str(remove_person_prefixes(text))
    text = _NON_ALNUM.sub(" ", text).strip()
    text = strip_honorifics(text) if person else rewrite(rewrite_pinyin(text))
    pairs: list[tuple[str, str]] = []
    for raw in text.split():
        pairs.extend((raw, t) for t in (_person_token(raw) if person else _org_token(raw)))
    return native, abjad, pairs


# Per-word steps, cached: the words of customer and list names repeat a lot.
# An English ordinal written with digits: "140th" is the number 140 ("140TH REPAIR PLANT JSC"
# / "JOINT STOCK COMPANY 140 REPAIR PLANT"; "101st Light Infantry Division").
_ORDINAL = re.compile(r"([0-9]+)(?:st|nd|rd|th)")


@lru_cache(maxsize=131072)
def _org_token(raw: str) -> tuple[str, ...]:
    if (ordinal := _ORDINAL.fullmatch(raw)) is not None:
        return (ordinal.group(1),)
    return tuple([t if is_legal(t) else fold_romanization(t) for t in split_run_together(raw)])


@lru_cache(maxsize=131072)
def _person_token(raw: str) -> tuple[str, ...]:
    return (raw if is_legal(raw) else fold_romanization(raw),)
