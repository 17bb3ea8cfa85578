"""HTTP load on loopback: throughput and p50/p99 of the API and the web queue, on SQLite and PostgreSQL, beside
a bare Litestar JSON endpoint served the same way on the same machine in the same run.

    python bench/load.py                                   # 8 s (at most 200,000 requests) per row, 16 connections
    python bench/load.py --seconds 5 --connections 32 --backends sqlite

Each server is a real `assistant serve` process (uvicorn, one worker, its in-process pipeline running against
the scripted LLM in another process); the bare endpoint is a one-route Litestar app under the same uvicorn.
The load comes from `wrk` (apt install wrk) with a Lua script that makes every POST a new review and stops a
thread at its share of the request cap; without wrk, an httpx asyncio client does the same (slower: on two
cores it competes with the server for CPU, so its figures are a floor). Rows:

    bare        GET  /json                  the framework and uvicorn alone: the ceiling on this machine
    ingest      POST /api/v1/reviews        key check, validation, idempotency lookup, insert, enqueue
    queue API   GET  /api/v1/drafts         50 drafts with their latest versions, on a table of --seed reviews
    queue page  GET  /queue                 signed-in agent, session + CSRF middleware, Jinja render

Only 127.0.0.1 is ever contacted. Prints a table; figures depend on the machine (its load is printed).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import re
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.fault_soak import drop_database, new_database  # noqa: E402

KEY = "load-bootstrap-key"
PASSWORD = "load test password"
BARE = """
from litestar import Litestar, get
@get("/json")
async def payload() -> dict[str, str]:
    return {"status": "ok", "service": "bare litestar"}
app = Litestar([payload])
"""
WRK_LUA = r"""
local cap, count, prefix, counter = tonumber(os.getenv("LOAD_CAP")), 0, os.getenv("LOAD_PREFIX"), 0
function setup(thread) counter = counter + 1; thread:set("tid", counter) end
function init(args) n = 0 end
request = function()
  if os.getenv("LOAD_METHOD") == "POST" then
    n = n + 1
    local body = string.format('{"text": "The courier was late again, order %s-%d-%d. The box was crushed.", ' ..
      '"source": "load", "external_id": "%s-%d-%d", "rating": 2}', prefix, tid, n, prefix, tid, n)
    local headers = {["Content-Type"] = "application/json"}
    for name, value in pairs(wrk.headers) do headers[name] = value end
    return wrk.format("POST", nil, headers, body)
  end
  return wrk.format("GET")
end
response = function(status, headers, body)
  count = count + 1
  if cap and count >= cap then wrk.thread:stop() end
end
done = function(summary, latency, requests)
  io.write(string.format('RESULT {"requests": %d, "seconds": %f, "p50": %f, "p99": %f, "non2xx": %d, "errors": %d}\n',
    summary.requests, summary.duration / 1e6, latency:percentile(50) / 1000, latency:percentile(99) / 1000,
    summary.errors.status, summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout))
end
"""


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def wait_http(url: str, process: subprocess.Popen, timeout: float = 90) -> None:
    import httpx

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"server exited with {process.returncode}")
        try:
            httpx.get(url, timeout=1)
            return
        except httpx.HTTPError:
            time.sleep(0.2)
    raise RuntimeError(f"{url} did not answer")


def start_bare(scratch: Path) -> tuple[subprocess.Popen, str]:
    (scratch / "bare_app.py").write_text(BARE)
    port = free_port()
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "uvicorn",
            "bare_app:app",
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--log-level",
            "warning",
            "--no-access-log",
        ],
        cwd=scratch,
    )
    wait_http(f"http://127.0.0.1:{port}/json", process)
    return process, f"http://127.0.0.1:{port}"


def start_llm() -> tuple[subprocess.Popen, str]:
    code = (
        "import sys\nfrom tests.support.scripted_llm import ScriptedLLM, estimated_usage\n"
        "s = ScriptedLLM(usage=estimated_usage).start()\nprint(s.base_url, flush=True)\nsys.stdin.read()\n"
    )
    process = subprocess.Popen(
        [sys.executable, "-c", code],
        cwd=ROOT,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )
    assert process.stdout is not None
    return process, process.stdout.readline().strip()


def start_service(url: str, llm_url: str, scratch: Path) -> tuple[subprocess.Popen, str]:
    port = free_port()
    env = {
        **os.environ,
        "PYTHONPATH": str(ROOT),
        "ASSISTANT_DATABASE_URL": url,
        "ASSISTANT_LLM_BASE_URL": llm_url,
        "ASSISTANT_LLM_MODEL": "scripted",
        "ASSISTANT_BOOTSTRAP_API_KEY": KEY,
        "ASSISTANT_DATA_DIR": str(scratch),
        "ASSISTANT_QUEUE_URL": "",
        "ASSISTANT_SECRET_KEY": "load-bench-secret-key-0123456789",
    }
    process = subprocess.Popen(
        [sys.executable, "-m", "assistant", "serve", "--port", str(port), "--log-level", "warning"], cwd=ROOT, env=env
    )
    wait_http(f"http://127.0.0.1:{port}/health", process)
    return process, f"http://127.0.0.1:{port}"


def seed(base: str, url: str, count: int) -> str:
    """`count` reviews through the API, drafted; an agent account; returns the agent's session cookie."""
    import httpx

    from assistant.db.engine import create_engine, session_factory
    from assistant.domain.users.service import UserService

    async def create_user() -> None:
        engine = create_engine(url)
        async with session_factory(engine)() as session:
            await UserService(session).create(
                email="load@example.com", name="Load Agent", password=PASSWORD, role="agent"
            )
        await engine.dispose()

    asyncio.run(create_user())
    with httpx.Client(base_url=base, headers={"Authorization": f"Bearer {KEY}"}, timeout=60) as api:
        for start in range(0, count, 500):
            rows = [
                {
                    "text": f"Seed review {i}: the lamp arrived with a cracked shade",
                    "source": "seed",
                    "external_id": f"seed-{i}",
                    "rating": 2,
                }
                for i in range(start, min(start + 500, count))
            ]
            api.post("/api/v1/reviews/batch", json={"reviews": rows}).raise_for_status()
        deadline = time.monotonic() + 600
        while api.get("/api/v1/drafts", params={"limit": 1}).json()["total"] < count:
            if time.monotonic() > deadline:
                raise RuntimeError("seed reviews were not drafted in time")
            time.sleep(0.5)
    with httpx.Client(base_url=base, timeout=30) as web:
        token = re.search(r'name="_csrf_token" value="([^"]+)"', web.get("/login").text).group(1)
        signed_in = web.post(
            "/login",
            data={"email": "load@example.com", "password": PASSWORD, "_csrf_token": token, "next": "/queue"},
            follow_redirects=False,
        )
        assert signed_in.status_code == 303, signed_in.text
        return "; ".join(f"{name}={value}" for name, value in web.cookies.items())


def run_wrk(url: str, method: str, headers: dict[str, str], args: argparse.Namespace, scratch: Path) -> dict:
    script = scratch / "load.lua"
    script.write_text(WRK_LUA)
    threads = 2
    command = [
        "wrk",
        "-t",
        str(threads),
        "-c",
        str(args.connections),
        "-d",
        f"{args.seconds}s",
        "--timeout",
        "10s",
        "-s",
        str(script),
        "--latency",
    ]
    for name, value in headers.items():
        command += ["-H", f"{name}: {value}"]
    env = {
        **os.environ,
        "LOAD_CAP": str(args.max_requests // threads),
        "LOAD_METHOD": method,
        "LOAD_PREFIX": uuid.uuid4().hex[:8],
    }
    output = subprocess.run([*command, url], env=env, capture_output=True, text=True, check=True).stdout
    result = json.loads(output.split("RESULT ", 1)[1].splitlines()[0])
    result["rps"] = result["requests"] / result["seconds"]
    return result


def run_httpx(url: str, method: str, headers: dict[str, str], args: argparse.Namespace) -> dict:
    import httpx

    async def main() -> dict:
        latencies: list[float] = []
        failures = 0
        stop = time.monotonic() + args.seconds
        prefix = uuid.uuid4().hex[:8]
        limits = httpx.Limits(max_connections=args.connections, max_keepalive_connections=args.connections)
        async with httpx.AsyncClient(headers=headers, limits=limits, timeout=10) as http:

            async def worker(index: int) -> None:
                nonlocal failures
                n = 0
                while time.monotonic() < stop and len(latencies) < args.max_requests:
                    n += 1
                    started = time.perf_counter()
                    if method == "POST":
                        response = await http.post(
                            url,
                            json={
                                "text": f"The courier was late, {prefix}-{index}-{n}",
                                "source": "load",
                                "external_id": f"{prefix}-{index}-{n}",
                                "rating": 2,
                            },
                        )
                    else:
                        response = await http.get(url)
                    latencies.append((time.perf_counter() - started) * 1000)
                    failures += not 200 <= response.status_code < 300

            began = time.monotonic()
            await asyncio.gather(*(worker(i) for i in range(args.connections)))
            seconds = time.monotonic() - began
        cuts = statistics.quantiles(latencies, n=100)
        return {
            "requests": len(latencies),
            "seconds": seconds,
            "rps": len(latencies) / seconds,
            "p50": cuts[49],
            "p99": cuts[98],
            "non2xx": failures,
            "errors": 0,
        }

    return asyncio.run(main())


def measure(url: str, method: str, headers: dict[str, str], args: argparse.Namespace, scratch: Path) -> dict:
    assert url.startswith("http://127.0.0.1:"), "loopback only"
    if args.tool == "wrk":
        return run_wrk(url, method, headers, args, scratch)
    return run_httpx(url, method, headers, args)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--backends", nargs="+", default=["sqlite", "postgresql"], choices=["sqlite", "postgresql"])
    parser.add_argument("--seconds", type=int, default=8, help="duration of each row")
    parser.add_argument(
        "--max-requests",
        type=int,
        default=200_000,
        help="cap on requests of each row (a capped row's req/s is a floor: wrk times the full -d)",
    )
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--seed", type=int, default=1000, help="drafted reviews in the queue before measuring")
    parser.add_argument("--tool", choices=["wrk", "httpx"], default="wrk" if shutil.which("wrk") else "httpx")
    args = parser.parse_args()
    rows: list[tuple[str, str, dict]] = []
    processes: list[subprocess.Popen] = []
    with tempfile.TemporaryDirectory() as tmp:
        scratch = Path(tmp)
        llm, llm_url = start_llm()
        processes.append(llm)
        try:
            bare, bare_url = start_bare(scratch)
            processes.append(bare)
            measure(f"{bare_url}/json", "GET", {}, args, scratch)  # warm-up
            rows.append(("-", "bare  GET /json", measure(f"{bare_url}/json", "GET", {}, args, scratch)))
            bare.terminate()
            for backend in args.backends:
                url = new_database(backend, scratch)
                service, base = start_service(url, llm_url, scratch)
                try:
                    cookie = seed(base, url, args.seed)
                    auth = {"Authorization": f"Bearer {KEY}"}
                    for name, path, method, headers in (
                        ("queue API  GET /api/v1/drafts", "/api/v1/drafts?status=pending&limit=50", "GET", auth),
                        ("queue page GET /queue", "/queue", "GET", {"Cookie": cookie}),
                        ("ingest     POST /api/v1/reviews", "/api/v1/reviews", "POST", auth),
                    ):
                        measure(base + path, method, headers, args, scratch) if method == "GET" else None  # warm-up
                        rows.append((backend, name, measure(base + path, method, headers, args, scratch)))
                finally:
                    service.terminate()
                    service.wait(30)
                    drop_database(url)
        finally:
            for process in processes:
                if process.poll() is None:
                    process.terminate()
    load = os.getloadavg()
    print(
        f"\nload on loopback with {args.tool}: {args.connections} connections, {args.seconds} s or "
        f"{args.max_requests:,} requests per row; {os.cpu_count()} CPUs, load average {load[0]:.1f} {load[1]:.1f}"
    )
    print(f"{'db':<11}{'endpoint':<36}{'requests':>9}{'req/s':>9}{'p50 ms':>9}{'p99 ms':>9}{'non-2xx':>9}")
    for backend, name, r in rows:
        print(
            f"{backend:<11}{name:<36}{r['requests']:>9}{r['rps']:>9.0f}{r['p50']:>9.1f}{r['p99']:>9.1f}"
            f"{r['non2xx'] + r['errors']:>9}"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
