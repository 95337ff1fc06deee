"""Search by any part of a name at a million customers (SPEC §12 P5): a trigram index on
UPPER(display_name), the expression Django's ``icontains`` compares on PostgreSQL.

PostgreSQL only (pg_trgm); on SQLite (``make run``) the migration does nothing. Creating
the extension needs a role allowed to (the database owner on PostgreSQL 13+, where
pg_trgm is a trusted extension).
"""

from django.db import migrations

CREATE = [
    "CREATE EXTENSION IF NOT EXISTS pg_trgm",
    "CREATE INDEX IF NOT EXISTS customer_name_trgm ON customers_customer "
    "USING gin (UPPER(display_name::text) gin_trgm_ops)",
]
DROP = ["DROP INDEX IF EXISTS customer_name_trgm"]


def _run(statements):
    def run(apps, schema_editor):
        if schema_editor.connection.vendor != "postgresql":
            return
        for statement in statements:
            schema_editor.execute(statement)

    return run


class Migration(migrations.Migration):
    dependencies = [("customers", "0002_initial")]

    operations = [migrations.RunPython(_run(CREATE), _run(DROP))]
