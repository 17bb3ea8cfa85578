"""A model that answers in-process from a script, never over a network: the offline cost estimator
(`assistant batch import --dry-run`), `assistant eval real-reviews --scripted`, and tests.

`responder` answers from the request body (the `messages` plus the call's parameters, as an OpenAI-compatible
server would receive them); `assistant/processing/stand_in.py` has the one that answers our prompts plausibly.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from assistant.llm.completers import Completion

Responder = Callable[[dict[str, Any]], str]


def fit_schema(schema: dict[str, Any]) -> Any:
    """The simplest value that validates against `schema` (first enum value, zero, false, empty)."""
    if "enum" in schema:
        return schema["enum"][0]
    kind = schema.get("type")
    kind = kind[0] if isinstance(kind, list) else kind
    if kind == "object":
        return {name: fit_schema(sub) for name, sub in schema.get("properties", {}).items()}
    if kind == "array":
        return [fit_schema(schema["items"])] * schema.get("minItems", 0) if "items" in schema else []
    if kind in ("integer", "number"):
        return schema.get("minimum", 1)
    if kind == "boolean":
        return False
    if kind == "null":
        return None
    return "scripted"


class ScriptedCompleter:
    """A completer answering with `responder(body)`; keeps every request body it answered (`requests`)."""

    def __init__(self, responder: Responder):
        self.responder = responder
        self.requests: list[dict[str, Any]] = []

    async def complete(self, messages: list[dict[str, Any]], **params: Any) -> Completion:
        body = {"messages": messages, **params}
        self.requests.append(body)
        return Completion(self.responder(body))

    async def close(self) -> None:
        """Nothing to release."""
