"""Search by one- and two-character terms through an index of the texts' pieces, and the list's default order
as an index, on PostgreSQL.

pg_trgm cannot serve a pattern shorter than three characters (``UPPER(title) LIKE '%线缆%'`` reads its whole
index), yet Chinese users search two-character words all the time (电力, 土地, 用工, 融资). ``huiyin_search_grams``
returns the distinct one- and two-character pieces of the upper-cased text; a GIN index of it answers
``huiyin_search_grams(title) @> ARRAY[UPPER('线缆')]``, which for such a term is exactly the ``icontains`` test,
for case numbers, titles and enterprise names alike. It is an SQL function rather than pg_bigm because pg_bigm
is no package of a stock PostgreSQL. Longer terms keep the trigram indexes of 0009.

A common word matches tens of thousands of cases; the list's default order (returned first, newest next) as
an index lets the page read those in order and stop at the page, where it would sort every match.

SQLite has neither; there the search stays a scan, fast enough at a district's size.
"""

from django.db import migrations

FUNCTION = """
CREATE OR REPLACE FUNCTION huiyin_search_grams(value text) RETURNS text[]
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$
    SELECT coalesce(array_agg(DISTINCT substr(upper(value), position, size)), '{}')
    FROM generate_series(1, char_length(value)) AS position CROSS JOIN (VALUES (1), (2)) AS sizes (size)
    WHERE position + size - 1 <= char_length(value)
$$
"""
INDEXES = (
    ("case_number_grams", "cases_case", 'USING gin (huiyin_search_grams("number"))'),
    ("case_title_grams", "cases_case", 'USING gin (huiyin_search_grams("title"))'),
    ("enterprise_name_grams", "enterprises_enterprise", 'USING gin (huiyin_search_grams("name"))'),
    ("case_list_order", "cases_case", '("sent_back_at" DESC NULLS LAST, "filed_at" DESC, "id" DESC)'),
)


def create_indexes(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(FUNCTION)
    for name, table, definition in INDEXES:
        schema_editor.execute(f'CREATE INDEX IF NOT EXISTS "{name}" ON "{table}" {definition}')
    # The planner estimates a term's matches from the statistics of the indexed expression, which only
    # ANALYZE gathers: without them it would guess, and read a common word's thousands of cases unordered.
    schema_editor.execute('ANALYZE "cases_case", "enterprises_enterprise"')


def drop_indexes(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name, _table, _definition in INDEXES:
        schema_editor.execute(f'DROP INDEX IF EXISTS "{name}"')
    schema_editor.execute("DROP FUNCTION IF EXISTS huiyin_search_grams(text)")


class Migration(migrations.Migration):
    dependencies = [
        ("cases", "0016_event_actions_of_pauses_and_merges"),
        ("enterprises", "0004_masterdata_import_moves_by_transitions"),
    ]

    operations = [migrations.RunPython(create_indexes, drop_indexes)]
