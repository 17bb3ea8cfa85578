"""The database goes away while the service runs: the API answers 503 problem details (never a 500) —
also from the API-key middleware, which reads the database before any route — and once the database is
back the service reconnects by itself and finishes the reviews it had in hand, each drafted once.

How the database is taken away, per backend:
- PostgreSQL: a TCP proxy between the app and the server is cut (new connections refused, pooled ones
  reset) and restored. That is what a network partition or a failover looks like to the app, it touches
  nothing shared, and it takes milliseconds. The shared PostgreSQL on 5432 is never restarted.
- PostgreSQL, for real: a private cluster (initdb + pg_ctl on a free port, as the `postgres` user when we
  are root) is stopped and started under the app: the server's own "shutting down" / "starting up"
  answers (SQLSTATE 57P03), which no proxy produces. Skipped where PostgreSQL's binaries or a non-root
  user are missing.
- SQLite: the database's directory is renamed away and the connection pool emptied, so every new
  connection fails with aiosqlite's "unable to open database file"; renamed back, it works again.
"""

from __future__ import annotations

import asyncio
import contextlib
import glob
import os
import shutil
import socket
import subprocess
import tempfile
import threading
import time
from collections import Counter
from pathlib import Path

import psycopg
import pytest
from litestar.testing import AsyncTestClient
from sqlalchemy.engine import make_url

from assistant.db.engine import create_engine, session_factory
from assistant.db.migrate import upgrade
from assistant.domain.keys.service import create_key
from assistant.server.app import create_app
from assistant.settings import Settings
from tests.conftest import AUTH, BACKENDS, service_settings
from tests.integration.test_crash_safety import snapshot

REVIEWS = [
    {"text": f"The courier was {n} hours late and rude", "source": "outage", "external_id": f"o-{n}", "rating": 2}
    for n in range(2, 8)
]


class TcpProxy:
    """127.0.0.1:<port> → target, on its own event loop in a thread; `cut()` refuses new connections and
    resets the open ones, `restore()` listens again on the same port."""

    def __init__(self, host: str, port: int):
        self.target = (host, port)
        self.port = 0
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, name="tcp-proxy", daemon=True)
        self.server: asyncio.base_events.Server | None = None
        self.writers: set[asyncio.StreamWriter] = set()

    def _call(self, coro) -> None:
        asyncio.run_coroutine_threadsafe(coro, self.loop).result(10)

    async def _listen(self) -> None:
        self.server = await asyncio.start_server(self._connect, "127.0.0.1", self.port)
        self.port = self.server.sockets[0].getsockname()[1]

    async def _pipe(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        with contextlib.suppress(Exception):
            while data := await reader.read(65536):
                writer.write(data)
                await writer.drain()
        writer.close()

    async def _connect(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            up_reader, up_writer = await asyncio.open_connection(*self.target)
        except OSError:
            writer.close()
            return
        self.writers |= {writer, up_writer}
        await asyncio.gather(self._pipe(reader, up_writer), self._pipe(up_reader, writer))
        self.writers -= {writer, up_writer}

    async def _cut(self) -> None:
        if self.server:
            self.server.close()
        for writer in list(self.writers):
            writer.transport.abort()
        self.writers.clear()

    def start(self) -> TcpProxy:
        self.thread.start()
        self._call(self._listen())
        return self

    def cut(self) -> None:
        self._call(self._cut())

    def restore(self) -> None:
        self._call(self._listen())

    def close(self) -> None:
        self._call(self._cut())
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(5)


class SqliteOutage:
    """Rename the database's directory away (and empty the pool, whose open files would still work)."""

    def __init__(self, path: Path):
        self.directory = path.parent
        self.away = self.directory.with_name(self.directory.name + "-away")

    def cut(self, client: AsyncTestClient) -> None:
        self.directory.rename(self.away)
        client.blocking_portal.call(client.app.state.engine.dispose)

    def restore(self) -> None:
        self.away.rename(self.directory)


async def outage_round(settings: Settings, cut, restore) -> None:
    """Ingest, cut, check every answer is a 503 problem, restore, check everything finishes once."""
    url = settings.resolved_database_url
    engine = create_engine(url)
    async with session_factory(engine)() as session:
        ingest_key = await create_key(session, "extension", ["ingest"])
    await engine.dispose()
    db_key = {"Authorization": f"Bearer {ingest_key}"}
    async with AsyncTestClient(app=create_app(settings)) as client:
        client.headers.update(AUTH)
        ids = [(await client.post("/api/v1/reviews", json=r)).json()["id"] for r in REVIEWS]
        assert (await client.get(f"/api/v1/reviews/{ids[0]}", headers=db_key)).status_code == 200
        cut(client)
        answers: Counter = Counter()
        for _ in range(3):
            for method, path, headers, body in (
                ("GET", f"/api/v1/reviews/{ids[0]}", AUTH, None),
                ("GET", "/api/v1/drafts", AUTH, None),
                ("POST", "/api/v1/reviews", AUTH, {"text": "During the outage", "source": "outage"}),
                ("GET", f"/api/v1/reviews/{ids[0]}", db_key, None),  # the key middleware reads the database
                ("POST", "/api/v1/reviews", db_key, REVIEWS[0]),
                ("GET", "/health", AUTH, None),
            ):
                response = await client.request(method, path, headers=headers, json=body)
                problem = response.headers.get("content-type", "").startswith("application/problem+json")
                answers[(path.split("/")[3] if path.startswith("/api") else path, response.status_code, problem)] += 1
                assert response.status_code == 503 and problem, (method, path, response.status_code, response.text)
                if path != "/health":
                    assert response.headers["retry-after"] == "5"
                    assert response.json()["type"].endswith("/database-unavailable")
            await asyncio.sleep(0.3)  # the pipeline's workers crash on their reviews meanwhile
        restore()
        deadline = time.monotonic() + 45
        while (await client.get("/health")).status_code != 200:
            assert time.monotonic() < deadline, "the service did not reconnect"
            await asyncio.sleep(0.2)
        assert (await client.get(f"/api/v1/reviews/{ids[0]}", headers=db_key)).status_code == 200
        assert (await client.post("/api/v1/reviews", json={**REVIEWS[0], "external_id": "after"})).status_code == 201
        while True:  # the reviews the workers dropped during the outage are picked up again, without a restart
            statuses, drafts = await snapshot(url)
            if all(s == "pending_approval" for s in statuses.values()) and len(drafts) == len(statuses):
                break
            assert time.monotonic() < deadline, f"stuck after the outage: {statuses}"
            await asyncio.sleep(0.2)
    assert all(len(d) == 1 for d in drafts.values()), f"drafted twice: {drafts}"


async def test_database_outage_answers_503_then_the_service_recovers(settings, scripted_llm, database_url, tmp_path):
    scripted_llm.latency = 0.1
    if database_url.startswith("sqlite"):
        path = tmp_path / "db" / "assistant.db"
        path.parent.mkdir()
        shutil.copy(make_url(database_url).database, path)
        outage = SqliteOutage(path)
        await outage_round(
            settings.model_copy(update={"database_url": f"sqlite:///{path}"}), outage.cut, lambda: outage.restore()
        )
        return
    parsed = make_url(database_url)
    proxy = TcpProxy(parsed.host or "127.0.0.1", parsed.port or 5432).start()
    try:
        proxied = parsed.set(host="127.0.0.1", port=proxy.port).render_as_string(hide_password=False)
        await outage_round(settings.model_copy(update={"database_url": proxied}), lambda _: proxy.cut(), proxy.restore)
    finally:
        proxy.close()


# -- a real PostgreSQL stop/start, on a private cluster -------------------------------------------------------


def _pg_bin() -> Path | None:
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"))
    return Path(found[-1]).parent if found else None


def _as_user() -> list[str]:
    """initdb refuses root: run the cluster as `postgres` then (runuser), else as ourselves."""
    if os.geteuid() != 0:
        return []
    if shutil.which("runuser") and subprocess.run(["id", "postgres"], check=False, capture_output=True).returncode == 0:
        return ["runuser", "-u", "postgres", "--"]
    raise RuntimeError("root without a postgres user")


@pytest.fixture(scope="module")
def private_cluster():
    """A throwaway PostgreSQL cluster on a free port: (url, stop(), start())."""
    binaries = _pg_bin()
    if binaries is None:
        pytest.skip("PostgreSQL server binaries are not installed")
    try:
        prefix = _as_user()
    except RuntimeError as exc:
        pytest.skip(str(exc))
    home = Path(tempfile.mkdtemp(prefix="assistant-pg-"))  # not under pytest's root-only temp tree
    if prefix:
        shutil.chown(home, "postgres")
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    data = home / "data"
    subprocess.run(
        [*prefix, str(binaries / "initdb"), "-D", str(data), "-A", "trust", "-U", "postgres", "--no-sync"],
        check=True,
        capture_output=True,
    )

    def ctl(*args: str) -> None:
        subprocess.run(
            [
                *prefix,
                str(binaries / "pg_ctl"),
                "-D",
                str(data),
                "-w",
                "-l",
                str(home / "log"),
                "-o",
                f"-p {port} -k {home} -c fsync=off",
                *args,
            ],
            check=True,
            capture_output=True,
        )

    ctl("start")
    admin = f"postgresql://postgres@127.0.0.1:{port}/postgres"
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute("CREATE DATABASE app")
    url = f"postgresql://postgres@127.0.0.1:{port}/app"
    upgrade(url)
    yield url, lambda: ctl("stop", "-m", "fast"), lambda: ctl("start")
    with contextlib.suppress(subprocess.CalledProcessError):
        ctl("stop", "-m", "immediate")
    shutil.rmtree(home, ignore_errors=True)


@pytest.mark.skipif("postgresql" not in BACKENDS, reason="PostgreSQL tests are off (ASSISTANT_TEST_BACKENDS)")
async def test_postgres_stopped_and_started_under_load_never_500s(private_cluster, scripted_llm, tmp_path):
    url, stop, start = private_cluster
    async with AsyncTestClient(app=create_app(service_settings(url, scripted_llm, tmp_path))) as client:
        client.headers.update(AUTH)
        ids = [(await client.post("/api/v1/reviews", json={**r, "source": "restart"})).json()["id"] for r in REVIEWS]
        seen: Counter = Counter()
        loop = asyncio.get_running_loop()
        for phase, action in (("stopping", stop), ("starting", start)):
            running = loop.run_in_executor(None, action)
            while not running.done():
                for path in ("/api/v1/drafts", f"/api/v1/reviews/{ids[0]}"):
                    response = await client.get(path)
                    seen[(phase, response.status_code)] += 1
                    assert response.status_code in (200, 503), (phase, path, response.status_code, response.text)
                await asyncio.sleep(0.02)
            await running
            if phase == "stopping":
                response = await client.get("/api/v1/drafts")
                assert response.status_code == 503 and response.json()["type"].endswith("/database-unavailable")
        deadline = time.monotonic() + 45
        while True:
            statuses = [(await client.get(f"/api/v1/reviews/{i}")).json()["status"] for i in ids]
            if set(statuses) == {"pending_approval"}:
                break
            assert time.monotonic() < deadline, f"reviews stuck after PostgreSQL came back: {statuses}"
            await asyncio.sleep(0.2)
    assert seen[("stopping", 503)] or seen[("starting", 503)], seen
