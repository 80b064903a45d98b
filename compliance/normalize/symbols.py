"""Name symbols and phonetic keys: what ties two spellings of one name together when their
letters do not (rigour, OpenSanctions' name engine).

* :func:`word_symbols`: the symbols rigour's tagger attaches to one word, in any script:
  ``[NAME:Q1164078]`` for "Hussein", "Husayn" and "حسين"; ``[NAME:Q2474491]`` for "Vladimir" and
  "Владимир"; a nickname to its full form (``[NICK:...]``: "Bill"/"William",
  "Sasha"/"Aleksandr"); generic organisation words across languages (``[DOMAIN:BANK]`` for
  "Bank", "Банк", "Bankası"; ``[SYMBOL:TRADE]`` for "Trading"/"Ticaret"); places
  (``[LOCATION:ru-mow]`` for "Moscow"/"Москва"). Legal forms (handled by
  :mod:`compliance.normalize.legal_forms`), initials and numbers are left out.
* :func:`phonetic_key`: the token's Metaphone code ("nikolay" and "nykolai" -> ``NKL``).

Both work on single words: a normalized name's token gets the symbols of its ASCII form and of
the word it was transliterated from (``NormName.symbols``).
"""

from __future__ import annotations

from functools import lru_cache

from rigour._core import metaphone
from rigour.names import NameTypeTag, SymbolCategory, analyze_names

# Symbol kinds that say two words are the same name or the same generic word.
_KEPT = frozenset(
    {
        SymbolCategory.NAME,
        SymbolCategory.NICK,
        SymbolCategory.SYMBOL,
        SymbolCategory.DOMAIN,
        SymbolCategory.LOCATION,
    }
)
_TYPES = (NameTypeTag.PER, NameTypeTag.ORG)
_EMPTY: frozenset[str] = frozenset()


@lru_cache(maxsize=262144)
def word_symbols(word: str) -> frozenset[str]:
    """The symbols rigour ties to ``word`` on its own (as a person's or an organisation's name
    part), as strings like ``"[NAME:Q1164078]"``. Empty for a word it does not know."""
    if len(word) < 2 or word.isdigit():
        return _EMPTY
    found: set[str] = set()
    for tag in _TYPES:
        for name in analyze_names(
            tag, [word], consolidate=False, phonetics=False, numerics=False, rewrite=False
        ):
            for span in name.spans:
                if len(span.parts) == 1 and span.symbol.category in _KEPT:
                    found.add(str(span.symbol))
    return frozenset(found) if found else _EMPTY


@lru_cache(maxsize=262144)
def phonetic_key(token: str) -> str:
    """The Metaphone code of an ASCII token ("" for one with digits or under 4 letters)."""
    if len(token) < 4 or not token.isalpha():
        return ""
    return str(metaphone(token))
