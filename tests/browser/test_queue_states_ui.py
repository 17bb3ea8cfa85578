"""Issue 21 in a real Chromium, at 1440×900 and 390×844: every review ends in a human decision (do-not-engage
handled / escalated / drafted anyway, failed reviews retried or written by hand, rejected reopened), nothing is
published by accident (keys outside text fields, a confirmation naming the guard issue, an undo that really
stops the webhook, a bulk preview), and the queue reads on a phone. Screenshots land in test-artifacts/."""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest

from assistant.processing import in_process as dispatch
from assistant.web.controllers import queue as queue_controller
from tests.browser.conftest import ARTIFACTS, CHROMIUM
from tests.browser.test_queue_ui import FITTING, REVIEWS, USERS, _create_users, _ingest, fitting_responder
from tests.conftest import AUTH
from tests.integration.test_webhooks import Receiver

playwright_api = pytest.importorskip("playwright.sync_api")
expect = playwright_api.expect

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="Debian's chromium is not installed"),
]

UNDO_SECONDS = 3.0  # the live server's ASSISTANT_UNDO_SECONDS: short, so the test sees the webhook fire
VIEWPORTS = {"desktop": {"width": 1440, "height": 900}, "phone": {"width": 390, "height": 844}}
SPAM = {
    "text": "Earn $500 a day from home! Visit www.easy-money.example and use promo code WIN500 now",
    "source": "google",
    "external_id": "spam-ui-1",
    "rating": 5,
    "author": "Promo Bot",
}
PHONE_REPLY = "Thank you for the kind words! Call our manager on +371 2000 0000 for a bonus. The support team"
OLD = {
    "text": "The kettle stopped working after a week, the switch is broken. Order 48213.",
    "source": "shop",
    "external_id": "old-1",
    "rating": 2,
    "author": "Ilze K.",
    "created_at": (datetime.now(UTC) - timedelta(days=3)).isoformat(),
}  # when the customer posted it
LONG = {
    "text": (
        "We ordered the corner sofa in March and waited seven weeks instead of the promised three. When it "
        "finally arrived the courier left it in the hallway, one of the cushions had a torn seam, and "
        "nobody answered our emails for days. The sofa itself is comfortable, but the whole experience "
        "was exhausting."
    ),
    "source": "shop",
    "external_id": "long-1",
    "rating": 3,
}
FITTING.append(
    (
        ("kettle stopped working",),
        "We are sorry the kettle switch broke after a week. We will send you a "
        "new kettle; reply with your order number. The support team",
    )
)


@pytest.fixture(autouse=True)
def _patient_expect() -> Iterator[None]:
    """A decision runs the guard and renders the page: on a machine shared with other test runs that can take
    longer than Playwright's 5 s default."""
    expect.set_options(timeout=15_000)
    yield
    expect.set_options(timeout=5_000)


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    with Receiver() as server:
        yield server


@pytest.fixture
def settings(settings, receiver):
    """The live server posts approvals to a real local receiver, polling fast."""
    return settings.model_copy(
        update={
            "webhook_url": receiver.url,
            "webhook_secret": "whsec-ui",
            "webhook_poll_interval": 0.05,
            "webhook_backoff_initial": 0.1,
            "webhook_backoff_max": 0.5,
            "undo_seconds": UNDO_SECONDS,
        }
    )


@pytest.fixture
def quick(monkeypatch):
    monkeypatch.setattr(dispatch, "MODEL_RETRY", (0.2, 0.4))
    monkeypatch.setattr(dispatch, "MODEL_RETRIES", 1)
    monkeypatch.setattr(queue_controller, "ARRIVALS_POLL_SECONDS", 1)


@pytest.fixture
def seeded(live_server, settings, scripted_llm, quick) -> dict:
    scripted_llm.responder = fitting_responder
    _create_users(settings.database_url, *USERS)
    reviews = _ingest(live_server.url, [*REVIEWS, SPAM, OLD, LONG])
    return {"url": live_server.url, "reviews": reviews, "by_id": {r["external_id"]: r for r in reviews}}


@pytest.fixture(params=list(VIEWPORTS))
def viewport(request) -> str:
    return request.param


def shot(page, name: str, viewport: str) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"queue21-{name}-{viewport}.png"), full_page=True)


def api_draft(base_url: str, draft_id: int) -> dict:
    with httpx.Client(base_url=base_url, headers=AUTH) as api:
        return api.get(f"/api/v1/drafts/{draft_id}").json()["draft"]


def events(base_url: str, review_id: int) -> list[dict]:
    with httpx.Client(base_url=base_url, headers=AUTH) as api:
        return api.get(f"/api/v1/reviews/{review_id}/events").json()


def no_sideways_scroll(page) -> None:
    width = page.evaluate("() => document.documentElement.scrollWidth")
    wide = page.evaluate(
        """(limit) => Array.from(document.querySelectorAll('body *'))
        .filter((el) => el.getBoundingClientRect().right > limit + 1)
        .filter((el) => !el.parentElement || el.parentElement.getBoundingClientRect().right <= limit + 1)
        .slice(0, 5).map((el) => el.tagName + '.' + el.className + ' ' + Math.round(el.getBoundingClientRect().right))""",
        page.viewport_size["width"],
    )
    assert width <= page.viewport_size["width"], (
        f"the page is {width}px wide on a {page.viewport_size['width']}px screen: {wide}"
    )


# -- 1. do-not-engage has a workflow, and a spam review never becomes a clean draft ---------------------------
def test_do_not_engage_is_handled_escalated_or_drafted_anyway_never_clean(sign_in, seeded, viewport):
    spam = seeded["by_id"]["spam-ui-1"]
    context, page = sign_in(seeded["url"], "anna@example.com", viewport=VIEWPORTS[viewport])
    page.goto(f"/reviews/{spam['id']}")
    dne = page.locator("#dne")
    expect(dne).to_be_visible()
    expect(page.locator("#draft-text")).to_have_count(0)  # no empty draft box inviting "approve"
    expect(page.locator("#guard")).to_have_count(0)  # and no "Guard passed" anywhere
    page.keyboard.press("a")  # as found: `a` errored; now it explains what to do, and nothing is approved
    expect(page.locator("#flashes")).to_contain_text("Do not engage")
    page.keyboard.press("g")  # as found: g + Enter made a public reply marked "Guard passed"
    page.keyboard.press("Enter")
    assert api_draft(seeded["url"], spam["draft"]["id"])["status"] == "pending"
    assert api_draft(seeded["url"], spam["draft"]["id"])["version"] == 1
    shot(page, "dne", viewport)

    # mark handled: h, type why, Enter → decided, with who and why
    page.keyboard.press("h")
    expect(page.locator("#handled-reason")).to_be_focused()
    page.keyboard.type("advert for a money scheme, reported to google")
    page.keyboard.press("Enter")
    page.wait_for_url(lambda url: f"/reviews/{spam['id']}" not in url)
    assert api_draft(seeded["url"], spam["draft"]["id"])["status"] == "handled"
    handled = events(seeded["url"], spam["id"])[-1]
    assert handled["action"] == "handled" and handled["actor"] == "anna@example.com"
    assert handled["detail"]["reason"] == "advert for a money scheme, reported to google"
    page.goto("/queue?status=handled")
    expect(page.locator('[data-tab="handled"] [data-count]')).to_have_text("1")
    expect(page.locator("table.queue [data-reason]")).to_contain_text("advert for a money scheme")

    # reopen, then "draft anyway" with a reason: the draft stays flagged and can't be bulk-selected
    page.goto(f"/reviews/{spam['id']}")
    page.click('[data-action="reopen"]')
    expect(page.locator("#dne")).to_be_visible()
    page.fill("#anyway-reason", "the author is a real customer after all")
    page.click('[data-action="draft-anyway"]')
    expect(page.locator("#draft-text")).to_be_visible()
    expect(page.locator("#guard")).to_have_class(re.compile("guard-flagged"))
    expect(page.locator("#guard")).to_contain_text("do not engage")
    draft = api_draft(seeded["url"], spam["draft"]["id"])
    assert draft["flagged"] and "drafted_anyway" in draft["flags"] and draft["text"]
    page.goto("/queue")
    page.click("[data-select-clean]")
    assert not page.locator(f'input[name="ids"][value="{spam["draft"]["id"]}"]').is_checked()
    assert [e["action"] for e in events(seeded["url"], spam["id"])][-4:] == [
        "handled",
        "reopened",
        "draft_anyway",
        "regenerate",
    ]
    context.close()


def test_escalation_is_visible_and_waits_for_a_lead(sign_in, seeded, viewport):
    courier = seeded["by_id"]["b-3"]
    context, page = sign_in(seeded["url"], "anna@example.com", viewport=VIEWPORTS[viewport])
    page.goto(f"/reviews/{courier['id']}")
    page.click("#more-actions summary")
    page.fill("#escalate-note", "the customer threatens to go to the consumer authority")
    page.click('#more-actions [data-action="escalate"]')
    page.wait_for_url(lambda url: f"/reviews/{courier['id']}" not in url)
    page.goto("/queue?status=escalated")
    row = page.locator(f'tr[data-href^="/reviews/{courier["id"]}?"]')
    expect(row).to_contain_text("to a team lead")
    expect(page.locator('[data-tab="escalated"] [data-count]')).to_have_text("1")
    page.goto(f"/reviews/{courier['id']}")
    expect(page.locator("#escalated")).to_contain_text("consumer authority")
    expect(page.locator("#escalated")).to_contain_text("Only a team lead")
    page.click('[data-action="approve"]')
    expect(page.locator("#live-message")).to_contain_text("only they can decide")
    assert api_draft(seeded["url"], courier["draft"]["id"])["status"] == "escalated"
    shot(page, "escalated", viewport)
    context.close()
    lead_context, lead = sign_in(seeded["url"], "root@example.com", viewport=VIEWPORTS[viewport])
    lead.goto(f"/reviews/{courier['id']}")
    lead.click('[data-action="approve"]')
    lead.wait_for_url(lambda url: f"/reviews/{courier['id']}" not in url)
    assert api_draft(seeded["url"], courier["draft"]["id"])["status"] == "approved"
    lead_context.close()


# -- 2. failed reviews are visible, retried, or written by hand ------------------------------------------------
def test_failed_reviews_sit_in_the_queue_with_the_error_retry_and_write_it_yourself(
    sign_in, seeded, scripted_llm, viewport
):
    scripted_llm.set_rates(empty_choices=1.0)  # the model answers nothing usable
    with httpx.Client(base_url=seeded["url"], headers=AUTH) as api:
        ids = [
            api.post(
                "/api/v1/reviews",
                json={
                    "text": f"Order {n} came two days late and the box was wet.",
                    "source": "shop",
                    "external_id": f"down-{n}",
                    "rating": 2,
                },
            ).json()["id"]
            for n in (1, 2)
        ]
        deadline = time.monotonic() + 30
        while not all(
            api.get(f"/api/v1/reviews/{i}").json()["status"] == "failed"
            and api.get(f"/api/v1/reviews/{i}").json()["attempts"] >= 2
            for i in ids
        ):
            assert time.monotonic() < deadline, [api.get(f"/api/v1/reviews/{i}").json() for i in ids]
            time.sleep(0.2)
    context, page = sign_in(seeded["url"], "anna@example.com", viewport=VIEWPORTS[viewport])
    expect(page.locator('[data-tab="failed"] [data-count]')).to_have_text("2")
    page.goto("/queue?status=failed")
    expect(page.locator("table.queue tbody tr")).to_have_count(2)
    expect(page.locator("table.queue")).to_contain_text("LLMBadOutput")
    shot(page, "failed-tab", viewport)
    page.locator(f'tr[data-href^="/reviews/{ids[0]}?"] a.row-link').click()
    expect(page.locator("#failed-error")).to_contain_text("LLMBadOutput")
    written = "We are sorry your order came late and wet. We will look into it with the courier. The support team"
    page.fill("#write-text", written)
    page.click('[data-action="write"]')
    expect(page.locator("#draft-text")).to_have_value(written)
    shot(page, "written-by-hand", viewport)

    scripted_llm.set_rates()  # the model is back: Retry drafts the second one
    page.goto(f"/reviews/{ids[1]}")
    page.click('[data-action="retry"]')
    expect(page.locator("#flashes")).to_contain_text("Sent to the model again")
    with httpx.Client(base_url=seeded["url"], headers=AUTH) as api:
        deadline = time.monotonic() + 20
        while api.get(f"/api/v1/reviews/{ids[1]}").json()["status"] != "pending_approval":
            assert time.monotonic() < deadline
            time.sleep(0.1)
    page.reload()
    expect(page.locator("#draft-text")).to_be_visible()
    context.close()


# -- 5. reject is not a dead end -----------------------------------------------------------------------------------
def test_rejected_shows_its_reason_reopens_drafts_again_or_is_written_by_hand(sign_in, seeded, viewport):
    jug = seeded["by_id"]["b-1"]
    context, page = sign_in(seeded["url"], "anna@example.com", viewport=VIEWPORTS[viewport])
    page.goto(f"/reviews/{jug['id']}")
    page.keyboard.press("r")
    page.keyboard.type("promises a date we can't keep")
    page.keyboard.press("Enter")
    page.wait_for_url(lambda url: f"/reviews/{jug['id']}" not in url)
    page.goto("/queue?status=rejected")
    expect(page.locator("table.queue [data-reason]")).to_contain_text("promises a date we can't keep")
    page.goto(f"/reviews/{jug['id']}")
    page.fill('form[action$="/redraft"] input[name="instruction"]', "no dates")
    page.click('[data-action="redraft"]')
    expect(page.locator("#live-message")).to_contain_text("Drafted again")
    assert api_draft(seeded["url"], jug["draft"]["id"])["status"] == "pending"
    page.keyboard.press("Escape")
    page.keyboard.press("r")
    page.keyboard.type("still not right")
    page.keyboard.press("Enter")
    page.wait_for_url(lambda url: f"/reviews/{jug['id']}" not in url)
    page.goto(f"/reviews/{jug['id']}")
    page.click(".write-yourself summary")
    mine = "We are sorry the jug arrived cracked; a new jug is on its way. The support team"
    page.fill("#rewrite-text", mine)
    page.click('[data-action="rewrite"]')
    expect(page.locator("#draft-text")).to_have_value(mine)
    draft = api_draft(seeded["url"], jug["draft"]["id"])
    assert draft["status"] == "pending" and draft["text"] == mine
    actions = [e["action"] for e in events(seeded["url"], jug["id"])]
    assert actions[-6:] == ["rejected", "reopened", "regenerate", "rejected", "reopened", "edit"]
    shot(page, "reopened", viewport)
    context.close()


# -- 3, 4. nothing published by accident ----------------------------------------------------------------------
def test_a_stray_keystroke_is_never_published_and_e_starts_at_the_top(sign_in, seeded, viewport):
    thanks = seeded["by_id"]["b-2"]
    context, page = sign_in(seeded["url"], "anna@example.com", viewport=VIEWPORTS[viewport])
    page.goto(f"/reviews/{thanks['id']}")
    page.keyboard.press("e")
    editor = page.locator("#draft-text")
    expect(editor).to_be_focused()
    assert page.evaluate("() => document.querySelector('#draft-text').selectionStart") == 0  # not after the signature
    counter = page.locator('[data-counter-for="draft-text"]')
    expect(counter).to_have_text(re.compile(rf"^{len(thanks['draft']['text'])} / \d+ characters$"))
    page.keyboard.press("Control+End")
    page.keyboard.type("!a")
    expect(counter).to_contain_text(
        f"{len(thanks['draft']['text']) + 2} / "
    )  # as found: the agent thinks the focus left the editor; the keys land in the text
    page.keyboard.press("Escape")
    page.keyboard.press("a")
    expect(page.locator("#flashes")).to_contain_text("unsaved changes")
    draft = api_draft(seeded["url"], thanks["draft"]["id"])
    assert draft["status"] == "pending" and not draft["text"].endswith("a")
    # after saving on purpose (Ctrl+Enter leaves the cursor in the text), Esc then a approves exactly what was saved
    editor.fill(thanks["draft"]["text"])
    editor.press("Control+Enter")
    expect(page.locator("#live-message")).to_contain_text("Saved")
    expect(page.locator("#review-live")).not_to_have_class(re.compile(r"\bis-busy\b"))
    page.keyboard.press("Escape")
    page.keyboard.press("a")
    page.wait_for_url(lambda url: f"/reviews/{thanks['id']}" not in url)
    draft = api_draft(seeded["url"], thanks["draft"]["id"])
    assert draft["status"] == "approved" and draft["text"] == thanks["draft"]["text"]
    context.close()


def test_approving_a_flagged_draft_or_an_edit_with_new_issues_needs_a_confirmation_naming_them(
    sign_in, seeded, viewport
):
    latvian = seeded["by_id"]["b-4"]
    context, page = sign_in(seeded["url"], "anna@example.com", viewport=VIEWPORTS[viewport])
    page.goto(f"/reviews/{latvian['id']}")
    page.fill("#draft-text", PHONE_REPLY)  # an edit that brings a guard issue, approved straight away
    page.click('[data-action="approve"]')
    confirm = page.locator("#confirm-approve")
    expect(confirm).to_be_visible()
    flags = api_draft(seeded["url"], latvian["draft"]["id"])["flags"]
    assert flags, "the phone number is not in the brand facts: the guard must flag it"
    for flag in flags:
        expect(confirm).to_contain_text(flag.replace("_", " "))
    assert api_draft(seeded["url"], latvian["draft"]["id"])["status"] == "pending"
    shot(page, "confirm", viewport)
    page.keyboard.press("Escape")
    page.keyboard.press("a")  # the key alone never confirms: the flagged draft still waits
    expect(page.locator("#confirm-approve")).to_be_visible()
    assert api_draft(seeded["url"], latvian["draft"]["id"])["status"] == "pending"
    page.click('[data-action="confirm-approve"]')
    page.wait_for_url(lambda url: f"/reviews/{latvian['id']}" not in url)
    assert api_draft(seeded["url"], latvian["draft"]["id"])["status"] == "approved"
    context.close()


def test_undo_really_stops_the_webhook_for_approve_and_bulk_approve(sign_in, seeded, receiver):
    thanks, latvian, jug = seeded["by_id"]["b-2"], seeded["by_id"]["b-4"], seeded["by_id"]["b-1"]
    context, page = sign_in(seeded["url"], "anna@example.com")
    page.goto(f"/reviews/{thanks['id']}")
    page.keyboard.press("a")
    page.wait_for_url(lambda url: f"/reviews/{thanks['id']}" not in url)
    expect(page.locator("#undo-bar")).to_be_visible()
    page.keyboard.press("z")
    expect(page.locator("#flashes")).to_contain_text("Undone")
    assert api_draft(seeded["url"], thanks["draft"]["id"])["status"] == "pending"

    # bulk: preview first, then send, then undo
    page.goto("/queue")
    for draft_id in (latvian["draft"]["id"], jug["draft"]["id"]):
        page.check(f'input[name="ids"][value="{draft_id}"]')
    page.keyboard.press("a")
    expect(page.locator("[data-preview-draft]")).to_have_count(2)
    page.click("[data-bulk-send]")
    expect(page.locator("#undo-bar")).to_contain_text("Approved 2 draft(s)")
    page.click("[data-undo]")
    expect(page.locator("#flashes")).to_contain_text("Undone: 2 draft(s)")
    time.sleep(UNDO_SECONDS + 1.5)
    assert receiver.requests == []  # nothing left for the undone approvals

    # an approval nobody takes back goes out once the window has passed
    page.goto(f"/reviews/{thanks['id']}")
    page.keyboard.press("a")
    page.wait_for_url(lambda url: f"/reviews/{thanks['id']}" not in url)
    time.sleep(0.5)
    assert receiver.requests == []  # held for the window
    deadline = time.monotonic() + UNDO_SECONDS + 10
    while not receiver.requests:
        assert time.monotonic() < deadline, "the approval's webhook should fire after the undo window"
        time.sleep(0.1)
    assert b'"reply.approved"' in receiver.requests[0]["body"]
    with httpx.Client(base_url=seeded["url"], headers=AUTH) as api:
        late = api.post(f"/api/v1/drafts/{thanks['draft']['id']}/undo", json={"window_seconds": 3600})
        assert late.status_code == 409 and "already been sent" in late.json()["detail"]
    context.close()


# -- 6, 7, 9, 10. the phone, SLA, reasons, scanning ------------------------------------------------------------
def test_queue_review_and_insights_fit_the_screen(sign_in, seeded, viewport):
    context, page = sign_in(seeded["url"], "anna@example.com", viewport=VIEWPORTS[viewport])
    rows = page.locator("table.queue tbody tr")
    expect(rows).to_have_count(len(seeded["reviews"]))
    no_sideways_scroll(page)
    height = page.evaluate("() => document.documentElement.scrollHeight")
    assert height < 4000, f"the queue is {height}px tall for {len(seeded['reviews'])} rows"  # as found: 123,000 px
    width = VIEWPORTS[viewport]["width"]
    for selector in (".topbar", "[data-select-clean]", "[data-bulk-approve]", ".tabs"):
        box = page.locator(selector).bounding_box()
        assert box["x"] >= 0 and box["x"] + box["width"] <= width + 1, (selector, box)
    for i in range(rows.count()):
        assert rows.nth(i).bounding_box()["width"] > width * 0.8  # a list of cards, not 0px columns
    shot(page, "queue", viewport)
    if viewport == "desktop":
        per_screen = 900 / max(rows.nth(i).bounding_box()["height"] for i in range(rows.count()))
        print(f"\nqueue rows per 900px screen: {per_screen:.1f} (tallest row)")
        assert per_screen >= 9, f"only {per_screen:.1f} rows per screen"  # as found: ~6
    page.goto(f"/reviews/{seeded['by_id']['b-1']['id']}")
    no_sideways_scroll(page)
    shot(page, "review", viewport)
    page.goto("/insights")
    no_sideways_scroll(page)
    shot(page, "insights", viewport)
    context.close()


def test_sla_counts_from_posting_within_the_filter_and_the_badge_clears_the_stars(sign_in, seeded, viewport):
    old = seeded["by_id"]["old-1"]
    context, page = sign_in(seeded["url"], "anna@example.com", viewport=VIEWPORTS[viewport])
    row = page.locator(f'tr[data-href^="/reviews/{old["id"]}?"]')
    expect(row.locator(".sla-badge")).to_be_visible()  # posted 3 days ago, imported just now
    expect(page.locator("[data-overdue]")).to_contain_text("1 past SLA")
    assert page.locator("table.queue .sla-badge").count() == 1
    badge, stars = row.locator(".sla-badge").bounding_box(), row.locator(".stars").bounding_box()
    overlap = not (
        badge["x"] + badge["width"] <= stars["x"]
        or stars["x"] + stars["width"] <= badge["x"]
        or badge["y"] + badge["height"] <= stars["y"]
        or stars["y"] + stars["height"] <= badge["y"]
    )
    assert not overlap, (badge, stars)
    page.goto("/queue?rating=5")  # the headline counts within the filter
    expect(page.locator("[data-overdue]")).to_have_count(0)
    context.close()


def test_reasons_read_as_sentences_and_agents_correct_the_classification(sign_in, seeded, viewport):
    jug = seeded["by_id"]["b-1"]
    context, page = sign_in(seeded["url"], "anna@example.com", viewport=VIEWPORTS[viewport], timezone_id="Europe/Riga")
    page.goto(f"/reviews/{jug['id']}")
    when = page.locator("#audit time").first  # times in the agent's zone, UTC on hover
    expect(when).to_have_attribute("title", re.compile("UTC"))
    assert "UTC" not in when.inner_text() and re.search(r"\d\d:\d\d", when.inner_text())
    reasons = page.locator(".reasons li")
    expect(reasons.first).to_be_visible()
    for i in range(reasons.count()):
        code, text = reasons.nth(i).get_attribute("title"), reasons.nth(i).inner_text()
        assert code and text and (text != code or ":" not in code), (code, text)
    expect(page.locator(".reasons")).to_contain_text("rated 2★")
    page.click("#correct summary")
    page.fill('#correct input[name="topics"]', "quality, delivery")
    page.click('[data-action="correct"]')
    expect(page.locator("#flashes")).to_contain_text("corrected")
    corrected = events(seeded["url"], jug["id"])[-1]
    assert corrected["action"] == "corrected" and corrected["actor"] == "anna@example.com"
    assert corrected["detail"]["after"]["topics"] == ["delivery", "quality"]
    context.close()


def test_search_counts_mine_and_excerpts_help_scanning(sign_in, seeded, viewport):
    old, spam = seeded["by_id"]["old-1"], seeded["by_id"]["spam-ui-1"]
    context, page = sign_in(seeded["url"], "anna@example.com", viewport=VIEWPORTS[viewport])
    rows = page.locator("table.queue tbody tr")
    expect(page.locator('[data-tab="pending"] [data-count]')).to_have_text(str(len(seeded["reviews"])))
    page.select_option('select[name="rating"]', "5")  # htmx swaps the rows, and the counts follow the filter
    expect(page.locator('[data-tab="pending"] [data-count]')).to_have_text("3")
    expect(rows).to_have_count(3)
    for query in ("48213", "ilze", "КУРЬЕР", "old-1"):  # order number, author, text in any case, external id
        page.goto("/queue?search=" + query)
        expect(rows.first).to_be_visible()
        assert rows.count() == 1, query
    page.goto(f"/reviews/{old['id']}")
    page.keyboard.press("c")
    expect(page.locator("[data-claim-holder]")).to_contain_text("You hold this")
    page.goto("/queue?mine=yes")
    expect(rows).to_have_count(1)
    boris_context, boris = sign_in(seeded["url"], "boris@example.com", viewport=VIEWPORTS[viewport])
    boris.goto(f"/reviews/{old['id']}")  # her claim locks it for him until it expires
    boris.keyboard.press("a")
    expect(boris.locator("#live-message")).to_contain_text("claimed by anna@example.com")
    assert api_draft(seeded["url"], old["draft"]["id"])["status"] == "pending"
    boris_context.close()
    page.goto("/queue?sort=priority")  # do-not-engage is not on top of severity × age
    assert rows.last.get_attribute("data-draft-id") == str(spam["draft"]["id"])
    page.goto("/queue")  # new arrivals are announced without moving the rows under the cursor
    _ingest(
        seeded["url"],
        [{"text": "Arrived on time, nicely packed, thank you!", "source": "shop", "external_id": "new-1", "rating": 5}],
    )
    expect(page.locator("[data-arrivals]")).to_contain_text("1 new review arrived")
    expect(rows).to_have_count(len(seeded["reviews"]))
    page.click("[data-arrivals]")
    expect(rows).to_have_count(len(seeded["reviews"]) + 1)
    page.goto("/queue")  # a long review is cut at a word boundary, never mid-word
    shown = page.locator(f'tr[data-href^="/reviews/{seeded["by_id"]["long-1"]["id"]}?"] a.row-link').inner_text()
    assert shown.endswith("…") and len(shown) < len(LONG["text"])
    kept = shown[:-1]
    assert LONG["text"].startswith(kept) and LONG["text"][len(kept)] in " ,.", (kept, LONG["text"][len(kept) :][:10])
    context.close()


# -- translation for agents ------------------------------------------------------------------------------------
def test_agents_read_a_translation_marked_as_such_cached_and_logged(sign_in, seeded, scripted_llm, viewport):
    latvian = seeded["by_id"]["b-4"]
    translated: list[str] = []

    def respond(body: dict) -> str:
        system = " ".join(str(m.get("content", "")) for m in body.get("messages", []) if m.get("role") == "system")
        if "Translate the text" in system:
            translated.append(body["messages"][-1]["content"])
            return "Thank you, everything is great! Fast delivery and a kind courier."
        return fitting_responder(body)

    scripted_llm.responder = respond
    context, page = sign_in(seeded["url"], "anna@example.com", viewport=VIEWPORTS[viewport])
    page.goto(f"/reviews/{latvian['id']}")
    page.click('[data-translate="en"]')
    block = page.locator("#review-translation [data-translation]")
    expect(block).to_contain_text("Thank you, everything is great!")
    expect(block).to_contain_text("Machine translation into English")
    expect(block).to_contain_text("never sent")
    page.click('[data-translate="en"]')  # cached: no second model call
    expect(block).to_contain_text("Thank you, everything is great!")
    assert len(translated) == 1 and "Paldies" in translated[0]
    page.click(f'[data-translate-draft="{latvian["draft"]["id"]}"]')
    expect(page.locator("#draft-translation [data-translation]")).to_be_visible()
    assert len(translated) == 2 and "Atbalsta komanda" in translated[1]
    assert api_draft(seeded["url"], latvian["draft"]["id"])["text"] == latvian["draft"]["text"]  # never the reply
    page.reload()
    expect(page.locator(".calls")).to_contain_text("translate_for_agent")  # logged like every model call
    shot(page, "translation", viewport)
    page.goto("/queue")  # the bulk preview offers it too, before anything is sent
    page.check(f'input[name="ids"][value="{latvian["draft"]["id"]}"]')
    page.click("[data-bulk-approve]")
    page.click(f'[data-translate-draft="{latvian["draft"]["id"]}"]')
    expect(page.locator(f"#translation-{latvian['draft']['id']} [data-translation]")).to_be_visible()
    assert api_draft(seeded["url"], latvian["draft"]["id"])["status"] == "pending"
    context.close()
