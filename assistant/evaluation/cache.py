"""A disk cache in front of the LLM seam, so re-running the eval only re-asks what changed.

Key = sha256 of (method, model name, template, messages, every parameter). Change a prompt, a playbook
(it is rendered into the messages) or the model and the key changes; change nothing and the answer comes
from disk. Errors are never cached. One JSON file per answer under `<dir>/<model>/<key[:2]>/<key>.json`:
easy to inspect, delete or commit as a fixture.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import os
import re
from pathlib import Path
from typing import Any

from assistant.llm.client import LLMReply

_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")


class CachedLLM:
    """Wraps an object with async `chat` / `chat_json`; everything else is passed through."""

    def __init__(self, llm: Any, cache_dir: Path):
        self._llm = llm
        self.cache_dir = Path(cache_dir)
        self.hits = 0
        self.misses = 0

    def __getattr__(self, name: str) -> Any:
        if name == "_llm":  # not set yet (copy/pickle): never recurse
            raise AttributeError(name)
        return getattr(self._llm, name)

    @property
    def model_name(self) -> str:
        return str(getattr(self._llm, "model", None) or type(self._llm).__name__)

    def key(self, method: str, args: tuple, kwargs: dict) -> str:
        params = {k: v for k, v in kwargs.items() if k != "review_id"}  # bookkeeping, not prompt
        payload = {"method": method, "model": self.model_name, "args": args, "kwargs": params}
        blob = json.dumps(payload, sort_keys=True, ensure_ascii=False, default=repr)
        return hashlib.sha256(blob.encode("utf-8")).hexdigest()

    def _path(self, key: str) -> Path:
        return self.cache_dir / (_UNSAFE.sub("_", self.model_name) or "model") / key[:2] / f"{key}.json"

    def _load(self, path: Path) -> tuple[bool, Any]:
        try:
            entry = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return False, None
        value = entry.get("value")
        if entry.get("kind") == "reply":
            value = LLMReply(**value)
        return True, value

    def _store(self, path: Path, method: str, value: Any) -> None:
        if dataclasses.is_dataclass(value) and not isinstance(value, type):
            entry = {"kind": "reply", "method": method, "value": dataclasses.asdict(value)}
        else:
            entry = {"kind": "json", "method": method, "value": value}
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(f".{os.getpid()}.{id(value)}.tmp")
        tmp.write_text(json.dumps(entry, ensure_ascii=False, indent=1), encoding="utf-8")
        os.replace(tmp, path)  # atomic: a crashed run never leaves half an answer

    async def _cached(self, method: str, args: tuple, kwargs: dict) -> Any:
        path = self._path(self.key(method, args, kwargs))
        found, value = self._load(path)
        if found:
            self.hits += 1
            return value
        self.misses += 1
        value = await getattr(self._llm, method)(*args, **kwargs)
        self._store(path, method, value)
        return value

    async def chat(self, *args: Any, **kwargs: Any) -> Any:
        return await self._cached("chat", args, kwargs)

    async def chat_json(self, *args: Any, **kwargs: Any) -> Any:
        return await self._cached("chat_json", args, kwargs)

    def stats(self) -> dict[str, int]:
        return {"hits": self.hits, "misses": self.misses}
