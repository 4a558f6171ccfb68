"""Read an Open Referral UK feed as documents: one JSON file, a folder of them, or a running ORUK API page by page
(GET {base}/services?page=N, then GET {base}/services/{id} for each service the page does not nest fully)."""

import json
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

from directory.oruk.read import Source

MAX_PAGES = 10_000  # a server that never says "last page" still ends
MAX_RETRIES = 3  # after a 429, waiting as Retry-After says (at most MAX_WAIT seconds each time)
MAX_WAIT = 30
USER_AGENT = "send-directory import-oruk"


class FetchError(Exception):
    """The feed cannot be read; each problem is fit to show. Nothing was read."""

    def __init__(self, problems: list[str]):
        super().__init__("; ".join(problems))
        self.problems = problems


def read_sources(target: str, timeout: float = 30) -> list[Source]:
    """The documents of a feed: `target` is an http(s) address of an ORUK API (its base, or its /services), a
    file:// address, or a path to a JSON file or a folder of JSON files."""
    if target.startswith(("http://", "https://")):
        return read_api(target, timeout)
    if target.startswith("file://"):
        target = urllib.parse.unquote(urllib.parse.urlparse(target).path)
    elif "://" in target:
        raise FetchError([f"{target}: only http and https addresses and file paths can be read"])
    return read_path(Path(target))


def read_path(path: Path) -> list[Source]:
    if path.is_dir():
        files = sorted(p for p in path.rglob("*.json") if p.is_file())
        if not files:
            raise FetchError([f"{path}: the folder has no .json files"])
    elif path.is_file():
        files = [path]
    else:
        raise FetchError([f"{path}: no such file or folder"])
    sources, problems = [], []
    for file in files:
        name = str(file.relative_to(path)) if path.is_dir() else file.name
        try:
            sources.append(Source(name, _json(file.read_bytes(), name)))
        except FetchError as error:
            problems += error.problems
        except OSError as error:
            problems.append(f"{name}: cannot be read ({error.strerror or error})")
    if problems:
        raise FetchError(problems)
    return sources


def read_api(address: str, timeout: float = 30) -> list[Source]:
    base = address.split("?")[0].rstrip("/").removesuffix("/services")
    sources = []
    for number in range(1, MAX_PAGES + 1):
        url = f"{base}/services?page={number}"
        page = _get(url, timeout)
        if not isinstance(page, dict) or not isinstance(page.get("contents"), list):
            raise FetchError([f"{url}: not a page of services (no contents list)"])
        sources.append(Source(url, page, "service_list"))
        for item in page["contents"]:
            # A page nests one-to-one fields only unless it says otherwise: a full service has its attributes.
            if isinstance(item, dict) and isinstance(item.get("id"), str) and "attributes" not in item:
                service_url = f"{base}/services/{urllib.parse.quote(item['id'], safe='')}"
                sources.append(Source(service_url, _get(service_url, timeout), "service"))
        total = page.get("total_pages")
        if not page["contents"] or page.get("last_page") is True or (isinstance(total, int) and number >= total):
            return sources
    raise FetchError([f"{base}/services: more than {MAX_PAGES} pages"])


def _get(url: str, timeout: float):
    request = urllib.request.Request(url, headers={"Accept": "application/json", "User-Agent": USER_AGENT})
    for attempt in range(MAX_RETRIES + 1):
        try:
            with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310 (http(s) only)
                return _json(response.read(), url)
        except urllib.error.HTTPError as error:
            if error.code == 429 and attempt < MAX_RETRIES:
                time.sleep(_retry_after(error.headers.get("Retry-After")))
                continue
            raise FetchError([f"{url}: the server answered {error.code} {error.reason}"]) from None
        except urllib.error.URLError as error:
            raise FetchError([f"{url}: cannot connect ({error.reason})"]) from None
        except (TimeoutError, OSError) as error:
            raise FetchError([f"{url}: cannot read ({error})"]) from None
    raise AssertionError("unreachable")


def _retry_after(value: str | None) -> float:
    try:
        return min(max(float(value), 0), MAX_WAIT)
    except (TypeError, ValueError):
        return 1


def _not_a_number(constant: str):
    raise ValueError(f"{constant} is not a number JSON knows")


def _json(data: bytes, name: str):
    try:
        return json.loads(data.decode("utf-8"), parse_constant=_not_a_number)
    except UnicodeDecodeError as error:
        raise FetchError([f"{name}: not UTF-8 text ({error.reason} at byte {error.start})"]) from None
    except json.JSONDecodeError as error:
        raise FetchError([f"{name}: line {error.lineno}, column {error.colno}: not valid JSON: {error.msg}"]) from None
    except ValueError as error:  # NaN or Infinity: not JSON, though Python reads them
        raise FetchError([f"{name}: not valid JSON: {error}"]) from None
    except RecursionError:
        raise FetchError([f"{name}: nested too deeply to read"]) from None
