"""The analysis workflow's stages, free of Lambda: prepare, read a page, assemble, fail.

Between stages only ids and page numbers travel (Step Functions keeps state input and
output in its history); everything else is a sealed object in S3.
"""

from __future__ import annotations

import io
import json
from collections.abc import Callable, Iterable, Iterator, Mapping
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import ExitStack, contextmanager
from typing import Any

from aws_lambda_powertools import Logger
from botocore.exceptions import ClientError

from docsafe.contract.models import PREBUILT_MODELS
from docsafe.contract.prebuilt_fields import FIELD_MODELS
from docsafe.contract.result import LAYOUT_MODELS, DocumentsOf, stream_analyze_result
from docsafe.custom.models import ModelStore
from docsafe.documents import Document, open_document
from docsafe.engines.base import EngineField, OcrEngine, PageText
from docsafe.engines.textract import TextractEngine, TextractFields
from docsafe.failures import (
    InvalidContent,
    InvalidPages,
    JobGone,
    ModelGone,
    TooManyPages,
)
from docsafe.formats import Format
from docsafe.jobs import Job, JobStore, Status, TransitionRejected
from docsafe.sealing import JobKey, KeyService
from docsafe.settings import Settings
from docsafe.specs import UploadRef
from docsafe.stages import JobRef
from docsafe.storage import DeleteFailed, ObjectRef, SealedStore
from docsafe.uploads import UploadChanged, Uploads

logger = Logger(service="docsafe", child=True)

MAX_BATCH = (
    10  # pages one ReadPages invocation reads, at most: PP-OCR's slowest pages (~15 s) fit its timeout
)


def batches(pages: list[int], concurrency: int) -> list[list[int]]:
    """Pages split for the Map state: enough batches to keep `concurrency` workers busy,
    few enough that a 2,000-page document stays far inside Step Functions' history
    (25,000 events) and payload (256 KB) limits."""
    size = max(1, min(MAX_BATCH, -(-len(pages) // max(1, concurrency))))
    return [pages[i : i + size] for i in range(0, len(pages), size)]


class Pipeline:
    def __init__(
        self,
        *,
        jobs: JobStore,
        objects: SealedStore,
        data_keys: KeyService,
        uploads: Uploads,
        models: ModelStore,
        settings: Settings,
        engine_for: Callable[[str], OcrEngine],
    ):
        self._jobs = jobs
        self._objects = objects
        self._data_keys = data_keys
        self._uploads = uploads
        self._models = models
        self._settings = settings
        self._engine_for = engine_for

    def prepare(self, ref: JobRef) -> list[int]:
        """Open the document, check it, and say which pages to read (see `batches`)."""
        job, job_key = self._live(ref)
        spec = job.analysis()
        if spec.upload is not None:
            self._take_upload(job, job_key, spec.upload)
        with self._document(job, job_key) as document:
            pages = spec.page_numbers(document.page_count)
            if not pages:
                raise InvalidPages(f"The document has {document.page_count} pages; none was selected.")
            if len(pages) > self._settings.max_pages:
                raise TooManyPages(f"At most {self._settings.max_pages} pages can be analyzed at once.")
            if document.office_pages is not None:
                self._store_blocks(ref, job_key, document.office_pages, pages)
            # One write: running, and how many pages there are to read.
            self._transition(job, Status.RUNNING, pageCount=len(pages))
            logger.info(
                "document prepared",
                operation_id=ref.operation_id,
                format=document.format.value,
                pages=len(pages),
            )
        return pages

    def _store_blocks(self, ref: JobRef, job_key: JobKey, office_pages: list[Any], pages: list[int]) -> None:
        """Each selected page's blocks of an Office or HTML document, stored sealed: the
        reading stage takes them rather than parse the document again for each batch
        (a 64 MB document.xml takes seconds and a gigabyte to parse)."""
        from docsafe.office.blocks import page_to_json

        objects = self._objects

        def store(page_number: int) -> None:
            payload = json.dumps(page_to_json(office_pages[page_number - 1])).encode()
            self._put_live(objects.blocks_ref(ref.tenant, ref.operation_id, page_number), job_key, [payload])

        with ThreadPoolExecutor(max_workers=8) as storing:
            list(storing.map(store, pages))

    def read_pages(self, ref: JobRef, page_numbers: list[int]) -> None:
        """OCR (or read the text layer of) a batch of pages; store each page's text sealed.

        The document is opened once per batch and read from S3 a chunk at a time; each
        page is stored as soon as it is read, so memory holds one page and a few chunks
        of the document whatever its length.
        """
        job, job_key = self._live(ref)
        spec = job.analysis()
        engine = self._engine_for(spec.locale or "en")
        if job.model_id in FIELD_MODELS and isinstance(engine, TextractEngine):
            engine = TextractFields(engine, job.model_id)  # AnalyzeExpense or AnalyzeID
        if spec.barcodes:
            from docsafe.engines.barcodes import WithBarcodes

            engine = WithBarcodes(engine)
        if spec.style_font:
            from docsafe.engines.styles import WithStyles

            engine = WithStyles(engine)
        layout = job.model_id in LAYOUT_MODELS
        objects = self._objects
        # Each page is stored while the next one is read: the store (seal, S3, the job
        # record) costs no reading time, and at most two pages are in memory.
        with self._pages(job, job_key) as document, ThreadPoolExecutor(max_workers=1) as storing:
            stored: Future[None] | None = None
            for page_number in page_numbers:
                page = document.page_text(page_number, engine, self._settings.render_dpi, layout)
                if spec.figures and isinstance(document, Document):
                    for figure_id, png in document.figure_images(page_number, page):
                        figure_ref = objects.figure_ref(ref.tenant, ref.operation_id, figure_id)
                        self._put_live(figure_ref, job_key, [png])
                payload = json.dumps(page.to_json()).encode()
                page_ref = objects.page_ref(ref.tenant, ref.operation_id, page_number)
                if stored is not None:
                    stored.result()  # the previous page's failure (or JobGone) stops the batch
                # Counting the page (progress for clients) also proves the job still runs.
                stored = storing.submit(
                    self._put_live, page_ref, job_key, [payload], lambda: self._jobs.count_page_read(job)
                )
            if stored is not None:
                stored.result()
        logger.info("pages read", operation_id=ref.operation_id, pages=len(page_numbers))

    def assemble(self, ref: JobRef, pages: list[int]) -> None:
        """Merge the pages into the analyzeResult, store it sealed, mark the job done.

        Pages are loaded one at a time and each is written out as soon as it is placed:
        what stays in memory is the document's text and its cross-page elements
        (paragraphs, tables), not every page's words and polygons.
        """
        job, job_key = self._live(ref)
        objects = self._objects
        spec = job.analysis()
        # The searchable PDF is made of the same pages, read once (its writer holds them all).
        for_pdf: list[tuple[int, PageText]] | None = [] if spec.searchable_pdf else None

        engine_fields: dict[int, tuple[EngineField, ...]] = {}  # what Textract's field APIs found

        def texts() -> Iterator[tuple[int, PageText]]:
            for page_number in pages:
                raw = objects.get(objects.page_ref(ref.tenant, ref.operation_id, page_number), job_key)
                text = PageText.from_json(json.loads(raw))
                if text.fields:
                    engine_fields[page_number] = text.fields
                if for_pdf is not None:
                    for_pdf.append((page_number, text))
                yield page_number, text

        result_ref = objects.result_ref(ref.tenant, ref.operation_id)
        documents = self._custom_documents(job, engine_fields)
        if spec.query_fields:
            from docsafe.contract.query_fields import query_documents, with_query_fields

            asked = query_documents(job.model_id, spec.query_fields)
            documents = with_query_fields(documents, asked) if documents else asked
        languages = None
        if spec.languages:
            from docsafe.engines.language_id import languages_of

            languages = languages_of
        encoded = stream_analyze_result(job.model_id, texts(), spec.result_options, documents, languages)
        self._put_live(result_ref, job_key, (piece.encode() for piece in encoded))
        if for_pdf is not None:
            self._searchable_pdf(job, job_key, for_pdf)
        try:
            self._jobs.transition(job, Status.SUCCEEDED)
        except TransitionRejected:
            # Deleted (or expired and purged) while we assembled: take back what we wrote.
            objects.purge(ref.tenant, ref.operation_id)
            raise JobGone("job deleted during assembly") from None
        self._drop_pages(ref, pages, office=_is_office(job))
        logger.info("analysis succeeded", operation_id=ref.operation_id, pages=len(pages))

    def _drop_pages(self, ref: JobRef, pages: list[int], office: bool = False) -> None:
        """The pages live on in the result: delete them now rather than leave them to the
        purge (only once the job succeeded: a retry of assembly would read them again)."""
        objects = self._objects
        keys = [objects.page_ref(ref.tenant, ref.operation_id, number).key for number in pages]
        if office:  # and the blocks the pages were read from
            keys += [objects.blocks_ref(ref.tenant, ref.operation_id, number).key for number in pages]
        try:
            objects.delete_keys(objects.documents_bucket, keys)
        except (ClientError, DeleteFailed):
            logger.info("pages left to the purge", operation_id=ref.operation_id)

    def _custom_documents(
        self, job: Job, engine_fields: Mapping[int, tuple[EngineField, ...]]
    ) -> DocumentsOf | None:
        """For a field model (custom, invoice, receipt, ID), what makes `documents[]` from
        the analyzed pages (and the fields the engine found, filled in as they are read)."""
        if job.model_id in PREBUILT_MODELS:
            from docsafe.prebuilt import extractor
            from docsafe.prebuilt.engine_fields import with_engine_fields

            extract = extractor(job.model_id)
            if extract is None:
                return None
            model_id = job.model_id
            return lambda pages, _content: [
                with_engine_fields(model_id, extract(pages), pages, engine_fields)
            ]
        from docsafe.custom.template import extract

        record = self._models.get(job.tenant, job.model_id)
        if record is None:
            raise ModelGone(f"Model '{job.model_id}' was deleted after the analysis was submitted.")
        model = self._models.load(record)
        return lambda pages, content: [extract(model, pages, content)]

    def _searchable_pdf(self, job: Job, job_key: JobKey, texts: Iterable[tuple[int, PageText]]) -> None:
        """The document with its text laid over it, stored beside the result (output=pdf).

        pdfium builds the whole PDF in memory before saving it; the API returns it in one
        response, which caps its size anyway (docs/limits.md)."""
        from docsafe.searchable import write_searchable_pdf

        out = io.BytesIO()
        with self._document(job, job_key) as document:
            write_searchable_pdf(document, texts, out)
        self._put_live(self._objects.pdf_ref(job.tenant, job.operation_id), job_key, [out.getvalue()])

    def _take_upload(self, job: Job, job_key: JobKey, upload: UploadRef) -> None:
        """Seal the uploaded document as the job's input and delete the upload.

        Only the object analyze checked is read (its ETag), and no more of it than the
        size checked. Idempotent for retries: once the input exists the upload is gone."""
        uploads, objects = self._uploads, self._objects
        input_ref = objects.input_ref(job.tenant, job.operation_id)
        try:
            pieces = uploads.pieces(job.tenant, upload.upload_id, upload.etag, upload.size)
            # Sealed as it streams in: a 500 MB upload is held one S3 part at a time.
            self._put_live(input_ref, job_key, pieces)
        except UploadChanged:
            uploads.remove_document(job.tenant, upload.upload_id)
            raise InvalidContent(
                "The upload was changed after the analysis was requested; upload the document again."
            ) from None
        except ClientError as exc:
            if exc.response["Error"]["Code"] != "NoSuchKey" or not objects.exists(input_ref):
                raise InvalidContent("The upload is no longer there.") from None
            return
        uploads.remove_document(job.tenant, upload.upload_id)

    def _transition(self, job: Job, to: Status, **changes: Any) -> None:
        try:
            self._jobs.transition(job, to, **changes)
        except TransitionRejected:
            raise JobGone("job deleted while it ran") from None

    def _put_live(
        self,
        ref: ObjectRef,
        job_key: JobKey,
        pieces: Iterable[bytes],
        still_live: Callable[[], bool] | None = None,
    ) -> None:
        """Seal and store `pieces` as one object, only while its job exists.

        A delete removes the record first and then lists the job's objects; checking the
        record after our write (`still_live`, by default: the record exists) means either
        that listing sees the object, or we see the record gone and remove the object
        ourselves. Nothing is left behind either way.
        """
        self._objects.put_stream(ref, job_key, pieces)
        live = still_live() if still_live else self._jobs.exists(job_key.tenant, job_key.operation_id)
        if not live:
            self._objects.delete(ref.bucket, ref.key)
            raise JobGone("job deleted while it ran")

    def _live(self, ref: JobRef) -> tuple[Job, JobKey]:
        job = self._jobs.visible(ref.tenant, ref.operation_id)
        if job is None or job.status.finished:
            raise JobGone("job deleted, expired or already finished")
        return job, self._data_keys.open_job_key(job.tenant, job.operation_id, job.wrapped_key)

    @contextmanager
    def _pages(self, job: Job, job_key: JobKey) -> Iterator[Document | _StoredBlocks]:
        """What reads the job's pages: the document, or an Office document's blocks as
        the prepare stage stored them."""
        if _is_office(job):
            with ExitStack() as opened:
                yield _StoredBlocks(
                    self._objects, job, job_key, lambda: opened.enter_context(self._document(job, job_key))
                )
            return
        with self._document(job, job_key) as document:
            yield document

    @contextmanager
    def _document(self, job: Job, job_key: JobKey) -> Iterator[Document]:
        objects = self._objects
        with objects.open_file(objects.input_ref(job.tenant, job.operation_id), job_key) as file:
            document = open_document(file)
            try:
                yield document
            finally:
                document.close()


def _is_office(job: Job) -> bool:
    return bool(job.content_format) and Format(job.content_format).is_office


class _StoredBlocks:
    """An Office or HTML document's pages, read from the blocks the prepare stage stored."""

    def __init__(
        self, objects: SealedStore, job: Job, job_key: JobKey, open_document: Callable[[], Document]
    ):
        self._objects, self._job, self._job_key = objects, job, job_key
        self._open_document = open_document
        self._document: Document | None = None

    def page_text(self, page_number: int, engine: OcrEngine, dpi: int, layout: bool = False) -> PageText:
        from docsafe.documents import office_page_text
        from docsafe.office.blocks import page_from_json

        objects = self._objects
        ref = objects.blocks_ref(self._job.tenant, self._job.operation_id, page_number)
        try:
            stored = objects.get(ref, self._job_key)
        except ClientError as exc:
            if exc.response["Error"]["Code"] not in ("NoSuchKey", "404"):
                raise
            # Prepared before blocks were stored (a job in flight across a deployment):
            # the document is parsed, as it was then.
            if self._document is None:
                self._document = self._open_document()
            return self._document.page_text(page_number, engine, dpi, layout)
        return office_page_text(page_from_json(json.loads(stored)), engine)
