"""Batch throughput: N reviews through `assistant batch import` against the scripted LLM with a fixed latency.

    python bench/batch.py                                  # N=500 and 2000, L=0.1 s, C=16, both databases, both modes
    python bench/batch.py --n 2000 --latency 0.1 0.5 --backends sqlite --modes local

For each database (SQLite, PostgreSQL) and mode (`local`: in-process, C model requests at once; `saq`: 2
`assistant worker` processes on Redis with C/2 each) it prints the processing wall time, the ideal
N × calls/review × L / C, efficiency = ideal / wall (steady state: processing only, after a warm-up batch),
the end-to-end time of a cold `assistant batch import FILE` command from process start to exit on a fresh
database (`e2e s`: interpreter start-up, imports, warm-up, import phase, processing, summary; in the queue mode
two workers already run, warm, on that database, as in production) and its efficiency
against the same ideal (`e2e eff`), when its first model request came (`e2e ramp`: seconds from the command's
start) and the efficiency that leaves at best (`e2e bound`: ideal / (ideal + ramp), every slot busy from the
first request to the last), the command's own CPU seconds (`e2e cpu s`) and, in-process, the efficiency those
leave at best (`cpu bound`: ideal / e2e cpu s, as one interpreter runs Python on one core at a time; with a text
process, on by default with two or more cores, its CPU counts too and it runs on another core: no bound), LLM calls
per review, CPU per review (the batch process, not its text process; or both workers), how busy the whole machine was meanwhile
(`host cpu`: every process, databases and Redis included), peak RSS, the scripted server's CPU share and the
mean call time the client logged (`llm ms`: L plus HTTP and SDK time plus the wait for one of the C request
slots, since three reviews are in flight per slot) and when the file's import was over (`import s`: it stays at most
512 reviews ahead of processing, so in-process it ends near the run's end).
Where the rest of the wall time went, from the model server's side: `served ms` (median time it held a call:
L, as it works out its answer within the latency, plus the time to send it), `gap ms` (mean time a slot sat idle
between an answer and the next request, i.e. the client's turnaround), `ramp s` (start until the first request) and `tail s` (last answer until done).
Efficiency is bounded by CPU: one process can't finish reviews faster than 1 / (CPU per review), so with
L = 0.1 s, C = 16 and ~1.1 calls per review the ideal needs ~145 reviews/s, i.e. under 7 ms of CPU per review
in a single process; the queue mode spreads that over the workers' cores.

The scripted LLM runs in its own process (a threaded HTTP server that sleeps L per call), so it never competes
for this process's GIL; its CPU use is printed to show it is not the bottleneck. Every run first sends a small
warm-up batch through the same processes (lemma dictionaries, language models, connection pools), so the
figures are steady-state. Figures depend on the machine: the load average is printed with them, and a speed probe
(CPU seconds of a fixed pure-Python loop) at the start and the end, since a shared VM's speed drifts.
"""

from __future__ import annotations

import argparse
import asyncio
import compileall
import json
import os
import resource
import signal
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from bench._databases import drop_database, new_database  # noqa: E402
from tests.fixtures.batch.generate import write_reviews  # noqa: E402

REDIS = os.environ.get("ASSISTANT_TEST_REDIS_URL", "redis://127.0.0.1:6379/0")
WARMUP = 40


def cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def peak_rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return 0.0


def speed_probe() -> float:
    """CPU seconds of a fixed pure-Python loop: how fast this machine runs Python right now. A shared VM's speed
    drifts by more than a change is worth (one 2-core VM: 0.36–1.08 s within an hour, the same cold batch command
    17–23 s), so figures are read beside it."""
    started, total = time.process_time(), 0
    for number in range(10_000_000):
        total += number
    return time.process_time() - started


def host_busy() -> tuple[float, float]:
    """(busy, total) CPU jiffies of the whole machine, from /proc/stat."""
    values = [int(v) for v in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    idle = values[3] + values[4]  # idle + iowait
    return sum(values) - idle, sum(values)


class HostMeter:
    """A stand-in progress display that notes the machine's CPU when processing starts and ends."""

    def __init__(self) -> None:
        self.start = self.end = (0.0, 0.0)
        self.started = 0.0  # time.monotonic() when processing began

    def phase(self, label: str, total: int) -> None:
        if label == "process":
            self.start, self.started = host_busy(), time.monotonic()

    def advance(self, label: str, **_: object) -> None:
        pass

    def grow(self, label: str, by: int = 1) -> None:
        pass

    def tokens(self, count: int) -> None:
        pass

    def busy_share(self) -> float:
        """Share of all the machine's CPUs busy while the reviews were processed (every process, not just ours)."""
        self.end = host_busy()
        busy, total = self.end[0] - self.start[0], self.end[1] - self.start[1]
        return busy / total if total else 0.0


def start_llm(latency: float) -> tuple[subprocess.Popen, str]:
    code = (
        "import sys, time\nfrom tests.support.scripted_llm import ScriptedLLM, estimated_usage\n"
        f"s = ScriptedLLM(latency={latency}, usage=estimated_usage).start()\nprint(s.base_url, flush=True)\n"
        "import json\nfor line in sys.stdin:\n"  # "spans": print the calls' (arrived, answered) times; then forget
        "    if line.strip() == 'spans': print(json.dumps(s.spans), flush=True)\n"
        "    s.requests.clear(); s.spans.clear()\n"
    )
    process = subprocess.Popen(
        [sys.executable, "-c", code], cwd=ROOT, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
    )
    assert process.stdout is not None
    return process, process.stdout.readline().strip()


def child(args: argparse.Namespace) -> None:
    """One measured batch in a fresh process: warm-up, then N reviews; prints the report as JSON."""
    from assistant.batch.reader import ReadOptions
    from assistant.batch.run import BatchOptions, run_batch
    from assistant.settings import get_settings

    settings = get_settings()
    scratch, n = Path(args.scratch), args.n[0]  # the mode is ASSISTANT_QUEUE_URL, set by the parent

    async def run() -> dict:
        warm = write_reviews(scratch / f"warm-{n}.csv", WARMUP, start=10**6)
        await run_batch(
            BatchOptions(path=warm, read=ReadOptions(source="warmup"), concurrency=args.concurrency), settings
        )
        path = write_reviews(scratch / f"backlog-{n}.csv", n)
        print("warm", flush=True)  # the parent notes the workers' CPU, then says go
        sys.stdin.readline()
        before, meter = resource.getrusage(resource.RUSAGE_SELF), HostMeter()
        report = await run_batch(
            BatchOptions(path=path, read=ReadOptions(source="backlog"), concurrency=args.concurrency), settings, meter
        )  # type: ignore[arg-type]
        after, host = resource.getrusage(resource.RUSAGE_SELF), meter.busy_share()
        assert report.processed and not report.failures, report.failures[:5]
        return {
            "process_seconds": report.process_seconds,
            "import_seconds": report.import_seconds,
            "calls": report.processed.calls,
            "statuses": dict(report.processed.statuses),
            "cpu": after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime,
            "rss": report.peak_rss_mb,
            "host": host,
            "started": meter.started,
            "llm_ms": await observed_latency(settings.resolved_database_url),
        }

    print(json.dumps(asyncio.run(run())))


def end_to_end(env: dict[str, str], path: Path, concurrency: int) -> tuple[float, int, float, float]:
    """A cold `assistant batch import` as a person runs it: (seconds from process start to exit, model calls,
    time.monotonic() at the start: the scripted model's spans say when the first request came, the command's own
    CPU seconds)."""
    report = path.with_suffix(".report.json")
    command = [sys.executable, "-m", "assistant", "batch", "import", str(path), "--source", "e2e"]
    command += ["--concurrency", str(concurrency), "--report", str(report)]
    before = resource.getrusage(resource.RUSAGE_CHILDREN)  # every child waited for so far
    started, monotonic = time.perf_counter(), time.monotonic()
    subprocess.run(command, env=env, cwd=ROOT, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    seconds = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime
    return seconds, json.loads(report.read_text())["processed"]["calls"], monotonic, cpu


def start_workers(env: dict[str, str], concurrency: int) -> list[subprocess.Popen]:
    """Two `assistant worker` processes with C/2 model requests each, on `env`'s database and queue."""
    command = [sys.executable, "-m", "assistant", "worker", "--concurrency", str(concurrency // 2)]
    workers = [subprocess.Popen([*command, "--log-level", "warning"], env=env, cwd=ROOT) for _ in range(2)]
    time.sleep(2)
    return workers


def stop_workers(workers: list[subprocess.Popen]) -> None:
    for worker in workers:
        worker.send_signal(signal.SIGTERM)
    for worker in workers:
        worker.wait(30)
    workers.clear()


def fetch_spans(llm: subprocess.Popen) -> list[tuple[float, float]]:
    assert llm.stdin is not None and llm.stdout is not None
    llm.stdin.write("spans\n")
    llm.stdin.flush()
    return [tuple(span) for span in json.loads(llm.stdout.readline())]


def slot_use(spans: list[tuple[float, float]], started: float, seconds: float, slots: int) -> dict:
    """Where the model's C slots were idle, from the server's side: before the first call, after the last one,
    and between calls in the middle (each answer until the next request reached the server)."""
    served = sorted(end - start for start, end in spans)
    busy, first, last = sum(served), min(start for start, _ in spans), max(end for _, end in spans)
    return {
        "ramp": first - started,
        "tail": started + seconds - last,
        "served_ms": 1000 * served[len(served) // 2],
        "gap_ms": 1000 * (slots * (last - first) - busy) / len(spans),
    }


def drop_queue(name: str) -> None:
    from redis import Redis

    redis = Redis.from_url(REDIS)
    for pattern in (f"saq:{name}:*", f"saq:job:{name}:*"):
        keys = list(redis.scan_iter(match=pattern, count=1000))
        for start in range(0, len(keys), 1000):
            redis.delete(*keys[start : start + 1000])
    redis.close()


async def observed_latency(url: str) -> float:
    """Mean model-call latency as the client saw it (the call log), for the measured batch's reviews."""
    from sqlalchemy import func, select

    from assistant.db.engine import create_engine
    from assistant.db.models import LLMCall, Review

    engine = create_engine(url)
    try:
        async with engine.connect() as connection:
            query = (
                select(func.avg(LLMCall.latency_ms))
                .join(Review, Review.id == LLMCall.review_id)
                .where(Review.source == "backlog")
            )
            return float((await connection.execute(query)).scalar() or 0.0)
    finally:
        await engine.dispose()


def scenario(
    backend: str, mode: str, n: int, latency: float, concurrency: int, llm: tuple[subprocess.Popen, str], scratch: Path
) -> dict:
    url = new_database(backend, scratch)
    queue = f"bench-{uuid.uuid4().hex[:6]}"
    env = {
        **os.environ,
        "PYTHONPATH": str(ROOT),
        "ASSISTANT_DATABASE_URL": url,
        "ASSISTANT_LLM_BASE_URL": llm[1],
        "ASSISTANT_LLM_MODEL": "scripted",
        "ASSISTANT_QUEUE_URL": REDIS if mode == "saq" else "",
        "ASSISTANT_QUEUE_NAME": queue,
        "ASSISTANT_DATA_DIR": str(scratch),
    }
    workers: list[subprocess.Popen] = []
    try:
        if mode == "saq":
            workers = start_workers(env, concurrency)
        run = subprocess.Popen(
            [
                sys.executable,
                __file__,
                "--child",
                "--mode",
                mode,
                "--n",
                str(n),
                "--concurrency",
                str(concurrency),
                "--scratch",
                str(scratch),
            ],
            env=env,
            cwd=ROOT,
            text=True,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
        )
        assert run.stdin is not None and run.stdout is not None
        if run.stdout.readline().strip() != "warm":
            raise RuntimeError("the warm-up batch failed")
        fetch_spans(llm[0])  # forget the warm-up's calls
        llm_cpu = cpu_seconds(llm[0].pid)
        worker_cpu = [cpu_seconds(w.pid) for w in workers]
        run.stdin.write("go\n")
        run.stdin.flush()
        out, _ = run.communicate(timeout=3600)
        if run.returncode:
            raise RuntimeError(f"the measured batch failed ({run.returncode})")
        result = json.loads(out.strip().splitlines()[-1])
        result["llm_cpu"] = cpu_seconds(llm[0].pid) - llm_cpu
        result["slots"] = slot_use(fetch_spans(llm[0]), result["started"], result["process_seconds"], concurrency)
        if workers:  # the work (and its CPU and memory) happened in the workers
            result["cpu"] = sum(cpu_seconds(w.pid) - c for w, c in zip(workers, worker_cpu, strict=True))
            result["rss"] = max(peak_rss_mb(w.pid) for w in workers)
        stop_workers(workers)
        fresh = new_database(backend, scratch, prefix="e2e")
        e2e_env = {**env, "ASSISTANT_DATABASE_URL": fresh, "ASSISTANT_QUEUE_NAME": f"{queue}-e2e"}
        try:
            path = write_reviews(scratch / f"e2e-{n}.csv", n, start=2 * 10**6)
            if mode == "saq":  # workers already running (and warm) on the same database, as in production
                workers = start_workers(e2e_env, concurrency)
                warm = write_reviews(scratch / f"e2e-warm-{n}.csv", WARMUP, start=3 * 10**6)
                end_to_end(e2e_env, warm, concurrency)
            fetch_spans(llm[0])  # forget the warm-up's calls
            e2e_seconds, e2e_calls, e2e_started, e2e_cpu = end_to_end(e2e_env, path, concurrency)
            e2e_ramp = min(arrived for arrived, _ in fetch_spans(llm[0])) - e2e_started
        finally:
            stop_workers(workers)
            drop_database(fresh)
            if mode == "saq":
                drop_queue(f"{queue}-e2e")
    finally:
        stop_workers(workers)
        drop_database(url)
        if mode == "saq":
            drop_queue(queue)
        fetch_spans(llm[0])  # and forget them
    calls = result["calls"] / n
    ideal = n * calls * latency / concurrency
    return {
        "backend": backend,
        "mode": mode,
        "n": n,
        "latency": latency,
        "wall": result["process_seconds"],
        "ideal": ideal,
        "efficiency": ideal / result["process_seconds"],
        "e2e": e2e_seconds,
        "e2e_efficiency": e2e_calls * latency / concurrency / e2e_seconds,  # the same ideal, its own calls
        "e2e_ramp": e2e_ramp,
        # the best e2e efficiency left once the first request goes out that late: every slot busy from then on
        "e2e_bound": e2e_calls * latency / concurrency / (e2e_calls * latency / concurrency + e2e_ramp),
        "e2e_cpu": e2e_cpu,
        # in-process, one interpreter runs Python on one core at a time (the GIL): the command lasts at least its
        # own CPU seconds, so that ideal / CPU is the best its e2e efficiency can be on this machine
        "e2e_cpu_bound": e2e_calls * latency / concurrency / e2e_cpu if mode == "local" else None,
        "calls_per_review": calls,
        "cpu_ms_per_review": 1000 * result["cpu"] / n,
        "rss_mb": result["rss"],
        "llm_cpu_pct": 100 * result["llm_cpu"] / result["process_seconds"],
        "import": result["import_seconds"],
        "host_pct": 100 * result["host"],
        "llm_ms": result["llm_ms"],
        **{f"slot_{k}": v for k, v in result["slots"].items()},
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--n", type=int, nargs="+", default=[500, 2000])
    parser.add_argument("--latency", type=float, nargs="+", default=[0.1])
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument("--backends", nargs="+", default=["sqlite", "postgresql"])
    parser.add_argument("--modes", nargs="+", default=["local", "saq"])
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--mode", default="local", help=argparse.SUPPRESS)
    parser.add_argument("--scratch", default="", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        return child(args)
    # The cold command starts as an installed one does, its bytecode compiled (scripts/install.sh): where nothing
    # may write .pyc (PYTHONDONTWRITEBYTECODE), a missing or stale __pycache__ cost every start up to ~0.5 s.
    compileall.compile_dir(ROOT / "assistant", quiet=1)
    print(
        f"# {os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.1f}; C={args.concurrency}, "
        f"saq = 2 workers × {args.concurrency // 2}; speed probe {speed_probe():.2f} s"
    )
    header = (
        f"{'db':<10} {'mode':<5} {'N':>5} {'L s':>4} {'wall s':>7} {'ideal s':>7} {'eff':>5} {'e2e s':>6} "
        f"{'e2e eff':>7} {'e2e ramp':>8} {'e2e bound':>9} {'e2e cpu s':>9} {'cpu bound':>9} {'calls/rv':>8} "
        f"{'cpu ms/rv':>9} {'host cpu':>8} {'rss MB':>7} {'llm cpu':>7} {'llm ms':>6} {'import s':>8} "
        f"{'served ms':>9} {'gap ms':>6} {'ramp s':>6} {'tail s':>6}"
    )
    print(header)
    with tempfile.TemporaryDirectory(prefix="bench-batch-") as tmp:
        for latency in args.latency:
            llm = start_llm(latency)
            try:
                for backend in args.backends:
                    for mode in args.modes:
                        for n in args.n:
                            r = scenario(backend, mode, n, latency, args.concurrency, llm, Path(tmp))
                            print(
                                f"{r['backend']:<10} {r['mode']:<5} {r['n']:>5} {r['latency']:>4} "
                                f"{r['wall']:>7.1f} {r['ideal']:>7.1f} {r['efficiency']:>5.2f} "
                                f"{r['e2e']:>6.1f} {r['e2e_efficiency']:>7.2f} {r['e2e_ramp']:>8.2f} "
                                f"{r['e2e_bound']:>9.2f} {r['e2e_cpu']:>9.1f} "
                                f"{'-' if r['e2e_cpu_bound'] is None else format(r['e2e_cpu_bound'], '.2f'):>9} "
                                f"{r['calls_per_review']:>8.2f} {r['cpu_ms_per_review']:>9.1f} {r['host_pct']:>7.0f}% {r['rss_mb']:>7.0f} "
                                f"{r['llm_cpu_pct']:>6.0f}% {r['llm_ms']:>6.0f} {r['import']:>8.1f} "
                                f"{r['slot_served_ms']:>9.1f} {r['slot_gap_ms']:>6.1f} {r['slot_ramp']:>6.2f} "
                                f"{r['slot_tail']:>6.2f}",
                                flush=True,
                            )
            finally:
                llm[0].kill()
                llm[0].wait()
    print(f"# speed probe at the end {speed_probe():.2f} s")


if __name__ == "__main__":
    main()
