"""Reading list files safely: size, encoding, binary garbage, end-of-file markers.

Every failure is a :class:`~compliance.errors.ListFormatError` naming the file and, where it
makes sense, the line.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Sequence
from pathlib import Path

from compliance.errors import ListFormatError

_SUB = b"\x1a"  # DOS end-of-file marker: OFAC's legacy CSV files end with it.


def read_bytes(path: Path) -> bytes:
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise ListFormatError(path, "file not found") from None
    except IsADirectoryError:
        raise ListFormatError(path, "is a directory, expected a list file") from None
    except OSError as exc:
        raise ListFormatError(path, f"cannot read: {exc.strerror}") from None
    if not data.strip(b" \t\r\n" + _SUB):
        raise ListFormatError(path, "file is empty")
    nul = data.find(b"\x00")
    if nul >= 0 and _looks_binary(data, nul):
        line = data.count(b"\n", 0, nul) + 1
        raise ListFormatError(
            path, f"binary content (NUL byte at offset {nul}); not a text list file", line=line
        )
    return data


def _looks_binary(data: bytes, nul: int) -> bool:
    """A NUL byte in a binary or UTF-16 file, rather than one stray NUL in a text file (which
    :func:`refuse_controls` reports with its line and field)."""
    if data.count(b"\x00") * 10 > len(data):
        return True  # UTF-16/32 text, or mostly binary
    near = data[max(0, nul - 1) : nul + 2].replace(b"\x00", b"", 1)
    if any(b < 0x20 and b not in (0x09, 0x0A, 0x0D) for b in near):
        return True
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        return True
    return False


def decode_text(
    path: Path,
    data: bytes,
    *,
    encoding: str = "utf-8",
    delimiter: str = ",",
    columns: Sequence[str] | None = None,
) -> str:
    """Decode strictly; a bad byte is reported with its line. A UTF-8 BOM is dropped.

    A C0 control character other than tab, CR and LF refuses the file (see
    :func:`refuse_controls`; ``delimiter`` and ``columns`` only name the field)."""
    try:
        text = data.decode("utf-8-sig" if encoding.lower() in ("utf-8", "utf8") else encoding)
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        bad = data[exc.start : exc.start + 1].hex()
        raise ListFormatError(
            path,
            f"not valid {encoding} (byte 0x{bad} at offset {exc.start}); "
            "wrong encoding or a corrupted file",
            line=line,
        ) from None
    refuse_controls(path, text, delimiter=delimiter, columns=columns)
    return text


# C0 controls except tab, LF and CR. They are invisible, break PostgreSQL (NUL) and would be
# collapsed to spaces by the loaders' whitespace cleaning: a file holding one is refused,
# never altered.
CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f]")


def refuse_controls(
    path: Path, text: str, *, delimiter: str = ",", columns: Sequence[str] | None = None
) -> None:
    """Raise :class:`ListFormatError` (file, line, field) at the first C0 control character.

    For delimited text the field is the header's column name (or ``columns[i]`` for a file
    without a header, else ``column N``). JSON text (starting with ``{`` or ``[``) names no
    field here: its values are checked after decoding (``_common.check_json``).
    """
    end = len(text.rstrip(" \t\r\n"))
    if text[:end].endswith("\x1a"):
        end -= 1  # the DOS end-of-file marker is not text (OFAC's CSV files end with it)
    found = CONTROL.search(text, 0, end)
    if found is None:
        return
    pos = found.start()
    line = text.count("\n", 0, pos) + 1
    what = (
        "NUL character U+0000 (binary content?)"
        if found.group() == "\x00"
        else f"control character U+{ord(found.group()):04X}"
    )
    message = f"{what} in a text value; the file is refused (a list is never altered silently)"
    field: str | None = None
    if text.lstrip()[:1] not in ("{", "[", "<"):
        field = _column_at(text, pos, delimiter, columns)
    raise ListFormatError(path, message, line=line, field=field)


def _column_at(text: str, pos: int, delimiter: str, columns: Sequence[str] | None) -> str:
    """The name of the delimited column holding ``text[pos]`` (CSV quoting respected)."""
    try:
        records = list(csv.reader(io.StringIO(text[:pos] + "Z", newline=""), delimiter=delimiter))
    except csv.Error:
        return "unknown"
    if not records:
        return "column 1"
    index = len(records[-1]) - 1
    header = list(columns) if columns is not None else (records[0] if len(records) > 1 else [])
    if 0 <= index < len(header) and header[index].strip():
        return " ".join(header[index].split())
    return f"column {index + 1}"


def read_text(path: Path, *, encoding: str = "utf-8", strip_eof_marker: bool = False) -> str:
    data = read_bytes(path)
    if strip_eof_marker:
        data = data.rstrip(b"\r\n").removesuffix(_SUB)
    return decode_text(path, data, encoding=encoding)


def has_eof_marker(data: bytes) -> bool:
    """True when the file ends with the 0x1A marker (trailing newlines ignored)."""
    return data.rstrip(b"\r\n").endswith(_SUB)
