"""Accounts and the web session: argon2 hashes, the `users create` CLI, sign-in/out with CSRF, session
expiry, deactivation ending sessions, admin-only pages (people, API keys, playbooks), the secret key file,
and `/api/v1` untouched (API keys, no CSRF)."""

from __future__ import annotations

import asyncio
import re
import stat
from pathlib import Path

import pytest
from litestar.testing import AsyncTestClient
from typer.testing import CliRunner

from assistant.cli import app as cli
from assistant.db.engine import create_engine, session_factory
from assistant.domain.users.service import UserService
from assistant.errors import Conflict, InvalidInput
from assistant.server.app import create_app
from assistant.settings import Settings
from tests.conftest import AUTH

PASSWORD = "a long enough password"


async def _users(database_url: str):
    engine = create_engine(database_url)
    return engine, session_factory(engine)()


async def _create(database_url: str, email: str, role: str = "agent", name: str = "Someone") -> None:
    engine, session = await _users(database_url)
    async with session:
        await UserService(session).create(email=email, name=name, password=PASSWORD, role=role)
    await engine.dispose()


def _token(html: str) -> str:
    match = re.search(r'name="_csrf_token" value="([^"]+)"', html)
    assert match, "the page has no CSRF field"
    return match.group(1)


async def _login(web: AsyncTestClient, email: str, password: str = PASSWORD) -> object:
    page = await web.get("/login")
    return await web.post(
        "/login",
        data={"email": email, "password": password, "_csrf_token": _token(page.text), "next": "/queue"},
        follow_redirects=False,
    )


async def _post(web: AsyncTestClient, path: str, data: dict, page: str = "/queue") -> object:
    token = _token((await web.get(page)).text)
    return await web.post(path, data={**data, "_csrf_token": token}, follow_redirects=False)


async def test_passwords_are_argon2_and_accounts_are_checked(database_url):
    engine, session = await _users(database_url)
    async with session:
        users = UserService(session)
        admin = await users.create(email=" Root@Example.com ", name="Rita", password=PASSWORD, role="admin")
        assert admin.email == "root@example.com" and admin.password_hash.startswith("$argon2id$")
        assert PASSWORD not in admin.password_hash
        admin_id = admin.id
        assert (await users.authenticate("ROOT@example.com", PASSWORD)).id == admin_id
        assert await users.authenticate("root@example.com", "wrong password!") is None
        assert await users.authenticate("nobody@example.com", PASSWORD) is None
        with pytest.raises(Conflict):
            await users.create(email="root@example.com", name="Again", password=PASSWORD)
        with pytest.raises(InvalidInput):
            await users.create(email="short@example.com", name="Short", password="short")
        with pytest.raises(InvalidInput):
            await users.create(email="not-an-email", name="X", password=PASSWORD)
        with pytest.raises(InvalidInput):
            await users.create(email="role@example.com", name="X", password=PASSWORD, role="owner")
        with pytest.raises(InvalidInput):  # the last admin stays
            await users.set_active(admin_id, False)
        agent = await users.create(email="anna@example.com", name="Anna", password=PASSWORD)
        await users.set_active(agent.id, False, acting_user_id=admin_id)
        assert await users.authenticate("anna@example.com", PASSWORD) is None
    await engine.dispose()


def test_cli_creates_the_first_admin(database_url, tmp_path, monkeypatch):
    monkeypatch.setenv("ASSISTANT_DATABASE_URL", database_url)
    monkeypatch.setenv("ASSISTANT_DATA_DIR", str(tmp_path))
    runner = CliRunner()
    result = runner.invoke(
        cli,
        ["users", "create", "--email", "boss@example.com", "--name", "Boss", "--role", "admin", "--password-stdin"],
        input=PASSWORD + "\n",
    )
    assert result.exit_code == 0, result.output
    assert "created admin boss@example.com" in result.output
    prompted = runner.invoke(
        cli, ["users", "create", "--email", "anna@example.com", "--name", "Anna"], input=f"{PASSWORD}\n{PASSWORD}\n"
    )
    assert prompted.exit_code == 0, prompted.output
    again = runner.invoke(
        cli,
        ["users", "create", "--email", "boss@example.com", "--name", "Boss", "--password-stdin"],
        input=PASSWORD + "\n",
    )
    assert again.exit_code == 2 and "already exists" in again.output
    weak = runner.invoke(
        cli, ["users", "create", "--email", "weak@example.com", "--name", "W", "--password-stdin"], input="short\n"
    )
    assert weak.exit_code == 2

    async def check() -> tuple:
        engine, session = await _users(database_url)
        async with session:
            users = UserService(session)
            result = (
                await users.authenticate("boss@example.com", PASSWORD),
                await users.authenticate("anna@example.com", PASSWORD),
            )
        await engine.dispose()
        return result

    boss, anna = asyncio.run(check())
    assert boss.role == "admin" and anna.role == "agent"


async def test_sign_in_session_and_sign_out(settings, database_url):
    await _create(database_url, "anna@example.com", name="Anna Agent")
    async with AsyncTestClient(app=create_app(settings)) as web:
        bounced = await web.get("/queue?status=pending", follow_redirects=False)
        assert bounced.status_code == 303 and bounced.headers["location"] == "/login?next=%2Fqueue%3Fstatus%3Dpending"
        page = await web.get("/login")
        assert "default-src 'self'" in page.headers["content-security-policy"]
        no_token = await web.post(
            "/login", data={"email": "anna@example.com", "password": PASSWORD}, follow_redirects=False
        )
        assert no_token.status_code == 403
        wrong = await _login(web, "anna@example.com", "not the password")
        assert wrong.status_code == 401 and "match an active account" in wrong.text
        signed_in = await _login(web, "anna@example.com")
        assert signed_in.status_code == 303 and signed_in.headers["location"] == "/queue"
        cookie = signed_in.headers["set-cookie"]
        assert "rra_session=" in cookie and "HttpOnly" in cookie and "SameSite=lax" in cookie
        queue = await web.get("/queue")
        assert queue.status_code == 200 and "Anna Agent" in queue.text
        assert (await web.get("/queue", params={"status": "bogus"})).status_code == 400
        out = await _post(web, "/logout", {})
        assert out.status_code == 303 and out.headers["location"] == "/login"
        assert (await web.get("/queue", follow_redirects=False)).status_code == 303


async def test_open_redirects_are_refused_after_sign_in(settings, database_url):
    await _create(database_url, "anna@example.com")
    async with AsyncTestClient(app=create_app(settings)) as web:
        page = await web.get("/login")
        response = await web.post(
            "/login",
            data={
                "email": "anna@example.com",
                "password": PASSWORD,
                "_csrf_token": _token(page.text),
                "next": "//evil.example/x",
            },
            follow_redirects=False,
        )
        assert response.headers["location"] == "/queue"


async def test_sessions_expire(settings, database_url):
    await _create(database_url, "anna@example.com")
    short = settings.model_copy(update={"session_max_hours": 0.5 / 3600})  # half a second after sign-in
    async with AsyncTestClient(app=create_app(short)) as web:
        assert (await _login(web, "anna@example.com")).status_code == 303
        assert (await web.get("/queue", follow_redirects=False)).status_code == 200
        await asyncio.sleep(0.7)
        expired = await web.get("/queue", follow_redirects=False)
        assert expired.status_code == 303 and expired.headers["location"].startswith("/login")


async def test_admin_manages_people_and_deactivation_ends_sessions(settings, database_url):
    await _create(database_url, "root@example.com", role="admin", name="Rita Admin")
    # two apps on one database (like two server processes): each test client runs its own lifespan
    async with AsyncTestClient(app=create_app(settings)) as admin, AsyncTestClient(app=create_app(settings)) as agent:
        await _login(admin, "root@example.com")
        created = await _post(
            admin,
            "/admin/users",
            {"email": "anna@example.com", "name": "Anna", "role": "agent", "password": PASSWORD},
            page="/admin/users",
        )
        assert created.status_code == 303
        listing = await admin.get("/admin/users")
        assert "anna@example.com" in listing.text and "Created agent anna@example.com" in listing.text
        duplicate = await _post(
            admin,
            "/admin/users",
            {"email": "anna@example.com", "name": "A", "role": "agent", "password": PASSWORD},
            page="/admin/users",
        )
        assert duplicate.status_code == 409 and "already exists" in duplicate.text
        weak = await _post(
            admin,
            "/admin/users",
            {"email": "b@example.com", "name": "B", "role": "agent", "password": "x"},
            page="/admin/users",
        )
        assert weak.status_code == 422

        assert (await _login(agent, "anna@example.com")).status_code == 303
        assert (await agent.get("/queue", follow_redirects=False)).status_code == 200
        assert (await agent.get("/admin/users")).status_code == 403  # agents don't manage anything
        assert (
            await _post(
                agent, "/admin/users", {"email": "x@example.com", "name": "X", "role": "admin", "password": PASSWORD}
            )
        ).status_code == 403

        anna_id = re.search(r"/admin/users/(\d+)/deactivate", (await admin.get("/admin/users")).text).group(1)
        assert (await _post(admin, f"/admin/users/{anna_id}/deactivate", {}, page="/admin/users")).status_code == 303
        assert (await agent.get("/queue", follow_redirects=False)).status_code == 303  # her session ended
        assert (await _login(agent, "anna@example.com")).status_code == 401
        await _post(admin, f"/admin/users/{anna_id}/activate", {}, page="/admin/users")
        assert (await _login(agent, "anna@example.com")).status_code == 303


async def test_admin_creates_and_revokes_api_keys_and_the_api_keeps_keys(settings, database_url):
    await _create(database_url, "root@example.com", role="admin")
    async with AsyncTestClient(app=create_app(settings)) as web:
        await _login(web, "root@example.com")
        created = await _post(web, "/admin/keys", {"name": "extension", "scopes": "agent"}, page="/admin/keys")
        assert created.status_code == 201
        key = re.search(r'id="new-key">(rra_[^<]+)<', created.text).group(1)
        # the API: API keys, no CSRF, and a signed-in browser session is not enough
        assert (await web.get("/api/v1/drafts")).status_code == 401
        assert (await web.get("/api/v1/drafts", headers={"X-API-Key": key})).status_code == 200
        review = await web.post(
            "/api/v1/reviews",
            headers=AUTH,
            json={"text": "Great!", "source": "shop", "external_id": "k-1", "rating": 5},
        )
        assert review.status_code == 201
        key_id = re.search(r"/admin/keys/(\d+)/revoke", (await web.get("/admin/keys")).text).group(1)
        assert (await _post(web, f"/admin/keys/{key_id}/revoke", {}, page="/admin/keys")).status_code == 303
        assert (await web.get("/api/v1/drafts", headers={"X-API-Key": key})).status_code == 401
        assert "revoked" in (await web.get("/admin/keys")).text
        bad = await _post(web, "/admin/keys", {"name": "x", "scopes": "root"}, page="/admin/keys")
        assert bad.status_code == 422


async def test_admin_sees_playbook_validation(settings, database_url, tmp_path):
    await _create(database_url, "root@example.com", role="admin")
    books = tmp_path / "playbooks"
    books.mkdir()
    (books / "default.yaml").write_text(
        (settings.playbooks_dir / "default.yaml").read_text(encoding="utf-8"), encoding="utf-8"
    )
    (books / "broken.yaml").write_text("business: broken\nname: Broken\nsla_hours: -3\n", encoding="utf-8")
    async with AsyncTestClient(app=create_app(settings.model_copy(update={"playbooks_dir": books}))) as web:
        await _login(web, "root@example.com")
        page = await web.get("/admin/playbooks")
        assert page.status_code == 200
        assert "broken.yaml" in page.text and "sla_hours" in page.text and "Default playbook" in page.text


async def test_secret_key_is_generated_once_and_sessions_survive_a_restart(settings, database_url):
    await _create(database_url, "anna@example.com")
    assert settings.secret_key is None
    async with AsyncTestClient(app=create_app(settings)) as first:
        await _login(first, "anna@example.com")
        cookies = dict(first.cookies)
    key_file = Path(settings.data_dir) / "secret.key"
    assert key_file.exists() and stat.S_IMODE(key_file.stat().st_mode) == 0o600
    key = key_file.read_text()
    async with AsyncTestClient(app=create_app(settings)) as second:
        second.cookies.update(cookies)
        assert (await second.get("/queue", follow_redirects=False)).status_code == 200
    assert key_file.read_text() == key
    other = settings.model_copy(update={"secret_key": "a different configured secret"})
    async with AsyncTestClient(app=create_app(other)) as third:
        third.cookies.update(cookies)
        assert (await third.get("/queue", follow_redirects=False)).status_code == 303


async def test_repeated_failed_sign_ins_are_throttled(settings, database_url):
    await _create(database_url, "anna@example.com")
    async with AsyncTestClient(app=create_app(settings)) as web:
        for _ in range(10):
            assert (await _login(web, "anna@example.com", "wrong password!!")).status_code == 401
        blocked = await _login(web, "anna@example.com")  # even the right password waits for the window
        assert blocked.status_code == 429 and "Too many failed sign-ins" in blocked.text
        assert (await _login(web, "other@example.com", "wrong password!!")).status_code == 401  # per account


class _Served:
    """The app under uvicorn configured as `assistant serve` configures it (assistant/server/run.py)."""

    def __init__(self, settings: Settings, forwarded_allow_ips: str | None = None) -> None:
        import socket
        import threading

        import uvicorn

        from assistant.server.run import uvicorn_config

        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            port = probe.getsockname()[1]
        self.url = f"http://127.0.0.1:{port}"
        self.server = uvicorn.Server(
            uvicorn_config(
                create_app(settings),
                host="127.0.0.1",
                port=port,
                log_level="warning",
                forwarded_allow_ips=forwarded_allow_ips,
            )
        )
        self.thread = threading.Thread(target=self.server.run, daemon=True)

    def __enter__(self) -> str:
        import time

        self.thread.start()
        deadline = time.monotonic() + 20
        while not self.server.started:
            assert time.monotonic() < deadline and self.thread.is_alive(), "the server did not start"
            time.sleep(0.05)
        return self.url

    def __exit__(self, *exc: object) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=15)


def _guess(web, email: str, password: str, forwarded_for: str | None = None) -> int:
    token = _token(web.get("/login").text)
    headers = {"X-Forwarded-For": forwarded_for} if forwarded_for else {}
    return web.post(
        "/login",
        data={"email": email, "password": password, "_csrf_token": token},
        headers=headers,
        follow_redirects=False,
    ).status_code


@pytest.mark.parametrize("trusted", [None, "127.0.0.1"])
def test_rotating_x_forwarded_for_gives_no_more_guesses(settings, database_url, trusted):
    """Per account whatever the address (even when the proxy header is believed), and per address across
    accounts while it is not: a new X-Forwarded-For on every guess changes nothing."""
    import httpx

    from assistant.web.controllers.sign_in import MAX_ADDRESS_FAILURES, MAX_FAILURES

    asyncio.run(_create(database_url, "anna@example.com"))
    with _Served(settings, trusted) as url, httpx.Client(base_url=url) as web:
        for i in range(MAX_FAILURES):
            assert _guess(web, "anna@example.com", "wrong password!!", f"198.51.100.{i}") == 401
        assert _guess(web, "anna@example.com", PASSWORD, "203.0.113.99") == 429, "the account's window holds"
        assert _guess(web, "ANNA@example.com ", PASSWORD, "203.0.113.98") == 429, "the same account, spelt otherwise"
        if trusted:
            return
        sprayed = [
            _guess(web, f"user{i}@example.com", "wrong password!!", f"192.0.2.{i % 250}")
            for i in range(MAX_ADDRESS_FAILURES)
        ]
        assert sprayed.count(401) == MAX_ADDRESS_FAILURES - MAX_FAILURES, sprayed  # anna's ten count too
        assert _guess(web, "fresh@example.com", "wrong password!!", "192.0.2.251") == 429, "the address's window"


def test_uvicorn_trusts_no_proxy_headers_unless_configured():
    from assistant.server.run import proxy_options

    assert proxy_options(None) == proxy_options("") == {"proxy_headers": False, "forwarded_allow_ips": ""}
    assert proxy_options(" 10.0.0.5 ") == {"proxy_headers": True, "forwarded_allow_ips": "10.0.0.5"}
    assert Settings().forwarded_allow_ips == ""


def test_the_failure_table_never_forgets_an_account_under_a_flood():
    """Junk addresses used to clear the whole table past 10,000 keys, and with it the account's failures."""
    from assistant.web.controllers import sign_in

    window = sign_in.FailureWindow(sign_in.MAX_FAILURES)
    for _ in range(sign_in.MAX_FAILURES):
        window.fail("anna@example.com")
    for i in range(sign_in.MAX_KEYS + 50):
        window.fail(f"junk{i}@example.com")
        if i % 1000 == 0:
            window.fail("anna@example.com")  # the attacked account keeps failing meanwhile
    assert window.blocked("anna@example.com") and len(window.failures) <= sign_in.MAX_KEYS
