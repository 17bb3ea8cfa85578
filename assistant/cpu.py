"""One thread for the CPU work done on untrusted review text (rules, prompt building, the guard).

Why one and why a thread: the event loop must keep answering (/health, the API) while a 20,000-character review is
read, so this work leaves the loop. Python's `re` holds the GIL for a whole call, though, so every thread doing
such calls makes the loop wait longer for its turn; a single thread keeps that wait to about one call (the
linear-time test keeps each call short: tests/unit/test_linear_time.py). Before this, the same work ran on the
loop itself, also one core at a time, so bulk throughput is unchanged."""

from __future__ import annotations

import asyncio
import contextvars
import functools
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any, TypeVar

T = TypeVar("T")
_CPU = ThreadPoolExecutor(max_workers=1, thread_name_prefix="text-cpu")


async def run_cpu(fn: Callable[..., T], /, *args: Any, **kwargs: Any) -> T:
    """`await run_cpu(check_draft, text, …)`: `fn(*args, **kwargs)` on the text-CPU thread."""
    context = contextvars.copy_context()  # the caller's context variables hold on the thread too
    return await asyncio.get_running_loop().run_in_executor(_CPU, functools.partial(context.run, fn, *args, **kwargs))
