"""The fault soak (bench/fault_soak.py) at test size: reviews go in while the LLM answers 429s, 500s,
hangs past the client timeout and garbled JSON. Every review ends drafted or failed with a reason, none is
lost, none drafted twice; once the LLM is healthy, retrying the failed ones drafts them all."""

from __future__ import annotations

import logging

import pytest
from litestar.testing import AsyncTestClient

from assistant.server.app import create_app
from bench.fault_soak import soak
from tests.conftest import AUTH

N = 60


@pytest.fixture
def quiet_logs(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.ERROR)  # each survived fault is logged; a soak makes hundreds


async def test_soak_under_llm_faults_loses_nothing(settings, scripted_llm, quiet_logs) -> None:
    fast = settings.model_copy(update={"llm_timeout": 0.3, "llm_max_attempts": 3, "workers": 6})
    # The random faults make 3-14 reviews of 60 exhaust their attempts, depending on how the calls interleave (and
    # none, now and then, under a loaded CI machine). Failures are certain when the first calls all fail: a
    # review fails after 3 failed calls (or 6, if a first-stage call fails and the rules stand in for it), so
    # 6 workers' reviews cannot absorb 36 failures without one of them failing.
    scripted_llm.fail(500, times=6 * 6)
    async with AsyncTestClient(app=create_app(fast)) as client:
        client.headers.update(AUTH)
        result = await soak(
            client, scripted_llm, fast.resolved_database_url, n=N, hang_seconds=0.45, batch_size=25, settle_timeout=120
        )
    assert not result.problems, result.problems
    assert result.statuses["failed"] > 0, "with these fault rates some reviews must exhaust their attempts"
    assert result.statuses["pending_approval"] > 0
    assert result.after_retry["pending_approval"] == N
    assert result.llm_requests >= N, "the faults were served by the LLM, not skipped"
