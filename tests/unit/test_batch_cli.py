"""`assistant batch import` starts its text process as the program starts (assistant/__main__.py's `main`, through
`batch.early`), before the CLI's imports, and only when the batch runs here with a core to spare: a dry run, the
queue, help and other commands never use it. It decides from the environment, before the settings are imported,
so it must decide as the settings would."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from pydantic import ValidationError

from assistant import cpu
from assistant.batch.early import start_early
from assistant.settings import Settings

ROOT = Path(__file__).resolve().parents[2]
IMPORT = ["batch", "import", "reviews.csv"]


@pytest.mark.parametrize(
    ("argv", "env", "started"),
    [
        (IMPORT, {}, True),
        ([*IMPORT, "--concurrency", "16"], {}, True),
        ([*IMPORT, "--dry-run"], {}, False),
        (["batch", "import", "--help"], {}, False),
        (IMPORT, {"ASSISTANT_QUEUE_URL": "redis://127.0.0.1:6379/0"}, False),
        (IMPORT, {"assistant_queue_url": "redis://127.0.0.1:6379/0"}, False),
        (IMPORT, {"ASSISTANT_QUEUE_URL": ""}, True),
        (IMPORT, {"ASSISTANT_BATCH_TEXT_PROCESS": "false"}, False),
        (["serve"], {}, False),
        (["eval", "run"], {}, False),
        ([], {}, False),
    ],
)
async def test_only_a_batch_import_in_this_process_starts_its_text_process_early(argv, env, started):
    environ = {"ASSISTANT_BATCH_TEXT_PROCESS": "true", **env}  # whatever this machine's cores
    try:
        assert start_early(argv, environ) is started
        assert cpu.in_process() is started
    finally:
        if started:
            await cpu.stop_text_process(at_once=True)
    assert not cpu.in_process()


@pytest.mark.parametrize(
    "value", ["1", "0", "true", "TRUE", "False", "on", "off", "yes", "N", "t", "maybe", "", " yes"]
)
async def test_it_reads_the_text_process_setting_as_the_settings_do(monkeypatch, value):
    monkeypatch.delenv("ASSISTANT_QUEUE_URL", raising=False)
    monkeypatch.setenv("ASSISTANT_BATCH_TEXT_PROCESS", value)
    try:
        expected = cpu.wants_text_process(Settings().batch_text_process)
    except ValidationError:
        expected = False  # left to the command, which says what is wrong with the value
    try:
        assert start_early(IMPORT, {"ASSISTANT_BATCH_TEXT_PROCESS": value}) is expected
    finally:
        await cpu.stop_text_process(at_once=True)


def test_the_program_starts_it_before_it_imports_the_cli():
    """What the text process waits for is the head start: the CLI, typer and the settings come after the spawn."""
    program = (
        "import sys\n"
        "from assistant.batch import early\n"
        "def noted(**kwargs):\n"
        "    print('loaded before the spawn:', sorted({'assistant.cli', 'typer', 'assistant.settings'} & set(sys.modules)))\n"
        "    raise SystemExit(0)\n"
        "early.start_text_process = noted\n"
        "sys.argv = ['assistant', 'batch', 'import', 'reviews.csv']\n"
        "from assistant.__main__ import main\n"
        "main()\n"
    )
    env = {"PATH": "/usr/bin:/bin", "ASSISTANT_BATCH_TEXT_PROCESS": "true"}
    run = subprocess.run(
        [sys.executable, "-c", program], check=False, cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
    )
    assert run.returncode == 0, run.stderr
    assert "loaded before the spawn: []" in run.stdout, run.stdout
