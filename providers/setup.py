"""The setup steps shown in a channel's admin page, per provider (Portuguese on screen)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

SETUP_STEPS = {
    "generic": [
        _(
            "Your integration sends each customer message to %(url)s (POST, JSON) with the header "
            "“Authorization: Bearer <channel token>”; the token is shown once, when the channel is created."
        ),
    ],
    "whatsapp_cloud": [
        _("In Meta for Developers, open your app, then WhatsApp > Configuration."),
        _(
            "Under Webhook, set the callback URL to %(url)s and the verify token to the one typed in this "
            "channel, then click “Verify and save”."
        ),
        _("Subscribe the webhook to the “messages” field (messages and delivery statuses come through it)."),
        _(
            "Copy to this channel the phone number ID (WhatsApp > API setup), a permanent access token "
            "(a system user's) and the app secret (App settings > Basic)."
        ),
        _("Use “Test connection” in the channel list to check the phone number ID and the token."),
    ],
    "telegram": [
        _("Create the bot with @BotFather and copy its token to “Bot token”."),
        _("Choose a secret token (letters, digits, _ and -, up to 256 characters) and type it in “Secret token”."),
        _(
            "Register the webhook: https://api.telegram.org/bot<bot token>/setWebhook?url=%(url)s"
            "&secret_token=<secret token>"
        ),
        _("Use “Test connection” in the channel list to check the bot token."),
    ],
    "twilio": [
        _(
            "In the Twilio Console, copy the Account SID and the Auth Token to this channel; the sender number "
            "is your Twilio number (+1…) for SMS or whatsapp:+… for WhatsApp."
        ),
        _(
            "In the number's (or WhatsApp sender's) messaging settings, set “A message comes in” to %(url)s "
            "(HTTP POST)."
        ),
        _(
            "Delivery statuses: set ATENDE_PUBLIC_URL on the server, and Atende asks Twilio to report each "
            "message's status to this same address."
        ),
        _(
            "Files the agents send: Twilio fetches each one from Atende through a signed link that expires, so "
            "ATENDE_PUBLIC_URL must be set and reachable from the internet."
        ),
        _("Use “Test connection” in the channel list to check the SID and the token."),
    ],
    "webchat": [
        _("Fill in the sites that may show the chat (allowed origins), one per line, and save."),
        _("Copy the line shown in “Line to paste on the site” into your site's pages, before </body>."),
        _(
            "Optional: to recognise logged-in users, your server signs “<id>.<timestamp>” with the identity "
            "secret (HMAC-SHA256) and the page passes window.AtendeWebchat.identity = {id, name, email, timestamp, "
            "hash} before the line; a signature older than 5 minutes is refused."
        ),
    ],
}


def setup_steps(provider: str, url: str) -> list[str]:
    return [str(step) % {"url": url} for step in SETUP_STEPS.get(provider, [])]
