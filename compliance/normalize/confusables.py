"""Look-alike letters from other scripts: the Latin skeleton of a spoofed name.

"ᎻUᎪWEI" (Cherokee Ꮋ, Ꭺ among Latin letters), "ꓧꓴꓮꓪꓰꓲ TECHNOLOGIES" (a word wholly in
Lisu letters that look like Latin ones, in an otherwise Latin name) and "ⲎUⲀWⲈI" (Coptic)
display as "HUAWEI" but transliterate to something else. The letters they imitate come from
the Unicode TR39 confusables data (``confusables.txt``, as shipped by the
``confusable-homoglyphs`` package, with its Scripts.txt ranges); a letter of a spoofed word
that TR39 gives no Latin look-alike for (Coptic Ⲁ, Ⲉ) takes its transliteration
(``anyascii``).

:func:`latin_skeleton` gives the name with such words folded, as an *extra* form to screen:
the name as written is screened too, so a genuine Cherokee or Coptic name still matches
itself. :func:`spoofed_words` lists the words, for the record's ``data_quality``.

A word is folded when it

- mixes Latin letters with letters of another script, one of which at least has a Latin
  look-alike ("ᎻUᎪWEI", "ᏃTᎬ"); or
- is wholly in one other script whose letters *all* have Latin look-alikes, inside a name
  with a word in Latin letters ("ꓧꓴꓮꓪꓰꓲ TECHNOLOGIES", "САТ Holdings").

Mathematical, fullwidth and other compatibility letters are not this module's concern: NFKC
(in :func:`compliance.normalize.normalize_name`) already makes them Latin.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache

from anyascii import anyascii
from confusable_homoglyphs import categories, confusables

from compliance.normalize.invisible import strip_invisible

_WORD = re.compile(r"\w+")
_ASCII_LETTER = re.compile(r"[A-Za-z]")
# Scripts that mix with any other: punctuation, digits, combining marks.
_NEUTRAL = frozenset({"COMMON", "INHERITED", "UNKNOWN"})


@lru_cache(maxsize=8192)
def script(char: str) -> str:
    """The Unicode script of ``char`` (Scripts.txt), upper case: "LATIN", "CHEROKEE"..."""
    return str(categories.alias(char)).upper()


@lru_cache(maxsize=8192)
def latin_lookalike(char: str) -> str | None:
    """The ASCII letter ``char`` is confusable with under TR39 (Cherokee Ꮋ -> "H", Lisu ꓮ ->
    "A", Cyrillic а -> "a"), or None. Only single letters count: a look-alike of a digit,
    a symbol or a letter pair is no spoof of a name's letter."""
    if char.isascii() or script(char) == "LATIN":
        return None
    for found in confusables.confusables_data.get(char, ()):
        glyph = found["c"]
        if len(glyph) == 1 and _ASCII_LETTER.fullmatch(glyph):
            return str(glyph)
    return None


@dataclass(frozen=True, slots=True)
class SpoofedWord:
    word: str
    scripts: tuple[str, ...]  # the scripts its letters come from, sorted
    folded: str  # the Latin letters it imitates


def _fold(word: str, strict: bool) -> str:
    """``word`` with each non-Latin letter replaced by the Latin one it imitates."""
    out: list[str] = []
    for char in word:
        latin = latin_lookalike(char)
        if latin is None and not strict and not char.isascii() and script(char) != "LATIN":
            guess = anyascii(char)
            latin = guess if guess.isalpha() else None
        out.append(char if latin is None else latin)
    folded = "".join(out)
    # TR39 maps capital I to the "l" it shares a glyph with; in a word of capitals it is an I.
    letters = [c for c in folded if c.isalpha() and c != "l"]
    if "l" in folded and letters and all(c.isupper() for c in letters):
        folded = folded.replace("l", "I")
    return folded


def _scripts(word: str) -> set[str]:
    return {script(c) for c in word if c.isalpha()} - _NEUTRAL


@lru_cache(maxsize=65536)
def spoofed_words(name: str) -> tuple[SpoofedWord, ...]:
    """The words of ``name`` that imitate Latin ones with other scripts' letters (see the
    module's notes for when a word counts), each with the Latin it imitates."""
    if name.isascii():
        return ()
    text = unicodedata.normalize("NFKC", strip_invisible(name))
    words = _WORD.findall(text)
    scripts = [_scripts(w) for w in words]
    latin_word = any(s == {"LATIN"} for s in scripts)
    found: list[SpoofedWord] = []
    for word, used in zip(words, scripts, strict=True):
        letters = [c for c in word if c.isalpha()]
        if "LATIN" in used and len(used) > 1:
            if any(latin_lookalike(c) for c in letters):
                found.append(SpoofedWord(word, tuple(sorted(used)), _fold(word, strict=False)))
        elif len(used) == 1 and latin_word and all(latin_lookalike(c) for c in letters):
            found.append(SpoofedWord(word, tuple(sorted(used)), _fold(word, strict=True)))
    return tuple(found)


def latin_skeleton(name: str) -> str | None:
    """``name`` with its spoofed words folded to the Latin they imitate ("ᎻUᎪWEI
    TECHNOLOGIES" -> "HUAWEI TECHNOLOGIES"), or None when it has none."""
    spoofed = spoofed_words(name)
    if not spoofed:
        return None
    folded = {s.word: s.folded for s in spoofed}
    text = unicodedata.normalize("NFKC", strip_invisible(name))
    return _WORD.sub(lambda m: folded.get(m.group(0), m.group(0)), text)
