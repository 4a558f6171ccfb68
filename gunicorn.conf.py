"""gunicorn's settings in production (scripts/serve-production; docs/operations.md): workers, bind, access logs."""

import os

wsgi_app = "wsgi:app"
# Behind the load balancer or reverse proxy; set GUNICORN_BIND=0.0.0.0:8000 when it is on another machine.
bind = os.environ.get("GUNICORN_BIND", "127.0.0.1:8000")
# Two cores: two workers. About one worker per core; each holds its own database pool and searchers.
workers = int(os.environ.get("WEB_CONCURRENCY", "2"))
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "30"))
graceful_timeout = 30
keepalive = 5
# The app is loaded in each worker, not before forking: no database connection is shared across a fork.
preload_app = False
# gunicorn's control socket lives in $HOME by default, shared by every gunicorn the same user starts.
control_socket_disable = True

accesslog = "-"
errorlog = "-"
# The path without its query string (a search URL can hold a postcode or a family's words), and no client address,
# referrer (another page's query string) or user agent. The app also rewrites these lines: a link's token in the
# path, such as /reset-password/<token>, is logged as [hidden] (directory/logs.py).
access_log_format = '%(t)s "%(m)s %(U)s %(H)s" %(s)s %(B)s %(M)sms'
