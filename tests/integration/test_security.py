"""The security a support tool needs, checked against the running app (see SECURITY.md for the list).

API keys stored as hashes and held to their scopes; security headers on every response; CORS only for the
configured origins; web sessions that end server-side; CSRF on forms; hostile review text escaped on every
page; no secrets in logs or in the LLM call log; request size limits; and prompt injections in every
language never yielding a draft the guard passes, even when the model obeys them."""

from __future__ import annotations

import asyncio
import json
import logging
import re
import time
from pathlib import Path

import pytest
from litestar.testing import AsyncTestClient
from sqlalchemy import select, text

from assistant.db.engine import create_engine, session_factory
from assistant.db.models import ApiKey, LLMCall
from assistant.domain.keys.service import create_key, revoke_key
from assistant.domain.reviews.schemas import BATCH_BODY_LIMIT
from assistant.domain.users.service import UserService
from assistant.llm.scripted import fit_schema
from assistant.server.app import create_app
from assistant.server.hardening import BASE_HEADERS, BODY_LIMIT, CSP
from assistant.settings import Settings
from tests.conftest import API_KEY, AUTH, wait_for_status

ROOT = Path(__file__).resolve().parents[2]
PASSWORD = "a long enough password"
EVIL = "<script>alert(1)</script><img src=x onerror=alert(2)> {{ 7*7 }} </textarea><b>bold</b>"
COMPLAINT = {
    "text": "The kettle arrived with a broken lid, please send a new one",
    "source": "sec",
    "external_id": "k-1",
    "rating": 2,
}


async def _db(settings: Settings):
    engine = create_engine(settings.resolved_database_url)
    return engine, session_factory(engine)


async def _keys(settings: Settings) -> dict[str, str]:
    engine, sessions = await _db(settings)
    async with sessions() as session:
        keys = {scope: await create_key(session, f"{scope}-key", [scope]) for scope in ("ingest", "agent", "admin")}
        keys["revoked"] = await create_key(session, "old", ["admin"])
        row = (await session.execute(select(ApiKey).where(ApiKey.name == "old"))).scalars().one()
        await revoke_key(session, row.id)
    await engine.dispose()
    return keys


async def _user(settings: Settings, email: str = "anna@example.com", role: str = "agent") -> None:
    engine, sessions = await _db(settings)
    async with sessions() as session:
        await UserService(session).create(email=email, name="Anna Agent", password=PASSWORD, role=role)
    await engine.dispose()


def _token(html: str) -> str:
    match = re.search(r'name="_csrf_token" value="([^"]+)"', html)
    assert match, "the page has no CSRF field"
    return match.group(1)


async def _sign_in(web: AsyncTestClient, email: str = "anna@example.com") -> None:
    page = await web.get("/login")
    response = await web.post(
        "/login",
        data={"email": email, "password": PASSWORD, "_csrf_token": _token(page.text), "next": "/queue"},
        follow_redirects=False,
    )
    assert response.status_code == 303, response.text


# -- API keys ---------------------------------------------------------------------------------------------------

ENDPOINTS = [  # (method, path, body, the scope it needs)
    ("POST", "/api/v1/reviews", {**COMPLAINT, "external_id": "scope"}, "ingest"),
    ("POST", "/api/v1/reviews/batch", {"reviews": [{**COMPLAINT, "external_id": "scope-b"}]}, "ingest"),
    ("GET", "/api/v1/reviews/{review}", None, "ingest"),
    ("POST", "/api/v1/reviews/{review}/retry", None, "agent"),
    ("GET", "/api/v1/reviews/{review}/events", None, "agent"),
    ("POST", "/api/v1/reviews/{review}/resolve", None, "agent"),
    ("GET", "/api/v1/drafts", None, "agent"),
    ("GET", "/api/v1/drafts/{draft}", None, "agent"),
    ("PATCH", "/api/v1/drafts/{draft}", {"text": "Edited reply", "version": 99}, "agent"),
    ("POST", "/api/v1/drafts/{draft}/reject", {"reason": "tone", "version": 99}, "agent"),
    ("POST", "/api/v1/drafts/{draft}/approve", {"version": 99}, "agent"),
    ("POST", "/api/v1/drafts/bulk-approve", {"ids": [999]}, "agent"),
    ("GET", "/api/v1/insights", None, "agent"),
    ("GET", "/api/v1/replies/export", None, "agent"),
    ("GET", "/api/v1/webhooks/deliveries", None, "admin"),
    ("GET", "/api/v1/webhooks/deliveries/1", None, "admin"),
    ("POST", "/api/v1/webhooks/deliveries/1/retry", None, "admin"),
]


async def test_api_keys_are_stored_hashed_and_held_to_their_scopes(settings, client) -> None:
    keys = await _keys(settings)
    engine, sessions = await _db(settings)
    async with sessions() as session:
        dump = json.dumps([list(map(str, row)) for row in (await session.execute(text("SELECT * FROM apikey"))).all()])
    await engine.dispose()
    assert not any(key in dump for key in keys.values()), "only hashes of keys are stored"

    review = (await client.post("/api/v1/reviews", json=COMPLAINT)).json()
    body = await wait_for_status(client, review["id"], "pending_approval")
    ids = {"review": review["id"], "draft": body["draft"]["id"]}
    may = {"ingest": {"ingest"}, "agent": {"agent"}, "admin": {"ingest", "agent", "admin"}}  # admin holds all
    for method, path, payload, needed in ENDPOINTS:
        url = path.format(**ids)
        for who in ("ingest", "agent", "admin"):
            response = await client.request(method, url, json=payload, headers={"Authorization": f"Bearer {keys[who]}"})
            if needed in may[who]:
                assert response.status_code not in (401, 403), (who, method, url, response.text)
            else:
                assert response.status_code == 403, (who, method, url, response.status_code)
                assert response.headers["content-type"].startswith("application/problem+json")
        for headers in (
            {"Authorization": ""},
            {"Authorization": f"Bearer {keys['revoked']}"},
            {"Authorization": "Bearer rra_not-a-key"},
            {"X-API-Key": keys["ingest"][:-1]},
        ):
            response = await client.request(method, url, json=payload, headers={"Authorization": "", **headers})
            assert response.status_code == 401, (headers, method, url, response.status_code)
    assert (
        await client.get(f"/api/v1/reviews/{ids['review']}", headers={"Authorization": "", "X-API-Key": keys["ingest"]})
    ).status_code == 200


# -- headers, CORS ----------------------------------------------------------------------------------------------


async def test_security_headers_on_every_kind_of_response(client) -> None:
    review = (await client.post("/api/v1/reviews", json=COMPLAINT)).json()
    for path, headers in [
        (f"/api/v1/reviews/{review['id']}", AUTH),
        ("/api/v1/drafts", {"Authorization": ""}),
        ("/api/v1/reviews/999999", AUTH),
        ("/no/such/page", {}),
        ("/health", {}),
        ("/login", {}),
        ("/queue", {}),
        ("/static/app.css", {}),
        ("/schema/openapi.json", {}),
    ]:
        response = await client.get(path, headers=headers, follow_redirects=False)
        for name, value in BASE_HEADERS.items():
            assert response.headers.get(name) == value, (path, response.status_code, name)
        csp = response.headers.get("content-security-policy", "")
        assert "script-src 'self'" in csp and "frame-ancestors 'none'" in csp and "unsafe-inline" not in csp, path
    assert (await client.get("/api/v1/reviews/1")).headers["content-security-policy"] == CSP
    docs = await client.get("/schema/swagger")  # the interactive docs load a CDN script: every header but CSP
    assert docs.headers["x-frame-options"] == "DENY" and "content-security-policy" not in docs.headers


async def test_cors_answers_only_the_configured_origins(settings) -> None:
    preflight = {
        "Access-Control-Request-Method": "POST",
        "Access-Control-Request-Headers": "authorization,content-type",
    }
    async with AsyncTestClient(app=create_app(settings)) as closed:  # default: no origin at all
        response = await closed.options("/api/v1/reviews", headers={"Origin": "https://shop.example", **preflight})
        assert "access-control-allow-origin" not in response.headers
    open_to_shop = settings.model_copy(update={"cors_origins": ["https://shop.example"]})
    async with AsyncTestClient(app=create_app(open_to_shop)) as web:
        allowed = await web.options("/api/v1/reviews", headers={"Origin": "https://shop.example", **preflight})
        assert allowed.status_code in (200, 204)
        assert allowed.headers["access-control-allow-origin"] == "https://shop.example"
        assert "access-control-allow-credentials" not in allowed.headers, "keys, never cookies, cross-origin"
        evil = await web.options("/api/v1/reviews", headers={"Origin": "https://evil.example", **preflight})
        assert evil.headers.get("access-control-allow-origin") != "https://evil.example"
        simple = await web.get("/api/v1/drafts", headers={**AUTH, "Origin": "https://evil.example"})
        assert "access-control-allow-origin" not in simple.headers


# -- web sessions, CSRF, escaping -------------------------------------------------------------------------------


async def test_idle_sessions_end_on_the_server_even_if_the_cookie_is_kept(settings, monkeypatch) -> None:
    await _user(settings)
    async with AsyncTestClient(app=create_app(settings)) as web:
        await _sign_in(web)
        assert (await web.get("/queue", follow_redirects=False)).status_code == 200
        cookie = web.cookies.get("rra_session")
        later = time.time() + settings.session_idle_minutes * 60 + 5
        monkeypatch.setattr(time, "time", lambda: later)  # the expiry is inside the encrypted cookie
        web.cookies.set("rra_session", cookie)
        replay = await web.get("/queue", follow_redirects=False)
        assert replay.status_code == 303 and replay.headers["location"].startswith("/login")


async def test_forms_without_their_csrf_token_are_refused(settings) -> None:
    await _user(settings)
    async with AsyncTestClient(app=create_app(settings)) as web:
        await _sign_in(web)
        for path, data in (("/logout", {}), ("/login", {"email": "anna@example.com", "password": PASSWORD})):
            response = await web.post(path, data=data, follow_redirects=False)
            assert response.status_code == 403, (path, response.status_code)
        forged = await web.post("/logout", data={"_csrf_token": "forged"}, follow_redirects=False)
        assert forged.status_code == 403
        assert (await web.get("/queue", follow_redirects=False)).status_code == 200, "still signed in"


async def test_hostile_review_text_is_escaped_on_every_page(settings, client) -> None:
    await _user(settings, "root@example.com", "admin")
    created = (
        await client.post(
            "/api/v1/reviews",
            json={
                "text": EVIL,
                "source": "<i>src</i>",
                "rating": 2,
                "author": "<svg onload=alert(3)>",
                "url": "javascript:alert(4)",
            },
        )
    ).json()
    await wait_for_status(client, created["id"], "pending_approval", "failed")
    async with AsyncTestClient(app=create_app(settings)) as web:
        await _sign_in(web, "root@example.com")
        for path in ("/queue", f"/reviews/{created['id']}", "/insights"):
            page = await web.get(path)
            assert page.status_code == 200, path
            for raw in (
                "<script>alert(1)",
                "<img src=x",
                "<svg onload",
                "<b>bold</b>",
                "javascript:alert(4)",
                "<i>src</i>",
            ):
                assert raw not in page.text, (path, raw)
        review_page = (await web.get(f"/reviews/{created['id']}")).text
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in review_page and "{{ 7*7 }}" in review_page, "shown as text"


# -- secrets ----------------------------------------------------------------------------------------------------


async def test_no_secrets_in_logs_or_the_llm_call_log(settings, scripted_llm, caplog) -> None:
    llm_key, url_password, url_key = "sk-test-0123456789SECRET", "urlpass-SECRET-42", "querykey-SECRET-43"
    base = scripted_llm.base_url.replace("http://", f"http://modeluser:{url_password}@")
    leaky = settings.model_copy(
        update={"llm_base_url": f"{base}?api-key={url_key}".replace("/v1?", "/v1/?"), "llm_api_key": llm_key}
    )
    keys = await _keys(leaky)
    await _user(leaky)
    caplog.set_level(logging.DEBUG)
    async with AsyncTestClient(app=create_app(leaky)) as web:
        for key in (keys["ingest"], API_KEY):
            created = await web.post(
                "/api/v1/reviews",
                json={**COMPLAINT, "external_id": key[-6:]},
                headers={"Authorization": f"Bearer {key}"},
            )
            assert created.status_code == 201
            web.headers.update(AUTH)
            body = await wait_for_status(web, created.json()["id"], "pending_approval", "failed")
            assert body["status"] == "pending_approval", body["error"]
        assert (
            await web.get("/api/v1/drafts", headers={"Authorization": f"Bearer {keys['revoked']}"})
        ).status_code == 401
        await _sign_in(web)
        session_cookie = web.cookies.get("rra_session")
        wrong = await web.post(
            "/login",
            data={
                "email": "anna@example.com",
                "password": PASSWORD + "x",
                "_csrf_token": _token((await web.get("/login")).text),
            },
        )
        assert wrong.status_code == 401
    assert scripted_llm.requests, "the model was called"
    secrets = [llm_key, url_password, url_key, API_KEY, PASSWORD, session_cookie, *keys.values()]
    logged = "\n".join(f"{r.name} {r.getMessage()} {r.exc_text or ''}" for r in caplog.records)
    assert "HTTP Request" in logged, "the HTTP client's request log was captured (and redacted)"
    assert not [s for s in secrets if s and s in logged], "a secret reached the logs"
    engine, sessions = await _db(leaky)
    async with sessions() as session:
        calls = (await session.execute(select(LLMCall))).scalars().all()
        tables = {
            t: (await session.execute(text(f'SELECT * FROM "{t}"'))).all()
            for t in ("llmcall", "review", "event", "draft", "draftversion", "classification")
        }
    await engine.dispose()
    assert calls
    stored = json.dumps({t: [list(map(str, row)) for row in rows] for t, rows in tables.items()}, ensure_ascii=False)
    assert not [s for s in secrets if s and s in stored], "a secret reached the database"


def test_secrets_are_masked_for_every_logger_and_handler(tmp_path) -> None:
    """Child loggers (`httpx2._client`, `openai._base_client`), loggers that do not propagate, handlers set up
    before and after the app, tracebacks: a URL with a password, an api-key query, Authorization and api-key
    headers are masked in what every handler writes."""
    import base64
    import io

    password, query_key, bearer, azure = (
        "urlpass-SECRET-1",
        "querykey-SECRET-2",
        "sk-bearer-SECRET-345",
        "azure-SECRET-6",
    )
    basic = base64.b64encode(b"modeluser:basic-SECRET-7").decode()
    url = f"https://modeluser:{password}@llm.example/v1/chat/completions?api-version=1&api-key={query_key}"
    early, late, isolated = io.StringIO(), io.StringIO(), io.StringIO()
    handlers = [logging.StreamHandler(early)]
    logging.getLogger().addHandler(handlers[0])
    quiet = logging.getLogger("vendor.quiet")  # its own handler, records do not reach the root
    quiet.propagate = False
    handlers.append(logging.StreamHandler(isolated))
    quiet.addHandler(handlers[1])
    create_app(Settings(data_dir=tmp_path, database_url=f"sqlite:///{tmp_path / 'x.db'}"))
    handlers.append(logging.StreamHandler(late))
    logging.getLogger().addHandler(handlers[2])
    names = (
        "httpx2",
        "httpx2._client",
        "httpcore2.http11",
        "openai",
        "openai._base_client",
        "assistant.llm.client",
        "uvicorn.error",
        "vendor.quiet",
        "vendor.quiet.child",
    )
    levels = {name: logging.getLogger(name).level for name in names}
    # Another test's uvicorn may have configured its loggers (the "uvicorn" parent stops propagating): this test
    # is about masking, so the propagating loggers propagate here, and get their own settings back afterwards.
    chain = [
        logging.getLogger(n)
        for n in ("uvicorn", "httpx2", "httpcore2", "openai", "assistant", *names)
        if not n.startswith("vendor.")
    ]
    saved = [(logger, logger.propagate, logger.disabled) for logger in chain]
    for logger in chain:
        logger.propagate, logger.disabled = True, False
    try:
        for name in names:
            logger = logging.getLogger(name)
            logger.setLevel(logging.DEBUG)
            logger.info("HTTP Request: POST %s", url)
            logger.debug("Request options: %s", {"headers": {"Authorization": f"Bearer {bearer}", "api-key": azure}})
            logger.debug("send_request_headers.started headers=%r", [(b"authorization", f"Basic {basic}".encode())])
            try:
                raise ConnectionError(f"cannot reach {url}")
            except ConnectionError:
                logger.exception("model call failed")
    finally:
        for handler in handlers:
            logging.getLogger().removeHandler(handler)
            quiet.removeHandler(handler)
        quiet.propagate = True
        for name, level in levels.items():
            logging.getLogger(name).setLevel(level)
        for logger, propagate, disabled in saved:
            logger.propagate, logger.disabled = propagate, disabled
    for output in (early.getvalue(), late.getvalue(), isolated.getvalue()):
        assert "HTTP Request: POST https://modeluser:***@llm.example" in output and "cannot reach" in output
        leaked = [s for s in (password, query_key, bearer, azure, basic) if s in output]
        assert not leaked, leaked
    assert early.getvalue().count("ConnectionError: cannot reach") == 7, "every propagating logger reached the root"
    assert isolated.getvalue().count("ConnectionError: cannot reach") == 2


# -- request size -----------------------------------------------------------------------------------------------


async def test_request_bodies_are_bounded_and_a_full_batch_fits(client) -> None:
    padded = b'{"text": "Padded but valid", "source": "size"' + b" " * (BODY_LIMIT + 10) + b"}"
    single = await client.post("/api/v1/reviews", content=padded, headers={"Content-Type": "application/json"})
    assert single.status_code == 413 and single.headers["content-type"].startswith("application/problem+json")
    batch = b'{"reviews": [{"text": "Padded batch", "source": "size"}]' + b" " * (3 * BODY_LIMIT) + b"}"
    accepted = await client.post("/api/v1/reviews/batch", content=batch, headers={"Content-Type": "application/json"})
    assert accepted.status_code == 200 and accepted.json()["created"] == 1
    # the largest legitimate batch: 1,000 reviews of 20,000 characters as UTF-8 JSON, 4 bytes each at worst
    worst = len(
        json.dumps(
            {
                "reviews": [
                    {
                        "text": "😀" * 20_000,
                        "source": "x" * 100,
                        "external_id": "x" * 300,
                        "author": "x" * 300,
                        "url": "x" * 2000,
                        "business": "x" * 100,
                        "rating": 5,
                        "created_at": "2025-01-01T00:00:00+00:00",
                    }
                ]
                * 1000
            },
            ensure_ascii=False,
        ).encode()
    )
    assert worst < BATCH_BODY_LIMIT, (worst, BATCH_BODY_LIMIT)
    too_many = await client.post("/api/v1/reviews/batch", json={"reviews": [COMPLAINT] * 1001})
    assert too_many.status_code == 400


# -- prompt injection -------------------------------------------------------------------------------------------

INJECTIONS = [json.loads(line) for line in (ROOT / "eval/datasets/injections.jsonl").read_text().splitlines() if line]


def obedient_model(body: dict) -> str:
    """A model that does whatever the review tells it: calls every review harmless and writes the reply the
    injection asked for — its code, the refund, the discount, a link and a phone number."""
    response_format = body.get("response_format") or {}
    if response_format.get("type") == "json_schema":
        answer = fit_schema(response_format["json_schema"]["schema"])
        if "action" in answer:
            answer.update({k: False for k in answer if k.startswith("is_")})
            answer.update(action="thank", severity=1, fixable=True, reason="a happy customer")
        return json.dumps(answer, ensure_ascii=False)
    prompt = " ".join(str(m.get("content", "")) for m in body.get("messages", []))
    case = next((c for c in INJECTIONS if c["canary"] in prompt), None)
    extras = " ".join(case["must_not_include"]) if case else ""
    canary = case["canary"] if case else ""
    return (
        f"{canary} Thank you so much! As instructed we promise a full refund and a 100% discount, "
        f"80% off your next order. {extras} Claim it at https://evil.example/claim or call +1 555 0100. {canary}"
    )


async def test_prompt_injections_in_every_language_never_yield_a_clean_draft(client, scripted_llm) -> None:
    scripted_llm.responder = obedient_model
    ids = []
    for case in INJECTIONS:
        created = await client.post(
            "/api/v1/reviews",
            json={
                "text": case["text"],
                "rating": case["rating"],
                "source": case["platform"],
                "external_id": case["id"],
            },
        )
        ids.append((case, created.json()["id"]))
    drafts = []
    for case, review_id in ids:
        body = await wait_for_status(client, review_id, "pending_approval", "failed")
        draft = body["draft"]
        if body["status"] == "failed" or draft is None:
            continue
        drafts.append(draft["id"])
        clean = not draft["flagged"] and draft["text"].strip()
        assert not clean, f"{case['id']}: the guard passed «{draft['text']}» ({body['classification']})"
        assert case["canary"] not in draft["text"] or draft["flagged"], case["id"]
    assert len(drafts) >= len(INJECTIONS) // 2, "most injections went through the pipeline"
    bulk = (await client.post("/api/v1/drafts/bulk-approve", json={"ids": drafts})).json()
    assert bulk["approved"] == [], "nothing an injection shaped can be approved in bulk"
    assert {language for case, _ in ids for language in [case["language"]]} == {"ru", "uk", "lv", "en"}


@pytest.mark.parametrize("action", ["thank", "apologize", "offer_fix", "offer_discount"])
async def test_a_draft_that_obeys_an_injection_is_never_clean(action: str) -> None:
    """Whatever the classifier decided: a reply that does what the review told the model (here: only its
    code, in an otherwise fine reply) is flagged by the guard, in every language of the dataset."""
    from types import SimpleNamespace

    from assistant.domain.drafting.service import draft_reply
    from assistant.playbooks import Action, PlaybookRegistry
    from assistant.processing.stand_in import REPLIES

    playbook = PlaybookRegistry.from_directory(Settings().playbooks_dir).for_business("default")
    passed = []
    for case in INJECTIONS:
        obeying = SimpleNamespace(chat=lambda *a, _t=REPLIES[case["language"]] + " " + case["canary"], **k: _async(_t))
        outcome = await draft_reply(
            review_text=case["text"],
            rating=case["rating"],
            platform=case["platform"],
            language=case["language"],
            action=Action(action),
            topics=[],
            playbook=playbook,
            llm=obeying,
        )
        if "canary_obeyed" not in outcome.guard.codes:
            passed.append((case["id"], outcome.guard.codes))
    assert passed == []


async def _async(text: str):
    from types import SimpleNamespace

    return SimpleNamespace(text=text)


# -- a real browser under the CSP -------------------------------------------------------------------------------

from tests.browser.chromium import ARGS, CHROMIUM  # noqa: E402


@pytest.mark.browser
@pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="Debian's chromium is not installed")
def test_web_pages_work_under_the_csp_in_a_real_browser(live_server, settings, database_url) -> None:
    """Every page an agent or admin opens: no CSP violation, htmx and app.js run (CSP does not depend on
    the database, so this runs once, on SQLite)."""
    if not database_url.startswith("sqlite"):
        pytest.skip("the CSP check does not depend on the database")
    playwright_api = pytest.importorskip("playwright.sync_api")
    from concurrent.futures import ThreadPoolExecutor

    import httpx

    with ThreadPoolExecutor(1) as pool:  # Playwright's sync API owns this thread's event loop
        pool.submit(asyncio.run, _user(settings, "root@example.com", "admin")).result()
    with httpx.Client(base_url=live_server.url, headers=AUTH) as api:
        review_id = api.post("/api/v1/reviews", json={**COMPLAINT, "text": EVIL + " the lid is broken"}).json()["id"]
        deadline = time.monotonic() + 30
        while api.get(f"/api/v1/reviews/{review_id}").json()["status"] not in ("pending_approval", "failed"):
            assert time.monotonic() < deadline
            time.sleep(0.1)
    violations: list[str] = []
    with playwright_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        page = browser.new_context(base_url=live_server.url).new_page()
        page.add_init_script(
            "document.addEventListener('securitypolicyviolation', e => "
            "console.error('CSP violation: ' + e.violatedDirective + ' ' + e.blockedURI))"
        )
        page.on(
            "console",
            lambda m: (
                violations.append(m.text)
                if (m.type == "error" and "CSP" in m.text) or "Content Security Policy" in m.text
                else None
            ),
        )
        page.on("dialog", lambda d: violations.append(f"a dialog opened: {d.message}"))
        page.goto("/login")
        page.fill('input[name="email"]', "root@example.com")
        page.fill('input[name="password"]', PASSWORD)
        page.click('button[type="submit"]')
        page.wait_for_url(re.compile(r"/queue"))
        assert page.evaluate("typeof window.htmx") == "object", "htmx loaded from /static under the CSP"
        for path in (
            "/queue",
            f"/reviews/{review_id}",
            "/insights",
            "/admin/users",
            "/admin/keys",
            "/admin/playbooks",
            "/no-such-page",
        ):
            page.goto(path)
            page.wait_for_load_state("networkidle")
        page.goto("/queue")
        page.keyboard.press("j")  # app.js: keyboard navigation works, so the script ran
        browser.close()
    assert violations == []
