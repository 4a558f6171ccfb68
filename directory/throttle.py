"""Throttling through Flask-Limiter's storage: counts live in Redis when REDIS_URL is set (shared by every app
server) and in memory otherwise. Keys are keyed hashes, so the store holds no email address."""

import hashlib
import hmac
from dataclasses import dataclass

from flask import Flask, current_app
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from limits import RateLimitItemPerMinute
from limits.strategies import FixedWindowRateLimiter, MovingWindowRateLimiter


@dataclass(frozen=True)
class Rule:
    """`count` failures within `minutes` lock the key for `lockout` minutes (0: just refuse while over)."""

    name: str
    count: int
    minutes: int
    lockout: int = 0


def parse_rule(name: str, text: str, lockout: int = 0) -> Rule:
    count, minutes = (int(part) for part in text.split("/"))
    return Rule(name, count, minutes, lockout)


class Throttle:
    def __init__(self, app: Flask):
        self.limiter = Limiter(get_remote_address, app=app, storage_uri=self._storage_uri(app),
                               key_prefix=app.config["REDIS_KEY_PREFIX"] + "throttle", default_limits=[],
                               headers_enabled=False)
        storage = self.limiter.storage
        self.window = MovingWindowRateLimiter(storage)
        self.lock = FixedWindowRateLimiter(storage)
        self.secret = app.config["SECRET_KEY"].encode()
        self.prefix = app.config["REDIS_KEY_PREFIX"] + "throttle"
        config = app.config
        self.rules = {
            "sign_in": parse_rule("sign_in", config["SIGN_IN_FAILURES_PER_ADDRESS"],
                                  config["SIGN_IN_LOCKOUT_MINUTES"]),
            "second_factor": parse_rule("second_factor", config["SIGN_IN_FAILURES_PER_ADDRESS"],
                                        config["SIGN_IN_LOCKOUT_MINUTES"]),
            "client": parse_rule("client", config["SIGN_IN_FAILURES_PER_CLIENT"]),
            "email": parse_rule("email", config["EMAILS_PER_ADDRESS"]),
            "problem_report": parse_rule("problem_report", config["PROBLEM_REPORTS_PER_CLIENT"]),
        }

    @staticmethod
    def _storage_uri(app: Flask) -> str:
        url = app.config.get("REDIS_URL")
        return url if url else "memory://"

    def _key(self, value: str) -> str:
        return hmac.new(self.secret, value.strip().lower().encode(), hashlib.sha256).hexdigest()[:32]

    def _items(self, rule: Rule):
        return (RateLimitItemPerMinute(rule.count, rule.minutes, namespace=self.prefix),
                RateLimitItemPerMinute(1, rule.lockout or rule.minutes, namespace=self.prefix))

    def blocked(self, kind: str, value: str) -> bool:
        """True while this key may not try again."""
        rule = self.rules[kind]
        window, lock = self._items(rule)
        key = self._key(value)
        if rule.lockout:
            return not self.lock.test(lock, kind, "lock", key)
        return not self.window.test(window, kind, key)

    def hit(self, kind: str, value: str) -> None:
        """Count one failure (or one email sent); reaching the limit starts the lockout."""
        rule = self.rules[kind]
        window, lock = self._items(rule)
        key = self._key(value)
        self.window.hit(window, kind, key)
        if rule.lockout and not self.window.test(window, kind, key):
            self.lock.hit(lock, kind, "lock", key)

    def clear(self, kind: str, value: str) -> None:
        """Forget the failures (after a success)."""
        window, _lock = self._items(self.rules[kind])
        self.window.clear(window, kind, self._key(value))


def init_app(app: Flask) -> None:
    app.extensions["throttle"] = Throttle(app)


def get_throttle() -> Throttle:
    return current_app.extensions["throttle"]
