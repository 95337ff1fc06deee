from django.db import migrations

from attendance.models.pauses import DEFAULT_PAUSE_REASONS


def create_defaults(apps, schema_editor):
    """A fresh install gets the usual pause reasons, so agents can pause from the first
    day (an install that already has its own reasons keeps exactly those)."""
    PauseReason = apps.get_model("attendance", "PauseReason")
    if not PauseReason.objects.exists():
        PauseReason.objects.bulk_create(PauseReason(name=name) for name in DEFAULT_PAUSE_REASONS)


class Migration(migrations.Migration):
    dependencies = [
        ("attendance", "0015_pause_reasons_in_the_engine"),
        ("workspace", "0003_pause_reasons_in_the_engine"),
    ]

    operations = [migrations.RunPython(create_defaults, migrations.RunPython.noop)]
