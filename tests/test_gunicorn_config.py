"""gunicorn.conf.py, the production server's settings: its access log lines carry no query string, referrer or
client address, and scripts/serve-production starts gunicorn with it."""

from datetime import timedelta
from types import SimpleNamespace

from gunicorn.app.base import Application
from gunicorn.glogging import Logger

from directory.config import PROJECT_ROOT

CONFIG = PROJECT_ROOT / "gunicorn.conf.py"


class _ConfigOnly(Application):
    """gunicorn's own loading of a config file, without starting a server."""

    def load_config(self):
        self.load_config_from_file(str(CONFIG))

    def load(self):
        raise AssertionError("not started")


def access_line(cfg, path: str, query: str, referrer: str) -> str:
    """The line gunicorn's logger writes for one request, through gunicorn's own atoms and the configured format."""
    environ = {"REQUEST_METHOD": "GET", "PATH_INFO": path, "QUERY_STRING": query, "SERVER_PROTOCOL": "HTTP/1.1",
               "RAW_URI": f"{path}?{query}", "REMOTE_ADDR": "203.0.113.9", "HTTP_REFERER": referrer,
               "HTTP_USER_AGENT": "Mozilla/5.0 (a family's phone)"}
    request = SimpleNamespace(headers=[("REFERER", referrer)])
    response = SimpleNamespace(status="200 OK", headers=[("Content-Type", "text/html")], sent=1234)
    logger = Logger(cfg)
    atoms = logger.atoms_wrapper_class(logger.atoms(response, request, environ, timedelta(milliseconds=42)))
    return cfg.access_log_format % atoms


def test_the_access_log_has_the_path_without_its_query_string():
    cfg = _ConfigOnly().cfg
    assert cfg.accesslog == "-" and cfg.wsgi_app == "wsgi:app"
    for part in ("%(r)s", "%(q)s", "%(f)s", "%(h)s", "%(a)s", "{referer}i", "{query_string}e"):
        assert part not in cfg.access_log_format
    line = access_line(cfg, "/search", "q=speech+therapy&postcode=SW1A+1AA", "https://example.org/search?q=SW1A+1AA")
    assert '"GET /search HTTP/1.1" 200 1234 42ms' in line
    assert "SW1A" not in line and "speech" not in line and "203.0.113.9" not in line and "Mozilla" not in line


def test_the_production_start_command_uses_the_config():
    script = (PROJECT_ROOT / "scripts" / "serve-production").read_text()
    assert "exec .venv/bin/gunicorn --config gunicorn.conf.py" in script
