"""Deleting jobs for good: on request, and when their retention ends.

A job's data key lives only in its record, so the record goes first: from that moment
every copy of its sealed objects is unreadable (crypto-shredding), and the objects are
removed right after. S3 lifecycle and DynamoDB TTL stay as backstops only: lifecycle
rounds to midnight and removes lazily, TTL deletes "within days".

A scheduled purge does the most pressing work first, so a run that runs short of time
never starves it: uploads past their time, then expired jobs, the earliest expiry first
(the retention promise), then the sweep of objects no record owns any more (their keys
are gone already: the sweep frees storage). The work fans out over a bounded pool of
threads; what a run cannot reach before its deadline is counted as a backlog, and the
next run takes it up.
"""

from __future__ import annotations

import heapq
import threading
import time
from collections import Counter, defaultdict, deque
from collections.abc import Callable, Iterable
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass, field
from itertools import chain
from typing import TYPE_CHECKING, Any, TypeVar

from aws_lambda_powertools import Logger
from botocore.exceptions import ClientError

from docsafe.audit import Action
from docsafe.clock import Deadline
from docsafe.custom.models import PREFIX as MODELS_PREFIX
from docsafe.custom.models import model_of
from docsafe.intake import INTAKE_PREFIX, INTAKE_SECONDS
from docsafe.jobs import BATCH_GET_LIMIT, Expiring, iso
from docsafe.settings import MAX_RETENTION_SECONDS
from docsafe.storage import DELETE_LIMIT, JOBS_PREFIX, Unfinished, job_of, job_prefix
from docsafe.uploads import PREFIX as UPLOADS_PREFIX

if TYPE_CHECKING:  # the composition root builds what calls this
    from docsafe.runtime import Services

logger = Logger(service="docsafe", child=True)

# An object whose record is gone is normally removed by the same purge that removed the
# record; one that is not (a write racing a delete) is swept once it is this old.
ORPHAN_GRACE_SECONDS = 60
# Threads of one purge run. Each AWS call waits ~10-30 ms on the network and costs well
# under a millisecond of CPU, so sixteen keep a one-vCPU function busy, far below what
# DynamoDB on demand and S3 take per second.
PURGE_WORKERS = 16
# The jobs table is read for expiring records as this many segments side by side.
SCAN_SEGMENTS = 4
# Expired jobs are purged this many at a time by one worker (BatchWriteItem's 25).
BATCH_JOBS = 25
# A tenant's keys beyond this many are swept as up to sixteen ranges side by side, cut at
# the hex digit operation ids start with, so one busy tenant is not one long listing.
SPLIT_AFTER = 2000
HEX_DIGITS = "0123456789abcdef"

T = TypeVar("T")
R = TypeVar("R")
Owner = tuple[str, str, str]  # ("job" | "model", tenant, operation or model id)


@dataclass(frozen=True)
class Receipt:
    """What was destroyed, and when: handed to the client and kept in the audit trail."""

    receipt_id: str
    operation_id: str
    reason: Action
    destroyed_at: float
    record: bool
    objects: tuple[str, ...] = field(default_factory=tuple)

    def to_wire(self) -> dict[str, Any]:
        names = [key.rsplit("/", 1)[-1] for key in self.objects]
        return {
            "receiptId": self.receipt_id,
            "operationId": self.operation_id,
            "reason": self.reason.value,
            "destroyedDateTime": iso(self.destroyed_at),
            "destroyed": {
                "dataKey": self.record,
                "jobRecord": self.record,
                # An upload not yet taken into the job is its input too.
                "input": "input" in names
                or any(
                    key.split("/", 1)[-1].startswith((UPLOADS_PREFIX, INTAKE_PREFIX)) for key in self.objects
                ),
                "pages": sum(1 for key in self.objects if "/pages/" in key),
                "result": "result.json" in names,
                "objects": len(self.objects),
            },
        }


def purge_job(services: Services, tenant: str, operation_id: str, reason: Action) -> Receipt:
    """Destroy the job's key and record, then every object it has, and log a receipt."""
    unfinished = services.objects.unfinished_uploads(job_prefix(tenant, operation_id))
    (receipt,) = purge_jobs(services, [(tenant, operation_id)], reason, unfinished)
    return receipt


def purge_jobs(
    services: Services,
    jobs: list[tuple[str, str]],
    reason: Action,
    unfinished: dict[tuple[str, str], list[Unfinished]],
) -> list[Receipt]:
    """`purge_job` for (tenant, operation id) of many jobs at once, in the same order:
    every key and record first, then the jobs' open uploads (`unfinished`, listed by the
    caller) and objects (one delete for a thousand keys), then the receipts (one write
    for 25): about three calls a job instead of eight."""
    removed = [services.jobs.remove(tenant, operation_id) for tenant, operation_id in jobs]
    records = [job is not None for job in removed]
    for job in removed:
        if job is not None:  # its end, for the teams that act on it (docsafe.completion)
            services.completion.ended(job, reason.value)
    found: dict[tuple[str, str], list[tuple[str, str]]] = {}
    try:
        for job in jobs:
            for upload in unfinished.get(job, []):
                _abort(services, upload)
        found = {job: services.objects.keys_of(*job) for job in jobs}
        services.objects.delete_found(chain.from_iterable(found.values()))
    except Exception:
        # The keys are destroyed already (the records went first): their receipts are
        # owed whatever happened to the objects, which the sweep takes later.
        _receipts(services, jobs, records, reason, found)
        raise
    entries = _receipts(services, jobs, records, reason, found)
    return [
        Receipt(entry.entry_id, job[1], reason, entry.at, record, tuple(f"{b}/{k}" for b, k in found[job]))
        for job, record, entry in zip(jobs, records, entries, strict=True)
    ]


def _receipts(
    services: Services,
    jobs: list[tuple[str, str]],
    records: list[bool],
    reason: Action,
    found: dict[tuple[str, str], list[tuple[str, str]]],
) -> list[Any]:
    return services.audit.record_many(  # type: ignore[no-any-return]
        [
            (
                tenant,
                operation_id,
                reason,
                {"objects": len(found.get((tenant, operation_id), [])), "record": record},
            )
            for (tenant, operation_id), record in zip(jobs, records, strict=True)
        ]
    )


def _abort(services: Services, upload: Unfinished) -> None:
    """Abort an open multipart upload; one that finished or was aborted meanwhile is done."""
    try:
        services.objects.abort(upload)
    except ClientError as exc:
        if exc.response.get("Error", {}).get("Code") != "NoSuchUpload":
            raise


@dataclass(frozen=True)
class PurgeReport:
    jobs: int
    orphans: int
    recovered: int = 0
    backlog: int = 0  # expired jobs the run did not purge (not reached, or failed)
    sweep_left: int = 0  # key ranges the sweep did not finish
    seconds: float = 0.0

    def to_wire(self) -> dict[str, int]:
        return {"expiredJobs": self.jobs, "orphanObjects": self.orphans, "recoveredJobs": self.recovered}


class PurgeIncomplete(Exception):
    """Some of a run's work failed (the message holds counts and error names only); the
    run still did the rest, and the next one retries."""


def purge_expired(
    services: Services, deadline: Deadline | None = None, workers: int | None = None
) -> PurgeReport:
    """Remove every job that would pass its retention before the next run, and any
    object left without a job, as far as `deadline` allows."""
    with Purge(services, deadline, workers) as purge:
        purge.run_phases()
    purge.raise_failures()
    return purge.report()


@dataclass
class _Tally:
    jobs: int = 0
    orphans: int = 0
    backlog: int = 0
    sweep_left: int = 0
    failures: Counter[str] = field(default_factory=Counter)


class Purge:
    """One purge run: its clock, its deadline, and a pool of workers that each use table
    objects of their own (see `_mine`). Counts are kept by the calling thread only."""

    def __init__(self, services: Services, deadline: Deadline | None = None, workers: int | None = None):
        self._services = services
        self._deadline = deadline or Deadline.never()
        self._workers = workers or PURGE_WORKERS
        self._pool = ThreadPoolExecutor(max_workers=self._workers, thread_name_prefix="docsafe-purge")
        self._local = threading.local()
        self._started = time.monotonic()
        self._tally = _Tally()
        self.now = services.clock()
        self.horizon = self.now + services.settings.purge_interval_seconds

    def __enter__(self) -> Purge:
        return self

    def __exit__(self, *exc: object) -> None:
        self._pool.shutdown(wait=True)

    def report(self, recovered: int = 0) -> PurgeReport:
        tally = self._tally
        report = PurgeReport(
            jobs=tally.jobs,
            orphans=tally.orphans,
            recovered=recovered,
            backlog=tally.backlog,
            sweep_left=tally.sweep_left,
            seconds=time.monotonic() - self._started,
        )
        if report.jobs or report.orphans or report.backlog or report.sweep_left:
            logger.info(
                "purge",
                expired_jobs=report.jobs,
                orphan_objects=report.orphans,
                backlog=report.backlog,
                sweep_ranges_left=report.sweep_left,
                seconds=round(report.seconds, 3),
            )
        return report

    def run_phases(self, recover: Callable[[], int] | None = None) -> int:
        """Every phase in the order of what matters: uploads past their time and expired
        jobs (the retention promise), then `recover` (the watchdog, if given), then the
        sweep of stray objects. A phase that fails is counted and the next still runs: a
        fault in one (an object S3 will not delete) must not hold back the others.
        Returns what `recover` recovered."""
        self.attempt(self.uploads)
        self.attempt(self.expired)
        recovered = (self.attempt(recover) if recover else None) or 0
        self.attempt(self.strays)
        return recovered

    def attempt(self, phase: Callable[[], R]) -> R | None:
        """Run one phase; a failure is counted (by error name) instead of ending the run."""
        try:
            return phase()
        except Exception as exc:
            self._tally.failures[_error_name(exc)] += 1
            logger.error("purge phase failed", error_type=_error_name(exc))
            return None

    def raise_failures(self) -> None:
        failures = self._tally.failures
        if failures:
            logger.error("purge tasks failed", failures=dict(failures))
            raise PurgeIncomplete(f"{sum(failures.values())} purge tasks failed: {dict(failures)}")

    # ------------------------------------------------------------ the phases, in order

    def uploads(self) -> None:
        """Delete every upload past its time, and every analyze request the intake function
        never took in (it retries for 15 minutes): both live an hour at most, so they are
        few and one listing each finds them (one that sorted after `jobs/` once never got
        swept)."""
        settings, objects = self._services.settings, self._services.objects
        ttl = min(settings.upload_ttl_seconds, settings.retention_seconds)
        for bucket in objects.buckets:
            intake = min(INTAKE_SECONDS, settings.retention_seconds)
            for prefix, lifetime in ((UPLOADS_PREFIX, ttl), (INTAKE_PREFIX, intake)):
                stale = [
                    key
                    for key, _, modified in objects.listing(bucket, prefix)
                    if modified + lifetime <= self.horizon
                ]
                self._tally.orphans += objects.delete_keys(bucket, stale)

    def expired(self) -> None:
        """Purge the jobs whose retention ends before the next run, the earliest first."""
        segments = [
            self._pool.submit(lambda n=n: self._mine().jobs.expiring(self.horizon, n, SCAN_SEGMENTS))
            for n in range(SCAN_SEGMENTS)
        ]
        expiring = sorted(chain.from_iterable(future.result() for future in segments))
        # Open uploads are rare: one listing for all the jobs, not two calls a job.
        unfinished = self._services.objects.unfinished_uploads() if expiring else {}
        # Batches of jobs in order, at least four a worker: the earliest go first, and the
        # deadline is never more than a batch away.
        size = max(1, min(BATCH_JOBS, len(expiring) // (self._workers * 4)))
        batches = [expiring[start : start + size] for start in range(0, len(expiring), size)]

        def purge(services: Services, batch: list[Expiring]) -> int:
            purge_jobs(
                services, [(job.tenant, job.operation_id) for job in batch], Action.EXPIRED, unfinished
            )
            return len(batch)

        def purged(count: int) -> list[list[Expiring]]:
            self._tally.jobs += count
            return []

        self._tally.backlog += sum(len(batch) for batch in self._drain(batches, purge, purged))

    def strays(self) -> None:
        """Sweep the objects no job or model owns: one range of keys per tenant (both
        buckets at once, so each job is checked once), split further when large."""
        ranges = self._ranges()
        if ranges:
            # Start somewhere else each run: a sweep that cannot finish still covers it all.
            turn = int(self.now // self._services.settings.purge_interval_seconds) % len(ranges)
            ranges = ranges[turn:] + ranges[:turn]

        def swept(outcome: _Swept) -> list[_Range]:
            self._tally.orphans += outcome.removed
            self._tally.sweep_left += not outcome.finished
            return outcome.rest

        self._tally.sweep_left += len(self._drain(ranges, self._sweep, swept))

    # ------------------------------------------------------------ the machinery

    def _mine(self) -> Services:
        """The services with table objects of this worker thread's own (clients are
        shared: boto3 clients are thread-safe, its resource objects are not)."""
        mine: Services | None = getattr(self._local, "services", None)
        if mine is None:
            mine = self._local.services = self._services.for_thread()
        return mine

    def _drain(
        self, tasks: Iterable[T], work: Callable[[Services, T], R], done: Callable[[R], Iterable[T]]
    ) -> list[T]:
        """Run `work` on each task in order, at most `workers` at a time, starting none once
        the deadline passed; `done` takes each result (on this thread) and may give more
        tasks. Returns the tasks not started, and those that failed."""
        queue = deque(tasks)
        running: dict[Future[R], T] = {}
        left: list[T] = []
        while queue or running:
            while queue and len(running) < self._workers and not self._deadline.passed():
                task = queue.popleft()
                running[self._pool.submit(lambda task=task: work(self._mine(), task))] = task
            if not running:
                break  # out of time with tasks still queued
            finished, _ = wait(running, return_when=FIRST_COMPLETED)
            for future in finished:
                task = running.pop(future)
                try:
                    result = future.result()
                except Exception as exc:  # one failing task must not stop the others
                    self._tally.failures[_error_name(exc)] += 1
                    left.append(task)
                    continue
                queue.extend(done(result))
        return left + list(queue)

    def _ranges(self) -> list[_Range]:
        """Where the sweep must look: a range per tenant under `jobs/`, one per other
        folder (models, anything foreign); a key at the top of a bucket or loose in
        `jobs/` is no one's and goes at once."""
        objects = self._services.objects
        tenants: set[str] = set()
        others: set[str] = set()
        for bucket in objects.buckets:
            loose, folders = objects.folders(bucket, "")
            self._tally.orphans += objects.delete_keys(bucket, loose)
            for folder in folders:
                if folder == JOBS_PREFIX:
                    loose, tenant_folders = objects.folders(bucket, JOBS_PREFIX)
                    self._tally.orphans += objects.delete_keys(bucket, loose)
                    tenants.update(tenant_folders)
                elif folder not in (UPLOADS_PREFIX, INTAKE_PREFIX):  # the uploads phase's
                    others.add(folder)
        return [_Range(t, split=True) for t in sorted(tenants)] + [_Range(f) for f in sorted(others)]

    def _sweep(self, services: Services, area: _Range) -> _Swept:
        """Sweep one range of keys (both buckets, merged in key order) until its end, the
        deadline, or the point where a large one hands the rest to parallel ranges."""
        objects = services.objects
        listed = heapq.merge(
            *(objects.listing(bucket, area.prefix, area.after) for bucket in objects.buckets)
        )
        sweeper = _Sweeper(services, self.now, self.horizon)
        owner: Owner | None = None
        last: str | None = None
        seen = 0
        for key, bucket, modified in listed:
            if area.start is not None and key < area.start:
                continue
            if area.end is not None and key >= area.end:
                break
            this = _owner(key)
            if last is not None and (this is None or this != owner):
                # Every key of the previous owner is in: a place to stop, or to split.
                if self._deadline.passed():
                    sweeper.flush()
                    return _Swept(sweeper.removed, finished=False)
                if area.split and seen >= SPLIT_AFTER:
                    sweeper.flush()
                    return _Swept(sweeper.removed, rest=_split(area, last))
                sweeper.between_owners()
            owner = this
            sweeper.add(bucket, key, modified, this)
            last = key
            seen += 1
        sweeper.flush()
        return _Swept(sweeper.removed)


@dataclass(frozen=True)
class _Range:
    """Keys under `prefix` in both buckets: after `after` (S3's StartAfter), at least
    `start`, below `end`. `split`: hand the rest to parallel ranges once it proves large."""

    prefix: str
    after: str | None = None
    start: str | None = None
    end: str | None = None
    split: bool = False


@dataclass(frozen=True)
class _Swept:
    removed: int
    rest: list[_Range] = field(default_factory=list)
    finished: bool = True


def _split(area: _Range, last: str) -> list[_Range]:
    """The rest of `area` after the key `last`, cut where the first digit of the operation
    id changes: the part right after `last`, then one part per later digit. Keys whose id
    starts otherwise fall in the part below or the last part, so none is left out."""
    digit = last[len(area.prefix) : len(area.prefix) + 1]
    cuts = [area.prefix + d for d in HEX_DIGITS if d > digit]
    parts = [_Range(area.prefix, after=last, end=cuts[0] if cuts else area.end)]
    for start, end in zip(cuts, [*cuts[1:], area.end], strict=False):  # no cuts: no more parts
        # StartAfter below `start` by one digit and the highest printable character (plain
        # ASCII, valid in S3's XML); `start` itself drops anything that sorts in between.
        below = start[:-1] + chr(ord(start[-1]) - 1) + "~"
        parts.append(_Range(area.prefix, after=below, start=start, end=end))
    return parts


def _owner(key: str) -> Owner | None:
    """Whose record keeps `key` alive: a job's, a model's, or no one's."""
    if key.startswith(MODELS_PREFIX):
        model = model_of(key)
        return ("model", *model) if model else None
    job = job_of(key)
    return ("job", *job) if job else None


class _Sweeper:
    """One range's verdicts: keys that go at once, keys that wait on their owner's record
    (checked a hundred owners at a time), and the batched deletes of both."""

    def __init__(self, services: Services, now: float, horizon: float):
        self._s = services
        self._now = now
        self._horizon = horizon
        self._waiting: dict[Owner, list[tuple[str, str]]] = {}
        self._doomed: defaultdict[str, list[str]] = defaultdict(list)
        self.removed = 0

    def add(self, bucket: str, key: str, modified: float, owner: Owner | None) -> None:
        # Age alone condemns a job's object only past the longest retention there is: one
        # made under a longer retention than today's lives until its own record expires.
        if owner is None or (owner[0] == "job" and modified + MAX_RETENTION_SECONDS <= self._horizon):
            self._doom(bucket, key)  # no one's, or past any job's retention
        elif modified + ORPHAN_GRACE_SECONDS <= self._now:
            self._waiting.setdefault(owner, []).append((bucket, key))
        # else: too young to judge, its record may be a write away

    def between_owners(self) -> None:
        if len(self._waiting) >= BATCH_GET_LIMIT:
            self._check()

    def flush(self) -> None:
        if self._waiting:
            self._check()
        for bucket in list(self._doomed):
            self._delete(bucket)

    def _check(self) -> None:
        """One existence check per owner: a BatchGetItem for the jobs, a read per model."""
        jobs = [(tenant, name) for kind, tenant, name in self._waiting if kind == "job"]
        live = {("job", tenant, name) for tenant, name in self._s.jobs.existing(jobs)}
        live |= {
            owner
            for owner in self._waiting
            if owner[0] == "model" and self._s.models.get(owner[1], owner[2]) is not None
        }
        for owner, keys in self._waiting.items():
            if owner not in live:
                for bucket, key in keys:
                    self._doom(bucket, key)
        self._waiting.clear()

    def _doom(self, bucket: str, key: str) -> None:
        self._doomed[bucket].append(key)
        if len(self._doomed[bucket]) >= DELETE_LIMIT:
            self._delete(bucket)

    def _delete(self, bucket: str) -> None:
        keys = self._doomed.pop(bucket, [])
        if keys:
            self.removed += self._s.objects.delete_keys(bucket, keys)


def _error_name(exc: Exception) -> str:
    """An exception as a log may name it: its type, and AWS's error code (never text)."""
    if isinstance(exc, ClientError):
        return f"ClientError:{exc.response.get('Error', {}).get('Code', '')}"
    return type(exc).__name__
