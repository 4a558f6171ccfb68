"""What every /api response goes through: a per-client rate limit (429 with Retry-After), ETag and
Last-Modified from the directory's revision (304 when the client has it already), and CORS open to all."""

import hashlib
import hmac
import math
import threading
import time

from flask import Flask, Response, current_app, g, request
from limits import RateLimitItemPerMinute
from werkzeug.exceptions import TooManyRequests

from directory import reference_cache
from directory.api import bp
from directory.api.errors import in_api
from directory.db import get_session
from directory.oruk.publish import directory_changed_at
from directory.throttle import parse_rule

DEFAULT_LIMIT = "600/1"  # requests per client address / minutes


class SharedWindows:
    """Fixed windows in the throttle's Redis (REDIS_URL), shared by every server: one round trip a request (an
    increment that starts the window's expiry), one more only when refusing (when the window ends)."""

    def __init__(self, limiter, item: RateLimitItemPerMinute):
        self.limiter, self.item = limiter, item
        self.amount, self.seconds = item.amount, item.get_expiry()

    def hit(self, key: str) -> float | None:
        """None when the request may go on; else the seconds until this client's window ends."""
        if self.limiter.hit(self.item, "api", key):
            return None
        return self.limiter.get_window_stats(self.item, "api", key).reset_time - time.time()


class LocalWindows:
    """Fixed windows in this process (no REDIS_URL, as the other throttles): one counter a client. The limits
    package's memory store starts a timer thread on most requests to expire its keys; here a window simply ends."""

    PRUNE_AT = 10_000  # clients remembered before the ended windows are dropped

    def __init__(self, amount: int, seconds: int, clock=time.monotonic):
        self.amount, self.seconds, self.clock = amount, seconds, clock
        self._windows: dict[str, list] = {}  # client key -> [when its window ends (clock), requests in it]
        self._lock = threading.Lock()

    def hit(self, key: str) -> float | None:
        """None when the request may go on; else the seconds until this client's window ends."""
        now = self.clock()
        with self._lock:
            window = self._windows.get(key)
            if window is None or window[0] <= now:
                if len(self._windows) >= self.PRUNE_AT:
                    self._windows = {k: w for k, w in self._windows.items() if w[0] > now}
                self._windows[key] = [now + self.seconds, 1]
                return None
            window[1] += 1
            return None if window[1] <= self.amount else window[0] - now

    def reset(self) -> None:
        with self._lock:
            self._windows.clear()


def init_app(app: Flask) -> None:
    app.config.setdefault("API_REQUESTS_PER_CLIENT", DEFAULT_LIMIT)
    rule = parse_rule("api", app.config["API_REQUESTS_PER_CLIENT"])
    if app.config.get("REDIS_URL"):
        item = RateLimitItemPerMinute(rule.count, rule.minutes, namespace=get_throttle_prefix(app))
        app.extensions["api_rate_limit"] = SharedWindows(app.extensions["throttle"].lock, item)
    else:
        app.extensions["api_rate_limit"] = LocalWindows(rule.count, rule.minutes * 60)

    @app.after_request
    def _cors(response: Response) -> Response:
        # Every response inside /api, errors included (an app-level hook: a 404 for an unknown address never
        # reaches the blueprint's own).
        if in_api():
            response.headers["Access-Control-Allow-Origin"] = "*"
            response.headers["Access-Control-Expose-Headers"] = "ETag, Last-Modified, Retry-After"
            if request.method == "OPTIONS":
                response.headers["Access-Control-Allow-Methods"] = "GET, HEAD, OPTIONS"
                response.headers["Access-Control-Allow-Headers"] = "If-None-Match, If-Modified-Since"
                response.headers["Access-Control-Max-Age"] = "86400"
        return response


def get_throttle_prefix(app: Flask) -> str:
    return app.config["REDIS_KEY_PREFIX"] + "throttle"


def _client_key() -> str:
    # A keyed hash: the counts' store never holds a client's address.
    secret = current_app.config["SECRET_KEY"].encode()
    return hmac.new(secret, (request.remote_addr or "-").encode(), hashlib.sha256).hexdigest()[:32]


@bp.before_request
def _rate_limit():
    """Count the request against its client; over the limit, refuse it and say when to come back."""
    # A fixed window: one counter a client, where a moving window would keep and scan a time for each of its last
    # 600 requests.
    windows = current_app.extensions["api_rate_limit"]
    wait = windows.hit(_client_key())
    if wait is not None:
        retry_after = max(1, math.ceil(wait))
        raise TooManyRequests(
            description=f"Too many requests: at most {windows.amount} every {windows.seconds} seconds from one "
                        f"client. Try again in {retry_after} seconds.",
            retry_after=retry_after)
    return None


def _etag() -> str:
    strict = "-strict" if current_app.config.get("ORUK_STRICT") else ""
    return f"r{g.api_revision}{strict}"


@bp.before_request
def _not_modified():
    """A client that already has this revision's answer gets 304 without the work."""
    if request.method not in ("GET", "HEAD"):
        return None
    session = get_session()
    # The request's one read of the revision: the caches of reference data that publishing uses key on it too.
    g.api_revision = reference_cache.revision(session)
    # Changed with the revision, so kept with it. (Read a moment after the revision, it may belong to a revision
    # committed in between: a Last-Modified a little late, for the requests racing that commit.)
    g.api_changed_at = reference_cache.cached("api-changed-at", session, directory_changed_at)
    if request.if_none_match and request.if_none_match.contains_weak(_etag()):
        response = Response(status=304)
        _stamp(response)
        return response
    return None


def _stamp(response: Response) -> None:
    response.set_etag(_etag())
    response.last_modified = g.api_changed_at
    # Any cache may keep open data, but must ask again (with the ETag) before using it: a listing can change
    # at any moment.
    response.headers["Cache-Control"] = "public, no-cache"


@bp.after_request
def _validators(response: Response) -> Response:
    if response.status_code == 200 and "api_revision" in g:
        _stamp(response)
    return response
