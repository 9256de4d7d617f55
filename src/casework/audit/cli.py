"""`casework audit ...`: verify the trail, write checkpoints, show the public key,
rotate the MAC key."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console

app = typer.Typer(help="The audit trail.", no_args_is_help=True)
console = Console()
err = Console(stderr=True)
JsonFlag = Annotated[bool, typer.Option("--json", help="Print machine-readable JSON.")]


def _emit(data: dict[str, Any], as_json: bool, human: str) -> None:
    if as_json:
        sys.stdout.write(json.dumps(data, default=str, indent=2) + "\n")
    else:
        console.print(human, soft_wrap=True)


@app.command("verify")
def verify_command(
    tenant: Annotated[str, typer.Option("--tenant", help="Tenant slug.")],
    checkpoints_file: Annotated[
        Path | None,
        typer.Option(
            "--checkpoints",
            exists=True,
            dir_okay=False,
            help="Signed checkpoints (JSON lines) the chain must match.",
        ),
    ] = None,
    public_keys: Annotated[
        list[Path] | None,
        typer.Option(
            "--public-key",
            exists=True,
            dir_okay=False,
            help="PEM public key the checkpoints are signed with (repeatable); default: "
            "this installation's.",
        ),
    ] = None,
    as_json: JsonFlag = False,
) -> None:
    """Check the tenant's chain (and its checkpoints); exits 1 and names the first bad
    event."""
    from casework.audit import checkpoints
    from casework.audit.service import VerifyResult, verify
    from casework.cli_support import open_database, run_or_exit
    from casework.tenants.service import get_tenant_by_slug

    with open_database() as database, database.transaction(write=False) as session:
        tenant_row = run_or_exit(lambda: get_tenant_by_slug(session, tenant))
        try:
            signed = None
            if checkpoints_file is not None:
                keys = _public_keys(database.settings, public_keys or [])
                signed = checkpoints.read_file(checkpoints_file, keys)
        except checkpoints.CheckpointError as exc:
            result = VerifyResult(False, 0, reason=f"checkpoints unusable: {exc}")
        else:
            result = verify(session, tenant_id=tenant_row.id, checkpoints=signed)
    data = {
        "ok": result.ok,
        "checked": result.checked,
        "bad_seq": result.bad_seq,
        "bad_event_id": result.bad_event_id,
        "reason": result.reason,
        "legacy": result.legacy,
        "checkpoints": result.checkpoints,
    }
    matched = f", {result.checkpoints} checkpoints matched" if checkpoints_file else ""
    if result.ok:
        _emit(data, as_json, f"audit chain intact: {result.checked} events{matched}")
        return
    where = (
        f" at event seq {result.bad_seq} (id {result.bad_event_id})"
        if result.bad_seq is not None
        else ""
    )
    _emit(data, as_json, f"[red]audit chain broken[/red]{where}: {result.reason}")
    raise typer.Exit(1)


def _public_keys(settings: Any, paths: list[Path]) -> dict[str, Any]:
    from casework.audit import checkpoints

    if not paths:
        own = checkpoints.signer_for(settings).public_key
        return {checkpoints.fingerprint(own): own}
    keys = {}
    for path in paths:
        try:
            key = checkpoints.load_public_key(path.read_bytes())
        except checkpoints.CheckpointError as exc:
            raise checkpoints.CheckpointError(f"{path}: {exc}") from None
        keys[checkpoints.fingerprint(key)] = key
    return keys


@app.command("checkpoint")
def checkpoint_command(
    tenant: Annotated[
        str | None, typer.Option("--tenant", help="Tenant slug (default: every tenant).")
    ] = None,
    as_json: JsonFlag = False,
) -> None:
    """Sign each chain's head now: append the checkpoints to the checkpoint file (and
    POST them when a receiver is configured). Exits 1 if a chain does not verify."""
    from casework.audit.tasks import write_checkpoints
    from casework.cli_support import open_database, run_or_exit
    from casework.models.base import utcnow
    from casework.tenants.service import get_tenant_by_slug

    with open_database() as database:
        tenant_ids = None
        if tenant is not None:
            with database.transaction(write=False) as session:
                tenant_ids = [run_or_exit(lambda: get_tenant_by_slug(session, tenant)).id]
        run = write_checkpoints(database, now=utcnow(), tenant_ids=tenant_ids)
        path = database.settings.audit_checkpoint_path
    data = {
        "file": str(path),
        "written": [json.loads(c.line()) for c in run.written],
        "refused": run.refused,
        "posted": run.posted,
        "post_errors": run.post_errors,
    }
    lines = [f"{len(run.written)} checkpoints appended to {path}"]
    lines += [f"  tenant {c.tenant}: {c.seq} events, link {c.link}" for c in run.written]
    lines += [f"[red]refused[/red] tenant {t}: {why}" for t, why in run.refused.items()]
    lines += [f"[yellow]not delivered[/yellow] {t}: {e}" for t, e in run.post_errors.items()]
    _emit(data, as_json, "\n".join(lines))
    if run.refused:
        raise typer.Exit(1)


@app.command("public-key")
def public_key_command(as_json: JsonFlag = False) -> None:
    """Print the public key that checks this installation's checkpoints (PEM)."""
    from casework.audit import checkpoints
    from casework.config import Settings

    public = checkpoints.signer_for(Settings()).public_key
    pem = checkpoints.public_pem(public)
    _emit({"key": checkpoints.fingerprint(public), "pem": pem}, as_json, pem.rstrip("\n"))


@app.command("rotate-key")
def rotate_key_command(as_json: JsonFlag = False) -> None:
    """Add a new MAC key to the key file; processes started from now on key new events
    with it, and events keyed with the older ones still verify."""
    from casework.audit import keys
    from casework.config import Settings

    settings = Settings()
    try:
        key_id = keys.rotate(settings)
    except keys.AuditKeyError as exc:
        err.print(f"[red]error:[/red] {exc}", soft_wrap=True)
        raise typer.Exit(2) from None
    _emit(
        {"key_id": key_id, "file": str(settings.audit_key_path)},
        as_json,
        f"added key {key_id} to {settings.audit_key_path}; restart casework to key new "
        "events with it",
    )
