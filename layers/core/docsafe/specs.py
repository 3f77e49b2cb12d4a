"""What a job is to do, typed: an analysis or a model build, checked once when the request
is (docsafe.contract.requests), stored with the job as its record's `options` and read back
by the stages. No stage parses a request.

The record form is text only (a DynamoDB map of strings), the same keys the API takes, so
records written before these types existed read the same.
"""

from __future__ import annotations

import posixpath
import re
from collections.abc import Mapping
from dataclasses import dataclass, replace
from enum import StrEnum

# A job's options["kind"] for a custom model's build and for a batch (an analysis has none).
BUILD_KIND = "documentModelBuild"
BATCH_KIND = "analyzeBatch"
# ASCII only: \s and \d would also take Unicode spaces and digits that int() refuses.
_PAGES = re.compile(r"^ *[0-9]+ *(- *[0-9]+ *)?(, *[0-9]+ *(- *[0-9]+ *)?)*$")
MAX_PAGE_NUMBER = 100_000
KEY_VALUE_PAIRS = "keyValuePairs"
BARCODES = "barcodes"
LANGUAGES = "languages"
STYLE_FONT = "styleFont"
QUERY_FIELDS = "queryFields"


def page_ranges(spec: str) -> list[tuple[int, int]]:
    """`1-3,5` → [(1, 3), (5, 5)]; ValueError for anything else (the API answers it 400:
    docsafe.contract.requests.parse_pages)."""
    if len(spec) > 1000 or not _PAGES.match(spec):
        raise ValueError("not page numbers or ranges")
    ranges: list[tuple[int, int]] = []
    for part in spec.split(","):
        first, _, last = part.partition("-")
        start, end = int(first), int(last or first)
        if not 1 <= start <= end <= MAX_PAGE_NUMBER:
            raise ValueError("a page number out of range")
        ranges.append((start, end))
    return ranges


class Contract(StrEnum):
    """The API an analysis was asked through: its routes alone serve it, in its shape (the
    native /v1 routes serve every one)."""

    DOCUMENT_INTELLIGENCE = "documentIntelligence"
    FORM_RECOGNIZER = "formRecognizer"  # 2023-07-31 and 2022-08-31
    VISION_READ = "visionRead"  # Computer Vision Read v3.2
    IMAGE_ANALYSIS = "imageAnalysis"  # Image Analysis 4.0, read while the request waits


@dataclass(frozen=True)
class ResultOptions:
    """How an analyzeResult is written."""

    string_index_type: str = "textElements"
    markdown: bool = False
    key_value_pairs: bool = False
    barcodes: bool = False
    style_font: bool = False


@dataclass(frozen=True)
class UploadRef:
    """The upload an analysis reads its document from, as it was checked."""

    upload_id: str
    etag: str
    size: int


@dataclass(frozen=True)
class AnalysisSpec:
    pages: tuple[tuple[int, int], ...] | None = None  # page ranges; None: every page
    locale: str | None = None
    key_value_pairs: bool = False
    barcodes: bool = False
    languages: bool = False
    style_font: bool = False
    query_fields: tuple[str, ...] = ()  # features=queryFields: the fields asked for
    markdown: bool = False
    searchable_pdf: bool = False
    figures: bool = False  # output=figures: each figure's image kept beside the result
    string_index_type: str = "textElements"
    upload: UploadRef | None = None
    contract: Contract = Contract.DOCUMENT_INTELLIGENCE
    batch: str | None = None  # the batch (operation id) this analysis is one document of
    callback_url: str | None = None  # where the job's end is POSTed (docsafe.callbacks)

    def page_numbers(self, page_count: int) -> list[int]:
        """The pages of a `page_count`-page document to read, in order."""
        if self.pages is None:
            return list(range(1, page_count + 1))
        chosen: set[int] = set()
        for start, end in self.pages:
            chosen.update(range(start, min(end, page_count) + 1))
        return sorted(chosen)

    @property
    def result_options(self) -> ResultOptions:
        return ResultOptions(
            string_index_type=self.string_index_type,
            markdown=self.markdown,
            key_value_pairs=self.key_value_pairs,
            barcodes=self.barcodes,
            style_font=self.style_font,
        )

    def with_upload(self, upload: UploadRef) -> AnalysisSpec:
        return replace(self, upload=upload)

    def to_record(self) -> dict[str, str]:
        record: dict[str, str] = {}
        if self.pages is not None:
            record["pages"] = ",".join(f"{a}" if a == b else f"{a}-{b}" for a, b in self.pages)
        if self.locale:
            record["locale"] = self.locale
        chosen = (
            (KEY_VALUE_PAIRS, self.key_value_pairs),
            (BARCODES, self.barcodes),
            (LANGUAGES, self.languages),
            (STYLE_FONT, self.style_font),
            (QUERY_FIELDS, bool(self.query_fields)),
        )
        if features := [name for name, on in chosen if on]:
            record["features"] = ",".join(features)
        if self.query_fields:
            record["queryFields"] = ",".join(self.query_fields)
        if self.markdown:
            record["outputContentFormat"] = "markdown"
        if outputs := [name for name, on in (("pdf", self.searchable_pdf), ("figures", self.figures)) if on]:
            record["output"] = ",".join(outputs)
        record["stringIndexType"] = self.string_index_type
        if self.upload is not None:
            record.update(
                upload=self.upload.upload_id, uploadEtag=self.upload.etag, uploadSize=str(self.upload.size)
            )
        if self.contract is not Contract.DOCUMENT_INTELLIGENCE:
            record["contract"] = self.contract.value
        if self.batch:
            record["batch"] = self.batch
        if self.callback_url:
            record["callbackUrl"] = self.callback_url
        return record

    @classmethod
    def from_record(cls, record: Mapping[str, str]) -> AnalysisSpec:
        upload = None
        if upload_id := record.get("upload"):
            upload = UploadRef(upload_id, record.get("uploadEtag", ""), int(record.get("uploadSize", "0")))
        pages = record.get("pages")
        return cls(
            pages=tuple(page_ranges(pages)) if pages else None,
            locale=record.get("locale") or None,
            key_value_pairs=KEY_VALUE_PAIRS in record.get("features", "").split(","),
            barcodes=BARCODES in record.get("features", "").split(","),
            languages=LANGUAGES in record.get("features", "").split(","),
            style_font=STYLE_FONT in record.get("features", "").split(","),
            query_fields=tuple(name for name in record.get("queryFields", "").split(",") if name),
            markdown=record.get("outputContentFormat") == "markdown",
            searchable_pdf="pdf" in record.get("output", "").split(","),
            figures="figures" in record.get("output", "").split(","),
            string_index_type=record.get("stringIndexType", "textElements"),
            upload=upload,
            contract=Contract(record.get("contract", Contract.DOCUMENT_INTELLIGENCE)),
            batch=record.get("batch") or None,
            callback_url=record.get("callbackUrl") or None,
        )


@dataclass(frozen=True)
class BuildSpec:
    """A custom model's build: where its training data is."""

    bucket: str
    prefix: str = ""
    description: str = ""

    def to_record(self) -> dict[str, str]:
        return {
            "kind": BUILD_KIND,
            "bucket": self.bucket,
            "prefix": self.prefix,
            "description": self.description,
        }

    @classmethod
    def from_record(cls, record: Mapping[str, str]) -> BuildSpec:
        return cls(record["bucket"], record.get("prefix", ""), record.get("description", ""))


@dataclass(frozen=True)
class BatchSpec:
    """A batch: the documents of a folder of the tenant's bucket (every one under `prefix`,
    or those the JSONL file `file_list` names), each analyzed as `analysis` says."""

    bucket: str
    prefix: str = ""
    file_list: str | None = None  # the key of the JSONL list, within `prefix`
    analysis: AnalysisSpec = AnalysisSpec()

    def to_record(self) -> dict[str, str]:
        # The analysis's keys are the API's options; these four are not among them.
        record = {
            **self.analysis.to_record(),
            "kind": BATCH_KIND,
            "bucket": self.bucket,
            "prefix": self.prefix,
        }
        if self.file_list:
            record["fileList"] = self.file_list
        return record

    @classmethod
    def from_record(cls, record: Mapping[str, str]) -> BatchSpec:
        analysis = {key: value for key, value in record.items() if key not in _BATCH_KEYS}
        return cls(
            record["bucket"],
            record.get("prefix", ""),
            record.get("fileList") or None,
            AnalysisSpec.from_record(analysis),
        )


_BATCH_KEYS = frozenset({"kind", "bucket", "prefix", "fileList"})


# Key prefixes of training folders, told apart from paths with tricks in them.


def is_plain_prefix(prefix: str) -> bool:
    """A key prefix without tricks: no leading '/', no '.', '..' or empty segments."""
    if not prefix:
        return True
    segments = prefix.rstrip("/").split("/")
    return not prefix.startswith("/") and all(s not in ("", ".", "..") for s in segments)


def folder(prefix: str) -> str:
    """`a/b` and `a/b/` alike as the folder `a/b/` ("" stays the whole bucket)."""
    return posixpath.join(prefix, "") if prefix else ""


def is_build(record: Mapping[str, str]) -> bool:
    """Whether a job's options are a model build's."""
    return record.get("kind") == BUILD_KIND


def is_batch(record: Mapping[str, str]) -> bool:
    """Whether a job's options are a batch's (its documents are analyses of their own)."""
    return record.get("kind") == BATCH_KIND
