"""Writing screening results: JSON Lines, CSV and XLSX, with formula-injection defence."""

from __future__ import annotations

from compliance.export.cells import FORMULA_TRIGGERS, neutralise_cell
from compliance.export.writers import (
    RESULT_COLUMNS,
    OutputFileError,
    explain_features,
    flatten_result,
    write_csv,
    write_jsonl,
    write_results,
    write_xlsx,
)

__all__ = [
    "FORMULA_TRIGGERS",
    "RESULT_COLUMNS",
    "OutputFileError",
    "explain_features",
    "flatten_result",
    "neutralise_cell",
    "write_csv",
    "write_jsonl",
    "write_results",
    "write_xlsx",
]
