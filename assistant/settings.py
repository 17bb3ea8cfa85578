"""Typed settings from the environment (prefix `ASSISTANT_`), read when asked for, never frozen at import.

Tests build their own `Settings(...)` and hand it to the app factory; the CLI calls `get_settings()`.
"""

from __future__ import annotations

import os
from pathlib import Path

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

PROJECT_ROOT = Path(__file__).resolve().parent.parent


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
    llm_max_retry_wait: float = Field(default=30.0, ge=0, description="Longest Retry-After we honour")
    embedded_model_path: Path | None = None
    embedded_context: int = 4096
    embedded_threads: int = 2

    bootstrap_api_key: str | None = None
    workers: int = Field(default=2, ge=1, description="Concurrent in-process pipeline workers")
    max_review_chars: int = 20_000
    batch_max_items: int = 1_000
    cors_origins: list[str] = Field(default_factory=list)

    @field_validator("llm_base_url", "llm_api_key", "bootstrap_api_key", mode="before")
    @classmethod
    def _blank_is_none(cls, value: str | None) -> str | None:
        return value or None

    @property
    def resolved_database_url(self) -> str:
        return self.database_url or f"sqlite:///{self.data_dir / 'assistant.db'}"

    @property
    def llm_is_embedded(self) -> bool:
        return self.llm_base_url is None


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
