"""The purge function's scheduled run, and the figures operators alarm on.

The order is the order of what matters: uploads past their time and expired jobs (the
retention promise), then the watchdog (clients waiting on a job whose workflow died), then
the sweep of stray objects (a backstop: their keys are gone already). The figures go out
as CloudWatch metrics in the embedded metric format: counts and a duration, under one
namespace, with the stack as their only dimension besides the service; never a tenant, a
key or a name.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Protocol

from docsafe.clock import Deadline
from docsafe.retention import Purge, PurgeReport
from docsafe.watchdog import recover_stuck

if TYPE_CHECKING:  # the composition root builds what calls this
    from docsafe.runtime import Services

METRICS_NAMESPACE = "DocSafe"
# Stop starting work this long before the function's timeout: what is in flight finishes
# (a job's purge takes well under a second) and the figures are written.
STOP_MARGIN_SECONDS = 20.0

EXPIRED_JOBS_PURGED = "ExpiredJobsPurged"
ORPHAN_OBJECTS_SWEPT = "OrphanObjectsSwept"
PURGE_BACKLOG = "PurgeBacklog"  # expired jobs a run left for the next: the promise at risk
SWEEP_RANGES_LEFT = "SweepRangesLeft"  # key ranges the sweep did not finish
JOBS_RECOVERED = "JobsRecovered"
PURGE_DURATION = "PurgeDuration"
METRIC_NAMES = (
    EXPIRED_JOBS_PURGED,
    ORPHAN_OBJECTS_SWEPT,
    PURGE_BACKLOG,
    SWEEP_RANGES_LEFT,
    JOBS_RECOVERED,
    PURGE_DURATION,
)


class MetricsSink(Protocol):
    """What the run needs of powertools' Metrics (which the handler flushes)."""

    def add_dimension(self, name: str, value: str) -> None: ...

    def add_metric(self, name: str, unit: str, value: float) -> None: ...


def scheduled_run(
    services: Services, millis_left: Callable[[], int], metrics: MetricsSink, workers: int | None = None
) -> PurgeReport:
    """One scheduled run until `millis_left` (the function's remaining time) runs low;
    the figures are recorded even when part of it failed."""
    deadline = Deadline(millis_left, STOP_MARGIN_SECONDS)
    recovered = 0
    with Purge(services, deadline, workers) as purge:
        try:
            recovered = purge.run_phases(
                lambda: recover_stuck(services.jobs, services.workflows, services.clock, deadline)
            )
        finally:
            report = purge.report(recovered)
            record_metrics(metrics, report, services.settings.stack_name)
    purge.raise_failures()
    return report


def record_metrics(metrics: MetricsSink, report: PurgeReport, stack: str) -> None:
    metrics.add_dimension(name="stack", value=stack)
    figures = (
        (EXPIRED_JOBS_PURGED, "Count", report.jobs),
        (ORPHAN_OBJECTS_SWEPT, "Count", report.orphans),
        (PURGE_BACKLOG, "Count", report.backlog),
        (SWEEP_RANGES_LEFT, "Count", report.sweep_left),
        (JOBS_RECOVERED, "Count", report.recovered),
        (PURGE_DURATION, "Milliseconds", round(report.seconds * 1000)),
    )
    for name, unit, value in figures:
        metrics.add_metric(name=name, unit=unit, value=value)
