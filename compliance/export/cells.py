"""Spreadsheet cell safety: the one place that neutralises formula ("CSV") injection.

A spreadsheet treats a cell that starts with ``=``, ``+``, ``-`` or ``@`` as a formula (and a
leading tab or carriage return can smuggle one past a naive check), so a party name such as
``=HYPERLINK("http://evil.example","click")`` read from a customer file would run when a
reviewer opens the exported CSV or XLSX. Following the OWASP "CSV Injection" guidance, such a
text value is written with a single quote in front of the trigger, which makes it inert text.

A field is not always read as one cell: Excel in a locale whose list separator is ``;`` splits
``Huawei Technologies Co Ltd;=1+1`` into two cells and evaluates the second, and a reader that
ignores CSV quoting splits on ``,``, tab or a line break inside a field. So the quote is also
inserted after every ``;``, ``,``, tab, CR or LF (and any spaces) that is followed by a trigger:
``Huawei Technologies Co Ltd;'=1+1``. Numbers are not touched: a numeric cell cannot hold a
formula. The CSV writer also quotes every text field.

Both the CSV and the XLSX writer pass every cell through :func:`neutralise_cell`.
"""

from __future__ import annotations

import re
from typing import TypeVar

__all__ = ["FORMULA_TRIGGERS", "SPLIT_CHARACTERS", "neutralise_cell"]

FORMULA_TRIGGERS: tuple[str, ...] = ("=", "+", "-", "@", "\t", "\r")
"""The characters that make a spreadsheet cell a formula when they start it (OWASP)."""

SPLIT_CHARACTERS: tuple[str, ...] = (";", ",", "\t", "\r", "\n")
"""Characters at which some reader may start a new cell inside one field."""

# A cell start (the text's start, or just after a split character), then optional spaces,
# then a trigger. The quote goes at the cell start, so the piece a reader splits off begins
# with it.
_UNSAFE = re.compile(
    f"(?:^|(?<=[{re.escape(''.join(SPLIT_CHARACTERS))}]))"
    f"(?=[ ]*[{re.escape(''.join(FORMULA_TRIGGERS))}])"
)

_V = TypeVar("_V")


def neutralise_cell(value: _V) -> _V | str:
    """``value`` made safe for a spreadsheet cell.

    In a ``str`` (subclasses included), a ``'`` is put before ``=``, ``+``, ``-``, ``@``, tab
    or CR (after optional spaces) at the start and after every ``;``, ``,``, tab, CR or LF;
    every other value (other text, numbers, ``None``) is returned unchanged.

    >>> neutralise_cell("=1+1")
    "'=1+1"
    >>> neutralise_cell("Huawei;=1+1")
    "Huawei;'=1+1"
    >>> neutralise_cell(-2.5)
    -2.5
    """
    if isinstance(value, str) and _UNSAFE.search(value) is not None:
        return _UNSAFE.sub("'", value)
    return value
