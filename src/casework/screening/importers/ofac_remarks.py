"""The remarks column of OFAC's legacy CSV: dates and places of birth, nationality,
identity documents, aliases and other facts written as `;`-separated text."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date

from casework.screening.countries import to_alpha3
from casework.screening.entity import (
    Identifier,
    Name,
    NameKind,
)

_MONTHS = {
    month: number
    for number, month in enumerate(
        ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"),
        start=1,
    )
}


_MAX_RANGE_YEARS = 20


_DAY_MONTH_YEAR = re.compile(r"(\d{1,2})\s+([A-Za-z]{3})[a-z]*\.?\s+(\d{4})")


_MONTH_YEAR = re.compile(r"([A-Za-z]{3})[a-z]*\.?\s+(\d{4})")


_ISO_DATE = re.compile(r"(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?")


_CIRCA = re.compile(r"^(?:circa|ca\.|approximately|approx\.|about)\s+", re.IGNORECASE)


_RANGE = re.compile(r"\s+to\s+|(?<=\d{4})\s*-\s*(?=\d{4}$)", re.IGNORECASE)


_ALT_PREFIX = re.compile(r"^alt\.\s*", re.IGNORECASE)


_KEYED_FACT = re.compile(
    r"^(?P<key>DOB|Date of Birth|POB|Place of Birth|Nationality of Registration|nationality"
    r"|citizenship|citizen|Gender)\s*:?\s+(?P<value>\S.*)$",
    re.IGNORECASE | re.DOTALL,
)


_ALIAS_FACT = re.compile(
    r"^(?P<weak>low[- ]quality\s+)?(?P<kind>[afn])\.k\.a\.,?\s*(?P<name>.+)$", re.IGNORECASE
)


_ID_TAIL = re.compile(
    r"^(?P<value>.*?)\s*(?:\((?P<country>[^()]*)\))?\s*(?P<rest>(?:(?:issued|expires)\b.*)?)$",
    re.IGNORECASE | re.DOTALL,
)


_CRYPTO = re.compile(
    r"^Digital Currency Address\s*-\s*(?P<currency>\S+)\s+(?P<address>\S+)$", re.IGNORECASE
)


_QUALIFIER = re.compile(r"\s+\([A-Za-z][A-Za-z .'-]*\)$")  # "22839 (Jalisco)"


_DOTTED_END = re.compile(r"(?:^|[\s.])[A-Za-z]\.[A-Za-z]\.$")


@dataclass(frozen=True)
class _IdLabel:
    pattern: re.Pattern[str]
    kind: str
    keep_label: bool  # the publisher's label says more than the kind does (e.g. "Cedula No.")
    with_country: bool = True


def _label(text: str, kind: str, *, keep_label: bool = True, country: bool = True) -> _IdLabel:
    return _IdLabel(
        re.compile(
            rf"^(?P<label>{text})(?:\s*[:#]\s*|\s+)(?P<rest>\S.*)$", re.IGNORECASE | re.DOTALL
        ),
        kind,
        keep_label,
        country,
    )


# Longer labels before the shorter ones they start with.
_ID_LABELS = (
    _label(r"Vessel Registration Identification(?: IMO)?", "imo", keep_label=False),
    _label(r"International Maritime Organization No\.", "imo"),
    _label(r"(?:Company Number|Identification Number) IMO", "imo_company"),
    _label(r"IMO(?: Number)?", "imo", keep_label=False),
    _label(r"MMSI", "mmsi", keep_label=False),
    _label(r"SWIFT/BIC", "swift_bic", keep_label=False),
    _label(r"BIK \(RU\)", "bik", keep_label=False),
    _label(r"ISIN", "isin", keep_label=False),
    _label(r"Equity Ticker", "ticker", keep_label=False, country=False),
    _label(r"Email(?: Address)?", "email", keep_label=False, country=False),
    _label(r"Website", "website", keep_label=False, country=False),
    _label(r"(?:Telephone|Phone)(?: Number| No\.)?", "phone", keep_label=False, country=False),
    _label(r"Fax(?: No\.)?", "fax", keep_label=False, country=False),
    _label(r"Aircraft Manufacturer's Serial Number \(MSN\)", "aircraft_msn", keep_label=False),
    _label(
        r"Aircraft Construction Number(?: \([^)]*\))?",
        "aircraft_construction_number",
        keep_label=False,
    ),
    _label(r"(?:Previous )?Aircraft Tail Number", "aircraft_tail_number"),
    _label(r"SSN", "ssn", keep_label=False),
    _label(r"(?:Diplomatic|British National Overseas|Stateless Person) Passport", "passport"),
    _label(r"Passport Booklet", "passport"),
    _label(r"Travel Document Number", "passport"),
    _label(r"Passport(?: No\.| Number)?", "passport", keep_label=False),
    _label(r"Driver's License(?: No\.| Number)?", "drivers_license", keep_label=False),
    _label(r"National ID(?: No\.| Number| Card)?", "national_id", keep_label=False),
    _label(r"Tazkira National ID Card", "national_id"),
    _label(r"National Foreign ID Number", "national_id"),
    _label(r"(?:\w+ )?Personal ID(?: No\.| Card)?", "national_id"),
    _label(r"(?:Stateless Person|Refugee) ID Card", "national_id"),
    _label(r"CNP \(Personal Numerical Code\)", "national_id"),
    _label(r"UAE Identification", "national_id"),
    _label(r"Romanian Permanent Resident", "national_id"),
    _label(r"N\.I\.E\.", "national_id"),
    _label(r"C\.U\.I\.P\.", "national_id"),
    _label(r"VisaNumberID", "visa", keep_label=False),
    _label(r"Kenyan ID No\.", "national_id"),
    _label(r"Citizen's Card Number", "national_id"),
    _label(r"Turkish Identificiation Number|Turkish Identification Number", "national_id"),
    _label(r"Identification Number", "national_id"),
    _label(r"Numero de Identidad", "national_id"),
    _label(r"Cedula(?: No\.?)?", "national_id"),
    _label(r"D\.N\.I\.", "national_id"),
    _label(r"C\.U\.R\.P\.", "national_id"),
    _label(r"I\.F\.E\.", "national_id"),
    _label(r"Credencial electoral", "national_id"),
    _label(r"Electoral Registry No\.", "national_id"),
    _label(r"Cartilla de Servicio Militar Nacional", "national_id"),
    _label(r"Residency Number", "national_id"),
    _label(r"Birth Certificate Number", "national_id"),
    _label(r"Immigration No\.", "national_id"),
    _label(r"Tax ID No\.|Tax ID(?: Number)?", "tax_id", keep_label=False),
    _label(r"NIT", "tax_id"),
    _label(r"RUC", "tax_id"),
    _label(r"RIF", "tax_id"),
    _label(r"R\.?F\.?C\.?", "tax_id"),
    _label(r"(?:Romanian )?Tax Registration", "tax_id"),
    _label(r"Fiscal Code", "tax_id"),
    _label(r"Paraguayan tax identification number", "tax_id"),
    _label(r"RTN", "tax_id"),
    _label(r"C\.U\.I\.T\.", "tax_id"),
    _label(r"C\.I\.F\.", "tax_id"),
    _label(r"US FEIN", "tax_id"),
    _label(r"V\.A\.T\. Number|VAT Number", "tax_id"),
    _label(r"Italian Fiscal Code", "tax_id"),
    _label(r"Numero Unico de Identificacao Tributaria \(NUIT\)", "tax_id"),
    _label(r"D-U-N-S Number", "duns", keep_label=False),
    _label(r"Legal Entity Number", "registration"),
    _label(r"LE Number", "registration"),
    _label(r"Unified Social Credit Code \(USCC\)", "registration"),
    _label(r"United Social Credit Code Certificate \(USCCC\)", "registration"),
    _label(r"Enterprise Number", "registration"),
    _label(r"Romanian C\.R\.", "registration"),
    _label(r"Istanbul Chamber of Comm\. No\.", "registration"),
    _label(r"Registration (?:Number|ID|No\.)", "registration", keep_label=False),
    _label(r"Public Registration Number", "registration"),
    _label(r"Business Registration (?:Document(?: #)?|Number)", "registration"),
    _label(r"Business Number", "registration"),
    _label(r"(?:UK )?Company Number", "registration"),
    _label(r"Commercial Registry Number", "registration"),
    _label(r"Certificate of Incorporation Number", "registration"),
    _label(r"Chamber of Commerce Number", "registration"),
    _label(r"Dubai Chamber of Commerce Membership No\.", "registration"),
    _label(r"Trade License No\.", "registration"),
    _label(r"C\.R\. No\.", "registration"),
    _label(r"Folio Mercantil No\.?", "registration"),
    _label(r"Matricula Mercantil No\.?", "registration"),
    _label(r"Government Gazette Number", "registration"),
    _label(r"Registered Charity No\.", "registration"),
    _label(r"Branch Unit Number", "registration"),
    _label(r"Afghan Money Service Provider License Number", "license"),
    _label(r"Pilot License Number", "license"),
    _label(r"Tarjeta Profesional", "license"),
    _label(r"SRE Permit No\.", "license"),
    _label(r"License", "license", keep_label=False),
)


# Facts that are understood but have no field of their own; they stay in notes as written.
_NOTE_LABELS = re.compile(
    r"^(?:Linked To|Additional Sanctions Information|Secondary sanctions risk"
    r"|Transactions Prohibited For Persons Owned or Controlled By|Executive Order"
    r"|For more information|Organization Established Date|Organization Type|Target Type"
    r"|Listing Date|Effective Date|Purchase/Sales For Divestment Date|Former Vessel Flag"
    r"|Other Vessel Flag|Other Vessel Type|Other Vessel Call Sign|Vessel Year of Build"
    r"|Vessel Type|Aircraft Manufacture Date|Aircraft Model|Aircraft Operator"
    r"|Aircraft Mode S Transponder Code|CAATSA Section|IFCA Determination|Issuer Name"
    r"|Chinese Commercial Code|Title|Ethnicity|Tribe|Location|Position|arrested"
    r"|(?:and )?All (?:other )?(?:offices|branches) worldwide)\b",
    re.IGNORECASE,
)


@dataclass
class Remarks:
    """What the remarks of one record say, fact by fact."""

    names: list[Name] = field(default_factory=list)
    birth_dates: list[str] = field(default_factory=list)
    birth_places: list[str] = field(default_factory=list)
    nationalities: list[str] = field(default_factory=list)
    countries: list[str] = field(default_factory=list)
    gender: str | None = None
    identifiers: list[Identifier] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)  # in order; includes the unparsed facts
    unparsed: list[str] = field(default_factory=list)
    company: bool = False  # a fact says this is a company (Organization Established Date)


def parse_remarks(text: str | None, *, person: bool = False, title: str | None = None) -> Remarks:
    """Split remarks into facts and read each one; unknown facts go to ``notes``.

    A fact that repeats ``title`` (the Title column, which OFAC copies into the remarks) is
    dropped: the entity notes the title once.
    """
    found = Remarks()
    if text is None:
        return found
    body = text.strip()
    if body.endswith(".") and not _DOTTED_END.search(body):
        body = body[:-1]
    repeated = title.strip().rstrip(".").casefold() if title else None
    for raw in body.split(";"):
        fact = raw.strip()
        if not fact or fact.rstrip(".").casefold() == repeated:
            continue
        if not _read_fact(fact, found, person):
            found.notes.append(fact)
            found.unparsed.append(fact)
    return found


def country_code(text: str) -> str | None:
    """ISO alpha-3 for a country as OFAC writes it ("Region: Gaza", "Man, Isle of"), or None."""
    cleaned = " ".join(text.split()).strip(" .;,")
    candidates = [cleaned]
    stripped = re.sub(r"^(?:region:|possibly)\s*", "", cleaned, flags=re.IGNORECASE)
    candidates.append(stripped)
    if ", " in stripped:
        head, _, tail = stripped.partition(", ")
        candidates.append(f"{tail} {head}")
    if ". " in stripped:
        candidates.append(stripped.split(". ", 1)[0])
    for candidate in candidates:
        code = to_alpha3(candidate) or _COUNTRY_SPELLINGS.get(candidate.casefold())
        if code is not None:
            return code
    return None


_COUNTRY_SPELLINGS = {"cote d ivoire": "CIV", "macau": "MAC"}


def _read_fact(fact: str, found: Remarks, person: bool) -> bool:
    """Record one remarks fact in ``found``; False when it was not understood."""
    text = _ALT_PREFIX.sub("", fact)
    lowered = text.casefold()

    alias = _ALIAS_FACT.match(text)
    if alias is not None:
        value = alias.group("name").strip()
        if len(value) >= 2 and value[0] == value[-1] and value[0] in "'\"":
            value = value[1:-1].strip()
        if not value:
            return False
        found.names.append(person_name(value, NameKind.weak, person))
        return True

    keyed = _KEYED_FACT.match(text)
    if keyed is not None:
        key, value = keyed.group("key").casefold(), keyed.group("value").strip(" .")
        if key in ("dob", "date of birth"):
            dates = _birth_dates(value)
            if dates is None:
                return False
            found.birth_dates.extend(dates)
        elif key in ("pob", "place of birth"):
            found.birth_places.append(value)
        elif key == "gender":
            if value.casefold() not in ("male", "female"):
                return False
            found.gender = value.casefold()
        else:
            code = country_code(value)
            if code is None:
                return False
            into = found.countries if key == "nationality of registration" else found.nationalities
            into.append(code)
        return True

    crypto = _CRYPTO.match(text)
    if crypto is not None:
        found.identifiers.append(
            Identifier(
                kind="crypto_wallet",
                value=crypto.group("address").rstrip("."),
                note=crypto.group("currency"),
            )
        )
        return True
    for label in _ID_LABELS:
        match = label.pattern.match(text)
        if match is not None:
            identifier = _identifier(label, match.group("label"), match.group("rest"))
            if identifier is None:
                return False
            found.identifiers.append(identifier)
            return True

    if _NOTE_LABELS.match(text):
        if lowered.startswith("organization established date"):
            found.company = True
        found.notes.append(fact)
        return True
    return False


def _identifier(label: _IdLabel, written_label: str, rest: str) -> Identifier | None:
    """An identifier from "VALUE (Country) issued DATE expires DATE"; None without a value."""
    value, country, details = rest.strip(), None, []
    if label.with_country:
        tail = _ID_TAIL.match(value)
        if tail is not None:
            value = tail.group("value")
            written_country = (tail.group("country") or "").strip()
            if written_country:
                country = country_code(written_country)
                if country is None and value:
                    details.append(f"({written_country})")
                elif country is None:
                    value = written_country
            qualifier = _QUALIFIER.search(value)
            if qualifier is not None:
                value = value[: qualifier.start()]
                details.append(qualifier.group(0).strip())
            details.append(tail.group("rest").strip())
    value = value.strip().rstrip(".,").strip()
    if not value:
        return None
    if label.keep_label:
        details.insert(0, written_label.strip())
    note = " ".join(part for part in details if part) or None
    return Identifier(kind=label.kind, value=value, country=country, note=note)


def _birth_dates(text: str) -> list[str] | None:
    cleaned = _CIRCA.sub("", text.strip().rstrip("."))
    ends = _RANGE.split(cleaned)
    if len(ends) == 1:
        single = _date(cleaned)
        return None if single is None else [single]
    if len(ends) != 2:
        return None
    start, end = _date(ends[0]), _date(ends[1])
    if start is None or end is None:
        return None
    first, last = int(start[:4]), int(end[:4])
    if last < first:
        return None
    if last - first > _MAX_RANGE_YEARS:
        return [start, end]
    return [str(year) for year in range(first, last + 1)]


def _date(text: str) -> str | None:
    """ "01 Jan 1960" -> "1960-01-01", "Jan 1960" -> "1960-01", "1960" -> "1960"; else None."""
    value = _CIRCA.sub("", text.strip().rstrip("."))
    if full := _DAY_MONTH_YEAR.fullmatch(value):
        month = _MONTHS.get(full.group(2).lower())
        return _valid(int(full.group(3)), month, int(full.group(1)))
    if partial := _MONTH_YEAR.fullmatch(value):
        month = _MONTHS.get(partial.group(1).lower())
        return _valid(int(partial.group(2)), month, None) if month else None
    if iso := _ISO_DATE.fullmatch(value):
        year, month_text, day_text = iso.groups()
        return _valid(
            int(year),
            int(month_text) if month_text else None,
            int(day_text) if day_text else None,
        )
    return None


def _valid(year: int, month: int | None, day: int | None) -> str | None:
    if month is None:
        return f"{year:04d}" if day is None else None
    try:
        date(year, month, day or 1)
    except ValueError:
        return None
    return f"{year:04d}-{month:02d}" if day is None else f"{year:04d}-{month:02d}-{day:02d}"


def person_name(value: str, kind: NameKind, person: bool) -> Name:
    text = " ".join(value.split())
    if not person or "," not in text:
        return Name(value=text, kind=kind)
    last, _, given = (part.strip() for part in text.partition(","))
    parts = given.split()
    return Name(
        value=text,
        kind=kind,
        first_name=parts[0] if parts else None,
        middle_name=" ".join(parts[1:]) or None,
        last_name=last or None,
    )
