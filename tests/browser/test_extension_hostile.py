"""A hostile page beside the extension can't read or rewrite what the agent approves (issue 18, item 3), and
Insert never fills a box that isn't the review's (issue 22).

hostile-approve.html patches attachShadow to force open roots, looks for the panel's text boxes, and rewrites
the focused element with document.execCommand at the agent's press (pointerdown) or as the pointer passes over
the panel (pointerover). The real service and the scripted model run behind the extension."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import Browser, Site
from tests.browser.test_extension import BUTTON, PANEL, api, draft, model_drafts, open_page, panel, see

pytestmark = pytest.mark.browser

HOSTILE = ("hostile-approve.html", "rentals.test")
EVIL = "We will refund you in full and add a 50% discount. Call our manager at +1 555 0100."
CLEAN = "Greta, a cracked hull is not acceptable. We pulled that kayak from the fleet today. The support team"


def clean_drafts(scripted_llm: Any) -> None:
    """The model writes a reply the guard has nothing against, so only the page's tampering is in play."""
    model_drafts(scripted_llm, CLEAN)


def server_draft(live_server: Any) -> dict:
    status, review = api(live_server, "GET", "/api/v1/reviews/1")
    assert status == 200, review
    return review["draft"]


def type_in_draft(page: Page, text: str) -> None:
    """The agent clicks into the draft and types: the textarea has focus when they go for Approve."""
    panel(page, ".draft-text").click()
    page.keyboard.press("End")
    page.keyboard.type(text)


def test_the_page_cannot_see_into_the_panel(
    extension: Browser, review_site: Site, live_server: Any, scripted_llm: Any
) -> None:
    clean_drafts(scripted_llm)
    page = open_page(extension, review_site, HOSTILE, buttons=2)
    draft(page)
    seen = page.evaluate("""() => ({
        panelRoot: document.querySelector('review-assistant-panel').shadowRoot,
        buttonRoot: document.querySelector('review-assistant-button').shadowRoot,
        textareas: document.querySelectorAll('textarea').length,
        patched: window.__attack.roots,
        text: document.body.innerText.includes('pulled that kayak'),
    })""")
    # attachShadow patched in the page's world does not reach the extension's isolated world.
    assert seen == {"panelRoot": None, "buttonRoot": None, "textareas": 0, "patched": [], "text": False}


def test_approve_refuses_a_draft_rewritten_during_the_press(
    extension: Browser, review_site: Site, live_server: Any, scripted_llm: Any, shot
) -> None:
    clean_drafts(scripted_llm)
    page = open_page(extension, review_site, HOSTILE, buttons=2)
    draft(page)
    before = server_draft(live_server)
    type_in_draft(page, " See you on the water.")
    panel(page, ".approve").click()  # the page rewrites the focused draft on this pointerdown
    assert page.evaluate("window.__attack.rewrites") >= 1
    see(panel(page, ".notice")).to_contain_text("Not approved")
    see(panel(page, ".tamper")).to_be_visible()
    page.wait_for_timeout(500)
    after = server_draft(live_server)
    assert after["status"] == "pending" and after["version"] == before["version"] and after["text"] == before["text"]
    assert EVIL not in after["text"]
    shot(page, "hostile-approve-refused")
    # Pressing Approve again does not go through either while the foreign text is there.
    panel(page, ".approve").click()
    page.wait_for_timeout(500)
    assert server_draft(live_server)["status"] == "pending"
    # Restoring the saved text is the way back; then a clean press approves what the agent sees.
    page.evaluate("window.__attack.mode = 'off'")
    panel(page, ".restore").click()
    see(panel(page, ".draft-text")).to_have_value(before["text"])
    see(panel(page, ".tamper")).to_be_hidden()
    panel(page, ".approve").click()
    see(panel(page, ".draft-state")).to_contain_text("approved")
    approved = server_draft(live_server)
    assert approved["status"] == "approved" and approved["text"] == before["text"]


def test_approve_refuses_a_draft_rewritten_as_the_pointer_passes(
    extension: Browser, review_site: Site, live_server: Any, scripted_llm: Any
) -> None:
    clean_drafts(scripted_llm)
    page = open_page(extension, review_site, HOSTILE, buttons=2)
    draft(page)
    type_in_draft(page, " Thanks, Greta.")
    page.evaluate("window.__attack.mode = 'pointerover'")
    page.mouse.move(5, 5)
    panel(page, ".approve").click()  # moving onto the button rewrites the draft before the press starts
    assert page.evaluate("window.__attack.rewrites") >= 1
    see(panel(page, ".notice")).to_contain_text("Not approved")
    page.wait_for_timeout(500)
    stored = server_draft(live_server)
    assert stored["status"] == "pending" and EVIL not in stored["text"]


def test_save_and_regenerate_refuse_what_the_page_typed(
    extension: Browser, review_site: Site, live_server: Any, scripted_llm: Any
) -> None:
    """Saving the page's text would make it "the saved version"; an instruction typed by the page goes to the model."""
    clean_drafts(scripted_llm)
    page = open_page(extension, review_site, HOSTILE, buttons=2)
    draft(page)
    before = server_draft(live_server)
    type_in_draft(page, " Sorry again.")
    panel(page, ".save").click()  # the page rewrites the focused draft on this press
    see(panel(page, ".notice")).to_contain_text("Not saved")
    page.wait_for_timeout(500)
    assert server_draft(live_server)["version"] == before["version"]
    page.evaluate("window.__attack.mode = 'off'")
    panel(page, ".restore").click()
    requests = len(scripted_llm.requests)
    panel(page, ".instruction").click()
    page.keyboard.type("shorter")
    page.evaluate("window.__attack.mode = 'pointerdown'")
    panel(page, ".regenerate").click()  # the page types its own instruction into the focused field
    assert page.evaluate("window.__attack.rewrites") >= 2
    see(panel(page, ".notice")).to_contain_text("Not regenerated")
    see(panel(page, ".instruction")).to_have_value("")
    page.wait_for_timeout(500)
    assert len(scripted_llm.requests) == requests  # nothing reached the model
    assert server_draft(live_server)["version"] == before["version"]


def test_a_flagged_draft_needs_a_second_confirmation_naming_the_issues(
    extension: Browser, review_site: Site, live_server: Any, scripted_llm: Any, shot
) -> None:
    model_drafts(scripted_llm, EVIL)
    page = open_page(extension, review_site, HOSTILE, buttons=2)
    draft(page)
    stored = server_draft(live_server)
    codes = [issue["code"].replace("_", " ") for issue in stored["guard_issues"]] + [
        f.replace("_", " ") for f in stored["flags"]
    ]
    assert stored["flagged"] and codes, stored
    panel(page, ".approve").click()
    see(panel(page, ".confirm")).to_be_visible()
    for code in codes:
        see(panel(page, ".confirm-text")).to_contain_text(code)
    page.wait_for_timeout(400)
    assert server_draft(live_server)["status"] == "pending"  # the first press approved nothing
    shot(page, "flagged-confirm")
    panel(page, ".confirm-cancel").click()
    see(panel(page, ".confirm")).to_be_hidden()
    assert server_draft(live_server)["status"] == "pending"
    # A script on the page can't press the confirmation for the agent either.
    page.evaluate(
        "() => document.querySelector('review-assistant-panel').dispatchEvent(new MouseEvent('click', {bubbles: true}))"
    )
    panel(page, ".approve").click()
    panel(page, ".confirm-approve").click()
    see(panel(page, ".draft-state")).to_contain_text("approved")
    assert server_draft(live_server)["status"] == "approved"


def test_insert_uses_only_the_reviews_box_or_one_the_agent_clicked(
    extension: Browser, review_site: Site, live_server: Any, shot
) -> None:
    # A dealer page: no reply box in the cards, a contact form and a search field elsewhere.
    page = open_page(extension, review_site, ("shapes/dealerrater.html", "dealer.test"), buttons=4)
    draft(page)
    panel(page, ".insert").click()
    see(panel(page, ".notice")).to_contain_text("No reply box next to this review")
    expect(page.locator("textarea[name='message']")).to_have_value("")
    expect(page.locator("#dealer-search")).to_have_value("")
    page.locator("#dealer-search").click()  # a search field, even clicked, is never a reply box
    page.locator("textarea[name='message']").click()  # nor a contact form's message
    panel(page, ".insert").click()
    see(panel(page, ".notice")).to_contain_text("No reply box next to this review")
    expect(page.locator("textarea[name='message']")).to_have_value("")
    expect(page.locator("#dealer-search")).to_have_value("")
    page.close()

    # A shop page: the moderation box is outside the cards; it counts once the agent clicks it after opening.
    page = open_page(extension, review_site, ("shapes/jsonld-only.html", "shop.test"), buttons=4)
    page.locator("#shop-answer").click()  # clicked before the panel opened: not a choice for this review
    draft(page)
    panel(page, ".insert").click()
    see(panel(page, ".notice")).to_contain_text("No reply box next to this review")
    expect(page.locator("#shop-answer")).to_have_value("")
    page.locator("#shop-answer").click()
    panel(page, ".insert").click()
    text = panel(page, ".draft-text").input_value()
    expect(page.locator("#shop-answer")).to_have_value(text)
    see(panel(page, ".notice")).to_contain_text("Відповідь магазину на обраний відгук")  # the notice names the box
    expect(page.locator("input[type='search']")).to_have_value("")
    shot(page, "insert-clicked-box")


def test_insert_names_the_box_inside_the_card(extension: Browser, review_site: Site, live_server: Any) -> None:
    page = open_page(extension, review_site, ("reviews-en.html", "reviews.test"), buttons=3)
    draft(page)
    panel(page, ".insert").click()
    expect(page.locator("textarea[data-reply-for='review-8812']")).to_have_value(
        panel(page, ".draft-text").input_value()
    )
    see(panel(page, ".notice")).to_contain_text("next to this review")
    assert page.locator(PANEL).count() == 1 and page.locator(BUTTON).count() == 3
