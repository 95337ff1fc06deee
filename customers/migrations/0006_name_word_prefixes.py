"""The words' index on every start of every word (SPEC §12 P5, ``customers/name_search.py``).

A search by word starts (``'fern':* & 'roch':*``) made GIN collect every row of every
word with that start into a bitmap before intersecting them: 14 ms for "Fernanda Rocha"
at a million customers (33,000 and 57,000 rows), most of the search's SQL. Indexed as
the starts of the name's words (``customer_name_prefixes``: "Rocha" is ``r``, ``ro``,
``roc``, ``roch``, ``rocha``), the same search is exact words (``'fern' & 'roch'``), whose
posting lists GIN intersects directly: 2 ms. The same names match: a term's word is the
start of a name's word exactly when it is one of that word's starts. The index is larger
(25 MB instead of 4.5 MB at a million customers; 20 s to build).

Replaces 0005's ``customer_name_word_starts``. PostgreSQL only; on SQLite the migration
does nothing. Built ``CONCURRENTLY``, hence not atomic. ``PREFIXES`` and ``FUNCTION``'s
words must equal ``customers.name_search.PREFIXES_SQL``/``WORDS_SQL`` (a test compares
them).
"""

from django.db import migrations

ACCENTED = "áàâãäåéèêëíìîïóòôõöúùûüýÿçñÁÀÂÃÄÅÉÈÊËÍÌÎÏÓÒÔÕÖÚÙÛÜÝÇÑ"
PLAIN = "aaaaaaeeeeiiiiooooouuuuyycnAAAAAAEEEEIIIIOOOOOUUUUYCN"
NAME = "(display_name)::text"
FOLDED = (
    f"upper(CASE WHEN octet_length({NAME}) = char_length({NAME}) THEN {NAME}"
    f" ELSE translate({NAME}, '{ACCENTED}', '{PLAIN}') END)"
)
WORDS = f"to_tsvector('simple'::regconfig, translate({FOLDED}, '.,:;@/+-_', '         '))"
PREFIXES = f"customer_name_prefixes({NAME})"

# The parameter is named as the column, so that WORDS reads the same here and in 0005.
FUNCTION = f"""
CREATE OR REPLACE FUNCTION customer_name_prefixes(display_name text) RETURNS tsvector
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$
    SELECT array_to_tsvector(ARRAY(
        SELECT left(word, n)
        FROM unnest(tsvector_to_array({WORDS})) AS word, generate_series(1, char_length(word)) AS n
    ))
$$
"""

CREATE = [
    FUNCTION,
    f"CREATE INDEX CONCURRENTLY IF NOT EXISTS customer_name_prefix_words ON customers_customer USING gin ({PREFIXES})",
    "DROP INDEX CONCURRENTLY IF EXISTS customer_name_word_starts",
    "ANALYZE customers_customer",
]
DROP = [
    f"CREATE INDEX CONCURRENTLY IF NOT EXISTS customer_name_word_starts ON customers_customer USING gin ({WORDS})",
    "DROP INDEX CONCURRENTLY IF EXISTS customer_name_prefix_words",
    "DROP FUNCTION IF EXISTS customer_name_prefixes(text)",
    "ANALYZE customers_customer",
]


def _run(statements):
    def run(apps, schema_editor):
        if schema_editor.connection.vendor != "postgresql":
            return
        for statement in statements:
            schema_editor.execute(statement)

    return run


class Migration(migrations.Migration):
    atomic = False
    dependencies = [("customers", "0005_name_fold_ascii")]

    operations = [migrations.RunPython(_run(CREATE), _run(DROP))]
