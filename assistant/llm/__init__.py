"""`build_llm(settings)`: the configured OpenAI-compatible server, a local GGUF file run in-process
(`ASSISTANT_LLM_MODEL_PATH`), or the embedded default (SmolLM2-135M, with a draft time budget and a warning).

The `openai` SDK (3.x) is built on `httpx2`: its timeout, client and the embedded model's ASGI transport
must be httpx2 objects (an `httpx.Timeout` is refused).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path

import httpx2
import openai

from assistant.llm.client import LLM, CallLog, CallRecord, LLMReply, MemoryCallLog
from assistant.llm.completers import Completer, OpenAICompleter
from assistant.settings import Settings

__all__ = [
    "LLM",
    "CallLog",
    "CallRecord",
    "Completer",
    "LLMReply",
    "MemoryCallLog",
    "build_llm",
    "context_tokens",
]

Layer = Callable[[Completer], Completer]


def context_tokens(settings: Settings) -> int:
    """The configured model's context window: prompts are trimmed to fit it."""
    return settings.embedded_context if settings.llm_is_embedded else settings.llm_context_tokens


def build_llm(settings: Settings, call_log: CallLog | None = None, *, layers: Sequence[Layer] = ()) -> LLM:
    """The configured model behind the seam; each of `layers` wraps the completer before it (innermost first)."""
    timeout = httpx2.Timeout(settings.llm_timeout, connect=min(settings.llm_timeout, 10.0))
    draft_seconds, warning = None, None
    if settings.llm_is_embedded:
        # the embedded app (Litestar) adds 0.3 s to every `assistant` command at the top (python -X importtime)
        from assistant.llm.embedded import DRAFT_SECONDS, TINY_WARNING, EmbeddedModel, create_embedded_app

        path = settings.local_model_path
        if path is not None and not Path(path).is_file():  # a typo in the setting: say so at start, not per review
            raise ValueError(f"ASSISTANT_LLM_MODEL_PATH: no GGUF file at {path}")
        model = EmbeddedModel(path, n_ctx=settings.embedded_context, n_threads=settings.embedded_threads)
        transport = httpx2.ASGITransport(app=create_embedded_app(model))
        client = openai.AsyncOpenAI(
            base_url="http://embedded.local/v1",
            api_key="embedded",
            max_retries=0,
            timeout=timeout,
            http_client=httpx2.AsyncClient(transport=transport, timeout=timeout),
        )
        model_name = model.name
        if model.is_default:
            draft_seconds, warning = DRAFT_SECONDS, TINY_WARNING
    else:
        client = openai.AsyncOpenAI(
            base_url=settings.llm_base_url, api_key=settings.llm_api_key or "none", max_retries=0, timeout=timeout
        )
        model_name = settings.llm_model or "gpt-4o-mini"
    completer: Completer = OpenAICompleter(client, model_name)
    for layer in layers:
        completer = layer(completer)
    return LLM(
        completer,
        model_name,
        call_log=call_log,
        max_attempts=settings.llm_max_attempts,
        max_retry_wait=settings.llm_max_retry_wait,
        context_tokens=context_tokens(settings),
        draft_seconds=draft_seconds,
        warning=warning,
    )
