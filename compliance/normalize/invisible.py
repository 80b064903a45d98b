"""Invisible and bidirectional-control characters in names.

A name can hide from a screener in two ways that a person reading it never notices:

- invisible format characters inside it ("Hua\\u200bwei", a soft hyphen, a BOM) that split or
  change the stored text but display as nothing;
- bidi overrides: "\\u202e.dtL ,.oC seigolonhceT iewauH" is stored backwards but, because
  U+202E RIGHT-TO-LEFT OVERRIDE displays the run after it reversed, it *displays* as
  "Huawei Technologies Co., Ltd.".

:func:`strip_invisible` removes every such character (Unicode category Cf and the other
default-ignorable code points); :func:`normalize_name` applies it first, at index and query
time alike. :func:`visual_form` gives what a reader sees, so that the screener can match it
as well as the stored text. :func:`invisible_characters` lists what was found, for the
record's ``data_quality``.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field

# Unicode category Cf (format) plus the other Default_Ignorable_Code_Point characters
# (Hangul fillers, variation selectors, combining grapheme joiner...), as of Unicode 14. A test
# checks that every Cf character of the running Python's Unicode database is covered.
_INVISIBLE_RANGES = (
    "\u00ad\u034f\u0600-\u0605\u061c\u06dd\u070f\u0890-\u0891\u08e2\u115f-\u1160"
    "\u17b4-\u17b5\u180b-\u180f\u200b-\u200f\u202a-\u202e\u2060-\u206f\u3164\ufe00-\ufe0f"
    "\ufeff\uffa0\ufff0-\ufffb\U000110bd\U000110cd\U00013430-\U0001343f"
    "\U0001bca0-\U0001bca3\U0001d173-\U0001d17a\U000e0000-\U000e0fff"
)
_INVISIBLE = re.compile(f"[{_INVISIBLE_RANGES}]")

# Explicit directional formatting characters: embeddings, overrides, isolates and their ends.
LRE, RLE, PDF, LRO, RLO = "\u202a", "\u202b", "\u202c", "\u202d", "\u202e"
LRI, RLI, FSI, PDI = "\u2066", "\u2067", "\u2068", "\u2069"
BIDI_CONTROLS = frozenset((LRE, RLE, PDF, LRO, RLO, LRI, RLI, FSI, PDI))
_OVERRIDES = re.compile(f"[{LRO}{RLO}]")
# The bidi algorithm's deepest explicit nesting (UAX #9, max_depth).
MAX_DEPTH = 125
# A paragraph separator ends every embedding, override and isolate.
_PARAGRAPH_END = frozenset("\n\r\x1c\x1d\x1e\x85\u2029")
# Characters displayed as their mirror image in a right-to-left run.
_MIRROR = dict(zip("()[]{}<>«»‹›", ")(][}{><»«›‹", strict=True))


def strip_invisible(text: str) -> str:
    """``text`` without invisible format and bidi-control characters."""
    if text.isascii():
        return text
    return _INVISIBLE.sub("", text)


def invisible_characters(text: str) -> tuple[str, ...]:
    """The distinct invisible or bidi-control characters in ``text``, in order of appearance."""
    if text.isascii():
        return ()
    return tuple(dict.fromkeys(_INVISIBLE.findall(text)))


def describe(char: str) -> str:
    """``U+202E RIGHT-TO-LEFT OVERRIDE``."""
    return f"U+{ord(char):04X} {unicodedata.name(char, 'unnamed')}"


@dataclass
class _Run:
    override: str | None  # "L" or "R" for LRO/RLO, None for an embedding or isolate
    isolate: bool
    items: list[str | _Run] = field(default_factory=list)


def visual_form(text: str) -> str | None:
    """The text as it displays, when bidi overrides make that differ from the stored text
    (invisible characters removed either way); ``None`` when it does not.

    A run after U+202E RLO, up to its U+202C PDF (or the end of the text, or of the
    paragraph), is shown reversed, its brackets mirrored; a run after U+202D LRO is shown left
    to right. Embeddings (LRE/RLE) and isolates (LRI/RLI/FSI ... PDI) scope the overrides
    inside them and move as one block. This follows the Unicode bidi algorithm's explicit
    levels; it does not reorder right-to-left *letters* (Arabic, Hebrew), which are stored
    and matched in reading order.
    """
    if text.isascii() or _OVERRIDES.search(text) is None:
        return None
    root = _Run(None, isolate=False)
    stack = [root]
    # Beyond the algorithm's maximum depth, openers are ignored, and so are their closers.
    over_isolates = over_embeddings = 0
    for ch in text:
        if ch in (LRO, RLO, LRE, RLE):
            if over_isolates or over_embeddings or len(stack) > MAX_DEPTH:
                if not over_isolates:
                    over_embeddings += 1
                continue
            override = "R" if ch == RLO else "L" if ch == LRO else None
            run = _Run(override, isolate=False)
            stack[-1].items.append(run)
            stack.append(run)
        elif ch in (LRI, RLI, FSI):
            if over_isolates or over_embeddings or len(stack) > MAX_DEPTH:
                over_isolates += 1
                continue
            run = _Run(None, isolate=True)
            stack[-1].items.append(run)
            stack.append(run)
        elif ch == PDF:
            # Ends the innermost embedding or override, never an isolate.
            if over_isolates:
                continue
            if over_embeddings:
                over_embeddings -= 1
            elif len(stack) > 1 and not stack[-1].isolate:
                stack.pop()
        elif ch == PDI:
            # Ends the innermost isolate and whatever was opened inside it.
            if over_isolates:
                over_isolates -= 1
            elif any(run.isolate for run in stack[1:]):
                over_embeddings = 0
                while not stack.pop().isolate:
                    pass
        elif ch in _PARAGRAPH_END:
            del stack[1:]
            over_isolates = over_embeddings = 0
            root.items.append(ch)
        else:
            stack[-1].items.append(ch)
    shown = strip_invisible(_render(root))
    return None if shown == strip_invisible(text) else shown


def _render(run: _Run) -> str:
    if run.override != "R":
        return "".join(item if isinstance(item, str) else _render(item) for item in run.items)
    return "".join(
        _MIRROR.get(item, item) if isinstance(item, str) else _render(item)
        for item in reversed(run.items)
    )
