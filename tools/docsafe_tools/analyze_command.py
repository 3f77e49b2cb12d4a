"""`docsafe analyze`: several documents at once, a progress bar each, an error each.

Progress goes to standard error (rich), results to standard output or to files, so the
text can be piped while the bars show. A failed file is reported and the others go on.
"""

from __future__ import annotations

import json
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    SpinnerColumn,
    TaskID,
    TextColumn,
    TimeElapsedColumn,
)

from docsafe_tools.client import Analysis, ApiClient, ApiError
from docsafe_tools.job_events import FALLBACK_POLL_SECONDS, JobEndWatcher

AT_ONCE = 4  # documents in flight; the service reads their pages in parallel anyway
SUFFIXES = {"text": ".txt", "markdown": ".md", "json": ".json"}


@dataclass
class Outcome:
    file: Path
    output: str | None = None
    error: str | None = None


def render(result: dict[str, Any], output_format: str) -> str:
    """The result as asked: the whole JSON, or its text (with a custom model's fields)."""
    if output_format == "json":
        return json.dumps(result, ensure_ascii=False, indent=2)
    text = str(result["content"])
    for document in result.get("documents", []):
        fields = document.get("fields", {})
        text += f"\n\n[{document.get('docType', 'document')}]"
        for name, field in fields.items():
            text += f"\n{name}: {field.get('content', '')}"
    return text


def run_analyses(
    files: list[Path],
    endpoint: str,
    key: str,
    model: str,
    options: dict[str, str],
    output_format: str,
    delete: bool = False,
    output_dir: Path | None = None,
    console: Console | None = None,
    watcher: JobEndWatcher | None = None,
) -> list[Outcome]:
    """Analyze every file; print or write each result; returns the failed outcomes. With
    a `watcher`, each analysis is waited for on the stack's job events, not polled."""
    console = console or Console(stderr=True)
    client = ApiClient(endpoint, key)
    columns = (
        SpinnerColumn(),
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("{task.fields[state]}"),
        TimeElapsedColumn(),
    )
    with Progress(*columns, console=console, transient=False) as progress:

        def one(file: Path, task: TaskID) -> Outcome:
            def show(analysis: Analysis) -> None:
                progress.update(
                    task,
                    state=analysis.status,
                    total=analysis.page_count,
                    completed=analysis.pages_read,
                )

            try:
                progress.update(task, state="uploading")
                analysis = client.submit(file.read_bytes(), model, options)
                if watcher is None:
                    show(client.wait(analysis, show))
                else:
                    progress.update(task, state="waiting for its event")
                    show(_wait_on_events(client, watcher, analysis))
                result = analysis.succeeded_result()
                pages = len(result.get("pages", []))
                progress.update(task, state="succeeded", total=pages, completed=pages)
                output = render(result, output_format)
                if delete:
                    client.delete(analysis)
                    progress.update(task, state="succeeded, deleted")
                return Outcome(file, output=output)
            except (ApiError, OSError) as error:
                progress.update(task, state="[red]failed[/red]")
                return Outcome(file, error=str(error))

        tasks = [progress.add_task(file.name, total=None, state="waiting") for file in files]
        with ThreadPoolExecutor(max_workers=AT_ONCE) as pool:
            outcomes = list(pool.map(one, files, tasks))

    for outcome in outcomes:
        if outcome.error is not None:
            console.print(f"[red]{outcome.file}[/red]: {outcome.error}", markup=True, highlight=False)
        elif output_dir is not None:
            output_dir.mkdir(parents=True, exist_ok=True)
            (output_dir / (outcome.file.name + SUFFIXES[output_format])).write_text(outcome.output or "")
        else:
            if len(files) > 1:
                print(f"==> {outcome.file} <==")
            print(outcome.output)
    return [outcome for outcome in outcomes if outcome.error is not None]


def _wait_on_events(client: ApiClient, watcher: JobEndWatcher, analysis: Analysis) -> Analysis:
    """The analysis once its end's event came: a poll once the rule names it (an end before
    that had no event to send), then one for the result; and one each half minute while
    no event comes (one lost while the rule was new costs that much, never the analysis)."""
    from botocore.exceptions import BotoCoreError, ClientError

    deadline = time.monotonic() + client.timeout
    try:
        watcher.watch(analysis.operation_id)
        client.poll(analysis)
        while analysis.status in ("notStarted", "running"):
            if time.monotonic() > deadline:
                raise ApiError(0, "Timeout", f"the analysis did not finish within {client.timeout:g} s")
            watcher.wait_for(analysis.operation_id, FALLBACK_POLL_SECONDS)
            client.poll(analysis)
        watcher.forget(analysis.operation_id)
    except (ClientError, BotoCoreError) as error:  # the bus or the queue, not the analysis
        raise ApiError(0, "EventsUnavailable", f"waiting on the job events failed: {error}") from None
    return analysis
