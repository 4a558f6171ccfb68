"""Error pages in the site's design, and a 500 handler that cannot fail and logs nothing personal.

Every handler first rolls back the request's database session, so an error page changes nothing and can be
drawn after a failed flush. The 500 page needs no database; if drawing any page fails, a static page is sent.
Logs carry the exception's type, the endpoint and a request id, never the exception's message: database
errors quote SQL parameters, and those are personal data.
"""

import secrets
import traceback
from html import escape

from flask import Flask, g, render_template, request
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException, InternalServerError, SecurityError

from directory.db import forget_request_changes

PAGES = {
    400: "errors/400.html",
    403: "errors/403.html",
    404: "errors/404.html",
    405: "errors/405.html",
    413: "errors/413.html",
    500: "errors/500.html",
}
# What the static page says when even a template cannot be drawn: (title, what to do).
FALLBACK = {
    400: ("There is a problem with what was sent", "Go back, check what you entered and try again."),
    404: ("Page not found", "If you typed the web address, check it is correct."),
    413: ("What you sent is too large", "Go back and send less, or send it in parts."),
    500: ("Sorry, there is a problem with the service", "Try again later."),
}


def request_id() -> str:
    """A short random id for this request, shown on the 500 page and written to the log, to match the two."""
    if "request_id" not in g:
        g.request_id = secrets.token_hex(6)
    return g.request_id


def init_app(app: Flask) -> None:
    """Error pages, and the request check that sends what no page can use to them."""
    from directory.web import request_checks

    request_checks.init_app(app)

    @app.errorhandler(HTTPException)
    def _http_error(error: HTTPException):
        if error.code is not None and error.code >= 500:
            return _server_error_page(app, getattr(error, "original_exception", None) or error, error.code)
        forget_request_changes(app.logger)
        if isinstance(error, SecurityError):
            # A Host this site does not serve (TRUSTED_HOSTS): no address can be built for it, so the designed
            # page cannot be drawn; the static page says the same without any link built from that host.
            return _static_page(app, 400), 400, {"Content-Type": "text/html; charset=utf-8"}
        code = error.code or 400
        return _render(app, PAGES.get(code, "errors/other.html"), code, error=error,
                       csrf=isinstance(error, CSRFError))

    @app.errorhandler(Exception)
    def _server_error(error: Exception):
        return _server_error_page(app, error)


def _server_error_page(app: Flask, error: BaseException, code: int = 500):
    forget_request_changes(app.logger)
    _log(app, error)
    return _render(app, PAGES[500], code, error=InternalServerError(), reference=_safe_request_id())


def _safe_request_id() -> str:
    try:
        return request_id()
    except Exception:  # outside a request (never in practice): still draw the page
        return "-"


def _log(app: Flask, error: BaseException) -> None:
    """The exception's type, where it happened and the frames it passed through: never its message."""
    try:
        frames = "".join(traceback.format_list(traceback.extract_tb(error.__traceback__)))
        app.logger.error("Unhandled %s.%s at %s %s (request %s)\n%s", type(error).__module__,
                         type(error).__qualname__, request.method, request.endpoint or "-", _safe_request_id(),
                         frames.rstrip())
    except Exception:  # logging must not turn one error into two
        pass


def _render(app: Flask, template: str, code: int, **context):
    try:
        return render_template(template, code=code, **context), code
    except Exception as failure:  # the error page itself failed: send the static one
        try:
            app.logger.error("Error page %s failed with %s (request %s)", code, type(failure).__name__,
                             _safe_request_id())
        except Exception:
            pass
        forget_request_changes(app.logger)
        return _static_page(app, code), code, {"Content-Type": "text/html; charset=utf-8"}


def _static_page(app: Flask, code: int) -> str:
    title, advice = FALLBACK.get(code, FALLBACK[400] if code < 500 else FALLBACK[500])
    name = escape(str(app.config.get("SERVICE_NAME", "")))
    css = escape(f"{app.static_url_path}/css/application.css")
    body = (
        '<!DOCTYPE html>\n<html lang="en" class="govuk-template">\n<head><meta charset="utf-8">'
        f'<title>{escape(title)} – {name}</title>'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f'<link rel="stylesheet" href="{css}"></head>\n<body class="govuk-template__body">'
        '<div class="govuk-width-container"><main class="govuk-main-wrapper" id="main-content">'
        f'<h1 class="govuk-heading-l">{escape(title)}</h1><p class="govuk-body">{escape(advice)}</p>'
        '<p class="govuk-body"><a class="govuk-link" href="/">Go to the home page</a>.</p>'
        "</main></div></body>\n</html>\n"
    )
    return body
