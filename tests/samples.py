"""The bundled sample customers, repeated under new record ids into a larger file (for tests
that need more rows than one chunk of a batch)."""

from __future__ import annotations

import csv
from pathlib import Path

SAMPLES = Path(__file__).resolve().parents[1] / "data" / "samples"


def repeated_customers(path: Path, rows: int) -> None:
    """Write ``rows`` customers to ``path``: the samples again and again, ids suffixed."""
    with (SAMPLES / "customers.csv").open(encoding="utf-8") as fh:
        reader = csv.DictReader(fh)
        samples = list(reader)
        header = reader.fieldnames
    assert header is not None
    with path.open("w", newline="", encoding="utf-8") as fh:
        w = csv.DictWriter(fh, fieldnames=header)
        w.writeheader()
        for i in range(rows):
            row = samples[i % len(samples)]
            w.writerow({**row, "id": f"{row['id']}-{i}"})
