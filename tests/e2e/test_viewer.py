"""The result viewer in a real headless Chromium: pick a file, see the overlays, delete."""

from __future__ import annotations

import shutil
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest
from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.remote.webelement import WebElement
from selenium.webdriver.support.ui import Select, WebDriverWait

from tests.e2e.conftest import Server
from tests.support.documents import FORM_TABLE, encode, form_image, text_image

pytestmark = pytest.mark.e2e
SCREENSHOTS = Path(__file__).resolve().parents[2] / ".pytest_cache" / "screenshots"


@pytest.fixture(scope="module")
def browser() -> Iterator[webdriver.Chrome]:
    # Debian's chromium and chromium-driver (make test installs them); never a download.
    binary = shutil.which("chromium") or shutil.which("chromium-browser")
    driver_path = shutil.which("chromedriver")
    assert binary and driver_path, "chromium and chromium-driver are needed: make test installs them"
    options = webdriver.ChromeOptions()
    options.binary_location = binary
    for flag in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--window-size=1400,1100"):
        options.add_argument(flag)
    driver = webdriver.Chrome(service=Service(executable_path=driver_path), options=options)
    try:
        yield driver
    finally:
        driver.quit()


def analyze_in_viewer(
    browser: webdriver.Chrome, server: Server, document: Path, model: str | None = None
) -> WebElement:
    """Enter the key, pick the model and the file, analyze; the page's body once it settled."""
    browser.get(server.url + "/viewer")
    browser.find_element(By.ID, "key").send_keys(server.keys["delta"])
    if model:
        Select(browser.find_element(By.ID, "model")).select_by_value(model)
    browser.find_element(By.ID, "file").send_keys(str(document))
    browser.find_element(By.ID, "analyze").click()
    WebDriverWait(browser, 120).until(
        lambda b: b.find_element(By.TAG_NAME, "body").get_attribute("data-state")
    )
    return browser.find_element(By.TAG_NAME, "body")


def delete_in_viewer(browser: webdriver.Chrome) -> None:
    browser.find_element(By.ID, "delete").click()
    WebDriverWait(browser, 30).until(
        lambda b: b.find_element(By.TAG_NAME, "body").get_attribute("data-state") == "deleted"
    )


def test_the_viewer_draws_words_lines_and_tables_and_deletes(
    server: Server, browser: webdriver.Chrome, tmp_path: Path
) -> None:
    # Given a filled form as a PNG file, and the viewer of the local service
    document = tmp_path / "form.png"
    document.write_bytes(encode(form_image(), "PNG"))

    # When the user enters the key, picks the layout model and the file, and analyzes
    body = analyze_in_viewer(browser, server, document, "prebuilt-layout")

    # Then the page shows the image with a box per word, per line, the table and its cells
    assert body.get_attribute("data-state") == "shown", browser.find_element(By.ID, "status").text
    words = browser.find_elements(By.CSS_SELECTOR, "svg polygon.word")
    assert len(words) == int(body.get_attribute("data-words")) >= 20
    assert browser.find_elements(By.CSS_SELECTOR, "svg polygon.line")
    assert len(browser.find_elements(By.CSS_SELECTOR, "svg polygon.table")) == 1
    assert len(browser.find_elements(By.CSS_SELECTOR, "svg polygon.cell")) == len(FORM_TABLE) * 3
    assert browser.find_elements(By.CSS_SELECTOR, "svg polygon.mark")
    image = browser.find_element(By.CSS_SELECTOR, ".page img")
    assert browser.execute_script("return arguments[0].complete && arguments[0].naturalWidth", image) == 1700
    # And confidence shows as colour, and the text is on the side
    assert words[0].get_attribute("fill").startswith("hsl(")
    assert "Order Form" in browser.find_element(By.ID, "text").text
    # And words sit on the picture where they were read (the first word is near the top left)
    first = words[0].rect
    frame = browser.find_element(By.CSS_SELECTOR, ".page").rect
    assert first["x"] - frame["x"] < frame["width"] * 0.2 and first["y"] - frame["y"] < frame["height"] * 0.15
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    browser.save_screenshot(str(SCREENSHOTS / "viewer.png"))

    # When the user deletes the result
    delete_in_viewer(browser)

    # Then the service has nothing left of it
    assert server.operations("delta") == []


def test_the_viewer_page_allows_only_its_own_script_and_this_origin(server: Server) -> None:
    with urllib.request.urlopen(server.url + "/viewer") as answer:
        policy = answer.headers["Content-Security-Policy"]
        assert answer.headers["Content-Type"].startswith("text/html")
    assert (
        "default-src 'none'" in policy and "unsafe-inline" not in policy and "script-src 'sha256-" in policy
    )
    # This origin, and the upload bucket's for documents too large for a body: no other
    (connect,) = [d for d in policy.split("; ") if d.startswith("connect-src")]
    assert connect.split() == ["connect-src", "'self'", server.aws_url]


def test_the_viewer_sends_a_document_too_large_for_a_body_through_an_upload(
    server: Server, browser: webdriver.Chrome, tmp_path: Path
) -> None:
    from docsafe.limits import API_GATEWAY_BODY_BYTES
    from PIL import Image

    from tests.support.documents import text_image

    # Given an uncompressed TIFF over the direct body limit
    document = tmp_path / "large.tiff"
    text_image(["Uploaded through the viewer"], size=(2600, 2200)).convert("RGB").save(
        document, format="TIFF"
    )
    assert document.stat().st_size > API_GATEWAY_BODY_BYTES
    assert Image.open(document).size == (2600, 2200)
    body = analyze_in_viewer(browser, server, document)
    # Then it was analyzed (as a body, API Gateway would have refused it with a 413)
    assert body.get_attribute("data-state") == "shown", browser.find_element(By.ID, "status").text
    assert "Uploaded through the viewer" in browser.find_element(By.ID, "text").text
    delete_in_viewer(browser)


def test_the_viewer_reads_through_vision_read_and_deletes(
    server: Server, browser: webdriver.Chrome, tmp_path: Path
) -> None:
    # Given a scanned page, read through Computer Vision Read v3.2's routes
    document = tmp_path / "letter.png"
    document.write_bytes(encode(text_image(["Dear Ms Keller", "Your lease ends in May"]), "PNG"))
    body = analyze_in_viewer(browser, server, document, "vision-read-3.2")
    # Then its words and lines are drawn on the picture, and its text is on the side
    assert body.get_attribute("data-state") == "shown", browser.find_element(By.ID, "status").text
    words = browser.find_elements(By.CSS_SELECTOR, "svg polygon.word")
    assert len(words) == int(body.get_attribute("data-words")) == 8
    assert len(browser.find_elements(By.CSS_SELECTOR, "svg polygon.line")) == 2
    assert "Your lease ends in May" in browser.find_element(By.ID, "text").text
    # And a delete leaves nothing of it
    delete_in_viewer(browser)
    assert server.operations("delta") == []


def test_the_viewer_reads_through_image_analysis_and_nothing_is_kept(
    server: Server, browser: webdriver.Chrome, tmp_path: Path
) -> None:
    document = tmp_path / "note.png"
    document.write_bytes(encode(text_image(["Call Ms Keller", "before noon"]), "PNG"))
    body = analyze_in_viewer(browser, server, document, "image-analysis-4.0")
    assert body.get_attribute("data-state") == "shown", browser.find_element(By.ID, "status").text
    assert int(body.get_attribute("data-words")) == 5
    assert len(browser.find_elements(By.CSS_SELECTOR, "svg polygon.line")) == 2
    assert "before noon" in browser.find_element(By.ID, "text").text
    status = browser.find_element(By.ID, "status").text
    assert "Nothing of it was kept" in status and "receipt -" not in status
    # And there is nothing to delete: the service holds no operation of it
    assert browser.find_element(By.ID, "delete").get_attribute("disabled")
    assert server.operations("delta") == []
