"""The `assistant` program (`python -m assistant`, and the installed `assistant`); its commands are assistant/cli.py.

`assistant batch import` starts its text process here, before the CLI is imported (`batch.early`)."""

from __future__ import annotations

import asyncio
import gc
import sys

from assistant.batch.early import start_early
from assistant.cpu import stop_text_process


def main() -> None:
    """Run the CLI (tests invoke `assistant.cli.app`)."""
    early = start_early(sys.argv[1:])
    # Imported after the text process is on its way: typer, rich and the settings (pydantic) are 0.2-0.3 s.
    from assistant.cli import app

    try:
        app()
    finally:
        if early:  # whatever it still does is not needed: the command is over
            asyncio.run(stop_text_process(at_once=True))
        # The interpreter's exit runs the cyclic collector over every object, again as it tears the modules down:
        # 0.4 s after a 2,000-review batch (language models, dictionaries, caches; bench/batch.py's e2e), on a
        # process about to end. Exit as usual (threads joined, exit handlers run, output flushed) with those
        # objects out of the collector's sight; the operating system frees the memory.
        gc.freeze()


if __name__ == "__main__":
    main()
