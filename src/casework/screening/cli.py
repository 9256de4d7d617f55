"""`casework lists ...`: import, update and show watchlists."""

from __future__ import annotations

import json
import sys
import tempfile
import time
from collections.abc import Callable
from contextlib import ExitStack
from datetime import datetime
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.markup import escape
from rich.progress import (
    BarColumn,
    DownloadColumn,
    Progress,
    SpinnerColumn,
    TaskID,
    TextColumn,
    TimeElapsedColumn,
    TransferSpeedColumn,
)
from rich.table import Column, Table

from casework.cli_support import VerboseFlag, console, err, plain, reason_lines
from casework.config import Settings
from casework.screening.entity import ImportFormatError
from casework.screening.formats import FORMATS

app = typer.Typer(help="Watchlists: import, update, show.", invoke_without_command=True)
JsonFlag = Annotated[bool, typer.Option("--json", help="Print machine-readable JSON.")]


def _plain(value: Any) -> Any:
    return value.isoformat() if isinstance(value, datetime) else str(value)


def _emit(data: Any, as_json: bool, human: Any) -> None:
    if as_json:
        sys.stdout.write(json.dumps(data, default=_plain, indent=2) + "\n")
    elif isinstance(human, str):
        plain(human)  # it quotes the lists' own text, which is not markup
    else:
        console.print(human)


def _when(moment: datetime | str | None) -> str:
    """A publication time for people: the date, and the time of day when there is one."""
    if moment is None:
        return "-"
    if isinstance(moment, str):
        moment = datetime.fromisoformat(moment)
    if (moment.hour, moment.minute, moment.second) == (0, 0, 0):
        return moment.date().isoformat()
    return moment.strftime("%Y-%m-%d %H:%M UTC")


def _columns(*headers: str) -> list[Column]:
    # A terminal narrower than a table folds its cells rather than cut an id short.
    return [Column(header, overflow="fold") for header in headers]


def _dataset_option(value: str, option: str = "--dataset") -> str:
    from casework.infra.validation import dataset_name

    try:
        return dataset_name(value)
    except ValueError as exc:
        err.print(f"[red]error:[/red] {option} {value!r}: {exc}", soft_wrap=True)
        raise typer.Exit(2) from None


@app.callback()
def show(ctx: typer.Context, as_json: JsonFlag = False) -> None:
    """Without a command: the datasets, their versions and when they were published."""
    if ctx.invoked_subcommand is not None:
        return
    from casework.cli_support import open_database
    from casework.screening.service import list_datasets

    with open_database() as database, database.transaction(write=False) as session:
        datasets = list_datasets(session)
    data = [d.__dict__ for d in datasets]
    table = Table(
        *_columns("dataset", "format", "current"),
        Column("published", no_wrap=True),
        *_columns("entities", "versions"),
    )
    for d in datasets:
        history = ", ".join(f"v{v['number']} {v['status']}" for v in d.versions)
        table.add_row(
            d.name,
            d.format,
            str(d.current_version or "-"),
            _when(d.published_at),
            str(d.entities),
            history,
        )
    _emit(data, as_json, table if datasets else "no watchlists imported yet")


def run_import(
    name: str,
    format_name: str,
    paths: list[Path],
    as_json: bool,
    *,
    published_at: datetime | None = None,
    tenant: str | None = None,
) -> dict[str, Any]:
    from casework.cli_support import open_database
    from casework.infra.errors import NotFound, ValidationFailed
    from casework.screening.service import import_dataset, record_failure
    from casework.tenants.service import get_tenant_by_slug

    with open_database() as database:
        tenant_id: str | None = None
        if tenant is not None:
            try:
                with database.transaction(write=False) as session:
                    tenant_id = get_tenant_by_slug(session, tenant).id
            except NotFound as exc:
                err.print(f"[red]error:[/red] --tenant: {exc.detail}", soft_wrap=True)
                raise typer.Exit(2) from None
        try:
            with (
                Progress(
                    SpinnerColumn(),
                    TextColumn("[bold]{task.description}"),
                    TextColumn("{task.completed} entities"),
                    TimeElapsedColumn(),
                    console=err,
                    disable=as_json,
                ) as progress,
                database.transaction() as session,
            ):
                task = progress.add_task(f"{name}: importing", total=None)
                report = import_dataset(
                    session,
                    name=name,
                    format_name=format_name,
                    paths=paths,
                    on_entity=lambda n: progress.update(task, completed=n),
                    published_at=published_at,
                    tenant_id=tenant_id,
                )
        except ValidationFailed as exc:
            err.print(f"[red]error:[/red] {exc.detail}", soft_wrap=True)
            raise typer.Exit(2) from None
        except ImportFormatError as exc:
            with database.transaction() as session:
                number = record_failure(
                    session,
                    name=name,
                    format_name=format_name,
                    paths=paths,
                    error=str(exc),
                    tenant_id=tenant_id,
                )
            err.print(
                f"[red]import failed[/red] (version {number} recorded as failed): {exc}",
                soft_wrap=True,
            )
            raise typer.Exit(2) from None
    return report.as_dict()


class IndexAfterImports:
    """Holds the screening index's lock from before the first import commits until the
    index of the versions the imports made is built and written (``build``), so that the
    processes that search never build it themselves: they go on with the index they
    have, or wait for this one."""

    def __init__(self, as_json: bool) -> None:
        from casework.screening.index_store import IndexStore
        from casework.screening.shared_snapshots import SharedSnapshots

        self.as_json = as_json
        self.settings = Settings()
        self.store = IndexStore(
            self.settings.screening_index_dir, shared=SharedSnapshots.of(self.settings)
        )
        self._held = ExitStack()

    def __enter__(self) -> IndexAfterImports:
        return self

    def __exit__(self, *exc: object) -> None:
        self._held.close()

    def hold(self) -> None:
        from casework.screening.index_store import locked

        if not self._held:
            self._held.enter_context(locked(self.store.root, wait=True))

    def build(self) -> None:
        from casework.cli_support import open_database
        from casework.screening.index_store import current

        self.hold()
        started = time.perf_counter()
        try:
            with (
                open_database(self.settings) as database,
                database.transaction(write=False) as session,
            ):
                versions = current(session)
                index = self.store.load(versions)
                if index is None:
                    index = self.store.build(session, versions)
        except Exception as exc:
            # The imports have committed whatever happens here: an index that cannot be
            # written now is built by the first search, and never fails the command.
            err.print(
                f"[yellow]warning:[/yellow] the screening index was not written ({exc}); "
                "the first search builds it",
                soft_wrap=True,
            )
            return
        finally:
            self._held.close()
        if not self.as_json:
            err.print(
                f"screening index: {len(index)} entities, ready in "
                f"{time.perf_counter() - started:.1f} s",
                soft_wrap=True,
            )


def _human(report: dict[str, Any], verbose: bool = False) -> str:
    """The import in a few lines: what it holds, what changed, and why records were
    skipped, counted by reason; ``verbose`` adds every skipped record kept."""
    schemas = ", ".join(f"{k} {v}" for k, v in report["by_schema"].items())
    lines = [
        f"{report['dataset']} version {report['version']}: {report['entities']} entities "
        f"({schemas}), {report['names']} names, in {report['seconds']} s",
        f"  published {_when(report['published_at'])}; "
        f"added {report['added']}, changed {report['changed']}, removed {report['removed']}, "
        f"unchanged {report['unchanged']}; skipped {report['skipped']}",
    ]
    if not report["skipped"]:
        return "\n".join(lines)
    lines.append("  skipped, by reason:")
    lines += reason_lines(report["skipped_reasons"])
    kept = report["skipped_records"]
    if verbose:
        lines.append("  skipped records:")
        lines += [f"    {s['where']}: {s['reason']}" for s in kept]
        if len(kept) < report["skipped"]:
            lines.append(f"    (the first {len(kept)} of {report['skipped']} are kept)")
    else:
        lines.append("  --verbose lists each skipped record; --json reports them too")
    return "\n".join(lines)


@app.command("import")
def import_command(
    paths: Annotated[list[Path], typer.Argument(exists=True, dir_okay=False, readable=True)],
    dataset: Annotated[
        str, typer.Option(help="Dataset name, e.g. ofac-sdn or, OpenSanctions-style, us_ofac_sdn")
    ],
    format_name: Annotated[str, typer.Option("--format", help=f"One of: {', '.join(FORMATS)}")],
    tenant: Annotated[
        str | None,
        typer.Option(help="Tenant slug: the list is that tenant's alone (default: every tenant's)"),
    ] = None,
    verbose: VerboseFlag = False,
    as_json: JsonFlag = False,
) -> None:
    """Import list files as a new version of a dataset; records that cannot be imported
    are skipped and counted by reason."""
    _dataset_option(dataset)
    if format_name not in FORMATS:
        err.print(f"[red]error:[/red] --format must be one of {', '.join(FORMATS)}")
        raise typer.Exit(2)
    with IndexAfterImports(as_json) as indexing:
        indexing.hold()
        report = run_import(dataset, format_name, paths, as_json, tenant=tenant)
        _emit(report, as_json, _human(report, verbose))
        indexing.build()


def _download_progress(progress: Progress, name: str) -> Callable[[str, int, int | None], None]:
    """A progress callback for one source's download: a bar per file, sized when known."""
    tasks: dict[str, TaskID] = {}

    def on_progress(url: str, received: int, total: int | None) -> None:
        if url not in tasks:
            label = f"{name}: {url.rsplit('/', 1)[-1] or url}"
            tasks[url] = progress.add_task(label, total=total)
        progress.update(tasks[url], completed=received)

    return on_progress


@app.command("update")
def update_command(
    dataset: Annotated[
        list[str] | None, typer.Option(help="Only these datasets (default: all configured)")
    ] = None,
    verbose: VerboseFlag = False,
    as_json: JsonFlag = False,
) -> None:
    """Download the configured publishers' files and import those that changed.

    By default: OFAC's SDN and consolidated (non-SDN) lists, the UN Security Council's
    consolidated list and the UK Sanctions List; CASEWORK_LIST_SOURCES replaces them.
    """
    from pydantic import ValidationError

    from casework.cli_support import open_database
    from casework.screening.service import file_facts, latest_files
    from casework.screening.sources import DownloadError, download

    for name in dataset or []:
        _dataset_option(name)
    try:
        settings = Settings()
    except ValidationError as exc:
        problems = "; ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in exc.errors())
        err.print(f"[red]error:[/red] {problems}", soft_wrap=True)
        raise typer.Exit(2) from None
    chosen = dataset or sorted(settings.list_sources)
    unknown = [d for d in chosen if d not in settings.list_sources]
    if unknown:
        err.print(f"[red]error:[/red] no configured source for {', '.join(unknown)}")
        raise typer.Exit(2)
    results: list[dict[str, Any]] = []
    failed = False
    with IndexAfterImports(as_json) as indexing:
        for name in chosen:
            source = settings.list_sources[name]
            with tempfile.TemporaryDirectory(prefix="casework-list-") as tmp:
                try:
                    with Progress(
                        TextColumn("[bold]{task.description}"),
                        BarColumn(),
                        DownloadColumn(),
                        TransferSpeedColumn(),
                        console=err,
                        disable=as_json,
                    ) as progress:
                        fetched = download(
                            source, Path(tmp), on_progress=_download_progress(progress, name)
                        )
                except DownloadError as exc:
                    err.print(f"[red]{name}: download failed[/red]: {exc}", soft_wrap=True)
                    results.append(
                        {"dataset": name, "status": "download_failed", "error": str(exc)}
                    )
                    failed = True
                    continue
                with open_database(settings) as database, database.transaction(write=False) as s:
                    previous = latest_files(s, name)
                if previous == file_facts(fetched.paths):
                    results.append({"dataset": name, "status": "unchanged"})
                    if not as_json:
                        console.print(f"{name}: unchanged")
                    continue
                indexing.hold()
                report = run_import(
                    name, source.format, fetched.paths, as_json, published_at=fetched.last_modified
                )
                results.append({"dataset": name, "status": "imported", "report": report})
                if not as_json:
                    plain(_human(report, verbose))
        if any(r["status"] == "imported" for r in results):
            indexing.build()
    if as_json:
        sys.stdout.write(json.dumps(results, default=_plain, indent=2) + "\n")
    if failed:
        raise typer.Exit(1)


def _matched_alias(caption: str, explanation: dict[str, Any]) -> str:
    """The listed name the query matched, when it is not the entity's caption."""
    name = explanation.get("name")
    matched = name.get("candidate") if isinstance(name, dict) else None
    return matched if isinstance(matched, str) and matched != caption else ""


def screen_command(
    name: Annotated[str, typer.Argument(help="The name to look for")],
    schema: Annotated[str | None, typer.Option(help="Person, Company, Organization, ...")] = None,
    dob: Annotated[str | None, typer.Option(help="Birth date: YYYY-MM-DD, YYYY-MM or YYYY")] = None,
    country: Annotated[list[str] | None, typer.Option(help="ISO alpha-3, repeatable")] = None,
    dataset: Annotated[list[str] | None, typer.Option(help="Only these datasets")] = None,
    threshold: Annotated[float | None, typer.Option(help="Match threshold 0..1")] = None,
    limit: Annotated[int, typer.Option(help="At most this many results")] = 10,
    tenant: Annotated[
        str | None,
        typer.Option(help="Tenant slug: also search the lists of this tenant's own"),
    ] = None,
    as_json: JsonFlag = False,
) -> None:
    """Screen one name against the watchlists every tenant shares (and, with --tenant,
    that tenant's own). Exits 1 when there was no list to search."""
    from pydantic import ValidationError

    from casework.cli_support import open_database
    from casework.infra.errors import DomainError
    from casework.screening.matching import MatcherHolder
    from casework.screening.schemas import ScreeningRequest
    from casework.screening.scope import NothingToSearch
    from casework.screening.search import screen
    from casework.tenants.service import get_tenant_by_slug

    try:
        request = ScreeningRequest.model_validate(
            {
                "name": name,
                "schema": schema,
                "birth_date": dob,
                "countries": country or [],
                "datasets": dataset,
                "threshold": threshold,
                "limit": limit,
            }
        )
    except ValidationError as exc:
        problems = "; ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in exc.errors())
        err.print(f"[red]error:[/red] {problems}", soft_wrap=True)
        raise typer.Exit(2) from None
    settings = Settings()
    with open_database(settings) as database, database.transaction(write=False) as session:
        try:
            tenant_id = get_tenant_by_slug(session, tenant).id if tenant else None
            result = screen(
                session,
                MatcherHolder.shared(settings),
                request,
                tenant_id=tenant_id,
                settings=settings,
            )
        except NothingToSearch as exc:
            err.print(f"[red]error:[/red] {exc.detail}", soft_wrap=True)
            raise typer.Exit(1) from None
        except DomainError as exc:
            err.print(f"[red]error:[/red] {exc.detail}", soft_wrap=True)
            raise typer.Exit(2) from None
    if not as_json:
        for warning in result.warnings:
            err.print(f"[yellow]warning:[/yellow] {warning}", soft_wrap=True)
    searched = ", ".join(f"{d.name} v{d.version}" for d in result.datasets)
    table = Table(
        *_columns(
            "score", "match", "entity", "schema", "name", "matched alias", "dob", "countries"
        ),
        caption=f"searched: {searched}",
    )
    for m in result.matches:
        table.add_row(
            f"{m.score:.3f}",
            "yes" if m.match else "",
            escape(m.entity_id),
            m.schema_,
            escape(m.caption),
            escape(_matched_alias(m.caption, m.explanation)),
            ", ".join(m.birth_dates),
            ", ".join(m.countries),
        )
    threshold_used = (
        request.threshold if request.threshold is not None else settings.screening_threshold
    )
    nothing = f"no listed entity scored {threshold_used} or more in {searched}"
    data = result.model_dump(mode="json", by_alias=True)
    _emit(data, as_json, table if result.matches else nothing)
