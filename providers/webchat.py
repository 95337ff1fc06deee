"""The web chat provider (SPEC §15): the visitor's browser is the other end. Inbound comes
through the visitor API (``webchat.views`` → ``attendance.inbound.inbound_receive``), not a
webhook; an outbound message is "sent" once it is stored, because the widget reads it
from Atende (``GET /webchat/<public id>/messages/`` and the event stream)."""

from __future__ import annotations

from django.utils.translation import gettext as _

from attendance.models import Channel

from .base import Outbound, Provider


class Webchat(Provider):
    key = "webchat"

    def signature_valid(self, channel, request) -> bool:
        return False  # no provider posts to a web chat channel: the webhook URL refuses everything

    def send(self, channel: Channel, outbound: Outbound) -> str:
        return ""  # the widget fetches it: nothing leaves Atende

    def caption_limit(self, channel: Channel, outbound: Outbound) -> int:
        return 4096

    def test_connection(self, channel: Channel) -> str:
        origins = ", ".join(channel.origins) or _("no site allowed yet")
        return _("web chat for %(origins)s") % {"origins": origins}
