"""Model requests on an event loop of their own, in a thread: for bulk work (batch runs, queue workers).

A bulk process keeps a hundred model calls a second in flight while the same event loop classifies, guards
and stores reviews. There an answer that has arrived waits behind whatever CPU work is queued before it is
read, and the freed request slot waits again before the next request goes out: at L = 0.1 s the model's
slots sat idle ~8 ms between calls (`gap ms` in bench/batch.py). On a loop that does nothing but send
requests and read answers, that gap roughly halves. The reviews' own work stays on the caller's loop.

`OnModelThread(inner)` runs every attempt of `inner` (with whatever layers it holds, such as the rate limits)
on the thread; retries, token counts and the call log stay with `LLM`, on the caller's loop.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Coroutine
from typing import Any, TypeVar

from assistant.llm.completers import Completer, Completion

T = TypeVar("T")


class OnModelThread:
    """A completer that owns the thread and its loop; `close()` closes `inner` there, then stops the thread."""

    def __init__(self, inner: Completer):
        self.inner = inner
        self.loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self.loop.run_forever, name="model-requests", daemon=True)
        self._thread.start()

    async def complete(self, messages: list[dict[str, Any]], **params: Any) -> Completion:
        return await self.run(self.inner.complete(messages, **params))

    async def run(self, work: Coroutine[Any, Any, T]) -> T:
        """Await `work` on the model loop; cancelling the caller cancels it there too."""
        return await asyncio.wrap_future(asyncio.run_coroutine_threadsafe(work, self.loop))

    async def close(self) -> None:
        if not self._thread.is_alive():
            return
        try:
            await self.run(self.inner.close())
        finally:
            self.loop.call_soon_threadsafe(self.loop.stop)
            await asyncio.to_thread(self._thread.join, 10)
            if not self._thread.is_alive():
                self.loop.close()
