"""A complaint that mentions a court or a regulator is a customer: over HTTP it gets a draft, and the API says it is
escalated (`escalate`, `escalate_reason`; stored as needs_human + an "escalate:" reason, no new column), on both
databases, with the scripted LLM server behind the real SDK. Spam is still refused."""

from __future__ import annotations

from tests.conftest import wait_for_status

LEGAL = {
    "text": "Договор на ремонт подписали, мастер не пришёл, деньги не вернули. Пишу жалобу в Роспотребнадзор.",
    "source": "google",
    "external_id": "esc-1",
    "rating": 1,
}
POLICY = {
    "text": "The return policy is unclear and nobody answers the support chat.",
    "source": "google",
    "external_id": "esc-2",
    "rating": 2,
}
SPAM = {
    "text": "Быстрый заработок без вложений, пиши в телеграм @easy_money_ru",
    "source": "google",
    "external_id": "esc-3",
    "rating": 5,
}


async def test_a_legal_complaint_is_drafted_and_escalated(client, scripted_llm):
    created = (await client.post("/api/v1/reviews", json=LEGAL)).json()
    body = await wait_for_status(client, created["id"], "pending_approval", "failed")
    assert body["status"] == "pending_approval", body["error"]
    classification = body["classification"]
    assert classification["action"] != "do_not_engage" and classification["dne_kind"] is None
    assert classification["escalate"] is True and classification["escalate_reason"] == "legal"
    assert classification["needs_human"] is True and "escalate:legal" in classification["reasons"]
    assert body["draft"]["text"], "an unhappy customer gets a draft"
    prompts = [" ".join(str(m.get("content", "")) for m in r["messages"]) for r in scripted_llm.requests]
    assert any("admit no liability" in p and "Роспотребнадзор" in p for p in prompts), "the draft prompt knows"


async def test_policy_is_not_police_and_spam_is_still_refused(client):
    policy = (await client.post("/api/v1/reviews", json=POLICY)).json()
    spam = (await client.post("/api/v1/reviews", json=SPAM)).json()
    policy = (await wait_for_status(client, policy["id"], "pending_approval", "failed"))["classification"]
    spam = (await wait_for_status(client, spam["id"], "pending_approval", "failed"))["classification"]
    assert policy["action"] != "do_not_engage" and policy["escalate"] is False and policy["escalate_reason"] is None
    assert not any(r.startswith("stop_word:") for r in policy["reasons"])
    assert spam["action"] == "do_not_engage" and spam["dne_kind"] == "spam" and spam["escalate"] is False
