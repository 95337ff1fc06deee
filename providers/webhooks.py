"""Provider webhooks (SPEC §8.2.1): ``/webhooks/<provider>/<public id>/``.

Thin: find the channel (unknown or inactive: 404), answer WhatsApp's ``GET`` handshake,
check the signature (403, nothing written), parse (400, nothing written), hand the
messages and statuses to ``providers.services.webhook_receive`` and answer 200 once
they are committed. CSRF-exempt: the provider signs the request instead."""

from __future__ import annotations

import logging

from django.core.exceptions import RequestDataTooBig
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt

from attendance.engine_cache import engine_channel_public
from attendance.models import Provider

from .base import MalformedPayload
from .registry import provider_for
from .services import webhook_receive

logger = logging.getLogger("atende.providers")


def _refuse(status: int, message: str) -> JsonResponse:
    return JsonResponse({"detail": message}, status=status)


@csrf_exempt
def provider_webhook(request: HttpRequest, provider: str, public_id: str) -> HttpResponse:
    adapter = provider_for(provider)
    channel = engine_channel_public(public_id[:32]) if adapter is not None and provider != Provider.GENERIC else None
    if channel is None or channel.provider != provider:
        return _refuse(404, _("Unknown channel."))
    if request.method == "GET":
        return adapter.handshake(channel, request) or _refuse(405, _("Method not allowed."))
    if request.method != "POST":
        return _refuse(405, _("Method not allowed."))
    try:
        request.body  # noqa: B018 - read once, within DATA_UPLOAD_MAX_MEMORY_SIZE
        if not adapter.signature_valid(channel, request):
            return _refuse(403, _("Invalid signature."))
        parsed = adapter.parse(channel, request)
    except (MalformedPayload, RequestDataTooBig) as error:
        logger.info("malformed %s webhook for %s: %s", provider, channel.pk, error)
        return _refuse(400, _("Malformed payload."))
    webhook_receive(channel=channel, adapter=adapter, parsed=parsed)
    return adapter.ack()
