"""Each log line names the invocation that wrote it, while local mode runs every function
in one process.

In Lambda a process runs one invocation at a time, and powertools keeps the Lambda context
(function name, request id) and the correlation id as keys of the process's one logger.
Here several invocations run at once on threads of one process, so those keys would name
whichever invocation set them last. Every invocation runs in a context of its own
(`contextvars`, which is also where the domain keeps its per-job keys: tenant, operation),
and each record the service logs while it runs is stamped with that invocation's own
values, which powertools writes over the shared keys.
"""

from __future__ import annotations

import contextvars
import logging
from collections.abc import Callable
from typing import Any

from aws_lambda_powertools import Logger

_current: contextvars.ContextVar[dict[str, Any] | None] = contextvars.ContextVar("invocation", default=None)
_installed = False


def run_as_invocation(handler: Callable[[Any, Any], Any], event: Any, context: Any, cold_start: bool) -> Any:
    """Call `handler` the way Lambda would, in a context of its own: what it sets there (its
    stamp, its per-job log keys) is seen by its own lines only, and gone when it returns."""
    _install()
    stamp = {
        "function_name": context.function_name,
        "function_arn": context.invoked_function_arn,
        "function_memory_size": context.memory_limit_in_mb,
        "function_request_id": context.aws_request_id,
        "cold_start": cold_start,
    }
    request_id = (event.get("requestContext") or {}).get("requestId") if isinstance(event, dict) else None

    def run() -> Any:
        _current.set({"stamp": stamp, "request_id": request_id})
        return handler(event, context)

    return contextvars.copy_context().run(run)


def _install() -> None:
    """Stamp records of the service's loggers made during an invocation (once per process)."""
    global _installed
    if _installed:
        return
    _installed = True
    keys = Logger(service="docsafe", child=True)  # reads the invocation's own powertools keys
    make_record = logging.getLogRecordFactory()

    def stamped(*args: Any, **kwargs: Any) -> logging.LogRecord:
        record = make_record(*args, **kwargs)
        invocation = _current.get()
        if invocation is None or not record.name.startswith("docsafe"):
            return record
        for name, value in invocation["stamp"].items():
            setattr(record, name, value)
        # The job's operation id (set by the stage) or the API request's id; never another's.
        own = keys.thread_safe_get_current_keys().get("correlation_id") or invocation["request_id"]
        record.correlation_id = own
        return record

    logging.setLogRecordFactory(stamped)
