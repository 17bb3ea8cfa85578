"""`assistant eval …`: run the suite, compare two runs, bless a baseline, score classification alone.

`run` exits 1 when a --baseline is given and the gate fails, so CI can call it as is. Everything it
writes goes to one run directory (results.json, summary.md, report.html); model answers are cached under
eval/.cache so a rerun after a prompt edit only re-asks what the edit changed.
"""

from __future__ import annotations

import asyncio
from datetime import datetime
from pathlib import Path
from typing import Any

import typer

from assistant.playbooks import PlaybookRegistry
from assistant.settings import PROJECT_ROOT, get_settings

# Each command imports its machinery when it runs, like the other commands' (assistant/cli.py): at the top
# here they were 1.8 s of every `assistant` command's start (`python -X importtime`), `--help` and a queue-mode
# batch import included.

EVAL_DIR = PROJECT_ROOT / "eval"
app = typer.Typer(
    help="Eval suite: tone, genericness, specificity, compliance; baseline regression gate.", no_args_is_help=True
)


def _llm(model: str | None) -> tuple[Any, Any]:
    """(settings, llm) from the environment; --model overrides ASSISTANT_LLM_MODEL."""
    from assistant.llm import build_llm

    settings = get_settings()
    if model:
        settings = settings.model_copy(update={"llm_model": model})
    return settings, build_llm(settings)


async def _closing(work: Any, *llms: Any) -> Any:
    """Await `work`, then close the models' HTTP clients inside the same event loop."""
    try:
        return await work
    finally:
        for llm in llms:
            if llm is not None:
                await llm.close()


def _inputs(dataset: Path, playbooks_dir: Path) -> tuple[list[Any], Any]:
    from assistant.evaluation.classification import load_cases  # see classify()

    return load_cases(dataset), PlaybookRegistry.from_directory(playbooks_dir)


@app.command()
def run(
    dataset: Path = typer.Option(..., "--dataset", exists=True, dir_okay=False, help="JSONL cases"),
    model: str | None = typer.Option(None, "--model", help="Model for classify/draft (default: settings)"),
    judge_model: str | None = typer.Option(None, "--judge-model", help="Also grade drafts with this model"),
    out: Path | None = typer.Option(None, "--out", help="Run directory (default eval/runs/<time>-<dataset>)"),
    baseline: Path | None = typer.Option(None, "--baseline", exists=True, dir_okay=False, help="Gate against it"),
    concurrency: int = typer.Option(4, "--concurrency", min=1),
    no_cache: bool = typer.Option(False, "--no-cache", help="Ask the model again for everything"),
    cache_dir: Path = typer.Option(EVAL_DIR / ".cache", "--cache-dir"),
    progress: bool = typer.Option(True, "--progress/--no-progress"),
) -> None:
    """Run the pipeline over a dataset, score it, write the report; exit 1 if the gate fails."""
    from assistant.evaluation.gate import check_gate, failures_as_dicts, load_baseline
    from assistant.evaluation.report import write_report
    from assistant.evaluation.runner import run_eval

    settings, llm = _llm(model)
    judge_llm = _llm(judge_model)[1] if judge_model else None
    cases, playbooks = _inputs(dataset, settings.playbooks_dir)
    results = asyncio.run(
        _closing(
            run_eval(
                cases,
                playbooks=playbooks,
                llm=llm,
                concurrency=concurrency,
                cache_dir=None if no_cache else cache_dir,
                judge_llm=judge_llm,
                progress=progress,
                dataset=str(dataset),
            ),
            llm,
            judge_llm,
        )
    )
    reference = load_baseline(baseline) if baseline else None
    failures = check_gate(results, reference) if reference is not None else None
    if failures is not None:
        results["gate"] = {"baseline": str(baseline), "passed": not failures, "failures": failures_as_dicts(failures)}
    out = out or EVAL_DIR / "runs" / f"{datetime.now():%Y%m%d-%H%M%S}-{dataset.stem}"
    paths = write_report(results, out, baseline=reference, gate_failures=failures)
    typer.echo(paths["summary"].read_text(encoding="utf-8"))
    typer.echo(f"report: {paths['html']}")
    if failures:
        raise typer.Exit(code=1)


@app.command("compare")
def compare_runs(
    a: Path = typer.Argument(..., exists=True, help="Reference: results.json, a run directory or a baseline"),
    b: Path = typer.Argument(..., exists=True, help="Candidate"),
    fail_on_regression: bool = typer.Option(False, "--fail-on-regression"),
) -> None:
    """Metric deltas from A to B; regressions are moves past a gated metric's tolerance."""
    from assistant.evaluation.report import compare, load_run, render_compare_text

    deltas = compare(load_run(a), load_run(b))
    typer.echo(render_compare_text(deltas, a.stem if a.is_file() else a.name, b.stem if b.is_file() else b.name))
    if fail_on_regression and any(d.regressed for d in deltas):
        raise typer.Exit(code=1)


@app.command("baseline")
def bless(
    results: Path = typer.Argument(..., exists=True, help="results.json or a run directory to accept"),
    name: str = typer.Option(..., "--name", help="Written to eval/baseline/<name>.json"),
    directory: Path = typer.Option(EVAL_DIR / "baseline", "--dir"),
) -> None:
    """Accept a run as the new baseline (review the diff of the JSON before committing it)."""
    from assistant.evaluation.gate import make_baseline, write_baseline
    from assistant.evaluation.report import load_run

    path = write_baseline(make_baseline(load_run(results), name), directory / f"{name}.json")
    typer.echo(f"wrote {path}")


@app.command()
def classify(
    dataset: Path = typer.Option(..., "--dataset", exists=True, dir_okay=False),
    rules_only: bool = typer.Option(False, "--rules-only", help="No model: the deterministic rules alone"),
    model: str | None = typer.Option(None, "--model"),
) -> None:
    """Language/action accuracy and do-not-engage precision/recall of the classifier alone."""
    # 0.5 s of imports (python -X importtime) that every `assistant` command would pay at the top
    from assistant.evaluation import classification

    settings, llm = _llm(model) if not rules_only else (None, None)
    cases, playbooks = _inputs(dataset, (settings or get_settings()).playbooks_dir)
    report = asyncio.run(_closing(classification.evaluate_classification(cases, playbooks, llm), llm))
    typer.echo(classification.format_classification_report(report))


@app.command("export-corrections")
def export_corrections(
    out: Path = typer.Option(..., "--out", dir_okay=False, help="JSONL file to write (outside the repository)"),
) -> None:
    """Reviews whose classification an agent corrected, with the corrected labels, as an eval dataset
    (the format of eval/datasets/*.jsonl). They are real reviews: never commit the file."""
    from assistant.db.engine import create_engine, session_factory
    from assistant.evaluation.corrections import corrected_cases, write_cases  # 4.4 s of imports: this command only

    async def read() -> list[dict]:
        engine = create_engine(get_settings().resolved_database_url)
        try:
            return await corrected_cases(session_factory(engine))
        finally:
            await engine.dispose()

    cases = asyncio.run(read())
    write_cases(cases, out)
    typer.echo(f"wrote {len(cases)} corrected review(s) to {out}")


REAL_REVIEWS = PROJECT_ROOT.parent / "shared" / "real-reviews"


@app.command("real-reviews")
def real_reviews(
    directory: Path = typer.Argument(REAL_REVIEWS, help="Folder of *.jsonl real reviews (read in place, never copied)"),
    rules_only: bool = typer.Option(False, "--rules-only", help="No model: the deterministic rules alone"),
    scripted: bool = typer.Option(
        False, "--scripted", help="Second stage on the in-process scripted model (CI, offline)"
    ),
    model: str | None = typer.Option(None, "--model", help="Second stage on this model (default: settings)"),
    show: int = typer.Option(0, "--show", min=0, help="List up to N failures of each class, with their reasons"),
    check: bool = typer.Option(False, "--check", help="Exit 1 when a target of issue 19 is missed"),
) -> None:
    """Per file and language: share dropped as do-not-engage (by kind), negatives thanked, 5-star praise thanked,
    language accuracy. Stars and sentiment are the authors' labels; these texts are not ours to copy."""
    from assistant.evaluation import classification  # see classify()

    if not directory.is_dir() or not any(directory.glob("*.jsonl")):
        typer.echo(f"no *.jsonl real reviews in {directory}", err=True)
        raise typer.Exit(code=2)
    files = classification.load_real_reviews(directory)
    if rules_only:
        settings, llm = get_settings(), None
    elif scripted:
        from assistant.llm import LLM
        from assistant.llm.scripted import ScriptedCompleter
        from assistant.processing.stand_in import default_responder

        settings = get_settings()
        llm = LLM(ScriptedCompleter(default_responder), "scripted", max_attempts=settings.llm_max_attempts)
    else:
        settings, llm = _llm(model)
    playbooks = _inputs_playbooks(settings.playbooks_dir)
    report = asyncio.run(_closing(classification.evaluate_real_reviews(files, playbooks, llm), llm))
    report["method"] = "rules" if llm is None else "rules+llm"
    typer.echo(classification.format_real_reviews_report(report, show=show))
    if check and not all(met for _, met in report["targets"].values()):
        raise typer.Exit(code=1)


def _inputs_playbooks(playbooks_dir: Path) -> Any:
    return PlaybookRegistry.from_directory(playbooks_dir)
