"""Legal forms and organisation types: made comparable, not blindly deleted.

rigour's org-type table rewrites legal forms to a *generic* comparison form ("Co., Ltd.",
"Limited", "GmbH", "OOO" -> ``llc``; "JSC", "AG", "PJSC", "S.A." -> ``jsc``). Tokens in
:data:`LEGAL_TOKENS` are then kept in the normalized name but weigh little in scoring, and a
name made only of them matches nothing.
"""

from __future__ import annotations

import re

from rigour.names import replace_org_types_compare

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


def rewrite(text: str) -> str:
    """Replace legal forms in lower-case ASCII text with their generic comparison form."""
    return str(replace_org_types_compare(text, generic=True))


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
