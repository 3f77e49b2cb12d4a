"""Job specs: what a job is to do, typed, and its stored form read back the same."""

from __future__ import annotations

from docsafe.contract.requests import parse_options
from docsafe.specs import AnalysisSpec, BuildSpec, UploadRef, is_build


def test_an_analysis_spec_survives_its_record() -> None:
    spec = parse_options(
        {
            "pages": "3, 1-2",
            "locale": "en-US",
            "features": "keyValuePairs",
            "outputContentFormat": "markdown",
        },
        "prebuilt-layout",
    ).with_upload(UploadRef("u-1", '"etag"', 1234))
    again = AnalysisSpec.from_record(spec.to_record())
    assert again == spec
    assert again.page_numbers(5) == [1, 2, 3] and again.result_options.markdown
    assert again.upload == UploadRef("u-1", '"etag"', 1234)


def test_a_record_written_before_the_specs_reads_as_it_meant() -> None:
    # The stored keys are the API's own options, as records have always held them
    old = {
        "pages": "2-3",
        "output": "pdf",
        "stringIndexType": "utf16CodeUnit",
        "upload": "u",
        "uploadSize": "7",
    }
    spec = AnalysisSpec.from_record(old)
    assert spec.page_numbers(10) == [2, 3] and spec.searchable_pdf
    assert spec.string_index_type == "utf16CodeUnit" and spec.upload == UploadRef("u", "", 7)
    assert AnalysisSpec.from_record({}).page_numbers(2) == [1, 2]


def test_a_build_spec_says_it_is_a_build() -> None:
    record = BuildSpec("training", "forms/", "claims").to_record()
    assert is_build(record) and BuildSpec.from_record(record) == BuildSpec("training", "forms/", "claims")
    assert not is_build(AnalysisSpec().to_record())


def test_no_stage_imports_the_request_parser() -> None:
    import subprocess
    import sys

    # Given a fresh interpreter, when the stages are imported
    loader = (
        "import sys\n"
        "import docsafe.pipeline, docsafe.stages, docsafe.training, docsafe.retention\n"
        "print('docsafe.contract.requests' in sys.modules)\n"
    )
    out = subprocess.run([sys.executable, "-c", loader], capture_output=True, text=True, check=True)
    # Then they read their jobs' specs, never a request
    assert out.stdout.strip() == "False"
