"""Hostile input for every list loader (issue 8, "Done means").

Each case writes a file set built from a small valid seed of one format, damaged in one way:
random bytes, random Unicode (lone surrogates, NUL and other C0 controls, combining marks,
right-to-left and bidi characters) inserted into the text or into a JSON string as escapes,
deep nesting, a 10 MB field, a file cut at a random byte. The loader must either parse it or
raise :class:`BadInputError` (``ListFormatError`` is one): never any other exception, and
never hang (every case runs under an alarm). What parses must hold no C0 control or lone
surrogate anywhere (PostgreSQL refuses NUL; a surrogate cannot be encoded), and must encode as
UTF-8 JSON, as the store does.

Seeded: the same cases every run. About 360 cases; the module runs in well under 30 s.
"""

from __future__ import annotations

import json
import random
import re
import signal
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from types import FrameType

import pytest

from compliance.errors import BadInputError
from compliance.lists import csl, dpl, parse_files
from compliance.lists._common import csv_records
from compliance.model import ParsedList

SEED = 20_261_201
CASE_SECONDS = 20  # per case; the slowest (10 MB) cases take well under a second
HUGE = 10 * 1024 * 1024

# ------------------------------------------------------------------------------------ seeds


def _csv_line(values: list[str], sep: str = ",") -> str:
    return sep.join('"' + v.replace('"', '""') + '"' for v in values)


def _csl_csv() -> str:
    def row(**values: str) -> list[str]:
        cells = dict.fromkeys(csl.COLUMNS, "")
        cells.update(values)
        return [cells[c] for c in csl.COLUMNS]

    source = "Entity List (EL) - Bureau of Industry and Security"
    rows = [
        row(
            _id="a1",
            source=source,
            name="Huawei Technologies Co., Ltd.",
            type="Entity",
            alt_names="Huawei; 华为技术有限公司",
            addresses="Bantian, Shenzhen, CN",
            programs="EAR",
        ),
        row(_id="a2", source=source, name="Sugon", type="Entity", ids="Tax ID, 123, CN"),
    ]
    return "\n".join(_csv_line(r) for r in [list(csl.COLUMNS), *rows]) + "\n"


def _csl_json() -> str:
    return json.dumps(
        {
            "results": [
                {
                    "id": "j1",
                    "source": "Entity List (EL) - Bureau of Industry and Security",
                    "name": "Beta GmbH",
                    "alt_names": ["Beta; Beta Holding"],
                    "type": "Entity",
                    "addresses": [{"address": "1 Road", "city": "Berlin", "country": "DE"}],
                },
                {
                    "id": "j2",
                    "source": "Specially Designated Nationals (SDN) - Treasury Department",
                    "name": "DOE, John",
                    "type": "Individual",
                    "dates_of_birth": ["1970-01-01"],
                },
            ],
            "sources_used": [{"source": "EL", "publication_date": "2024-01-02"}],
        },
        indent=1,
        ensure_ascii=False,
    )


def _ofac_primary() -> str:
    empty = ",".join(["-0- "] * 7)
    return (
        f'36,"AEROCARIBBEAN AIRLINES",-0- ,"CUBA",{empty},-0- \r\n'
        f'173,"ANGLO-CARIBBEAN CO., LTD.",-0- ,"CUBA",{empty},"a.k.a. \'ACL\'; DOB 1960."\r\n'
        "\x1a"
    )


def _ofac_alt() -> str:
    return '36,12,"aka","AERO-CARIBBEAN",-0- \r\n173,13,"fka","ANGLO CO",-0- \r\n\x1a'


def _ofac_add() -> str:
    return (
        '36,25,-0- ,"Havana","Cuba",-0- \r\n'
        '173,26,"Ibex House","London","United Kingdom",-0- \r\n\x1a'
    )


def _un_xml() -> str:
    return """<?xml version="1.0" encoding="UTF-8"?>
<CONSOLIDATED_LIST dateGenerated="2025-01-02T03:04:05.6Z">
  <INDIVIDUALS>
    <INDIVIDUAL>
      <DATAID>11</DATAID><FIRST_NAME>HOSEIN</FIRST_NAME><SECOND_NAME>SALIMI</SECOND_NAME>
      <UN_LIST_TYPE>Iran</UN_LIST_TYPE><REFERENCE_NUMBER>IRi.001</REFERENCE_NUMBER>
      <INDIVIDUAL_ALIAS><QUALITY>Good</QUALITY>
        <ALIAS_NAME>Husain Salimi; Hosain Saleemi</ALIAS_NAME></INDIVIDUAL_ALIAS>
      <INDIVIDUAL_ADDRESS><CITY>Tehran</CITY><COUNTRY>Iran</COUNTRY></INDIVIDUAL_ADDRESS>
      <INDIVIDUAL_DATE_OF_BIRTH><YEAR>1960</YEAR></INDIVIDUAL_DATE_OF_BIRTH>
      <INDIVIDUAL_DOCUMENT><TYPE_OF_DOCUMENT>Passport</TYPE_OF_DOCUMENT><NUMBER>P1</NUMBER>
      </INDIVIDUAL_DOCUMENT>
    </INDIVIDUAL>
  </INDIVIDUALS>
  <ENTITIES>
    <ENTITY><DATAID>22</DATAID><FIRST_NAME>ACME FRONT</FIRST_NAME>
      <ENTITY_ALIAS><QUALITY>a.k.a.</QUALITY><ALIAS_NAME>AF</ALIAS_NAME></ENTITY_ALIAS>
    </ENTITY>
  </ENTITIES>
</CONSOLIDATED_LIST>
"""


def _dpl_txt() -> str:
    rows = [
        list(dpl.COLUMNS),
        [
            "JOHN EXAMPLE",
            "1 MAIN ST",
            "EL PASO",
            "TX",
            "",
            "79905",
            "08/24/2022",
            "01/14/2026",
            "Y",
            "2022-08-29",
            "F.R. NOTICE ADDED",
            "87 F.R. 52741 8/29/2022",
        ],
        [
            "ACME TRADING",
            "2 ROAD",
            "SHANGHAI",
            "",
            "CN",
            "",
            "08/24/2022",
            "",
            "N",
            "2022-08-29",
            "F.R. NOTICE ADDED",
            "87 F.R. 52741 8/29/2022",
        ],
    ]
    return "\n".join(_csv_line(r, "\t") for r in rows) + "\n"


def _nsfreg_json() -> str:
    entity = {
        "name": "IRGC",
        "aliases": ["IRGC Air Force; IRGCAF"],
        "country": "Iran",
        "address": "Tehran; and Qom",
        "status": None,
        "effective_date": "2019-04-15",
        "federal_register": "84 FR 1",
        "notes": "For all items subject to the EAR.",
    }
    doc = {
        "list_id": "bis-entity-list",
        "source_file": "x.txt",
        "extracted": "2026-07-09",
        "count": 2,
        "entities": [entity, {**entity, "name": "Sugon", "aliases": []}],
    }
    return json.dumps(doc, indent=1, ensure_ascii=False)


def _custom_csv() -> str:
    return (
        "id,name,aliases,type,countries,addresses,program,outcome,notes\n"
        'c1,"Acme, Inc.",ACME;weak:AC,organization,US,"1 Road, Town",internal,prohibited,x\n'
        "c2,Beta,,,,,,,\n"
    )


def _custom_json() -> str:
    return json.dumps(
        [
            {"id": "c1", "name": "Acme, Inc.", "aliases": ["ACME", "weak:AC"], "countries": "US"},
            {"id": "c2", "name": "Beta", "outcome": "review", "extra": {"k": [1, 2]}},
        ],
        indent=1,
    )


def _ftm_jsonl() -> str:
    lines = [
        {
            "id": "p1",
            "schema": "Person",
            "properties": {
                "name": ["Viktor BOUT"],
                "alias": ["Victor BOUT"],
                "birthDate": ["1967-01-13"],
                "country": ["ru"],
            },
            "datasets": ["x"],
            "target": True,
        },
        {
            "id": "c1",
            "schema": "Company",
            "properties": {"name": ["Mahan Air"], "addressEntity": ["a1"]},
            "target": True,
        },
        {"id": "a1", "schema": "Address", "properties": {"full": ["Tehran"]}},
    ]
    return "\n".join(json.dumps(x, ensure_ascii=False) for x in lines) + "\n"


@dataclass(frozen=True)
class Loader:
    """One loader and the file set it is fed: ``main`` is the file that gets damaged."""

    id: str
    fmt: str
    main: str
    seed: Callable[[], str]
    json: bool = False
    others: tuple[tuple[str, Callable[[], str]], ...] = ()


LOADERS = [
    Loader("csl-csv", "csl", "csl.csv", _csl_csv),
    Loader("csl-json", "csl", "csl.json", _csl_json, json=True),
    Loader(
        "ofac-sdn",
        "ofac",
        "sdn.csv",
        _ofac_primary,
        others=(("alt.csv", _ofac_alt), ("add.csv", _ofac_add)),
    ),
    Loader(
        "ofac-cons",
        "ofac",
        "cons_prim.csv",
        _ofac_primary,
        others=(("cons_alt.csv", _ofac_alt), ("cons_add.csv", _ofac_add)),
    ),
    Loader("ofac-alt", "ofac", "alt.csv", _ofac_alt, others=(("sdn.csv", _ofac_primary),)),
    Loader("un", "un", "un.xml", _un_xml),
    Loader("dpl", "dpl", "dpl.txt", _dpl_txt),
    Loader("nsfreg", "nsfreg", "bis_entity_list.json", _nsfreg_json, json=True),
    Loader("custom-csv", "custom", "custom.csv", _custom_csv),
    Loader("custom-json", "custom", "custom.json", _custom_json, json=True),
    Loader("ftm", "ftm", "entities.ftm.json", _ftm_jsonl, json=True),
]

# ------------------------------------------------------------------------------- damage

# Characters that break naive code: lone surrogates, NUL and other C0 controls, DEL and C1,
# combining marks, bidi controls and right-to-left letters, zero-width and BOM, non-characters,
# line and paragraph separators, astral characters, quotes and separators of every format.
NASTY = [
    "\ud800",
    "\udfff",
    "\x00",
    "\x01",
    "\x0b",
    "\x0c",
    "\x1a",
    "\x1b",
    "\x1f",
    "\x7f",
    "\x85",
    "\u0301",
    "\u0336",
    "\u20dd",
    "\u202e",
    "\u2066",
    "\u200b",
    "\u200f",
    "\ufeff",
    "\uffff",
    "\u2028",
    "\u2029",
    "\U0001f600",
    "\U0010ffff",
    "ب",
    "ש",
    "\u0627\u0644",
    '"',
    "'",
    ",",
    ";",
    "\t",
    "\n",
    "\r",
    "\\",
    "<",
    ">",
    "&",
    "{",
    "}",
    "[",
    "]",
    "]]>",
    "&lol;",
    "\\u0000",
]


# The nasty characters a valid file may hold (no C0 control, no surrogate): these get further
# into the loaders than the ones that refuse a file at once.
PRINTABLE = [c for c in NASTY if not re.search("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff]", c)]


def _random_unicode(rng: random.Random, length: int, *, printable: bool = False) -> str:
    out = []
    for _ in range(length):
        roll = rng.random()
        if roll < 0.5:
            out.append(rng.choice(PRINTABLE if printable else NASTY))
        elif roll < 0.8 or printable:
            out.append(chr(rng.randint(0x20, 0x2FF)))
        else:
            out.append(chr(rng.randint(0, 0x10FFFF)))
    return "".join(out)


def _encode(text: str) -> bytes:
    """UTF-8, with lone surrogates written as the (invalid) bytes a careless writer emits."""
    return text.encode("utf-8", errors="surrogatepass")


def _json_escape_insert(rng: random.Random, text: str) -> str:
    """Put ``\\uXXXX`` escapes of nasty characters inside an existing JSON string value."""
    spots = [m.end() - 1 for m in re.finditer(r'"[^"\\\n]{2,}"', text)]
    if not spots:
        return text
    at = rng.choice(spots)
    code = rng.choice([0x0000, 0x0007, 0x001B, 0xD800, 0xDC00, 0x202E, 0x0301, 0xFFFF])
    return text[:at] + f"\\u{code:04x}" + text[at:]


# A name each seed holds (the first one found is damaged).
_NAMES = (
    "Sugon",
    "Beta",
    "AEROCARIBBEAN AIRLINES",
    "AERO-CARIBBEAN",
    "ACME FRONT",
    "ACME TRADING",
    "Mahan Air",
)


@dataclass(frozen=True)
class Case:
    loader: Loader
    kind: str
    number: int

    @property
    def id(self) -> str:
        return f"{self.loader.id}-{self.kind}-{self.number}"


KINDS_PER_LOADER = {
    "random-bytes": 6,
    "random-unicode-file": 4,
    "unicode-inserted": 10,
    "json-escape": 4,
    "control-in-name": 3,
    "truncated": 6,
    "deep-nesting": 2,
    "huge-field": 1,
    "huge-packed-name": 1,
}


def _cases() -> Iterator[Case]:
    for loader in LOADERS:
        for kind, count in KINDS_PER_LOADER.items():
            if kind == "json-escape" and not loader.json:
                continue
            for number in range(count):
                yield Case(loader, kind, number)


def _damaged(case: Case, rng: random.Random) -> bytes:
    seed = case.loader.seed()
    kind = case.kind
    if kind == "random-bytes":
        return rng.randbytes(rng.choice([1, 7, 64, 513, 4096, 50_000]))
    if kind == "random-unicode-file":
        return _encode(_random_unicode(rng, rng.choice([1, 40, 700, 5000])))
    if kind == "unicode-inserted":
        text = seed
        for _ in range(rng.randint(1, 4)):
            at = rng.randrange(len(text) + 1)
            noise = _random_unicode(rng, rng.randint(1, 6), printable=case.number % 2 == 1)
            text = text[:at] + noise + text[at:]
        return _encode(text)
    if kind == "json-escape":
        text = seed
        for _ in range(rng.randint(1, 2)):
            text = _json_escape_insert(rng, text)
        return _encode(text)
    if kind == "control-in-name":
        char = ("\x00", "\x01", "\x1b")[case.number % 3]
        if case.loader.json:
            char = f"\\u{ord(char):04x}"
        for name in _NAMES:
            if name in seed:
                return _encode(seed.replace(name, name[:2] + char + name[2:], 1))
        raise AssertionError(case.id)  # pragma: no cover - every seed names one of them
    if kind == "truncated":
        data = _encode(seed)
        return data[: rng.randrange(1, len(data))]
    if kind == "deep-nesting":
        depth = 100_000
        if case.number == 0:
            if case.loader.fmt == "un":
                inner = "<a>" * depth + "</a>" * depth
                return _encode(seed.replace("<INDIVIDUALS>", "<INDIVIDUALS>" + inner, 1))
            return _encode("[" * depth + "]" * depth)
        # inside the seed: in a JSON value, an XML element, a CSV field
        if case.loader.json:
            at = seed.index('"', seed.index(":")) if ":" in seed else 0
            return _encode(seed[:at] + "[" * depth + "]" * depth + "," + seed[at:])
        return _encode(
            seed.replace("Sugon", "[" * depth + "Sugon" + "]" * depth, 1).replace(
                "ACME", "{" * depth + "ACME", 1
            )
        )
    if kind == "huge-field":
        big = "A" * HUGE
        for name in _NAMES:
            if name in seed:
                return _encode(seed.replace(name, big + name, 1))
        return _encode(seed + big)  # pragma: no cover - every seed names one of them
    if kind == "huge-packed-name":
        # ~1 MB of what the name splitting parses: ";", "(", ")", enumerators, "a.k.a."
        packed = "Ab (c; d) e; a) f (g; h b) a.k.a. i; (j; " * 20_000
        for name in _NAMES:
            if name in seed:
                return _encode(seed.replace(name, packed + name, 1))
    raise AssertionError(kind)  # pragma: no cover


# ---------------------------------------------------------------------------------- checks


class _NoAnswerError(Exception):
    pass


@contextmanager
def _alarm(seconds: int) -> Iterator[None]:
    def fire(signum: int, frame: FrameType | None) -> None:
        raise _NoAnswerError(f"no answer within {seconds} s")

    previous = signal.signal(signal.SIGALRM, fire)
    signal.alarm(seconds)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)


_BAD = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff]")


def _texts(value: object) -> Iterator[str]:
    """Every string (keys too) in a JSON-ready value. (``json.dumps`` would escape controls.)"""
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, str):
            yield item
        elif isinstance(item, dict):
            stack.extend(item.keys())
            stack.extend(item.values())
        elif isinstance(item, list | tuple):
            stack.extend(item)


def _check_parsed(parsed: ParsedList) -> None:
    for entry in parsed.entries:
        for text in _texts(entry.to_dict()):
            found = _BAD.search(text)
            assert found is None, f"{entry.key}: {found.group()!r} was loaded in {text[:80]!r}"
            text.encode("utf-8")  # what the store writes
        assert entry.name.strip(), f"{entry.key}: empty name"
        json.dumps(entry.to_dict(), ensure_ascii=False).encode("utf-8")


def _write_set(case: Case, tmp_path: Path, data: bytes) -> list[Path]:
    main = tmp_path / case.loader.main
    main.write_bytes(data)
    paths = [main]
    for name, make in case.loader.others:
        other = tmp_path / name
        other.write_bytes(_encode(make()))
        paths.append(other)
    return paths


CASES = list(_cases())


def test_the_seeds_parse(tmp_path: Path) -> None:
    """The undamaged seeds load: the damage, not the seed, is what each case tests."""
    for loader in LOADERS:
        folder = tmp_path / loader.id
        folder.mkdir()
        paths = _write_set(Case(loader, "seed", 0), folder, _encode(loader.seed()))
        _fmt, parsed = parse_files(paths, loader.fmt)
        assert parsed.entries, loader.id
        _check_parsed(parsed)


def test_enough_cases() -> None:
    assert len(CASES) >= 300
    assert {c.loader.id for c in CASES} == {loader.id for loader in LOADERS}


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_hostile_file_parses_or_is_refused(case: Case, tmp_path: Path) -> None:
    rng = random.Random(f"{SEED}-{case.id}")
    data = _damaged(case, rng)
    paths = _write_set(case, tmp_path, data)
    with _alarm(CASE_SECONDS):
        try:
            _fmt, parsed = parse_files(paths, case.loader.fmt)
        except BadInputError as exc:
            assert str(exc).strip()
            return
        except _NoAnswerError:
            pytest.fail(f"{case.id}: no answer within {CASE_SECONDS} s")
        except Exception as exc:  # the point of the test: nothing else may escape
            pytest.fail(f"{case.id}: {type(exc).__name__}: {str(exc)[:300]}")
    _check_parsed(parsed)


@pytest.mark.parametrize(
    "case", [c for c in CASES if c.kind == "random-bytes"][:11], ids=lambda c: c.id
)
def test_random_bytes_with_format_detection(case: Case, tmp_path: Path) -> None:
    """Without ``--format``: detection itself refuses garbage as bad input."""
    rng = random.Random(f"{SEED}-detect-{case.id}")
    path = tmp_path / case.loader.main
    path.write_bytes(rng.randbytes(300))
    with _alarm(CASE_SECONDS):
        try:
            parse_files([path])
        except BadInputError:
            return
        except Exception as exc:
            pytest.fail(f"{case.id}: {type(exc).__name__}: {str(exc)[:300]}")


def test_a_row_of_empty_fields_is_refused_in_an_official_file_and_skipped_in_a_custom_one(
    tmp_path: Path,
) -> None:
    # In an official CSL or DPL file a row of empty fields is damage (a record whose values
    # were lost): the file is refused at that line. A provider's own list exported from a
    # spreadsheet often ends in such rows: they are skipped.
    official = csv_records(tmp_path / "x.csv", "a,b\n1,2\n,\n\n3,4\n", blank_fields=True)
    assert official == [(1, ["a", "b"]), (2, ["1", "2"]), (3, ["", ""]), (5, ["3", "4"])]
    custom = csv_records(tmp_path / "x.csv", "a,b\n1,2\n,\n \t\n3,4\n")
    assert custom == [(1, ["a", "b"]), (2, ["1", "2"]), (5, ["3", "4"])]
