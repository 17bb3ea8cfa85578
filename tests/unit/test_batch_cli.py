"""`assistant batch import` starts its text process as the program starts (assistant/__main__.py's `main`), and
only when the batch runs here, with a core to spare: a dry run, the queue, help and other commands never use it."""

from __future__ import annotations

import pytest

from assistant import cpu
from assistant.batch.cli import start_early


@pytest.mark.parametrize(
    ("argv", "env", "started"),
    [
        (["batch", "import", "reviews.csv"], {}, True),
        (["batch", "import", "reviews.csv", "--concurrency", "16"], {}, True),
        (["batch", "import", "reviews.csv", "--dry-run"], {}, False),
        (["batch", "import", "--help"], {}, False),
        (["batch", "import", "reviews.csv"], {"ASSISTANT_QUEUE_URL": "redis://127.0.0.1:6379/0"}, False),
        (["batch", "import", "reviews.csv"], {"ASSISTANT_BATCH_TEXT_PROCESS": "false"}, False),
        (["serve"], {}, False),
        (["eval", "run"], {}, False),
        ([], {}, False),
    ],
)
async def test_only_a_batch_import_in_this_process_starts_its_text_process_early(monkeypatch, argv, env, started):
    monkeypatch.setenv("ASSISTANT_BATCH_TEXT_PROCESS", "true")  # whatever this machine's cores
    monkeypatch.delenv("ASSISTANT_QUEUE_URL", raising=False)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    try:
        assert start_early(argv) is started
        assert cpu.in_process() is started
    finally:
        if started:
            await cpu.stop_text_process(at_once=True)
    assert not cpu.in_process()


def test_settings_it_cannot_read_are_left_to_the_command(monkeypatch):
    monkeypatch.setenv("ASSISTANT_BATCH_TEXT_PROCESS", "not-a-boolean")
    assert start_early(["batch", "import", "reviews.csv"]) is False
    assert not cpu.in_process()
