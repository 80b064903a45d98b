"""Hostile input to `compliance screen` (issue 8, "Done means"): seeded random Unicode (lone
surrogates, NUL, combining marks, right-to-left text, bidi controls, emoji, huge fields),
broken JSON and random bytes, as CSV and JSON Lines, in one process and with workers.

Whatever the input: no traceback, exit 0 or 2 (never 1, the `--fail-on` code), one output
record per input row in input order (a decision, or an error naming the line), well-formed
JSONL, CSV and XLSX output, and the listed control rows never come out `clear`.
"""

from __future__ import annotations

import csv
import io
import json
import random
import time
from pathlib import Path
from typing import Any

import pytest
from openpyxl import load_workbook
from typer.testing import CliRunner, Result

from compliance.cli import app
from compliance.records import MAX_FIELD_CHARS

SEED = 8
runner = CliRunner()

POOLS: list[list[str]] = [
    list("abcdefghijklmnopqrstuvwxyz ABCDEFGHIJKLMNOPQRSTUVWXYZ 0123456789"),
    list(",;:%\"'=+-@\t()[]{}\\/|.&"),
    [chr(c) for c in range(0x300, 0x370)],  # combining marks
    [chr(c) for c in range(0x5D0, 0x5EB)] + [chr(c) for c in range(0x627, 0x64B)],  # RTL
    [chr(c) for c in (*range(0x202A, 0x202F), *range(0x2066, 0x206A), *range(0x200B, 0x2010))]
    + ["\ufeff", "\u00ad", "\u2028", "\u2029", "\u0085"],  # bidi, invisible, separators
    ["\U0001f600", "\U0001f1e8\U0001f1f3", "\u2764\ufe0f", "\U0001f468\u200d\U0001f4bb"],
    ["华为", "Хуавей", "Ηuawei", "𝐇𝐮𝐚𝐰𝐞𝐢", "ﾌｧｰｳｪｲ", "\ufffd", "\ufffe", "\uffff", "\U0010ffff"],
    ["\x00", "\x01", "\x07", "\x1b", "\x7f", "\x9f"],  # NUL and other control characters
]
SURROGATES = ["\ud800", "\udbff", "\udc00", "\udfff"]
CONTROL = ("Huawei Technologies Co., Ltd.", "CN")  # on the demo list: never cleared


def hostile(rng: random.Random, *, surrogates: bool, long: bool = False) -> str:
    """Random text from the pools; sometimes a lone surrogate, sometimes huge."""
    if long:
        return "".join(rng.choice(POOLS[0]) for _ in range(MAX_FIELD_CHARS + rng.randrange(50)))
    parts: list[str] = []
    for _ in range(rng.randrange(1, 24)):
        if surrogates and rng.random() < 0.03:
            parts.append(rng.choice(SURROGATES))
        elif rng.random() < 0.05:
            parts.append(chr(rng.randrange(0x20, 0x110000)))
        else:
            parts.append(rng.choice(rng.choice(POOLS)))
    text = "".join(parts)
    if not surrogates:  # any code point, but no surrogate: the file must be UTF-8
        text = text.encode("utf-8", "replace").decode("utf-8")
    return text


def row(rng: random.Random, i: int, *, surrogates: bool) -> dict[str, Any]:
    def h(long_share: float = 0.0) -> str:
        return hostile(rng, surrogates=surrogates, long=rng.random() < long_share)

    record: dict[str, Any] = {
        "id": f"r{i}" if rng.random() < 0.85 else h(),
        "name": h(0.02) if rng.random() < 0.95 else "",
    }
    optional: dict[str, Any] = {
        "aliases": lambda: ";".join(h() for _ in range(rng.randrange(3))),
        "country": lambda: rng.choice(["CN", "US", "GB", "Iran", "", "XX", h()]),
        "owners": lambda: ";".join(
            f"{h()}:{rng.choice(['', '10%', '60', '101', h()])}:{rng.choice(['CN', '', h()])}"
            for _ in range(rng.randrange(1, 3))
        ),
        "parent_name": h,
        "ultimate_parent_name": h,
        "date_of_birth": lambda: rng.choice(["1961", "1990-02-30", h()]),
        "entity_type": lambda: rng.choice(["person", "organization", h()]),
        "address": lambda: h(0.05),
        h(): h,  # an unknown (hostile) column, kept as extra
    }
    for key, make in optional.items():
        if rng.random() < 0.4:
            record[key] = make()
    return record


def jsonl_lines(rng: random.Random, n: int) -> list[str]:
    lines: list[str] = []
    for i in range(n):
        r = rng.random()
        if r < 0.82:
            ascii_only = rng.random() < 0.7  # else raw UTF-8 text, where no surrogate can be
            record = row(rng, i, surrogates=ascii_only)
            lines.append(json.dumps(record, ensure_ascii=ascii_only))
        elif r < 0.86:  # a JSON list where text is expected, numbers, nesting
            record = row(rng, i, surrogates=True)
            record[rng.choice(["aliases", "owners", "name", "tags"])] = rng.choice(
                [[hostile(rng, surrogates=True)], {"a": [1, None]}, 1e308, True, None, []]
            )
            lines.append(json.dumps(record))
        elif r < 0.88:
            depth = rng.choice([50, 900, 996, 5000])
            nested = "[" * depth + "]" * depth
            lines.append(f'{{"id": "d{i}", "name": "Deep", "x": {nested}}}')
        elif r < 0.92:  # broken JSON, cut anywhere
            text = json.dumps(row(rng, i, surrogates=True))
            lines.append("x" + text[: rng.randrange(1, len(text))])
        elif r < 0.94:
            lines.append(rng.choice(['["a"]', "NaN", "null", '"text"', '{"id": NaN}', "{}"]))
        else:  # raw Unicode junk on one line
            lines.append("x" + hostile(rng, surrogates=False).replace("\n", "").replace("\r", ""))
    return lines


def csv_text(rng: random.Random, n: int) -> str:
    columns = ["id", "name", "aliases", "country", "owners", "parent_name", "date_of_birth"]
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(columns)
    for i in range(n):
        record = row(rng, i, surrogates=False)
        writer.writerow([record.get(c, "") for c in columns])
        if rng.random() < 0.03:  # a broken row: an unclosed quote, a short row
            buf.write(rng.choice(['r,"unclosed\n', "only-one-field\n", 'a,b,"c""\n']))
    return buf.getvalue()


def check_output(result: Result, out: Path | None, control_ids: set[str]) -> list[dict[str, Any]]:
    """The invariants every run must hold; returns the JSONL records when there are some."""
    assert result.exception is None or isinstance(result.exception, SystemExit), repr(
        result.exception
    )
    assert result.exit_code in (0, 2), (result.exit_code, result.output[-2000:])
    if out is None or not out.exists():
        return []
    if out.suffix == ".jsonl":
        rows = [json.loads(line) for line in out.read_text(encoding="utf-8").split("\n") if line]
        for record in rows:
            assert (record["decision"] is None) == bool(record.get("error")), record
            if record["decision"] is None:
                assert isinstance(record["line"], int) and record["error"]
            if record["record_id"] in control_ids:
                assert record["decision"] not in ("clear", None), record
        assert control_ids <= {r["record_id"] for r in rows}
        return rows
    if out.suffix == ".csv":
        with out.open(encoding="utf-8", newline="") as fh:
            table = list(csv.DictReader(fh))
        assert control_ids <= {r["record_id"] for r in table}
        return []
    sheet = load_workbook(out, read_only=True)["Results"]
    ids = {r[0] for r in sheet.iter_rows(min_row=2, values_only=True)}
    assert control_ids <= ids
    return []


@pytest.fixture(scope="module")
def shared_home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("fuzz-home")


@pytest.fixture
def env(shared_home: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """One COMPLIANCE_HOME for the module (the demo list and its index are built once), and
    each test's own directory for its files."""
    from compliance.settings import get_settings

    monkeypatch.setenv("COMPLIANCE_HOME", str(shared_home))
    get_settings.cache_clear()
    return tmp_path


def _without_noncharacters(text: str) -> str:
    for char in ("\ufffe", "\uffff"):
        text = text.replace(char, "").replace(json.dumps(char)[1:-1], "")
    return text


def test_xlsx_output_holds_noncharacters(env: Path) -> None:
    src = env / "nonchar.jsonl"
    src.write_text('{"id": "n\\ufffe1", "name": "Acme \\uffff Ltd"}\n', encoding="utf-8")
    out = env / "out.xlsx"
    result = runner.invoke(app, ["screen", str(src), "--out", str(out), "--workers", "1"])
    check_output(result, out, set())


def _with_controls(lines: list[str], rng: random.Random) -> tuple[list[str], set[str]]:
    controls: set[str] = set()
    for k in range(3):
        at = rng.randrange(len(lines) + 1)
        cid = f"control-{k}"
        controls.add(cid)
        lines.insert(at, json.dumps({"id": cid, "name": CONTROL[0], "country": CONTROL[1]}))
    return lines, controls


@pytest.mark.parametrize(("workers", "suffix"), [("1", ".jsonl"), ("2", ".jsonl"), ("2", ".xlsx")])
def test_random_unicode_jsonl(env: Path, workers: str, suffix: str) -> None:
    rng = random.Random(SEED)
    lines, controls = _with_controls(jsonl_lines(rng, 250), rng)
    if suffix == ".xlsx":  # see test_xlsx_output_holds_noncharacters
        lines = [_without_noncharacters(line) for line in lines]
    src = env / "fuzz.jsonl"
    src.write_text("\n".join(lines) + "\n", encoding="utf-8")  # surrogates only as escapes
    out = env / f"out{suffix}"
    start = time.monotonic()
    result = runner.invoke(app, ["screen", str(src), "--out", str(out), "--workers", workers])
    rows = check_output(result, out, controls)
    assert time.monotonic() - start < 30
    if suffix == ".jsonl":
        nonblank = [n for n, line in enumerate(lines, 1) if line.replace("\x00", "").strip()]
        assert len(rows) == len(nonblank)  # one record per row, none lost, none doubled
        assert [r["line"] for r in rows if r["decision"] is None] == sorted(
            r["line"] for r in rows if r["decision"] is None
        )
        errors = [r for r in rows if r["decision"] is None]
        assert any("lone surrogate" in r["error"] for r in errors)
        assert any(r["decision"] == "clear" for r in rows)  # most rows still screen


@pytest.mark.parametrize("suffix", [".jsonl", ".csv", ".xlsx"])
def test_random_unicode_csv(env: Path, suffix: str) -> None:
    rng = random.Random(SEED + 1)
    text = csv_text(rng, 200)
    if suffix == ".xlsx":  # see test_xlsx_output_holds_noncharacters
        text = _without_noncharacters(text)
    header, _, body = text.partition("\n")
    control = f'control-0,"{CONTROL[0]}",,{CONTROL[1]},,,\n'
    src = env / "fuzz.csv"
    src.write_text(f"{header}\n{control}{body}{control.replace('-0', '-1')}", encoding="utf-8")
    out = env / f"out{suffix}"
    result = runner.invoke(app, ["screen", str(src), "--out", str(out), "--workers", "2"])
    check_output(result, out, {"control-0", "control-1"})
    assert out.exists()


def test_random_bytes(env: Path) -> None:
    """Random bytes (sometimes after a valid header, sometimes with a UTF-16 BOM or invalid
    UTF-8): a clean exit 0 or 2, the message naming the file, never a traceback."""
    rng = random.Random(SEED + 2)
    start = time.monotonic()
    for k in range(12):
        blob = bytes(rng.randrange(256) for _ in range(rng.randrange(1, 3000)))
        prefix = rng.choice([b"", b"id,name\n", b'{"id": "a", "name": "b"}\n', b"\xff\xfe"])
        src = env / f"bytes{k}{rng.choice(['.csv', '.jsonl', '.txt'])}"
        src.write_bytes(prefix + blob)
        out = env / f"out-bytes{k}.jsonl"
        result = runner.invoke(app, ["screen", str(src), "--out", str(out), "--workers", "1"])
        check_output(result, out, set())
        if result.exit_code == 2 and not out.exists():
            assert str(src) in result.stderr
    # Valid UTF-8 of random code points (no surrogates), one row per line.
    lines = [
        json.dumps({"id": f"u{i}", "name": hostile(rng, surrogates=False)}, ensure_ascii=False)
        for i in range(200)
    ]
    src = env / "utf8.jsonl"
    src.write_text("\n".join(lines), encoding="utf-8")
    out = env / "utf8.jsonl.out.jsonl"
    result = runner.invoke(app, ["screen", str(src), "--out", str(out), "--workers", "1"])
    assert len(check_output(result, out, set())) == 200
    assert time.monotonic() - start < 30


def test_random_unicode_data_centres(env: Path) -> None:
    rng = random.Random(SEED + 3)
    lines = []
    for i in range(120):
        record: dict[str, Any] = {
            "id": f"d{i}" if rng.random() < 0.9 else hostile(rng, surrogates=True),
            "name": hostile(rng, surrogates=True),
            "operator_name": hostile(rng, surrogates=True),
            "operator_ultimate_parent_name": hostile(rng, surrogates=True),
            "country": rng.choice(["CN", "MY", "", hostile(rng, surrogates=True)]),
            "accelerator_model": rng.choice(["H100", "B200", hostile(rng, surrogates=True)]),
            "accelerator_count": rng.choice([8, "1,024", -1, 1e300, hostile(rng, surrogates=True)]),
            "eccn": rng.choice(["3A090.a", "EAR99", hostile(rng, surrogates=True)]),
        }
        lines.append(json.dumps(record))
    src = env / "dc.jsonl"
    src.write_text("\n".join(lines), encoding="utf-8")
    out = env / "dc.out.jsonl"
    result = runner.invoke(app, ["screen", str(src), "--kind", "data-centres", "--out", str(out)])
    assert len(check_output(result, out, set())) == 120
