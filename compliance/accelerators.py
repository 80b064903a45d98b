"""Classifying a data centre's accelerators: ECCN from the record, or from model and TPP.

The reference table is ``compliance/data/accelerators.csv`` (its README gives each column and
the source of every figure). The 3A090 thresholds (October 2023 rule):

* 3A090.a: TPP >= 4800; or TPP >= 1600 and performance density (PD) >= 5.92.
* 3A090.b: 2400 <= TPP < 4800 and 1.6 <= PD < 5.92; or TPP >= 1600 and 3.2 <= PD < 5.92.
* ICs not designed or marketed for data centres are caught only by TPP >= 4800.

Worked example: an "NVIDIA L4" with no ECCN: the table gives TPP 1940 and PD 6.59, a data-centre
part, so 3A090.a (TPP >= 1600 and PD >= 5.92). A TPP between 1600 and 4800 with no known die
area cannot be classified: the record is flagged ``undetermined`` rather than guessed.
"""

from __future__ import annotations

import csv
import hashlib
import re
from dataclasses import dataclass
from datetime import date
from functools import lru_cache
from importlib import resources
from pathlib import Path

from compliance.errors import FileFormatError

ADVANCED_BASES = frozenset({"3A090", "4A090"})
# ECCNs whose .z paragraph is an advanced-computing item (the .z items License Exceptions
# NAC/ACA name in 15 CFR 740.8: hardware and the 5D002.z / 5D992.z software).
Z_ITEMS = frozenset(
    {"3A001", "4A003", "4A004", "4A005", "5A002", "5A004", "5A992", "5D002", "5D992"}
)
_VENDOR_PREFIX = re.compile(r"^(nvidia|amd|intel|google|huawei|cambricon)\s+", re.IGNORECASE)
_NON_ALNUM = re.compile(r"[^0-9a-z]+")


@dataclass(frozen=True, slots=True)
class Accelerator:
    model: str
    vendor: str
    origin_country: str | None
    tpp: float | None
    performance_density: float | None
    typical_eccn: str
    datacenter: bool
    # Aggregate bidirectional transfer rate to ICs other than memory, GB/s (the October 2022
    # test); None when not known.
    interconnect_gbs: float | None = None


@dataclass(frozen=True, slots=True)
class Classification:
    """What the rules see of a data centre's accelerators (the ``item.*`` facts)."""

    eccn: str | None
    advanced: bool | None  # None when undetermined
    level: str | None  # "a", "b" or "z"
    undetermined: bool
    conflict: bool
    model: str | None
    vendor: str | None
    origin_country: str | None
    tpp: float | None
    performance_density: float | None
    basis: str  # how the classification was reached, for the explanation
    # Designed or marketed for data centres (the table's notes); None for a model it does not
    # know. A 3A090.a part that is not a data-centre part can use License Exceptions NAC/ACA.
    datacenter: bool | None = None


def _key(model: str) -> str:
    return _NON_ALNUM.sub("", _VENDOR_PREFIX.sub("", model.strip()).casefold())


def _number(text: str) -> float | None:
    return float(text) if text.strip() else None


def read_table(path: Path) -> dict[str, Accelerator]:
    table: dict[str, Accelerator] = {}
    with path.open(encoding="utf-8", newline="") as handle:
        for line, row in enumerate(csv.DictReader(handle), start=2):
            try:
                acc = Accelerator(
                    model=row["model"],
                    vendor=row["vendor"],
                    origin_country=row["origin_country"] or None,
                    tpp=_number(row["tpp"]),
                    performance_density=_number(row["performance_density"]),
                    typical_eccn=row["typical_eccn"],
                    datacenter="[non-datacenter]" not in row["notes"],
                    interconnect_gbs=_number(row.get("interconnect_gbs") or ""),
                )
            except (KeyError, ValueError) as exc:
                raise FileFormatError(path, f"bad row: {exc}", line=line) from exc
            table[_key(acc.model)] = acc
    return table


def _default_path() -> Path:
    return Path(str(resources.files("compliance") / "data" / "accelerators.csv"))


@lru_cache(maxsize=1)
def default_table() -> dict[str, Accelerator]:
    return read_table(_default_path())


@lru_cache(maxsize=1)
def default_table_version() -> str:
    """sha256 of the reference table: it decides classifications, so it goes into every
    data-centre decision beside the ruleset version."""
    return "sha256:" + hashlib.sha256(_default_path().read_bytes()).hexdigest()


def lookup(model: str | None, table: dict[str, Accelerator]) -> Accelerator | None:
    """The table row for a model name: exact (ignoring case, spaces, punctuation and a vendor
    prefix), else the longest table model the name starts with ("H100 SXM5 80GB" is H100 SXM)."""
    if not model:
        return None
    key = _key(model)
    if not key:
        return None
    found = table.get(key)
    if found is not None:
        return found
    # A prefix must end where a new part begins: "H100 SXM5 80GB" is H100 SXM, but "L40" is
    # not L4 and "A1000" is not A100 (a digit may not follow a digit).
    prefixes = [
        k for k in table if key.startswith(k) and not (k[-1].isdigit() and key[len(k)].isdigit())
    ]
    return table[max(prefixes, key=len)] if prefixes else None


def level_from_thresholds(
    tpp: float | None, density: float | None, datacenter: bool = True
) -> str | None:
    """``"a"``, ``"b"``, ``"-"`` (below 3A090) or ``None`` (cannot tell without the die area)."""
    if tpp is None:
        return None
    if tpp >= 4800:
        return "a"
    if tpp < 1600:
        return "-"
    if not datacenter:
        return "-"
    if density is None:
        return None
    if density >= 5.92:
        return "a"
    if (2400 <= tpp < 4800 and 1.6 <= density < 5.92) or 3.2 <= density < 5.92:
        return "b"
    return "-"


def parse_eccn(eccn: str) -> tuple[bool, str | None]:
    """(advanced-computing item?, level) for an ECCN text such as ``4A090.a`` or ``5A992.z``."""
    base, _, para = eccn.upper().partition(".")
    para = para.lower()[:1]
    if base in ADVANCED_BASES:
        return True, para if para in ("a", "b") else None
    if base in Z_ITEMS and para == "z":
        return True, "z"
    return False, None


# The history of ECCN 3A090 (rules/README.md, "History"): none before the October 2022 rule;
# from 2022-10-07 (87 FR 62186) an IC with TPP >= 4800 AND an aggregate bidirectional transfer
# rate of 600 GB/s or more; from 2023-11-17 (88 FR 73458) the TPP and performance-density
# tests of level_from_thresholds, with no interconnect test, and the .z items.
AC_RULE_2022 = date(2022, 10, 7)
AC_RULE_2023 = date(2023, 11, 17)
INTERCONNECT_2022_GBS = 600.0


def classify(
    model: str | None,
    eccn: str | None,
    tpp: float | None,
    table: dict[str, Accelerator] | None = None,
    as_of: date | None = None,
) -> Classification:
    """The ``item.*`` facts of a data centre's accelerators under ECCN 3A090 as it read on
    ``as_of`` (today's text when None). Worked example: an A800 (TPP 4992, NVLink 400 GB/s)
    is not 3A090 on 2023-06-01 (under 600 GB/s, the October 2022 test) and is 3A090.a from
    2023-11-17."""
    table = default_table() if table is None else table
    if as_of is not None and as_of < AC_RULE_2023:
        return _classify_before_2023(model, eccn, tpp, table, as_of)
    row = lookup(model, table)
    use_tpp = tpp if tpp is not None else (row.tpp if row else None)
    density = row.performance_density if row else None
    if row is not None and tpp is not None and row.tpp and density is not None:
        density = density * tpp / row.tpp  # same die, the record's TPP
    datacenter = row.datacenter if row else True
    derived = level_from_thresholds(use_tpp, density, datacenter)
    source = f"table row {row.model!r}" if row else "record"
    derived_eccn = {"a": "3A090.a", "b": "3A090.b", "-": "not 3A090"}.get(derived or "")
    vendor = row.vendor if row else None
    origin = row.origin_country if row else None
    shown_pd = round(density, 2) if density is not None else None

    def result(
        eccn: str | None,
        advanced: bool | None,
        level: str | None,
        undetermined: bool,
        conflict: bool,
        basis: str,
    ) -> Classification:
        return Classification(
            eccn, advanced, level, undetermined, conflict, model, vendor, origin, use_tpp,
            shown_pd, basis, row.datacenter if row else None,
        )  # fmt: skip

    if eccn:
        advanced, level = parse_eccn(eccn)
        if advanced and level is None and derived in ("a", "b"):
            level = derived  # "3A090" with no paragraph: the model's or TPP's
        conflict = derived is not None and (
            (derived in ("a", "b")) != advanced or (level in ("a", "b") and derived != level)
        )
        basis = f"ECCN {eccn} from the record"
        if conflict:
            basis += f"; TPP {use_tpp:g} ({source}) gives {derived_eccn}"
            if derived in ("a", "b") and not advanced:
                # The record says "not 3A090" but the model says otherwise: screen as the more
                # restrictive of the two until someone settles it (eccn_conflict asks them to).
                basis += f"; screened as {derived_eccn}"
                eccn, advanced, level = f"{derived_eccn} (record: {eccn})", True, derived
        return result(eccn, advanced, level, False, conflict, basis)
    if derived is None:
        why = (
            "no ECCN, no known model and no TPP"
            if use_tpp is None
            else (f"TPP {use_tpp:g} is between 1600 and 4800 and the die area is unknown")
        )
        return result(None, None, None, True, False, why)
    advanced = derived in ("a", "b")
    text = f"TPP {use_tpp:g}" + (f", PD {density:.2f}" if density is not None else "")
    return result(
        derived_eccn if advanced else None,
        advanced,
        derived if advanced else None,
        False,
        False,
        f"{derived_eccn} from {text} ({source})",
    )


def _classify_before_2023(
    model: str | None,
    eccn: str | None,
    tpp: float | None,
    table: dict[str, Accelerator],
    as_of: date,
) -> Classification:
    """3A090 before 2023-11-17: nothing before 2022-10-07, then the October 2022 test (TPP >=
    4800 and >= 600 GB/s). The record's ECCN is read as today's classification: it stands only
    when neither the model nor a TPP lets the test be applied."""
    row = lookup(model, table)
    use_tpp = tpp if tpp is not None else (row.tpp if row else None)
    vendor = row.vendor if row else None
    origin = row.origin_country if row else None
    density = row.performance_density if row else None
    datacenter = row.datacenter if row else None

    def result(advanced: bool | None, undetermined: bool, basis: str) -> Classification:
        return Classification(
            "3A090 (October 2022 text)" if advanced else None,
            advanced,
            "a" if advanced else None,
            undetermined,
            False,
            model,
            vendor,
            origin,
            use_tpp,
            density,
            basis,
            datacenter,
        )

    if as_of < AC_RULE_2022:
        return result(False, False, f"ECCN 3A090 did not exist on {as_of.isoformat()}")
    link = row.interconnect_gbs if row else None
    if use_tpp is None:
        if eccn and not parse_eccn(eccn)[0]:
            return result(False, False, f"ECCN {eccn} from the record")
        if eccn:
            # Today's 3A090 paragraph says nothing of the October 2022 test (a .b part, and
            # many .a parts, were not 3A090 then): it needs the TPP and the interconnect.
            return result(
                None,
                True,
                f"ECCN {eccn} from the record is today's classification; the October 2022 "
                "text of 3A090 needs the TPP and the interconnect rate",
            )
        return result(None, True, "no ECCN, no known model and no TPP")
    if use_tpp < 4800:
        return result(False, False, f"TPP {use_tpp:g} < 4800 (October 2022 text of 3A090)")
    if link is None:
        return result(
            None,
            True,
            f"TPP {use_tpp:g} >= 4800 but the interconnect rate is unknown (October 2022 "
            "text of 3A090: 600 GB/s or more)",
        )
    advanced = link >= INTERCONNECT_2022_GBS
    sign = ">=" if advanced else "<"
    return result(
        advanced,
        False,
        f"TPP {use_tpp:g} >= 4800 and interconnect {link:g} GB/s {sign} 600 "
        "(October 2022 text of 3A090)",
    )
