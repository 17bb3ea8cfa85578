"""Processes seen through /proc, for tests that kill a command and check what it leaves behind."""

from __future__ import annotations

import sys
from pathlib import Path


def _stat(pid: int) -> list[str]:
    """The fields of /proc/PID/stat after the command name (state first, then the parent's pid)."""
    return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()


def running(pid: int) -> bool:
    """Whether `pid` still runs (a zombie has ended: it only waits to be reaped)."""
    try:
        return _stat(pid)[0] != "Z"
    except OSError:
        return False


def children(pid: int) -> list[int]:
    """The processes whose parent is `pid`."""
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            if int(_stat(int(stat.parent.name))[1]) == pid:
                found.append(int(stat.parent.name))
        except (OSError, ValueError):
            continue
    return found


def database_modules() -> list[str]:
    """The database layer's modules this process has imported: run in a batch's text process, which needs none
    (a module light enough to unpickle there without importing them itself)."""
    layer = ("sqlalchemy", "sqlmodel", "asyncpg", "aiosqlite")
    return sorted(m for m in sys.modules if m.split(".")[0] in layer or m.startswith("assistant.db"))
