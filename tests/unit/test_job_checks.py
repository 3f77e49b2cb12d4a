"""The sweep asks which jobs still have a record a hundred at a time, and asks again for
what DynamoDB leaves unprocessed (throttling) instead of taking it for gone."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

import pytest
from docsafe import jobs
from docsafe.jobs import JobStore, UnreadKeys

TABLE = "docsafe-jobs"


class Client:
    """BatchGetItem answering from `live`, leaving the first `unprocessed` keys of each
    of the first `throttled` requests unread."""

    def __init__(self, live: set[tuple[str, str]], throttled: int = 0, unprocessed: int = 10):
        self.live, self.throttled, self.unprocessed = live, throttled, unprocessed
        self.requests: list[list[dict[str, str]]] = []

    def batch_get_item(self, RequestItems: dict[str, Any]) -> dict[str, Any]:
        keys = RequestItems[TABLE]["Keys"]
        assert RequestItems[TABLE]["ConsistentRead"] is True
        self.requests.append(keys)
        left, asked = [], keys
        if self.throttled:
            self.throttled -= 1
            left, asked = keys[: self.unprocessed], keys[self.unprocessed :]
        found = [k for k in asked if (k["tenant"], k["operationId"]) in self.live]
        # As DynamoDB does, what is left comes back with the rest of its request.
        unread = {TABLE: {**RequestItems[TABLE], "Keys": left}} if left else {}
        return {"Responses": {TABLE: found}, "UnprocessedKeys": unread}


def store(client: Client) -> JobStore:
    return JobStore(SimpleNamespace(name=TABLE, meta=SimpleNamespace(client=client)))


@pytest.fixture(autouse=True)
def no_pauses(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(jobs.time, "sleep", lambda seconds: None)


def test_jobs_are_checked_a_hundred_a_call_each_once_and_unprocessed_keys_are_asked_again() -> None:
    asked = [("acme", f"op-{n:03d}") for n in range(150)]
    live = set(asked[::3])
    client = Client(live, throttled=1)
    # Asked with duplicates, as a job's keys in both buckets would give them
    assert store(client).existing(asked + asked[:20]) == live
    assert [len(keys) for keys in client.requests] == [100, 10, 50]
    assert sum(len(keys) for keys in client.requests) - 10 == 150  # each job once, but the unread ten


def test_keys_dynamodb_never_reads_are_an_error_not_jobs_gone() -> None:
    client = Client({("acme", "op-1")}, throttled=jobs.UNPROCESSED_ATTEMPTS, unprocessed=1)
    with pytest.raises(UnreadKeys):
        store(client).existing([("acme", "op-1"), ("acme", "op-2")])
