import json

from docsafe_tools.analyze_command import render


def test_text_output_lists_a_custom_models_fields_after_the_text() -> None:
    result = {
        "content": "Policy number: PX-7310",
        "documents": [
            {
                "docType": "claims",
                "fields": {"PolicyNumber": {"type": "string", "content": "PX-7310"}, "Empty": {}},
            }
        ],
    }
    assert render(result, "text") == "Policy number: PX-7310\n\n[claims]\nPolicyNumber: PX-7310\nEmpty: "
    assert json.loads(render(result, "json")) == result
    assert render({"content": "plain"}, "markdown") == "plain"
