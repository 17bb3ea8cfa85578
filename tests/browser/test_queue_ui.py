"""The approval queue in a real browser (Debian's chromium through Playwright) against the live server.

Agents sign in, filter, open a review, edit, regenerate, approve and reject with the keyboard and see the
audit; two agents editing one draft get a conflict showing the other's text; hostile review text stays
text; a form post without its CSRF token is refused. Screenshots land in test-artifacts/.
"""

from __future__ import annotations

import asyncio
import re
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import pytest

from assistant.db.engine import create_engine, session_factory
from assistant.domain.users.service import UserService
from tests.conftest import AUTH

playwright_api = pytest.importorskip("playwright.sync_api")
expect = playwright_api.expect

from tests.browser.conftest import ARTIFACTS, CHROMIUM, PASSWORD, submit_sign_in  # noqa: E402

EVIL = "<script>alert(1)</script><img src=x onerror=alert(2)>"

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="Debian's chromium is not installed"),
]

REVIEWS = [
    {
        "text": "The blender arrived with a cracked jug. Please send a new one, I need it for the weekend.",
        "source": "shop",
        "external_id": "b-1",
        "rating": 2,
    },
    {
        "text": "Fast delivery and the courier was very polite, thank you! The kettle works perfectly.",
        "source": "google",
        "external_id": "b-2",
        "rating": 5,
    },
    {
        "text": "Курьер нагрубил и опоздал на два часа. Очень неприятно.",
        "source": "yandex",
        "external_id": "b-3",
        "rating": 1,
    },
    {
        "text": "Paldies, viss lieliski! Ātra piegāde un laipns kurjers.",
        "source": "google",
        "external_id": "b-4",
        "rating": 5,
    },
]


USERS = (  # (email, name, role) of the people signing in
    ("anna@example.com", "Anna Agent", "agent"),
    ("boris@example.com", "Boris Agent", "agent"),
    ("root@example.com", "Rita Admin", "admin"),
)


def _create_users(database_url: str, *users: tuple[str, str, str]) -> None:
    async def run() -> None:
        engine = create_engine(database_url)
        try:
            async with session_factory(engine)() as session:
                for email, name, role in users:
                    await UserService(session).create(email=email, name=name, password=PASSWORD, role=role)
        finally:
            await engine.dispose()

    # Playwright's sync API keeps an event loop on this thread: run ours on another
    with ThreadPoolExecutor(1) as pool:
        pool.submit(asyncio.run, run()).result()


def _ingest(base_url: str, reviews: list[dict]) -> list[dict]:
    """Post reviews through the API and wait until each has a draft waiting for a decision."""
    with httpx.Client(base_url=base_url, headers=AUTH, timeout=30) as api:
        ids = [api.post("/api/v1/reviews", json=r).json()["id"] for r in reviews]
        deadline = time.monotonic() + 60
        bodies = []
        for review_id in ids:
            while True:
                body = api.get(f"/api/v1/reviews/{review_id}").json()
                if body["status"] in ("pending_approval", "failed"):
                    assert body["status"] == "pending_approval", body["error"]
                    bodies.append(body)
                    break
                assert time.monotonic() < deadline, f"review {review_id} stuck in {body['status']}"
                time.sleep(0.1)
        return bodies


FITTING = [  # (words in the review, the reply an agent would approve): drafts that fit their review pass the guard
    (
        ("blender", "jug"),
        "We are sorry your blender jug arrived cracked. We will send you a new jug this week, so it is "
        "there before the weekend; reply with your order number. The support team",
    ),
    (
        ("courier was very polite",),
        "Thank you for the kind words about our polite courier and the fast delivery, and "
        "we are glad the kettle works perfectly! The support team",
    ),
    (
        ("Курьер нагрубил",),
        "Нам очень жаль, что курьер был груб и опоздал на два часа. Мы разберём это с курьерской "
        "службой. Команда поддержки",
    ),
    (("Paldies",), "Paldies par labajiem vārdiem par ātro piegādi un laipno kurjeru! Atbalsta komanda"),
]


def fitting_responder(body: dict) -> str:
    """Scripted drafts that answer the review they are for (the default scripted text fits none of them)."""
    from assistant.processing.stand_in import default_responder

    if (body.get("response_format") or {}).get("type") == "json_schema":
        return default_responder(body)
    prompt = " ".join(str(m.get("content", "")) for m in body.get("messages", []) if m.get("role") == "user")
    for words, reply in FITTING:
        if any(w in prompt for w in words):
            return reply
    return default_responder(body)


@pytest.fixture
def seeded(live_server, settings, scripted_llm) -> dict:
    scripted_llm.responder = fitting_responder
    _create_users(settings.database_url, *USERS)
    reviews = _ingest(live_server.url, REVIEWS)
    return {"url": live_server.url, "reviews": reviews}


def _shot(page, name: str) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / name), full_page=True)


def _open_review(page, review_id: int) -> None:
    page.locator(f'table.queue tr[data-href^="/reviews/{review_id}?"] a.row-link').click()
    page.wait_for_url(re.compile(rf"/reviews/{review_id}\b"))
    expect(page.locator("#review-text")).to_be_visible()


def test_agent_filters_edits_regenerates_approves_and_rejects_with_the_keyboard(
    sign_in, seeded, scripted_llm, database_url
):
    jug, _thanks, courier, _latvian = seeded["reviews"]
    context, page = sign_in(seeded["url"], "anna@example.com")
    rows = page.locator("table.queue tbody tr")
    expect(rows).to_have_count(4)
    _shot(page, f"queue-{_backend(database_url)}.png")

    page.select_option('select[name="rating"]', "5")  # htmx swaps the results and pushes the URL
    expect(rows).to_have_count(2)
    assert "rating=5" in page.url
    page.select_option('select[name="language"]', "lv")
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text("Paldies")
    page.goto("/queue")
    oldest = [rows.nth(i).get_attribute("data-draft-id") for i in range(4)]
    page.goto("/queue?sort=newest")
    expect(rows).to_have_count(4)
    assert [rows.nth(i).get_attribute("data-draft-id") for i in range(4)] == oldest[::-1]

    page.goto("/queue")
    _open_review(page, jug["id"])
    expect(page.locator("#review-text")).to_have_text(REVIEWS[0]["text"])
    expect(page.locator(".review-side")).to_contain_text("Classification")

    # edit: e focuses the editor, Ctrl+Enter saves (the guard runs on the edited text)
    page.keyboard.press("e")
    editor = page.locator("#draft-text")
    expect(editor).to_be_focused()
    edited = (
        "We are sorry the jug arrived cracked. We will send a replacement jug free of charge this week; "
        "reply with your order number. The support team"
    )
    editor.fill(edited)
    editor.press("Control+Enter")
    expect(page.locator("#live-message")).to_contain_text("Saved version 2")
    expect(page.locator(".versions li").first).to_contain_text("edit by Anna Agent")
    expect(page.locator(".versions li").first.locator("ins").first).to_be_visible()

    # regenerate with an instruction: g, type, Enter
    scripted_llm.reply(
        "We are sorry your blender jug arrived cracked. A replacement jug is on its way; reply with "
        "your order number and we will confirm the delivery date. The support team"
    )
    expect(editor).to_be_focused()  # htmx gives the focus back to the editor after the swap
    expect(page.locator("#review-live")).not_to_have_class(re.compile(r"\bis-busy\b"))  # keys wait while busy
    page.keyboard.press("Escape")
    page.keyboard.press("g")
    expect(page.locator("#regen-instruction")).to_be_focused()
    page.keyboard.type("mention the replacement")
    page.keyboard.press("Enter")
    expect(page.locator("#live-message")).to_contain_text("Regenerated: version 3")
    expect(editor).to_have_value(re.compile("replacement jug is on its way"))
    expect(page.locator(".versions li").first).to_contain_text("mention the replacement")
    assert "mention the replacement" in scripted_llm.requests[-1]["messages"][-1]["content"]
    audit = page.locator("#audit tbody")
    expect(audit).to_contain_text("regenerate")
    expect(audit).to_contain_text("edit")
    expect(page.locator(".calls li").first).to_be_visible()  # the LLM calls behind the draft
    _shot(page, f"review-{_backend(database_url)}.png")

    # approve with the keyboard: a (outside any field) → the next review, with a confirmation
    expect(page.locator("#review-live")).not_to_have_class(re.compile(r"\bis-busy\b"))
    page.keyboard.press("Escape")
    page.keyboard.press("a")
    page.wait_for_url(lambda url: f"/reviews/{jug['id']}" not in url)
    expect(page.locator("#flashes")).to_contain_text(f"Approved the reply to review #{jug['id']}")
    page.goto(f"/reviews/{jug['id']}")
    expect(page.locator(".status-strip")).to_contain_text("Approved by Anna Agent")
    expect(page.locator("#audit tbody tr").first).to_contain_text("approved")

    # reject with a reason: r, type, Enter
    page.goto("/queue")
    expect(rows).to_have_count(3)
    _open_review(page, courier["id"])
    page.keyboard.press("r")
    expect(page.locator("#reject-reason")).to_be_focused()
    page.keyboard.type("needs a manager to call")
    page.keyboard.press("Enter")
    page.wait_for_url(lambda url: f"/reviews/{courier['id']}" not in url)
    page.goto(f"/reviews/{courier['id']}")
    expect(page.locator(".decided-card")).to_contain_text("needs a manager to call")
    expect(page.locator("#audit tbody tr").first).to_contain_text("rejected")
    page.goto("/queue?status=approved")
    expect(rows).to_have_count(1)
    expect(page.locator("table.queue thead th.col-age")).to_have_attribute("title", re.compile("to the approval"))
    _shot(page, f"queue-approved-{_backend(database_url)}.png")

    with httpx.Client(base_url=seeded["url"], headers=AUTH) as api:
        events = api.get(f"/api/v1/reviews/{jug['id']}/events").json()
        assert [e["action"] for e in events][-3:] == ["edit", "regenerate", "approved"]
        assert {e["actor"] for e in events[-3:]} == {"anna@example.com"}
        rejected = api.get(f"/api/v1/reviews/{courier['id']}/events").json()[-1]
        assert rejected["action"] == "rejected" and rejected["detail"]["reason"] == "needs a manager to call"
    context.close()


def test_two_agents_editing_one_draft_get_a_conflict_with_the_other_text(sign_in, seeded, database_url):
    jug = seeded["reviews"][0]
    anna_context, anna = sign_in(seeded["url"], "anna@example.com")
    boris_context, boris = sign_in(seeded["url"], "boris@example.com")
    for page in (anna, boris):
        page.goto(f"/reviews/{jug['id']}")
        expect(page.locator("#draft-text")).to_be_visible()

    anna_text = "Anna's version: we are sorry about the cracked jug and will send a replacement. The support team"
    anna.fill("#draft-text", anna_text)
    anna.press("#draft-text", "Control+Enter")
    expect(anna.locator("#live-message")).to_contain_text("Saved version 2")

    boris_text = "Boris's version: a replacement jug is on its way, sorry for the trouble. The support team"
    boris.fill("#draft-text", boris_text)
    boris.press("#draft-text", "Control+Enter")
    conflict = boris.locator("#conflict")
    expect(conflict).to_be_visible()
    expect(boris.locator("#their-text")).to_have_text(anna_text)
    expect(boris.locator("#draft-text")).to_have_value(boris_text)  # nothing Boris typed is lost
    _shot(boris, f"conflict-{_backend(database_url)}.png")

    # pressing approve on the stale text is refused the same way: no silent overwrite
    with httpx.Client(base_url=seeded["url"], headers=AUTH) as api:
        draft = api.get(f"/api/v1/drafts/{jug['draft']['id']}").json()
        assert draft["draft"]["text"] == anna_text and draft["draft"]["version"] == 2

    boris.click('[data-action="edit"]')  # "save mine anyway" after seeing theirs → version 3
    expect(boris.locator("#live-message")).to_contain_text("Saved version 3")
    anna.reload()
    expect(anna.locator("#draft-text")).to_have_value(boris_text)
    anna_context.close()
    boris_context.close()


def test_unsaved_text_survives_an_ended_session(sign_in, seeded):
    jug = seeded["reviews"][0]
    context, page = sign_in(seeded["url"], "anna@example.com")
    page.goto(f"/reviews/{jug['id']}")
    mine = "Half-written reply that must not be lost: we are sorry about the cracked jug. The support team"
    page.fill("#draft-text", mine)
    context.clear_cookies(name="rra_session")  # the session ends while she types (expiry, sign-out elsewhere)
    page.press("#draft-text", "Control+Enter")
    page.wait_for_url(re.compile(r"/login\?next="))
    submit_sign_in(page, "anna@example.com")
    page.wait_for_url(re.compile(rf"/reviews/{jug['id']}"))
    expect(page.locator("#draft-text")).to_have_value(mine)  # restored from this browser
    expect(page.locator("#local-restore")).to_be_visible()
    page.press("#draft-text", "Control+Enter")
    expect(page.locator("#live-message")).to_contain_text("Saved version 2")
    page.reload()
    expect(page.locator("#draft-text")).to_have_value(mine)
    expect(page.locator("#local-restore")).to_be_hidden()
    context.close()


def test_hostile_review_text_is_shown_as_text_and_runs_nothing(sign_in, seeded, database_url):
    evil = _ingest(
        seeded["url"], [{"text": EVIL, "source": "shop", "external_id": "evil-1", "rating": 1, "author": EVIL}]
    )[0]
    context, page = sign_in(seeded["url"], "anna@example.com")
    dialogs: list[str] = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    page.goto("/queue")
    expect(page.locator(f'tr[data-href^="/reviews/{evil["id"]}?"] a.row-link')).to_have_text(EVIL)
    _open_review(page, evil["id"])
    expect(page.locator("#review-text")).to_have_text(EVIL)
    assert page.locator("#review-text img, #review-text script").count() == 0
    assert page.locator("img[src='x']").count() == 0
    page.wait_for_timeout(300)
    assert dialogs == []
    _shot(page, f"hostile-{_backend(database_url)}.png")
    context.close()


def test_form_post_without_csrf_token_is_refused(sign_in, seeded):
    jug = next(r for r in seeded["reviews"] if not r["draft"]["flagged"])  # a flagged one asks to confirm first
    context, page = sign_in(seeded["url"], "anna@example.com")
    page.goto(f"/reviews/{jug['id']}")
    draft_id = jug["draft"]["id"]
    # the browser's own cookies (session + CSRF cookie) but no token in the form or header
    refused = context.request.post(f"/drafts/{draft_id}/approve", form={"version": "1"}, max_redirects=0)
    assert refused.status == 403
    token = page.locator('meta[name="csrf-token"]').get_attribute("content")
    accepted = context.request.post(
        f"/drafts/{draft_id}/approve", form={"version": "1", "_csrf_token": token}, max_redirects=0
    )
    assert accepted.status == 303
    with httpx.Client(base_url=seeded["url"], headers=AUTH) as api:
        assert api.get(f"/api/v1/drafts/{draft_id}").json()["draft"]["status"] == "approved"
    context.close()


def test_claims_are_visible_and_bulk_approve_takes_only_clean_drafts(sign_in, seeded, database_url):
    reviews = seeded["reviews"]
    clean = [r for r in reviews if not r["draft"]["flagged"]]
    flagged = [r["draft"]["id"] for r in reviews if r["draft"]["flagged"]]
    assert len(clean) >= 2, "the scripted drafts for the English reviews should pass the guard"
    claimed = clean[0]
    anna_context, anna = sign_in(seeded["url"], "anna@example.com")
    anna.goto(f"/reviews/{claimed['id']}")
    anna.keyboard.press("c")
    expect(anna.locator("[data-claim-holder]")).to_contain_text("You hold this")

    boris_context, boris = sign_in(seeded["url"], "boris@example.com")
    expect(boris.locator(f'tr[data-href^="/reviews/{claimed["id"]}?"] .claim')).to_have_text("● Anna Agent")
    boris.goto(f"/reviews/{claimed['id']}")
    expect(boris.locator("[data-claim-holder]")).to_contain_text("Anna Agent is on this")

    boris.goto("/queue")
    for box in boris.locator('input[name="ids"]').all():
        box.check()
    boris.keyboard.press("a")  # shows what will be sent first; flagged and claimed drafts are left out, with why
    boris.wait_for_url(re.compile(r"/queue/bulk-approve"))
    expect(boris.locator("[data-preview-draft]")).to_have_count(len(clean) - 1)
    expect(boris.locator(f'[data-refused-draft="{claimed["draft"]["id"]}"]')).to_contain_text(
        "claimed by anna@example.com"
    )
    for draft_id in flagged:
        expect(boris.locator(f'[data-refused-draft="{draft_id}"]')).to_contain_text("flagged by the guard")
    for review in clean[1:]:
        expect(boris.locator(f'[data-preview-draft="{review["draft"]["id"]}"] .reply-text')).to_have_text(
            review["draft"]["text"]
        )
    with httpx.Client(base_url=seeded["url"], headers=AUTH) as api:  # nothing sent by the preview
        assert all(
            api.get(f"/api/v1/drafts/{r['draft']['id']}").json()["draft"]["status"] == "pending" for r in reviews
        )
    boris.click("[data-bulk-send]")
    boris.wait_for_url(re.compile(r"/queue"))
    flashes = boris.locator("#flashes")
    expect(flashes).to_contain_text(f"Approved {len(clean) - 1} draft(s)")
    _shot(boris, f"bulk-{_backend(database_url)}.png")
    approved = {r["draft"]["id"] for r in clean[1:]}
    with httpx.Client(base_url=seeded["url"], headers=AUTH) as api:
        for review in reviews:
            status = api.get(f"/api/v1/drafts/{review['draft']['id']}").json()["draft"]["status"]
            assert status == ("approved" if review["draft"]["id"] in approved else "pending"), review["text"]
    anna_context.close()
    boris_context.close()


def test_admin_adds_an_agent_and_a_key(sign_in, seeded, database_url):
    context, page = sign_in(seeded["url"], "root@example.com")
    page.click("text=Admin")
    page.wait_for_url(re.compile(r"/admin/users"))
    page.fill('form[action="/admin/users"] input[name="name"]', "Clara Agent")
    page.fill('form[action="/admin/users"] input[name="email"]', "clara@example.com")
    page.fill('form[action="/admin/users"] input[name="password"]', PASSWORD)
    page.click('form[action="/admin/users"] button[type="submit"]')
    expect(page.locator("#flashes")).to_contain_text("Created agent clara@example.com")
    expect(page.locator("table.plain")).to_contain_text("Clara Agent")
    _shot(page, f"admin-users-{_backend(database_url)}.png")
    page.goto("/admin/keys")
    page.fill('form[action="/admin/keys"] input[name="name"]', "extension")
    page.click('form[action="/admin/keys"] button[type="submit"]')
    key = page.locator("#new-key").inner_text()
    assert key.startswith("rra_")
    with httpx.Client(base_url=seeded["url"]) as api:
        assert api.get(f"/api/v1/reviews/{seeded['reviews'][0]['id']}", headers={"X-API-Key": key}).status_code == 200
    page.goto("/admin/playbooks")
    expect(page.locator("main")).to_contain_text("Default playbook")
    context.close()


def _backend(database_url: str) -> str:
    return "sqlite" if database_url.startswith("sqlite") else "postgresql"
