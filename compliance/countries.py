"""Country names and codes to ISO 3166 alpha-2, through rigour's territory table."""

from __future__ import annotations

from functools import lru_cache

from rigour.territories import lookup_territory

# Names seen in US list files that the territory table does not resolve on its own.
_EXTRA = {
    "korea, north": "KP",
    "korea, south": "KR",
    "burma": "MM",
    "region: crimea": "UA",
    "region: gaza": "PS",
    "region: west bank": "PS",
    "region: northern gaza": "PS",
    "region: north gaza": "PS",
    "jammu and kashmir": "IN",
    "undetermined": "",
}


@lru_cache(maxsize=8192)
def to_iso2(text: str | None) -> str | None:
    """Return the ISO alpha-2 code (upper case) for a country name or code, else ``None``.

    Sub-national territories map to their country: "Crimea" -> "UA". Hong Kong stays "HK"
    and Macau "MO" here; treating HK as CN is a rule's decision, not the data's.
    """
    if text is None:
        return None
    cleaned = text.strip().strip(".").strip()
    if not cleaned:
        return None
    if cleaned.lower().startswith("region:"):
        region = cleaned[len("region:") :].strip()
        return _EXTRA.get(f"region: {region.lower()}") or to_iso2(region)
    extra = _EXTRA.get(cleaned.lower())
    if extra is not None:
        return extra or None
    territory = lookup_territory(cleaned)
    if territory is None:
        return None
    code = str(territory.code).split("-", 1)[0].upper()
    # Only real ISO alpha-2 countries: not "EU", "ZZ" or historical codes like "SUHH".
    if len(code) != 2 or code in ("EU", "ZZ", "XX"):
        return None
    return code


def require_iso2(value: str) -> str:
    """``value`` as an ISO 3166 alpha-2 code (upper case), or ``ValueError``: for reference
    files (rules) where a code, not a name, must be written."""
    code = value.strip().upper()
    if len(code) != 2 or to_iso2(code) != code:
        raise ValueError(f"{value!r} is not an ISO 3166 alpha-2 country code")
    return code
