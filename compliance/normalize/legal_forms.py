"""Legal forms and organisation types: made comparable, not blindly deleted.

rigour's org-type table rewrites legal forms to a *generic* comparison form ("Co., Ltd.",
"Limited", "GmbH", "OOO" -> ``llc``; "JSC", "AG", "PJSC", "S.A." -> ``jsc``). Tokens in
:data:`LEGAL_TOKENS` are then kept in the normalized name but weigh little in scoring, and a
name made only of them matches nothing.
"""

from __future__ import annotations

import re
from functools import lru_cache

from rapidfuzz import process
from rapidfuzz.distance import OSA
from rigour.names import extract_org_types

# Generic forms rigour produces, plus org-class words it leaves alone.
LEGAL_TOKENS: frozenset[str] = frozenset(
    {
        "llc", "jsc", "llp", "lp", "kk", "yk", "corp", "corporation", "company", "co",
        "inc", "incorporated", "ltd", "limited", "private", "pte", "plc", "gmbh", "ag", "sa",
        "ooo", "oao", "zao", "ao", "pao", "pjsc", "ojsc", "cjsc", "coltd", "kg", "bv", "nv",
        "srl", "sarl", "spa", "sas", "ab", "as", "oy", "sdn", "bhd", "fze", "fzco", "fzc",
        "fzllc", "est", "establishment", "pvt", "tov", "too", "ip", "fgup", "gup", "mup",
        "ue", "uab", "sp", "zoo", "doo", "dd", "ad", "eood", "ood", "kft", "zrt", "nyrt",
        "sro", "aps", "hf", "ehf", "oyj", "asa", "se", "cv", "sab", "de", "rl",
    }
)  # fmt: skip

# Legal forms written together with the name: "JSCARGUMENT", "OOOROMASHKA", "ACMEGMBH".
_PREFIX_FORMS = ("pjsc", "ojsc", "cjsc", "jsc", "ooo", "oao", "zao", "llc", "pao", "tov")
_SUFFIX_FORMS = ("gmbh", "llc", "ltd", "inc", "corp", "coltd", "jsc")
_MIN_REST = 4


# Short forms rigour knows that are also common name parts ("Fang Yu", "Li Ao", "Kim Song II",
# "Chan Sau Luen") are only taken as legal forms when they are on this list, and then only at
# the start or the end of the name.
SHORT_FORMS: frozenset[str] = frozenset(
    {
        "llc", "ltd", "inc", "co", "jsc", "ooo", "oao", "zao", "pao", "pjsc", "ojsc", "cjsc",
        "ag", "sa", "bv", "nv", "kk", "plc", "pte", "srl", "spa", "kg", "ab", "oy", "sas",
        "llp", "lp", "pvt", "fze", "fzc", "tov", "uab", "sro", "aps", "oyj", "asa", "doo",
        "ood", "kft", "zrt", "sdn", "bhd", "gk", "corp", "pty", "gmbh",
    }
)  # fmt: skip
_SHORT_MAX = 4


# Words of long legal forms ("Joint Stock Company", "Obshchestvo s Ogranichennoy
# Otvetstvennostyu"). A misspelt one ("JOIHT STOCK COMPANY") is corrected before the legal-form
# table runs, so the phrase is still recognised instead of becoming heavy name tokens.
LEGAL_WORDS: tuple[str, ...] = (
    "joint", "stock", "company", "limited", "liability", "corporation", "incorporated",
    "aktsionernoe", "aktsionernoye", "obshchestvo", "otvetstvennostyu", "ogranichennoy",
    "ogranichennoi", "publichnoe", "zakrytoe", "otkrytoe", "gesellschaft", "beschrankter",
    "haftung", "sociedad", "anonima", "limitada", "responsabilidad", "societe", "anonyme",
    "partnership", "private", "public",
)  # fmt: skip
_LEGAL_WORD_SET = frozenset(LEGAL_WORDS)


@lru_cache(maxsize=65536)
def _correct_word(word: str) -> str:
    if len(word) >= 5 and word not in _LEGAL_WORD_SET:
        found = process.extractOne(word, LEGAL_WORDS, scorer=OSA.distance, score_cutoff=1)
        if found is not None:
            return str(found[0])
    return word


def correct_legal_words(text: str) -> str:
    """Fix one-edit typos in legal-form words of 5+ letters ("liabilityd" -> "liability")."""
    return " ".join([_correct_word(word) for word in text.split()])


@lru_cache(maxsize=4096)
def _form_pattern(matched: str) -> re.Pattern[str]:
    return re.compile(rf"(?<![a-z0-9]){re.escape(matched)}(?![a-z0-9])")


# Russian organisation classes, written out (transliterated or translated) or as acronyms, to
# one token each, kept in the name at a legal form's weight: "JSC NPO POISK" is "Aktsionernoe
# Obshchestvo Nauchno-Proizvodstvennoe Obyedinenie Poisk" and "Joint-Stock Company Scientific
# and Production Association Poisk" (all ``jsc researchproduction poisk``). The
# research-and-production kinds (obyedinenie, predpriyatie, firma, kompleks...) are one class:
# lists translate them every way. The class tokens are words no name is written as, so an
# acronym that is a whole name ("SKB AO", a bank) keeps its own weight.
_NP = r"(?:nauchno\s*proizvodstvenn\w*|(?:scientific|research|science)(?:\s+and)?\s+production)"
_ORG_CLASSES: tuple[tuple[re.Pattern[str], str], ...] = tuple(
    (re.compile(rf"\b(?:{pattern})\b"), form)
    for pattern, form in (
        (
            rf"{_NP}\s+(?:ob\w*edinen\w*|ob\w*yedinen\w*|predpriyat\w*|firm\w*|kompleks\w*"
            r"|kontsern\w*|korporats\w*|kompani\w*|association|enterprise|firm|complex"
            r"|concern|corporation|company|center|centre)|npo|npp|npf|npk|nppf|spe|rpe|rpa|rpc|spc",
            "researchproduction",
        ),
        (
            r"tsentraln\w*\s+nauchno\s*issledovatel\w*\s+institut\w*"
            r"|central\s+(?:scientific\s+)?research\s+institute"
            r"|central\s+institute\s+(?:for|of)\s+scientific\s+research|tsnii",
            "centralresearchinstitute",
        ),
        (
            r"(?:nauchno\s*)?issledovatel\w*\s+institut\w*|nauchnoissledovatel\w*\s+institut\w*"
            r"|(?:scientific\s+)?research\s+institute|institute\s+(?:for|of)\s+scientific\s+research"
            r"|nii",
            "researchinstitute",
        ),
        (
            r"opytn\w*\s+konstruktorsk\w*\s+byuro|(?:experimental|eksperimental)\s+design"
            r"\s+(?:bureau|office)|okb",
            "experimentaldesignbureau",
        ),
        (
            r"spetsialn\w*\s+konstruktorsk\w*\s+byuro|special\s+design\s+(?:bureau|office)"
            r"|skb",
            "specialdesignbureau",
        ),
        (
            r"konstruktorsk\w*\s+byuro|(?:project\s+and\s+)?design(?:\s+and\s+construction)?"
            r"\s+(?:bureau|office)|kb",
            "designbureau",
        ),
        (r"gosnii", "state researchinstitute"),
        (r"torgov\w*\s+dom|trading\s+house|td", "tradinghouse"),
        (
            r"federaln\w*\s+gosudarstvenn\w*\s+byudzhetn\w*\s+uchrezhden\w*"
            r"|federal\s+state\s+budgetary\s+institution|fgbu",
            "federalbudgetinstitution",
        ),
        # rigour's own generic form of "federal state unitary enterprise"
        (r"federaln\w*\s+gosudarstvenn\w*\s+unitarn\w*\s+predpriyat\w*|fgup|fsue", "soe"),
        (r"named\s+after|imeni", " "),  # "NPO imeni Lavochkina", "... named after A.S. Yakovlev"
    )
)
_ANY_CLASS = re.compile("|".join(f"(?:{p.pattern})" for p, _ in _ORG_CLASSES))
ORG_CLASS_TOKENS = frozenset(
    {
        "researchproduction", "centralresearchinstitute", "researchinstitute",
        "experimentaldesignbureau", "specialdesignbureau", "designbureau", "tradinghouse",
        "federalbudgetinstitution",
    }
)  # fmt: skip
# ...and they weigh what legal forms weigh.
LEGAL_TOKENS = LEGAL_TOKENS | ORG_CLASS_TOKENS


def rewrite_org_classes(text: str) -> str:
    """Russian organisation classes to one token each (lower-case ASCII in and out). A name
    that would be left with nothing but such classes and legal forms is kept as written: "SKB
    AO" is a bank's name, not a design bureau."""
    if _ANY_CLASS.search(text) is None:  # most names: one scan instead of ten
        return text
    found = text
    for pattern, form in _ORG_CLASSES:
        found = pattern.sub(form, found)
    if found == text:
        return text
    words = found.split()
    if not words or all(w in LEGAL_TOKENS or w == "soe" for w in words):
        return text
    return found


def rewrite(text: str) -> str:
    """Replace legal forms in lower-case ASCII text with their generic comparison form
    (rigour's org-type table; Russian organisation classes first, :func:`rewrite_org_classes`),
    guarding short forms that double as name parts."""
    text = rewrite_org_classes(correct_legal_words(text))
    found = extract_org_types(text, generic=True)
    if not found:
        return text
    words = text.split()
    for matched, form in found:
        short = " " not in matched and len(matched) <= _SHORT_MAX
        if short and (matched not in SHORT_FORMS or matched not in (words[0], words[-1])):
            continue
        text = _form_pattern(matched).sub(f" {form} ", text)
    return " ".join(text.split())


@lru_cache(maxsize=131072)
def split_run_together(token: str) -> tuple[str, ...]:
    """Split a legal form glued to a name: ``jscargument`` -> (``jsc``, ``argument``)."""
    for form in _PREFIX_FORMS:
        if token.startswith(form) and len(token) - len(form) >= _MIN_REST:
            return (form, token[len(form) :])
    for form in _SUFFIX_FORMS:
        if token.endswith(form) and len(token) - len(form) >= _MIN_REST:
            return (token[: -len(form)], form)
    return (token,)


_GENERIC_RE = re.compile(r"\b(?:" + "|".join(sorted(LEGAL_TOKENS, key=len, reverse=True)) + r")\b")


def is_legal(token: str) -> bool:
    return token in LEGAL_TOKENS
