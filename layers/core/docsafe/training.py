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

from aws_lambda_powertools import Logger

from docsafe.contract.result import build_analyze_result
from docsafe.custom.labels import LabelledDocument, parse_fields, parse_labels
from docsafe.custom.models import ModelStore
from docsafe.custom.template import PageWord, learn, page_words
from docsafe.documents import open_document
from docsafe.engines.base import OcrEngine
from docsafe.failures import JobGone, TooManyPages, TrainingDataElsewhere, TrainingDataInvalid
from docsafe.folders import TrainingBucket
from docsafe.jobs import JobStore, Status, TransitionRejected
from docsafe.sealing import JobKey, KeyService
from docsafe.settings import Settings
from docsafe.specs import is_plain_prefix
from docsafe.storage import SealedStore
from docsafe.tenants import TenantPolicies

logger = Logger(service="docsafe", child=True)

MIN_DOCUMENTS = 1  # Azure asks for five; one labelled example already makes a template


class ModelBuilder:
    def __init__(
        self,
        *,
        jobs: JobStore,
        objects: SealedStore,
        data_keys: KeyService,
        models: ModelStore,
        tenants: TenantPolicies,
        source: TrainingBucket,
        settings: Settings,
        engine: Callable[[], OcrEngine],
    ):
        self._jobs = jobs
        self._objects = objects
        self._data_keys = data_keys
        self._models = models
        self._tenants = tenants
        self._source = source
        self._settings = settings
        self._engine = engine

    def build(self, tenant: str, operation_id: str) -> None:
        job = self._jobs.visible(tenant, operation_id)
        if job is None or job.status.finished:
            raise JobGone("build deleted, expired or already finished")
        job_key = self._data_keys.open_job_key(job.tenant, job.operation_id, job.wrapped_key)
        try:
            self._jobs.transition(job, Status.RUNNING)
        except TransitionRejected:
            raise JobGone("build deleted while it ran") from None
        try:
            spec = job.build()
            bucket, prefix = spec.bucket, spec.prefix
            # Again here: the operator may have withdrawn the folder since the request.
            if not self._tenants.may_train_from(tenant, bucket, prefix):
                raise TrainingDataElsewhere()
            self._source.check_region(bucket)
            fields = parse_fields(self._source.read(bucket, posixpath.join(prefix, "fields.json")))
            examples = list(self._examples(job_key, bucket, prefix, fields))
            if len(examples) < MIN_DOCUMENTS:
                raise TrainingDataInvalid("The training folder has no labelled document (*.labels.json).")
            model = learn(job.model_id, fields, examples)
            if not model.fields:
                raise TrainingDataInvalid("No field of fields.json is labelled in the training documents.")
            self._models.save(tenant, model, spec.description)
            try:
                self._jobs.transition(job, Status.SUCCEEDED)
            except TransitionRejected:
                self._models.delete(tenant, model.model_id)  # the build was deleted meanwhile
                raise JobGone("build deleted while it ran") from None
            logger.info(
                "model built", operation_id=operation_id, documents=len(examples), fields=len(model.fields)
            )
        finally:
            self._objects.purge(tenant, operation_id)  # the copied training documents

    def _examples(
        self, job_key: JobKey, bucket: str, prefix: str, fields: dict[str, str]
    ) -> Iterator[tuple[LabelledDocument, dict[int, list[PageWord]]]]:
        pages_read = 0
        for number, key in enumerate(self._source.labels_files(bucket, prefix)):
            labelled = parse_labels(self._source.read(bucket, key), fields)
            wanted = sorted({label.page for label in labelled.labels})
            if not wanted:
                continue
            pages_read += len(wanted)
            if pages_read > self._settings.max_training_pages:
                raise TooManyPages(
                    f"A build reads at most {self._settings.max_training_pages} labelled pages."
                )
            if not labelled.document or not is_plain_prefix(labelled.document):
                # "../other/x.png" or "/x.png" would read outside the allowed folder.
                raise TrainingDataInvalid(
                    f"{posixpath.basename(key)[:80]} names its document by a path: give the "
                    "document's name in the same folder."
                )
            source = posixpath.join(posixpath.dirname(key), labelled.document)
            copy = self._objects.training_ref(job_key.tenant, job_key.operation_id, number)
            self._objects.put_stream(copy, job_key, self._source.stream(bucket, source))
            with self._objects.open_file(copy, job_key) as file:
                document = open_document(file)
                try:
                    if document.format.is_office:
                        # A template is where fields are on a page: Office pages have no geometry.
                        raise TrainingDataInvalid(
                            "Training documents are scans, PDF or images; "
                            f"a {document.format.value.upper()} document has no page geometry to learn."
                        )
                    texts = [
                        (n, document.page_text(n, self._engine(), self._settings.render_dpi))
                        for n in wanted
                        if n <= document.page_count
                    ]
                finally:
                    document.close()
            result = build_analyze_result("prebuilt-read", texts)
            yield labelled, {page["pageNumber"]: page_words(page) for page in result["pages"]}
