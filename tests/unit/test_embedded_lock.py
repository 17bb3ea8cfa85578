"""The embedded model's llama.cpp context serves one completion at a time, even when a caller gives up: its
completion runs on in a thread after the request was cancelled (a client timeout), and the next request must
wait for it rather than enter the same context (that crashed the process)."""

from __future__ import annotations

import asyncio
import threading
import time
from typing import Any

from assistant.llm.embedded import EmbeddedModel


class SlowModel(EmbeddedModel):
    """The real locking around a completion that takes 0.2 s and notes how many run at once."""

    def __init__(self) -> None:
        super().__init__(model_path=None)
        self.running = self.most = 0
        self._count = threading.Lock()

    def _complete_now(self, body: dict[str, Any]) -> dict[str, Any]:
        with self._count:
            self.running += 1
            self.most = max(self.most, self.running)
        time.sleep(0.2)
        with self._count:
            self.running -= 1
        return {"echo": body}


async def test_a_cancelled_completion_still_keeps_the_next_one_out():
    model = SlowModel()
    first = asyncio.create_task(model.complete({"n": 1}))
    await asyncio.sleep(0.05)  # its thread is inside the completion now
    first.cancel()
    second = await asyncio.wait_for(model.complete({"n": 2}), 5)
    assert first.cancelled() and second == {"echo": {"n": 2}}
    assert model.most == 1, "two completions ran in one llama.cpp context at once"
