"""Search by name at a million customers (SPEC §12 P5, ``customers/name_search.py``):

- a GIN index on the words of the folded name (``to_tsvector('simple', …)``), for names
  whose words start with the term's words (the usual search);
- the trigram index now on the folded name (accents removed, upper case), for words found
  inside names' words; it replaces ``customer_name_trgm`` on ``UPPER(display_name)``.

PostgreSQL only; on SQLite the migration does nothing. Built ``CONCURRENTLY`` (the table
stays writable while a big one is indexed), hence not atomic. The expressions are
written out here and must equal ``customers.name_search.FOLDED_SQL``/``WORDS_SQL``
(``tests/customers/test_name_search.py`` compares them).
"""

from django.db import migrations

ACCENTED = "áàâãäåéèêëíìîïóòôõöúùûüýÿçñÁÀÂÃÄÅÉÈÊËÍÌÎÏÓÒÔÕÖÚÙÛÜÝÇÑ"
PLAIN = "aaaaaaeeeeiiiiooooouuuuyycnAAAAAAEEEEIIIIOOOOOUUUUYCN"
FOLDED = f"upper(translate((display_name)::text, '{ACCENTED}', '{PLAIN}'))"
WORDS = f"to_tsvector('simple'::regconfig, translate({FOLDED}, '.,:;@/+-_', '         '))"

CREATE = [
    f"CREATE INDEX CONCURRENTLY IF NOT EXISTS customer_name_words ON customers_customer USING gin ({WORDS})",
    "CREATE INDEX CONCURRENTLY IF NOT EXISTS customer_name_folded_trgm ON customers_customer "
    f"USING gin ({FOLDED} gin_trgm_ops)",
    "DROP INDEX CONCURRENTLY IF EXISTS customer_name_trgm",
]
DROP = [
    "CREATE INDEX CONCURRENTLY IF NOT EXISTS customer_name_trgm ON customers_customer "
    "USING gin (UPPER(display_name::text) gin_trgm_ops)",
    "DROP INDEX CONCURRENTLY IF EXISTS customer_name_folded_trgm",
    "DROP INDEX CONCURRENTLY IF EXISTS customer_name_words",
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
    dependencies = [("customers", "0003_hardening_name_trigram")]

    operations = [migrations.RunPython(_run(CREATE), _run(DROP))]
