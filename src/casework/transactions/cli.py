"""`casework transactions import`: a CSV file through the batch ingestion service."""

from __future__ import annotations

import csv
import json
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Annotated, Any

import typer
from pydantic import ValidationError
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from casework.cli_support import VerboseFlag, by_reason, err, plain, reason_lines
from casework.infra.field_paths import field_path
from casework.infra.strict import json_problem, printable, text_problem
from casework.transactions.schemas import BATCH_MAX, TransactionIn

app = typer.Typer(help="Transactions.", no_args_is_help=True)
JsonFlag = Annotated[bool, typer.Option("--json", help="Print machine-readable JSON.")]


def _rows(path: Path) -> Iterator[tuple[int, dict[str, Any] | None, str]]:
    """(line, fields, problem) per data row; blank cells are absent fields."""
    with path.open(newline="", encoding="utf-8-sig") as handle:
        reader = csv.DictReader(handle)
        for record in reader:
            line = reader.line_num
            if None in record:
                yield line, None, "more cells than the header has columns"
                continue
            fields: dict[str, Any] = {
                k.strip(): v for k, v in record.items() if k and v not in (None, "")
            }
            # The same refusals as the API's request guard: text a database cannot hold.
            hostile = next(
                (f"{printable(k)}: {p}" for k, v in fields.items() if (p := text_problem(v))),
                None,
            )
            if hostile is not None:
                yield line, None, hostile
                continue
            if "metadata" in fields:
                try:
                    fields["metadata"] = json.loads(fields["metadata"])
                except (ValueError, RecursionError):
                    yield line, None, "metadata: is not valid JSON"
                    continue
                if found := json_problem(fields["metadata"]):
                    where = field_path(("metadata", *found[0]), indexed=False)
                    yield line, None, f"{where}: {found[1]}"
                    continue
            yield line, fields, ""


def _problem(exc: ValidationError) -> str:
    return "; ".join(
        f"{field_path(e['loc'], indexed=False, empty='row')}: {e['msg']}" for e in exc.errors()
    )


def _reason(field: str, message: str, item: TransactionIn) -> str:
    """Why a row was refused, in words shared by the rows refused for the same cause: a
    row's own external id, quoted in the message, is left to its line to tell."""
    return f"{field}: {message.replace(f'{item.external_id!r} ', '', 1)}"


def _human(report: dict[str, Any], verbose: bool) -> str:
    refused = report["refused"]
    lines = [
        f"{report['file']}: inserted {report['inserted']}, "
        f"duplicates {report['duplicates']}, refused {len(refused)}"
    ]
    if not refused:
        return "\n".join(lines)
    lines.append("  refused, by reason:")
    lines += reason_lines(report["refused_reasons"])
    if verbose:
        lines.append("  refused rows:")
        lines += [f"    line {r['line']}: {r['error']}" for r in refused]
    else:
        lines.append("  --verbose lists each refused row; --json reports them too")
    return "\n".join(lines)


@app.command("import")
def import_command(
    path: Annotated[Path, typer.Argument(exists=True, dir_okay=False, readable=True)],
    tenant: Annotated[str, typer.Option("--tenant", help="Tenant slug.")],
    chunk: Annotated[int, typer.Option(help="Rows per transaction", min=1, max=BATCH_MAX)] = 5000,
    verbose: VerboseFlag = False,
    as_json: JsonFlag = False,
) -> None:
    """Import transactions from a CSV whose header names the API's fields (amount,
    currency, direction, occurred_at, customer_id or customer_external_id, ...; metadata
    as JSON). Good rows are stored, bad rows refused with their line and counted by
    reason; exits 1 if any was."""
    from casework.auth.principal import Principal
    from casework.cli_support import fail, open_database, run_or_exit
    from casework.tenants.service import get_tenant_by_slug
    from casework.transactions.service import ingest_batch

    refused: list[dict[str, Any]] = []
    valid: list[tuple[int, TransactionIn]] = []
    for line, fields, problem in _rows(path):
        if fields is None:
            refused.append({"line": line, "error": problem})
            continue
        try:
            valid.append((line, TransactionIn.model_validate(fields)))
        except ValidationError as exc:
            refused.append({"line": line, "error": _problem(exc)})
    inserted = duplicates = 0
    with open_database() as database:
        with database.transaction(write=False) as session:
            tenant_row = run_or_exit(lambda: get_tenant_by_slug(session, tenant))
            actor = Principal.system(tenant_row.id, "cli")
        with Progress(
            TextColumn("[bold]importing transactions"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            console=err,
            disable=as_json,
        ) as progress:
            task = progress.add_task("import", total=len(valid))
            for start in range(0, len(valid), chunk):
                part = valid[start : start + chunk]
                with database.transaction() as session:
                    result = ingest_batch(
                        session,
                        actor=actor,
                        items=[item for _, item in part],
                        skip_invalid=True,
                        name=lambda _index, field: field,
                    )
                inserted += result.inserted
                duplicates += result.duplicates
                refused += [
                    {
                        "line": part[index][0],
                        "error": f"{error.field}: {error.message}",
                        "reason": _reason(error.field, error.message, part[index][1]),
                    }
                    for index, error in result.refused
                ]
                progress.advance(task, len(part))
    if not valid and not refused:
        raise fail(f"{path.name} holds no transactions", 2)
    refused.sort(key=lambda r: r["line"])
    report = {
        "file": path.name,
        "inserted": inserted,
        "duplicates": duplicates,
        "refused_reasons": by_reason(
            (f"line {r['line']}", r.get("reason", r["error"])) for r in refused
        ),
        "refused": [{"line": r["line"], "error": r["error"]} for r in refused],
    }
    if as_json:
        sys.stdout.write(json.dumps(report, indent=2) + "\n")
    else:
        plain(_human(report, verbose))
    if refused:
        raise typer.Exit(1)
