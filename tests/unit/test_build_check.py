"""The build check's logic (infra/scripts/check_builds.py), without pip or the network:
what it reads from template.yaml, the size rule, the install cache and the exit status."""

from __future__ import annotations

import importlib.util
import json
import subprocess
import sys
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
from docsafe_tools.local.template import REPO_ROOT, load_template


def _load() -> ModuleType:
    spec = importlib.util.spec_from_file_location("check_builds", REPO_ROOT / "infra/scripts/check_builds.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules["check_builds"] = module  # dataclasses look their module up
    spec.loader.exec_module(module)
    return module


cb = _load()
MB = 1024 * 1024
TEMPLATE = load_template()
READING_FUNCTIONS = {"PrepareFunction", "ReadPageFunction", "AssembleFunction", "BuildModelFunction"}


def _plan(raw: dict[str, Any], root: Path = REPO_ROOT) -> Any:
    return cb.plan_builds(raw, root)


def _function(props: dict[str, Any], **extra: Any) -> dict[str, Any]:
    return {"Type": "AWS::Serverless::Function", "Properties": props, **extra}


def _mini(
    tmp_path: Path, functions: dict[str, Any], globals_: dict[str, Any] | None = None
) -> dict[str, Any]:
    """A small template over a folder of its own: one layer (L) and the given functions."""
    (tmp_path / "layer").mkdir(exist_ok=True)
    (tmp_path / "layer" / "requirements.txt").write_text("example==1.0\n")
    (tmp_path / "code").mkdir(exist_ok=True)
    (tmp_path / "code" / "app.py").write_text("x = 1\n")
    layer = {
        "Type": "AWS::Serverless::LayerVersion",
        "Properties": {"ContentUri": "layer", "CompatibleRuntimes": ["python3.12"]},
        "Metadata": {"BuildMethod": "python3.12"},
    }
    return {
        "Globals": {"Function": {"Runtime": "python3.12", "Architectures": ["x86_64"], **(globals_ or {})}},
        "Resources": {"L": layer, **functions},
    }


# ---------------------------------------------------------------- what it reads from template.yaml


def test_every_function_and_layer_of_the_template_is_planned() -> None:
    plan = _plan(TEMPLATE.raw)
    assert {f.logical_id for f in plan.functions} == set(TEMPLATE.of_type("AWS::Serverless::Function"))
    assert set(TEMPLATE.of_type("AWS::Serverless::LayerVersion")) == {"CoreLayer"}
    assert set(plan.layers) == {"CoreLayer", "ocr-image"}  # the reading image's requirements
    assert set(plan.code) == set(TEMPLATE.of_type("AWS::Serverless::Function")) - READING_FUNCTIONS
    for function in plan.functions:
        assert function.problems == (), function
        if function.logical_id in READING_FUNCTIONS:
            assert (function.code, function.image) == (None, "ocr-image")
        else:
            assert (function.code, function.image) == (function.logical_id, None)


def test_zip_functions_run_on_the_core_layer_and_the_reading_functions_are_one_image() -> None:
    plans = {f.logical_id: f for f in _plan(TEMPLATE.raw).functions}
    layers = {name: plan.layers for name, plan in plans.items()}
    for name in READING_FUNCTIONS:
        assert layers[name] == (), name  # an image has no layers: everything is inside
        copied = {folder.relative_to(REPO_ROOT).as_posix() for folder in plans[name].image_code}
        folder = TEMPLATE.functions()[name].code_dir.relative_to(REPO_ROOT).as_posix()
        assert {"layers/core/docsafe", folder} <= copied, name
    for name in (
        "AuthorizerFunction",
        "SubmitFunction",
        "StatusFunction",
        "PurgeFunction",
        "MarkFailedFunction",
    ):
        assert layers[name] == ("CoreLayer",), name


def test_layers_are_built_as_sam_lays_out_a_python_layer_for_the_runtime() -> None:
    plan = _plan(TEMPLATE.raw)
    core, image = plan.layers["CoreLayer"], plan.layers["ocr-image"]
    assert core.source == REPO_ROOT / "layers/core" and image.source == REPO_ROOT / "layers/ocr"
    assert core.requirements == REPO_ROOT / "layers/core/requirements.txt"
    assert core.prefix == "python"  # Lambda mounts it at /opt/python
    assert image.prefix == ""  # the Dockerfile installs into the task root
    # Both for the template's runtime: the zip functions' and the image's base image
    assert core.target == image.target == cb.Target("3.12", "x86_64")
    assert plan.code["StatusFunction"].source == REPO_ROOT / "functions/status"


def test_pip_installs_wheels_for_lambda_only(tmp_path: Path) -> None:
    layer = _plan(TEMPLATE.raw).layers["CoreLayer"]
    command = cb.pip_command(layer, tmp_path / "out", tmp_path / "cache")
    assert command[command.index("--target") + 1] == str(tmp_path / "out" / "python")
    assert command[command.index("--python-version") + 1] == "3.12"
    assert command[command.index("--implementation") + 1] == "cp"
    assert "--only-binary=:all:" in command
    assert command[command.index("-r") + 1] == str(REPO_ROOT / "layers/core/requirements.txt")
    platforms = [command[i + 1] for i, arg in enumerate(command) if arg == "--platform"]
    assert platforms[0] == "manylinux2014_x86_64"  # preferred, as sam prefers it
    assert "manylinux_2_28_x86_64" in platforms  # python3.12 runs on glibc 2.34


def test_platforms_follow_the_runtime_and_architecture() -> None:
    assert "manylinux_2_34_x86_64" in cb.Target("3.13", "x86_64").platforms()
    assert cb.Target("3.11", "x86_64").platforms() == ("manylinux2014_x86_64", "manylinux_2_17_x86_64")
    assert all("aarch64" in tag for tag in cb.Target("3.12", "arm64").platforms())


def test_an_image_function_is_measured_from_its_dockerfile_against_the_image_limit(tmp_path: Path) -> None:
    (tmp_path / "image").mkdir()
    (tmp_path / "image" / "requirements.txt").write_text("example==1.0\n")
    dockerfile = ["FROM public.ecr.aws/lambda/python:3.12", "COPY image/requirements.txt /tmp/r.txt"]
    (tmp_path / "image" / "Dockerfile").write_text("\n".join([*dockerfile, "COPY code /var/task/code", ""]))
    metadata = {"DockerContext": ".", "Dockerfile": "image/Dockerfile"}
    raw = _mini(tmp_path, {"Img": _function({"PackageType": "Image"}, Metadata=metadata)})
    plan = _plan(raw, tmp_path)
    (img,) = plan.functions
    assert img.problems == () and img.image == "image-image" and img.image_code == (tmp_path / "code",)
    assert plan.layers["image-image"].target == cb.Target("3.12", "x86_64")
    # Its size is its installed requirements and copied code, under 10 GB, not 250 MB
    fits = cb.judge(img, {"image-image": 400 * MB}, {})
    assert fits.ok and fits.limit == 10 * 1024 * MB and fits.size is not None and fits.size >= 400 * MB
    too_big = cb.judge(img, {"image-image": 10 * 1024 * MB}, {})
    assert not too_big.ok and "image's requirements" in too_big.problems[0]
    failed = cb.judge(img, {}, {"image-image": "image/requirements.txt does not install"})
    assert not failed.ok and failed.size is None


def test_an_image_function_not_on_lambdas_python_base_image_is_not_passed(tmp_path: Path) -> None:
    (tmp_path / "Dockerfile").write_text("FROM debian:13\n")
    metadata = {"DockerContext": ".", "Dockerfile": "Dockerfile"}
    raw = _mini(tmp_path, {"Img": _function({"PackageType": "Image"}, Metadata=metadata)})
    (img,) = _plan(raw, tmp_path).functions
    assert img.problems and "base image" in img.problems[0]
    assert not cb.judge(img, {}, {}).ok


def test_layers_it_cannot_measure_or_that_do_not_match_the_function_fail(tmp_path: Path) -> None:
    raw = _mini(
        tmp_path,
        {
            "Arn": _function({"CodeUri": "code", "Layers": ["arn:aws:lambda:eu-west-1:123:layer:x:1"]}),
            "Arm": _function({"CodeUri": "code", "Architectures": ["arm64"], "Layers": [{"Ref": "L"}]}),
            "Py13": _function({"CodeUri": "code", "Runtime": "python3.13", "Layers": [{"Ref": "L"}]}),
            "Node": _function({"CodeUri": "code", "Runtime": "nodejs22.x"}),
            "Fine": _function({"CodeUri": "code", "Layers": [{"Ref": "L"}]}),
        },
    )
    problems = {f.logical_id: " ".join(f.problems) for f in _plan(raw, tmp_path).functions}
    assert "not built by this template" in problems["Arn"]
    assert "arm64" in problems["Arm"]
    assert "python3.13" in problems["Py13"] and "CompatibleRuntimes" in problems["Py13"]
    assert "not checked" in problems["Node"]
    assert problems["Fine"] == ""


# ---------------------------------------------------------------- the size rule


def _ocr_function() -> Any:
    """A zip function on two layers (the core layer and an OCR layer), as reading functions were."""
    return cb.FunctionPlan("PrepareFunction", "PrepareFunction", ("CoreLayer", "OcrLayer"))


def test_a_function_under_the_limit_passes_with_its_total() -> None:
    sizes = {"PrepareFunction": 1 * MB, "CoreLayer": 40 * MB, "OcrLayer": 150 * MB}
    verdict = cb.judge(_ocr_function(), sizes, {})
    assert verdict.ok and verdict.size == 191 * MB and verdict.limit == 262_144_000


def test_a_function_over_the_limit_fails_naming_itself() -> None:
    sizes = {"PrepareFunction": 1 * MB, "CoreLayer": 40 * MB, "OcrLayer": 210 * MB}
    verdict = cb.judge(_ocr_function(), sizes, {})
    assert not verdict.ok and verdict.size == 251 * MB
    assert "PrepareFunction" in verdict.problems[0] and "250 MB" in verdict.problems[0]


def test_the_limit_counts_every_layer_and_is_exclusive() -> None:
    # Each part alone is far under the limit; only their sum is not.
    sizes = {"PrepareFunction": 10, "CoreLayer": 125 * MB, "OcrLayer": 125 * MB - 10}
    assert not cb.judge(_ocr_function(), sizes, {}).ok  # Lambda: "must be smaller than"
    assert cb.judge(_ocr_function(), {**sizes, "PrepareFunction": 9}, {}).ok


def test_a_layer_that_did_not_build_fails_every_function_using_it() -> None:
    failures = {"OcrLayer": "layers/ocr/requirements.txt does not install for python3.12 x86_64"}
    verdict = cb.judge(_ocr_function(), {"PrepareFunction": 1, "CoreLayer": 1}, failures)
    assert not verdict.ok and verdict.size is None
    assert "OcrLayer did not build" in verdict.problems[0]


def test_more_than_five_layers_fail() -> None:
    plan = cb.FunctionPlan("F", "F", tuple(f"L{i}" for i in range(6)))
    sizes = {"F": 1, **{f"L{i}": 1 for i in range(6)}}
    assert not cb.judge(plan, sizes, {}).ok


def test_packages_two_layers_both_ship_are_named() -> None:
    contents = {"A": [("botocore", "1.0", 5), ("numpy", "2.0", 9)], "B": [("botocore", "1.1", 5)]}
    (note,) = cb.shared(("A", "B"), contents)
    assert "botocore" in note and "DIFFERENT" in note
    assert cb.shared(("A",), contents) == []


# ---------------------------------------------------------------- measuring and the cache


def test_sizes_are_file_bytes_without_what_sam_leaves_out(tmp_path: Path) -> None:
    (tmp_path / "pkg" / "__pycache__").mkdir(parents=True)
    (tmp_path / "pkg" / "mod.py").write_bytes(b"x" * 1000)
    (tmp_path / "pkg" / "__pycache__" / "mod.cpython-312.pyc").write_bytes(b"x" * 500)
    (tmp_path / "thing.egg-info").mkdir()
    (tmp_path / "thing.egg-info" / "PKG-INFO").write_bytes(b"x" * 300)
    assert cb.tree_size(tmp_path) == 1800
    assert cb.tree_size(tmp_path, cb.SAM_EXCLUDES) == 1000


class FakePip:
    """Stands in for `pip install`: writes one file where --target points, or fails."""

    def __init__(self, fail: bool = False) -> None:
        self.calls = 0
        self.fail = fail

    def __call__(self, command: list[str], **_: Any) -> subprocess.CompletedProcess[str]:
        self.calls += 1
        if self.fail:
            message = "ERROR: Could not find a version that satisfies the requirement example==1.0"
            return subprocess.CompletedProcess(command, 1, "", message)
        target = Path(command[command.index("--target") + 1])
        target.mkdir(parents=True)
        (target / "example.py").write_bytes(b"x" * 4000)
        return subprocess.CompletedProcess(command, 0, "", "")


def test_an_unchanged_requirements_file_is_not_installed_again(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    layer = _plan(_mini(tmp_path, {}), tmp_path).layers["L"]
    pip = FakePip()
    monkeypatch.setattr(cb.subprocess, "run", pip)
    cache = tmp_path / "cache"
    assert cb.install(layer, cache, refresh=False)[1] is True
    tree, installed = cb.install(layer, cache, refresh=False)
    assert installed is False and pip.calls == 1
    assert cb.tree_size(tree) == 4000 and (tree / "python" / "example.py").is_file()
    cb.install(layer, cache, refresh=True)
    assert pip.calls == 2
    (tmp_path / "layer" / "requirements.txt").write_text("example==1.1\n")
    assert cb.install(layer, cache, refresh=False)[1] is True and pip.calls == 3


def test_a_failed_install_raises_pips_message_and_is_not_cached(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    layer = _plan(_mini(tmp_path, {}), tmp_path).layers["L"]
    monkeypatch.setattr(cb.subprocess, "run", FakePip(fail=True))
    with pytest.raises(RuntimeError, match=r"example==1\.0"):
        cb.install(layer, tmp_path / "cache", refresh=False)
    assert not list((tmp_path / "cache").glob("*/stamp"))


# ---------------------------------------------------------------- the exit status


def _write_template(tmp_path: Path) -> Path:
    _mini(tmp_path, {})
    path = tmp_path / "template.yaml"
    path.write_text(
        "Globals:\n  Function:\n    Runtime: python3.12\n    Layers: [!Ref L]\n"
        "Resources:\n"
        "  L:\n    Type: AWS::Serverless::LayerVersion\n"
        "    Properties: {ContentUri: layer}\n    Metadata: {BuildMethod: python3.12}\n"
        "  F:\n    Type: AWS::Serverless::Function\n    Properties: {CodeUri: code, Handler: app.h}\n"
    )
    return path


@pytest.mark.parametrize(("layer_mb", "status"), [(100, 0), (300, 1)])
def test_the_script_exits_non_zero_naming_the_function_over_the_limit(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    layer_mb: int,
    status: int,
) -> None:
    def fake_measure(bundle: Any, cache: Path, refresh: bool) -> tuple[int, list[Any], bool]:
        return (layer_mb * MB if bundle.logical_id == "L" else 100), [], False

    monkeypatch.setattr(cb, "measure", fake_measure)
    assert cb.run(_write_template(tmp_path), tmp_path / "cache", refresh=False) == status
    out, err = capsys.readouterr()
    assert f"{layer_mb}.0" in out
    assert ("F: code + layers" in err) == bool(status)


def test_the_script_fails_when_a_layer_does_not_install(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr(cb.subprocess, "run", FakePip(fail=True))
    assert cb.run(_write_template(tmp_path), tmp_path / "cache", refresh=False) == 1
    out, err = capsys.readouterr()
    assert "FAIL L: layer/requirements.txt has no Lambda wheels" in out
    assert "Could not find a version that satisfies the requirement example==1.0" in out
    assert "F: L did not build" in err


def _lambda_python() -> str | None:
    """An interpreter of the template's runtime (python3.12), if this machine has one."""
    import shutil

    installed = sorted(str(path) for path in Path.home().glob(".pyenv/versions/3.12*/bin/python3.12"))
    for candidate in ("python3.12", *installed):
        found = shutil.which(candidate) or (candidate if Path(candidate).is_file() else None)
        if found and subprocess.run([found, "--version"], capture_output=True).returncode == 0:
            return found
    return None


def _lambda_builds() -> tuple[str, dict[str, Path]]:
    """python3.12 and each layer's (and the reading image's) requirements as `make
    build-check` installed them for Lambda (python3.12 x86_64 wheels); the test skips,
    saying why, where either is missing."""
    python = _lambda_python()
    if python is None:
        pytest.skip("no python3.12 here to load the Lambda builds with")
    plan = _plan(TEMPLATE.raw)
    trees = {
        name: cb.CACHE / f"{name}-py3.12-x86_64" / "tree" / bundle.prefix
        for name, bundle in plan.layers.items()
    }
    if not all(tree.is_dir() for tree in trees.values()):
        pytest.skip("the Lambda builds are made by make build-check (make test runs it first)")
    return python, trees


_IMPORT_EACH = """
import json, pkgutil, sys, traceback
import docsafe
failed = {}
for module in pkgutil.walk_packages(docsafe.__path__, "docsafe."):
    try:
        __import__(module.name)
    except Exception as exc:
        failed[module.name] = [type(exc).__name__, getattr(exc, "name", None) or str(exc)]
print(json.dumps(failed))
"""


def _import_every_module(python: str, layer_trees: list[Path]) -> dict[str, list[str]]:
    """Each module of the shipped package imported by python3.12 with no site-packages:
    only the domain's code and the given requirements (a layer's, the image's) on its path."""
    path = [*(str(tree) for tree in layer_trees), str(REPO_ROOT / "layers/core")]
    env = {"PYTHONPATH": ":".join(path), "AWS_REGION": "eu-west-1", "PATH": "/usr/bin:/bin"}
    result = subprocess.run([python, "-S", "-c", _IMPORT_EACH], capture_output=True, text=True, env=env)
    assert result.returncode == 0, result.stderr
    return dict(json.loads(result.stdout))


def test_every_module_of_the_shipped_package_imports_with_only_the_layers_requirements() -> None:
    python, trees = _lambda_builds()
    # With the reading image's requirements (what the reading functions run with) every module imports
    assert _import_every_module(python, [trees["ocr-image"]]) == {}
    # With the core layer alone, a module fails only for want of what the image ships beside it
    ocr_packages = {entry.name.split(".")[0] for entry in trees["ocr-image"].iterdir()} - {
        entry.name.split(".")[0] for entry in trees["CoreLayer"].iterdir()
    }
    core_only = _import_every_module(python, [trees["CoreLayer"]])
    assert {
        module: error
        for module, (kind, error) in core_only.items()
        if kind != "ModuleNotFoundError" or error.split(".")[0] not in ocr_packages
    } == {}
    # and what the API, intake, MarkFailed and purge functions import is among the rest
    assert not {"docsafe.runtime", "docsafe.api", "docsafe.stages", "docsafe.housekeeping"} & set(core_only)


def test_every_function_loads_with_only_its_layers_or_image_as_built_for_lambda() -> None:
    python, trees = _lambda_builds()
    plan = _plan(TEMPLATE.raw)
    failures = {}
    for function in plan.functions:
        spec = TEMPLATE.functions()[function.logical_id]
        # When its handler is imported with nothing else: no site-packages, no developer package
        path = [
            str(spec.code_dir),
            *(str(trees[part]) for part in (function.image, *function.layers) if part),
            str(REPO_ROOT / "layers/core"),
        ]
        module = spec.handler.split(".")[0]
        env = {"PYTHONPATH": ":".join(path), "AWS_REGION": "eu-west-1", "PATH": "/usr/bin:/bin"}
        result = subprocess.run(
            [python, "-S", "-c", f"import {module}"], capture_output=True, text=True, env=env
        )
        if result.returncode != 0:
            failures[function.logical_id] = result.stderr.strip().splitlines()[-1:]
    # Then every one loads: what it imports is in its layers' (or its image's) pinned requirements
    assert failures == {}


def _lock_module() -> ModuleType:
    spec = importlib.util.spec_from_file_location("lock", REPO_ROOT / "infra/scripts/lock.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_a_lock_is_stale_once_its_input_changes_its_pins_are_edited_or_it_leaves_the_project_lock(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    lock = _lock_module()
    monkeypatch.setattr(lock, "ROOT", tmp_path)
    pyproject = '[project]\nname = "x"\ndependencies = ["example>=1"]\n'
    (tmp_path / "pyproject.toml").write_text(pyproject)
    project_lock = f"# from pyproject.toml sha256:{lock.digest(lock.wanted_by_project())}\n"
    (tmp_path / lock.LOCK).write_text(project_lock + "example==1.0\nother==2.0 ; sys_platform == 'linux'\n")
    layer = tmp_path / "layers" / "x"
    layer.mkdir(parents=True)
    (layer / "requirements.in").write_text("example\n")
    locked = f"# from requirements.in sha256:{lock.digest('example' + chr(10))}\nexample==1.0\nother==2.0\n"
    (layer / "requirements.txt").write_text(locked)
    assert lock.lock_problems() == [] and lock.problems("layers/x") == []
    # The project asks for something new: its lock is stale
    (tmp_path / "pyproject.toml").write_text(pyproject.replace('"example>=1"', '"example>=1", "new"'))
    assert "run make lock" in lock.lock_problems()[0]
    (tmp_path / "pyproject.toml").write_text(pyproject)
    # The layer's input changed without a new lock
    (layer / "requirements.in").write_text("example\nmore\n")
    assert "run make lock" in lock.problems("layers/x")[0]
    (layer / "requirements.in").write_text("example\n")
    # A pin edited by hand, or one the project's lock does not have
    (layer / "requirements.txt").write_text(locked.replace("example==1.0", "example==0.9"))
    assert lock.problems("layers/x") == [
        "layers/x/requirements.txt pins example at 0.9, requirements.lock at 1.0"
    ]
    (layer / "requirements.txt").write_text(locked + "stray==3.0\n")
    assert "does not ask for it" in lock.problems("layers/x")[0]


def test_the_project_lock_and_the_layers_requirements_are_current() -> None:
    lock = _lock_module()
    assert lock.lock_problems() + [problem for layer in lock.LAYERS for problem in lock.problems(layer)] == []


_RACE = """
import threading, time
from types import SimpleNamespace
from docsafe.runtime import Services

class SlowResource:
    tables = []
    def Table(self, name):
        time.sleep(0.05)  # wide enough for every thread to arrive while the first builds
        self.tables.append(name)
        return SimpleNamespace(name=name)

services = Services()
settings = SimpleNamespace(jobs_table="jobs", event_bus="", callback_queue_url="")
services.__dict__.update(settings=settings, _dynamodb=SlowResource())
seen, start = [], threading.Barrier(8)
def first_use():
    start.wait()
    seen.append(id(services.jobs))
threads = [threading.Thread(target=first_use) for _ in range(8)]
[thread.start() for thread in threads]
[thread.join() for thread in threads]
print(len(set(seen)), SlowResource.tables)
"""


def test_threads_racing_to_a_service_build_it_once_under_lambdas_python() -> None:
    # Python 3.12 (Lambda's runtime) dropped cached_property's lock; the purge's workers
    # reach one Services at once, and must share one store, built once
    python, trees = _lambda_builds()
    path = [str(trees["CoreLayer"]), str(REPO_ROOT / "layers/core")]
    env = {"PYTHONPATH": ":".join(path), "AWS_REGION": "eu-west-1", "PATH": "/usr/bin:/bin"}
    result = subprocess.run([python, "-S", "-c", _RACE], capture_output=True, text=True, env=env)
    assert result.returncode == 0, result.stderr
    assert result.stdout.split(None, 1) == ["1", "['jobs']\n"]
