"""Speed and footprint: what the service around the engine costs.

    python -m bench.speed.run        (or: make bench-speed)

- end-to-end: submit → succeeded through `docsafe serve` against the raw engine reading
  the same pages in one process (the physical limit), for 1, 10 and 100 pages;
- engine throughput and peak memory;
- API handler import time (cold start) and per-request latency in-process;
- sealing (AES-256-GCM) throughput against the document sizes seen.
"""

from __future__ import annotations

import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from docsafe_tools.client import ApiClient

from bench.report import write_section

RENDER_DPI = "200"
API_FUNCTIONS = ["AuthorizerFunction", "SubmitFunction", "StatusFunction", "ResultFunction", "DeleteFunction"]
ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))  # the tests' document makers and local server helper

from tests.support.serve import Server, serving  # noqa: E402


def scanned_pdf(pages: int) -> bytes:
    sys.path.insert(0, str(ROOT))
    from tests.support.documents import scanned_pdf as make
    from tests.support.documents import text_image

    lines = [f"Line {n} of a scanned statement with figures {n * 17}.{n:02d} and names" for n in range(1, 19)]
    # Bilevel pages, as office scanners produce them (CCITT G4 keeps 100 pages under the
    # API's 10 MB body limit; larger documents will go through uploads).
    images = [
        text_image([f"Page {p}", *lines], size=(1275, 1650), font_size=30)
        .point(lambda v: 255 if v > 128 else 0)
        .convert("1")
        for p in range(1, pages + 1)
    ]
    return make(images, resolution=150)


def raw_engine(document: bytes, threads: int = 1) -> tuple[float, float]:
    """Seconds to read every page in this process with the reading policy the service runs
    (its default), and peak MB: one page after the other, or split between `threads`
    threads (each borrowing its own engine instance, as the service does)."""
    from concurrent.futures import ThreadPoolExecutor

    from docsafe.documents import open_document
    from docsafe.engines import create_engine
    from docsafe.settings import get_settings

    engine = create_engine(get_settings().ocr_engine, threads=1)
    count = open_document(document).page_count

    def read(pages: list[int]) -> None:
        opened = open_document(document)
        for page in pages:
            opened.page_text(page, engine, int(RENDER_DPI))
        opened.close()

    shares = [list(range(1 + i, count + 1, threads)) for i in range(threads)]
    with ThreadPoolExecutor(threads) as pool:
        list(pool.map(read, [[1]] * threads))  # models loaded before the clock starts
        started = time.perf_counter()
        list(pool.map(read, shares))
    elapsed = time.perf_counter() - started
    return elapsed, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def default_policy() -> str:
    from docsafe.settings import get_settings

    return get_settings().ocr_engine


def _in_subprocess(function: str, *args: str) -> dict:
    out = subprocess.run(
        [sys.executable, "-m", "bench.speed.run", function, *args],
        capture_output=True,
        text=True,
        check=True,
        cwd=ROOT,
        env={**os.environ, "DOCSAFE_RENDER_DPI": RENDER_DPI},
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def end_to_end(document: bytes, concurrency: int, runs: int, poll_seconds: float) -> tuple[float, float]:
    """Seconds from submit to succeeded through a fresh `docsafe serve`: (the first
    document after start, the median of `runs` documents once it is warm).

    The raw engine's time excludes loading its model; a warm service (a Lambda
    container after its first request) has loaded it too, so the ratio compares warm
    to warm and the cold figure is reported beside it.
    """
    env = {"DOCSAFE_PAGE_CONCURRENCY": str(concurrency), "DOCSAFE_RENDER_DPI": RENDER_DPI}
    with bench_server(env, poll_seconds) as (_server, client):
        timings = []
        for _ in range(runs + 1):
            started = time.perf_counter()
            client.analyze(document)
            timings.append(time.perf_counter() - started)
        return timings[0], statistics.median(timings[1:])


@contextmanager
def bench_server(env: dict[str, str], poll_seconds: float = 0.05) -> Iterator[tuple[Server, ApiClient]]:
    """A fresh `docsafe serve` with one tenant, and a client that polls every `poll_seconds`
    for the status alone, as the Azure clients do (no page progress)."""
    key = "bench-" + os.urandom(8).hex()
    log = Path(tempfile.mkdtemp(prefix="docsafe-bench-")) / "serve.log"
    with serving({"bench": key}, log, {"POWERTOOLS_LOG_LEVEL": "WARNING", **env}) as server:
        yield server, ApiClient(server.url, key, poll_seconds=poll_seconds, progress=False)


def handler_import_ms() -> dict[str, float]:
    # A fresh interpreter per measurement, importing nothing before the handler: what a
    # Lambda cold start pays for our code and its libraries (boto3 included).
    code = (
        "import time, sys, importlib.util\n"
        "t = time.perf_counter()\n"
        "spec = importlib.util.spec_from_file_location('handler', sys.argv[1])\n"
        "module = importlib.util.module_from_spec(spec); spec.loader.exec_module(module)\n"
        "print((time.perf_counter() - t) * 1000)\n"
    )
    from docsafe_tools.local.template import load_template

    specs = load_template().functions()
    env = {**os.environ, "AWS_REGION": "us-east-1", "POWERTOOLS_TRACE_DISABLED": "true"}
    return {
        name: statistics.median(
            float(
                subprocess.run(
                    [sys.executable, "-c", code, str(specs[name].code_dir / "app.py")],
                    capture_output=True,
                    text=True,
                    check=True,
                    env=env,
                ).stdout
            )
            for _ in range(5)
        )
        for name in API_FUNCTIONS
    }


def request_latency_ms() -> dict[str, float]:
    """Per-request time of the API handlers in-process (moto in memory, no pipeline)."""
    os.environ.update(
        AWS_ACCESS_KEY_ID="bench",
        AWS_SECRET_ACCESS_KEY="bench",
        AWS_REGION="us-east-1",
        POWERTOOLS_TRACE_DISABLED="true",
        POWERTOOLS_LOG_LEVEL="WARNING",
    )
    from docsafe import runtime
    from docsafe_tools.local.server import Gateway
    from docsafe_tools.local.stack import install_dispatcher, provision
    from moto import mock_aws

    with mock_aws(config={"stepfunctions": {"execute_state_machine": False}}):
        stack = provision("us-east-1")
        os.environ.update(stack.environment)
        runtime.reset()
        install_dispatcher(stack)
        key, _ = runtime.services().api_keys.create("bench")
        gateway = Gateway(stack, scheme="https")
        headers = {"x-api-key": key, "Content-Type": "application/octet-stream"}
        document = scanned_pdf(1)
        timings: dict[str, list[float]] = {"analyze (submit)": [], "get status": [], "model list": []}
        location = ""
        for _ in range(60):
            started = time.perf_counter()
            answer = gateway.handle(
                "POST",
                "/documentintelligence/documentModels/prebuilt-read:analyze",
                query="api-version=2024-11-30",
                headers=headers,
                body=document,
            )
            timings["analyze (submit)"].append(time.perf_counter() - started)
            location = answer.headers["Operation-Location"].split("://", 1)[1].split("/", 1)[1].split("?")[0]
        for _ in range(200):
            started = time.perf_counter()
            gateway.handle("GET", "/" + location, query="api-version=2024-11-30", headers=headers)
            timings["get status"].append(time.perf_counter() - started)
            started = time.perf_counter()
            gateway.handle(
                "GET", "/documentintelligence/documentModels", query="api-version=2024-11-30", headers=headers
            )
            timings["model list"].append(time.perf_counter() - started)
    return {name: statistics.median(values) * 1000 for name, values in timings.items()}


def package_sizes_mb() -> dict[str, tuple[float, float]]:
    """Each function's size as Lambda counts it (zip: code and layers unzipped; image: what
    the image adds to AWS's base image) and its limit, in MB, measured by the build check
    (infra/scripts/check_builds.py) the way `sam build` lays the packages out."""
    sys.path.insert(0, str(ROOT / "infra" / "scripts"))
    import check_builds
    from docsafe_tools.local.template import load_template

    plan = check_builds.plan_builds(load_template(ROOT / "template.yaml").raw, ROOT)
    sizes, failures, _ = check_builds.build_all(plan, ROOT, check_builds.CACHE, refresh=False)
    mb = check_builds.MB
    verdicts = [
        check_builds.judge(function, sizes, failures, plan.inline_sizes.get(function.logical_id))
        for function in plan.functions
    ]
    failed = [v.function for v in verdicts if v.size is None or v.problems]
    if failed:
        raise SystemExit(f"the build check failed for {', '.join(failed)}: run make build-check")
    return {v.function: ((v.size or 0) / mb, v.limit / mb) for v in verdicts}


def sealing_mb_per_s() -> dict[int, tuple[float, float]]:
    from docsafe.sealing import JobKey

    key = JobKey("bench", "op", os.urandom(32))
    results = {}
    for megabytes in (1, 10, 50):
        data = os.urandom(megabytes * 1024 * 1024)
        started = time.perf_counter()
        sealed = key.seal(data, "input")
        sealing = time.perf_counter() - started
        started = time.perf_counter()
        key.open(sealed, "input")
        opening = time.perf_counter() - started
        results[megabytes] = (megabytes / sealing, megabytes / opening)
    return results


def main() -> None:
    cores = os.cpu_count() or 1
    rows = []
    seal = sealing_mb_per_s()
    # Polls cost the service CPU in local mode (the API runs in the same process): every
    # 50 ms while one page is read at a time and a core is free, every 0.5 s when all are busy.
    for pages, concurrency, runs, poll in ((1, 1, 5, 0.05), (10, 1, 3, 0.05), (100, cores, 1, 0.5)):
        document = scanned_pdf(pages)
        (Path("/tmp") / f"bench-{pages}.pdf").write_bytes(document)
        raw = statistics.median(
            _in_subprocess("raw", f"/tmp/bench-{pages}.pdf")["seconds"] for _ in range(runs)
        )
        parallel = _in_subprocess("raw", f"/tmp/bench-{pages}.pdf", str(concurrency))["seconds"]
        cold, total = end_to_end(document, concurrency, runs, poll)
        sealing_share = (
            (len(document) / 1024 / 1024) / seal[1][0] * 4 / total
        )  # input, pages and result, both ways
        rows.append(
            f"| {pages} | {concurrency} | {runs} | {raw:.2f} | {parallel:.2f} | {total:.2f} "
            f"| {total / raw:.2f} | {raw / total:.2f} | {total / parallel:.2f} "
            f"| {pages / (total * concurrency):.2f} | {cold:.2f} "
            f"| {len(document) / 1024:.0f} KB "
            f"| {100 * sealing_share:.2f} % |"
        )
        print(rows[-1], file=sys.stderr)
    engine = _in_subprocess("raw", "/tmp/bench-10.pdf")
    sizes = package_sizes_mb()
    imports = handler_import_ms()
    latency = request_latency_ms()
    lines = [
        "## Speed (bench/speed)",
        "",
        f"Scanned PDF pages (letter size, 18 lines each) rendered at {RENDER_DPI} dpi, read by the "
        f"reading policy the service runs by default (`{default_policy()}`). Raw engine: the same pages "
        "read by it one after the other in one process, no "
        "service around it, its model loaded before the clock starts; raw at once: the pages split "
        "between as many threads as the service reads pages at once (the physical limit here). "
        "End-to-end: submit → poll → succeeded through `docsafe serve` (moto, the real state "
        "machine), the median of `runs` documents once the service is warm (polling every 50 ms, "
        "every 0.5 s for 100 pages); `first` is the first document after the service started "
        "(it loads the model). Raw times are the median of as many runs.",
        "",
        "| pages | pages at once | runs | raw engine s | raw at once s | end-to-end s | end-to-end / raw "
        "| speed-up | end-to-end / raw at once | pages per core-second | first s | document "
        "| sealing share |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|---|",
        *rows,
        "",
        f"Policy throughput (one core, no service): {10 / engine['seconds']:.2f} pages per core-second, "
        f"peak memory {engine['peak_mb']:.0f} MB for a 10-page document.",
        "The Textract engine cannot be measured here (no AWS); its time is Textract's own per-page latency.",
        "",
        "| function (zip: code and layers unzipped; image: beside AWS's base image) | MB "
        "| Lambda's limit MB |",
        "|---|---|---|",
        *[f"| {name} | {mb:.1f} | {limit:.0f} |" for name, (mb, limit) in sizes.items()],
        "",
        "| API function | import (cold start) ms |",
        "|---|---|",
        *[f"| {name} | {ms:.0f} |" for name, ms in imports.items()],
        "",
        "| request, in-process | median ms |",
        "|---|---|",
        *[f"| {name} | {ms:.1f} |" for name, ms in latency.items()],
        "",
        "| sealing (AES-256-GCM) | seal MB/s | open MB/s |",
        "|---|---|---|",
        *[f"| {mb} MB | {s:.0f} | {o:.0f} |" for mb, (s, o) in seal.items()],
    ]
    body = "\n".join(lines)
    print(body)
    write_section("speed", "make bench-speed", body)


if __name__ == "__main__":
    if len(sys.argv) > 2 and sys.argv[1] == "raw":
        threads = int(sys.argv[3]) if len(sys.argv) > 3 else 1
        seconds, peak = raw_engine(Path(sys.argv[2]).read_bytes(), threads)
        print(json.dumps({"seconds": seconds, "peak_mb": peak}))
    else:
        main()
