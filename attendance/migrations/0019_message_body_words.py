"""Search in the text of messages (SPEC §7.2, ``attendance/text_search.py``): a GIN index
on each message's words, accents removed and upper case, ``simple`` configuration.

PostgreSQL only; on SQLite the migration does nothing. Built ``CONCURRENTLY`` (the table
stays writable while millions of messages are indexed), hence not atomic. The expression is
written out here and must equal ``attendance.text_search.BODY_WORDS_SQL``
(``tests/workspace/test_history_text_search.py`` compares them).
"""

from django.db import migrations

ACCENTED = "áàâãäåéèêëíìîïóòôõöúùûüýÿçñÁÀÂÃÄÅÉÈÊËÍÌÎÏÓÒÔÕÖÚÙÛÜÝÇÑ"
PLAIN = "aaaaaaeeeeiiiiooooouuuuyycnAAAAAAEEEEIIIIOOOOOUUUUYCN"
BODY = "(body)::text"
FOLDED = f"upper(translate({BODY}, '{ACCENTED}', '{PLAIN}'))"
WORDS = f"to_tsvector('simple'::regconfig, translate({FOLDED}, '.,:;@/+-_', '         '))"

# The history's ``q`` in message text: every word of the term, as word starts.
CREATE = [
    f"CREATE INDEX CONCURRENTLY IF NOT EXISTS message_body_words ON attendance_message USING gin ({WORDS}) "
    "WHERE body <> ''",
]
DROP = ["DROP INDEX CONCURRENTLY IF EXISTS message_body_words"]


def _run(statements):
    def run(apps, schema_editor):
        if schema_editor.connection.vendor != "postgresql":
            return
        for statement in statements:
            schema_editor.execute(statement)

    return run


class Migration(migrations.Migration):
    atomic = False
    dependencies = [("attendance", "0018_message_notes")]

    operations = [migrations.RunPython(_run(CREATE), _run(DROP))]
