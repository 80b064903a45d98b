"""List loaders: one module per source format, each turning a file set into a ParsedList.

Every loader module exposes::

    FORMAT: str                                   # its name on the command line
    def parse(paths: Sequence[Path]) -> ParsedList
    def default_source(paths: Sequence[Path]) -> str

and raises :class:`compliance.errors.ListFormatError` (file, line, field) on bad input,
before anything is written anywhere.
"""

from __future__ import annotations

import importlib
from collections.abc import Sequence
from pathlib import Path
from types import ModuleType

from compliance.errors import BadInputError
from compliance.model import ParsedList

# One registry: format name -> module.
FORMATS: dict[str, str] = {
    "csl": "compliance.lists.csl",
    "ofac": "compliance.lists.ofac",
    "un": "compliance.lists.un",
    "custom": "compliance.lists.custom",
    "ftm": "compliance.lists.ftm",
    "nsfreg": "compliance.lists.nsfreg",
    "dpl": "compliance.lists.dpl",
    "uk": "compliance.lists.uk",
}


def loader(fmt: str) -> ModuleType:
    try:
        return importlib.import_module(FORMATS[fmt])
    except KeyError:
        known = ", ".join(sorted(FORMATS))
        raise BadInputError(f"unknown list format {fmt!r}; known formats: {known}") from None


def _head(path: Path) -> str:
    try:
        with path.open("rb") as fh:
            return fh.read(4096).decode("utf-8", errors="replace").lstrip("\ufeff \r\n\t")
    except OSError:
        return ""


def _is_uk(paths: Sequence[Path], names: list[str]) -> bool:
    """The UK Sanctions List: an ``.ods`` file, or CSV files told by their header rows."""
    from compliance.lists.uk import sniff

    if any(n.endswith(".ods") for n in names):
        return True
    return any(sniff(_head(p).split("\n", 1)[0]) for p in paths)


def detect_format(paths: Sequence[Path]) -> str:
    """Guess a file set's format from names and first bytes; ``--format`` overrides this."""
    if not paths:
        raise BadInputError("no list files given")
    names = [p.name.lower() for p in paths]
    first = paths[0]
    head = _head(first)
    first_line = head.split("\n", 1)[0].replace('"', "").strip().lower()
    if any(n.startswith(("sdn", "cons_", "alt", "add")) and n.endswith(".csv") for n in names):
        return "ofac"
    if _is_uk(paths, names):
        return "uk"
    if head.startswith("<?xml") or head.startswith("<CONSOLIDATED_LIST"):
        return "un"
    if first_line.startswith(("_id,source,entity_number", "source,entity_number")):
        return "csl"
    if first_line.startswith("name\tstreet_address"):
        return "dpl"
    if head.startswith("["):
        return "custom"
    if head.startswith("{"):
        if '"results"' in head[:200] or '"sources_used"' in head:
            return "csl"
        if '"list_id"' in head and '"entities"' in head:
            return "nsfreg"
        if '"schema"' in head.split("\n", 1)[0]:
            return "ftm"
        return "custom"
    if first_line.startswith("id,") or ",name" in first_line:
        return "custom"
    raise BadInputError(
        f"{first}: cannot tell the list format from the file; pass --format "
        f"({', '.join(sorted(FORMATS))})"
    )


def parse_files(
    paths: Sequence[Path], fmt: str | None = None, *, allow_truncated: bool = False
) -> tuple[str, ParsedList]:
    """Parse a file set with the given (or detected) format. Returns (format, parsed).

    ``allow_truncated`` (CSL only) drops a cut-off last record instead of refusing the file,
    and records it as a problem of the version: an operator's explicit choice.
    """
    chosen = fmt or detect_format(paths)
    module = loader(chosen)
    if allow_truncated:
        if chosen != "csl":
            raise BadInputError("--allow-truncated applies to CSL files only")
        parsed: ParsedList = module.parse(list(paths), allow_truncated=True)
    else:
        parsed = module.parse(list(paths))
    return chosen, parsed


def default_source(paths: Sequence[Path], fmt: str) -> str:
    name: str = loader(fmt).default_source(list(paths))
    return name
