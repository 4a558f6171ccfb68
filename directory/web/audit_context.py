"""Audit entries written while serving a request carry the client's address (behind TRUSTED_PROXIES, the address
the proxies report; see create_app._trust_proxies)."""

from flask import Flask, g, request

from directory import audit


def init_app(app: Flask) -> None:
    @app.before_request
    def _client_address():
        g.audit_client_token = audit.set_client_address(request.remote_addr)

    @app.teardown_request
    def _forget_client_address(exc):
        token = g.pop("audit_client_token", None)
        if token is not None:
            audit.reset_client_address(token)
