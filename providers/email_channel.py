"""The e-mail channel (SPEC §16) as a provider: IMAP in (polled by the beat,
``email_ingest``), SMTP out, "Testar conexão" logging in to both.

An agent's (or the bot's) message becomes an e-mail to the customer's address:
``Subject: Re: <subject> [#<protocol>]``, a ``Message-ID`` made from the message's id (the
same on a retry, so a receiver that got the first try sees a duplicate, not a new mail),
``In-Reply-To`` the customer's last e-mail and ``References`` the conversation's ids, the
text, the agent's name and the group's signature, the file attached. The SMTP dialogue is
held step by step so the server's final answer ("250 2.0.0 Ok: queued as …") is kept
on the message; a 5xx answer fails it for good with that answer, anything else is
retried with backoff by the delivery task."""

from __future__ import annotations

import imaplib
import smtplib
import ssl
from email.message import EmailMessage
from email.utils import formataddr, formatdate

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from attendance.models import Channel, Direction, Message

from .base import OutboundMedia, Provider, ProviderError, outbound_for
from .models import EmailPart

TIMEOUT = 30
SUBJECT_PREFIXES = ("re:", "res:", "enc:", "fw:", "fwd:", "rv:")


def _context() -> ssl.SSLContext:
    context = ssl.create_default_context()
    if settings.EMAIL_CHANNEL_INSECURE_TLS:  # tests' self-signed servers only
        context.check_hostname = False
        context.verify_mode = ssl.CERT_NONE
    return context


def imap_connect(channel: Channel) -> imaplib.IMAP4:
    """Logged in; ``ProviderError`` says what failed (in Portuguese)."""
    security = channel.imap_security
    port = channel.imap_port or (993 if security == "ssl" else 143)
    try:
        if security == "ssl":
            conn = imaplib.IMAP4_SSL(channel.imap_host, port, ssl_context=_context(), timeout=TIMEOUT)
        else:
            conn = imaplib.IMAP4(channel.imap_host, port, timeout=TIMEOUT)
            if security == "starttls":
                conn.starttls(ssl_context=_context())
    except (OSError, imaplib.IMAP4.error) as error:
        raise ProviderError(_("Could not reach the IMAP server %(host)s:%(port)s (%(error)s).")
                            % {"host": channel.imap_host, "port": port, "error": _reason(error)}) from None  # fmt: skip
    try:
        conn.login(channel.imap_user, channel.imap_password)
    except imaplib.IMAP4.error as error:
        _close(conn)
        raise ProviderError(_("The IMAP server refused the user or password (%(error)s).")
                            % {"error": _reason(error)}, permanent=True) from None  # fmt: skip
    return conn


def _close(conn) -> None:
    try:
        conn.logout()
    except Exception:  # noqa: BLE001, S110 - closing a connection that may be gone
        pass


def _reason(error: Exception) -> str:
    text = str(error) or type(error).__name__
    return text.decode(errors="replace") if isinstance(text, bytes) else text[:200]


def imap_folder_name(channel: Channel) -> str:
    folder = channel.imap_folder or "INBOX"
    return '"' + folder.replace("\\", "\\\\").replace('"', '\\"') + '"'


def smtp_connect(channel: Channel) -> smtplib.SMTP:
    security = channel.smtp_security
    port = channel.smtp_port or {"ssl": 465, "starttls": 587}.get(security, 25)
    try:
        if security == "ssl":
            conn = smtplib.SMTP_SSL(channel.smtp_host, port, timeout=TIMEOUT, context=_context())
        else:
            conn = smtplib.SMTP(channel.smtp_host, port, timeout=TIMEOUT)
            if security == "starttls":
                conn.starttls(context=_context())
        conn.ehlo_or_helo_if_needed()
    except (OSError, smtplib.SMTPException) as error:
        raise ProviderError(_("Could not reach the SMTP server %(host)s:%(port)s (%(error)s).")
                            % {"host": channel.smtp_host, "port": port, "error": _reason(error)}) from None  # fmt: skip
    if channel.smtp_user:
        try:
            conn.login(channel.smtp_user, channel.smtp_password)
        except smtplib.SMTPException as error:
            conn.close()
            raise ProviderError(_("The SMTP server refused the user or password (%(error)s).")
                                % {"error": _reason(error)}, permanent=True) from None  # fmt: skip
    return conn


def subject_clean(value: str) -> str:
    """A subject typed by an agent: one line. Line breaks (a header injection) are refused."""
    if any(ch in value for ch in "\r\n\x00"):
        raise ValidationError({"subject": [_("The subject must be a single line.")]})
    value = value.strip()
    if len(value) > 255:
        raise ValidationError({"subject": [_("The subject can have at most 255 characters.")]})
    return value


def reply_subject(subject: str, protocol: str, *, reply: bool = True) -> str:
    """``Re: <subject> [#<protocol>]``: one "Re:", one tag, one line (whatever the customer's
    subject held: it is theirs, never trusted as a header). ``reply=False``: the first
    mail of an active attendance (no "Re:")."""
    text = " ".join((subject or "").split())
    while text.lower().startswith(SUBJECT_PREFIXES):
        text = text.split(":", 1)[1].strip()
    text = text.replace(f"[#{protocol}]", "").strip()
    if not text:
        return f"[#{protocol}]"
    return f"Re: {text} [#{protocol}]" if reply else f"{text} [#{protocol}]"


def outbound_message_id(channel: Channel, message: Message) -> str:
    domain = channel.from_address.rsplit("@", 1)[-1] or "atende.invalid"
    return f"<atende.{message.pk}.{channel.public_id[:10]}@{domain[:60]}>"


class Email(Provider):
    key = "email"

    def signature_valid(self, channel, request) -> bool:
        return False  # e-mail arrives by IMAP: its webhook URL refuses everything

    def test_connection(self, channel: Channel) -> str:
        conn = imap_connect(channel)
        try:
            status, data = conn.select(imap_folder_name(channel), readonly=True)
            if status != "OK":
                raise ProviderError(_("The IMAP folder “%(folder)s” does not exist.") % {"folder": channel.imap_folder},
                                    permanent=True)  # fmt: skip
            count = int(data[0] or 0)
        finally:
            _close(conn)
        smtp = smtp_connect(channel)
        try:
            code, answer = smtp.noop()
        finally:
            smtp.close()
        return _("IMAP: %(count)s messages in %(folder)s; SMTP: %(code)s %(answer)s") % {
            "count": count, "folder": channel.imap_folder or "INBOX", "code": code,
            "answer": answer.decode(errors="replace")[:80],
        }  # fmt: skip

    def send(self, channel: Channel, outbound) -> str:
        raise ProviderError(_("E-mail messages are sent with their attendance."), permanent=True)

    def send_message(self, channel: Channel, message: Message) -> str:
        """Send ``message`` as an e-mail; its ``Message-ID`` is the provider id."""
        attendance = message.attendance
        customer = attendance.customer
        to = customer.email
        if not to:
            raise ProviderError(_("The customer has no e-mail address."), permanent=True)
        mail, message_id, references = self.compose(channel, message)
        try:
            conn = smtp_connect(channel)
        except ProviderError:
            raise
        try:
            reply = _dialogue(conn, channel.from_address, to, mail.as_bytes())
        finally:
            try:
                conn.quit()
            except Exception:  # noqa: BLE001, S110 - the answer is in already
                pass
        EmailPart.objects.update_or_create(
            message=message, defaults={"header_id": message_id, "subject": str(mail["Subject"]),
                                       "from_address": channel.from_address, "references": references,
                                       "server_reply": reply[:500]},
        )  # fmt: skip
        return message_id

    def compose(self, channel: Channel, message: Message) -> tuple[EmailMessage, str, list[str]]:
        attendance = message.attendance
        earlier = list(
            EmailPart.objects.filter(message__attendance=attendance).exclude(message=message)
            .order_by("message__created_at", "message_id").values_list("header_id", "message__direction")
        )  # fmt: skip
        references = [mid for mid, _direction in earlier][-20:]
        last_inbound = next((mid for mid, direction in reversed(earlier) if direction == Direction.INBOUND), "")
        message_id = outbound_message_id(channel, message)
        mail = EmailMessage()
        mail["From"] = formataddr((channel.from_name or attendance.group.name, channel.from_address))
        mail["To"] = attendance.customer.email
        mail["Subject"] = reply_subject(attendance.subject, attendance.protocol, reply=bool(last_inbound))
        mail["Date"] = formatdate(localtime=True)
        mail["Message-ID"] = message_id
        if last_inbound or references:
            mail["In-Reply-To"] = last_inbound or references[-1]
            mail["References"] = " ".join(references)
        mail["Auto-Submitted"] = "no" if message.sender == "agent" else "auto-replied"
        body = message.body
        if message.sender == "agent" and message.sender_name:
            body = f"{body}\n\n{message.sender_name}" if body else message.sender_name
        signature = (attendance.group.email_signature or "").strip()
        if signature:
            body = f"{body}\n\n-- \n{signature}"
        mail.set_content(body or " ")
        if message.media:
            media = outbound_for(message).media
            _attach(mail, media)
        return mail, message_id, references


def _attach(mail: EmailMessage, media: OutboundMedia) -> None:
    maintype, _slash, subtype = (media.mime or "application/octet-stream").partition("/")
    mail.add_attachment(media.read(), maintype=maintype, subtype=subtype or "octet-stream", filename=media.filename)


def _dialogue(conn: smtplib.SMTP, sender: str, to: str, data: bytes) -> str:
    """MAIL, RCPT, DATA one by one: the server's last answer is the delivery's status."""
    try:
        for step, call, accepted in (("MAIL FROM", lambda: conn.mail(sender), (250,)),
                                     ("RCPT TO", lambda: conn.rcpt(to), (250, 251))):  # fmt: skip
            code, answer = call()
            if code not in accepted:
                conn.rset()
                _refused(step, code, answer)
        code, answer = conn.data(data)
    except (OSError, smtplib.SMTPServerDisconnected) as error:
        message = _("The SMTP server dropped the connection (%(error)s).") % {"error": _reason(error)}
        raise ProviderError(message) from None
    except smtplib.SMTPDataError as error:
        _refused("DATA", error.smtp_code, error.smtp_error)
    if code != 250:
        _refused("DATA", code, answer)
    return f"{code} {answer.decode(errors='replace')}"


def _refused(step: str, code: int, answer: bytes) -> None:
    text = f"{code} {answer.decode(errors='replace') if isinstance(answer, bytes) else answer}"[:280]
    message = _("The SMTP server refused %(step)s: %(answer)s") % {"step": step, "answer": text}
    raise ProviderError(message, permanent=500 <= code < 600)
