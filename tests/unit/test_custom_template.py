"""Template models learned from labelled forms (real OCR of generated forms)."""

from __future__ import annotations

import json
from typing import Any

import pytest
from docsafe.contract.result import build_analyze_result
from docsafe.custom.labels import TrainingDataInvalid, parse_fields, parse_labels
from docsafe.custom.template import TemplateModel, extract, learn, page_words, typed_value
from docsafe.engines.tesseract import TesseractEngine

from tests.support.forms import LAYOUT, assert_fields_are, fields_json, filled_form, random_values


def analyzed(image: Any) -> dict[str, Any]:
    return build_analyze_result("prebuilt-read", [(1, TesseractEngine().read(image))])


@pytest.fixture(scope="module")
def model() -> TemplateModel:
    fields = parse_fields(json.dumps(fields_json()).encode())
    examples = []
    for seed in range(5):
        form = filled_form(random_values(seed))
        labels = parse_labels(json.dumps(form.labels(f"form-{seed}.png")).encode(), fields)
        examples.append((labels, {1: page_words(analyzed(form.image)["pages"][0])}))
    return learn("insurance-form", fields, examples)


def test_each_field_learns_its_printed_label_as_anchor(model: TemplateModel) -> None:
    anchors = {field.name: field.anchor for field in model.fields}
    assert anchors == {name: label.casefold() for name, (label, _, _) in LAYOUT.items()}
    assert TemplateModel.from_json(json.loads(json.dumps(model.to_json()))) == model


@pytest.mark.parametrize("shift", [(0, 0), (90, 60)])
def test_an_unseen_form_gives_every_field_its_value(model: TemplateModel, shift: tuple[int, int]) -> None:
    # Given a form with values no example had, placed off-centre
    values = {
        "CustomerName": "Ingrid Olsen",
        "PolicyNumber": "PX-7310",
        "StartDate": "2026-09-17",
        "Premium": "1234.56",
    }
    result = analyzed(filled_form(values, shift=shift).image)
    # When the model reads it
    document = extract(model, result["pages"], result["content"])
    fields = document["fields"]
    # Then every field has its value, typed, with spans that index the content
    assert document["docType"] == "insurance-form"
    assert_fields_are(fields, values)
    for field in fields.values():
        (span,) = field["spans"]
        assert result["content"][span["offset"] : span["offset"] + span["length"]] == field["content"]
        assert field["boundingRegions"][0]["pageNumber"] == 1


def test_typed_values() -> None:
    assert typed_value("number", "$1,234.50") == {"valueNumber": 1234.5}
    assert typed_value("number", "1234,50") == {"valueNumber": 1234.5}
    assert typed_value("integer", "42") == {"valueInteger": 42}
    assert typed_value("date", "14.03.2026") == {"valueDate": "2026-03-14"}
    assert typed_value("date", "03-14-2026") == {"valueDate": "2026-03-14"}
    assert typed_value("date", "14 March 2026") == {"valueDate": "2026-03-14"}
    assert typed_value("date", "soon") is None and typed_value("number", "n/a") is None


def test_bad_training_files_are_refused_with_a_reason() -> None:
    with pytest.raises(TrainingDataInvalid, match="fields"):
        parse_fields(b"{}")
    fields = {"Name": "string"}
    with pytest.raises(TrainingDataInvalid, match="boundingBoxes"):
        parse_labels(
            json.dumps({"document": "a.png", "labels": [{"label": "Name", "value": [{"page": 1}]}]}).encode(),
            fields,
        )
    with pytest.raises(TrainingDataInvalid, match="normalised"):
        box = [[10, 10, 200, 10, 200, 40, 10, 40]]  # pixels, not 0..1
        parse_labels(
            json.dumps(
                {
                    "document": "a.png",
                    "labels": [{"label": "Name", "value": [{"page": 1, "boundingBoxes": box}]}],
                }
            ).encode(),
            fields,
        )
