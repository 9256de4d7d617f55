"""`casework fx ...`: FX reference rates."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated, Any

import typer

from casework.cli_support import err, plain

app = typer.Typer(help="FX reference rates (units per euro, as the ECB publishes).")
JsonFlag = Annotated[bool, typer.Option("--json", help="Print machine-readable JSON.")]


def _human(report: dict[str, Any]) -> str:
    lines = [
        f"{report['file']}: {report['dates']} dates, {report['currencies']} currencies "
        f"({report['first_date']} to {report['last_date']})",
        f"  inserted {report['inserted']}, updated {report['updated']}, "
        f"unchanged {report['unchanged']}; not quoted (N/A) {report['not_quoted']}",
    ]
    lines += [
        f"  changed {c['currency']} {c['rate_date']}: {c['before']} -> {c['after']}"
        for c in report["changes"][:20]
    ]
    if len(report["changes"]) > 20:
        lines.append(f"  ... and {len(report['changes']) - 20} more changes")
    return "\n".join(lines)


@app.command("import")
def import_command(
    path: Annotated[Path, typer.Argument(exists=True, dir_okay=False, readable=True)],
    source: Annotated[str, typer.Option(help="Where the rates come from")] = "ecb",
    as_json: JsonFlag = False,
) -> None:
    """Import an ECB reference-rate CSV (eurofxref-hist.csv or eurofxref.csv); importing
    it again changes only rates the ECB corrected."""
    from casework.cli_support import open_database
    from casework.fx import ecb
    from casework.fx.service import upsert_rates

    try:
        parsed = ecb.parse(path)
    except ecb.RateFileError as exc:
        err.print(f"[red]error:[/red] {exc}", soft_wrap=True)
        raise typer.Exit(2) from None
    with open_database() as database, database.transaction() as session:
        report = upsert_rates(session, parsed.quotes, source=source[:40])
    days = sorted({q.rate_date for q in parsed.quotes})
    data = {
        "file": path.name,
        "dates": len(days),
        "currencies": len({q.currency for q in parsed.quotes}),
        "first_date": days[0].isoformat() if days else None,
        "last_date": days[-1].isoformat() if days else None,
        "not_quoted": parsed.not_quoted,
        **report.as_dict(),
    }
    if as_json:
        sys.stdout.write(json.dumps(data, indent=2) + "\n")
    else:
        plain(_human(data))
