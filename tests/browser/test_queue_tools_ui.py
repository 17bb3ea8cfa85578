"""Issue 21's work tools in Chromium at 1440×900 and 390×844: phrases (snippets) inserted into the draft at the
cursor with Ctrl+/, only those of the review's business and language, shown as text, the draft guarded as
always; saved queue filters per agent; the translation marked as one. Screenshots go to the artifacts."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests.browser.chromium import ARTIFACTS, CHROMIUM
from tests.browser.test_queue_ui import REVIEWS, USERS, _create_users, _ingest, fitting_responder

playwright_api = pytest.importorskip("playwright.sync_api")
expect = playwright_api.expect

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="Debian's chromium is not installed"),
]

VIEWPORTS = {"desktop": {"width": 1440, "height": 900}, "phone": {"width": 390, "height": 844}}
HOSTILE = "<img src=x onerror=\"document.title='owned'\"><b>bold</b>"


@pytest.fixture
def seeded(live_server, settings, scripted_llm) -> dict:
    scripted_llm.responder = fitting_responder
    _create_users(settings.database_url, *USERS)
    reviews = _ingest(live_server.url, REVIEWS)
    return {"url": live_server.url, "by_id": {r["external_id"]: r for r in reviews}}


def _shot(page, name: str) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / name), full_page=True)


def _no_sideways_scroll(page) -> None:
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")


def _add_phrase(page, business: str, language: str, key: str, text: str) -> None:
    page.goto("/snippets")
    form = page.locator("#snippet-form")
    form.locator('input[name="business"]').fill(business)
    form.locator('input[name="language"]').fill(language)
    form.locator('input[name="key"]').fill(key)
    form.locator('textarea[name="text"]').fill(text)
    form.locator('[data-action="add-snippet"]').click()
    expect(page.locator("#flashes")).to_contain_text(f"Saved the phrase '{key}'")


@pytest.mark.parametrize("viewport", list(VIEWPORTS))
def test_a_phrase_goes_into_the_draft_at_the_cursor_and_is_guarded(sign_in, seeded, viewport):
    context, page = sign_in(seeded["url"], "anna@example.com", viewport=VIEWPORTS[viewport])
    _add_phrase(page, "default", "en", "order", "Please reply with your order number.")
    _add_phrase(page, "default", "en", "call", "Call our manager on +371 2000 0000.")
    _add_phrase(page, "default", "en", "hostile", HOSTILE)
    _add_phrase(page, "default", "ru", "order", "Пришлите номер заказа.")
    _add_phrase(page, "kurjers-lv", "en", "courier", "Our couriers are insured.")
    expect(page.locator(".snippet-table td.snippet-text").filter(has_text="<b>bold</b>")).to_have_count(1)
    assert page.title() != "owned" and page.locator(".snippet-table b").count() == 0
    _no_sideways_scroll(page)
    _shot(page, f"tools-phrases-{viewport}.png")

    blender = seeded["by_id"]["b-1"]
    page.goto(f"/reviews/{blender['id']}")
    area = page.locator("#draft-text")
    draft = area.input_value()
    page.keyboard.press("Control+/")  # outside the editor: no picker
    expect(page.locator("#snippet-picker")).not_to_be_visible()

    area.focus()
    cut = draft.index("The support team")
    area.evaluate("(a, at) => a.setSelectionRange(at, at)", cut)
    page.keyboard.press("Control+/")
    picker = page.locator("#snippet-picker")
    expect(picker).to_be_visible()
    # only this review's business and language: no Russian phrase, no other business's
    expect(picker.locator("[data-snippet-key]")).to_have_count(3)
    assert "Пришлите" not in picker.inner_text() and "insured" not in picker.inner_text()
    expect(picker.locator("[data-snippet-key='hostile'] .snippet-text")).to_have_text(HOSTILE)  # as text
    assert picker.locator("img, b").count() == 0 and page.title() != "owned"
    _no_sideways_scroll(page)
    _shot(page, f"tools-picker-{viewport}.png")
    page.keyboard.type("ord")
    expect(picker.locator("li:not([hidden]) [data-snippet-key]")).to_have_count(1)
    page.keyboard.press("Enter")
    expect(picker).not_to_be_visible()
    inserted = draft[:cut] + "Please reply with your order number." + draft[cut:]
    if not draft[:cut].endswith((" ", "\n")):
        inserted = draft[:cut] + " Please reply with your order number." + draft[cut:]
    expect(area).to_have_value(inserted)
    assert page.evaluate("document.activeElement.id") == "draft-text"
    page.keyboard.type("a")  # the cursor stayed in the editor: a letter is text, not "approve"
    assert area.input_value().count("number.a") == 1
    page.keyboard.press("Backspace")

    # a phrase the guard objects to is saved as an edit and flagged as any edit would be
    page.keyboard.press("Control+/")
    page.keyboard.type("call")
    page.keyboard.press("Enter")
    page.keyboard.press("Control+Enter")
    expect(page.locator("#guard")).to_have_class(re.compile("guard-flagged"))
    expect(area).to_contain_text("+371 2000 0000")
    _shot(page, f"tools-phrase-guarded-{viewport}.png")

    # the review page adds a phrase for its own business and language
    page.locator("#add-snippet summary").click()
    page.locator('#add-snippet input[name="key"]').fill("thanks")
    page.locator('#add-snippet input[name="text"]').fill("Thank you for your patience.")
    page.locator('#add-snippet [data-action="add-snippet"]').click()
    expect(page.locator("#flashes")).to_contain_text("Saved the phrase 'thanks' for default · en")
    expect(page.locator("#snippet-list [data-snippet-key]")).to_have_count(4)
    context.close()


@pytest.mark.parametrize("viewport", list(VIEWPORTS))
def test_an_agent_saves_a_filter_and_reopens_it(sign_in, seeded, viewport):
    context, page = sign_in(seeded["url"], "anna@example.com", viewport=VIEWPORTS[viewport])
    page.select_option('#filters select[name="language"]', "ru")
    page.wait_for_url(re.compile(r"language=ru"))
    expect(page.locator("table.queue tbody tr[data-href]")).to_have_count(1)
    page.locator('#save-filter input[name="name"]').fill("Russian complaints")
    page.locator('[data-action="save-filter"]').click()
    expect(page.locator("#flashes")).to_contain_text("Saved the filter")
    page.goto("/queue")
    expect(page.locator("table.queue tbody tr[data-href]")).to_have_count(len(REVIEWS))
    link = page.locator('[data-saved-filter="Russian complaints"]')
    expect(link).to_be_visible()
    _no_sideways_scroll(page)
    _shot(page, f"tools-saved-filter-{viewport}.png")
    link.click()
    page.wait_for_url(re.compile(r"language=ru"))
    expect(page.locator("table.queue tbody tr[data-href]")).to_have_count(1)
    expect(page.locator('[data-saved-filter="Russian complaints"]')).to_have_attribute("aria-current", "true")
    context.close()

    other, boris = sign_in(seeded["url"], "boris@example.com", viewport=VIEWPORTS[viewport])
    expect(boris.locator("#saved-filters")).to_contain_text("none yet")  # saved filters are per agent
    other.close()


def test_a_translation_is_marked_as_one(sign_in, seeded, scripted_llm):
    context, page = sign_in(seeded["url"], "anna@example.com")
    russian = seeded["by_id"]["b-3"]
    page.goto(f"/reviews/{russian['id']}")
    scripted_llm.responder = lambda body: "The courier was rude and two hours late."
    page.locator('[data-translate="en"]').click()
    box = page.locator("#review-translation [data-translation]")
    expect(box).to_contain_text("Machine translation into English")
    expect(box).to_contain_text("never sent")
    expect(box.locator(".translation-text")).to_have_text("The courier was rude and two hours late.")
    context.close()
