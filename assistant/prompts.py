"""Prompt templates (`prompts/*.j2`): Jinja2 with StrictUndefined, so a missing variable is an error, not
an empty hole in what the model reads. Autoescape is off: prompts are plain text, never HTML."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

import jinja2

DEFAULT_PROMPTS_DIR = Path(__file__).resolve().parent.parent / "prompts"


@lru_cache(maxsize=8)
def environment(directory: Path = DEFAULT_PROMPTS_DIR) -> jinja2.Environment:
    return jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(directory)),
        undefined=jinja2.StrictUndefined,
        autoescape=False,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=False,
    )


def render(template: str, directory: Path = DEFAULT_PROMPTS_DIR, **context: object) -> str:
    """Render `prompts/<template>.j2`; raises jinja2.UndefinedError on any missing variable."""
    return environment(directory).get_template(f"{template}.j2").render(**context).strip()
