"""`assistant batch import` starts its text process as the program starts, before it imports its CLI.

The text process's imports and tables (assistant/cpu.py: ~1.5 s on a 2-core VM) are what the batch's first model
request waits for, so every bit of head start counts: the CLI's own imports (typer, rich, and the settings'
pydantic: 0.2–0.3 s) come after the spawn, not before it. So the two settings that decide it are read here from
the environment, as the settings read them (names in any case; a value the settings would refuse leaves the
decision to the command, which says what is wrong): a queue sends the work to workers, and the text process is
on by default where a core is to spare. Where this does not start it, `run_batch` starts it once the settings
are read, if they ask for it."""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence

from assistant.batch import TEXT_WARM_UP
from assistant.cpu import start_text_process, wants_text_process

_BOOLEANS = {"1": True, "on": True, "t": True, "true": True, "y": True, "yes": True}
_BOOLEANS |= {"0": False, "off": False, "f": False, "false": False, "n": False, "no": False}  # pydantic's words


def start_early(argv: Sequence[str], environ: Mapping[str, str] = os.environ) -> bool:
    """For `assistant batch import` in this process, start the text process now (the caller stops it when the
    command ends; `run_batch` holds it meanwhile). Whether it did."""
    if list(argv[:2]) != ["batch", "import"] or {"--dry-run", "--help"} & set(argv):
        return False
    variables = {name.upper(): value for name, value in environ.items()}
    if variables.get("ASSISTANT_QUEUE_URL"):
        return False
    choice = variables.get("ASSISTANT_BATCH_TEXT_PROCESS")
    if choice is not None and choice.lower() not in _BOOLEANS:
        return False
    if not wants_text_process(None if choice is None else _BOOLEANS[choice.lower()]):
        return False
    start_text_process(warm_up=TEXT_WARM_UP)
    return True
