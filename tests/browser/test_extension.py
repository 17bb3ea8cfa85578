"""The browser extension in a real Chromium against the real service (`live_server`, scripted LLM).

Pages under tests/browser/fixtures/ are shaped like real review pages: a Russian seller cabinet, a Latvian
maps page (reviews rendered late, contenteditable reply box), a Yelp-like English page with schema.org
markup, a hostile page (strict CSP, CSS aimed at extensions, review text that looks like markup) and a forum
page no adapter knows."""

from __future__ import annotations

import json
import re
import socket
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import EXTENSION, Browser, Site
from tests.conftest import API_KEY

pytestmark = pytest.mark.browser

PANEL = "review-assistant-panel"
BUTTON = "review-assistant-button button"
SELLER = ("seller-cabinet-ru.html", "seller.market.test")
MAPS = ("maps-lv.html", "maps.test")
YELP = ("reviews-en.html", "reviews.test")
HOSTILE = ("hostile.html", "hostel.test")
FORUM = ("plain.html", "forum.test")


def api(live_server: Any, method: str, path: str, body: Any = None) -> tuple[int, Any]:
    """Call the service directly, as the agent's other tools would (no extension involved)."""
    request = urllib.request.Request(live_server.url + path, method=method,
                                     data=json.dumps(body).encode() if body is not None else None,
                                     headers={"Authorization": f"Bearer {API_KEY}", "Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, json.loads(response.read() or b"null")
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read() or b"null")


def open_page(ext: Browser, review_site: Site, which: tuple[str, str], buttons: int | None = None) -> Page:
    page = ext.context.new_page()
    page.goto(review_site.url(*which))
    if buttons is not None:
        expect(page.locator(BUTTON)).to_have_count(buttons, timeout=10000)
    return page


def draft(page: Page, index: int = 0) -> None:
    """Press "Draft reply" on review `index` and wait until the panel shows a draft."""
    page.locator(BUTTON).nth(index).click()
    expect(page.locator(f"{PANEL} .draft-text")).to_be_visible(timeout=20000)
    expect(page.locator(f"{PANEL} .draft-text")).not_to_have_value("")


def panel(page: Page, part: str = ".panel"):
    return page.locator(f"{PANEL} {part}")


def drafts_total(live_server: Any) -> int:
    status, body = api(live_server, "GET", "/api/v1/drafts?limit=1")
    assert status == 200, body
    return body["total"]


def make_key(live_server: Any, *scopes: str) -> str:
    """A real API key with these scopes, in the live server's database (what `assistant keys create` does)."""
    import asyncio

    from assistant.db.engine import create_engine, session_factory
    from assistant.domain.keys.service import create_key

    async def run() -> str:
        engine = create_engine(live_server.settings.resolved_database_url)
        try:
            async with session_factory(engine)() as session:
                return await create_key(session, "extension", list(scopes))
        finally:
            await engine.dispose()

    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(1) as pool:  # Playwright's sync API owns this thread's event loop
        return pool.submit(asyncio.run, run()).result()


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


# -- finding reviews ------------------------------------------------------------------------------------

def test_a_button_appears_beside_each_review(extension: Browser, review_site: Site, shot) -> None:
    for which, count in [(SELLER, 2), (MAPS, 2), (YELP, 3), (HOSTILE, 2)]:
        page = open_page(extension, review_site, which, buttons=count)
        if which is MAPS:  # rendered 400 ms after load: the extension noticed them arrive
            expect(page.locator("[data-review-id] review-assistant-button")).to_have_count(2)
        shot(page, f"buttons-{which[1]}")
        page.close()
    page = open_page(extension, review_site, FORUM)
    page.wait_for_timeout(800)
    expect(page.locator(BUTTON)).to_have_count(0)  # no adapter knows a forum: the context menu is the way


# -- drafting -------------------------------------------------------------------------------------------

def test_draft_shows_and_insert_fills_the_textarea(extension: Browser, review_site: Site, live_server: Any, shot) -> None:
    page = open_page(extension, review_site, SELLER, buttons=2)
    draft(page)
    text = panel(page, ".draft-text").input_value()
    assert text == api(live_server, "GET", "/api/v1/reviews/1")[1]["draft"]["text"]  # exactly the service's draft
    expect(panel(page, ".chip.lang")).to_have_text("RU")
    expect(panel(page, ".chip.action")).to_be_visible()
    expect(panel(page, ".review-text")).to_contain_text("Курьер опоздал на два часа")
    expect(panel(page, ".author")).to_have_text("Ирина")
    expect(panel(page, ".stars")).to_have_text("★★☆☆☆")
    shot(page, "draft-seller-cabinet")

    panel(page, ".insert").click()
    box = page.locator("textarea[data-reply-for='fb-90211']")
    expect(box).to_have_value(text)
    # The page's own state saw the change (input event), like a React controlled textarea would.
    assert page.evaluate("() => window.__replyState['fb-90211']") == text
    expect(page.locator("[data-counter-for='fb-90211']")).to_have_text(f"{len(text)} / 1000")
    expect(page.locator("[data-submit-for='fb-90211']")).to_be_enabled()
    assert page.evaluate("() => window.__changeEvents") == 1
    expect(page.locator("textarea[data-reply-for='fb-90187']")).to_have_value("")  # the other review's box untouched
    expect(panel(page, ".notice")).to_contain_text("Inserted")

    status, review = api(live_server, "GET", "/api/v1/reviews/1")
    assert status == 200
    assert (review["source"], review["external_id"], review["rating"], review["author"]) == \
        ("seller.market.test", "fb-90211", 2, "Ирина")
    shot(page, "inserted-seller-cabinet")


def test_copy_puts_the_draft_on_the_clipboard(extension: Browser, review_site: Site) -> None:
    page = open_page(extension, review_site, YELP, buttons=3)
    draft(page)
    panel(page, ".copy").click()
    expect(panel(page, ".notice")).to_have_text("Copied to the clipboard.")
    origin = f"http://127.0.0.1:{review_site.port}"  # loopback is a secure context: it may read the clipboard
    extension.context.grant_permissions(["clipboard-read", "clipboard-write"], origin=origin)
    reader = extension.context.new_page()
    reader.goto(f"{origin}/plain.html")
    assert reader.evaluate("() => navigator.clipboard.readText()") == panel(page, ".draft-text").input_value()


def test_insert_into_a_contenteditable_reply_box(extension: Browser, review_site: Site, live_server: Any, shot) -> None:
    page = open_page(extension, review_site, MAPS, buttons=2)
    draft(page)
    text = panel(page, ".draft-text").input_value()
    expect(panel(page, ".chip.lang")).to_have_text("LV")
    panel(page, ".insert").click()
    box = page.locator("[data-reply-for='ChdDSUhNMG9nS0VJQ0FnSUNsM2RMN2dRRRAB']")
    expect(box).to_have_text(text)
    expect(page.locator("[data-submit-for='ChdDSUhNMG9nS0VJQ0FnSUNsM2RMN2dRRRAB']")).to_be_enabled()
    status, review = api(live_server, "GET", "/api/v1/reviews/1")
    assert (review["source"], review["rating"], review["author"]) == ("maps.test", 2, "Laura Kalniņa")
    shot(page, "inserted-maps")


def test_a_real_ingest_and_agent_key_works_end_to_end(extension: Browser, review_site: Site, live_server: Any) -> None:
    extension.configure(apiKey=make_key(live_server, "ingest", "agent"))
    page = open_page(extension, review_site, YELP, buttons=3)
    draft(page, 1)
    panel(page, ".approve").click()
    expect(panel(page, ".draft-state")).to_contain_text("approved by key:extension")


def test_pressing_twice_reuses_the_same_review(extension: Browser, review_site: Site, live_server: Any) -> None:
    page = open_page(extension, review_site, YELP, buttons=3)
    draft(page)
    expect(panel(page, ".review-id")).to_have_text("#1")
    first_text = panel(page, ".draft-text").input_value()
    page.reload()
    expect(page.locator(BUTTON)).to_have_count(3)
    draft(page)
    expect(panel(page, ".review-id")).to_have_text("#1")
    assert panel(page, ".draft-text").input_value() == first_text
    assert drafts_total(live_server) == 1
    assert api(live_server, "GET", "/api/v1/reviews/2")[0] == 404
    status, review = api(live_server, "GET", "/api/v1/reviews/1")
    assert (review["source"], review["external_id"], review["rating"], review["author"]) == \
        ("reviews.test", "review-8812", 2, "Dana P.")
    draft(page, 1)  # another review is another row
    expect(panel(page, ".review-id")).to_have_text("#2")
    assert drafts_total(live_server) == 2


def test_selected_text_and_the_context_menu(extension: Browser, review_site: Site, live_server: Any, shot) -> None:
    page = open_page(extension, review_site, FORUM)
    page.locator(".post .body").click()

    def choose_menu_item() -> None:
        page.evaluate("""() => { const range = document.createRange();
            range.selectNodeContents(document.querySelector('.post .body'));
            getSelection().removeAllRanges(); getSelection().addRange(range); }""")
        extension.worker().evaluate("""async (url) => {
            const [tab] = await chrome.tabs.query({ url });
            await onContextMenuClicked({ menuItemId: 'draft-selected-review', selectionText: 'unused', frameId: 0 }, tab);
        }""", page.url)
        expect(panel(page, ".draft-text")).not_to_have_value("", timeout=20000)

    choose_menu_item()
    expect(panel(page, ".review-text")).to_contain_text("Pasūtīju dīvānu")
    expect(panel(page, ".chip.lang")).to_have_text("LV")
    panel(page, ".insert").click()
    expect(page.locator("textarea[name='answer']")).to_have_value(panel(page, ".draft-text").input_value())
    shot(page, "selection-forum")
    choose_menu_item()  # no adapter id: the page URL + a hash of the text keep it one review
    expect(panel(page, ".review-id")).to_have_text("#1")
    assert drafts_total(live_server) == 1
    review = api(live_server, "GET", "/api/v1/reviews/1")[1]
    assert review["source"] == "forum.test"
    assert re.fullmatch(rf"http://forum\.test:{review_site.port}/plain\.html#[0-9a-f]{{16}}", review["external_id"])


def test_edit_conflict_then_approve_through_the_api(extension: Browser, review_site: Site, live_server: Any, shot) -> None:
    page = open_page(extension, review_site, YELP, buttons=3)
    draft(page)
    area = panel(page, ".draft-text")
    area.fill("Dana, you waited six days longer than we promised and the brake still rubbed. That is on us.")
    expect(panel(page, ".dirty")).to_be_visible()
    panel(page, ".save").click()
    expect(panel(page, ".draft-state")).to_contain_text("v2 · pending")
    draft_id = api(live_server, "GET", "/api/v1/reviews/1")[1]["draft"]["id"]
    # A colleague edits the same draft in the queue meanwhile.
    status, _ = api(live_server, "PATCH", f"/api/v1/drafts/{draft_id}", {"text": "Colleague's version.", "version": 2})
    assert status == 200
    area.fill("Dana, sorry: six days late and still rubbing. Bring it back and we redo the brake today.")
    panel(page, ".save").click()
    expect(panel(page, ".error")).to_contain_text("Conflict")
    expect(panel(page, ".error")).to_contain_text("now version 3")
    assert "redo the brake today" in area.input_value()  # the agent's text is kept
    shot(page, "conflict")
    panel(page, ".error-actions button:has-text('Save mine over it')").click()
    expect(panel(page, ".draft-state")).to_contain_text("v4 · pending")
    panel(page, ".approve").click()
    expect(panel(page, ".draft-state")).to_contain_text("v4 · approved")
    expect(panel(page, ".approve")).to_be_disabled()
    detail = api(live_server, "GET", f"/api/v1/drafts/{draft_id}")[1]
    assert detail["draft"]["status"] == "approved" and "redo the brake today" in detail["draft"]["text"]
    events = [e["action"] for e in api(live_server, "GET", "/api/v1/reviews/1/events")[1]]
    assert "approved" in events  # through the API: the audit trail holds it
    shot(page, "approved")


def test_regenerate_with_an_instruction(extension: Browser, review_site: Site, live_server: Any, scripted_llm: Any) -> None:
    page = open_page(extension, review_site, SELLER, buttons=2)
    draft(page, 1)
    before = len(scripted_llm.requests)
    panel(page, ".instruction").fill("короче, упомяните быструю доставку")
    panel(page, ".regenerate").click()
    expect(panel(page, ".draft-state")).to_contain_text("v2")
    later = json.dumps(scripted_llm.requests[before:], ensure_ascii=False)
    assert "упомяните быструю доставку" in later  # the instruction reached the model
    expect(panel(page, ".instruction")).to_have_value("")


# -- errors ---------------------------------------------------------------------------------------------

def test_a_wrong_key_shows_unauthorized(extension: Browser, review_site: Site, live_server: Any, shot) -> None:
    extension.configure(apiKey="not-a-key")
    page = open_page(extension, review_site, SELLER, buttons=2)
    page.locator(BUTTON).first.click()
    expect(panel(page, ".error")).to_contain_text("Unauthorized")
    expect(panel(page, ".error")).to_contain_text("options")
    expect(panel(page, ".draft")).to_be_hidden()
    assert drafts_total(live_server) == 0
    shot(page, "wrong-key")


def test_a_service_that_is_down_is_said_plainly(extension: Browser, review_site: Site) -> None:
    extension.configure(apiUrl=f"http://127.0.0.1:{free_port()}")
    page = open_page(extension, review_site, SELLER, buttons=2)
    page.locator(BUTTON).first.click()
    expect(panel(page, ".error")).to_contain_text("Service unreachable")


def test_a_draft_that_takes_too_long_times_out(extension: Browser, review_site: Site, scripted_llm: Any) -> None:
    extension.configure(draftTimeoutSec=1)
    scripted_llm.latency = 3.0  # every model call outlives the poll budget
    page = open_page(extension, review_site, SELLER, buttons=2)
    page.locator(BUTTON).first.click()
    expect(panel(page, ".error")).to_contain_text("Timed out", timeout=10000)
    expect(panel(page, ".error-actions button")).to_have_text("Keep waiting")
    scripted_llm.latency = 0.0


def test_validation_errors_show_title_and_detail(extension: Browser, review_site: Site) -> None:
    page = open_page(extension, review_site, SELLER, buttons=2)
    draft(page)
    panel(page, ".draft-text").fill("x" * 5001)  # the API caps a draft at 5,000 characters
    panel(page, ".save").click()
    expect(panel(page, ".error")).to_be_visible()
    expect(panel(page, ".error-title")).not_to_have_text("")
    expect(panel(page, ".error")).to_contain_text("5000")


# -- untrusted page text --------------------------------------------------------------------------------

MARKUP_REPLY = "Thanks <img src=x onerror=alert(3)> we fixed it <script>alert(4)</script> for you."


def test_review_text_that_looks_like_markup_stays_inert(extension: Browser, review_site: Site, live_server: Any,
                                                        scripted_llm: Any, shot) -> None:
    default = scripted_llm.responder
    scripted_llm.responder = lambda body: default(body) if body.get("response_format") else MARKUP_REPLY
    page = open_page(extension, review_site, HOSTILE, buttons=2)
    dialogs: list[str] = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    page.locator(BUTTON).first.click()
    review_text = panel(page, ".review-text")
    expect(review_text).to_contain_text("<img src=x onerror=alert(1)>")
    expect(review_text).to_contain_text("<script>alert(2)</script>")
    expect(panel(page, ".author")).to_have_text("<b>Mallory</b>")
    expect(panel(page, "img")).to_have_count(0)
    expect(panel(page, "script")).to_have_count(0)
    expect(panel(page, ".review-id")).to_have_text("#1", timeout=20000)  # the result is in
    stored = api(live_server, "GET", "/api/v1/reviews/1")[1]
    assert "<img src=x onerror=alert(1)>" in stored["text"]  # sent as text, exactly
    if stored["classification"]["action"] != "do_not_engage":
        literal = re.compile(re.escape(MARKUP_REPLY))  # the service may add a signature after it
        expect(panel(page, ".draft-text")).to_have_value(literal, timeout=20000)
        panel(page, ".insert").click()
        expect(page.locator("textarea[data-reply-for='g-501']")).to_have_value(literal)
    else:
        expect(panel(page, ".dne")).to_be_visible(timeout=20000)
    # The page's CSS tries to hide extension elements; the panel stays visible and readable.
    expect(page.locator(PANEL)).to_be_visible()
    assert page.locator("article img, body > img").count() == 0
    page.wait_for_timeout(500)
    assert dialogs == []
    shot(page, "hostile")


def test_do_not_engage_shows_the_reason_and_no_draft(extension: Browser, review_site: Site, live_server: Any, shot) -> None:
    page = open_page(extension, review_site, HOSTILE, buttons=2)
    page.locator(BUTTON).nth(1).click()
    expect(panel(page, ".dne")).to_be_visible(timeout=20000)
    expect(panel(page, ".dne")).to_contain_text("Do not engage")
    expect(panel(page, ".dne-reason")).to_contain_text("instruct the assistant")
    expect(panel(page, ".chip.action")).to_have_text("Do not engage")
    expect(panel(page, ".draft")).to_be_hidden()
    shot(page, "do-not-engage")


def test_the_key_never_reaches_the_page(extension: Browser, review_site: Site, live_server: Any) -> None:
    page = open_page(extension, review_site, YELP, buttons=3)
    page_requests: list[str] = []
    page.on("request", lambda request: page_requests.append(request.url))
    draft(page)
    assert not any(url.startswith(live_server.url) for url in page_requests)  # the worker calls the API
    assert API_KEY not in page.content()
    assert page.evaluate("() => typeof chrome === 'undefined' || !chrome.storage")
    # Not even the extension's own content script (its isolated world) may read the stored key.
    cdp = extension.context.new_cdp_session(page)
    worlds: list[dict] = []
    cdp.on("Runtime.executionContextCreated", lambda event: worlds.append(event["context"]))
    cdp.send("Runtime.enable")
    content_world = next(w for w in worlds if w["origin"] == f"chrome-extension://{extension.extension_id}")
    answer = cdp.send("Runtime.evaluate", {"contextId": content_world["id"], "awaitPromise": True, "expression":
                      "chrome.storage.local.get(null).then(v => JSON.stringify(v), e => 'denied: ' + e.message)"})
    assert answer["result"]["value"].startswith("denied"), answer


def test_page_scripts_cannot_press_the_buttons(extension: Browser, review_site: Site, live_server: Any) -> None:
    page = open_page(extension, review_site, YELP, buttons=3)
    page.evaluate("() => document.querySelector('review-assistant-button').shadowRoot.querySelector('button').click()")
    page.wait_for_timeout(1000)
    assert page.locator(PANEL).count() == 0 or not page.locator(PANEL).is_visible()
    assert drafts_total(live_server) == 0
    draft(page)  # a real click works
    page.evaluate("() => document.querySelector('review-assistant-panel').shadowRoot.querySelector('.approve').click()")
    page.wait_for_timeout(800)
    assert api(live_server, "GET", "/api/v1/reviews/1")[1]["draft"]["status"] == "pending"


def test_the_extension_never_builds_html_from_strings() -> None:
    """The rule behind the inert-markup test, checked on every file: no innerHTML and friends."""
    risky = re.compile(r"innerHTML|outerHTML|insertAdjacentHTML|document\.write|\beval\(|new Function")
    offenders = [f"{p.name}:{n}" for p in EXTENSION.glob("*.js")
                 for n, line in enumerate(p.read_text().splitlines(), 1) if risky.search(line)]
    assert offenders == []


# -- options ----------------------------------------------------------------------------------------------

def test_options_test_connection_tells_the_cases_apart(extension: Browser, review_site: Site, live_server: Any,
                                                       shot) -> None:
    page = extension.context.new_page()
    page.goto(f"chrome-extension://{extension.extension_id}/options.html")
    expect(page.locator("#apiUrl")).to_have_value(live_server.url)
    result = page.locator("#result")

    def check(url: str, key: str, expected: str) -> None:
        page.fill("#apiUrl", url)
        page.fill("#apiKey", key)
        page.click("#test")
        expect(result).to_contain_text(expected, timeout=15000)

    check(live_server.url, API_KEY, "Connected")
    check(live_server.url + "/api/v1/", API_KEY, "Connected")
    check(live_server.url, "wrong-key", "Wrong key")
    check(f"http://127.0.0.1:{free_port()}", API_KEY, "Unreachable")
    check(f"http://127.0.0.1:{review_site.port}", API_KEY, "Wrong URL")  # a static site: 404 pages, no JSON
    shot(page, "options-wrong-url")
    check(live_server.url, make_key(live_server, "agent"), "needs the ingest scope")
    check(live_server.url, make_key(live_server, "ingest"), "needs the agent scope")
    check(live_server.url, make_key(live_server, "ingest", "agent"), "Connected")

    page.fill("#adaptersJson", '[{"name": "forum", "review": ".post", "text": ".body", "rating": {"selektor": "b"}}]')
    page.click("#save")
    expect(page.locator("#adaptersError")).to_contain_text('adapter 1 ("forum").rating: unknown key "selektor"')
    page.fill("#adaptersJson", '[{"name": "forum", "review": ".post[", "text": ".body"}]')
    page.click("#save")
    expect(page.locator("#adaptersError")).to_contain_text("not a valid CSS selector")
    page.fill("#adaptersJson", "[{name: forum}]")
    page.click("#save")
    expect(page.locator("#adaptersError")).to_contain_text("Not valid JSON")
    shot(page, "options-adapter-error")


def test_a_custom_adapter_from_options_finds_reviews(extension: Browser, review_site: Site, live_server: Any) -> None:
    page = extension.context.new_page()
    page.goto(f"chrome-extension://{extension.extension_id}/options.html")
    expect(page.locator("#apiUrl")).to_have_value(live_server.url)
    page.fill("#adaptersJson", json.dumps([{"name": "forum", "match": {"hosts": ["forum.test"]}, "review": ".post",
                                            "text": ".body", "author": "b", "replyBox": "textarea"}]))
    page.click("#save")
    expect(page.locator("#result")).to_contain_text("Saved")
    forum = open_page(extension, review_site, FORUM, buttons=1)
    draft(forum)
    expect(panel(forum, ".author")).to_have_text("kristaps_l")
    panel(forum, ".insert").click()
    expect(forum.locator("textarea[name='answer']")).to_have_value(panel(forum, ".draft-text").input_value())
    other = open_page(extension, review_site, ("plain.html", "elsewhere.test"))
    other.wait_for_timeout(800)
    expect(other.locator(BUTTON)).to_have_count(0)  # match.hosts keeps it to its site


def test_manifest_is_minimal() -> None:
    manifest = json.loads((EXTENSION / "manifest.json").read_text())
    assert manifest["manifest_version"] == 3
    assert set(manifest["permissions"]) == {"storage", "contextMenus", "scripting"}
    assert "web_accessible_resources" not in manifest  # nothing for pages to probe or load
    assert all(Path(EXTENSION, f).exists() for s in manifest["content_scripts"] for f in s["js"])
