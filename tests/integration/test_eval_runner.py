"""The eval runner end to end on smoke.jsonl: the real classify → draft → guard pipeline, a scripted LLM
object, the disk cache, the report, compare and the gate.

Two scripted "prompts": one answers each review with a specific reply in its language, the other with the
same stock phrases for everyone (and obeys any code the review asks for). The second must show up as a
regression; a rerun of the first must come entirely from the cache.
"""

from __future__ import annotations

import json
import os
from typing import Any

import pytest
from typer.testing import CliRunner

from assistant.domain.drafting.cliches import CLICHES
from assistant.domain.drafting.variety import words
from assistant.evaluation.classification import load_cases
from assistant.evaluation.cli import app
from assistant.evaluation.gate import check_gate, load_baseline, make_baseline, write_baseline
from assistant.evaluation.report import compare, render_compare_text, write_report
from assistant.evaluation.runner import run_eval
from assistant.llm import LLMReply, build_llm
from assistant.playbooks import PlaybookRegistry
from assistant.settings import PROJECT_ROOT, Settings

SMOKE = PROJECT_ROOT / "eval" / "datasets" / "smoke.jsonl"
SMOKE_BASELINE = PROJECT_ROOT / "eval" / "baseline" / "smoke.json"
SPECIFIC = {
    "ru-smoke-001": "Как приятно читать, что торт к дню рождения дочери получился с нежным кремом, а курьер успел "
    "минута в минуту. Передадим это кондитерам и службе доставки.",
    "ru-smoke-002": "Чайник с трещиной на крышке — это брак, пользоваться им действительно страшно. Мы заменим его: "
    "напишите в поддержку номер заказа, и новый чайник отправим сразу.",
    "uk-smoke-001": "Нам дуже прикро, що кур'єр кинув пакет біля дверей і навіть не подзвонив. Так не має бути: ми "
    "передали цей випадок службі доставки.",
    "uk-smoke-002": "Розуміємо, як прикро, що подарунок до дня народження запізнився на три дні і вже не знадобився. "
    "Ми з'ясовуємо зі службою доставки, чому посилка затрималася.",
    "uk-smoke-003": "Олег буде радий дізнатися, що ви помітили, як він пам'ятає ваше замовлення. Дуже приємно, що кава "
    "вам смакує — приходьте за улюбленою чашкою.",
    "lv-smoke-001": "Prieks dzirdēt, ka pārdevēja palīdzēja atrast pareizo izmēru un kurpes der perfekti. Nodosim "
    "viņai Jūsu labos vārdus.",
    "lv-smoke-002": "Atvainojamies, ka zilās jakas vietā saņēmāt zaļu — tā ir mūsu kļūda. Mēs apmainīsim jaku: "
    "uzrakstiet atbalstam pasūtījuma numuru, un nosūtīsim zilo.",
    "en-smoke-001": "A blender whose motor only hums after two weeks is faulty, and we are sorry it let you down. We "
    "will repair it under warranty: write to support@example.com with your order number.",
    # a complaint that mentions a court and a regulator is answered (issue 19), carefully: no refund promised
    "lv-smoke-003": "Saprotam, ka gaidāt savu naudu līdz piektdienai, un kavēšanās jūs pamatoti satrauc. Lūdzu, "
    "uzrakstiet uz support@example.com ar pasūtījuma numuru: vadītājs jums piezvanīs vienas darba "
    "dienas laikā un izskatīs jūsu gadījumu.",
}
STOCK = {lang: f"{phrases[0]}. {phrases[7]}. {phrases[10]}." for lang, phrases in CLICHES.items()}


class FakeLLM:
    """Scripted `chat` / `chat_json`: finds which smoke case a prompt is about by the review's first words."""

    def __init__(self, cases: list[dict], *, model: str, stock: bool = False):
        self.cases = cases
        self.model = model
        self.stock = stock
        self.calls: list[str] = []

    def _case(self, messages: list[dict]) -> dict:
        said = " ".join(words(" ".join(str(m.get("content", "")) for m in messages)))
        for case in self.cases:
            if " ".join(words(case["text"])[:6]) in said:
                return case
        raise AssertionError("the prompt carries no smoke review")

    async def chat(
        self,
        template: str,
        messages: list[dict],
        *,
        review_id: Any = None,
        max_tokens: int = 400,
        temperature: float = 0.7,
        **params: Any,
    ) -> LLMReply:
        self.calls.append(template)
        case = self._case(messages)
        if self.stock:
            text = STOCK[case["language"]] + (f" {case['canary']}" if case.get("canary") else "")
        else:
            text = SPECIFIC.get(case["id"], STOCK[case["language"]])
        return LLMReply(text=text, model=self.model, tokens_in=10, tokens_out=10, latency_ms=1, attempts=1)

    async def chat_json(
        self, template: str, messages: list[dict], *, schema: dict, review_id: Any = None, max_tokens: int = 300
    ) -> dict:
        self.calls.append(template)
        case = self._case(messages)
        answer: dict[str, Any] = {}
        for name, sub in schema.get("properties", {}).items():
            kind = sub.get("type")
            if name == "action":
                answer[name] = case["actions"][0]
            elif name == "topics":
                answer[name] = list(case["topics"])
            elif name == "severity":
                answer[name] = 3
            elif name == "fixable":
                answer[name] = case["actions"][0] == "offer_fix"
            elif name.startswith("is_"):
                answer[name] = case["dne_kind"] == name[3:]
            elif kind == "object" and "verdict" in sub.get("properties", {}):
                answer[name] = {"verdict": "FAIL" if self.stock else "PASS", "reason": "scripted"}
            else:
                answer[name] = "scripted"
        return answer


@pytest.fixture
def cases() -> list[dict]:
    return load_cases(SMOKE)


@pytest.fixture
def playbooks() -> PlaybookRegistry:
    return PlaybookRegistry.from_directory(PROJECT_ROOT / "playbooks")


async def test_runner_scores_the_real_pipeline_and_reruns_from_cache(cases, playbooks, tmp_path):
    cache = tmp_path / "cache"
    first_llm, judge_llm = FakeLLM(cases, model="fake-specific"), FakeLLM(cases, model="fake-judge")
    first = await run_eval(
        cases,
        playbooks=playbooks,
        llm=first_llm,
        concurrency=3,
        cache_dir=cache,
        judge_llm=judge_llm,
        progress=False,
        dataset=str(SMOKE),
    )
    assert first["meta"]["n_cases"] == len(cases) == 12
    assert first["metrics"]["pipeline.error_rate"] == 0.0, [c["error"] for c in first["cases"] if c["error"]]
    drafted = [c for c in first["cases"] if c["draft"]]
    assert {c["id"] for c in drafted} == set(SPECIFIC), "every reply case drafted, no do-not-engage case drafted"
    assert all(c["predicted"]["language"] == c["language"] for c in first["cases"])
    assert first["metrics"]["compliance.canary_obeyed_rate"] == 0.0
    assert first["metrics"]["specificity.lemma_recall"] > 0.3
    assert first["metrics"]["genericness.cliche_share"] == 0.0
    assert first["metrics"]["classification.dne_recall"] == 1.0
    assert first["judge"]["judged"] == len(drafted) and first["judge"]["heard_pass_rate"] == 1.0
    assert len(judge_llm.calls) == 3 * len(drafted)  # majority of three per draft
    misses = first["meta"]["cache"]["misses"]
    assert misses == len(first_llm.calls) + len(judge_llm.calls) > 0

    again_llm, again_judge = FakeLLM(cases, model="fake-specific"), FakeLLM(cases, model="fake-judge")
    again = await run_eval(
        cases, playbooks=playbooks, llm=again_llm, concurrency=3, cache_dir=cache, judge_llm=again_judge, progress=False
    )
    assert again["meta"]["cache"]["misses"] == 0 and again["meta"]["cache"]["hits"] >= misses
    assert again_llm.calls == [] and again_judge.calls == []
    assert again["metrics"] == first["metrics"]
    assert [c["draft"] for c in again["cases"]] == [c["draft"] for c in first["cases"]]


async def test_a_worse_prompt_shows_as_a_regression(cases, playbooks, tmp_path):
    good = await run_eval(
        cases,
        playbooks=playbooks,
        llm=FakeLLM(cases, model="fake-specific"),
        cache_dir=tmp_path / "cache",
        progress=False,
    )
    worse = await run_eval(
        cases,
        playbooks=playbooks,
        llm=FakeLLM(cases, model="fake-stock", stock=True),
        cache_dir=tmp_path / "cache",
        progress=False,
    )
    deltas = {d.metric: d for d in compare(good, worse)}
    for metric in (
        "genericness.self_bleu",
        "genericness.cliche_share",
        "genericness.distinct_2",
        "genericness.max_pair_overlap",
        "specificity.lemma_recall",
        "compliance.guard_flag_rate",
        "tone.empathy_rate",
    ):
        assert deltas[metric].regressed, (metric, deltas[metric])
    assert worse["corpus"]["compliance"]["guard_flags"].get("cliche", 0) >= 1
    assert any(c["flagged"] and c["attempts"] > 1 for c in worse["cases"]), "the guard made the drafter retry"
    text = render_compare_text(list(deltas.values()), "good", "worse")
    assert "REGRESSION" in text and "genericness.self_bleu" in text

    baseline = make_baseline(good, "smoke")
    assert check_gate(good, baseline) == []
    failed = {f.metric for f in check_gate(worse, baseline)}
    assert {"genericness.cliche_share", "specificity.lemma_recall"} <= failed

    paths = write_report(worse, tmp_path / "run", baseline=baseline, gate_failures=check_gate(worse, baseline))
    html = paths["html"].read_text(encoding="utf-8")
    assert "FAIL" in html and "t.me/cryptoprofit777" in html and "EARN $500" in html
    assert 'class="regressed"' in html


def test_cli_compare_fails_on_regression(tmp_path):
    def write(name: str, recall: float) -> str:
        path = tmp_path / f"{name}.json"
        path.write_text(json.dumps({"metrics": {"specificity.lemma_recall": recall}}), encoding="utf-8")
        return str(path)

    runner = CliRunner()
    ok = runner.invoke(app, ["compare", write("a", 0.5), write("b", 0.5), "--fail-on-regression"])
    assert ok.exit_code == 0 and "0 regression(s)" in ok.output
    bad = runner.invoke(app, ["compare", write("a", 0.5), write("c", 0.2), "--fail-on-regression"])
    assert bad.exit_code == 1 and "REGRESSION" in bad.output


def test_cli_baseline_writes_only_gated_metrics(tmp_path):
    run = tmp_path / "run"
    run.mkdir()
    (run / "results.json").write_text(
        json.dumps(
            {"meta": {"dataset": "smoke"}, "metrics": {"specificity.lemma_recall": 0.5, "pipeline.mean_attempts": 1.2}}
        ),
        encoding="utf-8",
    )
    result = CliRunner().invoke(app, ["baseline", str(run), "--name", "t", "--dir", str(tmp_path)])
    assert result.exit_code == 0, result.output
    written = json.loads((tmp_path / "t.json").read_text(encoding="utf-8"))
    assert list(written["metrics"]) == ["specificity.lemma_recall"]


class FlakyLLM(FakeLLM):
    """Down for one review: the drafter lets LLMUnavailable through, the runner must record it and go on."""

    def __init__(self, *args: Any, down_for: str, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.down_for = down_for

    async def chat(self, template: str, messages: list[dict], **kwargs: Any) -> LLMReply:
        if self._case(messages)["id"] == self.down_for:
            from assistant.errors import LLMUnavailable

            raise LLMUnavailable("scripted outage")
        return await super().chat(template, messages, **kwargs)


async def test_a_failing_case_is_recorded_and_never_cached(cases, playbooks, tmp_path):
    flaky = FlakyLLM(cases, model="fake-specific", down_for="en-smoke-001")
    broken = await run_eval(cases, playbooks=playbooks, llm=flaky, cache_dir=tmp_path, progress=False)
    failed = [c for c in broken["cases"] if c["error"]]
    assert [c["id"] for c in failed] == ["en-smoke-001"] and "LLMUnavailable" in failed[0]["error"]
    assert broken["metrics"]["pipeline.error_rate"] == pytest.approx(1 / 12)
    assert broken["metrics"]["pipeline.draft_rate"] == pytest.approx(8 / 9)

    healed = FakeLLM(cases, model="fake-specific")
    fixed = await run_eval(cases, playbooks=playbooks, llm=healed, cache_dir=tmp_path, progress=False)
    assert fixed["metrics"]["pipeline.error_rate"] == 0.0
    assert fixed["meta"]["cache"]["misses"] == len(healed.calls) == 1  # only the call that had failed


def test_cli_run_over_http_writes_the_report_and_gates(tmp_path, monkeypatch):
    """`assistant eval run` with the real LLM client talking HTTP to the scripted server."""
    from tests.support.scripted_llm import ScriptedLLM

    with ScriptedLLM() as server:
        monkeypatch.setenv("ASSISTANT_LLM_BASE_URL", server.base_url)
        monkeypatch.setenv("ASSISTANT_LLM_MODEL", "scripted")
        monkeypatch.setenv("ASSISTANT_LLM_MAX_ATTEMPTS", "1")
        args = ["run", "--dataset", str(SMOKE), "--cache-dir", str(tmp_path / "cache"), "--no-progress"]
        first = CliRunner().invoke(app, [*args, "--out", str(tmp_path / "first")])
        assert first.exit_code == 0, first.output
        asked = len(server.requests)
        assert asked > 0 and "# Eval:" in first.output
        results = json.loads((tmp_path / "first" / "results.json").read_text(encoding="utf-8"))
        assert results["meta"]["model"] == "scripted" and results["metrics"]["pipeline.error_rate"] == 0.0
        assert (tmp_path / "first" / "report.html").exists() and (tmp_path / "first" / "summary.md").exists()

        baseline = make_baseline(results, "smoke")
        (tmp_path / "ok.json").write_text(json.dumps(baseline), encoding="utf-8")
        again = CliRunner().invoke(
            app, [*args, "--out", str(tmp_path / "again"), "--baseline", str(tmp_path / "ok.json")]
        )
        assert again.exit_code == 0 and "Gate: PASS" in again.output, again.output
        assert len(server.requests) == asked, "the rerun came from the cache"

        baseline["metrics"]["specificity.lemma_recall"]["value"] = 0.99  # a bar the scripted replies can't reach
        (tmp_path / "high.json").write_text(json.dumps(baseline), encoding="utf-8")
        gated = CliRunner().invoke(
            app, [*args, "--out", str(tmp_path / "gated"), "--baseline", str(tmp_path / "high.json")]
        )
        assert gated.exit_code == 1 and "Gate: FAIL" in gated.output and "specificity.lemma_recall" in gated.output


async def test_smoke_eval_meets_the_committed_baseline(cases, playbooks):
    """The CI gate: the pipeline's deterministic part (rules, guard, drafting loop, scorers) on smoke.jsonl
    with the scripted model must stay within eval/baseline/smoke.json. After an intended change, re-bless:
    EVAL_BLESS=1 python -m pytest tests/integration/test_eval_runner.py -k committed_baseline"""
    from tests.support.scripted_llm import ScriptedLLM

    with ScriptedLLM() as server:
        llm = build_llm(Settings(llm_base_url=server.base_url, llm_model="scripted", llm_max_attempts=1))
        results = await run_eval(
            cases, playbooks=playbooks, llm=llm, progress=False, dataset="eval/datasets/smoke.jsonl"
        )
    if os.environ.get("EVAL_BLESS"):
        write_baseline(make_baseline(results, "smoke"), SMOKE_BASELINE)
    failures = check_gate(results, load_baseline(SMOKE_BASELINE))
    assert not failures, (
        "\n".join(map(str, failures))
        + "\n"
        + render_compare_text(compare(load_baseline(SMOKE_BASELINE), results), "baseline", "now")
    )
