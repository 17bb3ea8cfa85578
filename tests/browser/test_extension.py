"""The browser extension in a real Chromium against the real service (`live_server`, scripted LLM).

Pages under tests/browser/fixtures/ are shaped like real review pages: a Russian seller cabinet, a Latvian
maps page (reviews rendered late, contenteditable reply box), a Yelp-like English page with schema.org
markup, a hostile page (strict CSP, CSS aimed at extensions, review text that looks like markup) and a forum
page no adapter knows."""

from __future__ import annotations

import json
import re
import socket
import time
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
BUTTON = "review-assistant-button"
SELLER = ("seller-cabinet-ru.html", "seller.market.test")
MAPS = ("maps-lv.html", "maps.test")
YELP = ("reviews-en.html", "reviews.test")
HOSTILE = ("hostile.html", "hostel.test")
FORUM = ("plain.html", "forum.test")


def model_drafts(scripted_llm: Any, text: str) -> None:
    """The model drafts `text` for every review; classification (a JSON-schema request) is answered as before."""
    default = scripted_llm.responder
    scripted_llm.responder = lambda body: default(body) if body.get("response_format") else text


def api(live_server: Any, method: str, path: str, body: Any = None) -> tuple[int, Any]:
    """Call the service directly, as the agent's other tools would (no extension involved)."""
    request = urllib.request.Request(
        live_server.url + path,
        method=method,
        data=json.dumps(body).encode() if body is not None else None,
        headers={"Authorization": f"Bearer {API_KEY}", "Content-Type": "application/json"},
    )
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, json.loads(response.read() or b"null")
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read() or b"null")


class ContentWorld:
    """The extension's content-script world in one page, reached over CDP.

    The panel and buttons live in closed shadow roots: page scripts (and Playwright's selectors) can't see inside.
    Tests read them the way only the extension can, from its isolated world, and act with real mouse and keyboard
    input at the element's position, so every click is a trusted one."""

    def __init__(self, page: Page, extension_id: str):
        self.page = page
        self.origin = f"chrome-extension://{extension_id}"
        self.contexts: list[int] = []
        self.cdp = page.context.new_cdp_session(page)
        self.cdp.on("Runtime.executionContextCreated", self._created)
        self.cdp.on("Runtime.executionContextDestroyed", lambda e: self._forget(e["executionContextId"]))
        self.cdp.on("Runtime.executionContextsCleared", lambda e: self.contexts.clear())
        self.cdp.send("Runtime.enable")

    def _created(self, event: dict) -> None:
        if event["context"]["origin"] == self.origin:
            self.contexts.append(event["context"]["id"])

    def _forget(self, context_id: int) -> None:
        if context_id in self.contexts:
            self.contexts.remove(context_id)

    def eval(self, expression: str, arg: Any = None, timeout: float = 10.0) -> Any:
        """Evaluate in the content script's world: an expression, or a function source called with `arg`."""
        if re.match(r"^\s*(async\s*)?\(?[\w\s,]*\)?\s*=>", expression):
            expression = f"({expression})({json.dumps(arg)})"
        deadline = time.monotonic() + timeout
        while True:
            if self.contexts:
                answer = self.cdp.send(
                    "Runtime.evaluate",
                    {
                        "contextId": self.contexts[-1],
                        "expression": expression,
                        "returnByValue": True,
                        "awaitPromise": True,
                    },
                )
                if "exceptionDetails" not in answer:
                    return answer["result"].get("value")
                if time.monotonic() > deadline:
                    raise AssertionError(answer["exceptionDetails"])
            elif time.monotonic() > deadline:
                raise AssertionError("no content script in this page")
            self.page.wait_for_timeout(50)

    def wait(self, expression: str, timeout: float = 10.0) -> Any:
        deadline = time.monotonic() + timeout
        while True:
            value = self.eval(
                f"(() => {{ try {{ return {expression}; }} catch (e) {{ return null; }} }})()", timeout=timeout
            )
            if value:
                return value
            if time.monotonic() > deadline:
                raise AssertionError(f"timed out waiting for {expression}")
            self.page.wait_for_timeout(100)


_WORLDS: dict[int, ContentWorld] = {}


def world_of(page: Page, extension_id: str | None = None) -> ContentWorld:
    key = id(page)
    if key not in _WORLDS or _WORLDS[key].page is not page:
        _WORLDS[key] = ContentWorld(page, extension_id or _EXTENSION_ID[0])
    return _WORLDS[key]


_EXTENSION_ID: list[str] = [""]

_PART_JS = """(args) => {
    const app = globalThis.__reviewAssistant;
    const panel = app && app.panel;
    if (!panel) return null;
    let nodes = [...panel.root.querySelectorAll(args.selector)];
    if (args.text) nodes = nodes.filter((n) => n.textContent.trim() === args.text);
    const node = nodes[0];
    const shown = (n) => panel.host.style.getPropertyValue('display') !== 'none' && Boolean(n && n.checkVisibility() && !n.closest('[hidden]'));
    if (args.op === 'count') return nodes.length;
    if (!node) return { exists: false };
    if (args.op === 'rect') { node.scrollIntoView({ block: 'center' }); const r = node.getBoundingClientRect();
                              return { x: r.left + r.width / 2, y: r.top + r.height / 2, shown: shown(node), disabled: node.disabled }; }
    return { exists: true, text: node.textContent, value: node.value, shown: shown(node), disabled: Boolean(node.disabled) };
}"""


class PanelPart:
    """One element of the panel (by selector inside its closed shadow root), read and used like a locator."""

    def __init__(self, page: Page, selector: str, text: str | None = None):
        self.page, self.selector, self.text = page, selector, text
        self.world = world_of(page)

    def state(self, op: str = "state") -> Any:
        return self.world.eval(_PART_JS, {"selector": self.selector, "text": self.text, "op": op})

    def click(self, timeout: float = 10.0) -> None:
        deadline = time.monotonic() + timeout
        while True:
            rect = self.state("rect")
            if rect and rect.get("shown") and not rect.get("disabled"):
                self.page.mouse.click(rect["x"], rect["y"])  # a real, trusted click at the element
                return
            if time.monotonic() > deadline:
                raise AssertionError(f"{self.selector} not clickable: {rect}")
            self.page.wait_for_timeout(100)

    def fill(self, text: str) -> None:
        self.click()
        self.page.keyboard.press("Control+A")
        if text:
            self.page.keyboard.insert_text(text)  # trusted input, like typing or pasting
        else:
            self.page.keyboard.press("Delete")

    def input_value(self) -> str:
        return (self.state() or {}).get("value") or ""

    def count(self) -> int:
        return self.state("count") or 0


class see:
    """expect()-style waiting assertions on a PanelPart."""

    def __init__(self, part: PanelPart):
        self.part = part

    def _until(self, check, what: str, timeout: float = 10.0) -> None:
        deadline = time.monotonic() + timeout
        while True:
            state = self.part.state() or {}
            if check(state):
                return
            if time.monotonic() > deadline:
                context = {
                    sel: (PanelPart(self.part.page, sel).state() or {}).get("text")
                    for sel in (".notice", ".error", ".confirm")
                }
                raise AssertionError(f"{self.part.selector}: expected {what}, got {state}; panel: {context}")
            self.part.page.wait_for_timeout(100)

    @staticmethod
    def _match(value: str, expected: Any, contains: bool) -> bool:
        if isinstance(expected, re.Pattern):
            return bool(expected.search(value))
        return expected in value if contains else re.sub(r"\s+", " ", value).strip() == expected

    def to_be_visible(self, timeout: float = 10.0) -> None:
        self._until(lambda s: s.get("shown"), "visible", timeout)

    def to_be_hidden(self, timeout: float = 10.0) -> None:
        self._until(lambda s: not s.get("shown"), "hidden", timeout)

    def to_be_disabled(self, timeout: float = 10.0) -> None:
        self._until(lambda s: s.get("disabled"), "disabled", timeout)

    def to_have_text(self, expected: Any, timeout: float = 10.0) -> None:
        self._until(
            lambda s: s.get("exists") and self._match(s.get("text") or "", expected, False),
            f"text {expected!r}",
            timeout,
        )

    def not_to_have_text(self, expected: Any, timeout: float = 10.0) -> None:
        self._until(
            lambda s: s.get("exists") and not self._match(s.get("text") or "", expected, False),
            f"text other than {expected!r}",
            timeout,
        )

    def to_contain_text(self, expected: Any, timeout: float = 10.0) -> None:
        self._until(
            lambda s: s.get("exists") and self._match(s.get("text") or "", expected, True),
            f"text containing {expected!r}",
            timeout,
        )

    def to_have_value(self, expected: Any, timeout: float = 10.0) -> None:
        self._until(
            lambda s: (
                s.get("exists")
                and (
                    expected.search(s.get("value") or "")
                    if isinstance(expected, re.Pattern)
                    else s.get("value") == expected
                )
            ),
            f"value {expected!r}",
            timeout,
        )

    def not_to_have_value(self, expected: str, timeout: float = 10.0) -> None:
        self._until(lambda s: s.get("exists") and s.get("value") != expected, f"value other than {expected!r}", timeout)

    def to_have_count(self, expected: int, timeout: float = 10.0) -> None:
        deadline = time.monotonic() + timeout
        while self.part.count() != expected:
            if time.monotonic() > deadline:
                raise AssertionError(f"{self.part.selector}: expected {expected} elements, got {self.part.count()}")
            self.part.page.wait_for_timeout(100)


def open_page(ext: Browser, review_site: Site, which: tuple[str, str], buttons: int | None = None) -> Page:
    _EXTENSION_ID[0] = ext.extension_id
    page = ext.context.new_page()
    world_of(page, ext.extension_id)
    page.goto(review_site.url(*which))
    if buttons is not None:
        expect(page.locator(BUTTON)).to_have_count(buttons, timeout=10000)
    return page


def draft(page: Page, index: int = 0) -> None:
    """Press "Draft reply" on review `index` and wait until the panel shows a draft."""
    page.locator(BUTTON).nth(index).click()
    see(panel(page, ".draft-text")).to_be_visible(timeout=20)
    see(panel(page, ".draft-text")).not_to_have_value("", timeout=20)


def panel(page: Page, part: str = ".panel", text: str | None = None) -> PanelPart:
    return PanelPart(page, part, text)


def approve_in_panel(page: Page) -> None:
    """Approve, confirming the guard's issues when the panel asks (a flagged draft needs that second click)."""
    panel(page, ".approve").click()
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline:
        if (panel(page, ".confirm-approve").state() or {}).get("shown"):
            panel(page, ".confirm-approve").click()
            return
        if "approved" in ((panel(page, ".draft-state").state() or {}).get("text") or ""):
            return
        page.wait_for_timeout(100)


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


def test_draft_shows_and_insert_fills_the_textarea(
    extension: Browser, review_site: Site, live_server: Any, shot
) -> None:
    page = open_page(extension, review_site, SELLER, buttons=2)
    draft(page)
    text = panel(page, ".draft-text").input_value()
    assert text == api(live_server, "GET", "/api/v1/reviews/1")[1]["draft"]["text"]  # exactly the service's draft
    see(panel(page, ".chip.lang")).to_have_text("RU")
    see(panel(page, ".chip.action")).to_be_visible()
    see(panel(page, ".review-text")).to_contain_text("Курьер опоздал на два часа")
    see(panel(page, ".author")).to_have_text("Ирина")
    see(panel(page, ".stars")).to_have_text("★★☆☆☆")
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
    see(panel(page, ".notice")).to_contain_text("Inserted")

    status, review = api(live_server, "GET", "/api/v1/reviews/1")
    assert status == 200
    assert (review["source"], review["external_id"], review["rating"], review["author"]) == (
        "seller.market.test",
        "fb-90211",
        2,
        "Ирина",
    )
    shot(page, "inserted-seller-cabinet")


def test_copy_puts_the_draft_on_the_clipboard(extension: Browser, review_site: Site) -> None:
    page = open_page(extension, review_site, YELP, buttons=3)
    draft(page)
    panel(page, ".copy").click()
    see(panel(page, ".notice")).to_have_text("Copied to the clipboard.")
    origin = f"http://127.0.0.1:{review_site.port}"  # loopback is a secure context: it may read the clipboard
    extension.context.grant_permissions(["clipboard-read", "clipboard-write"], origin=origin)
    reader = extension.context.new_page()
    reader.goto(f"{origin}/plain.html")
    assert reader.evaluate("() => navigator.clipboard.readText()") == panel(page, ".draft-text").input_value()


def test_insert_into_a_contenteditable_reply_box(extension: Browser, review_site: Site, live_server: Any, shot) -> None:
    page = open_page(extension, review_site, MAPS, buttons=2)
    draft(page)
    text = panel(page, ".draft-text").input_value()
    see(panel(page, ".chip.lang")).to_have_text("LV")
    panel(page, ".insert").click()
    box = page.locator("[data-reply-for='ChdDSUhNMG9nS0VJQ0FnSUNsM2RMN2dRRRAB']")
    expect(box).to_have_text(text)
    expect(page.locator("[data-submit-for='ChdDSUhNMG9nS0VJQ0FnSUNsM2RMN2dRRRAB']")).to_be_enabled()
    _status, review = api(live_server, "GET", "/api/v1/reviews/1")
    assert (review["source"], review["rating"], review["author"]) == ("maps.test", 2, "Laura Kalniņa")
    shot(page, "inserted-maps")


def test_a_real_ingest_and_agent_key_works_end_to_end(extension: Browser, review_site: Site, live_server: Any) -> None:
    extension.configure(apiKey=make_key(live_server, "ingest", "agent"))
    page = open_page(extension, review_site, YELP, buttons=3)
    draft(page, 1)
    approve_in_panel(page)
    see(panel(page, ".draft-state")).to_contain_text("approved by key:extension")


def test_pressing_twice_reuses_the_same_review(extension: Browser, review_site: Site, live_server: Any) -> None:
    page = open_page(extension, review_site, YELP, buttons=3)
    draft(page)
    see(panel(page, ".review-id")).to_have_text("#1")
    first_text = panel(page, ".draft-text").input_value()
    page.reload()
    expect(page.locator(BUTTON)).to_have_count(3)
    draft(page)
    see(panel(page, ".review-id")).to_have_text("#1")
    assert panel(page, ".draft-text").input_value() == first_text
    assert drafts_total(live_server) == 1
    assert api(live_server, "GET", "/api/v1/reviews/2")[0] == 404
    _status, review = api(live_server, "GET", "/api/v1/reviews/1")
    assert (review["source"], review["external_id"], review["rating"], review["author"]) == (
        "reviews.test",
        "review-8812",
        2,
        "Dana P.",
    )
    draft(page, 1)  # another review is another row
    see(panel(page, ".review-id")).to_have_text("#2")
    assert drafts_total(live_server) == 2


def test_selected_text_and_the_context_menu(extension: Browser, review_site: Site, live_server: Any, shot) -> None:
    page = open_page(extension, review_site, FORUM)
    page.locator(".post .body").click()

    def choose_menu_item() -> None:
        page.evaluate("""() => { const range = document.createRange();
            range.selectNodeContents(document.querySelector('.post .body'));
            getSelection().removeAllRanges(); getSelection().addRange(range); }""")
        extension.worker().evaluate(
            """async (url) => {
            const [tab] = await chrome.tabs.query({ url });
            await onContextMenuClicked({ menuItemId: 'draft-selected-review', selectionText: 'unused', frameId: 0 }, tab);
        }""",
            page.url,
        )
        see(panel(page, ".draft-text")).not_to_have_value("", timeout=20)

    choose_menu_item()
    see(panel(page, ".review-text")).to_contain_text("Pasūtīju dīvānu")
    see(panel(page, ".chip.lang")).to_have_text("LV")
    panel(page, ".insert").click()
    expect(page.locator("textarea[name='answer']")).to_have_value(panel(page, ".draft-text").input_value())
    shot(page, "selection-forum")
    choose_menu_item()  # no adapter id: the page URL + a hash of the text keep it one review
    see(panel(page, ".review-id")).to_have_text("#1")
    assert drafts_total(live_server) == 1
    review = api(live_server, "GET", "/api/v1/reviews/1")[1]
    assert review["source"] == "forum.test"
    assert re.fullmatch(rf"http://forum\.test:{review_site.port}/plain\.html#[0-9a-f]{{16}}", review["external_id"])


def test_edit_conflict_then_approve_through_the_api(
    extension: Browser, review_site: Site, live_server: Any, shot
) -> None:
    page = open_page(extension, review_site, YELP, buttons=3)
    draft(page)
    area = panel(page, ".draft-text")
    area.fill("Dana, you waited six days longer than we promised and the brake still rubbed. That is on us.")
    see(panel(page, ".dirty")).to_be_visible()
    panel(page, ".save").click()
    see(panel(page, ".draft-state")).to_contain_text("v2 · pending")
    draft_id = api(live_server, "GET", "/api/v1/reviews/1")[1]["draft"]["id"]
    # A colleague edits the same draft in the queue meanwhile.
    status, _ = api(live_server, "PATCH", f"/api/v1/drafts/{draft_id}", {"text": "Colleague's version.", "version": 2})
    assert status == 200
    area.fill("Dana, sorry: six days late and still rubbing. Bring it back and we redo the brake today.")
    panel(page, ".save").click()
    see(panel(page, ".error")).to_contain_text("Conflict")
    see(panel(page, ".error")).to_contain_text("now version 3")
    assert "redo the brake today" in area.input_value()  # the agent's text is kept
    shot(page, "conflict")
    panel(page, ".error-actions button", text="Save mine over it").click()
    see(panel(page, ".draft-state")).to_contain_text("v4 · pending")
    approve_in_panel(page)
    see(panel(page, ".draft-state")).to_contain_text("v4 · approved")
    see(panel(page, ".approve")).to_be_disabled()
    detail = api(live_server, "GET", f"/api/v1/drafts/{draft_id}")[1]
    assert detail["draft"]["status"] == "approved" and "redo the brake today" in detail["draft"]["text"]
    events = [e["action"] for e in api(live_server, "GET", "/api/v1/reviews/1/events")[1]]
    assert "approved" in events  # through the API: the audit trail holds it
    shot(page, "approved")


def test_regenerate_with_an_instruction(
    extension: Browser, review_site: Site, live_server: Any, scripted_llm: Any
) -> None:
    page = open_page(extension, review_site, SELLER, buttons=2)
    draft(page, 1)
    before = len(scripted_llm.requests)
    panel(page, ".instruction").fill("короче, упомяните быструю доставку")
    panel(page, ".regenerate").click()
    see(panel(page, ".draft-state")).to_contain_text("v2")
    later = json.dumps(scripted_llm.requests[before:], ensure_ascii=False)
    assert "упомяните быструю доставку" in later  # the instruction reached the model
    see(panel(page, ".instruction")).to_have_value("")


# -- errors ---------------------------------------------------------------------------------------------


def test_a_wrong_key_shows_unauthorized(extension: Browser, review_site: Site, live_server: Any, shot) -> None:
    extension.configure(apiKey="not-a-key")
    page = open_page(extension, review_site, SELLER, buttons=2)
    page.locator(BUTTON).first.click()
    see(panel(page, ".error")).to_contain_text("Unauthorized")
    see(panel(page, ".error")).to_contain_text("options")
    see(panel(page, ".draft")).to_be_hidden()
    assert drafts_total(live_server) == 0
    shot(page, "wrong-key")


def test_a_service_that_is_down_is_said_plainly(extension: Browser, review_site: Site) -> None:
    extension.configure(apiUrl=f"http://127.0.0.1:{free_port()}")
    page = open_page(extension, review_site, SELLER, buttons=2)
    page.locator(BUTTON).first.click()
    see(panel(page, ".error")).to_contain_text("Service unreachable")


def test_a_draft_that_takes_too_long_times_out(extension: Browser, review_site: Site, scripted_llm: Any) -> None:
    extension.configure(draftTimeoutSec=1)
    scripted_llm.latency = 3.0  # every model call outlives the poll budget
    page = open_page(extension, review_site, SELLER, buttons=2)
    page.locator(BUTTON).first.click()
    see(panel(page, ".error")).to_contain_text("Timed out", timeout=10)
    see(panel(page, ".error-actions button")).to_have_text("Keep waiting")
    scripted_llm.latency = 0.0


def test_validation_errors_show_title_and_detail(extension: Browser, review_site: Site) -> None:
    page = open_page(extension, review_site, SELLER, buttons=2)
    draft(page)
    panel(page, ".draft-text").fill("x" * 5001)  # the API caps a draft at 5,000 characters
    panel(page, ".save").click()
    see(panel(page, ".error")).to_be_visible()
    see(panel(page, ".error-title")).not_to_have_text("")
    see(panel(page, ".error")).to_contain_text("5000")


# -- untrusted page text --------------------------------------------------------------------------------

MARKUP_REPLY = "Thanks <img src=x onerror=alert(3)> we fixed it <script>alert(4)</script> for you."


def test_review_text_that_looks_like_markup_stays_inert(
    extension: Browser, review_site: Site, live_server: Any, scripted_llm: Any, shot
) -> None:
    model_drafts(scripted_llm, MARKUP_REPLY)
    page = open_page(extension, review_site, HOSTILE, buttons=2)
    dialogs: list[str] = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    page.locator(BUTTON).first.click()
    review_text = panel(page, ".review-text")
    see(review_text).to_contain_text("<img src=x onerror=alert(1)>")
    see(review_text).to_contain_text("<script>alert(2)</script>")
    see(panel(page, ".author")).to_have_text("<b>Mallory</b>")
    see(panel(page, "img")).to_have_count(0)
    see(panel(page, "script")).to_have_count(0)
    see(panel(page, ".review-id")).to_have_text("#1", timeout=20)  # the result is in
    stored = api(live_server, "GET", "/api/v1/reviews/1")[1]
    assert "<img src=x onerror=alert(1)>" in stored["text"]  # sent as text, exactly
    if stored["classification"]["action"] != "do_not_engage":
        see(panel(page, ".draft-text")).not_to_have_value("", timeout=20)
        shown = panel(page, ".draft-text").input_value()
        assert shown == stored["draft"]["text"]  # exactly the service's draft, as text (the guard may replace markup)
        panel(page, ".insert").click()
        expect(page.locator("textarea[data-reply-for='g-501']")).to_have_value(shown)
    else:
        see(panel(page, ".dne")).to_be_visible(timeout=20)
    # The page's CSS tries to hide extension elements; the panel stays visible and readable.
    expect(page.locator(PANEL)).to_be_visible()
    assert page.locator("article img, body > img").count() == 0
    page.wait_for_timeout(500)
    assert dialogs == []
    shot(page, "hostile")


def test_do_not_engage_shows_the_reason_and_no_draft(
    extension: Browser, review_site: Site, live_server: Any, shot
) -> None:
    page = open_page(extension, review_site, HOSTILE, buttons=2)
    page.locator(BUTTON).nth(1).click()
    see(panel(page, ".dne")).to_be_visible(timeout=20)
    see(panel(page, ".dne")).to_contain_text("Do not engage")
    see(panel(page, ".dne-reason")).to_contain_text("instruct the assistant")
    see(panel(page, ".chip.action")).to_have_text("Do not engage")
    see(panel(page, ".draft")).to_be_hidden()
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
    answer = cdp.send(
        "Runtime.evaluate",
        {
            "contextId": content_world["id"],
            "awaitPromise": True,
            "expression": "chrome.storage.local.get(null).then(v => JSON.stringify(v), e => 'denied: ' + e.message)",
        },
    )
    assert answer["result"]["value"].startswith("denied"), answer


def test_page_scripts_cannot_press_the_buttons(extension: Browser, review_site: Site, live_server: Any) -> None:
    page = open_page(extension, review_site, YELP, buttons=3)
    # Closed shadow roots: the page can't even reach the button or the panel's controls.
    assert page.evaluate("() => document.querySelector('review-assistant-button').shadowRoot") is None
    page.evaluate("() => document.querySelector('review-assistant-button').click()")
    page.evaluate(
        "() => document.querySelector('review-assistant-button').dispatchEvent(new MouseEvent('click', {bubbles: true, composed: true}))"
    )
    page.wait_for_timeout(1000)
    assert page.locator(PANEL).count() == 0 or not page.locator(PANEL).is_visible()
    assert drafts_total(live_server) == 0
    draft(page)  # a real click works
    assert page.evaluate("() => document.querySelector('review-assistant-panel').shadowRoot") is None
    page.evaluate("() => document.querySelector('review-assistant-panel').click()")
    page.wait_for_timeout(800)
    assert api(live_server, "GET", "/api/v1/reviews/1")[1]["draft"]["status"] == "pending"


def test_the_extension_never_builds_html_from_strings() -> None:
    """The rule behind the inert-markup test, checked on every file: no innerHTML and friends."""
    risky = re.compile(r"innerHTML|outerHTML|insertAdjacentHTML|document\.write|\beval\(|new Function")
    offenders = [
        f"{p.name}:{n}"
        for p in EXTENSION.glob("*.js")
        for n, line in enumerate(p.read_text().splitlines(), 1)
        if risky.search(line)
    ]
    assert offenders == []


# -- options ----------------------------------------------------------------------------------------------


def test_options_test_connection_tells_the_cases_apart(
    extension: Browser, review_site: Site, live_server: Any, shot
) -> None:
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
    page.fill(
        "#adaptersJson", '[{"name": "forum", "review": ".post", "text": {"selector": ".body", "pick": "(unclosed"}}]'
    )
    page.click("#save")
    expect(page.locator("#adaptersError")).to_contain_text(
        'adapter 1 ("forum").text.pick: not a valid regular expression'
    )
    page.fill("#adaptersJson", '[{"name": "forum", "review": ".post", "text": ".body", "checked": "last week"}]')
    page.click("#save")
    expect(page.locator("#adaptersError")).to_contain_text('adapter 1 ("forum").checked: expected a date')
    page.fill("#adaptersJson", "[{name: forum}]")
    page.click("#save")
    expect(page.locator("#adaptersError")).to_contain_text("Not valid JSON")
    shot(page, "options-adapter-error")


def test_a_custom_adapter_from_options_finds_reviews(extension: Browser, review_site: Site, live_server: Any) -> None:
    page = extension.context.new_page()
    page.goto(f"chrome-extension://{extension.extension_id}/options.html")
    expect(page.locator("#apiUrl")).to_have_value(live_server.url)
    page.fill(
        "#adaptersJson",
        json.dumps(
            [
                {
                    "name": "forum",
                    "match": {"hosts": ["forum.test"]},
                    "review": ".post",
                    "text": ".body",
                    "author": "b",
                    "replyBox": "textarea",
                }
            ]
        ),
    )
    page.click("#save")
    expect(page.locator("#result")).to_contain_text("Saved")
    forum = open_page(extension, review_site, FORUM, buttons=1)
    draft(forum)
    see(panel(forum, ".author")).to_have_text("kristaps_l")
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
