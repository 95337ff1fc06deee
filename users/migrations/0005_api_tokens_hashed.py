"""API tokens stored as digests (issue 32 item 7).

Every DRF token (kept in clear in ``authtoken_token``) becomes a django-rest-knox token
with the same value: its first 15 characters as ``token_key`` and its SHA-512 digest, so
integrations keep working with the token they have. The clear DRF rows are then removed:
a token in clear is what this migration exists to end. Reversing it leaves the knox
tokens as they are (the clear values are gone by design)."""

from django.db import migrations


def move_tokens(apps, schema_editor):
    from knox.crypto import hash_token
    from knox.settings import CONSTANTS

    Token = apps.get_model("authtoken", "Token")
    AuthToken = apps.get_model("knox", "AuthToken")
    for token in Token.objects.all().iterator():
        AuthToken.objects.get_or_create(
            digest=hash_token(token.key),
            defaults={"token_key": token.key[: CONSTANTS.TOKEN_KEY_LENGTH], "user_id": token.user_id, "expiry": None},
        )
    Token.objects.all().delete()


class Migration(migrations.Migration):
    dependencies = [
        ("users", "0004_organisation_app"),
        ("knox", "0009_extend_authtoken_field"),
        ("authtoken", "0004_alter_tokenproxy_options"),
    ]

    operations = [migrations.RunPython(move_tokens, migrations.RunPython.noop)]
