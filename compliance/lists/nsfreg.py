"""US restricted-party lists as extracted by the "NSF Restricted Entities Guide" (nsfreg).

One JSON file per list::

    {"list_id": "bis-entity-list", "source_file": "...", "extracted": "2026-07-09",
     "count": 3409,
     "entities": [{"name", "aliases": [...], "country", "address", "status",
                   "effective_date", "federal_register", "notes"}, ...]}

A ``lists.json`` metadata file (``{"lists": [{"id", "official_url", ...}]}``) may be passed
along: it only supplies each list's ``source_url``.

**Key.** The source has no ids. ``key`` = the first 16 hex digits of SHA-1 over
``list_id | normalised name | normalised country | normalised federal_register`` (U+001F
joined; normalised = whitespace collapsed, case folded). The country is part of the key
because the Entity List names one party once per country (``See alternate addresses under
...``); with it, every Entity List entry of the 2026 file has its own key. Remaining repeats
(the DPL names a party once per address) get ``-2``, ``-3``... in file order.

**Mapping.** ``list_code`` from ``list_id``: ``bis-entity-list`` EL, ``bis-meu`` MEU,
``bis-dpl`` DPL, ``ofac-nscmic`` CMIC, ``state-debarred-*`` DTC, ``state-nonproliferation``
ISN, any other the upper-cased ``list_id`` (``DOW-1260H``...). ``aliases`` (AKA), a name or
alias packing several names (``IRGC Air Force; IRGCAF``) giving one alias each; ``country``
-> ISO via ``to_iso2``, also trying ``North Korea (DPRK)`` without its parentheses and
``Crimea Region of Ukraine`` by its tail (``Fishing Vessels``, ``Middle East Region`` and other
non-countries are ``unknown_country`` problems);
``address`` is split at ``"; and "`` and at ``;`` between addresses that each end in a
country; ``effective_date`` -> ``start_date`` (ISO when it parses, else as given);
``federal_register`` as given; ``status`` -> ``extra``.

``notes`` by list: Entity List notes are the license requirement column
(``For all items subject to the EAR. (See § 744.11 of the EAR)``); when they also carry the
license review policy (``Presumption of denial``, ``Case-by-case``, ``Policy of denial``,
``Presumption of approval``) it is split off into ``license_policy`` (the 2026 extraction has
no policy text, so it stays ``None``). DPL notes (``Type of denial: Standard; Expires:
2026-10-27``) give ``end_date`` too. ``Program: X`` in notes (NS-CMIC) and ``Authority: X`` (ISN)
give ``programs``. All other notes -> ``remarks``.

``published`` = ``extracted``. A ``count`` that differs from the number of entities is a
``count_mismatch`` problem.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from compliance.countries import to_iso2
from compliance.errors import ListFormatError
from compliance.lists._common import (
    Problems,
    build_aliases,
    clean,
    iso_date,
    load_json,
    name_stats,
    norm_text,
    short_hash,
    slug,
    split_names,
    unique,
)
from compliance.lists.reading import decode_text, read_bytes
from compliance.model import Address, Alias, EntityType, ListEntry, ParsedList

FORMAT = "nsfreg"

LIST_CODES: dict[str, str] = {
    "bis-entity-list": "EL",
    "bis-meu": "MEU",
    "bis-dpl": "DPL",
    "ofac-nscmic": "CMIC",
    "state-nonproliferation": "ISN",
}
_POLICY = re.compile(
    r"\b(?:presumption of denial|presumption of approval|policy of denial|case[- ]by[- ]case)",
    re.IGNORECASE,
)
_EXPIRES = re.compile(r"\bExpires:\s*(\d{4}-\d{2}-\d{2})")
_PROGRAM = re.compile(r"\bProgram:\s*([^;|]+)")
_AUTHORITY = re.compile(r"\bAuthority:\s*([^;|]+)")


def list_code_for(list_id: str) -> str:
    if list_id in LIST_CODES:
        return LIST_CODES[list_id]
    if list_id.startswith("state-debarred"):
        return "DTC"
    return list_id.upper()


def split_license(notes: str) -> tuple[str | None, str | None]:
    """Entity List notes -> (license requirement, license review policy)."""
    text = clean(notes)
    if not text:
        return None, None
    match = _POLICY.search(text)
    if match is None or match.start() == 0:
        return (text, None) if match is None else (None, text)
    requirement = text[: match.start()].rstrip(" ;,")
    return requirement or None, text[match.start() :]


def country_code(text: str) -> str | None:
    """``to_iso2``, also trying ``X (Y)`` without and inside the parentheses and the tail of
    ``Crimea Region of Ukraine``."""
    if not text:
        return None
    attempts = [text, re.sub(r"\s*\([^)]*\)", "", text)]
    attempts.extend(re.findall(r"\(([^)]*)\)", text))
    if " of " in text:
        attempts.append(text.rsplit(" of ", 1)[1])
    for attempt in attempts:
        code = to_iso2(attempt) if attempt.strip() else None
        if code is not None:
            return code
    return None


_AND_SPLIT = re.compile(r";\s*and\s+")
_SEMI_SPLIT = re.compile(r";\s*(?:and\b,?\s*)?")


def split_addresses(text: str) -> list[str]:
    """Addresses joined with ``; and ``, and ``;``-joined addresses that each end in a country
    (``..., Hefei, China; ..., Beijing, China``); ``11th Floor; P.O. Box ..., Beirut`` is one."""
    out: list[str] = []
    for part in _AND_SPLIT.split(text):
        pieces = [clean(p).strip(" ;") for p in _SEMI_SPLIT.split(part)]
        pieces = [p for p in pieces if p and p.casefold() != "and"]
        if len(pieces) > 1 and all(
            "," in p and country_code(p.rsplit(",", 1)[-1].strip(" .")) for p in pieces
        ):
            out.extend(pieces)
        elif clean(part):
            out.append(clean(part))
    return out


def _text(path: Path, where: str, value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, str | int | float) and not isinstance(value, bool):
        return clean(value)
    raise ListFormatError(path, f"expected text, found {type(value).__name__}", field=where)


def _metadata(path: Path, data: dict[str, Any]) -> dict[str, str]:
    urls: dict[str, str] = {}
    lists = data.get("lists")
    if isinstance(lists, list):
        for item in lists:
            if isinstance(item, dict) and isinstance(item.get("id"), str):
                url = item.get("official_url")
                if isinstance(url, str) and url:
                    urls[item["id"]] = url
    return urls


def _load(path: Path) -> dict[str, Any]:
    data = load_json(path, decode_text(path, read_bytes(path)))
    if not isinstance(data, dict):
        raise ListFormatError(
            path, "not an nsfreg list file: expected a JSON object with list_id and entities"
        )
    return data


def _parse_list(
    path: Path,
    data: dict[str, Any],
    urls: dict[str, str],
    problems: Problems,
    stats: Counter[str],
) -> list[ListEntry]:
    list_id = data.get("list_id")
    if not isinstance(list_id, str) or not list_id.strip():
        raise ListFormatError(path, "no list_id: not an nsfreg list file", field="list_id")
    list_id = list_id.strip()
    entities = data.get("entities")
    if not isinstance(entities, list):
        raise ListFormatError(path, "no 'entities' array", field="entities")
    count = data.get("count")
    if count != len(entities):
        problems.add(
            "count_mismatch",
            f"the file says count={count!r} but holds {len(entities)} entities",
            path=path,
        )
    code = list_code_for(list_id)
    source_url = urls.get(list_id)
    entries: list[ListEntry] = []
    keys: Counter[str] = Counter()
    for i, item in enumerate(entities):
        where = f"entities[{i}]"
        if not isinstance(item, dict):
            raise ListFormatError(path, "expected a JSON object", field=where)
        name = _text(path, f"{where}.name", item.get("name"))
        if not name:
            raise ListFormatError(path, "empty name", field=f"{where}.name")
        raw_aliases = item.get("aliases")
        if raw_aliases is None:
            raw_aliases = []
        if not isinstance(raw_aliases, list):
            raise ListFormatError(path, "expected a list", field=f"{where}.aliases")
        # Names packed into one field ("IRGC Air Force; IRGCAF", "Fuchu Prison; Union Kogyo
        # Co., Ltd.") give one alias each; a packed primary name is kept as given.
        packed = split_names(name)
        candidates: list[Alias] = packed if len(packed) > 1 else []
        unpacked = len(candidates)
        for j, raw_alias in enumerate(raw_aliases):
            pieces = split_names(_text(path, f"{where}.aliases[{j}]", raw_alias))
            candidates.extend(pieces)
            unpacked += max(0, len(pieces) - 1)
        aliases = build_aliases(name, candidates)
        if unpacked:
            stats["names_unpacked"] += unpacked
        country_text = _text(path, f"{where}.country", item.get("country"))
        country = country_code(country_text)
        if country_text and country is None:
            problems.add("unknown_country", f"country {country_text!r} is not a country", path=path)
        address_text = _text(path, f"{where}.address", item.get("address"))
        addresses = tuple(Address(part, country) for part in unique(split_addresses(address_text)))
        citation = _text(path, f"{where}.federal_register", item.get("federal_register"))
        notes = _text(path, f"{where}.notes", item.get("notes"))
        effective_text = _text(path, f"{where}.effective_date", item.get("effective_date"))
        start_date = iso_date(effective_text) or effective_text or None
        status = _text(path, f"{where}.status", item.get("status"))

        requirement = policy = remarks = end_date = None
        if code == "EL":
            requirement, policy = split_license(notes)
        else:
            remarks = notes or None
        if code == "DPL" and notes:
            match = _EXPIRES.search(notes)
            end_date = match.group(1) if match else None
        programs = unique(clean(m) for m in _PROGRAM.findall(notes))
        if code == "ISN":
            programs = unique([*programs, *(clean(m) for m in _AUTHORITY.findall(notes))])

        base = short_hash(list_id, norm_text(name), norm_text(country_text), norm_text(citation))
        keys[base] += 1
        key = base if keys[base] == 1 else f"{base}-{keys[base]}"
        if keys[base] > 1:
            stats["key_suffixes"] += 1
        extra: list[tuple[str, str]] = [("list_id", list_id)]
        if status:
            extra.append(("status", status))
        entries.append(
            ListEntry(
                key=key,
                name=name,
                entity_type=EntityType.UNKNOWN,
                list_code=code,
                aliases=aliases,
                programs=programs,
                countries=(country,) if country else (),
                addresses=addresses,
                license_requirement=requirement,
                license_policy=policy,
                federal_register=citation or None,
                start_date=start_date,
                end_date=end_date,
                remarks=remarks,
                source_url=source_url,
                extra=tuple(extra),
            )
        )
    stats[f"list:{code}"] += len(entries)
    return entries


def parse(paths: Sequence[Path]) -> ParsedList:
    if not paths:
        raise ListFormatError("(no file)", "no nsfreg file given")
    problems = Problems(paths[0])
    stats: Counter[str] = Counter()
    loaded = [(path, _load(path)) for path in paths]
    urls: dict[str, str] = {}
    lists: list[tuple[Path, dict[str, Any]]] = []
    for path, data in loaded:
        if "entities" not in data and "lists" in data:
            urls.update(_metadata(path, data))
        else:
            lists.append((path, data))
    if not lists:
        raise ListFormatError(paths[0], "no nsfreg list file given (only lists.json metadata)")
    entries: list[ListEntry] = []
    published: list[str] = []
    for path, data in lists:
        entries.extend(_parse_list(path, data, urls, problems, stats))
        extracted = iso_date(_text(path, "extracted", data.get("extracted")))
        if extracted:
            published.append(extracted)
    stats["entries"] = len(entries)
    return ParsedList(
        format=FORMAT,
        entries=tuple(entries),
        published=max(published) if published else None,
        problems=problems.as_tuple(),
        stats=dict(sorted({**stats, **name_stats(entries)}.items())),
    )


_LIST_ID = re.compile(r'"list_id"\s*:\s*"([^"]+)"')


def default_source(paths: Sequence[Path]) -> str:
    """``nsfreg-<list_id>`` (one list file), else ``nsfreg``."""
    ids: list[str] = []
    for path in paths:
        try:
            with path.open("rb") as fh:
                head = fh.read(4096).decode("utf-8", errors="replace")
        except OSError:
            head = ""
        match = _LIST_ID.search(head)
        if match:
            ids.append(slug(match.group(1)))
        elif path.name != "lists.json":
            ids.append(slug(path.stem))
    ids = list(dict.fromkeys(ids))
    return f"nsfreg-{ids[0]}" if len(ids) == 1 else "nsfreg"
