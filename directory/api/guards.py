"""What every /api response goes through: a per-client rate limit (429 with Retry-After), ETag and
Last-Modified from the directory's revision (304 when the client has it already), and CORS open to all."""

import hashlib
import hmac
import math
import time

from flask import Flask, Response, current_app, g, request
from limits import RateLimitItemPerMinute
from werkzeug.exceptions import TooManyRequests

from directory.api import bp
from directory.api.errors import in_api
from directory.db import get_session
from directory.oruk.publish import directory_version
from directory.throttle import get_throttle, parse_rule

DEFAULT_LIMIT = "600/1"  # requests per client address / minutes


def init_app(app: Flask) -> None:
    app.config.setdefault("API_REQUESTS_PER_CLIENT", DEFAULT_LIMIT)
    rule = parse_rule("api", app.config["API_REQUESTS_PER_CLIENT"])
    app.extensions["api_rate_limit"] = RateLimitItemPerMinute(rule.count, rule.minutes,
                                                              namespace=get_throttle_prefix(app))

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
    # A fixed window on the throttle's store (Redis when REDIS_URL is set, shared by every server): one counter a
    # client, where a moving window would keep and scan a time for each of its last 600 requests.
    limiter = get_throttle().lock
    item = current_app.extensions["api_rate_limit"]
    key = _client_key()
    if not limiter.hit(item, "api", key):
        reset_at = limiter.get_window_stats(item, "api", key).reset_time
        retry_after = max(1, math.ceil(reset_at - time.time()))
        raise TooManyRequests(
            description=f"Too many requests: at most {item.amount} every {item.get_expiry()} seconds from one "
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
    g.api_revision, g.api_changed_at = directory_version(get_session())
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
