"""Spreadsheet cell safety: the one place that neutralises formula ("CSV") injection.

A spreadsheet treats a cell that starts with ``=``, ``+``, ``-`` or ``@`` as a formula (and a
leading tab or carriage return can smuggle one past a naive check), so a party name such as
``=HYPERLINK("http://evil.example","click")`` read from a customer file would run when a
reviewer opens the exported CSV or XLSX. Following the OWASP "CSV Injection" guidance, every
text value that starts with one of those characters is written with a leading single quote,
which makes it inert text. Numbers are not touched: a numeric cell cannot hold a formula.

Both the CSV and the XLSX writer pass every cell through :func:`neutralise_cell`.
"""

from __future__ import annotations

from typing import TypeVar

__all__ = ["FORMULA_TRIGGERS", "neutralise_cell"]

FORMULA_TRIGGERS: tuple[str, ...] = ("=", "+", "-", "@", "\t", "\r")
"""The leading characters that make a spreadsheet cell a formula (OWASP)."""

_V = TypeVar("_V")


def neutralise_cell(value: _V) -> _V | str:
    """``value`` made safe for a spreadsheet cell.

    A ``str`` (subclasses included) starting with ``=``, ``+``, ``-``, ``@``, a tab or a
    carriage return gets a leading ``'``; every other value (other text, numbers, ``None``)
    is returned unchanged.

    >>> neutralise_cell("=1+1")
    "'=1+1"
    >>> neutralise_cell(-2.5)
    -2.5
    """
    if isinstance(value, str) and value.startswith(FORMULA_TRIGGERS):
        return "'" + value
    return value
