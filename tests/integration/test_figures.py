"""Figures through the whole stack: found by prebuilt-layout, their images kept with
output=figures and served to their tenant only, purged with the analysis."""

from __future__ import annotations

import io

from PIL import Image

from tests.support.documents import CHART_BOX, encode, figure_page, scanned_pdf
from tests.support.stack import Harness

FIGURES = "/documentintelligence/documentModels/prebuilt-layout/analyzeResults/{}/figures/{}"


def test_a_figures_image_is_served_to_its_tenant_and_purged_with_the_analysis(local_stack: Harness) -> None:
    key = local_stack.new_key("acme")
    location = local_stack.submit(encode(figure_page(), "PNG"), key, "prebuilt-layout", "output=figures")
    body = local_stack.wait(location, key)
    assert body["status"] == "succeeded", body
    figures = body["analyzeResult"]["figures"]
    assert [figure["id"] for figure in figures] == ["1.1", "1.2"]
    operation_id = location.rsplit("/", 1)[1]
    answer = local_stack.request("GET", FIGURES.format(operation_id, "1.1"), key)
    assert answer.status == 200 and answer.headers["Content-Type"] == "image/png"
    chart = Image.open(io.BytesIO(answer.body))
    width, height = CHART_BOX[2] - CHART_BOX[0], CHART_BOX[3] - CHART_BOX[1]
    assert abs(chart.width - width) < 0.15 * width and abs(chart.height - height) < 0.15 * height

    for figure_id in ("1.3", "0.1", "x", "1.1.png"):
        missing = local_stack.request("GET", FIGURES.format(operation_id, figure_id), key)
        assert missing.status == 404 and missing.json()["error"]["innererror"]["code"] == "FigureNotFound"
    stranger = local_stack.new_key("globex")
    foreign = local_stack.request("GET", FIGURES.format(operation_id, "1.1"), stranger)
    assert foreign.status == 404 and foreign.json()["error"]["code"] == "NotFound"
    assert "FigureNotFound" not in foreign.body.decode()  # as if nothing were there

    deleted = local_stack.request("DELETE", location, key)
    assert deleted.status == 204
    assert not [name for name in local_stack.stored_objects("acme") if operation_id in name]
    assert local_stack.request("GET", FIGURES.format(operation_id, "1.1"), key).status == 404


def test_a_scanned_pdfs_figure_is_cut_from_the_page_and_figures_need_asking(local_stack: Harness) -> None:
    key = local_stack.new_key("acme")
    location = local_stack.submit(
        scanned_pdf([figure_page()], resolution=200), key, "prebuilt-layout", "output=figures,pdf"
    )
    body = local_stack.wait(location, key)
    assert body["status"] == "succeeded", body
    operation_id = location.rsplit("/", 1)[1]
    answer = local_stack.request("GET", FIGURES.format(operation_id, "1.1"), key)
    assert answer.status == 200 and answer.body.startswith(b"\x89PNG")

    plain = local_stack.submit(encode(figure_page(), "PNG"), key, "prebuilt-layout")
    assert len(local_stack.wait(plain, key)["analyzeResult"]["figures"]) == 2
    answer = local_stack.request("GET", FIGURES.format(plain.rsplit("/", 1)[1], "1.1"), key)
    assert answer.status == 404 and answer.json()["error"]["innererror"]["code"] == "FiguresNotRequested"

    refused = local_stack.request(
        "POST",
        "/documentintelligence/documentModels/prebuilt-read:analyze",
        key,
        query="api-version=2024-11-30&output=figures",
        body=encode(figure_page(), "PNG"),
    )
    error = local_stack.refusal(refused, key)
    assert "output=figures is served by prebuilt-layout" in error["message"]
