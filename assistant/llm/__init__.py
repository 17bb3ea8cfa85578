"""`build_llm(settings)`: the configured OpenAI-compatible server, or the embedded default.

The `openai` SDK (3.x) is built on `httpx2`: its timeout, client and the embedded model's ASGI transport
must be httpx2 objects (an `httpx.Timeout` is refused).
"""

from __future__ import annotations

import httpx2
import openai

from assistant.llm.client import LLM, CallLog, CallRecord, LLMReply, MemoryCallLog
from assistant.settings import Settings

__all__ = ["LLM", "CallLog", "CallRecord", "LLMReply", "MemoryCallLog", "build_llm"]


def build_llm(settings: Settings, call_log: CallLog | None = None) -> LLM:
    timeout = httpx2.Timeout(settings.llm_timeout, connect=min(settings.llm_timeout, 10.0))
    if settings.llm_is_embedded:
        from assistant.llm.embedded import MODEL_NAME, EmbeddedModel, create_embedded_app

        model = EmbeddedModel(settings.embedded_model_path, n_ctx=settings.embedded_context,
                              n_threads=settings.embedded_threads)
        transport = httpx2.ASGITransport(app=create_embedded_app(model))
        client = openai.AsyncOpenAI(base_url="http://embedded.local/v1", api_key="embedded", max_retries=0,
                                    timeout=timeout,
                                    http_client=httpx2.AsyncClient(transport=transport, timeout=timeout))
        model_name, context_tokens = MODEL_NAME, settings.embedded_context
    else:
        client = openai.AsyncOpenAI(base_url=settings.llm_base_url, api_key=settings.llm_api_key or "none",
                                    max_retries=0, timeout=timeout)
        model_name, context_tokens = settings.llm_model or "gpt-4o-mini", settings.llm_context_tokens
    return LLM(client, model_name, call_log=call_log, max_attempts=settings.llm_max_attempts,
               max_retry_wait=settings.llm_max_retry_wait, context_tokens=context_tokens)
