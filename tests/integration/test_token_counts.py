"""The call log's token counts are the server's own (`usage`), through the real SDK and the scripted model server:
a model whose tokenizer is not cl100k (Llama, Qwen, Gemma behind vLLM, llama.cpp or Ollama) is logged, and its
cost reported, by its own count. A server that reports none, or zeros, is counted here with tiktoken instead."""

from __future__ import annotations

import pytest

from assistant.errors import LLMError
from assistant.llm import build_llm
from assistant.text.tokens import count_message_tokens, count_tokens
from tests.conftest import service_settings
from tests.support.scripted_llm import ScriptedLLM

MESSAGES = [
    {"role": "system", "content": "Reply to the customer in their language."},
    {"role": "user", "content": "Кур'єр запізнився на дві години, а чайник прийшов подряпаний."},
]


def _llm(server: ScriptedLLM, tmp_path):
    return build_llm(service_settings(f"sqlite:///{tmp_path}/unused.db", server, tmp_path))


async def test_the_call_log_keeps_the_tokens_the_server_counted(tmp_path):
    with ScriptedLLM(usage=lambda messages, answer: (1234, 56)) as server:
        llm = _llm(server, tmp_path)
        try:
            reply = await llm.chat("draft", MESSAGES, review_id=7)
        finally:
            await llm.close()
    (call,) = llm.call_log.calls
    assert (call.tokens_in, call.tokens_out) == (1234, 56) == (reply.tokens_in, reply.tokens_out)
    assert call.tokens_in != count_message_tokens(MESSAGES), "the server's count, not ours"


@pytest.mark.parametrize("usage", [None, lambda messages, answer: (0, 0)], ids=["no usage", "zeros"])
async def test_without_a_count_from_the_server_the_call_log_counts_with_tiktoken(tmp_path, usage):
    with ScriptedLLM(usage=usage) as server:
        llm = _llm(server, tmp_path)
        try:
            reply = await llm.chat("draft", MESSAGES)
        finally:
            await llm.close()
    (call,) = llm.call_log.calls
    assert reply.text and call.tokens_in == count_message_tokens(MESSAGES) > 0
    assert call.tokens_out == count_tokens(reply.text) > 0


async def test_a_failed_call_logs_the_prompts_tokens(tmp_path):
    with ScriptedLLM() as server:
        server.fail(400)
        llm = _llm(server, tmp_path)
        try:
            with pytest.raises(LLMError, match="400"):
                await llm.chat("draft", MESSAGES)
        finally:
            await llm.close()
    (call,) = llm.call_log.calls
    assert call.error and (call.tokens_in, call.tokens_out) == (count_message_tokens(MESSAGES), 0)
