"""The name search's indexes on a cheaper fold (SPEC §12 P5, ``customers/name_search.py``):
a name that is plain ASCII (one byte per character) skips ``translate`` — the same folded
name for every name, ~10× cheaper where a list is walked in its order and each name
folded (pieces inside words: "ernand" at a million customers, 28-38 ms → 4 ms).

Replaces 0004's ``customer_name_words`` and ``customer_name_folded_trgm`` (same queries,
same matches) by ``customer_name_word_starts`` and ``customer_name_pieces_trgm``, then
analyzes the table so that the planner has the new expressions' statistics (how many
names a piece matches decides between walking the list's order and the trigram index).

PostgreSQL only; on SQLite the migration does nothing. Built ``CONCURRENTLY`` (the table
stays writable), hence not atomic. The expressions are written out here and must equal
``customers.name_search.FOLDED_SQL``/``WORDS_SQL`` (``tests/customers/test_name_search.py``
compares them).
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

# 0004's, to go back to.
OLD_FOLDED = f"upper(translate((display_name)::text, '{ACCENTED}', '{PLAIN}'))"
OLD_WORDS = f"to_tsvector('simple'::regconfig, translate({OLD_FOLDED}, '.,:;@/+-_', '         '))"

CREATE = [
    f"CREATE INDEX CONCURRENTLY IF NOT EXISTS customer_name_word_starts ON customers_customer USING gin ({WORDS})",
    "CREATE INDEX CONCURRENTLY IF NOT EXISTS customer_name_pieces_trgm ON customers_customer "
    f"USING gin ({FOLDED} gin_trgm_ops)",
    "DROP INDEX CONCURRENTLY IF EXISTS customer_name_words",
    "DROP INDEX CONCURRENTLY IF EXISTS customer_name_folded_trgm",
    "ANALYZE customers_customer",
]
DROP = [
    f"CREATE INDEX CONCURRENTLY IF NOT EXISTS customer_name_words ON customers_customer USING gin ({OLD_WORDS})",
    "CREATE INDEX CONCURRENTLY IF NOT EXISTS customer_name_folded_trgm ON customers_customer "
    f"USING gin ({OLD_FOLDED} gin_trgm_ops)",
    "DROP INDEX CONCURRENTLY IF EXISTS customer_name_word_starts",
    "DROP INDEX CONCURRENTLY IF EXISTS customer_name_pieces_trgm",
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
    dependencies = [("customers", "0004_name_words")]

    operations = [migrations.RunPython(_run(CREATE), _run(DROP))]
