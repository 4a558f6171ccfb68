"""Refuse what no page can use before any view sees it: characters that PostgreSQL cannot store.

A NUL byte (and a lone UTF-16 surrogate, which can arrive in JSON) makes PostgreSQL refuse a query, so without
this check a stray one in any field or web address would reach the database and end as a server error. A web
address that holds one names no page (404); a query string or form that holds one gets the "There is a problem
with what was sent" page (400). Nothing is read or written first.
"""

import re

from flask import Flask, abort, request

UNSTORABLE = re.compile("[\x00\ud800-\udfff]")


def has_unstorable(value: str) -> bool:
    return UNSTORABLE.search(value) is not None


def _any_unstorable(pairs) -> bool:
    return any(has_unstorable(key) or (isinstance(value, str) and has_unstorable(value)) for key, value in pairs)


def check_request() -> None:
    if has_unstorable(request.path):
        abort(404)
    if _any_unstorable(request.args.items(multi=True)):
        abort(400)
    if request.method in ("POST", "PUT", "PATCH", "DELETE"):
        if _any_unstorable(request.form.items(multi=True)):
            abort(400)
        if any(has_unstorable(key) or has_unstorable(upload.filename or "")
               for key, upload in request.files.items(multi=True)):
            abort(400)


def init_app(app: Flask) -> None:
    app.before_request(check_request)
