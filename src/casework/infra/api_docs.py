"""The interactive API documentation (Swagger UI at ``/docs``, ReDoc at ``/redoc``),
served with its scripts, stylesheet and icon from casework itself, so the pages work on
an install that cannot reach a CDN.

The files are the ones the fastapi-offline package ships. Its ``FastAPIOffline()``
would build the application object itself, and its pages leave the proxy's path prefix
out of the OAuth2 redirect address; the pages here are FastAPI's own, as FastAPI builds
them for its default docs, pointed at those files.
"""

from __future__ import annotations

from fastapi import FastAPI, Request
from fastapi.openapi.docs import (
    get_redoc_html,
    get_swagger_ui_html,
    get_swagger_ui_oauth2_redirect_html,
)
from fastapi.responses import HTMLResponse
from fastapi.staticfiles import StaticFiles

DOCS = "/docs"
REDOC = "/redoc"
ASSETS = "/docs/static"


def install(app: FastAPI) -> None:
    """Serve the documentation pages of ``app``, which must be made with
    ``docs_url=None, redoc_url=None`` so that FastAPI does not add its CDN-linked ones."""
    assert app.docs_url is None
    assert app.redoc_url is None
    openapi_url, redirect_url = app.openapi_url, app.swagger_ui_oauth2_redirect_url
    assert openapi_url is not None
    assert redirect_url is not None
    app.mount(ASSETS, StaticFiles(packages=[("fastapi_offline", "static")]), name="api-docs")

    def prefix(request: Request) -> str:
        # Behind a proxy that serves casework under a path, every address on the page
        # carries that path, as in FastAPI's own pages.
        return str(request.scope.get("root_path", "")).rstrip("/")

    async def swagger_ui(request: Request) -> HTMLResponse:
        root = prefix(request)
        return get_swagger_ui_html(
            openapi_url=root + openapi_url,
            title=f"{app.title} - Swagger UI",
            oauth2_redirect_url=root + redirect_url,
            init_oauth=app.swagger_ui_init_oauth,
            swagger_ui_parameters=app.swagger_ui_parameters,
            swagger_js_url=f"{root}{ASSETS}/swagger-ui-bundle.js",
            swagger_css_url=f"{root}{ASSETS}/swagger-ui.css",
            swagger_favicon_url=f"{root}{ASSETS}/favicon.png",
        )

    async def oauth2_redirect(_request: Request) -> HTMLResponse:
        return get_swagger_ui_oauth2_redirect_html()

    async def redoc(request: Request) -> HTMLResponse:
        root = prefix(request)
        return get_redoc_html(
            openapi_url=root + openapi_url,
            title=f"{app.title} - ReDoc",
            redoc_js_url=f"{root}{ASSETS}/redoc.standalone.js",
            redoc_favicon_url=f"{root}{ASSETS}/favicon.png",
            # The fonts would come from Google's servers; ReDoc falls back to the
            # browser's own.
            with_google_fonts=False,
        )

    app.add_route(DOCS, swagger_ui, include_in_schema=False)
    app.add_route(redirect_url, oauth2_redirect, include_in_schema=False)
    app.add_route(REDOC, redoc, include_in_schema=False)
