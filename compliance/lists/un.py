"""The UN Security Council consolidated list (XML, ``CONSOLIDATED_LIST``).

Parsed with :mod:`defusedxml` (no entity expansion, no external references): the file is
untrusted input. One :class:`ListEntry` per ``INDIVIDUAL`` and per ``ENTITY``:

* ``key`` = ``DATAID``; ``name`` = ``FIRST_NAME`` .. ``FOURTH_NAME`` joined with spaces
  (individuals) or ``FIRST_NAME`` (entities); ``NAME_ORIGINAL_SCRIPT`` becomes an ``aka`` alias.
* ``*_ALIAS``: QUALITY ``Good`` / ``a.k.a.`` -> ``aka``, ``f.k.a.`` -> ``fka``, ``Low`` ->
  ``weak``; an alias with an empty ``ALIAS_NAME`` (the list's placeholder) is skipped.
* Packed fields are split (``_common.split_names``): an ``ALIAS_NAME`` holding several names
  (``Husain Salimi; Hosain Salimi; ...``, ``X (A; B)``, ``a) X b) Y``) gives one alias each;
  the spellings an alias NOTE lists (``(Abu Du'a; Abu Duaa')``) are aliases of its kind too; a
  packed entity ``FIRST_NAME`` stays the name and each of its names is an alias. Several
  document numbers or birth years in one element (``;``) give one value each.
* ``programs`` = (``UN_LIST_TYPE``,), ``list_code`` = ``UN``; ``REFERENCE_NUMBER`` is an
  identifier of kind ``un_reference``; ``INDIVIDUAL_DOCUMENT`` rows are identifiers too
  (kind ``passport`` / ``national_id`` / a slug of the document type; ``ISSUING_COUNTRY`` or
  ``COUNTRY_OF_ISSUE`` as the country).
* ``nationalities`` = ISO2 of ``NATIONALITY/VALUE``; ``countries`` = nationalities, then the
  address countries, unique, in that order.
* ``addresses``: STREET, CITY, STATE_PROVINCE, ZIP_CODE, COUNTRY joined with ", ", then the
  NOTE in parentheses (a NOTE alone is the whole text: "Believed location - Egypt"). An
  enumerated NOTE (``Branch Office 1: i) X; ii) Y``) gives one address per item, and ``;``
  separates addresses only when every piece has a comma (``X, Pakistan; Phone 123`` is one).
* ``dates_of_birth``: ``DATE`` -> ``YYYY-MM-DD``; ``YEAR`` -> ``YYYY``; ``FROM_YEAR`` and
  ``TO_YEAR`` -> ``YYYY/YYYY`` (ISO 8601 interval style); TYPE_OF_DATE ``APPROXIMATELY`` does
  not change the value. A ``DATE_OF_BIRTH`` given on an alias is added too.
* ``remarks`` = ``COMMENTS1`` (whitespace runs collapsed); ``title`` = the ``TITLE`` values
  joined with "; "; ``start_date`` = the date part of ``LISTED_ON``; ``published`` = the date
  part of the root's ``dateGenerated``.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as StdET  # only for the ParseError type and Element typing
from collections import Counter
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import TypeVar

import defusedxml.ElementTree as SafeET
from defusedxml import DefusedXmlException

from compliance.countries import to_iso2
from compliance.errors import ListFormatError
from compliance.lists._common import name_stats, split_names
from compliance.lists.reading import read_bytes
from compliance.model import (
    Address,
    Alias,
    AliasKind,
    EntityType,
    Identifier,
    ListEntry,
    LoadProblem,
    ParsedList,
)

FORMAT = "un"
SOURCE_URL = "https://main.un.org/securitycouncil/en/content/un-sc-consolidated-list"
ROOT_TAG = "CONSOLIDATED_LIST"

_T = TypeVar("_T")
_Element = StdET.Element

_QUALITY = {
    "good": AliasKind.AKA,
    "a.k.a.": AliasKind.AKA,
    "aka": AliasKind.AKA,
    "f.k.a.": AliasKind.FKA,
    "fka": AliasKind.FKA,
    "low": AliasKind.WEAK,
}
_NAME_PARTS = ("FIRST_NAME", "SECOND_NAME", "THIRD_NAME", "FOURTH_NAME")
_ADDRESS_PARTS = ("STREET", "CITY", "STATE_PROVINCE", "ZIP_CODE", "COUNTRY")
_PLACE_PARTS = ("STREET", "CITY", "STATE_PROVINCE", "COUNTRY")
_SPACES = re.compile(r"\s+")
_YEAR = re.compile(r"^\d{4}$")
_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}")
_SLUG = re.compile(r"[^a-z0-9]+")
_PACKED = re.compile(r"\s*;\s*")  # several values in one element (document numbers, years)
# Enumerated addresses in one NOTE: "Branch Office 1: i) X; ii) Y iii) Z".
_ADDRESS_ITEM = re.compile(r"(?:^|(?<=[\s:;]))(?:i{1,3}|iv|vi{0,3}|ix|x|[a-h])\)\s+")
_EXAMPLES = 5


def default_source(paths: Sequence[Path]) -> str:
    return "un-sc"


def _text(element: _Element | None) -> str | None:
    """The element's text with whitespace runs collapsed; None when absent or blank."""
    if element is None or element.text is None:
        return None
    text = _SPACES.sub(" ", element.text).strip()
    return text or None


def _child(element: _Element, tag: str) -> str | None:
    return _text(element.find(tag))


def _values(element: _Element, tag: str) -> list[str]:
    """The ``VALUE`` texts under ``tag`` (NATIONALITY, TITLE, DESIGNATION...)."""
    found: list[str] = []
    for holder in element.findall(tag):
        found.extend(v for v in (_text(value) for value in holder.findall("VALUE")) if v)
    return found


def _unique(items: Iterable[_T]) -> tuple[_T, ...]:
    return tuple(dict.fromkeys(items))


def _date_part(text: str | None) -> str | None:
    if text is None or not _ISO_DATE.match(text):
        return None
    return text[:10]


def _dates_of_birth(element: _Element) -> list[str]:
    found: list[str] = []
    for dob in element.findall("INDIVIDUAL_DATE_OF_BIRTH"):
        date = _date_part(_child(dob, "DATE"))
        year = _child(dob, "YEAR")
        start, end = _child(dob, "FROM_YEAR"), _child(dob, "TO_YEAR")
        years = [y for y in _PACKED.split(year or "") if _YEAR.match(y)]
        if date:
            found.append(date)
        elif years:
            found.extend(years)
        elif start and end and _YEAR.match(start) and _YEAR.match(end):
            found.append(start if start == end else f"{start}/{end}")
    for alias in element.findall("INDIVIDUAL_ALIAS"):
        if date := _date_part(_child(alias, "DATE_OF_BIRTH")):
            found.append(date)
    return found


def _document_kind(type_text: str | None) -> str:
    text = (type_text or "").lower()
    if "passport" in text or "passeport" in text or "pasaporte" in text:
        return "passport"
    if "identi" in text:  # National Identification Number, National Identity Card
        return "national_id"
    return _SLUG.sub("_", text).strip("_") or "document"


def _identifiers(element: _Element, reference: str | None) -> list[Identifier]:
    found: list[Identifier] = []
    if reference:
        found.append(Identifier(kind="un_reference", value=reference))
    for document in element.findall("INDIVIDUAL_DOCUMENT"):
        numbers = [n for n in _PACKED.split(_child(document, "NUMBER") or "") if n]
        kind_text = _child(document, "TYPE_OF_DOCUMENT") or _child(document, "TYPE_OF_DOCUMENT2")
        country = to_iso2(
            _child(document, "ISSUING_COUNTRY") or _child(document, "COUNTRY_OF_ISSUE")
        )
        found.extend(
            Identifier(kind=_document_kind(kind_text), value=number, country=country)
            for number in numbers
        )
    return found


def _addresses(element: _Element, tag: str) -> list[Address]:
    found: list[Address] = []
    for address in element.findall(tag):
        parts = [p for p in (_child(address, part) for part in _ADDRESS_PARTS) if p]
        note = _child(address, "NOTE")
        text = ", ".join(parts)
        if note:
            text = f"{text} ({note})" if text else note
        country = to_iso2(_child(address, "COUNTRY"))
        found.extend(Address(text=piece, country=country) for piece in _split_address(text))
    return found


def _split_address(text: str) -> list[str]:
    """Several addresses in one field: enumerated (``i) X; ii) Y``), or ``;``-joined where
    every piece looks like an address (has a comma); ``X, Pakistan; Phone 123`` stays one."""
    if not text:
        return []
    items = [p.strip(" ;") for p in _ADDRESS_ITEM.split(text)]
    if len(items) > 2:
        label = items[0].rstrip(" :")
        pieces = [p for p in items[1:] if p]
        return [f"{label}: {p}" if label else p for p in pieces]
    pieces = [p for p in (q.strip() for q in text.split(";")) if p]
    if len(pieces) > 1 and all("," in p for p in pieces):
        return pieces
    return [text.rstrip(" ;")]


def _aliases(
    element: _Element, tag: str, odd: list[str], key: str, unpacked: Counter[str]
) -> list[Alias]:
    """Each ``ALIAS_NAME`` split into the names it packs (``A; B; C``), plus the spellings an
    alias's NOTE lists (``(Abu Du'a; Abu Duaa')`` or a bare ``A; B`` of short names)."""
    found: list[Alias] = []
    for alias in element.findall(tag):
        name = _child(alias, "ALIAS_NAME")
        if not name:
            continue
        quality = (_child(alias, "QUALITY") or "").lower()
        kind = _QUALITY.get(quality)
        if kind is None:
            odd.append(f"{key}: {quality!r}")
            kind = AliasKind.AKA
        names = [a.name for a in split_names(name)]
        names.extend(_note_names(_child(alias, "NOTE")))
        unpacked["names"] += len(names) - 1
        found.extend(Alias(name=n, kind=kind) for n in names)
    return found


_NOTE_GROUP = re.compile(r"\(([^()]*)\)")
_NOTE_NAME = re.compile(r"^[^\d,:]{2,60}$")


def _note_names(note: str | None) -> list[str]:
    """Spellings listed in an alias NOTE: every ``;``-holding parenthesised group, or the
    whole NOTE when it is only ``;``-separated short names (no digits, commas or colons)."""
    if not note or ";" not in note:
        return []
    groups = [g for g in _NOTE_GROUP.findall(note) if ";" in g]
    texts = groups if groups else [note]
    names: list[str] = []
    for text in texts:
        pieces = [p.strip() for p in text.split(";")]
        if len(pieces) > 1 and all(_NOTE_NAME.match(p) and len(p.split()) <= 6 for p in pieces):
            names.extend(pieces)
    return names


_OPEN_TAG = re.compile(r"<([A-Za-z_][\w.-]*)[^<>]*>")


def _element_at(data: bytes, line: int, column: int) -> str | None:
    """The element an XML error lies in: the last tag opened on its line before its column
    (``FIRST_NAME`` for a control character in a name), when there is one."""
    lines = data.split(b"\n", line)
    if line < 1 or len(lines) < line:
        return None
    text = lines[line - 1][: column + 1].decode("utf-8", errors="replace")
    tags = _OPEN_TAG.findall(text)
    return tags[-1] if tags else None


def _parse_root(path: Path) -> _Element:
    data = read_bytes(path)
    try:
        root: _Element = SafeET.fromstring(data)
    except StdET.ParseError as exc:
        line, column = exc.position
        raise ListFormatError(
            path, f"malformed XML: {exc}", line=line, field=_element_at(data, line, column)
        ) from None
    except DefusedXmlException as exc:
        raise ListFormatError(
            path, f"forbidden XML construct ({type(exc).__name__}); refusing to parse"
        ) from None
    except (LookupError, ValueError) as exc:  # an unknown encoding in the XML declaration
        raise ListFormatError(
            path, f"unreadable XML ({type(exc).__name__}: {exc})", line=1
        ) from None
    if root.tag != ROOT_TAG:
        raise ListFormatError(
            path, f"root element is <{root.tag}>, expected <{ROOT_TAG}>: not a UN consolidated list"
        )
    return root


def _entry(
    path: Path,
    element: _Element,
    number: int,
    individual: bool,
    odd_quality: list[str],
    unpacked: Counter[str],
) -> ListEntry:
    tag = element.tag
    key = _child(element, "DATAID")
    reference = _child(element, "REFERENCE_NUMBER")
    where = f"{tag} #{number}" + (f" ({reference})" if reference else "")
    if key is None:
        raise ListFormatError(path, f"{where} has no DATAID", field="DATAID")
    if individual:
        name = " ".join(p for p in (_child(element, part) for part in _NAME_PARTS) if p)
    else:
        name = _child(element, "FIRST_NAME") or ""
    if not name:
        raise ListFormatError(path, f"{where} (DATAID {key}) has no name", field="FIRST_NAME")

    # A packed primary name ("A (CAGL) ; B (GLBC)") stays as given; each name is an alias too.
    packed = split_names(name)
    aliases: list[Alias] = packed if len(packed) > 1 else []
    unpacked["names"] += len(aliases)
    if original := _child(element, "NAME_ORIGINAL_SCRIPT"):
        aliases.append(Alias(name=original, kind=AliasKind.AKA))
    alias_tag = "INDIVIDUAL_ALIAS" if individual else "ENTITY_ALIAS"
    aliases.extend(_aliases(element, alias_tag, odd_quality, key, unpacked))

    nationalities = [c for c in (to_iso2(v) for v in _values(element, "NATIONALITY")) if c]
    addresses = _addresses(element, "INDIVIDUAL_ADDRESS" if individual else "ENTITY_ADDRESS")
    list_type = _child(element, "UN_LIST_TYPE")
    titles = _values(element, "TITLE")

    extra: list[tuple[str, str]] = []
    if designations := _values(element, "DESIGNATION"):
        extra.append(("designation", "; ".join(designations)))
    if gender := _child(element, "GENDER"):
        extra.append(("gender", gender))
    places = []
    for place in element.findall("INDIVIDUAL_PLACE_OF_BIRTH"):
        parts = [p for p in (_child(place, part) for part in _PLACE_PARTS) if p]
        if parts:
            places.append(", ".join(parts))
    if places:
        extra.append(("place_of_birth", "; ".join(_unique(places))))
    updated = sorted(_values(element, "LAST_DAY_UPDATED"))
    if updated:
        extra.append(("last_updated", updated[-1][:10]))

    return ListEntry(
        key=key,
        name=name,
        entity_type=EntityType.PERSON if individual else EntityType.ORGANIZATION,
        list_code="UN",
        aliases=_unique(a for a in aliases if a.name != name),
        programs=(list_type,) if list_type else (),
        countries=_unique([*nationalities, *(a.country for a in addresses if a.country)]),
        addresses=_unique(addresses),
        identifiers=_unique(_identifiers(element, reference)),
        dates_of_birth=_unique(_dates_of_birth(element)) if individual else (),
        nationalities=_unique(nationalities),
        title="; ".join(_unique(titles)) if titles else None,
        start_date=_date_part(_child(element, "LISTED_ON")),
        remarks=_child(element, "COMMENTS1"),
        source_url=SOURCE_URL,
        extra=tuple(extra),
    )


def parse(paths: Sequence[Path]) -> ParsedList:
    if len(paths) != 1:
        where = paths[1] if paths else "<none>"
        raise ListFormatError(where, f"the UN list is one XML file; {len(paths)} files were given")
    path = paths[0]
    root = _parse_root(path)

    entries: list[ListEntry] = []
    seen: dict[str, str] = {}
    odd_quality: list[str] = []
    unpacked: Counter[str] = Counter()
    counts = {"individuals": 0, "entities": 0}
    for group, tag, individual, counter in (
        ("INDIVIDUALS", "INDIVIDUAL", True, "individuals"),
        ("ENTITIES", "ENTITY", False, "entities"),
    ):
        for holder in root.findall(group):
            for number, element in enumerate(holder.findall(tag), start=1):
                entry = _entry(path, element, number, individual, odd_quality, unpacked)
                if entry.key in seen:
                    raise ListFormatError(
                        path,
                        f"duplicate DATAID {entry.key} ({seen[entry.key]} and {tag} #{number})",
                        field="DATAID",
                    )
                seen[entry.key] = f"{tag} #{number}"
                entries.append(entry)
                counts[counter] += 1

    problems: list[LoadProblem] = []
    if odd_quality:
        shown = ", ".join(odd_quality[:_EXAMPLES])
        problems.append(
            LoadProblem(
                path=str(path),
                kind="unknown_alias_quality",
                message=f"aliases with an unknown QUALITY, loaded as aka (e.g. {shown})",
                count=len(odd_quality),
            )
        )
    stats = {
        "entries": len(entries),
        **counts,
        "aliases": sum(len(e.aliases) for e in entries),
        "weak_aliases": sum(1 for e in entries for a in e.aliases if a.kind is AliasKind.WEAK),
        "addresses": sum(len(e.addresses) for e in entries),
        "identifiers": sum(len(e.identifiers) for e in entries),
        **name_stats(entries, unpacked["names"]),
    }
    return ParsedList(
        format=FORMAT,
        entries=tuple(entries),
        published=_date_part(root.get("dateGenerated")),
        problems=tuple(problems),
        stats=stats,
    )
