"""A test client that checks every HTML page it receives: one h1, the title starts with it, no duplicate ids."""

from collections import Counter

from bs4 import BeautifulSoup
from flask.testing import FlaskClient


class PageError(AssertionError):
    pass


def check_page(html: str) -> BeautifulSoup:
    soup = BeautifulSoup(html, "html.parser")
    headings = soup.find_all("h1")
    if len(headings) != 1:
        raise PageError(f"expected one h1, found {len(headings)}: {[h.get_text(strip=True) for h in headings]}")
    heading = " ".join(headings[0].get_text().split())
    title = " ".join(soup.title.get_text().split()) if soup.title else ""
    if not (title.startswith(heading) or title.startswith(f"Error: {heading}")):
        raise PageError(f"title {title!r} does not start with the h1 {heading!r}")
    duplicates = [i for i, n in Counter(tag["id"] for tag in soup.find_all(id=True)).items() if n > 1]
    if duplicates:
        raise PageError(f"duplicate ids: {duplicates}")
    if soup.html is None or soup.html.get("lang") != "en":
        raise PageError("the page has no lang attribute")
    return soup


class CheckedClient(FlaskClient):
    """Every text/html response is checked; `response.soup` holds the parsed page. A 500 fails the test
    unless the test says it expects one (`allow_server_errors`), so a broken page cannot pass unnoticed."""

    allow_server_errors = False

    def open(self, *args, **kwargs):
        response = super().open(*args, **kwargs)
        if response.status_code == 500 and not self.allow_server_errors:
            raise AssertionError(f"server error for {args[0] if args else kwargs.get('path')}")
        if response.mimetype == "text/html" and response.status_code != 302:
            response.soup = check_page(response.get_data(as_text=True))
        return response


def text_of(soup: BeautifulSoup) -> str:
    return " ".join(soup.get_text(" ").split())
