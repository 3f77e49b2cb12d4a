"""One lock of every dependency, and the layers' requirements generated from it.

    python infra/scripts/lock.py          (make lock)   resolve again, write the locks
    python infra/scripts/lock.py --check  (make lint)   fail if a lock is stale

pyproject.toml says what the project needs (ranges); `make lock` resolves it with uv into
requirements.lock, every package pinned for every platform and Python the project runs
on (`--universal`): the development environment installs with it as constraints. Each
layer's requirements.in names what its code imports (no versions); its requirements.txt
is resolved from it for the template's runtime (python3.12 on x86_64, manylinux wheels)
under the same lock, so Lambda runs the versions the tests ran. Each generated file starts
with the digest of what it came from: the check needs no network and is not upset by
releases made since, only by an input edited without a new lock, a lock edited by hand,
or a layer needing what the project does not.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import re
import subprocess
import sys
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
LAYERS = ("layers/core", "layers/ocr")
PYTHON, PLATFORM = "3.12", "x86_64-manylinux_2_28"
LOCK = "requirements.lock"
_DIGEST = re.compile(r"^# from (requirements\.in|pyproject\.toml) sha256:([0-9a-f]{64})$", re.MULTILINE)
_PIN = re.compile(r"^([A-Za-z0-9_.-]+)(?:\[[^\]]*\])?==(\S+)", re.MULTILINE)


def digest(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def pins(text: str) -> dict[str, str]:
    return {name.lower().replace("_", "-"): version for name, version in _PIN.findall(text)}


def wanted_by_project() -> str:
    """What the lock comes from: pyproject's dependencies, extras and Python range (the
    universal resolution covers every Python in it), in a stable text."""
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    wanted = {
        "dependencies": project["dependencies"],
        "extras": project.get("optional-dependencies", {}),
        "python": project.get("requires-python", ""),
    }
    return json.dumps(wanted, sort_keys=True)


def _compile(arguments: list[str]) -> None:
    uv = Path(sys.executable).with_name("uv")
    # The pins already in the output file are kept where they still fit: a new lock moves
    # only what must.
    command = [str(uv), "pip", "compile", "--quiet", "--custom-compile-command", "make lock", *arguments]
    subprocess.run(command, cwd=ROOT, check=True)  # noqa: S603 - our own uv, fixed arguments


def _stamp(target: Path, source: str, text: str) -> None:
    target.write_text(f"# from {source} sha256:{digest(text)}\n{target.read_text()}")


def write_lock() -> None:
    _compile(["--universal", "--all-extras", "pyproject.toml", "-o", LOCK])
    _stamp(ROOT / LOCK, "pyproject.toml", wanted_by_project())


def write(layer: str) -> None:
    source = ROOT / layer / "requirements.in"
    target = ["--python-version", PYTHON, "--python-platform", PLATFORM]
    _compile([*target, "-c", LOCK, f"{layer}/requirements.in", "-o", f"{layer}/requirements.txt"])
    _stamp(ROOT / layer / "requirements.txt", "requirements.in", source.read_text())


def _stamped(text: str) -> str | None:
    found = _DIGEST.search(text)
    return found.group(2) if found else None


def lock_problems() -> list[str]:
    if _stamped((ROOT / LOCK).read_text()) != digest(wanted_by_project()):
        return [f"{LOCK} is not the lock of pyproject.toml's dependencies: run make lock"]
    return []


def problems(layer: str) -> list[str]:
    source, target = ROOT / layer / "requirements.in", ROOT / layer / "requirements.txt"
    wanted, locked = source.read_text(), target.read_text()
    if _stamped(locked) != digest(wanted):
        return [f"{layer}/requirements.txt is not the lock of its requirements.in: run make lock"]
    everything = pins((ROOT / LOCK).read_text())
    return [
        f"{layer}/requirements.txt pins {name} at {version}, {LOCK} at {everything.get(name)}"
        + ("" if name in everything else " (pyproject.toml does not ask for it)")
        for name, version in pins(locked).items()
        if everything.get(name) != version
    ]


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--check", action="store_true", help="only check that every lock is current")
    if not parser.parse_args().check:
        write_lock()
        for layer in LAYERS:
            write(layer)
    found = lock_problems() + [problem for layer in LAYERS for problem in problems(layer)]
    for problem in found:
        print(problem, file=sys.stderr)
    if not found:
        print(f"{LOCK} locks pyproject.toml; the layers' requirements are generated from it")
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main())
