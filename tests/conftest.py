"""Shared fixtures: real databases (SQLite and PostgreSQL, every DB test runs on both), a real HTTP server
playing the LLM, and the app built by its factory with settings made for the test."""

from __future__ import annotations

import asyncio
import os
import shutil
import time
import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import psycopg
import pytest
from litestar.testing import AsyncTestClient

from assistant.db.migrate import upgrade
from assistant.playbooks import Playbook, load_playbook
from assistant.server.app import create_app
from assistant.settings import PROJECT_ROOT, Settings
from tests.support.scripted_llm import ScriptedLLM

API_KEY = "test-bootstrap-key"
AUTH = {"Authorization": f"Bearer {API_KEY}"}
BACKENDS = [b.strip() for b in os.environ.get("ASSISTANT_TEST_BACKENDS", "sqlite,postgresql").split(",") if b.strip()]
PG_ADMIN_URL = os.environ.get("ASSISTANT_TEST_PG_URL", "postgresql://postgres@127.0.0.1:5432/postgres")


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("template") / "template.db"
    upgrade(f"sqlite:///{path}")
    return path


@pytest.fixture(scope="session")
def postgres_database() -> Iterator[str]:
    name = f"assistant_test_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(PG_ADMIN_URL, autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    url = PG_ADMIN_URL.rsplit("/", 1)[0] + f"/{name}"
    upgrade(url)
    yield url
    with psycopg.connect(PG_ADMIN_URL, autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _truncate(url: str) -> None:
    with psycopg.connect(url, autocommit=True) as conn:
        tables = [
            r[0]
            for r in conn.execute(
                "SELECT tablename FROM pg_tables WHERE schemaname = 'public' AND tablename <> 'alembic_version'"
            )
        ]
        if tables:
            conn.execute("TRUNCATE " + ", ".join(f'"{t}"' for t in tables) + " RESTART IDENTITY CASCADE")


@pytest.fixture(params=BACKENDS)
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A migrated, empty database: a copy of the SQLite template, or the session's PostgreSQL truncated."""
    if request.param == "sqlite":
        path = tmp_path / "assistant.db"
        shutil.copy(request.getfixturevalue("sqlite_template"), path)
        return f"sqlite:///{path}"
    url = request.getfixturevalue("postgres_database")
    _truncate(url)
    return url


@pytest.fixture(scope="module")
def playbook() -> Playbook:
    """The shipped default playbook, read once per test module."""
    return load_playbook(PROJECT_ROOT / "playbooks" / "default.yaml")


@pytest.fixture
def scripted_llm() -> Iterator[ScriptedLLM]:
    with ScriptedLLM() as server:
        yield server


def service_settings(database_url: str, scripted_llm: ScriptedLLM, data_dir: Path, **overrides: object) -> Settings:
    """The service under test: the scripted model with a short timeout and quick retries, the bootstrap key."""
    return Settings(
        database_url=database_url,
        data_dir=data_dir,
        llm_base_url=scripted_llm.base_url,
        llm_model="scripted",
        bootstrap_api_key=API_KEY,
        llm_timeout=2.0,
        llm_max_attempts=3,
        llm_max_retry_wait=0.2,
        **overrides,
    )


@pytest.fixture
def settings(database_url: str, scripted_llm: ScriptedLLM, tmp_path: Path) -> Settings:
    return service_settings(database_url, scripted_llm, tmp_path, workers=2)


@pytest.fixture
async def client(settings: Settings) -> AsyncIterator[AsyncTestClient]:
    async with AsyncTestClient(app=create_app(settings)) as test_client:
        test_client.headers.update(AUTH)
        yield test_client


def confirming(draft: dict, **body: object) -> dict:
    """An approve body for `draft`: a flagged draft is approved only with its guard issues named (`confirm`)."""
    return {**body, "confirm": ",".join(sorted(draft["flags"]))} if draft["flagged"] else body


async def wait_for_status(client: AsyncTestClient, review_id: int, *statuses: str, timeout: float = 20.0) -> dict:
    """Poll the API until the review reaches one of `statuses` (the pipeline runs in the background)."""
    deadline = time.monotonic() + timeout
    while True:
        body = (await client.get(f"/api/v1/reviews/{review_id}")).json()
        if body["status"] in statuses:
            return body
        if time.monotonic() > deadline:
            raise AssertionError(f"review {review_id} stuck in {body['status']}: {body.get('error')}")
        await asyncio.sleep(0.05)


class LiveServer:
    """The real app under uvicorn on a free loopback port, in a thread: for browsers and extensions."""

    def __init__(self, settings: Settings):
        import socket
        import threading

        import uvicorn

        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            self.port = probe.getsockname()[1]
        self.url = f"http://127.0.0.1:{self.port}"
        self.settings = settings
        self.server = uvicorn.Server(
            uvicorn.Config(create_app(settings), host="127.0.0.1", port=self.port, log_level="warning", lifespan="on")
        )
        self.thread = threading.Thread(target=self.server.run, name="live-server", daemon=True)

    def __enter__(self) -> LiveServer:
        self.thread.start()
        deadline = time.monotonic() + 20
        while not self.server.started:
            if time.monotonic() > deadline or not self.thread.is_alive():
                raise RuntimeError("the live server did not start")
            time.sleep(0.05)
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=15)


@pytest.fixture
def live_server(settings: Settings) -> Iterator[LiveServer]:
    """`live_server.url` serves the API (key: API_KEY) with the scripted LLM, on the test's database."""
    with LiveServer(settings) as server:
        yield server
