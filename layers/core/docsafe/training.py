"""Building a custom model: the build workflow's stage, free of Lambda.

The tenant names a folder of its own bucket (same account and region). The stage reads
`fields.json` and every `*.labels.json` there, copies each labelled document into the
build's job prefix sealed under the build's own data key (so nothing is read twice from
the tenant's bucket and nothing unsealed is kept), reads the labelled pages with the
engine, learns the template and stores the model sealed. The copies are deleted when the
build ends, whether it succeeded or not; the purge would remove them within the
retention period in any case (they live under the job like any input).
"""

from __future__ import annotations

import posixpath
from collections.abc import Callable, Iterator
from functools import cache
from typing import Any

from aws_lambda_powertools import Logger
from botocore.exceptions import ClientError

from docsafe.contract.result import build_analyze_result
from docsafe.custom.labels import LabelledDocument, parse_fields, parse_labels
from docsafe.custom.template import PageWord, learn, page_words
from docsafe.custom_models import may_train_from
from docsafe.documents import open_document
from docsafe.engines import default_engine
from docsafe.engines.base import OcrEngine
from docsafe.failures import JobGone, TooManyPages, TrainingDataElsewhere, TrainingDataInvalid
from docsafe.jobs import Status, TransitionRejected
from docsafe.runtime import Services, forget_on_reset, services
from docsafe.sealing import JobKey
from docsafe.specs import is_plain_prefix

logger = Logger(service="docsafe", child=True)

MIN_DOCUMENTS = 1  # Azure asks for five; one labelled example already makes a template


class ModelBuilder:
    def __init__(self, services: Services, engine: Callable[[], OcrEngine]):
        self._s = services
        self._engine = engine

    def build(self, tenant: str, operation_id: str) -> None:
        s = self._s
        job = s.jobs.visible(tenant, operation_id)
        if job is None or job.status.finished:
            raise JobGone("build deleted, expired or already finished")
        job_key = s.data_keys.open_job_key(job.tenant, job.operation_id, job.wrapped_key)
        try:
            s.jobs.transition(job, Status.RUNNING)
        except TransitionRejected:
            raise JobGone("build deleted while it ran") from None
        try:
            spec = job.build()
            bucket, prefix = spec.bucket, spec.prefix
            # Again here: the operator may have withdrawn the folder since the request.
            if not may_train_from(s, tenant, bucket, prefix):
                raise TrainingDataElsewhere()
            self._check_bucket(bucket)
            fields = parse_fields(self._read(bucket, posixpath.join(prefix, "fields.json")))
            examples = list(self._examples(job_key, bucket, prefix, fields))
            if len(examples) < MIN_DOCUMENTS:
                raise TrainingDataInvalid("The training folder has no labelled document (*.labels.json).")
            model = learn(job.model_id, fields, examples)
            if not model.fields:
                raise TrainingDataInvalid("No field of fields.json is labelled in the training documents.")
            s.models.save(tenant, model, spec.description)
            try:
                s.jobs.transition(job, Status.SUCCEEDED)
            except TransitionRejected:
                s.models.delete(tenant, model.model_id)  # the build was deleted meanwhile
                raise JobGone("build deleted while it ran") from None
            logger.info(
                "model built", operation_id=operation_id, documents=len(examples), fields=len(model.fields)
            )
        finally:
            s.objects.purge(tenant, operation_id)  # the copied training documents

    def _examples(
        self, job_key: JobKey, bucket: str, prefix: str, fields: dict[str, str]
    ) -> Iterator[tuple[LabelledDocument, dict[int, list[PageWord]]]]:
        pages_read = 0
        for number, key in enumerate(self._labels_files(bucket, prefix)):
            labelled = parse_labels(self._read(bucket, key), fields)
            wanted = sorted({label.page for label in labelled.labels})
            if not wanted:
                continue
            pages_read += len(wanted)
            if pages_read > self._s.settings.max_training_pages:
                raise TooManyPages(
                    f"A build reads at most {self._s.settings.max_training_pages} labelled pages."
                )
            if not labelled.document or not is_plain_prefix(labelled.document):
                # "../other/x.png" or "/x.png" would read outside the allowed folder.
                raise TrainingDataInvalid(
                    f"{posixpath.basename(key)[:80]} names its document by a path: give the "
                    "document's name in the same folder."
                )
            source = posixpath.join(posixpath.dirname(key), labelled.document)
            copy = self._s.objects.training_ref(job_key.tenant, job_key.operation_id, number)
            self._s.objects.put_stream(copy, job_key, self._stream(bucket, source))
            with self._s.objects.open_file(copy, job_key) as file:
                document = open_document(file)
                try:
                    texts = [
                        (n, document.page_text(n, self._engine(), self._s.settings.render_dpi))
                        for n in wanted
                        if n <= document.page_count
                    ]
                finally:
                    document.close()
            result = build_analyze_result("prebuilt-read", texts)
            yield labelled, {page["pageNumber"]: page_words(page) for page in result["pages"]}

    def _labels_files(self, bucket: str, prefix: str) -> list[str]:
        found = []
        try:
            listing = self._s.s3.get_paginator("list_objects_v2")
            for page in listing.paginate(Bucket=bucket, Prefix=prefix, **self._owner()):
                found += [
                    item["Key"] for item in page.get("Contents", []) if item["Key"].endswith(".labels.json")
                ]
        except ClientError as exc:
            raise _elsewhere(exc) from None
        return sorted(found)

    def _check_bucket(self, bucket: str) -> None:
        """Training data stays in the stack's account and region."""
        try:
            region = self._s.s3.get_bucket_location(Bucket=bucket, **self._owner()).get("LocationConstraint")
        except ClientError as exc:
            raise _elsewhere(exc) from None
        if (region or "us-east-1") != self._s.settings.region:
            raise TrainingDataElsewhere()

    def _owner(self) -> dict[str, str]:
        account = self._s.settings.account_id
        return {"ExpectedBucketOwner": account} if account else {}

    def _stream(self, bucket: str, key: str) -> Iterator[bytes]:
        """A training document, a megabyte at a time (sealed as it arrives)."""
        answer = self._get(bucket, key)
        limit = self._s.settings.max_upload_bytes
        if answer["ContentLength"] > limit:
            name = posixpath.basename(key)[:80]
            raise TrainingDataInvalid(f"{name} is larger than {limit // 2**20} MB.")
        return answer["Body"].iter_chunks(2**20)  # type: ignore[no-any-return]

    def _read(self, bucket: str, key: str) -> bytes:
        return bytes(self._get(bucket, key)["Body"].read())

    def _get(self, bucket: str, key: str) -> dict[str, Any]:
        try:
            return self._s.s3.get_object(Bucket=bucket, Key=key, **self._owner())  # type: ignore[no-any-return]
        except ClientError as exc:
            if exc.response["Error"]["Code"] in ("NoSuchKey", "404"):
                name = posixpath.basename(key)[:80]
                raise TrainingDataInvalid(f"The training folder has no {name}.") from None
            raise _elsewhere(exc) from None


def _elsewhere(exc: ClientError) -> TrainingDataElsewhere:
    logger.info("training source unreadable", aws_error=exc.response.get("Error", {}).get("Code", ""))
    return TrainingDataElsewhere()


@forget_on_reset
@cache
def default_builder() -> ModelBuilder:
    return ModelBuilder(services(), default_engine)
