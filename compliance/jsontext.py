"""The one JSON form of a result line: compact, UTF-8 kept as is, no NaN; the few non-JSON
values a result may carry (dates, enums, sets, dataclasses) written as their JSON forms.
Used by the writers and by :meth:`compliance.decision.Decision.json_text` (which a screening
worker makes, so the writer only copies it)."""

from __future__ import annotations

import json
from dataclasses import asdict, is_dataclass
from datetime import date, datetime
from enum import Enum


def json_default(value: object) -> object:
    """JSON for the few non-JSON values a result may carry: dates, enums, sets, dataclasses."""
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, set | frozenset):
        return sorted(value, key=str)
    to_dict = getattr(value, "to_dict", None)
    if callable(to_dict):
        return to_dict()
    if is_dataclass(value) and not isinstance(value, type):
        return asdict(value)
    raise TypeError(f"cannot write a {type(value).__name__} value as JSON")


def dumps(value: object, *, sort_keys: bool = False) -> str:
    return json.dumps(
        value,
        ensure_ascii=False,
        separators=(",", ":"),
        default=json_default,
        sort_keys=sort_keys,
        allow_nan=False,  # NaN/Infinity are not JSON; a NaN score is a bug, not data
    )
