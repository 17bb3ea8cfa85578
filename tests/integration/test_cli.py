"""The `assistant` command as users run it: real subprocesses, real databases."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

ROOT = Path(__file__).resolve().parents[2]


def _run(*args: str, env: dict[str, str], check: bool = True, **kwargs) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "assistant", *args],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=check,
        **kwargs,
    )


@pytest.fixture
def env(database_url: str, tmp_path: Path) -> dict[str, str]:
    return {**os.environ, "ASSISTANT_DATABASE_URL": database_url, "ASSISTANT_DATA_DIR": str(tmp_path)}


def test_keys_create_prints_a_key_the_api_accepts(env, scripted_llm):
    key = _run("keys", "create", "--name", "extension", "--scope", "ingest", env=env).stdout.strip()
    assert key.startswith("rra_") and len(key) > 30
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    server = subprocess.Popen(
        [sys.executable, "-m", "assistant", "serve", "--port", str(port), "--log-level", "warning"],
        env={**env, "ASSISTANT_LLM_BASE_URL": scripted_llm.base_url},
        cwd=ROOT,
    )
    try:
        base = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 30
        while True:
            try:
                if httpx.get(f"{base}/health").status_code == 200:
                    break
            except httpx.TransportError:
                pass
            assert time.monotonic() < deadline and server.poll() is None, "assistant serve did not come up"
            time.sleep(0.2)
        created = httpx.post(
            f"{base}/api/v1/reviews",
            headers={"X-API-Key": key},
            json={"text": "Viss lieliski, paldies!", "source": "cli", "rating": 5},
        )
        assert created.status_code == 201, created.text
        forbidden = httpx.get(f"{base}/api/v1/drafts", headers={"X-API-Key": key})
        assert forbidden.status_code == 403, "an ingest-only key can't work the queue"
        assert httpx.get(f"{base}/api/v1/drafts", headers={"X-API-Key": "rra_wrong"}).status_code == 401
    finally:
        server.terminate()
        server.wait(timeout=30)


def test_keys_create_refuses_an_unknown_scope(env):
    result = _run("keys", "create", "--scope", "superuser", env=env, check=False)
    assert result.returncode != 0 and "scopes must be among" in result.stderr


def test_db_upgrade_creates_the_sqlite_file(tmp_path):
    target = tmp_path / "nested" / "fresh.db"
    env = {**os.environ, "ASSISTANT_DATABASE_URL": f"sqlite:///{target}"}
    assert "up to date" in _run("db", "upgrade", env=env).stdout
    assert target.exists()
    assert "up to date" in _run("db", "upgrade", env=env).stdout, "upgrading twice is harmless"


def test_playbooks_check_reports_file_and_field(tmp_path):
    folder = tmp_path / "playbooks"
    folder.mkdir()
    shutil.copy(ROOT / "playbooks" / "default.yaml", folder)
    (folder / "broken.yaml").write_text("business: broken\nname: x\nremedies: [{kind: discount}]\n")
    result = _run("playbooks", "check", str(folder), env=dict(os.environ), check=False)
    assert result.returncode == 1
    assert "broken.yaml" in result.stderr and "max_percent" in result.stderr and "actions" in result.stderr
    assert "✓ default" in result.stdout
    assert _run("playbooks", "check", env=dict(os.environ)).returncode == 0


@pytest.mark.parametrize(
    ("url", "reason"),
    [
        ("postgresql://postgres@127.0.0.1:1/test", "Connect call failed"),  # nothing listens there
        ("postgresql://postgres@127.0.0.1:5432/no_such_database", 'database "no_such_database" does not exist'),
    ],
)
def test_batch_import_says_when_the_database_is_out_of_reach(tmp_path, url, reason):
    """A wrong ASSISTANT_DATABASE_URL is a person's typo, not a crash: one line says why, no traceback."""
    export = tmp_path / "reviews.csv"
    export.write_text("review_id,stars,comment\n1,5,Great kettle\n", encoding="utf-8")
    env = {**os.environ, "ASSISTANT_DATABASE_URL": url, "ASSISTANT_DATA_DIR": str(tmp_path)}
    result = _run("batch", "import", str(export), env=env, check=False)
    assert result.returncode == 1, result
    assert "can't reach the database" in result.stderr and reason in result.stderr, result.stderr
    assert "Traceback" not in result.stderr + result.stdout


@pytest.mark.parametrize(("folder", "code"), [("playbooks", 0), ("no-such-folder", 1)])
def test_the_program_leaves_what_it_loaded_out_of_the_exit_collection(folder, code):
    """main() freezes the collector's objects before the interpreter's exit (its collections cost 0.4 s after a
    large batch), whether the command succeeded or failed, and the exit code is the command's."""
    program = (
        "import atexit, gc, sys\n"
        "atexit.register(lambda: print('frozen', gc.get_freeze_count()))\n"  # runs after main() returns
        f"sys.argv = ['assistant', 'playbooks', 'check', {folder!r}]\n"
        "from assistant.__main__ import main\n"
        "main()\n"
    )
    run = subprocess.run(
        [sys.executable, "-c", program], check=False, cwd=ROOT, capture_output=True, text=True, timeout=120
    )
    assert run.returncode == code, run.stderr
    assert int(run.stdout.rsplit("frozen", 1)[1]) > 10_000, run.stdout
