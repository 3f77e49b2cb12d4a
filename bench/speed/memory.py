"""Memory of the whole local service while it reads a long document: flat, not growing
with the page count.

    python -m bench.speed.memory        (or: make bench-memory)

Runs `docsafe serve` (moto, the state machine and every function in one process) and
samples its resident memory while it reads a 30-page and a 300-page scanned PDF.
"""

from __future__ import annotations

import json
import os
import sys
import threading
import time
from pathlib import Path

from bench.report import write_section
from bench.speed.run import RENDER_DPI, bench_server, scanned_pdf
from tests.support.serve import Server


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def stored_mb(server: Server) -> float:
    """What the local S3 (moto, in the same process's memory) holds: the sealed input,
    pages and result. In AWS these are S3's, not the service's memory."""
    s3 = server.aws("s3")
    total = 0
    for bucket in s3.list_buckets()["Buckets"]:
        for page in s3.get_paginator("list_objects_v2").paginate(Bucket=bucket["Name"]):
            total += sum(item["Size"] for item in page.get("Contents", []))
    return total / 1024 / 1024


def run(pages: int) -> dict[str, float]:
    """Seconds and resident MB: at start, once warm, the peak in each quarter of the pages
    read (from the native status's pagesRead, which carries no result) and the peak while
    the whole result is returned in one response.

    Warm: after a document of as many pages as there are cores, which loads an OCR
    model per page read at once and the libraries. Flat memory: the last quarter's peak
    is no higher than the first's.
    """
    document = scanned_pdf(pages)
    with bench_server({"DOCSAFE_RENDER_DPI": RENDER_DPI}, poll_seconds=0.5) as (server, client):
        figures = {"start": rss_mb(server.pid)}
        client.analyze(scanned_pdf(os.cpu_count() or 1))
        figures["warm"] = rss_mb(server.pid)
        quarters = [figures["warm"]] * 4
        progress = [0.0]
        done = threading.Event()

        def sample() -> None:
            while not done.wait(0.2):
                quarter = min(3, int(4 * progress[0]))
                quarters[quarter] = max(quarters[quarter], rss_mb(server.pid))

        sampler = threading.Thread(target=sample, daemon=True)
        sampler.start()
        started = time.perf_counter()
        try:
            analysis = client.submit(document)
            native = f"{server.url}/v1/operations/{analysis.operation_id}"
            while (status := json.loads(client._request("GET", native)[2]))["status"] in (
                "notStarted",
                "running",
            ):
                progress[0] = status.get("pagesRead", 0) / pages
                time.sleep(0.5)
            figures["seconds"] = time.perf_counter() - started
            time.sleep(0.4)
            progress[0] = 0.0
            done.set()
            sampler.join()
            for index, value in enumerate(quarters):
                figures[f"q{index + 1}"] = value
            figures["stored"] = stored_mb(server)
            figures["result"] = rss_mb(server.pid)
            peak = [figures["result"]]
            finished = threading.Event()

            def sample_result() -> None:
                while not finished.wait(0.05):
                    peak[0] = max(peak[0], rss_mb(server.pid))

            watcher = threading.Thread(target=sample_result, daemon=True)
            watcher.start()
            client._request("GET", native + "/result")
            time.sleep(0.2)
            finished.set()
            watcher.join()
            figures["result"] = peak[0]
        finally:
            done.set()
        return figures


def main() -> None:
    rows = []
    for pages in (30, 300):
        f = run(pages)
        rows.append(
            f"| {pages} | {f['seconds']:.0f} | {f['start']:.0f} | {f['warm']:.0f} "
            f"| {f['q1']:.0f} / {f['q2']:.0f} / {f['q3']:.0f} / {f['q4']:.0f} "
            f"| {max(f['q1'], f['q2'], f['q3'], f['q4']) - f['warm']:.0f} | {f['stored']:.1f} "
            f"| {f['result']:.0f} |"
        )
        print(rows[-1], file=sys.stderr)
    body = "\n".join(
        [
            "## Memory on long documents (bench/speed/memory)",
            "",
            f"The whole local service in one process (moto, the state machine, every function) reading "
            f"scanned PDFs at {RENDER_DPI} dpi with all cores; resident memory sampled every 0.2 s. "
            "Warm: after a document of one page per core (an OCR model loaded for each page read "
            "at once, and the libraries). Quarters: the peak while the first, second, third and last "
            "quarter of the pages were read (assembly counts in the last). Stored: what moto's S3 "
            "holds in the same process once the job is done (the sealed input, pages and result; "
            "in AWS that is S3's, not the service's memory). Result: the peak while the whole "
            "analyzeResult goes out in one response (it grows with the result, which the response "
            "must hold).",
            "",
            "| pages | seconds | at start MB | warm MB | peak MB by quarter of the pages "
            "| growth over warm MB | stored in local S3 MB | result response peak MB |",
            "|---|---|---|---|---|---|---|---|",
            *rows,
        ]
    )
    print(body)
    write_section("memory", "make bench-memory", body)


if __name__ == "__main__":
    main()
