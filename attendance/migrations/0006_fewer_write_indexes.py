"""Drop the attendance table's foreign-key indexes that a composite index already covers
(customer, group, agent) or that nothing looks rows up by (channel, classification,
survey), and the message/event ones covered by (attendance, created_at / at).

Written by hand: Django's own ``AlterField(db_index=False)`` finds the index to drop by
column, and on ``customer_id`` it also matched the partial unique index
``one_open_attendance_per_customer`` and dropped it. Here the database side drops each
index by the name Django gave it; the state side is the plain ``AlterField``."""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


INDEXES = [
    ("attendance", "agent_id"), ("attendance", "channel_id"), ("attendance", "classification_node_id"),
    ("attendance", "customer_id"), ("attendance", "group_id"), ("attendance", "survey_id"),
    ("event", "attendance_id"), ("message", "attendance_id"),
]  # fmt: skip


def _each(apps, schema_editor):
    for model_name, column in INDEXES:
        table = apps.get_model("attendance", model_name)._meta.db_table
        yield table, column, schema_editor._create_index_name(table, [column], suffix="")


def drop_indexes(apps, schema_editor):
    for _table, _column, name in _each(apps, schema_editor):
        schema_editor.execute(f"DROP INDEX IF EXISTS {schema_editor.quote_name(name)}")


def create_indexes(apps, schema_editor):
    quote = schema_editor.quote_name
    for table, column, name in _each(apps, schema_editor):
        schema_editor.execute(f"CREATE INDEX IF NOT EXISTS {quote(name)} ON {quote(table)} ({quote(column)})")


class Migration(migrations.Migration):

    dependencies = [
        ('attendance', '0005_labels'),
        ('classifications', '0002_initial'),
        ('customers', '0002_initial'),
        ('surveys', '0002_initial'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    state_operations = [
        migrations.AlterField(
            model_name='attendance',
            name='agent',
            field=models.ForeignKey(blank=True, db_index=False, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='attendances', to=settings.AUTH_USER_MODEL, verbose_name='Agent'),
        ),
        migrations.AlterField(
            model_name='attendance',
            name='channel',
            field=models.ForeignKey(blank=True, db_index=False, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to='attendance.channel', verbose_name='Channel'),
        ),
        migrations.AlterField(
            model_name='attendance',
            name='classification_node',
            field=models.ForeignKey(blank=True, db_index=False, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to='classifications.node', verbose_name='Classification'),
        ),
        migrations.AlterField(
            model_name='attendance',
            name='customer',
            field=models.ForeignKey(db_index=False, on_delete=django.db.models.deletion.PROTECT, related_name='attendances', to='customers.customer', verbose_name='Customer'),
        ),
        migrations.AlterField(
            model_name='attendance',
            name='group',
            field=models.ForeignKey(db_index=False, on_delete=django.db.models.deletion.PROTECT, related_name='attendances', to='attendance.servicegroup', verbose_name='Group'),
        ),
        migrations.AlterField(
            model_name='attendance',
            name='survey',
            field=models.ForeignKey(blank=True, db_index=False, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to='surveys.survey'),
        ),
        migrations.AlterField(
            model_name='event',
            name='attendance',
            field=models.ForeignKey(db_index=False, on_delete=django.db.models.deletion.PROTECT, related_name='events', to='attendance.attendance'),
        ),
        migrations.AlterField(
            model_name='message',
            name='attendance',
            field=models.ForeignKey(db_index=False, on_delete=django.db.models.deletion.PROTECT, related_name='messages', to='attendance.attendance'),
        ),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=state_operations,
            database_operations=[migrations.RunPython(drop_indexes, create_indexes)],
        ),
    ]
