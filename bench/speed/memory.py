"""Memory of the whole local service while it reads a long document: flat, not growing
with the page count.

    python -m bench.speed.memory        (or: make bench-memory)

Runs `docsafe serve` (moto, the state machine and every function in one process) and
samples its resident memory while it reads a 30-page and a 300-page scanned PDF.
"""

from __future__ import annotations

import sys
import threading
import time
from pathlib import Path

from bench.report import write_section
from bench.speed.run import RENDER_DPI, bench_server, scanned_pdf


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def run(pages: int) -> tuple[float, float, float, float]:
    """(seconds, resident MB at start, resident MB once warm, peak resident MB during the job).

    Warm: after a one-page document, which loads the OCR model and the libraries once;
    what the long document adds on top of that is what grows with its pages.
    """
    document = scanned_pdf(pages)
    with bench_server({"DOCSAFE_RENDER_DPI": RENDER_DPI}, poll_seconds=0.5) as (server, client):
        started_mb = rss_mb(server.pid)
        client.analyze(scanned_pdf(1))
        idle = rss_mb(server.pid)
        peak = [idle]
        done = threading.Event()

        def sample() -> None:
            while not done.wait(0.2):
                peak[0] = max(peak[0], rss_mb(server.pid))

        sampler = threading.Thread(target=sample, daemon=True)
        sampler.start()
        started = time.perf_counter()
        try:
            client.analyze(document)
        finally:
            done.set()
            sampler.join()
        return time.perf_counter() - started, started_mb, idle, peak[0]


def main() -> None:
    rows = []
    for pages in (30, 300):
        seconds, started_mb, idle, peak = run(pages)
        rows.append(
            f"| {pages} | {seconds:.0f} | {started_mb:.0f} | {idle:.0f} | {peak:.0f} | {peak - idle:.0f} |"
        )
        print(rows[-1], file=sys.stderr)
    body = "\n".join(
        [
            "## Memory on long documents (bench/speed/memory)",
            "",
            f"The whole local service in one process (moto, the state machine, every function) reading "
            f"scanned PDFs at {RENDER_DPI} dpi with all cores; resident memory sampled every 0.2 s. "
            "Warm: after a one-page document (the OCR model and libraries loaded); growth: the "
            "peak during the long document over that.",
            "",
            "| pages | seconds | at start MB | warm MB | peak MB | growth MB |",
            "|---|---|---|---|---|---|",
            *rows,
        ]
    )
    print(body)
    write_section("memory", "make bench-memory", body)


if __name__ == "__main__":
    main()
