"""Seconds and peak memory per page for each embedded engine and the reading policy, and
what the page-reading function is given on Lambda because of them (memory, onnxruntime's
threads), with the cost of 1,000 pages beside Textract's and Azure's list prices.

    python -m bench.speed.pages        (or: make bench-pages)

Each engine runs in a fresh process (its peak resident memory is its own), on pages the
service renders at its default 300 dpi: a clean scanned statement, a receipt and the
shared Textract form (a real document). Models are loaded before the clock starts.
"""

from __future__ import annotations

import json
import math
import os
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from bench.report import write_section  # noqa: E402

FIXTURE = ROOT.parent / "shared" / "fixtures" / "textract" / "form.png"
RUNS = [("tesseract", 1), ("ppocr", 1), ("ppocr", 2), ("cascade", 1), ("cascade", 2)]
MB_PER_VCPU = 1769  # Lambda gives one vCPU per 1,769 MB of memory
HEADROOM = 1.5  # memory set at this multiple of the measured peak, rounded up to 256 MB
# List prices, us-east-1, first tier (check them on the providers' pages before relying on them)
LAMBDA_GB_SECOND = 0.0000166667  # x86_64
LAMBDA_REQUEST = 0.20 / 1_000_000
PRICES_PER_1000 = {
    "Amazon Textract DetectDocumentText": 1.50,
    "Amazon Textract AnalyzeDocument (tables + forms)": 65.00,
    "Azure Document Intelligence Read": 1.50,
    "Azure Document Intelligence Layout": 10.00,
}


def pages() -> list[tuple[str, object]]:
    from PIL import Image

    from bench.accuracy.corpus import build
    from tests.support.documents import text_image

    lines = [f"Line {n} of a scanned statement with figures {n * 17}.{n:02d} and names" for n in range(1, 19)]
    statement = text_image(["Page 1", *lines], size=(2550, 3300), font_size=60)
    receipt = next(sample.image for sample in build() if sample.category == "receipt")
    found = [("clean statement", statement), ("receipt", receipt)]
    if FIXTURE.is_file():
        found.append(("shared form (real)", Image.open(FIXTURE).convert("RGB")))
    return found


def measure(engine_name: str, threads: int) -> dict[str, object]:
    """In this process: seconds per page of each kind, and the peak RSS."""
    from docsafe.engines import create_engine

    engine = create_engine(engine_name, threads=threads)
    kinds = pages()
    engine.read(kinds[0][1])  # models loaded (and the pool filled) before the clock starts
    seconds = {}
    for name, image in kinds:
        started = time.perf_counter()
        for _ in range(2):
            engine.read(image)
        seconds[name] = (time.perf_counter() - started) / 2
    return {"seconds": seconds, "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}


def in_subprocess(engine_name: str, threads: int) -> dict[str, object]:
    out = subprocess.run(
        [sys.executable, "-m", "bench.speed.pages", "measure", engine_name, str(threads)],
        capture_output=True,
        text=True,
        check=True,
        cwd=ROOT,
        env={**os.environ, "OMP_THREAD_LIMIT": "1"},
    )
    return dict(json.loads(out.stdout.strip().splitlines()[-1]))


def template_memory(function: str) -> int:
    from docsafe_tools.local.template import load_template

    return int(load_template().raw["Resources"][function]["Properties"]["MemorySize"])


def lambda_memory(peak_mb: float) -> int:
    return int(math.ceil(peak_mb * HEADROOM / 256) * 256)


def main() -> None:
    results = {(name, threads): in_subprocess(name, threads) for name, threads in RUNS}
    kinds = list(next(iter(results.values()))["seconds"])  # type: ignore[call-overload]
    rows = [
        "## Pages per engine on Lambda (bench/speed/pages)",
        "",
        "Seconds per page (300 dpi; a fresh process per engine, models loaded first) and the",
        "process's peak resident memory, on this machine (2 cores).",
        "",
        "| engine | threads | " + " | ".join(kinds) + " | peak MB |",
        "|---|---|" + "---|" * len(kinds) + "---|",
    ]
    for (name, threads), result in results.items():
        seconds = result["seconds"]
        rows.append(
            f"| {name} | {threads} | "
            + " | ".join(f"{seconds[kind]:.2f}" for kind in kinds)  # type: ignore[index]
            + f" | {result['peak_mb']:.0f} |"
        )
    peak = max(float(result["peak_mb"]) for result in results.values())  # type: ignore[arg-type]
    needed = lambda_memory(peak)
    memory = template_memory("ReadPageFunction")
    vcpus = memory / MB_PER_VCPU
    threads = max(1, math.floor(vcpus))
    chosen = results[("cascade", threads)]
    mean_seconds = statistics.mean(chosen["seconds"].values())  # type: ignore[union-attr]
    gb_seconds = memory / 1024 * mean_seconds
    per_1000 = 1000 * (gb_seconds * LAMBDA_GB_SECOND + LAMBDA_REQUEST)
    rows += [
        "",
        f"The page reader (ReadPageFunction) needs {needed} MB: the highest peak above "
        f"({peak:.0f} MB) × {HEADROOM}, rounded up to 256 MB (peaks move by about 100 MB from run "
        f"to run). template.yaml gives it {memory} MB"
        + (" — too little: raise its MemorySize" if memory < needed else "")
        + f". Lambda gives {vcpus:.2f} vCPUs at that memory, so onnxruntime runs {threads} "
        "thread(s) (DOCSAFE_OCR_THREADS in template.yaml).",
        "",
        "| 1,000 pages | USD |",
        "|---|---|",
        f"| DocSafe, the cascade on Lambda ({memory} MB × {mean_seconds:.2f} s a page, the mean of "
        f"the kinds above; list price {LAMBDA_GB_SECOND} per GB-s) | {per_1000:.2f} |",
        *(f"| {service} (list price) | {price:.2f} |" for service, price in PRICES_PER_1000.items()),
        "",
        "Lambda's time is this machine's; a Lambda vCPU is not the same core, and S3, KMS and "
        "Step Functions (a few cents per 1,000 pages at list price) come on top. List prices: "
        "us-east-1, first tier, as published by each provider; check them before relying on them.",
    ]
    body = "\n".join(rows)
    print(body)
    write_section("pages", "make bench-pages", body)


if __name__ == "__main__":
    if sys.argv[1:2] == ["measure"]:
        print(json.dumps(measure(sys.argv[2], int(sys.argv[3]))))
    else:
        main()
