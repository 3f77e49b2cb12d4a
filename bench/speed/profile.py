"""Where the service's own time goes on a 10-page document: a sampling profile of
`docsafe serve` while it reads one warm document, one page at a time.

    python -m bench.speed.profile        (or: make bench-profile)

py-spy samples only the threads holding Python's GIL: the engine's recognition runs
without it (libtesseract), so what shows is everything that competes with the page
reader for the interpreter — the engine's own Python steps, our stages, and what local
mode adds in the same process (moto answering the AWS calls, the API front end).
"""

from __future__ import annotations

import collections
import json
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench.report import write_section
from bench.speed.run import RENDER_DPI, bench_server, scanned_pdf

RATE = 200  # samples a second

# First match wins: a stack is put under the first group whose marker it contains.
GROUPS = (
    ("the page store (seal, S3 put, progress count): our code", ("_put_live", "count_page_read")),
    ("reading pages: the engine's Python steps, rendering", ("read_pages",)),
    ("prepare and assemble stages", ("Pipeline.prepare", "Pipeline.assemble")),
    ("local mode: moto answering S3, DynamoDB, KMS, Step Functions", ("moto", "werkzeug", "flask")),
    ("local mode: the API front end (status polls, authorizer)", ("Gateway.handle", "FrontEnd")),
)


def profile() -> tuple[float, dict[str, float]]:
    """(end-to-end seconds, seconds of GIL-holding samples per group)."""
    py_spy = shutil.which("py-spy") or str(Path(sys.executable).parent / "py-spy")
    output = Path(tempfile.mkdtemp(prefix="docsafe-profile-")) / "samples.txt"
    env = {"DOCSAFE_PAGE_CONCURRENCY": "1", "DOCSAFE_RENDER_DPI": RENDER_DPI}
    with bench_server(env, poll_seconds=0.05) as (server, client):
        client.analyze(scanned_pdf(1))  # warm: the model is loaded
        document = scanned_pdf(10)
        spy = subprocess.Popen(
            [
                py_spy,
                "record",
                "--pid",
                str(server.pid),
                "--rate",
                str(RATE),
                "--gil",
                "--format",
                "raw",
                "--output",
                str(output),
                "--threads",
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        time.sleep(1.0)  # py-spy attached
        started = time.perf_counter()
        client.analyze(document)
        elapsed = time.perf_counter() - started
        spy.send_signal(signal.SIGINT)
        spy.wait(timeout=30)
    seconds: dict[str, float] = collections.Counter()
    for line in output.read_text().splitlines():
        stack, _, count = line.rpartition(" ")
        group = next((name for name, markers in GROUPS if any(m in stack for m in markers)), "other")
        seconds[group] += int(count) / RATE
    return elapsed, dict(seconds)


def main() -> None:
    elapsed, seconds = profile()
    rows = [f"| {name} | {value:.2f} |" for name, value in sorted(seconds.items(), key=lambda kv: -kv[1])]
    body = "\n".join(
        [
            "## Profile of the service's own time (bench/speed/profile)",
            "",
            f"A warm 10-page scanned PDF through `docsafe serve`, one page at a time, polled every "
            f"50 ms: {elapsed:.2f} s end to end. py-spy ({RATE} samples a second, `--gil`) counts the "
            "time each part held Python's interpreter lock while the engine read the pages (its "
            "recognition itself runs outside the lock and does not show).",
            "",
            "| part | seconds holding the GIL |",
            "|---|---|",
            *rows,
        ]
    )
    print(body)
    print(json.dumps({"elapsed": elapsed, **seconds}), file=sys.stderr)
    write_section("profile", "make bench-profile", body)


if __name__ == "__main__":
    main()
