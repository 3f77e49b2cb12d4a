"""The layers' pinned requirements, resolved from their requirements.in for Lambda.

    python infra/scripts/lock.py          (make lock)   resolve again, write requirements.txt
    python infra/scripts/lock.py --check  (make test)   fail if a requirements.txt is stale

Each layer's requirements.in names what its code imports; `make lock` resolves it with uv
for the template's runtime (python3.12 on x86_64, manylinux wheels) into requirements.txt,
every dependency pinned, which is what `sam build` and the build check install. The
generated file starts with the digest of the requirements.in it came from: the check needs
no network and is not upset by releases made since, only by an input edited without a
new lock (or a lock edited by hand).
"""

from __future__ import annotations

import argparse
import hashlib
import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
LAYERS = ("layers/core", "layers/ocr")
PYTHON, PLATFORM = "3.12", "x86_64-manylinux_2_28"
_DIGEST = re.compile(r"^# from requirements\.in sha256:([0-9a-f]{64})$", re.MULTILINE)
_PIN = re.compile(r"^([A-Za-z0-9_.-]+)(?:\[[^\]]*\])?==(\S+)", re.MULTILINE)


def digest(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def pins(text: str) -> dict[str, str]:
    return {name.lower().replace("_", "-"): version for name, version in _PIN.findall(text)}


def write(layer: str) -> None:
    source, target = ROOT / layer / "requirements.in", ROOT / layer / "requirements.txt"
    uv = Path(sys.executable).with_name("uv")
    command = [str(uv), "pip", "compile", "--quiet", "--python-version", PYTHON]
    command += ["--python-platform", PLATFORM, "--custom-compile-command", "make lock"]
    # The pins already there are kept where they still fit: a new lock moves only what must.
    command += [f"{layer}/requirements.in", "-o", f"{layer}/requirements.txt"]
    subprocess.run(command, cwd=ROOT, check=True)  # noqa: S603 - our own uv, fixed arguments
    locked = target.read_text()
    target.write_text(f"# from requirements.in sha256:{digest(source.read_text())}\n{locked}")


def problems(layer: str) -> list[str]:
    source, target = ROOT / layer / "requirements.in", ROOT / layer / "requirements.txt"
    wanted, locked = source.read_text(), target.read_text()
    found = _DIGEST.search(locked)
    if found is None or found.group(1) != digest(wanted):
        return [f"{layer}/requirements.txt is not the lock of its requirements.in: run make lock"]
    have = pins(locked)
    return [
        f"{layer}/requirements.txt pins {name} at {have.get(name)}, requirements.in asks for {version}"
        for name, version in pins(wanted).items()
        if have.get(name) != version
    ]


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--check", action="store_true", help="only check that every lock is current")
    if not parser.parse_args().check:
        for layer in LAYERS:
            write(layer)
    found = [problem for layer in LAYERS for problem in problems(layer)]
    for problem in found:
        print(problem, file=sys.stderr)
    if not found:
        print("the layers' requirements are the locks of their requirements.in")
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main())
