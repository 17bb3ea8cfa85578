"""Prove the README's first command on this machine: `bash scripts/serve.sh` installs the runtime (no test
extras), serves on the embedded defaults, and takes one posted review to `pending_approval` with a draft.

    python3 scripts/smoke.py [--port 8765] [--timeout 600]

Standard library only: it runs before (and outside) the virtualenv it checks. The service gets a throwaway
data directory and key, so a developer's ./data is left alone. Exit 0 when a draft is waiting for approval.
"""

from __future__ import annotations

import argparse
import json
import os
import secrets
import signal
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
REVIEW = {
    "text": "Курьер опоздал на два часа и нагрубил мне по телефону. Заказ 4411.",
    "rating": 2,
    "source": "smoke",
    "external_id": "smoke-1",
}


def call(method: str, url: str, key: str, body: dict | None = None) -> tuple[int, dict]:
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(
        url, data=data, method=method, headers={"Authorization": f"Bearer {key}", "Content-Type": "application/json"}
    )
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, json.loads(response.read() or b"{}")
    except urllib.error.HTTPError as exc:
        return exc.code, json.loads(exc.read() or b"{}")


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, default=8765)
    parser.add_argument(
        "--timeout",
        type=float,
        default=1800.0,
        help="seconds for install (a first llama.cpp build) + start + one draft",
    )
    args = parser.parse_args()
    base = f"http://127.0.0.1:{args.port}"
    key = "rra_" + secrets.token_urlsafe(32)
    data = Path(tempfile.mkdtemp(prefix="smoke-"))
    env = {
        **os.environ,
        "ASSISTANT_BOOTSTRAP_API_KEY": key,
        "ASSISTANT_DATABASE_URL": f"sqlite:///{data}/assistant.db",
        "ASSISTANT_SECRET_KEY": secrets.token_urlsafe(32),
    }
    for name in ("ASSISTANT_LLM_BASE_URL", "OPENAI_BASE_URL", "ASSISTANT_QUEUE_URL"):
        env.pop(name, None)  # the embedded defaults, as on a fresh machine
    started = time.monotonic()
    server = subprocess.Popen(
        ["bash", "scripts/serve.sh", "--port", str(args.port)], cwd=ROOT, env=env, start_new_session=True
    )
    try:
        deadline = started + args.timeout
        while True:
            if server.poll() is not None:
                print(f"smoke: scripts/serve.sh exited with {server.returncode}", file=sys.stderr)
                return 1
            try:
                with urllib.request.urlopen(f"{base}/health", timeout=5) as response:
                    if response.status == 200:
                        break
            except OSError:
                pass
            if time.monotonic() > deadline:
                print("smoke: the service did not answer /health in time", file=sys.stderr)
                return 1
            time.sleep(1)
        serving = time.monotonic()
        print(f"smoke: serving after {serving - started:.0f} s (install + migrate + start)")
        status, created = call("POST", f"{base}/api/v1/reviews", key, REVIEW)
        if status not in (200, 201):
            print(f"smoke: POST /reviews answered {status}: {created}", file=sys.stderr)
            return 1
        while time.monotonic() < deadline:
            status, review = call("GET", f"{base}/api/v1/reviews/{created['id']}", key)
            if review.get("status") in ("pending_approval", "failed"):
                break
            time.sleep(1)
        draft = review.get("draft") or {}
        print(
            f"smoke: review {created['id']} is {review.get('status')} after {time.monotonic() - serving:.1f} s; "
            f"draft: {str(draft.get('text', ''))[:120]!r}"
        )
        return 0 if review.get("status") == "pending_approval" and draft.get("text") else 1
    finally:
        stop(server)


def stop(server: subprocess.Popen) -> None:
    """The whole process group: serve.sh execs the service, but an install step may still be running."""
    for sig, wait in ((signal.SIGTERM, 30), (signal.SIGKILL, 10)):
        try:
            os.killpg(server.pid, sig)
        except ProcessLookupError:
            return
        try:
            server.wait(timeout=wait)
            return
        except subprocess.TimeoutExpired:
            continue


if __name__ == "__main__":
    sys.exit(main())
