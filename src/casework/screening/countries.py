"""Country names and codes as lists write them, to ISO 3166-1 alpha-3."""

from __future__ import annotations

import re
from functools import cache

import pycountry

# Names lists use that pycountry does not resolve, or resolves to the wrong country.
_OVERRIDES = {
    "burma": "MMR",
    "russia": "RUS",
    "iran": "IRN",
    "syria": "SYR",
    "north korea": "PRK",
    "korea, north": "PRK",
    "korea north": "PRK",
    "democratic people's republic of korea": "PRK",
    "south korea": "KOR",
    "korea, south": "KOR",
    "republic of korea": "KOR",
    "laos": "LAO",
    "vietnam": "VNM",
    "viet nam": "VNM",
    "tanzania": "TZA",
    "bolivia": "BOL",
    "venezuela": "VEN",
    "moldova": "MDA",
    "macedonia": "MKD",
    "the former yugoslav republic of macedonia": "MKD",
    "congo, democratic republic of the": "COD",
    "democratic republic of the congo": "COD",
    "congo": "COG",
    "republic of the congo": "COG",
    "ivory coast": "CIV",
    "cote d'ivoire": "CIV",
    "palestinian": "PSE",
    "palestine": "PSE",
    "west bank": "PSE",
    "gaza": "PSE",
    "kosovo": "XKX",
    "turkey": "TUR",
    "czech republic": "CZE",
    "united kingdom": "GBR",
    "uk": "GBR",
    "great britain": "GBR",
    "united states": "USA",
    "usa": "USA",
    "us": "USA",
    "taiwan": "TWN",
    "brunei": "BRN",
    "cape verde": "CPV",
    "swaziland": "SWZ",
    "east timor": "TLS",
    "micronesia": "FSM",
    "vatican": "VAT",
    "holy see": "VAT",
    "crimea": "UKR",
    "region: crimea": "UKR",
    "soviet union": "SUN",
    "ussr": "SUN",
    "yugoslavia": "YUG",
    "serbia and montenegro": "SCG",
    "netherlands antilles": "ANT",
    "macau": "MAC",
    "macao": "MAC",
    "cote d ivoire": "CIV",
    "bahamas, the": "BHS",
    "gambia, the": "GMB",
    "man, isle of": "IMN",
    "region: gaza": "PSE",
    "iran (islamic republic of)": "IRN",
    "hong kong": "HKG",
    "former soviet union": "SUN",
}
# Lists write these for "not available"; upper-case NA stays Namibia's ISO code.
_NOT_AVAILABLE = frozenset({"na", "n/a", "N/A", "-", "unknown", "Unknown"})
_NOISE = re.compile(r"[\s.]+")


@cache
def to_alpha3(text: str | None) -> str | None:
    """Best ISO alpha-3 for a country name or code, or None when it is not a country."""
    if not text:
        return None
    cleaned = _NOISE.sub(" ", text).strip().strip(",;").strip()
    if not cleaned or cleaned in _NOT_AVAILABLE:
        return None
    lowered = cleaned.lower()
    if lowered in _OVERRIDES:
        return _OVERRIDES[lowered]
    if len(cleaned) in (2, 3) and cleaned.isalpha():
        found = pycountry.countries.get(alpha_2=cleaned.upper()) if len(cleaned) == 2 else None
        found = found or pycountry.countries.get(alpha_3=cleaned.upper())
        if found is not None:
            return str(found.alpha_3)
    for attribute in ("name", "official_name", "common_name"):
        for country in pycountry.countries:
            if getattr(country, attribute, "").lower() == lowered:
                return str(country.alpha_3)
    try:
        matches = pycountry.countries.search_fuzzy(cleaned)
    except LookupError:
        return None
    return str(matches[0].alpha_3) if len(matches) == 1 else None
