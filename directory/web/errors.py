"""Error pages in the site's design."""

from flask import Flask, render_template
from werkzeug.exceptions import HTTPException

PAGES = {404: "errors/404.html", 500: "errors/500.html"}


def init_app(app: Flask) -> None:
    @app.errorhandler(HTTPException)
    def _http_error(error: HTTPException):
        template = PAGES.get(error.code, "errors/other.html")
        return render_template(template, error=error), error.code

    @app.errorhandler(Exception)
    def _server_error(error: Exception):
        app.logger.exception("Unhandled error")
        return render_template("errors/500.html"), 500
