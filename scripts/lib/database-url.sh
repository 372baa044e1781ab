# Sourced by scripts/backup and scripts/restore. database_url_to_libpq sets libpq's variables (PGHOST, PGPORT,
# PGUSER, PGPASSWORD, PGDATABASE, PGSSLMODE) from DATABASE_URL, so that the password reaches pg_dump, pg_restore
# and psql through the environment and never appears on a command line, which every user sees in ps.

database_url_to_libpq() {
  local exports
  exports="$("${PYTHON:-python3}" - <<'PY'
import os
import shlex
import sys
from urllib.parse import parse_qs, unquote, urlsplit

url = urlsplit(os.environ.get("DATABASE_URL", ""))
if url.scheme not in ("postgres", "postgresql", "pgsql", "postgis"):
    sys.exit(f"DATABASE_URL must name a PostgreSQL database (postgres://user:password@host:5432/name), not {url.scheme or 'nothing'}.")
query = {key: values[-1] for key, values in parse_qs(url.query).items()}
variables = {
    "PGHOST": query.get("host") or url.hostname or "",
    "PGPORT": str(url.port or query.get("port") or ""),
    "PGUSER": unquote(url.username or ""),
    "PGPASSWORD": unquote(url.password or ""),
    "PGDATABASE": unquote(url.path.lstrip("/")),
    "PGSSLMODE": query.get("sslmode", ""),
}
if not variables["PGDATABASE"]:
    sys.exit("DATABASE_URL names no database.")
for name, value in variables.items():
    if value:
        print(f"export {name}={shlex.quote(value)}")
PY
)" || exit 2
  eval "$exports"
}
