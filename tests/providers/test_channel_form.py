"""The channel form shows the chosen provider's credentials and steps only, and the token
banner has a "Copiar" button (issue 31, item 8)."""

from __future__ import annotations

import re

import pytest
from django.contrib.messages import get_messages

from attendance.models import Channel

pytestmark = pytest.mark.django_db

TWILIO = {"name": "SMS Loja", "network": "sms", "provider": "twilio", "account_sid": "AC123",
          "auth_token": "twilio-secret", "from_number": "+14155550000", "is_active": "on"}  # fmt: skip


def test_each_provider_has_its_own_section_and_steps_and_only_the_chosen_ones_show(web_as, admin_user):
    page = web_as(admin_user).get("/admin/attendance/channel/add/").content.decode()
    for provider in ("whatsapp_cloud", "telegram", "twilio"):
        assert re.search(rf'<fieldset class="[^"]*provider-section provider-{provider}', page)
    # Without JavaScript too: the steps of providers other than the current one are hidden.
    assert '<div class="provider-steps" data-provider="generic">' in page
    assert '<div class="provider-steps" data-provider="twilio" hidden>' in page
    assert "Meta for Developers" in page  # WhatsApp's steps, shown when chosen
    assert "js/provider_sections.js" in page


def test_the_saved_channel_shows_its_providers_steps(web_as, admin_user):
    client = web_as(admin_user)
    client.post("/admin/attendance/channel/add/", TWILIO)
    channel = Channel.objects.get(name="SMS Loja")
    page = client.get(f"/admin/attendance/channel/{channel.pk}/change/").content.decode()
    assert '<div class="provider-steps" data-provider="twilio">' in page
    assert '<div class="provider-steps" data-provider="telegram" hidden>' in page
    assert f"/webhooks/twilio/{channel.public_id}/" in page


def test_another_providers_credentials_are_not_stored(web_as, admin_user):
    response = web_as(admin_user).post("/admin/attendance/channel/add/", {**TWILIO, "bot_token": "123:stray"})
    assert response.status_code == 302
    channel = Channel.objects.get(name="SMS Loja")
    assert channel.bot_token == "" and channel.auth_token == "twilio-secret"


def test_the_token_banner_has_a_copy_button(web_as, admin_user):
    response = web_as(admin_user).post(
        "/admin/attendance/channel/add/", {"name": "Integração", "network": "sms", "provider": "generic",
                                           "is_active": "on"}, follow=True)  # fmt: skip
    texts = [str(message) for message in get_messages(response.wsgi_request)]
    page = response.content.decode()
    banner = re.search(r'<code class="channel-token">([^<]+)</code>', page)
    assert banner, texts
    assert "O token do canal só é mostrado agora; copie-o para a configuração do canal:" in page
    assert f'data-copy="{banner.group(1)}"' in page
    assert ">Copiar</button>" in page
    assert "js/copy_button.js" in page
