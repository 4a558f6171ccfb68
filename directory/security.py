"""Security headers on every response, with a per-request nonce for the one inline script; no caching of any
page a signed-in person sees, or of any page outside the public directory."""

import secrets

from flask import Flask, g, request, session

# Pages that show nothing personal to anyone; everything else is never stored by a browser or proxy.
CACHEABLE_BLUEPRINTS = {"public", "api"}


def init_app(app: Flask) -> None:
    @app.before_request
    def _make_nonce():
        g.csp_nonce = secrets.token_urlsafe(16)

    @app.context_processor
    def _nonce():
        return {"csp_nonce": g.get("csp_nonce", "")}

    @app.after_request
    def _headers(response):
        nonce = g.get("csp_nonce", "")
        response.headers.setdefault(
            "Content-Security-Policy",
            f"default-src 'self'; script-src 'self' 'nonce-{nonce}'; style-src 'self'; img-src 'self' data:; "
            "font-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'",
        )
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("X-Frame-Options", "DENY")
        response.headers.setdefault("Referrer-Policy", "same-origin")
        response.headers.setdefault("Permissions-Policy", "camera=(), geolocation=(), microphone=()")
        signed_in = "_user_id" in session or "pending_sign_in" in session
        if request.endpoint != "static" and (signed_in or request.blueprint not in CACHEABLE_BLUEPRINTS):
            response.headers["Cache-Control"] = "no-store"
            response.vary.add("Cookie")
        if app.config.get("APP_ENV") == "production":
            response.headers.setdefault("Strict-Transport-Security", "max-age=31536000; includeSubDomains")
        return response
