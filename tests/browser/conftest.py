"""Browser fixtures: Debian's Chromium with the unpacked extension (a persistent context, new headless mode),
local review pages served on loopback under made-up hostnames, and the extension pointed at `live_server`;
Debian's Chromium without the extension for the web pages, and agents signed in on them."""

from __future__ import annotations

import functools
import re
import shutil
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from tests.browser.chromium import ARGS, ARTIFACTS, CHROMIUM
from tests.conftest import API_KEY

EXTENSION = Path(__file__).resolve().parents[2] / "extension"
FIXTURES = Path(__file__).parent / "fixtures"
PASSWORD = "correct horse battery"  # the web pages' test agents sign in with it
DESKTOP = {"width": 1440, "height": 900}


class _QuietHandler(SimpleHTTPRequestHandler):
    def log_message(self, *args: Any) -> None:
        pass

    def end_headers(self) -> None:
        self.send_header("Cache-Control", "no-store")
        super().end_headers()


@dataclass
class Site:
    """The fixture pages; every `*.test` hostname resolves to this loopback server inside the browser."""

    port: int

    def url(self, page: str, host: str = "shop.test") -> str:
        return f"http://{host}:{self.port}/{page}"


@pytest.fixture(scope="session")
def review_site() -> Iterator[Site]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(_QuietHandler, directory=str(FIXTURES)))
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, name="fixture-site", daemon=True)
    thread.start()
    yield Site(server.server_address[1])
    server.shutdown()
    server.server_close()


class Browser:
    """One Chromium with the extension for a test module; `worker()` is the extension's service worker."""

    def __init__(self, context: Any):
        self.context = context
        worker = next((w for w in context.service_workers if w.url.startswith("chrome-extension://")), None)
        worker = worker or context.wait_for_event("serviceworker", timeout=15000)
        self.extension_id = worker.url.split("/")[2]

    def worker(self) -> Any:
        """The live worker (Chromium may have restarted it since the last call)."""
        prefix = f"chrome-extension://{self.extension_id}/"
        for worker in reversed(self.context.service_workers):
            if worker.url.startswith(prefix):
                return worker
        return self.context.wait_for_event("serviceworker", timeout=15000)

    def configure(self, **values: Any) -> None:
        self.worker().evaluate("values => chrome.storage.local.set(values)", values)

    def reset(self) -> None:
        self.worker().evaluate("() => chrome.storage.local.clear()")
        for page in list(self.context.pages):
            page.close()


@pytest.fixture(scope="module")
def extension_browser(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Browser]:
    if not Path(CHROMIUM).exists():
        pytest.skip(f"no Chromium at {CHROMIUM}")
    from playwright.sync_api import sync_playwright

    profile = tmp_path_factory.mktemp("chromium-profile")
    with sync_playwright() as playwright:
        context = playwright.chromium.launch_persistent_context(
            str(profile),
            executable_path=CHROMIUM,
            headless=False,
            viewport={"width": 1280, "height": 860},
            args=[
                *ARGS,
                "--disable-features=HttpsUpgrades,HttpsFirstBalancedModeAutoEnable",
                "--host-resolver-rules=MAP *.test 127.0.0.1",
                f"--disable-extensions-except={EXTENSION}",
                f"--load-extension={EXTENSION}",
            ],
        )
        try:
            yield Browser(context)
        finally:
            context.close()
    shutil.rmtree(profile, ignore_errors=True)


@pytest.fixture
def extension(extension_browser: Browser, live_server: Any) -> Iterator[Browser]:
    """The extension configured for this test's live server; storage and tabs are cleared afterwards."""
    extension_browser.reset()
    extension_browser.configure(apiUrl=live_server.url, apiKey=API_KEY, adaptersJson="", draftTimeoutSec=30)
    yield extension_browser
    extension_browser.reset()


@pytest.fixture
def shot(request: pytest.FixtureRequest):
    """`shot(page, "name")` saves test-artifacts/extension-<name>-<backend>.png and returns the path."""
    ARTIFACTS.mkdir(exist_ok=True)
    params = getattr(request.node, "callspec", None)
    backend = params.params.get("database_url", "") if params else ""

    def take(page: Any, name: str) -> Path:
        path = (
            ARTIFACTS / f"extension-{re.sub(r'[^a-z0-9-]+', '-', name.lower())}{'-' + backend if backend else ''}.png"
        )
        page.screenshot(path=str(path))
        return path

    return take


@pytest.fixture(scope="module")
def chromium() -> Iterator[Any]:
    """Debian's Chromium without the extension, for the web pages: one per test module."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield browser
        browser.close()


def submit_sign_in(page: Any, email: str, password: str = PASSWORD) -> None:
    """Fill in and send the sign-in form the page shows."""
    page.fill('input[name="email"]', email)
    page.fill('input[name="password"]', password)
    page.click('button[type="submit"]')


@pytest.fixture
def sign_in(chromium: Any) -> Iterator[Callable[..., tuple[Any, Any]]]:
    """`sign_in(base_url, email, **context_options)` -> (context, page): a new browser context signed in, on the
    queue (1440×900 in UTC unless the options say otherwise). The pages must work under a CSP without
    'unsafe-inline' (no inline script, style or handler): a console error about the policy fails the test."""
    csp_errors: list[str] = []

    def on_console(message: Any) -> None:
        if message.type == "error" and "Content Security Policy" in message.text:
            csp_errors.append(f"{message.text} @ {message.location}")

    def open_signed_in(base_url: str, email: str, **context_options: Any) -> tuple[Any, Any]:
        context = chromium.new_context(
            base_url=base_url, **{"viewport": DESKTOP, "timezone_id": "UTC", **context_options}
        )
        page = context.new_page()
        page.on("console", on_console)
        page.goto("/login")
        submit_sign_in(page, email)
        page.wait_for_url(re.compile(r"/queue"))
        return context, page

    yield open_signed_in
    assert csp_errors == []
