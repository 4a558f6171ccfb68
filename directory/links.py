"""Links to the site for emails: always from the configured SITE_URL, never from the request's Host header."""

from flask import current_app


def site_url(endpoint: str, **values) -> str:
    """The absolute address of a page, inside or outside a request (e.g. from a command)."""
    path = current_app.url_map.bind("localhost").build(endpoint, values)
    return current_app.config["SITE_URL"] + path
