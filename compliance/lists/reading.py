"""Reading list files safely: size, encoding, binary garbage, end-of-file markers.

Every failure is a :class:`~compliance.errors.ListFormatError` naming the file and, where it
makes sense, the line.
"""

from __future__ import annotations

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
    if nul >= 0:
        line = data.count(b"\n", 0, nul) + 1
        raise ListFormatError(
            path, f"binary content (NUL byte at offset {nul}); not a text list file", line=line
        )
    return data


def decode_text(path: Path, data: bytes, *, encoding: str = "utf-8") -> str:
    """Decode strictly; a bad byte is reported with its line. A UTF-8 BOM is dropped."""
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
    return text


def read_text(path: Path, *, encoding: str = "utf-8", strip_eof_marker: bool = False) -> str:
    data = read_bytes(path)
    if strip_eof_marker:
        data = data.rstrip(b"\r\n").removesuffix(_SUB)
    return decode_text(path, data, encoding=encoding)


def has_eof_marker(data: bytes) -> bool:
    """True when the file ends with the 0x1A marker (trailing newlines ignored)."""
    return data.rstrip(b"\r\n").endswith(_SUB)
