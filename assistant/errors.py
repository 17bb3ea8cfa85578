"""The one error tree of the product; the server maps each branch to RFC 9457 problem details.

AssistantError
├── NotFound                    404  no such review / draft / key
├── Conflict                    409  idempotency key reused with other content, stale draft version
├── InvalidInput                400  input the schema accepted but the domain refuses (NUL bytes, …)
├── InvalidTransition           409  approve a rejected draft, edit an approved one, …
├── ServiceUnavailable          503  database unreachable
└── LLMError                         a model call that did not give a usable answer
    ├── LLMUnavailable               429/5xx/timeouts/connection errors after the retry budget
    └── LLMBadOutput                 empty choices, invalid JSON, schema mismatch
"""

from __future__ import annotations

from typing import Any


class AssistantError(Exception):
    status_code = 500
    title = "Internal error"

    def __init__(self, detail: str = "", **extra: Any):
        super().__init__(detail or self.title)
        self.detail = detail or self.title
        self.extra = extra


class NotFound(AssistantError):
    status_code = 404
    title = "Not found"


class Conflict(AssistantError):
    status_code = 409
    title = "Conflict"


class InvalidInput(AssistantError):
    status_code = 400
    title = "Invalid input"


class InvalidTransition(AssistantError):
    status_code = 409
    title = "Invalid state transition"


class ServiceUnavailable(AssistantError):
    status_code = 503
    title = "Service unavailable"


class LLMError(AssistantError):
    status_code = 502
    title = "Language model error"


class LLMUnavailable(LLMError):
    title = "Language model unavailable"


class LLMBadOutput(LLMError):
    title = "Language model gave an unusable answer"
