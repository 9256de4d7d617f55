"""Reading the ECB euro reference-rate CSV files.

Both of the ECB's layouts are read: the history file (``Date,USD,JPY,...,`` with ISO
dates, a trailing empty column and ``N/A`` where a currency was not quoted) and the
daily file (``Date, USD, ...`` with dates such as ``21 November 2024``). Each rate is
units of the currency for one euro.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from pathlib import Path

_CODE = re.compile(r"^[A-Z]{3}$")
_MISSING = {"", "N/A", "NA", "-"}


class RateFileError(ValueError):
    """A malformed file; the message names the file, line and column."""


@dataclass(frozen=True)
class Quote:
    currency: str
    rate_date: date
    rate: Decimal


@dataclass
class ParsedFile:
    quotes: list[Quote]
    not_quoted: int  # N/A cells


def _date(text: str) -> date:
    for layout in ("%Y-%m-%d", "%d %B %Y"):
        try:
            return datetime.strptime(text, layout).date()
        except ValueError:
            continue
    raise ValueError(f"date {text!r} is neither YYYY-MM-DD nor like '21 November 2024'")


def parse(path: Path) -> ParsedFile:
    with path.open(newline="", encoding="utf-8-sig") as handle:
        return parse_lines(handle, name=path.name)


def parse_lines(lines: Iterable[str], *, name: str = "<input>") -> ParsedFile:
    reader = csv.reader(lines)
    header = next(reader, None)
    if header is None:
        raise RateFileError(f"{name}: the file is empty")
    columns = [cell.strip().upper() for cell in header]
    if not columns or columns[0] != "DATE":
        raise RateFileError(f"{name} line 1: the first column must be Date")
    currencies: list[tuple[int, str]] = []
    for index, code in enumerate(columns[1:], start=1):
        if code == "":  # the ECB ends every line with a comma
            continue
        if not _CODE.match(code):
            raise RateFileError(f"{name} line 1: column {index + 1} ({code!r}) is no currency code")
        currencies.append((index, code))
    if not currencies:
        raise RateFileError(f"{name} line 1: no currency columns")
    parsed = ParsedFile(quotes=[], not_quoted=0)
    seen: set[date] = set()
    for row in reader:
        line = reader.line_num
        if not any(cell.strip() for cell in row):
            continue
        try:
            day = _date(row[0].strip())
        except ValueError as exc:
            raise RateFileError(f"{name} line {line}: {exc}") from None
        if day in seen:
            raise RateFileError(f"{name} line {line}: {day} appears twice")
        seen.add(day)
        for index, code in currencies:
            cell = row[index].strip() if index < len(row) else ""
            if cell.upper() in _MISSING:
                parsed.not_quoted += 1
                continue
            try:
                rate = Decimal(cell)
            except InvalidOperation:
                raise RateFileError(
                    f"{name} line {line}: {code} rate {cell!r} is no number"
                ) from None
            if not rate.is_finite() or rate <= 0:
                raise RateFileError(f"{name} line {line}: {code} rate {cell!r} must be positive")
            parsed.quotes.append(Quote(code, day, rate))
    return parsed
