"""Round trips to the batch's text process (assistant/cpu.py): this process's CPU and the wall time per call.

    python bench/text_process.py                      # 6,400 calls, 16 callers at once, 2 KB of text each
    python bench/text_process.py --calls 20000 --callers 32

A batch makes three such calls per review (rules, prompt, guard) from the process whose turnaround the model's
slots wait for, so what a call costs this process matters as much as its wall time. Rows: `pipe`, the text
process as the product runs it; `executor`, the same trivial call through `concurrent.futures.ProcessPoolExecutor`
(spawned, one worker, awaited with `asyncio.wrap_future`), which the text process used before: it hands each call
through two threads of this process. The called function only returns its argument: the figures are the channel's
cost, not the work's. Figures depend on the machine: its load is printed.
"""

from __future__ import annotations

import argparse
import asyncio
import multiprocessing
import os
import sys
import time
from collections.abc import Awaitable, Callable
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from assistant import cpu


def echo(value: object) -> object:
    return value


async def measure(call: Callable[[object], Awaitable[object]], calls: int, callers: int) -> tuple[float, float]:
    """(µs of this process's CPU per call, µs of wall time per call) with `callers` awaiting calls at once."""
    payload = ("ж" * 1000, 5, {"topics": ["delivery", "quality"]})
    await call(payload)  # the process is up and has imported what the call needs

    async def caller() -> None:
        for _ in range(calls // callers):
            await call(payload)

    cpu_started, started = time.process_time(), time.perf_counter()
    await asyncio.gather(*(caller() for _ in range(callers)))
    done = callers * (calls // callers)
    return 1e6 * (time.process_time() - cpu_started) / done, 1e6 * (time.perf_counter() - started) / done


async def through_pipe(calls: int, callers: int) -> tuple[float, float]:
    cpu.start_text_process()
    try:
        return await measure(lambda value: cpu.run_cpu(echo, value), calls, callers)
    finally:
        await cpu.stop_text_process()


async def through_executor(calls: int, callers: int) -> tuple[float, float]:
    executor = ProcessPoolExecutor(max_workers=1, mp_context=multiprocessing.get_context("spawn"))
    try:
        return await measure(lambda value: asyncio.wrap_future(executor.submit(echo, value)), calls, callers)
    finally:
        executor.shutdown()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, default=6400)
    parser.add_argument("--callers", type=int, default=16)
    parser.add_argument("--repeat", type=int, default=2)
    args = parser.parse_args()
    print(f"# {os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.1f}; {args.calls} calls, {args.callers} callers")
    print(f"{'channel':10} {'cpu µs/call':>12} {'wall µs/call':>13}")
    for _ in range(args.repeat):
        for name, run in (("pipe", through_pipe), ("executor", through_executor)):
            cpu_us, wall_us = asyncio.run(run(args.calls, args.callers))
            print(f"{name:10} {cpu_us:12.0f} {wall_us:13.0f}", flush=True)


if __name__ == "__main__":
    main()
