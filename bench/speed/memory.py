"""Memory of the whole local service while it reads a long document: flat, not growing
with the page count.

    python -m bench.speed.memory        (or: make bench-memory)

Runs `docsafe serve` (moto, the state machine and every function in one process) and
samples its resident memory while it reads a 30-page and a 300-page scanned PDF.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
import time
import urllib.request
from pathlib import Path

from docsafe.local.server import free_port

from bench.report import write_section
from bench.speed.run import RENDER_DPI, scanned_pdf


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def run(pages: int) -> tuple[float, float, float]:
    """(seconds, resident MB once idle before the job, peak resident MB during it)."""
    document = scanned_pdf(pages)
    port, aws_port = free_port(), free_port()
    key = "mem-" + os.urandom(8).hex()
    env = {
        **os.environ,
        "PORT": str(port),
        "AWS_PORT": str(aws_port),
        "DOCSAFE_LOCAL_KEYS": f"bench={key}",
        "DOCSAFE_RENDER_DPI": RENDER_DPI,
        "POWERTOOLS_LOG_LEVEL": "WARNING",
    }
    server = subprocess.Popen(
        [sys.executable, "-m", "docsafe.cli", "serve"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    peak = [0.0]
    done = threading.Event()

    def sample() -> None:
        while not done.wait(0.2):
            peak[0] = max(peak[0], rss_mb(server.pid))

    try:
        base = f"http://127.0.0.1:{port}"
        for _ in range(300):
            try:
                urllib.request.urlopen(f"{base}/openapi.json", timeout=1).read()
                break
            except OSError:
                time.sleep(0.1)
        idle = rss_mb(server.pid)
        sampler = threading.Thread(target=sample, daemon=True)
        sampler.start()

        def call(method: str, url: str, body: bytes | None = None) -> tuple[dict, bytes]:
            request = urllib.request.Request(url, data=body, method=method, headers={"x-api-key": key})
            with urllib.request.urlopen(request, timeout=120) as answer:
                return dict(answer.headers.items()), answer.read()

        started = time.perf_counter()
        headers, _ = call(
            "POST",
            f"{base}/documentintelligence/documentModels/prebuilt-read:analyze?api-version=2024-11-30",
            document,
        )
        while True:
            _, body = call("GET", headers["Operation-Location"])
            status = json.loads(body)["status"]
            if status in ("succeeded", "failed"):
                assert status == "succeeded", body[:300]
                break
            time.sleep(0.5)
        elapsed = time.perf_counter() - started
        done.set()
        sampler.join()
        return elapsed, idle, peak[0]
    finally:
        done.set()
        server.terminate()
        server.wait(20)


def main() -> None:
    rows = []
    for pages in (30, 300):
        seconds, idle, peak = run(pages)
        rows.append(f"| {pages} | {seconds:.0f} | {idle:.0f} | {peak:.0f} | {peak - idle:.0f} |")
        print(rows[-1], file=sys.stderr)
    body = "\n".join(
        [
            "## Memory on long documents (bench/speed/memory)",
            "",
            f"The whole local service in one process (moto, the state machine, every function) reading "
            f"scanned PDFs at {RENDER_DPI} dpi with all cores; resident memory sampled every 0.2 s.",
            "",
            "| pages | seconds | idle MB | peak MB | growth MB |",
            "|---|---|---|---|---|",
            *rows,
        ]
    )
    print(body)
    write_section("memory", "make bench-memory", body)


if __name__ == "__main__":
    main()
