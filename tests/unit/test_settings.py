import pytest
from docsafe.settings import Settings, SettingsError


def test_settings_come_from_docsafe_variables_and_the_region() -> None:
    settings = Settings.from_env(
        {"DOCSAFE_JOBS_TABLE": "jobs", "DOCSAFE_RETENTION_SECONDS": "60", "AWS_REGION": "eu-central-1"}
    )
    assert (settings.jobs_table, settings.retention_seconds, settings.region) == ("jobs", 60, "eu-central-1")


@pytest.mark.parametrize("seconds", ["0", "86401", "lots"])
def test_retention_beyond_24_hours_is_refused(seconds: str) -> None:
    with pytest.raises(SettingsError):
        Settings.from_env({"DOCSAFE_RETENTION_SECONDS": seconds})


def test_the_template_offers_only_engines_the_service_knows_and_settings_refuse_others() -> None:
    from docsafe.settings import ENGINES
    from docsafe_tools.local.template import load_template

    parameter = load_template().raw["Parameters"]["OcrEngine"]
    assert set(parameter["AllowedValues"]) == set(ENGINES)
    # The reading policy the benchmarks chose, in AWS and locally alike
    assert parameter["Default"] == Settings.from_env({"AWS_REGION": "eu-west-1"}).ocr_engine == "cascade"
    assert Settings.from_env({"DOCSAFE_OCR_ENGINE": "ppocr", "AWS_REGION": "eu-west-1"}).ocr_engine == "ppocr"
    with pytest.raises(SettingsError):
        Settings.from_env({"DOCSAFE_OCR_ENGINE": "easyocr", "AWS_REGION": "eu-west-1"})
