"""Walk a whole ORUK API the way the DfE family hubs consumer did: GET /services page by page (reading
contents[].id), then GET /services/{id} for each. Honours Retry-After on 429; reports the count, errors and time.

    scripts/walk-api http://127.0.0.1:5000/api [--per-page 50] [--limit 200] [--validate]

Standard library only for the requests (urllib), so it runs against any server; --validate also checks every
answer against the ORUK 3.0 schemas (directory.oruk.schemas, offline). `walk` takes any `fetch` function, so the
tests run it against the app in process.
"""

import argparse
import json
import sys
import time
import urllib.error
import urllib.request
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field

# fetch(url) -> (status, headers as a dict with lower-case names, body bytes)
Fetch = Callable[[str], tuple[int, dict, bytes]]
MAX_WAITS = 20  # 429s in a row for one address before it counts as an error
LONGEST_WAIT = 120.0  # seconds: a Retry-After beyond this is not believed


@dataclass
class Walk:
    listed: int = 0  # ids read from the pages
    total_items: int | None = None  # what the first page said
    fetched: int = 0  # services read by id
    requests: int = 0
    waits: int = 0  # 429s answered by waiting
    waited_seconds: float = 0.0
    errors: list[str] = field(default_factory=list)
    invalid: list[str] = field(default_factory=list)
    seconds: float = 0.0

    def report(self) -> str:
        statuses = Counter(error.split(" ", 1)[0] for error in self.errors)
        lines = [
            f"services listed:   {self.listed} (the first page said {self.total_items})",
            f"services fetched:  {self.fetched}",
            f"requests:          {self.requests} in {self.seconds:.1f} s "
            f"({self.requests / self.seconds if self.seconds else 0:.0f} a second)",
            f"waited for 429s:   {self.waits} times, {self.waited_seconds:.1f} s",
            f"errors:            {len(self.errors)}" + (f" {dict(statuses)}" if statuses else ""),
        ]
        lines += [f"  {error}" for error in self.errors[:10]]
        if self.invalid:
            lines.append(f"schema problems:   {len(self.invalid)}")
            lines += [f"  {problem}" for problem in self.invalid[:10]]
        return "\n".join(lines)


def http_fetch(timeout: float = 30.0) -> Fetch:
    def fetch(url: str) -> tuple[int, dict, bytes]:
        request = urllib.request.Request(url, headers={"Accept": "application/json",
                                                       "User-Agent": "send-directory-walk-api"})
        try:
            with urllib.request.urlopen(request, timeout=timeout) as response:
                return response.status, {k.lower(): v for k, v in response.headers.items()}, response.read()
        except urllib.error.HTTPError as error:
            return error.code, {k.lower(): v for k, v in error.headers.items()}, error.read()
    return fetch


def walk(base: str, fetch: Fetch, *, per_page: int = 50, limit: int | None = None, validate: bool = False,
         sleep: Callable[[float], None] = time.sleep) -> Walk:
    base = base.rstrip("/")
    result = Walk()
    started = time.perf_counter()
    check = _validator() if validate else None

    def get(url: str, schema: str) -> dict | None:
        for _attempt in range(MAX_WAITS + 1):
            result.requests += 1
            status, headers, body = fetch(url)
            if status == 429:
                wait = _retry_after(headers.get("retry-after"))
                result.waits += 1
                result.waited_seconds += wait
                sleep(wait)
                continue
            if status != 200:
                result.errors.append(f"{status} {url}")
                return None
            try:
                document = json.loads(body)
            except ValueError:
                result.errors.append(f"not-json {url}")
                return None
            if check:
                result.invalid += [f"{url}: {problem}" for problem in check(schema, document)[:3]]
            return document
        result.errors.append(f"429-for-good {url}")
        return None

    ids: list[str] = []
    page = 1
    while True:
        body = get(f"{base}/services?page={page}&per_page={per_page}", "service_list")
        if body is None:
            break
        if result.total_items is None:
            result.total_items = body.get("total_items")
        ids += [item["id"] for item in body.get("contents", []) if "id" in item]
        if body.get("last_page", True) or not body.get("contents") or (limit and len(ids) >= limit):
            break
        page += 1
    ids = ids[:limit] if limit else ids
    result.listed = len(ids)
    for service_id in ids:
        if get(f"{base}/services/{service_id}", "service") is not None:
            result.fetched += 1
    result.seconds = time.perf_counter() - started
    return result


def _retry_after(value: str | None) -> float:
    try:
        return min(max(float(value), 0.0), LONGEST_WAIT)
    except (TypeError, ValueError):
        return 1.0


def _validator():
    from directory.oruk import schemas

    return schemas.errors


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("base", help="the API's address, e.g. http://127.0.0.1:5000/api")
    parser.add_argument("--per-page", type=int, default=50)
    parser.add_argument("--limit", type=int, help="stop after this many services")
    parser.add_argument("--validate", action="store_true", help="check every answer against the ORUK schemas")
    parser.add_argument("--timeout", type=float, default=30.0)
    args = parser.parse_args(argv)
    result = walk(args.base, http_fetch(args.timeout), per_page=args.per_page, limit=args.limit,
                  validate=args.validate)
    print(result.report())
    return 1 if result.errors or result.invalid or result.listed != result.fetched else 0


if __name__ == "__main__":
    sys.exit(main())
