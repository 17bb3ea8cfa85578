"""`build_runtime` (assistant/runtime.py): one assembly for the service, the workers, batch runs and the estimator,
the mode deciding the model's layers, the call log and how results are stored — and nothing else."""

from __future__ import annotations

import logging
import shutil

import pytest

from assistant.batch.estimate import profile_pipeline
from assistant.batch.reader import Row
from assistant.domain.reviews.schemas import ReviewIn
from assistant.llm.completers import OpenAICompleter
from assistant.llm.model_thread import OnModelThread
from assistant.llm.scripted import ScriptedCompleter
from assistant.processing.buffered_call_log import BufferedCallLog
from assistant.processing.bulk import CountingCallLog
from assistant.processing.rate_limits import RateLimited, RateLimiter
from assistant.runtime import build_runtime
from assistant.settings import PROJECT_ROOT, Settings


@pytest.fixture
def runtime_settings(scripted_llm, tmp_path) -> Settings:
    playbooks = tmp_path / "playbooks"
    shutil.copytree(PROJECT_ROOT / "playbooks", playbooks)
    (playbooks / "broken.yaml").write_text("business: [unclosed\n", encoding="utf-8")
    return Settings(
        database_url=f"sqlite:///{tmp_path}/runtime.db",
        data_dir=tmp_path,
        playbooks_dir=playbooks,
        llm_base_url=scripted_llm.base_url,
        llm_model="scripted",
        llm_requests_per_minute=600,
        rules_budget_seconds=2.5,
        worker_concurrency=3,
    )


@pytest.mark.parametrize("mode", ["server", "worker", "batch", "estimate"])
async def test_every_mode_assembles_the_same_pipeline_and_logs_playbook_errors_once(mode, runtime_settings, caplog):
    caplog.set_level(logging.ERROR, logger="assistant.runtime")
    runtime = build_runtime(runtime_settings, mode)
    try:
        assert runtime.pipeline.rules_budget == 2.5, "the rules' budget comes from the settings in every mode"
        assert runtime.pipeline.llm is runtime.llm and runtime.pipeline.playbooks is runtime.playbooks
        assert [r.getMessage()[:16] for r in caplog.records] == ["playbook skipped"], "logged once, here"
        assert runtime.llm.model == ("stand-in" if mode == "estimate" else "scripted")
    finally:
        await runtime.close()


async def test_the_mode_decides_the_model_layers(runtime_settings):
    server = build_runtime(runtime_settings, "server")
    await server.close()
    assert isinstance(server.llm.completer, OpenAICompleter) and server.limiter is None
    assert server.pipeline.writer is None

    worker = build_runtime(runtime_settings, "worker")
    try:
        on_thread = worker.llm.completer
        assert isinstance(on_thread, OnModelThread), "bulk: requests on the model thread…"
        assert isinstance(on_thread.inner, RateLimited) and on_thread.inner.limiter is worker.limiter, "…rate-limited…"
        assert isinstance(on_thread.inner.inner, OpenAICompleter), "…to the configured model"
        assert worker.limiter.requests is not None and worker.limiter.slots._value == 3, "the settings' limits"
        assert isinstance(worker.call_log, BufferedCallLog) and worker.pipeline.writer is not None
    finally:
        await worker.close()
    assert not on_thread._thread.is_alive(), "closing the runtime stops the model thread"

    limiter = RateLimiter(concurrency=5)
    batch = build_runtime(runtime_settings, "batch", sessions=server.sessions, limiter=limiter)
    await batch.close()
    assert batch.llm.completer.inner.limiter is limiter and isinstance(batch.call_log, CountingCallLog)
    assert batch.engine is None, "lent sessions stay the caller's to dispose"

    estimate = build_runtime(runtime_settings, "estimate")
    await estimate.close()
    assert isinstance(estimate.llm.completer, ScriptedCompleter) and estimate.llm.max_attempts == 1


async def test_the_estimator_runs_the_real_pipeline_and_never_calls_the_model(runtime_settings, scripted_llm):
    rows = [
        Row(n + 1, ReviewIn(source="est", external_id=f"r-{n}", rating=2, text=text), None)
        for n, text in enumerate(["Курьер опоздал на два часа, суп остыл.", "The soup was cold and late. " * 5])
    ]
    profile = await profile_pipeline(rows, runtime_settings)
    assert scripted_llm.served == 0, "the configured model was never called"
    assert profile.sample == 2 and profile.calls >= 1 and profile.base > 0 and profile.out_ceiling >= profile.calls
