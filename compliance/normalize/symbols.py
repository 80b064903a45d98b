"""Name symbols and phonetic keys: what ties two spellings of one name together when their
letters do not (rigour, OpenSanctions' name engine).

* :func:`word_symbols`: the symbols rigour ties to one word, in any script:
  ``[NAME:Q1164078]`` for "Hussein", "Husayn" and "حسين"; ``[NAME:Q2474491]`` for "Vladimir" and
  "Владимир"; a nickname to its full form (``[NICK:...]``: "Bill"/"William"); generic
  organisation words across languages (``[DOMAIN:BANK]`` for "Bank", "Банк", "Bankası";
  ``[SYMBOL:TRADE]`` for "Trading"/"Ticaret"); places (``[LOCATION:ru-mow]`` for
  "Moscow"/"Москва"). Legal forms (handled by :mod:`compliance.normalize.legal_forms`),
  initials and numbers are left out.
* :func:`phonetic_key`: the token's Metaphone code ("nikolay" and "nykolai" -> ``NKL``);
  :func:`vowel_key`: the key of its spellings with another first vowel ("iyad"/"eyad").

Both work on single words: a normalized name's token gets the symbols of its ASCII form and of
the word it was transliterated from (``NormName.symbols``).

Where the person-name symbols come from
---------------------------------------
rigour's person tagger is an Aho-Corasick automaton over its whole person-name corpus
(Wikidata given and family names in every script, ~170,000 groups) plus a few hand tables
(nicknames, name particles, overrides). Building it takes 10-12 s per process, which is longer
than screening 40,000 records. This module only ever asks about one word at a time, so it
reads the same data as a dictionary instead (:class:`PersonLexicon`): the corpus and tables
rigour ships inside its compiled core, decompressed (~0.1 s) and keyed the way this project's
tokens are written (~2.5 s, once per process, before the batch workers fork; the index cache
carries the result, ~0.6 s to read). When that data cannot be found or read (a rigour build
that packs it differently), the tagger itself is used: slower to start, same symbols.
``tests/matching/test_symbols.py`` holds the two to agreement on a word list in five scripts.
"""

from __future__ import annotations

import contextlib
import json
import logging
import re
import unicodedata
from collections.abc import Iterator
from functools import lru_cache
from pathlib import Path

from anyascii import anyascii
from rigour import _core
from rigour._core import metaphone
from rigour.names import NameTypeTag, SymbolCategory, analyze_names

log = logging.getLogger(__name__)

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
_EMPTY: frozenset[str] = frozenset()

# One line of rigour's person-name corpus: "form, form, form => Q12345" (or an X-prefixed id).
_CORPUS_LINE = re.compile(r"^[^\n]+ => [QX]\d+$")
_ZSTD_MAGIC = b"\x28\xb5\x2f\xfd"


def _tagged(tag: NameTypeTag, word: str) -> Iterator[str]:
    """The one-word symbols rigour's ``tag`` tagger finds in ``word``."""
    for name in analyze_names(
        tag, [word], consolidate=False, phonetics=False, numerics=False, rewrite=False
    ):
        for span in name.spans:
            if len(span.parts) == 1 and span.symbol.category in _KEPT:
                yield str(span.symbol)


def _frames(blob: bytes) -> Iterator[bytes]:
    """Every zstd frame in ``blob`` that decompresses (rigour embeds its data files so)."""
    import zstandard

    view = memoryview(blob)  # no copy of the rest of the file per try
    at = blob.find(_ZSTD_MAGIC)
    while at != -1:
        with contextlib.suppress(zstandard.ZstdError):
            yield zstandard.ZstdDecompressor().decompressobj().decompress(view[at:])
        at = blob.find(_ZSTD_MAGIC, at + 1)


_MARKS = re.compile(r"[\u0300-\u036f]")
_NOT_LATIN = re.compile(r"[^\x00-\u024f\u0300-\u036f\u1e00-\u1eff]")


def _key(form: str) -> str:
    """A corpus form written as this project writes a word before looking up its symbols:
    NFKC, case-folded; a Latin-script form folded to ASCII without apostrophes ("Hüseyin" ->
    "huseyin", "Mu'ammar" -> "muammar"); other scripts kept as they are."""
    if form.isascii():
        return form.lower().replace("'", "")
    if not unicodedata.is_normalized("NFKC", form) or not form.islower():
        form = unicodedata.normalize("NFKC", form).casefold()
    if _NOT_LATIN.search(form) is None:  # Latin letters with marks
        bare = _MARKS.sub("", unicodedata.normalize("NFD", form))
        if not bare.isascii():
            bare = anyascii(bare).lower()
        return bare.replace("'", "")
    return _native_key(form)


# Arabic and Hebrew vowel marks (harakat, niqqud), written now and then ("مُحمد"), and the
# Persian letters that stand for Arabic ones ("حسین" / "حسين").
_ABJAD_MARKS = re.compile(r"[\u0591-\u05c7\u0610-\u061a\u064b-\u065f\u0670\u06d6-\u06ed]")
_PERSIAN = str.maketrans({"\u06cc": "\u064a", "\u06a9": "\u0643", "\u0649": "\u064a"})


def _native_key(word: str) -> str:
    """A word in a script other than Latin, as the lexicon files it."""
    return _ABJAD_MARKS.sub("", word).translate(_PERSIAN)


class PersonLexicon:
    """Word -> person-name symbols, read from the data rigour's person tagger is built from.

    Held compactly (a word's symbols as one string: ``"Q1164078 NICK:BILL"``, a bare id
    meaning ``NAME``) and written out as zstd-compressed ``word<TAB>symbols`` lines
    (:meth:`to_bytes`), which the index cache carries so that a process with a cached index
    does not rebuild it (~0.6 s instead of ~2.5 s)."""

    def __init__(self, entries: dict[str, str]) -> None:
        self._entries = entries

    def __len__(self) -> int:
        return len(self._entries)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, PersonLexicon) and self._entries == other._entries

    def get(self, word: str) -> tuple[str, ...]:
        found = self._entries.get(word)
        if not found:
            return ()
        return tuple([f"[{s}]" if ":" in s else f"[NAME:{s}]" for s in found.split(" ")])

    def to_bytes(self) -> bytes:
        import zstandard

        text = "\n".join([f"{k}\t{v}" for k, v in self._entries.items()])
        return zstandard.ZstdCompressor(level=3).compress(text.encode("utf-8"))

    @classmethod
    def from_bytes(cls, blob: bytes) -> PersonLexicon:
        """The lexicon :meth:`to_bytes` wrote. ValueError when ``blob`` is not one."""
        import zstandard

        try:
            text = zstandard.ZstdDecompressor().decompress(blob).decode("utf-8")
        except (zstandard.ZstdError, UnicodeDecodeError) as exc:
            raise ValueError(f"not a person-name lexicon: {exc}") from exc
        cells = text.replace("\t", "\n").split("\n")
        if len(cells) % 2:
            raise ValueError("not a person-name lexicon: a line without its symbols")
        it = iter(cells)
        return cls(dict(zip(it, it, strict=True)))

    @classmethod
    def from_data(cls, corpus: str, tables: dict[str, dict[str, list[str]]]) -> PersonLexicon:
        """From the corpus text and rigour's symbol tables (``person_nick``,
        ``person_symbols``, ``person_name_parts``)."""
        found: dict[str, str] = {}
        groups: list[tuple[list[str], str]] = []
        for line in corpus.splitlines():
            written, _, group = line.rpartition(" => ")
            groups.append((written.split(", "), group))
        for table, category in (
            ("person_nick", "NICK:"),
            ("person_symbols", "SYMBOL:"),
            ("person_name_parts", ""),
        ):
            groups.extend((forms, category + g) for g, forms in tables.get(table, {}).items())
        # Organisation words written with diacritics, under their ASCII spelling ("Bankası"
        # -> "bankasi": DOMAIN:BANK); the organisation tagger finds the forms as written.
        for table, category in (("org_domains", "DOMAIN:"), ("org_symbols", "SYMBOL:")):
            groups.extend(
                ([f for f in forms if not f.isascii()], category + g)
                for g, forms in tables.get(table, {}).items()
            )
        get = found.get
        for forms, symbol in groups:
            if " " in symbol or "\t" in symbol or "\n" in symbol:
                continue  # not an id the compact form can hold
            for form in forms:
                if " " in form or "-" in form or len(form) < 2:
                    continue  # phrases and hyphenated forms never meet one token
                # (the ASCII case of _key inline: most forms, and this loop is the cost)
                key = form if form.isascii() and form.islower() and "'" not in form else _key(form)
                if "\t" in key or "\n" in key:
                    continue
                have = get(key)
                if have is None:
                    found[key] = symbol
                elif symbol not in have.split(" "):
                    found[key] = f"{have} {symbol}"
        return cls(found)

    @classmethod
    def from_rigour(cls, core_path: Path | None = None) -> PersonLexicon | None:
        """Read rigour's embedded person-name data; None when it is not where expected."""
        path = Path(core_path or _core.__file__)
        try:
            corpus: str | None = None
            tables: dict[str, dict[str, list[str]]] | None = None
            for data in _frames(path.read_bytes()):
                if corpus is None and _CORPUS_LINE.match(data[:4096].split(b"\n", 1)[0].decode()):
                    corpus = data.decode("utf-8")
                elif tables is None and data[:1] == b"{" and b'"person_nick"' in data:
                    tables = json.loads(data)
        except (OSError, UnicodeDecodeError, ValueError, ImportError) as exc:
            log.warning("rigour's person-name data unreadable (%s): using its tagger", exc)
            return None
        if corpus is None or tables is None:
            log.warning("rigour's person-name data not found in %s: using its tagger", path)
            return None
        return cls.from_data(corpus, tables)


# Bump when the lexicon's keys or contents change for the same rigour release (the index cache
# carries a lexicon and is keyed by this and rigour's version).
LEXICON_FORMAT = 4
_UNSET = object()
_lexicon: object = _UNSET


def person_lexicon() -> PersonLexicon | None:
    """This process's lexicon (built on first use; None means the tagger is used)."""
    global _lexicon
    if _lexicon is _UNSET:
        _lexicon = PersonLexicon.from_rigour()
    return _lexicon  # type: ignore[return-value]


def lexicon_loaded() -> bool:
    return _lexicon is not _UNSET


def install_lexicon(lexicon: PersonLexicon) -> None:
    """Use ``lexicon`` (one read back from the index cache, built from this same rigour
    release) instead of building it; no effect once a lexicon is in use."""
    global _lexicon
    if _lexicon is _UNSET:
        _lexicon = lexicon


def rigour_release() -> str:
    """The installed rigour release and this module's lexicon format (for cache keys)."""
    from importlib.metadata import version

    return f"{version('rigour')}/lexicon-{LEXICON_FORMAT}"


# East Slavic given names that rigour's data does not tie together: Russian short forms
# (Misha/Mikhail), and the Ukrainian and Belarusian forms of a name (Oleksandr/Aleksandr,
# Volodymyr/Vladimir, Mykola/Nikolay). Each row is one name: its usual romanizations share a
# ``[NAME:SLAVIC-...]`` symbol, so "Misha Kovalchuk" meets "KOVALCHUK, Mikhail" and
# "Aleksandr Yanukovich" meets "YANUKOVYCH, Oleksandr". Short forms of several names (Slava;
# Sasha, also Aleksandra) are left out.
EAST_SLAVIC_FORMS: dict[str, tuple[str, ...]] = {
    "ALEKSANDR": ("aleksandr", "alexandr", "oleksandr", "olexandr", "aliaksandr"),
    "MIKHAIL": ("misha", "mikhail", "michail", "mikhael", "mykhailo", "mykhaylo", "mikhas"),
    "DMITRY": ("dima", "dmitry", "dmitriy", "dmitri", "dmitrii", "dmitrij", "dmytro"),
    "SERGEY": (
        "seryozha", "seriozha", "serezha", "sergey", "sergei", "sergej", "sergii", "serhiy",
        "serhii", "serhij", "siarhei",
    ),
    "YEVGENY": (
        "zhenya", "zhenia", "yevgeny", "yevgeniy", "evgeny", "evgeniy", "evgenii", "yevhen",
        "yevhenii", "ievgen", "yauhen",
    ),
    "ALEKSEY": (
        "lyosha", "alyosha", "lesha", "aleksey", "alexey", "aleksei", "alexei", "oleksiy",
        "oleksii", "oleksij", "aliaksei",
    ),
    "NIKOLAY": ("nikolay", "nikolai", "mykola", "mikalai"),
    "VLADIMIR": ("vova", "vladimir", "volodymyr", "uladzimir"),
    "IVAN": ("vanya", "vania", "ivan"),
    "PYOTR": ("petya", "petia", "pyotr", "petr", "petro", "piotr"),
    "PAVEL": ("pasha", "pavel", "pavlo", "paval"),
    "KONSTANTIN": ("kostya", "kostia", "konstantin", "kostiantyn", "kostyantyn", "kanstantsin"),
    "ANATOLY": ("tolya", "tolia", "anatoly", "anatoliy", "anatolii", "anatolij"),
    "GRIGORY": ("grisha", "grigory", "grigoriy", "grigorii", "grigorij", "hryhoriy", "hryhorii"),
    "YURY": ("yura", "iura", "yury", "yuri", "yuriy", "yurii", "iurii", "jurij", "yuryi"),
    "VASILY": ("vasily", "vasiliy", "vasili", "vasilii", "vasyl", "vasil"),
    "VITALY": ("vitaly", "vitaliy", "vitalii", "vitali"),
    "ANDREY": ("andryusha", "andrey", "andrei", "andrej", "andrii", "andriy"),
    "GENNADY": ("gena", "gennady", "gennadiy", "gennadii", "hennadiy", "hennadii"),
    "YELENA": ("lena", "yelena", "elena", "jelena", "olena", "alena"),
    "NATALYA": ("natasha", "natalya", "natalia", "nataliya", "natalja", "nataliia"),
    "YEKATERINA": ("katya", "katia", "yekaterina", "ekaterina", "kateryna"),
    "TATYANA": ("tanya", "tania", "tatyana", "tatiana", "tatjana", "tetiana", "tetyana"),
    "LYUDMILA": ("lyudmila", "ludmila", "liudmila", "liudmyla", "lyudmyla"),
    "SVETLANA": ("sveta", "svetlana"),
    "BORIS": ("borya", "boria", "boris", "borys"),
    "LEONID": ("lyonya", "lenya", "leonid"),
    "VIKTOR": ("vitya", "vitia", "viktor"),
    "VALERY": ("valera", "valery", "valeriy", "valerii"),
    "STEPAN": ("styopa", "stepa", "stepan"),
}  # fmt: skip
_SLAVIC_SYMBOLS: dict[str, frozenset[str]] = {}
for _name, _forms in EAST_SLAVIC_FORMS.items():
    for _form in _forms:
        _SLAVIC_SYMBOLS[_form] = _SLAVIC_SYMBOLS.get(_form, frozenset()) | {
            f"[NAME:SLAVIC-{_name}]"
        }


@lru_cache(maxsize=262144)
def word_symbols(word: str) -> frozenset[str]:
    """The symbols rigour ties to ``word`` on its own (as a person's or an organisation's name
    part), as strings like ``"[NAME:Q1164078]"``. Empty for a word it does not know."""
    if len(word) < 2 or word.isdigit():
        return _EMPTY
    found = set(_tagged(NameTypeTag.ORG, word))
    lexicon = person_lexicon()
    if lexicon is None:
        found.update(_tagged(NameTypeTag.PER, word))
    else:
        found.update(lexicon.get(word if word.isascii() else _native_key(word)))
    found.update(_SLAVIC_SYMBOLS.get(word, ()))
    return frozenset(found) if found else _EMPTY


def warm() -> None:
    """Load the name data now: before worker processes fork, so they share it."""
    person_lexicon()
    word_symbols("warm")  # and rigour's organisation tagger


@lru_cache(maxsize=262144)
def phonetic_key(token: str) -> str:
    """The Metaphone code of an ASCII token ("" for one with digits or under 4 letters)."""
    if len(token) < 4 or not token.isalpha():
        return ""
    return str(metaphone(token))


# A first vowel that romanizations of one name write either way: i/e (Iyad/Eyad,
# Ibrahim/Ebrahim, Ismail/Esmail) and o/u (Omar/Umar, Osama/Usama, Othman/Uthman). Not a/e or
# a/o: Amar and Omar, Ahmad and Ehmad are other names or rare spellings.
_FIRST_VOWEL = {"i": "i", "e": "i", "o": "u", "u": "u"}
_REPEATS = re.compile(r"(.)\1+")


@lru_cache(maxsize=65536)
def vowel_key(token: str) -> str:
    """The key a token shares with its spellings that differ only in the first vowel's
    letter and in doubled letters ("iyad", "eyad" -> ``v:iyad``; "usama", "osama", "ussama"
    -> ``v:usama``); "" for a token of under 4 letters or not starting with i, e, o or u."""
    first = _FIRST_VOWEL.get(token[:1])
    if first is None or len(token) < 4 or not token.isalpha():
        return ""
    return "v:" + first + _REPEATS.sub(r"\1", token[1:])


# Vowels romanizations of one name write differently: Arabic's short vowels as a or e (Umar/
# Umer, Adan/Aden, Ahmad/Ahmed), i or e (Karim/Karem, Raif/Raeef); o or u (Yusuf/Yosuf).
# Not a/i, a/o or i/o: Dina/Dana, Mina/Mona, Maria/Mario are other names.
_VOWEL_RUNS = re.compile(r"[aeiouy]+")
_LIKE_VOWELS = frozenset({("a", "e"), ("e", "a"), ("e", "i"), ("i", "e"), ("o", "u"), ("u", "o")})
# A single syllable a Chinese or Korean name is written in (one vowel run and a coda from
# these): one vowel there makes another name ("fang"/"feng", "chen"/"chan").
_SYLLABLE = re.compile(r"[^aeiouy]{0,3}[aeiouy]+(?:ng|[nmrlkpth])?")


@lru_cache(maxsize=65536)
def inner_vowel_key(token: str) -> str:
    """The key a person's name part shares with its spellings that differ only in their
    vowels' letters and in doubled letters: consonants kept, each vowel run an asterisk
    (``c:`` + "um*r" for "umer" and "umar"; "r*f" for "raif" and "raeef"). "" for a token of
    under 4 letters, not all letters, or one Chinese or Korean syllable long. Two tokens with
    one key are the same name only when :func:`vowels_alike` says so."""
    if len(token) < 4 or not token.isalpha() or not token.isascii() or _SYLLABLE.fullmatch(token):
        return ""
    return "c:" + _VOWEL_RUNS.sub("*", _REPEATS.sub(r"\1", token))


def vowels_alike(a: str, b: str) -> bool:
    """Whether ``a`` and ``b`` (one :func:`inner_vowel_key`) write each vowel run alike: the
    same length once doubled letters are one, letter by letter the same or a pair romanizations
    confuse (a/e, e/i, o/u). "umer"/"umar", "raeef"/"raif" yes; "mina"/"mona", "dina"/"dana",
    "maria"/"mario" no."""
    runs_a = _VOWEL_RUNS.findall(_REPEATS.sub(r"\1", a))
    runs_b = _VOWEL_RUNS.findall(_REPEATS.sub(r"\1", b))
    if len(runs_a) != len(runs_b):
        return False
    for x, y in zip(runs_a, runs_b, strict=True):
        if len(x) != len(y):
            return False
        if any(p != q and (p, q) not in _LIKE_VOWELS for p, q in zip(x, y, strict=True)):
            return False
    return True
