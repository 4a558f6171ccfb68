"""A live server on a seeded SQLite database, and Debian's Chromium driven by Playwright."""

import threading
from pathlib import Path

import pytest
from playwright.sync_api import Page, sync_playwright
from sqlmodel import Session
from werkzeug.serving import make_server

from directory import create_app
from directory.config import PROJECT_ROOT
from directory.notify.deliver import deliver
from directory.notify.smtp import SmtpSettings
from tests.conftest import TEST_CONFIG
from tests.helpers.databases import empty_database, migrate_and_seed
from tests.helpers.people import make_user
from tests.helpers.smtp import Inbox, running_smtp_server

CHROMIUM = "/usr/bin/chromium"
# The network here is closed: without these flags Chromium's background calls hang.
CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
    "--no-first-run", "--disable-sync", "--disable-quic",
]
AXE = PROJECT_ROOT / "node_modules" / "axe-core" / "axe.min.js"
PHONE = {"width": 375, "height": 812}


class LiveSite(str):
    """The live server's base URL, with the accounts made for it (`people[name]` is their email) and a real
    SMTP server that receives what `send_emails()` delivers from the outbox."""

    people: dict[str, str]
    inbox: Inbox

    def send_emails(self) -> None:
        with Session(self.app.extensions["db"].engine) as session:
            result = deliver(session, SmtpSettings(host="127.0.0.1", port=self.smtp_port,
                                                   mail_from="directory@example.org"))
        assert result.retrying + result.newly_failed == 0, f"{result} : emails could not be delivered"


@pytest.fixture(scope="session")
def live_server(tmp_path_factory):
    folder = tmp_path_factory.mktemp("live")
    with empty_database("sqlite", folder) as url:
        database = migrate_and_seed(url)
        people = {}
        with Session(database.engine) as session:
            for name, roles, districts, services in (
                    ("Kim Keyworker", ["key_worker"], ["east-staffordshire"], []),
                    ("Sam Staff", ["service_lead"], [], []),
                    ("Lee Lead", ["service_lead"], [], ["camhs-autism-pathway-north-staffordshire"]),
                    ("Dee Lead", ["service_lead"], [], ["camhs-south-staffordshire"]),
                    ("Fay Family", ["family"], [], []),
                    ("Ada Admin", ["admin"], [], []),
                    ("Liz Listings", ["service_lead"], [], ["staffordshire-sendiass"]),
                    ("Ola Officer", ["key_worker"], [], [])):
                user = make_user(session, roles, name=name, districts=districts, services=services)
                if name == "Kim Keyworker":
                    user.work_phone = "01632 960 123"
                    session.commit()
                people[name] = user.email
        database.engine.dispose()
        # As in production: the app builds its missing search index when it starts.
        app = create_app({**TEST_CONFIG, "TESTING": False, "DATABASE_URL": url, "SITE_URL": "http://127.0.0.1",
                          "SEARCH_INDEX_PATH": str(folder / "index"), "SEARCH_CHECK_ON_START": True})
        server = make_server("127.0.0.1", 0, app, threaded=True)
        app.config["SITE_URL"] = f"http://127.0.0.1:{server.server_port}"
        thread = threading.Thread(target=server.serve_forever, daemon=True)
        thread.start()
        site = LiveSite(app.config["SITE_URL"])
        site.people, site.app = people, app
        with running_smtp_server() as (site.smtp_port, site.inbox):
            yield site
        server.shutdown()
        thread.join()


@pytest.fixture(scope="session")
def browser():
    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is missing: scripts/test installs Debian's chromium package")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        yield browser
        browser.close()


def _open_page(browser, **options):
    context = browser.new_context(viewport=PHONE, **options)
    yield context.new_page()
    context.close()


@pytest.fixture
def page(browser):
    # bypass_csp lets the test inject axe-core; the site itself allows no inline script without its nonce.
    yield from _open_page(browser, bypass_csp=True)


@pytest.fixture
def page_without_javascript(browser):
    yield from _open_page(browser, java_script_enabled=False)


@pytest.fixture
def open_page(browser):
    """A new browser (its own cookies) for each person in the journey."""
    contexts = []

    def opened() -> Page:
        contexts.append(browser.new_context(viewport=PHONE, bypass_csp=True))
        return contexts[-1].new_page()

    yield opened
    for context in contexts:
        context.close()
