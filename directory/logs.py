"""Keep personal data out of the logs: request lines lose their query strings and secret path segments.

A query string can hold a postcode, a search in a family's own words or a child's age; a link sent by email
carries a token in its path (/reset-password/<token>). The web server's request log (Werkzeug's, or gunicorn's
access log) writes both, so a filter on those loggers rewrites each line before any handler sees it. Routes
whose last part is a `<token>` are found in the app's URL map, so a new link route is covered without a change
here. SQLAlchemy's statement log, which quotes parameters, stays off unless someone turns it on on purpose.
"""

import logging
import re

from flask import Flask

# Loggers that write request lines (and, for gunicorn's error log, the first line of a bad request).
REQUEST_LOGGERS = ("werkzeug", "gunicorn.access", "gunicorn.error")
# Path segments that are secrets in every version of the site, whatever the URL map says.
KNOWN_TOKEN_PREFIXES = ("reset-password", "accept-invitation", "confirm-email")
REDACTED = "[hidden]"
# A request line's query string, which the server may write decoded (spaces and all), up to the protocol.
_REQUEST_LINE_QUERY = re.compile(r"([A-Z]{3,7} [^\s?\"]*)\?.*?(?= HTTP/\d)")
# "/path?query" or "https://host/path?query" elsewhere, up to the end of the address (a space, a quote, the end).
_QUERY = re.compile(r"(/[^\s\"'?]*)\?[^\s\"']*")


class RequestLineFilter(logging.Filter):
    """Rewrites a record's message without its query strings and link tokens; never drops a record."""

    def __init__(self, app: Flask | None = None):
        super().__init__()
        self._url_map = app.url_map if app is not None else None
        self._token_pattern: re.Pattern | None = None
        self._rules_seen = -1

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # a malformed record: leave it to the logging module to report
            return True
        cleaned = redact(message, self._tokens())
        if cleaned != message:
            record.msg, record.args = cleaned, ()
        return True

    def _tokens(self) -> re.Pattern:
        # The URL map grows as blueprints are registered, after this filter is made: look again when it changes.
        rules = list(self._url_map.iter_rules()) if self._url_map is not None else []
        if self._token_pattern is None or len(rules) != self._rules_seen:
            self._rules_seen = len(rules)
            self._token_pattern = token_pattern(token_prefixes(rules))
        return self._token_pattern


def token_prefixes(rules) -> set[str]:
    """The fixed part before each `<token>`-like variable of the given URL rules ("/reset-password/")."""
    prefixes = {f"/{name}/" for name in KNOWN_TOKEN_PREFIXES}
    for rule in rules:
        for match in re.finditer(r"<(?:[^:<>]+:)?([^<>]*token[^<>]*)>", rule.rule):
            prefix = rule.rule[:match.start()]
            if "<" not in prefix and prefix.endswith("/"):
                prefixes.add(prefix)
    return prefixes


def token_pattern(prefixes: set[str]) -> re.Pattern:
    alternatives = "|".join(re.escape(p) for p in sorted(prefixes, key=len, reverse=True))
    return re.compile(f"({alternatives})[^/\\s\"'?]+")


def redact(message: str, tokens: re.Pattern | None = None) -> str:
    message = _QUERY.sub(r"\1", _REQUEST_LINE_QUERY.sub(r"\1", message))
    tokens = tokens or token_pattern({f"/{name}/" for name in KNOWN_TOKEN_PREFIXES})
    return tokens.sub(lambda m: m.group(1) + REDACTED, message)


def init_app(app: Flask) -> None:
    """Install one filter per request logger (replacing an earlier app's) and keep SQL parameters out."""
    request_filter = RequestLineFilter(app)
    for name in (*REQUEST_LOGGERS, app.logger.name):
        logger = logging.getLogger(name)
        for old in [f for f in logger.filters if isinstance(f, RequestLineFilter)]:
            logger.removeFilter(old)
        logger.addFilter(request_filter)
    statements = logging.getLogger("sqlalchemy.engine")
    if statements.level == logging.NOTSET:
        # A root logger at INFO or DEBUG would otherwise make SQLAlchemy log every statement with its values.
        statements.setLevel(logging.WARNING)
