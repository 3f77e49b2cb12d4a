"""Parsing analyze requests: the body (raw bytes or base64Source) and the query options."""

from __future__ import annotations

import base64
import binascii
import json
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from docsafe.contract.errors import InvalidArgument, InvalidRequest, UnsupportedMediaType
from docsafe.contract.models import MODEL_ID, PREBUILT_MODELS
from docsafe.contract.query_fields import parse_query_fields
from docsafe.contract.result import LAYOUT_MODELS, STRING_INDEX_TYPES
from docsafe.formats import (
    MAX_IMAGE_SIDE,
    MIN_IMAGE_SIDE,
    OLE_SIGNATURE,
    SUPPORTED_FORMATS,
    Format,
    image_dimensions,
    sniff,
)
from docsafe.languages import supported as language_supported
from docsafe.specs import AnalysisSpec, folder, is_plain_prefix, page_ranges

if TYPE_CHECKING:
    from docsafe.uploads import UploadedDocument

# Azure's add-ons DocSafe does not serve, and why (the refusal says so).
_NOT_SERVED = {
    "formulas": "No offline formula model ships with DocSafe's engines, so formulas are not read.",
    "ocrHighResolution": "Enlarging pages read no more small print here (measured), so it is not offered.",
}
LOCALE_PATTERN = re.compile(r"^[A-Za-z]{2,3}(-[A-Za-z0-9]{2,8})*$")


@dataclass(frozen=True)
class AnalyzeRequest:
    document: bytes  # empty when the document waits in an upload
    format: Format
    spec: AnalysisSpec = field(default_factory=AnalysisSpec)
    upload: UploadedDocument | None = None

    @property
    def size(self) -> int:
        return self.upload.size if self.upload else len(self.document)


def parse_pages(spec: str) -> list[tuple[int, int]]:
    """`1-3,5` → [(1, 3), (5, 5)]; 400 InvalidParameter for anything else."""
    try:
        return page_ranges(spec)
    except ValueError:
        raise InvalidArgument(
            "pages must be page numbers or ranges from 1, such as 1-3,5.",
            inner_code="InvalidParameter",
            target="pages",
        ) from None


def select_pages(spec: str | None, page_count: int) -> list[int]:
    """The page numbers of a `page_count`-page document that `spec` asks for, in order."""
    return AnalysisSpec(pages=tuple(parse_pages(spec)) if spec else None).page_numbers(page_count)


def parse_options(
    query: Mapping[str, str],
    model_id: str = "prebuilt-read",
    engine: str = "tesseract",
    languages: tuple[str, ...] = ("eng",),
) -> AnalysisSpec:
    """The analyze options DocSafe honours; unsupported ones answer 400, never ignored."""
    options: dict[str, Any] = {}
    layout = model_id in LAYOUT_MODELS
    if pages := query.get("pages"):
        options["pages"] = tuple(parse_pages(pages))
    if locale := query.get("locale"):
        if not LOCALE_PATTERN.match(locale) or not language_supported(locale, engine, languages):
            raise InvalidArgument(
                "The locale is not supported by this deployment "
                f"(installed: {', '.join(languages) if engine == 'tesseract' else 'Textract languages'}).",
                inner_code="InvalidParameter",
                target="locale",
            )
        options["locale"] = locale
    if features := query.get("features"):
        requested = {feature.strip() for feature in features.split(",") if feature.strip()}
        add_ons = {"barcodes", "languages", "styleFont"} | (
            {"queryFields"} if model_id in PREBUILT_MODELS else set()
        )
        supported = {"keyValuePairs", *add_ons} if layout else add_ons
        if unsupported := sorted(requested - supported):
            why = "".join(f" {_NOT_SERVED[name]}" for name in unsupported if name in _NOT_SERVED)
            raise InvalidArgument(
                f"Not supported by {model_id}: features {', '.join(unsupported)[:200]}.{why} "
                f"Supported: {', '.join(sorted(supported)) or 'none'}.",
                inner_code="InvalidParameter",
                target="features",
            )
        options["key_value_pairs"] = "keyValuePairs" in requested
        options["barcodes"] = "barcodes" in requested
        options["languages"] = "languages" in requested
        options["style_font"] = "styleFont" in requested
        if "queryFields" in requested:
            options["query_fields"] = parse_query_fields(query.get("queryFields"))
    if query.get("queryFields") and not options.get("query_fields"):
        raise InvalidArgument(
            "queryFields needs features=queryFields.", inner_code="InvalidParameter", target="queryFields"
        )
    output_format = query.get("outputContentFormat", "text")
    if output_format not in (("text", "markdown") if layout else ("text",)):
        raise InvalidArgument(
            f"outputContentFormat must be {'text or markdown' if layout else 'text'} for {model_id}.",
            inner_code="InvalidParameter",
            target="outputContentFormat",
        )
    options["markdown"] = output_format == "markdown"
    if output := query.get("output"):
        requested = {item.strip() for item in output.split(",") if item.strip()}
        if unsupported := sorted(requested - {"pdf", "figures"}):
            raise InvalidArgument(
                f"Not supported: output {', '.join(unsupported)[:200]}. Supported: pdf, figures.",
                inner_code="InvalidParameter",
                target="output",
            )
        if "figures" in requested and not layout:
            raise InvalidArgument(
                f"output=figures is served by prebuilt-layout, not {model_id}.",
                inner_code="InvalidParameter",
                target="output",
            )
        options["searchable_pdf"] = "pdf" in requested
        options["figures"] = "figures" in requested
    index_type = query.get("stringIndexType", "textElements")
    if index_type not in STRING_INDEX_TYPES:
        raise InvalidArgument(
            f"stringIndexType must be one of {', '.join(STRING_INDEX_TYPES)}.",
            inner_code="InvalidParameter",
            target="stringIndexType",
        )
    return AnalysisSpec(string_index_type=index_type, **options)


def parse_body(
    body: bytes,
    content_type: str | None,
    max_bytes: int,
    fetch_url: Callable[[str, int], bytes] | None = None,
) -> tuple[bytes, Format]:
    """The document in the request: raw bytes, or JSON with base64Source or urlSource
    (fetched with `fetch_url`; without one, urlSource is refused)."""
    if not body:
        raise InvalidRequest(
            "The request has no document: send its bytes or a JSON base64Source.",
            inner_code="InvalidContentLength",
        )
    media_type = (content_type or "").split(";")[0].strip().lower()
    document = body
    if media_type == "application/json" or (not sniff(body) and body.lstrip()[:1] == b"{"):
        document = _document_from_json(body, max_bytes, fetch_url)
    if len(document) > max_bytes:
        raise InvalidRequest(
            f"The document is larger than {max_bytes // (1024 * 1024)} MB.",
            inner_code="InvalidContentLength",
        )
    return document, checked_format(document)


def checked_format(document: bytes) -> Format:
    """The format of a document (or of its first SNIFF_BYTES), with its image size checked."""
    kind = sniff(document)
    if kind is None:
        if document.startswith(OLE_SIGNATURE):
            raise UnsupportedMediaType(
                "Binary Office files (.doc, .xls, .ppt) and password-protected Office files are "
                f"not supported: send {SUPPORTED_FORMATS}.",
                inner_code="InvalidContent",
            )
        raise UnsupportedMediaType(
            f"The file format is not supported: send {SUPPORTED_FORMATS}.",
            inner_code="InvalidContent",
        )
    size = image_dimensions(document, kind)
    if size is not None and not (min(size) >= MIN_IMAGE_SIDE and max(size) <= MAX_IMAGE_SIDE):
        raise InvalidRequest(
            f"Image sides must be between {MIN_IMAGE_SIDE} and {MAX_IMAGE_SIDE} pixels; "
            f"this one is {size[0]} x {size[1]}.",
            inner_code="InvalidContentDimensions",
        )
    return kind


# What the APIs made for images (Vision Read, Image Analysis) take: no Office or HTML.
IMAGE_FORMATS = frozenset({Format.PNG, Format.JPEG, Format.BMP, Format.TIFF, Format.PDF})
# The models that read Office and HTML documents, as Azure's: a custom model learned
# where fields are on a page, and such documents have no page geometry.
OFFICE_MODELS = ("prebuilt-read", "prebuilt-layout")


def check_image(kind: Format | None) -> None:
    """400 InvalidImageFormat for anything an image API does not read (None: no format)."""
    if kind not in IMAGE_FORMATS:
        raise InvalidRequest(
            "The file format is not supported: send JPEG, PNG, BMP, TIFF or PDF.",
            inner_code="InvalidImageFormat",
        )


def check_document_for(model_id: str, kind: Format, spec: AnalysisSpec) -> None:
    """400 for an Office or HTML document asked of a model or an output that needs page
    geometry, which such a document has none of."""
    if not kind.is_office:
        return
    name = kind.value.upper()
    if model_id not in OFFICE_MODELS:
        raise InvalidRequest(
            f"{name} documents are read by {' and '.join(OFFICE_MODELS)}; model '{model_id}' "
            "reads PDF, TIFF, PNG, JPEG and BMP.",
            inner_code="InvalidContent",
        )
    if spec.searchable_pdf:
        raise InvalidArgument(
            f"output=pdf lays text over the pages of a scan or a PDF; a {name} document has none.",
            inner_code="InvalidParameter",
            target="output",
        )


def upload_source(body: bytes, content_type: str | None) -> str | None:
    """The upload a JSON body names with `uploadSource`, if it names one.

    Such a body is a few bytes; a larger one (a base64Source document) is not parsed
    here, so the submit function decodes each document's JSON once."""
    if (content_type or "").split(";")[0].strip().lower() != "application/json" or len(body) > 4096:
        return None
    try:
        request = json.loads(body)
    except (ValueError, UnicodeDecodeError, RecursionError):
        return None
    if not isinstance(request, dict) or "uploadSource" not in request:
        return None
    upload_id = request["uploadSource"]
    if not isinstance(upload_id, str):
        raise InvalidArgument(
            "uploadSource must be an upload id.", inner_code="InvalidParameter", target="uploadSource"
        )
    return upload_id


def _document_from_json(body: bytes, max_bytes: int, fetch_url: Callable[[str, int], bytes] | None) -> bytes:
    try:
        request = json.loads(body)
    except (ValueError, UnicodeDecodeError, RecursionError):
        # RecursionError: nesting deeper than the parser goes ("[" * 3000) is no document.
        raise InvalidRequest("The request body is not valid JSON.", inner_code="InvalidRequest") from None
    if not isinstance(request, dict):
        raise InvalidRequest("The request body must be a JSON object.", inner_code="InvalidRequest")
    if "urlSource" in request:
        if fetch_url is None:
            raise InvalidArgument(
                "urlSource is not accepted here: send the document's bytes or base64Source.",
                inner_code="InvalidParameter",
                target="urlSource",
            )
        return fetch_url(request["urlSource"], max_bytes)
    source = request.get("base64Source")
    if not isinstance(source, str) or not source:
        raise InvalidRequest(
            "The JSON body needs a base64Source.", inner_code="ParameterMissing", target="base64Source"
        )
    if len(source) > (max_bytes * 4) // 3 + 4:
        raise InvalidRequest(
            f"The document is larger than {max_bytes // (1024 * 1024)} MB.",
            inner_code="InvalidContentLength",
        )
    try:
        return base64.b64decode(source, validate=True)
    except (binascii.Error, ValueError):
        raise InvalidArgument(
            "base64Source is not valid base64.", inner_code="InvalidBase64", target="base64Source"
        ) from None


@dataclass(frozen=True)
class BuildRequest:
    """POST /documentModels:build, with `s3Source` where Azure has `azureBlobSource`."""

    model_id: str
    description: str
    bucket: str
    prefix: str


_BUCKET = re.compile(r"^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$")


def _s3_source_of_container(blob: Any) -> dict[str, Any] | None:
    """`azureBlobSource` {containerUrl: "s3://bucket[/folder]", prefix} as an s3Source: what
    a client that builds only from Azure storage (azure-ai-formrecognizer 3.3) can send.
    None for anything else (an Azure container URL)."""
    if not isinstance(blob, dict) or not isinstance(url := blob.get("containerUrl"), str):
        return None
    if not url.startswith("s3://"):
        return None
    bucket, _, folder_part = url.removeprefix("s3://").partition("/")
    prefix = blob.get("prefix") or ""
    if not isinstance(prefix, str):
        return None
    # The container URL's folder, then the prefix within it
    return {
        "bucket": bucket,
        "prefix": "/".join(part.strip("/") for part in (folder_part, prefix) if part.strip("/")),
    }


def _json_object(body: bytes) -> dict[str, Any]:
    try:
        data = json.loads(body or b"{}")
    except (ValueError, RecursionError):
        raise InvalidRequest("The body must be JSON.", inner_code="InvalidContent") from None
    if not isinstance(data, dict):
        raise InvalidRequest("The body must be a JSON object.", inner_code="InvalidContent")
    return data


def parse_build_request(body: bytes) -> BuildRequest:
    data = _json_object(body)
    model_id = data.get("modelId")
    if not isinstance(model_id, str) or not MODEL_ID.match(model_id) or model_id.startswith("prebuilt-"):
        raise InvalidArgument(
            "modelId must be 2-64 letters, digits, '.', '_', '~' or '-', start with a letter or digit, "
            "and not start with 'prebuilt-'.",
            inner_code="InvalidParameter",
            target="modelId",
        )
    if data.get("buildMode") != "template":
        raise InvalidArgument(
            "buildMode must be 'template' (neural models are not supported).",
            inner_code="InvalidParameter",
            target="buildMode",
        )
    source = data.get("s3Source")
    if source is None and "azureBlobSource" in data:
        source = _s3_source_of_container(data["azureBlobSource"])
    bucket, prefix = _s3_folder(source, "azureBlobSource" in data)
    description = data.get("description", "")
    return BuildRequest(model_id, str(description)[:4096] if description else "", bucket, prefix)


def _s3_folder(source: Any, from_azure: bool) -> tuple[str, str]:
    """(bucket, folder) of an `s3Source` {bucket, prefix}; 400 for anything else.

    A folder, so that `a` never reads `ab/`: listing goes by plain key prefix."""
    if not isinstance(source, dict):
        hint = (
            " (azureBlobSource names Azure storage: give s3Source {bucket, prefix}, or a containerUrl"
            " s3://bucket as clients that only send azureBlobSource can)"
        )
        raise InvalidArgument(
            "s3Source {bucket, prefix} is required" + (hint if from_azure else "") + ".",
            inner_code="ParameterMissing",
            target="s3Source",
        )
    bucket, prefix = source.get("bucket"), source.get("prefix", "")
    if (
        not isinstance(bucket, str)
        or not _BUCKET.match(bucket)
        or not isinstance(prefix, str)
        or len(prefix) > 512
    ):
        raise InvalidArgument("s3Source needs a bucket name and an optional prefix.", target="s3Source")
    if not is_plain_prefix(prefix):
        raise InvalidArgument(
            "s3Source's prefix is a folder: no leading '/', no '.', '..' or empty segments.",
            target="s3Source",
        )
    return bucket, folder(prefix)


@dataclass(frozen=True)
class BatchRequest:
    """POST /documentModels/{modelId}:analyzeBatch: the documents of a folder of the
    tenant's bucket (`s3Source` {bucket, prefix[, fileList]}, or Azure's azureBlobSource /
    azureBlobFileListSource with a containerUrl s3://bucket[/folder])."""

    bucket: str
    prefix: str
    file_list: str | None = None  # a JSONL file in the folder naming the documents


MAX_KEY_CHARS = 1024  # S3's longest key


def parse_batch_request(body: bytes) -> BatchRequest:
    data = _json_object(body)
    source = data.get("s3Source")
    from_azure = "azureBlobSource" in data or "azureBlobFileListSource" in data
    file_list = source.get("fileList") if isinstance(source, dict) else None
    if source is None and "azureBlobSource" in data:
        source = _s3_source_of_container(data["azureBlobSource"])
    elif source is None and "azureBlobFileListSource" in data:
        listed = data["azureBlobFileListSource"]
        source = _s3_source_of_container(
            {"containerUrl": listed.get("containerUrl")} if isinstance(listed, dict) else None
        )
        file_list = listed.get("fileList") if isinstance(listed, dict) else None
        if file_list is None:
            raise InvalidArgument(
                "azureBlobFileListSource needs a fileList.",
                inner_code="ParameterMissing",
                target="azureBlobFileListSource",
            )
    bucket, prefix = _s3_folder(source, from_azure)
    if file_list is not None and (
        not isinstance(file_list, str)
        or not 0 < len(file_list) <= MAX_KEY_CHARS - len(prefix)
        or file_list.endswith("/")
        or not is_plain_prefix(file_list)
    ):
        raise InvalidArgument(
            "fileList is the name of a JSONL file in the source's folder (no leading '/', '.' or '..').",
            inner_code="InvalidParameter",
            target="fileList",
        )
    # Results stay sealed in DocSafe (README, "Batch analysis"): the result container a
    # client must name is taken, never written to.
    result = data.get("resultContainerUrl")
    if result is not None and not isinstance(result, str):
        raise InvalidArgument("resultContainerUrl must be a string.", target="resultContainerUrl")
    return BatchRequest(bucket, prefix, file_list)
