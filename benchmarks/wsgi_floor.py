"""A bare WSGI app that serves the cadre's queue floor with psycopg: the most any server could do for that page.

``bench --http`` runs it under gunicorn beside Huiyin, with the same workers, and drives both with wrk.
It imports no Django; ``HUIYIN_FLOOR_DSN`` names the database and ``HUIYIN_FLOOR_ASSIGNEE`` the cadre.
"""

import os

import psycopg

from benchmarks.floors import payload, queue_api

_connection: psycopg.Connection | None = None


def application(environ, start_response):
    global _connection
    if _connection is None:
        # One connection per worker, kept, as Huiyin keeps its own with DB_CONN_MAX_AGE.
        _connection = psycopg.connect(os.environ["HUIYIN_FLOOR_DSN"], autocommit=True)
    query = queue_api(assignee_id=int(os.environ["HUIYIN_FLOOR_ASSIGNEE"]), page_size=25)
    with _connection.cursor() as cursor:
        cursor.execute(query.sql, query.params)
        body = payload(query, cursor.fetchall())
    start_response("200 OK", [("Content-Type", "application/json"), ("Content-Length", str(len(body)))])
    return [body]
