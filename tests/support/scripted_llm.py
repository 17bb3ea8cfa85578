"""A real HTTP server that plays an OpenAI-compatible API, for tests and benchmarks.

The `openai` SDK talks to it over a socket exactly as to OpenAI. Behaviour is scripted: queue faults
(429 with Retry-After, 500, hangs, invalid JSON, empty choices) or replies with `script(...)`, set random
fault rates, a fixed latency, or a responder function; by default it answers as the in-process scripted model
does (`assistant/llm/scripted.py`): drafts with a plain, specific reply in the review's language, structured
calls with JSON that fits the requested schema. Like real servers (OpenAI, vLLM, llama.cpp, Ollama) it reports each
answer's `usage`, counted with cl100k, or by `usage(messages, answer)` (another model's tokenizer; `estimated_usage`
for benchmarks); `usage=None` plays a server that reports none.
"""

from __future__ import annotations

import json
import random
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from assistant.llm.scripted import Responder
from assistant.processing.stand_in import default_responder
from assistant.text.tokens import count_message_tokens, count_tokens

Usage = Callable[[list[dict[str, Any]], str], tuple[int, int]]  # (messages, answer) → (prompt, answer) tokens


def cl100k_usage(messages: list[dict[str, Any]], answer: str) -> tuple[int, int]:
    return count_message_tokens(messages), count_tokens(answer)


def estimated_usage(messages: list[dict[str, Any]], answer: str) -> tuple[int, int]:
    """About four characters a token: for benchmarks, where the stand-in shares the machine with what is measured
    and a real server's count costs the client nothing (cl100k counts every prompt and answer in its process)."""
    prompt = sum(len(str(message.get("content") or "")) for message in messages)
    return max(1, prompt // 4), max(1, len(answer) // 4)


class _Server(ThreadingHTTPServer):
    def handle_error(self, request: Any, client_address: Any) -> None:
        """A client that gave up on a hang closed its socket: expected in fault runs, not worth a traceback."""
        import sys

        if not isinstance(sys.exc_info()[1], ConnectionError):
            super().handle_error(request, client_address)


@dataclass
class Fault:
    kind: str  # reply | status | hang | bad_json | empty_choices
    status: int = 200
    headers: dict[str, str] = field(default_factory=dict)
    text: str = ""
    seconds: float = 0.0


class ScriptedLLM:
    """Start with `with ScriptedLLM() as llm:`; point the SDK at `llm.base_url`."""

    def __init__(
        self,
        responder: Responder = default_responder,
        *,
        latency: float = 0.0,
        seed: int = 0,
        usage: Usage | None = cl100k_usage,
    ):
        self.responder = responder
        self.latency = latency
        self.usage = usage
        self.script: deque[Fault] = deque()
        self.rates: list[tuple[float, Fault]] = []
        self.requests: list[dict[str, Any]] = []
        self.served = 0
        self.in_flight = 0
        self.max_in_flight = 0  # the most chat requests it was answering at once
        self.spans: list[tuple[float, float]] = []  # (arrived, answered) of each chat request, time.monotonic()
        self._random = random.Random(seed)
        self._lock = threading.Lock()
        self._server = _Server(("127.0.0.1", 0), self._handler_class())
        self._server.daemon_threads = True
        self._thread: threading.Thread | None = None

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}/v1"

    # -- scripting ------------------------------------------------------------------------------
    def reply(self, *texts: str) -> None:
        self.script.extend(Fault("reply", text=t) for t in texts)

    def fail(self, status: int, times: int = 1, retry_after: float | None = None) -> None:
        headers = {"Retry-After": str(retry_after)} if retry_after is not None else {}
        self.script.extend(Fault("status", status=status, headers=headers) for _ in range(times))

    def hang(self, seconds: float, times: int = 1) -> None:
        self.script.extend(Fault("hang", seconds=seconds) for _ in range(times))

    def bad_json(self, times: int = 1) -> None:
        self.script.extend(Fault("bad_json") for _ in range(times))

    def empty_choices(self, times: int = 1) -> None:
        self.script.extend(Fault("empty_choices") for _ in range(times))

    def set_rates(self, *, hang_seconds: float = 30.0, **rates: float) -> None:
        """Random faults per request, e.g. set_rates(rate_limit=0.3, server_error=0.1, hang=0.05, bad_json=0.05).
        A hang lasts `hang_seconds`: just past the client's timeout keeps a soak run fast."""
        faults = {
            "rate_limit": Fault("status", status=429, headers={"Retry-After": "0.05"}),
            "server_error": Fault("status", status=500),
            "hang": Fault("hang", seconds=hang_seconds),
            "bad_json": Fault("bad_json"),
            "empty_choices": Fault("empty_choices"),
        }
        self.rates = [(rate, faults[name]) for name, rate in rates.items()]

    def _next_fault(self) -> Fault | None:
        with self._lock:
            self.served += 1
            if self.script:
                return self.script.popleft()
            roll = self._random.random()
            for rate, fault in self.rates:
                if roll < rate:
                    return fault
                roll -= rate
        return None

    # -- serving --------------------------------------------------------------------------------
    def _usage(self, body: dict[str, Any], text: str | None) -> dict[str, Any]:
        if self.usage is None:
            return {}
        prompt, answer = self.usage(body.get("messages") or [], text or "")
        return {"usage": {"prompt_tokens": prompt, "completion_tokens": answer, "total_tokens": prompt + answer}}

    def _handler_class(self) -> type[BaseHTTPRequestHandler]:
        scripted = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            # Headers and body go out in two writes; with Nagle's algorithm the body would wait for the client's
            # delayed ACK (~40 ms) on a kept-alive connection, as no real model server makes anyone wait.
            disable_nagle_algorithm = True

            def log_message(self, *args: Any) -> None:  # keep test output clean
                pass

            def _send(self, status: int, payload: bytes, headers: dict[str, str] | None = None) -> None:
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(payload)))
                for name, value in (headers or {}).items():
                    self.send_header(name, value)
                self.end_headers()
                self.wfile.write(payload)

            def do_GET(self) -> None:
                self._send(
                    200, json.dumps({"object": "list", "data": [{"id": "scripted", "object": "model"}]}).encode()
                )

            def do_POST(self) -> None:
                arrived = time.monotonic()
                body = json.loads(self.rfile.read(int(self.headers.get("Content-Length") or 0)) or b"{}")
                with scripted._lock:
                    scripted.requests.append(body)
                    scripted.in_flight += 1
                    scripted.max_in_flight = max(scripted.max_in_flight, scripted.in_flight)
                try:
                    self._answer(body, arrived)
                finally:
                    with scripted._lock:
                        scripted.in_flight -= 1
                        scripted.spans.append((arrived, time.monotonic()))

            def _answer(self, body: dict[str, Any], arrived: float) -> None:
                fault = scripted._next_fault()
                text = None
                if not (fault and fault.kind in ("status", "bad_json", "empty_choices")):
                    # worked out within the latency, as a model server's own work is part of its latency: the
                    # answer leaves `latency` after the request came, however long the responder took (~1 ms)
                    text = fault.text if fault and fault.kind == "reply" else scripted.responder(body)
                usage = scripted._usage(body, text)
                if scripted.latency:
                    time.sleep(max(0.0, arrived + scripted.latency - time.monotonic()))
                if fault and fault.kind == "hang":
                    time.sleep(fault.seconds)
                    fault = None
                if fault and fault.kind == "status":
                    error = {"error": {"message": f"scripted {fault.status}", "type": "scripted", "code": None}}
                    return self._send(fault.status, json.dumps(error).encode(), fault.headers)
                if fault and fault.kind == "bad_json":
                    return self._send(200, b'{"id": "x", "choices": [{"message": ')
                choices: list[dict[str, Any]] = []
                if text is not None:
                    choices = [{"index": 0, "finish_reason": "stop", "message": {"role": "assistant", "content": text}}]
                payload = {
                    "id": f"chatcmpl-{scripted.served}",
                    "object": "chat.completion",
                    "created": int(time.time()),
                    "model": body.get("model", "scripted"),
                    "choices": choices,
                    **usage,
                }
                self._send(200, json.dumps(payload, ensure_ascii=False).encode())

        return Handler

    def start(self) -> ScriptedLLM:
        self._thread = threading.Thread(target=self._server.serve_forever, name="scripted-llm", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    def __enter__(self) -> ScriptedLLM:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
