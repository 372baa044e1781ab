"""gunicorn's settings for Huiyin in production; deploy/systemd/huiyin-web.service starts it with
``gunicorn --config deploy/gunicorn.conf.py``. The reasons are in docs/deploy.md ("The web server").

GUNICORN_BIND and GUNICORN_WORKERS (in /etc/huiyin/huiyin.env) override the address and the worker count.
"""

import multiprocessing
import os

wsgi_app = "config.wsgi:application"
proc_name = "huiyin-web"

# Behind nginx on the same host; a second host runs its own nginx and gunicorn.
bind = os.environ.get("GUNICORN_BIND", "127.0.0.1:8000")
# Sync workers: a request is a few queries and never waits on anything slow (e-mail and webhooks leave through
# Celery), and nginx buffers slow clients. Two per core and one keep the cores busy while some wait on PostgreSQL.
workers = int(os.environ.get("GUNICORN_WORKERS", str(multiprocessing.cpu_count() * 2 + 1)))
worker_class = "sync"
# The longest request is the overdue list's .xlsx export (up to 50,000 rows); nginx waits 5 s longer.
timeout = 60
# A restart or a reload (SIGHUP) lets a running request finish for this long.
graceful_timeout = 30
# A worker is replaced after this many requests (spread out, so they do not all restart at once): memory that
# a large export took is given back.
max_requests = 2000
max_requests_jitter = 200
# The workers' liveness files in memory: a slow disk must not make gunicorn kill a worker that is fine.
worker_tmp_dir = "/dev/shm"
# systemd signals the master; gunicorn's own control socket would want a home directory the service has not.
control_socket_disable = True

# Both logs to standard output: journald keeps them (journalctl -u huiyin-web). nginx logs the client's
# address; this log adds how long Django took.
accesslog = "-"
errorlog = "-"
access_log_format = '%({x-forwarded-for}i)s "%(r)s" %(s)s %(b)s %(M)sms "%(a)s"'
