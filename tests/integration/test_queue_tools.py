"""Issue 21's work tools through the API and the database, on both databases: snippets per business and
language, saved filters per user, corrections feeding insights and an eval dataset, the undo window as a
setting, the shared translation cache, and the API's explicit confirmation for approving a flagged draft."""

from __future__ import annotations

import asyncio
import json

import pytest
from litestar.testing import AsyncTestClient
from sqlalchemy import func, select
from typer.testing import CliRunner

from assistant.cli import app as cli
from assistant.db.engine import create_engine, session_factory
from assistant.db.models import LLMCall, Translation
from assistant.domain.saved_filters.service import SavedFilterService
from assistant.domain.snippets.service import SnippetService
from assistant.errors import Conflict, InvalidInput
from assistant.evaluation.classification import REQUIRED, load_cases
from assistant.llm import build_llm
from assistant.processing.database_call_log import DatabaseCallLog
from assistant.server.app import create_app
from assistant.settings import Settings
from assistant.web import translation
from tests.conftest import confirming, wait_for_status
from tests.integration.test_batch import cli_env

JUG = {
    "text": "The blender arrived with a cracked jug. Please send a new one.",
    "source": "shop",
    "external_id": "tools-1",
    "rating": 2,
}
PRAISE = {"text": "Lovely shop, quick delivery, thank you!", "source": "shop", "external_id": "tools-2", "rating": 5}


@pytest.fixture
async def sessions(settings: Settings):
    engine = create_engine(settings.resolved_database_url)
    yield session_factory(engine)
    await engine.dispose()


async def _drafted(client, review: dict) -> dict:
    created = (await client.post("/api/v1/reviews", json=review)).json()
    body = await wait_for_status(client, created["id"], "pending_approval", "failed")
    assert body["status"] == "pending_approval", body["error"]
    return body


async def test_snippets_are_kept_per_business_and_language(sessions):
    async with sessions() as session:
        service = SnippetService(session)
        await service.add(business="default", language="en", key="refund", text="We refund in 3 days.", actor="anna")
        await service.add(business="default", language="lv", key="refund", text="Atmaksa 3 dienās.", actor="anna")
        await service.add(business="kurjers-lv", language="en", key="refund", text="Courier refund.", actor="boris")
        with pytest.raises(Conflict):
            await service.add(business="default", language="en", key="refund", text="again", actor="boris")
        for bad in ({"key": "Has Space"}, {"key": ""}, {"language": "english!"}, {"text": " "}, {"text": "a\x00b"}):
            fields = {"business": "default", "language": "en", "key": "ok", "text": "fine", **bad}
            with pytest.raises(InvalidInput):
                await service.add(**fields, actor="anna")
        offered = await service.list(business="default", language="en")
        assert [(s.key, s.text) for s in offered] == [("refund", "We refund in 3 days.")]
        everything = await service.list()
        assert len(everything) == 3
        courier = next(s for s in everything if s.business == "kurjers-lv")
        with pytest.raises(Conflict):  # an agent removes only their own phrases
            await service.delete(courier.id, actor="anna", admin=False)
        await service.delete(courier.id, actor="root", admin=True)
        assert len(await service.list()) == 2


async def test_saved_filters_belong_to_their_owner(sessions):
    async with sessions() as session:
        anna, boris = SavedFilterService(session, "anna"), SavedFilterService(session, "boris")
        await anna.save("  Latvian   complaints ", "language=lv&action=apologize")
        await anna.save("Latvian complaints", "language=lv")  # the same name again replaces it
        await boris.save("Mine", "mine=yes")
        assert [(f.name, f.query) for f in await anna.list()] == [("Latvian complaints", "language=lv")]
        with pytest.raises(InvalidInput):
            await anna.save("", "language=lv")
        await boris.delete((await anna.list())[0].id)  # not his: nothing happens
        assert len(await anna.list()) == 1
        await anna.delete((await anna.list())[0].id)
        assert await anna.list() == [] and len(await boris.list()) == 1


async def test_api_approval_of_a_flagged_draft_needs_its_issues_named(client):
    body = await _drafted(client, JUG)
    draft = body["draft"]
    url = f"/api/v1/drafts/{draft['id']}"
    edited = await client.patch(url, json={"text": "Call +371 2000 0000 for a bonus. The support team", "version": 1})
    assert edited.status_code == 200 and edited.json()["flagged"], edited.text
    flagged = edited.json()
    refused = await client.post(f"{url}/approve", json={})
    problem = refused.json()
    assert refused.status_code == 409 and refused.headers["content-type"].startswith("application/problem+json")
    assert problem["issues"] == flagged["flags"] and problem["confirm"] == ",".join(sorted(flagged["flags"]))
    wrong = await client.post(f"{url}/approve", json={"confirm": "something_else"})
    assert wrong.status_code == 409
    assert (await client.get(url)).json()["draft"]["status"] == "pending"
    approved = await client.post(f"{url}/approve", json=confirming(flagged))
    assert approved.status_code == 200 and approved.json()["status"] == "approved"


async def test_the_undo_window_is_a_setting(settings):
    assert Settings().undo_seconds == 10.0
    async with AsyncTestClient(app=create_app(settings.model_copy(update={"undo_seconds": 0.0}))) as client:
        client.headers.update({"Authorization": f"Bearer {settings.bootstrap_api_key}"})
        body = await _drafted(client, JUG)
        url = f"/api/v1/drafts/{body['draft']['id']}"
        assert (await client.post(f"{url}/reject", json={"reason": "wrong facts"})).status_code == 200
        late = await client.post(f"{url}/undo")
        assert late.status_code == 409 and "too late" in late.json()["detail"]


def test_the_undo_window_comes_from_the_environment(monkeypatch):
    monkeypatch.setenv("ASSISTANT_UNDO_SECONDS", "25")
    assert Settings().undo_seconds == 25.0
    monkeypatch.setenv("ASSISTANT_UNDO_SECONDS", "-1")
    with pytest.raises(ValueError):
        Settings()


async def test_corrections_feed_insights_and_an_eval_dataset(client, settings, tmp_path):
    jug = await _drafted(client, JUG)
    await _drafted(client, PRAISE)
    before = (await client.get("/api/v1/insights", params={"weeks": 2})).json()
    assert "blender" not in {t["topic"] for t in before["topics"]}
    corrected = await client.post(
        f"/api/v1/reviews/{jug['id']}/classification",
        json={"action": "offer_fix", "topics": ["blender", "damage"], "language": "en"},
    )
    assert corrected.status_code == 200, corrected.text
    after = (await client.get("/api/v1/insights", params={"weeks": 2})).json()
    topics = {t["topic"]: t for t in after["topics"]}
    assert topics["blender"]["total"] == 1 and topics["blender"]["negative"] == 1
    assert {a["action"] for a in after["actions"]} >= {"offer_fix"}

    out = tmp_path / "corrected.jsonl"
    args = ["eval", "export-corrections", "--out", str(out)]
    result = await asyncio.to_thread(
        CliRunner().invoke, cli, args, env=cli_env(settings)
    )  # a command runs its own loop
    assert result.exit_code == 0, result.output
    assert "wrote 1 corrected review" in result.output
    cases = load_cases(out)  # the eval suite reads it as any dataset
    assert len(cases) == 1 and set(REQUIRED) <= set(cases[0])
    case = cases[0]
    assert case["text"] == JUG["text"] and case["actions"] == ["offer_fix"]
    assert case["topics"] == ["blender", "damage"] and case["language"] == "en" and case["tags"] == ["corrected"]
    assert set(case) == set(json.loads((settings.playbooks_dir.parent / "eval/datasets/smoke.jsonl").open().readline()))


async def test_translations_are_cached_in_the_database_logged_and_bounded(
    client, settings, scripted_llm, sessions, monkeypatch
):
    body = await _drafted(client, JUG)
    scripted_llm.reply("Блендер прибыл с треснувшей чашей.")
    async with sessions() as session:
        calls_before = (await session.execute(select(func.count()).select_from(LLMCall))).scalar_one()
        llm = build_llm(settings, DatabaseCallLog(sessions))  # the service's seam, on this test's loop
        first = await translation.translate(session, llm, JUG["text"], "ru", review_id=body["id"])
    # another process (a new session, no memory shared) gets it from the database, without the model
    async with sessions() as session:
        again = await translation.translate(session, None, JUG["text"], "ru", review_id=body["id"])
        calls = (await session.execute(select(LLMCall).where(LLMCall.template == translation.TEMPLATE))).scalars().all()
        total = (await session.execute(select(func.count()).select_from(LLMCall))).scalar_one()
    assert first == again == "Блендер прибыл с треснувшей чашей."
    assert len(calls) == 1 and calls[0].review_id == body["id"] and total == calls_before + 1
    monkeypatch.setattr(translation, "CACHE_SIZE", 2)
    async with sessions() as session:
        for n in range(4):
            scripted_llm.reply(f"перевод {n}")
            await translation.translate(session, llm, f"text {n}", "ru", review_id=None)
        kept = (await session.execute(select(Translation.translated).order_by(Translation.id))).scalars().all()
    assert kept == ["перевод 2", "перевод 3"]
