"""The interactive API documentation works offline: /docs and /redoc load every script,
stylesheet and icon from casework itself."""

from __future__ import annotations

from html.parser import HTMLParser
from urllib.parse import urlsplit

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

# What each kind of file must be served as.
CONTENT_TYPES = {
    ".js": ("text/javascript", "application/javascript"),
    ".css": ("text/css",),
    ".png": ("image/png",),
}


class Assets(HTMLParser):
    """The addresses of a page's scripts and linked files (stylesheets, icons)."""

    def __init__(self) -> None:
        super().__init__()
        self.urls: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = dict(attrs)
        url = found.get("src") if tag == "script" else found.get("href") if tag == "link" else None
        if url:
            self.urls.append(url)


def assets(html: str) -> list[str]:
    parser = Assets()
    parser.feed(html)
    return parser.urls


@pytest.mark.parametrize("page", ["/docs", "/redoc"])
def test_every_file_a_docs_page_loads_is_served_by_casework(client: TestClient, page: str):
    response = client.get(page)
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    urls = assets(response.text)
    assert any(url.endswith(".js") for url in urls), urls
    for url in urls:
        parts = urlsplit(url)
        assert not parts.scheme and not parts.netloc, f"{page} loads {url} from elsewhere"
        served = client.get(url)
        assert served.status_code == 200, url
        suffix = parts.path[parts.path.rindex(".") :]
        assert served.headers["content-type"].startswith(CONTENT_TYPES[suffix]), (
            url,
            served.headers["content-type"],
        )
        assert len(served.content) > 1000, url


def test_swagger_ui_gets_its_stylesheet_and_the_description(client: TestClient):
    page = client.get("/docs").text
    assert "/docs/static/swagger-ui.css" in assets(page)
    assert "url: '/openapi.json'" in page
    assert client.get("/openapi.json").status_code == 200


def test_the_oauth2_redirect_page_answers(client: TestClient):
    assert "oauth2RedirectUrl: window.location.origin + '/docs/oauth2-redirect'" in (
        client.get("/docs").text
    )
    response = client.get("/docs/oauth2-redirect")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    assert "oauth2" in response.text


def test_behind_a_path_prefix_every_address_carries_it(app: FastAPI):
    # As uvicorn --root-path /casework behind a proxy that forwards /casework/...; no
    # lifespan: the pages need none, and the session's client already runs the app's.
    proxied = TestClient(app, root_path="/casework")
    page = proxied.get("/casework/docs").text
    assert "url: '/casework/openapi.json'" in page
    assert "window.location.origin + '/casework/docs/oauth2-redirect'" in page
    urls = assets(page) + assets(proxied.get("/casework/redoc").text)
    assert urls and all(url.startswith("/casework/docs/static/") for url in urls), urls
    assert all(proxied.get(url).status_code == 200 for url in urls)
    assert proxied.get("/casework/docs/oauth2-redirect").status_code == 200


def test_the_docs_pages_are_not_operations_of_the_api(client: TestClient):
    paths = client.get("/openapi.json").json()["paths"]
    assert not [path for path in paths if path.startswith(("/docs", "/redoc"))]
