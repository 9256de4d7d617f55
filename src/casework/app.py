"""The ASGI application: routers, error handlers, middleware and lifespan."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles

from casework import __version__
from casework.analytics.router import router as analytics_router
from casework.api_clients.router import router as api_clients_router
from casework.assembly import job_registry, register_adapters
from casework.auth.router import router as auth_router
from casework.cases.router import router as cases_router
from casework.checks.router import router as checks_router
from casework.config import Settings
from casework.configs.router import router as configs_router
from casework.console.router import router as console_router
from casework.customers.router import router as customers_router
from casework.decisions.router import router as decisions_router
from casework.dialects.sigma.router import router as sigma_router
from casework.dialects.sphinx.router import router as sphinx_router
from casework.dialects.sumsub.router import router as sumsub_router
from casework.documents.router import router as documents_router
from casework.fx.router import router as fx_rates_router
from casework.health.router import router as health_router
from casework.infra import api_docs, openapi, problems
from casework.infra.db import Database
from casework.infra.jobs import EmbeddedRunner, JobContext
from casework.infra.logging import configure as configure_logging
from casework.infra.middleware import (
    BodyLimitMiddleware,
    CorrelationIdMiddleware,
    MetricsMiddleware,
)
from casework.infra.storage import Store, open_store
from casework.monitoring.router import router as monitoring_router
from casework.reports.router import router as reports_router
from casework.retention.router import router as retention_router
from casework.rules.router import alerts_router
from casework.rules.router import router as rules_router
from casework.rules.router import settings_router as monitoring_settings_router
from casework.screening.matching import MatcherHolder
from casework.screening.router import router as screening_router
from casework.tenants import numbering
from casework.transactions.router import router as transactions_router
from casework.users.router import assignees_router, roles_router
from casework.users.router import router as users_router
from casework.webhooks.router import case_secret_router as case_webhook_secret_router
from casework.webhooks.router import deliveries_router as webhook_deliveries_router
from casework.webhooks.router import router as webhook_endpoints_router

NATIVE_API = (
    cases_router,
    decisions_router,
    reports_router,
    retention_router,
    monitoring_router,
    checks_router,
    customers_router,
    transactions_router,
    rules_router,
    alerts_router,
    monitoring_settings_router,
    fx_rates_router,
    users_router,
    assignees_router,
    roles_router,
    api_clients_router,
    configs_router,
    documents_router,
    analytics_router,
    screening_router,
    webhook_endpoints_router,
    webhook_deliveries_router,
    case_webhook_secret_router,
)


def create_app(
    settings: Settings | None = None,
    database: Database | None = None,
    storage: Store | None = None,
) -> FastAPI:
    """The application; ``storage`` is the document store, by default the settings'
    (not checked here: ``casework serve`` checks it before starting)."""
    settings = settings or Settings()
    configure_logging(settings.log_level, settings.log_json)
    numbering.install()
    database = database or Database(settings)
    storage = storage or open_store(settings.storage_location)
    register_adapters()

    matchers = MatcherHolder.shared(settings, storage)
    runner: EmbeddedRunner | None = None
    deferrer = None
    if settings.jobs == "procrastinate":
        from casework.worker import ProcrastinateJobs

        deferrer = ProcrastinateJobs(settings)
    else:
        runner = EmbeddedRunner(
            JobContext(
                database=database,
                settings=settings,
                matchers=matchers,
                registry=job_registry(),
                storage=storage,
            ),
            threads=settings.job_threads,
            sweep_seconds=settings.job_sweep_seconds,
        )

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        if runner is not None:
            database.jobs = runner
            runner.start()
        if deferrer is not None:
            deferrer.open()
            database.jobs = deferrer
        yield
        matchers.close()
        database.jobs = None
        if runner is not None:
            runner.stop()
        if deferrer is not None:
            deferrer.close()
        database.dispose()

    app = FastAPI(
        title="casework",
        version=__version__,
        description="Compliance case management and screening.",
        lifespan=lifespan,
        # api_docs adds the pages with their files served locally; FastAPI's own load a CDN.
        docs_url=None,
        redoc_url=None,
        # A path is answered in the spellings its router declares, never redirected to
        # another: see casework.dialects.routing and casework.infra.problems (404).
        redirect_slashes=False,
    )
    app.state.settings = settings
    app.state.db = database
    app.state.matchers = matchers
    app.state.storage = storage
    app.state.jobs = runner
    problems.install(app)
    openapi.install(app)
    api_docs.install(app)
    app.add_middleware(
        BodyLimitMiddleware,
        max_bytes=settings.max_body_bytes,
        upload_max_bytes=settings.max_upload_bytes,
        batch_max_bytes=settings.max_batch_bytes,
        batch_paths=frozenset({"/v1/transactions/batch"}),
    )
    app.add_middleware(CorrelationIdMiddleware)
    app.add_middleware(MetricsMiddleware)
    app.include_router(health_router)
    app.include_router(auth_router)
    for router in NATIVE_API:
        app.include_router(router)
    for dialect in (sigma_router, sumsub_router, sphinx_router):
        app.include_router(dialect)
    app.mount(
        "/console/static",
        StaticFiles(packages=[("casework.console", "static")]),
        name="console-static",
    )
    app.include_router(console_router)
    return app
