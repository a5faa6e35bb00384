"""The built site renders in a real browser, with no console errors and nothing loaded from outside.

Serves the site built by mkdocs (``TT_DOCS_SITE``) on localhost and loads the
home page, a module chapter and an API page in headless Chromium (Debian's
``chromium`` and ``chromium-driver``, driven by selenium; no browser is ever
downloaded). Each page must load its theme JavaScript, log no console error,
request nothing from another host, and show what it is for: the package map on
the home page, highlighted code in the chapter, the reference entries on the
API page. Site search must answer a query (its worker and index are local).

``nox -s docs-browser`` runs it; plain ``pytest`` does not collect this folder
(``norecursedirs`` in pyproject.toml), since it needs a browser installed.
Set ``TT_DOCS_SCREENSHOTS=<folder>`` to keep a PNG of each page.
"""

from __future__ import annotations

import functools
import http.server
import os
import shutil
import tempfile
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from by_path import load_file

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM_FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--window-size=1280,1000",
)


site = load_file("tinytorch_docs_site", ROOT / "tools" / "docs_site.py")


def _unavailable(reason: str) -> None:
    pytest.fail(f"{reason} (`nox -s docs-browser` installs what it needs)", pytrace=False)


@pytest.fixture(scope="module")
def base_url() -> Iterator[str]:
    built = Path(os.environ.get("TT_DOCS_SITE", ROOT / "build" / "site"))
    if not (built / "index.html").is_file():
        _unavailable(f"no built site at {built}")

    class Quiet(http.server.SimpleHTTPRequestHandler):
        def log_message(self, *args: object) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(Quiet, directory=str(built)))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture(scope="module")
def browser():
    chromium = next((shutil.which(n) for n in ("chromium", "chromium-browser") if shutil.which(n)), None)
    driver_path = shutil.which("chromedriver")
    if not chromium or not driver_path:
        _unavailable("needs Debian's chromium and chromium-driver (apt-get install chromium chromium-driver)")
    try:
        from selenium import webdriver
        from selenium.webdriver.chrome.service import Service
    except ImportError:
        _unavailable("needs selenium (pip install selenium)")
    os.environ["SE_OFFLINE"] = "true"  # never let Selenium Manager fetch a driver or a browser
    profile = tempfile.mkdtemp(prefix="tt-docs-chromium-")
    options = webdriver.ChromeOptions()
    options.binary_location = chromium
    for flag in (*CHROMIUM_FLAGS, f"--user-data-dir={profile}"):
        options.add_argument(flag)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    driver = webdriver.Chrome(service=Service(executable_path=driver_path), options=options)
    driver.set_page_load_timeout(30)
    try:
        yield driver
    finally:
        driver.quit()
        shutil.rmtree(profile, ignore_errors=True)


def _wait(driver, condition: str, what: str, timeout: float = 10.0) -> None:
    """Wait until the JavaScript expression ``condition`` is truthy; fail naming ``what``."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if driver.execute_script(f"return Boolean({condition});"):
            return
        time.sleep(0.1)
    pytest.fail(f"{driver.current_url}: timed out waiting for {what}", pytrace=False)


def _load_page(driver, base_url: str, path: str) -> None:
    """Load ``path``, wait for the theme's JavaScript, then check the console and the requests."""
    driver.get_log("browser")  # drop anything left from an earlier page
    driver.get(f"{base_url}/{path}")
    _wait(driver, "document.readyState === 'complete'", "the page to load")
    _wait(driver, "window.document$ !== undefined", "mkdocs-material's JavaScript bundle")
    time.sleep(0.5)  # let late scripts (search worker, highlighting) report
    shots = os.environ.get("TT_DOCS_SCREENSHOTS")
    if shots:
        Path(shots).mkdir(parents=True, exist_ok=True)
        name = path.strip("/").replace("/", "_") or "home"
        driver.save_screenshot(str(Path(shots) / f"{name}.png"))
    errors = [entry["message"] for entry in driver.get_log("browser") if entry["level"] == "SEVERE"]
    assert not errors, f"{path}: console errors:\n" + "\n".join(errors)
    resources = driver.execute_script("return performance.getEntriesByType('resource').map(e => e.name);")
    outside = [url for url in resources if not url.startswith(base_url) and not url.startswith("data:")]
    assert not outside, f"{path}: loaded from outside the site: {outside}"
    assert driver.execute_script("return document.querySelector('h1') !== null;"), f"{path}: no title"


def test_home_page_renders(browser, base_url):
    _load_page(browser, base_url, "")
    assert browser.title.startswith("TinyTorch")
    _wait(
        browser,
        "[...document.images].some(i => i.src.endsWith('package-map.svg') && i.naturalWidth > 0)",
        "the package map to be drawn",
    )
    nav = browser.execute_script(
        "return [...document.querySelectorAll('.md-nav__link')].map(a => a.textContent);"
    )
    for section in ("Course", "Milestones", "API reference", "Contributing"):
        assert any(section in text for text in nav), f"nav lacks {section}: {nav}"


def test_a_chapter_renders(browser, base_url):
    chapters = site.chapters(ROOT / "docs")
    assert chapters, "no module chapter written yet"
    path = next(iter(chapters.values())).removesuffix(".md") + "/"
    _load_page(browser, base_url, path)
    assert browser.execute_script("return document.querySelectorAll('.highlight code').length;") > 0


def test_an_api_page_renders(browser, base_url):
    package = site.api_targets(ROOT)[0]
    _load_page(browser, base_url, site.api_page_path(package).removesuffix(".md") + "/")
    anchors = browser.execute_script(
        f"return document.querySelectorAll('[id^=\"{package}.\"]').length;"
    )  # fmt: skip
    assert anchors > 10, f"{package}'s page has only {anchors} reference entries"
    assert (
        browser.execute_script("return document.querySelectorAll('.doc-signature, .doc-heading').length;") > 0
    )


def test_search_answers_from_the_local_index(browser, base_url):
    _load_page(browser, base_url, "")
    browser.execute_script(
        """
        const input = document.querySelector('.md-search__input');
        input.focus();
        input.value = 'autograd';
        input.dispatchEvent(new Event('input', {bubbles: true}));
        input.dispatchEvent(new KeyboardEvent('keyup', {bubbles: true, key: 'd'}));
        """
    )
    _wait(browser, "document.querySelectorAll('.md-search-result__item').length > 0", "search results", 15)
    errors = [entry["message"] for entry in browser.get_log("browser") if entry["level"] == "SEVERE"]
    assert not errors, "console errors while searching:\n" + "\n".join(errors)
