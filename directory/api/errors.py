"""Errors inside /api as JSON ({"status", "error", "message"}, and "parameter" for a bad one), everywhere else
the site's own pages: the site's handlers are wrapped, so a 404 for an address no route knows is JSON too."""

import traceback

from flask import Flask, g, jsonify, request
from werkzeug.exceptions import HTTPException, InternalServerError

from directory.api.params import BadParameter
from directory.db import forget_request_changes

PREFIX = "/api"


def in_api() -> bool:
    return request.path == PREFIX or request.path.startswith(PREFIX + "/")


def json_error(status: int, message: str, *, parameter: str | None = None, headers: dict | None = None):
    body = {"status": status, "error": _reason(status), "message": message}
    if parameter:
        body["parameter"] = parameter
    response = jsonify(body)
    response.status_code = status
    for name, value in (headers or {}).items():
        response.headers[name] = value
    return response


def _reason(status: int) -> str:
    from http import HTTPStatus

    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return "Error"


MESSAGES = {
    404: "Nothing is published at this address",
    405: "This API only answers GET (and HEAD and OPTIONS)",
    500: "Sorry, something went wrong on our side; try again later",
}


def init_app(app: Flask) -> None:
    site_handlers = app.error_handler_spec[None][None]
    site_http, site_any = site_handlers.get(HTTPException), site_handlers.get(Exception)

    @app.errorhandler(BadParameter)
    def _bad_parameter(error: BadParameter):
        forget_request_changes(app.logger)
        return json_error(400, error.message, parameter=error.name)

    @app.errorhandler(HTTPException)
    def _http_error(error: HTTPException):
        if not in_api():
            return site_http(error) if site_http else error
        if error.code is not None and error.code >= 500:
            return _server_error(error)
        forget_request_changes(app.logger)
        code = error.code or 400
        # Allow on a 405, Retry-After on a 429: the exception's own headers, with the body's type left to us.
        headers = {name: value for name, value in error.get_headers() if name.lower() != "content-type"}
        # A view's own description ("No service has this id") wins over the general message for the status.
        own = error.description if error.description != type(error).description else None
        return json_error(code, own or MESSAGES.get(code) or error.description or _reason(code), headers=headers)

    @app.errorhandler(Exception)
    def _any_error(error: Exception):
        if not in_api():
            return site_any(error) if site_any else InternalServerError()
        return _server_error(error)

    def _server_error(error: BaseException):
        forget_request_changes(app.logger)
        try:  # the type and where, never the message: database errors quote their parameters
            frames = "".join(traceback.format_list(traceback.extract_tb(error.__traceback__)))
            app.logger.error("API: unhandled %s.%s at %s (request %s)\n%s", type(error).__module__,
                             type(error).__qualname__, request.endpoint or "-", g.get("request_id", "-"),
                             frames.rstrip())
        except Exception:  # logging must not turn one error into two
            pass
        return json_error(500, MESSAGES[500])
