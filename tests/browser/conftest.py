"""Browser tests: the real app on an ephemeral port, driven by Debian's Chromium.

Playwright (from PyPI) drives /usr/bin/chromium; its own browser download is
never used. The server is the real Flask app over the per-test database from
tests/conftest.py; the front-end libraries must be installed (`npm ci`).
"""
import threading
from pathlib import Path

import pytest

CHROMIUM = Path("/usr/bin/chromium")
ROOT = Path(__file__).resolve().parents[2]
SHOTS = Path("/tmp")

PEOPLE = [  # name (= password), role, groups
    ("window", "clerk", ["综合受理窗口"]),
    ("police", "clerk", ["公安局"]),
    ("auditor", "auditor", []),
    ("analyst", "analyst", []),
]


@pytest.fixture(scope="session")
def chromium():
    sync_api = pytest.importorskip("playwright.sync_api")
    if not CHROMIUM.exists():
        pytest.skip("no /usr/bin/chromium (apt-get install chromium)")
    if not (ROOT / "node_modules" / "bpmn-js" / "dist").is_dir():
        pytest.skip("front-end libraries missing: run `npm ci` in the repository root")
    with sync_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=[
            "--no-sandbox", "--disable-gpu", "--disable-background-networking",
            "--disable-component-update", "--no-first-run"])
        yield browser
        browser.close()


@pytest.fixture
def people(deployed):
    for name, role, groups in PEOPLE:
        deployed.users.add(name, role, groups=groups, password=name)
    return deployed


@pytest.fixture
def server(people):
    """The real app (API + web UI) on 127.0.0.1 with an ephemeral port."""
    from werkzeug.serving import make_server

    from api import create_app

    app = create_app(people)
    httpd = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_port}"
    httpd.shutdown()
    thread.join()


@pytest.fixture
def page(chromium, server):
    """A fresh browser context in Beijing time; uncaught script errors fail the test."""
    context = chromium.new_context(base_url=server, locale="zh-CN", timezone_id="Asia/Shanghai",
                                   viewport={"width": 1280, "height": 900})
    context.set_default_timeout(15_000)
    page = context.new_page()
    errors = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    yield page
    context.close()
    assert not errors, f"script errors in the page: {errors}"


def login(page, name, password=None):
    page.goto("/login")
    page.fill("input[name=name]", name)
    page.fill("input[name=password]", password or name)
    page.click("button[type=submit]")
    page.wait_for_url(lambda url: "/login" not in url)


def choose(option):
    """Pick a form-js radio option. form-js re-renders after the click, so Playwright's check(),
    which reads the state at once, can see the old one on a loaded machine; wait for it instead."""
    from playwright.sync_api import expect

    option.click()
    expect(option).to_be_checked()
