"""The files under deploy/ are the ones production copies: each is checked by the program that will read it.

The environment example names every setting; the systemd units pass ``systemd-analyze verify``; gunicorn accepts
its configuration; Redis and PostgreSQL start with their snippets; nginx runs the site on high ports with a
throw-away certificate in front of a recording backend, and serves, refuses and forwards what the site says.
A check whose program is missing is skipped (``make test-deps`` installs them).
"""

import gzip
import http.client
import os
import re
import secrets
import shutil
import ssl
import subprocess
import sys
import tempfile
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from django.conf import settings
from django.test import RequestFactory, override_settings

from accounts.lockout import client_ip
from workflow.tests.celery_harness import free_port, process_end, start_process, wait_for

ROOT = Path(settings.BASE_DIR)
DEPLOY = ROOT / "deploy"
ENV_EXAMPLE = DEPLOY / "huiyin.env.example"
SETTING_NAME = re.compile(r'(?:os\.environ\.get|os\.environ\[|env_bool|env_list)\(?\s*"([A-Z][A-Z0-9_]+)"')


def example_environment() -> dict[str, str]:
    """The example as bash reads it (`set -a; . huiyin.env`), which is also how systemd reads these lines."""
    shown = subprocess.run(
        ["bash", "-c", 'set -a; . "$0"; env -0', str(ENV_EXAMPLE)],
        env={"PATH": os.environ["PATH"]},
        capture_output=True,
        check=True,
    ).stdout.decode()
    return dict(line.split("=", 1) for line in shown.split("\0") if "=" in line)


def test_it_names_every_setting_in_the_environment_example():
    read = {
        name for path in (ROOT / "config" / "settings").glob("*.py") for name in SETTING_NAME.findall(path.read_text())
    }
    read |= set(re.findall(r'os\.environ\.get\("([A-Z_]+)"', (DEPLOY / "gunicorn.conf.py").read_text()))
    example = ENV_EXAMPLE.read_text()
    named = set(re.findall(r"^#?([A-Z][A-Z0-9_]+)=", example, flags=re.MULTILINE))

    assert len(read) > 40  # the pattern still finds the settings
    assert sorted(read - named) == []
    assert sorted(named - read - {"DJANGO_SETTINGS_MODULE"}) == []


def test_it_passes_the_deployment_checks_with_the_environment_example(tmp_path):
    environment = {
        **example_environment(),
        "SECRET_KEY": secrets.token_urlsafe(50),
        "DATABASE_URL": f"sqlite:///{tmp_path / 'empty.sqlite3'}",  # the checks need no database
    }
    assert environment["DJANGO_SETTINGS_MODULE"] == "config.settings.production"

    checked = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=60,
    )
    gunicorn = subprocess.run(
        [str(Path(sys.executable).parent / "gunicorn"), "--config", str(DEPLOY / "gunicorn.conf.py"), "--check-config"],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=60,
    )

    assert checked.returncode == 0, checked.stderr
    assert "no issues" in checked.stdout
    assert gunicorn.returncode == 0, gunicorn.stderr


@pytest.mark.skipif(not shutil.which("systemd-analyze"), reason="no systemd-analyze")
def test_it_has_systemd_units_that_systemd_accepts(tmp_path):
    units = sorted((DEPLOY / "systemd").iterdir())
    for unit in units:
        # The checkout lives in /srv/huiyin/app in production; here the same commands must exist in this one.
        (tmp_path / unit.name).write_text(unit.read_text().replace("/srv/huiyin/app", str(ROOT)))

    verified = subprocess.run(
        ["systemd-analyze", "verify", "--man=no", *(str(tmp_path / unit.name) for unit in units)],
        capture_output=True,
        text=True,
        timeout=60,
    )

    assert [unit.name for unit in units] == [
        "huiyin-backup.service",
        "huiyin-backup.timer",
        "huiyin-beat.service",
        "huiyin-web.service",
        "huiyin-worker.service",
        "huiyin.target",
    ]
    assert verified.returncode == 0, verified.stderr
    assert verified.stderr.strip() == ""
    worker = (DEPLOY / "systemd" / "huiyin-worker.service").read_text()
    assert "--without-gossip" in worker  # the README says why; a worker without it dies when Redis goes away


def test_it_runs_redis_with_the_append_only_file_and_no_eviction(tmp_path):
    from workflow.tests.celery_harness import RedisServer, redis_binary

    port = free_port()
    (tmp_path / "redis.conf").write_text(
        f"include {DEPLOY / 'redis' / 'huiyin.conf'}\nport {port}\ndir {tmp_path}\nmaxmemory 64mb\n"
    )
    # As the harness does: libfaketime (make test's shifted clock) keeps redis-server from starting.
    env = {name: value for name, value in os.environ.items() if name not in ("LD_PRELOAD", "FAKETIME")}
    server = start_process([redis_binary(), str(tmp_path / "redis.conf")], tmp_path / "redis.log", env=env)
    probe = RedisServer(tmp_path)
    probe.port, probe.process = port, server
    try:
        wait_for(probe.answers, "Redis with deploy/redis/huiyin.conf", details=probe.log_text)
        with probe.client() as client:
            settings_read = {
                name: client.config_get(name)[name]
                for name in ("appendonly", "appendfsync", "maxmemory-policy", "save")
            }
    finally:
        process_end(server)

    assert settings_read == {
        "appendonly": "yes",
        "appendfsync": "everysec",
        "maxmemory-policy": "noeviction",
        "save": "",
    }


def postgres_bindir() -> Path | None:
    found = sorted(Path("/usr/lib/postgresql").glob("*/bin/postgres"))
    return found[-1].parent if found else None


@pytest.mark.skipif(postgres_bindir() is None, reason="no PostgreSQL server binaries")
def test_it_has_a_postgresql_snippet_the_server_reads():
    bindir = postgres_bindir()
    as_owner = ["runuser", "-u", "postgres", "--"] if os.getuid() == 0 else []
    directory = Path(tempfile.mkdtemp(prefix="huiyin-pgconf-"))
    try:
        if as_owner:
            shutil.chown(directory, "postgres")
        data = directory / "data"
        subprocess.run(
            [*as_owner, str(bindir / "initdb"), "-D", str(data), "--auth=trust", "-U", "postgres"],
            capture_output=True,
            check=True,
            timeout=120,
        )
        snippet = directory / "huiyin.conf"
        shutil.copy(DEPLOY / "postgresql" / "huiyin.conf", snippet)
        with (data / "postgresql.conf").open("a") as conf:
            conf.write(f"include '{snippet}'\n")
        shown = {
            name: subprocess.run(
                [*as_owner, str(bindir / "postgres"), "-D", str(data), "-C", name],
                capture_output=True,
                text=True,
                check=True,
                timeout=60,
            ).stdout.strip()
            for name in ("max_connections", "shared_buffers", "timezone", "idle_in_transaction_session_timeout")
        }
    finally:
        shutil.rmtree(directory, ignore_errors=True)

    assert shown == {
        "max_connections": "100",
        "shared_buffers": "262144",  # 8 kB pages: 2 GB
        "timezone": "UTC",
        "idle_in_transaction_session_timeout": "300000",
    }


# --- nginx ----------------------------------------------------------------------------------------------------


def nginx_binary() -> tuple[Path, Path] | None:
    """nginx and its mime.types: Debian's package, or the copy ``make test-deps`` unpacks into var/nginx."""
    for binary, mime in (
        (shutil.which("nginx"), "/etc/nginx/mime.types"),
        (ROOT / "var/nginx/usr/sbin/nginx", ROOT / "var/nginx/etc/nginx/mime.types"),
    ):
        if binary and Path(binary).exists() and Path(mime).exists():
            return Path(binary), Path(mime)
    return None


@dataclass
class Seen:
    method: str
    path: str
    headers: dict[str, str]
    body_bytes: int


@dataclass
class Backend:
    """Stands in for gunicorn: records what nginx forwards and answers 200."""

    seen: list[Seen] = field(default_factory=list)

    def __post_init__(self) -> None:
        backend = self

        class Handler(BaseHTTPRequestHandler):
            def answer(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                remaining, received = length, 0
                while remaining:
                    chunk = self.rfile.read(min(remaining, 1 << 20))
                    received, remaining = received + len(chunk), remaining - len(chunk)
                backend.seen.append(Seen(self.command, self.path, dict(self.headers), received))
                body = b'{"ok": true}'
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            do_GET = do_POST = answer

            def log_message(self, *args) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = self.server.server_address[1]
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@dataclass
class Site:
    tls_port: int
    plain_port: int
    backend: Backend
    static: Path

    def request(self, method: str, path: str, *, body: bytes | None = None, tls: bool = True, **headers: str):
        context = ssl.create_default_context()
        context.check_hostname, context.verify_mode = False, ssl.CERT_NONE  # the throw-away certificate
        connection = (
            http.client.HTTPSConnection("127.0.0.1", self.tls_port, context=context, timeout=30)
            if tls
            else http.client.HTTPConnection("127.0.0.1", self.plain_port, timeout=30)
        )
        try:
            connection.request(method, path, body=body, headers={"Host": "huiyin.example.org", **headers})
            response = connection.getresponse()
            return response.status, {name.lower(): value for name, value in response.getheaders()}, response.read()
        finally:
            connection.close()


def site_for_test(site: str, *, tmp: Path, tls_port: int, plain_port: int, backend_port: int) -> str:
    """The production site with this test's ports and directories; each replaced text must be in it."""
    replacements = {
        "    listen [::]:80;\n": "",
        "    listen [::]:443 ssl http2;\n": "",
        "listen 80;": f"listen 127.0.0.1:{plain_port};",
        "listen 443 ssl http2;": f"listen 127.0.0.1:{tls_port} ssl http2;",
        "/etc/ssl/huiyin/": f"{tmp}/ssl/",
        "/srv/huiyin/app/staticfiles/": f"{tmp}/staticfiles/",
        "server 127.0.0.1:8000": f"server 127.0.0.1:{backend_port}",
        "/var/log/nginx/": f"{tmp}/log/",
        "/var/www/html": f"{tmp}/www",
    }
    for old, new in replacements.items():
        assert old in site, f"deploy/nginx/huiyin.conf no longer has {old!r}: update this test"
        site = site.replace(old, new)
    return site


@pytest.fixture
def nginx_site(tmp_path) -> Iterator[Site]:
    found = nginx_binary()
    if found is None:
        pytest.skip("no nginx (make test-deps unpacks Debian's into var/nginx)")
    if not shutil.which("openssl"):
        pytest.skip("no openssl to make a certificate")
    binary, mime_types = found
    for directory in ("ssl", "staticfiles/web", "log", "www", "temp"):
        (tmp_path / directory).mkdir(parents=True)
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", "/CN=huiyin.example.org"]
        + ["-keyout", str(tmp_path / "ssl/privkey.pem"), "-out", str(tmp_path / "ssl/fullchain.pem")],
        capture_output=True,
        check=True,
        timeout=60,
    )
    backend = Backend()
    tls_port, plain_port = free_port(), free_port()
    (tmp_path / "site.conf").write_text(
        site_for_test(
            (DEPLOY / "nginx" / "huiyin.conf").read_text(),
            tmp=tmp_path,
            tls_port=tls_port,
            plain_port=plain_port,
            backend_port=backend.port,
        )
    )
    temp = tmp_path / "temp"
    (tmp_path / "nginx.conf").write_text(
        f"""
daemon off;
master_process off;
pid {tmp_path}/nginx.pid;
error_log {tmp_path}/log/error.log info;
events {{ worker_connections 64; }}
http {{
    include {mime_types};
    default_type application/octet-stream;
    # Nothing under /var/log: the machine may have no nginx of its own, and the binary's default log is there.
    access_log {tmp_path}/log/access.log;
    client_body_temp_path {temp}/body;
    proxy_temp_path {temp}/proxy;
    fastcgi_temp_path {temp}/fastcgi;
    uwsgi_temp_path {temp}/uwsgi;
    scgi_temp_path {temp}/scgi;
    include {tmp_path}/site.conf;
}}
"""
    )
    command = [
        str(binary),
        "-p",
        str(tmp_path),
        "-e",
        str(tmp_path / "log/error.log"),
        "-c",
        str(tmp_path / "nginx.conf"),
    ]
    tested = subprocess.run([*command, "-t"], capture_output=True, text=True, timeout=60)
    assert tested.returncode == 0, tested.stderr
    assert "syntax is ok" in tested.stderr
    server = start_process(command, tmp_path / "log/nginx.out")
    site = Site(tls_port, plain_port, backend, tmp_path / "staticfiles")
    try:
        wait_for(lambda: port_open(tls_port) and port_open(plain_port), "nginx to listen")
        yield site
    finally:
        process_end(server)
        backend.close()


def port_open(port: int) -> bool:
    import socket

    with socket.socket() as probe:
        probe.settimeout(0.2)
        return probe.connect_ex(("127.0.0.1", port)) == 0


def test_it_forwards_to_gunicorn_with_the_headers_the_lockout_and_https_need(nginx_site):
    status, _headers, _body = nginx_site.request("GET", "/api/v1/me/", **{"X-Forwarded-For": "198.51.100.66"})

    assert status == 200
    (seen,) = nginx_site.backend.seen
    assert (seen.method, seen.path) == ("GET", "/api/v1/me/")
    assert seen.headers["Host"] == "huiyin.example.org"
    assert seen.headers["X-Forwarded-Proto"] == "https"  # SECURE_PROXY_SSL_HEADER: Django knows it is HTTPS
    # nginx appends the address it saw; a client's own claim stays to the left, where the lockout never looks.
    assert seen.headers["X-Forwarded-For"] == "198.51.100.66, 127.0.0.1"
    request = RequestFactory().get("/", REMOTE_ADDR="127.0.0.1", HTTP_X_FORWARDED_FOR=seen.headers["X-Forwarded-For"])
    with override_settings(HUIYIN={**settings.HUIYIN, "TRUSTED_PROXIES": 1}):
        assert client_ip(request) == "127.0.0.1"


def test_it_sends_plain_http_to_https(nginx_site):
    status, headers, _body = nginx_site.request("GET", "/queue/?page=2", tls=False)

    assert status == 301
    assert headers["location"] == "https://huiyin.example.org/queue/?page=2"
    assert nginx_site.backend.seen == []


def test_it_never_serves_attachments_from_disk(nginx_site):
    status, _headers, _body = nginx_site.request("GET", "/media/attachments/2026/12/0a1b2c3d.pdf")

    assert status == 404
    assert nginx_site.backend.seen == []  # not even asked: attachments leave only through the API


def test_it_serves_static_files_itself_and_caches_the_hashed_ones_for_good(nginx_site):
    script = b"htmx.config.includeIndicatorStyles = false;\n" * 50
    (nginx_site.static / "web" / "huiyin.0123456789ab.js").write_bytes(script)
    (nginx_site.static / "web" / "huiyin.0123456789ab.js.gz").write_bytes(gzip.compress(script))
    (nginx_site.static / "web" / "huiyin.js").write_bytes(script)

    hashed = nginx_site.request("GET", "/static/web/huiyin.0123456789ab.js", **{"Accept-Encoding": "gzip"})
    plain = nginx_site.request("GET", "/static/web/huiyin.js")
    missing = nginx_site.request("GET", "/static/web/nothing.js")

    assert hashed[0] == 200
    assert hashed[1]["cache-control"] == "public, max-age=31536000, immutable"
    assert hashed[1]["content-encoding"] == "gzip"  # collectstatic's .gz, sent as it is
    assert gzip.decompress(hashed[2]) == script
    assert (plain[0], plain[2]) == (200, script)
    assert plain[1]["cache-control"] == "max-age=3600"
    assert missing[0] == 404
    assert nginx_site.backend.seen == []


def body_limit(site: str, location: str | None = None) -> int:
    """client_max_body_size of the server, or of ``location = PATH``, in bytes."""
    if location is not None:
        site = site[site.index(f"location = {location} {{") :]
    return int(re.search(r"client_max_body_size (\d+)m;", site)[1]) * 1024 * 1024


def test_it_lets_uploads_up_to_what_django_accepts_through_and_refuses_larger_bodies(nginx_site):
    site = (DEPLOY / "nginx" / "huiyin.conf").read_text()
    mib = 1024 * 1024
    attachment, workbook = settings.HUIYIN["ATTACHMENT_MAX_BYTES"], settings.HUIYIN["MASTERDATA_MAX_BYTES"]
    limit, filing, masterdata = body_limit(site), body_limit(site, "/my/cases/new/"), body_limit(site, "/masterdata/")
    # A little above what Django accepts, so that Django refuses a file slightly too large in the person's language.
    assert attachment < limit <= attachment + mib
    assert workbook < masterdata <= workbook + mib
    assert 5 * attachment < filing <= 5 * attachment + mib  # the filing page takes several attachments at once

    def post(path: str, size: int) -> int:
        status, _headers, _body = nginx_site.request(
            "POST", path, body=b"x" * size, **{"Content-Type": "multipart/form-data; boundary=x"}
        )
        return status

    assert post("/api/v1/cases/1/attachments/", attachment + 4096) == 200  # the largest file in its form
    assert post("/api/v1/cases/1/attachments/", limit) == 200
    assert post("/api/v1/cases/1/attachments/", limit + 1) == 413
    assert post("/masterdata/", masterdata) == 200
    assert post("/masterdata/", masterdata + 1) == 413
    assert post("/my/cases/new/", limit + mib) == 200
    assert post("/my/cases/new/", filing + 1) == 413
    forwarded = [(seen.path, seen.body_bytes) for seen in nginx_site.backend.seen]
    assert forwarded == [
        ("/api/v1/cases/1/attachments/", attachment + 4096),
        ("/api/v1/cases/1/attachments/", limit),
        ("/masterdata/", masterdata),
        ("/my/cases/new/", limit + mib),
    ]


def test_it_passes_the_health_probe_to_django(nginx_site):
    status, _headers, body = nginx_site.request("GET", "/healthz/")

    assert (status, body) == (200, b'{"ok": true}')
    assert [seen.path for seen in nginx_site.backend.seen] == ["/healthz/"]
