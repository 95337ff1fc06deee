"""Reading one e-mail (SPEC §16): whatever arrives, a ``ParsedMail`` comes out.

Malformed MIME, unknown charsets, broken headers and huge recipient lists never raise:
what could not be read becomes a note the agent sees. The HTML is sanitised by nh3 (the
Ammonia sanitiser: no script, no style, no event handler, no form) and its remote images
are held back (``data-atende-src``) until the agent asks; quoted history ("Em … escreveu:",
"On … wrote:", ``>`` lines, Gmail's and Outlook's quote blocks) is folded apart."""

from __future__ import annotations

import email
import email.policy
import hashlib
import html as html_lib
import re
from dataclasses import dataclass, field
from email.header import decode_header, make_header
from email.message import Message as MimeMessage
from email.utils import getaddresses, parseaddr

import nh3
from django.utils.translation import gettext as _

MAX_REFERENCES = 50
MAX_TEXT = 100_000  # characters of body kept (the rest is cut with a note)
MANY_RECIPIENTS = 100
ID = re.compile(r"<[^<>\s]{1,990}>")
PROTOCOL_TAG = re.compile(r"\[#(\d{6,20})\]")
REMOTE_IMAGE = re.compile(r'<img([^>]*?) src="(https?://[^"]*)"', re.IGNORECASE)
# Where the quoted history starts, in the plain text (first match wins).
QUOTE_HEADERS = [
    re.compile(r"^\s*(On|Em|El)\s.{4,300}\s(wrote|escreveu|escribió)\s*:\s*$", re.IGNORECASE | re.DOTALL),
    re.compile(
        r"^\s*-{2,}\s*(Original Message|Mensagem original|Forwarded message|Mensagem encaminhada)\s*-{2,}",
        re.IGNORECASE,
    ),  # fmt: skip
    re.compile(r"^\s*_{10,}\s*$"),  # Outlook's rule above "De: … Enviado: …"
]
FROM_HEADER = re.compile(r"^\s*(De|From)\s*:\s*\S", re.IGNORECASE)
SENT_HEADER = re.compile(r"^\s*(Enviado|Sent|Data|Date)\s*:\s*\S", re.IGNORECASE)
# Where the quoted history starts, in the HTML (before sanitising: the classes go then).
HTML_QUOTE = re.compile(
    r'<(div|blockquote)[^>]*(class="[^"]*(gmail_quote|yahoo_quoted|moz-cite-prefix)[^"]*"|type="cite"'
    r'|id="(divRplyFwdMsg|appendonsend)")',
    re.IGNORECASE,
)
HTML_TAGS = {
    "a", "abbr", "b", "blockquote", "br", "caption", "cite", "code", "col", "colgroup", "dd", "del", "div", "dl",
    "dt", "em", "font", "h1", "h2", "h3", "h4", "h5", "h6", "hr", "i", "img", "ins", "li", "ol", "p", "pre", "q",
    "s", "small", "span", "strike", "strong", "sub", "sup", "table", "tbody", "td", "tfoot", "th", "thead", "tr",
    "u", "ul",
}  # fmt: skip
HTML_ATTRIBUTES = {
    "a": {"href", "title"}, "img": {"src", "alt", "width", "height"}, "td": {"colspan", "rowspan", "align"},
    "th": {"colspan", "rowspan", "align"}, "font": {"color"}, "*": {"dir", "lang"},
}  # fmt: skip


@dataclass
class Attachment:
    filename: str
    mime: str
    content: bytes


@dataclass
class ParsedMail:
    message_id: str  # "<…>" as sent, or made from the content when missing
    from_address: str = ""
    from_name: str = ""
    subject: str = ""
    in_reply_to: list[str] = field(default_factory=list)
    references: list[str] = field(default_factory=list)
    text: str = ""  # the new part, as plain text
    quoted: str = ""  # the folded history
    html: str = ""  # sanitised; remote images held back
    remote_images: int = 0
    attachments: list[Attachment] = field(default_factory=list)
    automatic: str = ""  # "auto_reply" or "bounce": never opens an attendance
    recipients: int = 0  # To + Cc
    notes: list[str] = field(default_factory=list)

    @property
    def thread_ids(self) -> list[str]:
        """The messages this one answers, nearest first."""
        seen, ids = set(), []
        for value in [*self.in_reply_to, *reversed(self.references)]:
            if value not in seen:
                seen.add(value)
                ids.append(value)
        return ids

    @property
    def protocol(self) -> str:
        match = PROTOCOL_TAG.search(self.subject)
        return match.group(1) if match else ""


def message_key(message_id: str) -> str:
    """The id kept in ``Message.provider_message_id`` (128 characters): the header itself,
    or its digest when longer."""
    if len(message_id) <= 128:
        return message_id
    return "sha256:" + hashlib.sha256(message_id.encode()).hexdigest()


def _header(message: MimeMessage, name: str) -> str:
    """A header as text, decoded (RFC 2047) whatever its charset; "" when unreadable."""
    try:
        raw = message.get(name)
    except Exception:  # noqa: BLE001 - a header the parser cannot make sense of
        return ""
    if raw is None:
        return ""
    try:
        return str(make_header(decode_header(str(raw))))
    except Exception:  # noqa: BLE001 - an unknown charset or broken encoded word
        return str(raw).encode("ascii", "replace").decode()


def _oneline(value: str, limit: int) -> str:
    return " ".join(value.replace("\x00", "").split())[:limit]


def _decode(part: MimeMessage, notes: list[str]) -> str:
    try:
        payload = part.get_payload(decode=True) or b""
    except Exception:  # noqa: BLE001 - broken transfer encoding
        payload = str(part.get_payload()).encode("utf-8", "replace")
        notes.append(_("part of this e-mail had a broken encoding"))
    charset = (part.get_content_charset() or "utf-8").strip().strip('"')
    try:
        return payload.decode(charset, errors="replace")
    except LookupError:
        notes.append(_("unknown character set “%(charset)s”: some letters may be wrong") % {"charset": charset[:40]})
        return payload.decode("utf-8", errors="replace")


def _is_attachment(part: MimeMessage) -> bool:
    disposition = (part.get("Content-Disposition") or "").lower()
    return disposition.startswith("attachment") or bool(part.get_filename()) and not disposition.startswith("inline")


def _automatic(message: MimeMessage, from_address: str) -> str:
    """RFC 3834 and the usual signs of a bounce (RFC 3464 delivery status report)."""
    content_type = message.get_content_type()
    report = (message.get_param("report-type") or "") if content_type == "multipart/report" else ""
    local = from_address.split("@", 1)[0].lower()
    if report == "delivery-status" or local in ("mailer-daemon", "postmaster") and _header(message, "Return-Path") in (
        "<>", ""):  # fmt: skip
        return "bounce"
    auto = _header(message, "Auto-Submitted").strip().lower()
    precedence = _header(message, "Precedence").strip().lower()
    if (auto and auto != "no") or message.get("X-Autoreply") is not None or message.get("X-Autorespond") is not None:
        return "auto_reply"
    if precedence in ("bulk", "auto_reply", "junk"):
        return "auto_reply"
    return ""


def fold_text(text: str) -> tuple[str, str]:
    """(the new part, the quoted history) of a plain-text body."""
    lines = text.split("\n")
    for index, line in enumerate(lines):
        pair = line + " " + lines[index + 1] if index + 1 < len(lines) else line
        if any(p.match(line) for p in QUOTE_HEADERS) or QUOTE_HEADERS[0].match(pair):
            return "\n".join(lines[:index]).rstrip(), "\n".join(lines[index:]).strip()
        if FROM_HEADER.match(line) and any(SENT_HEADER.match(nxt) for nxt in lines[index + 1 : index + 4]):
            return "\n".join(lines[:index]).rstrip(), "\n".join(lines[index:]).strip()
    # A trailing block of "> " lines (blank lines allowed inside).
    end = len(lines)
    start = end
    for index in range(end - 1, -1, -1):
        if lines[index].startswith(">"):
            start = index
        elif lines[index].strip():
            break
    if start < end and any(line.startswith(">") for line in lines[start:]):
        return "\n".join(lines[:start]).rstrip(), "\n".join(lines[start:]).strip()
    return text.strip(), ""


def sanitise_html(value: str) -> tuple[str, int]:
    """nh3 with a mail's tags; remote images held back as ``data-atende-src`` (counted)."""
    clean = nh3.clean(
        value, tags=HTML_TAGS, attributes=HTML_ATTRIBUTES, url_schemes={"http", "https", "mailto"},
        clean_content_tags={"script", "style", "title", "head"}, link_rel="noopener noreferrer nofollow",
    )  # fmt: skip
    held = 0

    def hold(match: re.Match) -> str:
        nonlocal held
        held += 1
        return f'<img{match.group(1)} data-atende-src="{match.group(2)}"'

    return REMOTE_IMAGE.sub(hold, clean), held


def html_to_text(value: str) -> str:
    text = re.sub(r"(?i)<br\s*/?>|</p>|</div>|</tr>|</li>|</h[1-6]>", "\n", value)
    text = nh3.clean(text, tags=set(), clean_content_tags={"script", "style", "title", "head"})
    text = html_lib.unescape(text)
    return re.sub(r"\n{3,}", "\n\n", "\n".join(line.strip() for line in text.split("\n"))).strip()


def _ids(value: str) -> list[str]:
    return ID.findall(value)[-MAX_REFERENCES:]


def parse_mail(raw: bytes) -> ParsedMail:
    """Never raises: an e-mail nothing can be read of still comes out, with a note."""
    try:
        return _parse(raw)
    except Exception:  # noqa: BLE001 - the last resort: the raw text, readable as it is
        text = raw.decode("utf-8", errors="replace")
        head, _sep, body = text.partition("\n\n")
        sender = re.search(r"(?im)^from:\s*(.+)$", head)
        name, address = parseaddr(sender.group(1) if sender else "")
        mail = ParsedMail(message_id=_made_id(raw), from_address=address.lower(), from_name=name[:150],
                          text=body[:MAX_TEXT])  # fmt: skip
        mail.notes.append(_("this e-mail's structure could not be read; shown as received"))
        return mail


def _made_id(raw: bytes) -> str:
    return f"<atende-{hashlib.sha256(raw).hexdigest()[:40]}@missing-message-id>"


def _parse(raw: bytes) -> ParsedMail:
    message = email.message_from_bytes(raw, policy=email.policy.compat32)
    notes: list[str] = []
    from_name, from_address = parseaddr(_header(message, "From"))
    # Answers go where the sender asks (Reply-To), the customer being that address.
    name, address = parseaddr(_header(message, "Reply-To"))
    if not address or "@" not in address:
        name, address = from_name, from_address
    name = name or from_name
    message_id = next(iter(_ids(_header(message, "Message-ID"))), "") or _made_id(raw)
    recipients = 0
    for header in ("To", "Cc"):
        try:
            recipients += len(getaddresses([_header(message, header)]))
        except Exception:  # noqa: BLE001 - an unparsable list counts as none
            notes.append(_("the recipients' list could not be read"))
    mail = ParsedMail(
        message_id=message_id, from_address=_oneline(address, 320).lower(), from_name=_oneline(name, 150),
        subject=_oneline(_header(message, "Subject"), 255), in_reply_to=_ids(_header(message, "In-Reply-To")),
        references=_ids(_header(message, "References")), recipients=recipients,
        automatic=_automatic(message, from_address),
    )  # fmt: skip
    if message.defects:
        notes.append(_("this e-mail is malformed (%(defect)s); what could be read is shown")
                     % {"defect": type(message.defects[0]).__name__})  # fmt: skip
    plain, html = None, None
    for part in message.walk():
        if part.is_multipart():
            continue
        content_type = part.get_content_type()
        if _is_attachment(part) or not content_type.startswith("text/"):
            if content_type in ("message/delivery-status", "text/rfc822-headers"):
                continue
            try:
                content = part.get_payload(decode=True) or b""
            except Exception:  # noqa: BLE001
                content = b""
            filename = _oneline(_filename(part), 200) or _("attachment")
            mail.attachments.append(Attachment(filename=filename, mime=content_type, content=content))
        elif content_type == "text/plain" and plain is None:
            plain = _decode(part, notes)
        elif content_type == "text/html" and html is None:
            html = _decode(part, notes)
    if html:
        cut = HTML_QUOTE.search(html)
        new_html, quoted_html = (html[: cut.start()], html[cut.start() :]) if cut else (html, "")
        mail.html, mail.remote_images = sanitise_html(new_html)
        if quoted_html and not plain:
            mail.quoted = html_to_text(quoted_html)
    text = plain if plain is not None else html_to_text(html or "")
    text = text.replace("\r\n", "\n").replace("\x00", "")
    new, quoted = fold_text(text)
    mail.text, mail.quoted = new, (quoted or mail.quoted)
    if len(mail.text) > MAX_TEXT:
        mail.text = mail.text[:MAX_TEXT]
        notes.append(_("the text was cut at %(count)s characters") % {"count": f"{MAX_TEXT:,}".replace(",", ".")})
    if recipients > MANY_RECIPIENTS:
        notes.append(_("sent to %(count)s recipients; answers go only to the sender")
                     % {"count": f"{recipients:,}".replace(",", ".")})  # fmt: skip
    mail.notes = notes
    return mail


def _filename(part: MimeMessage) -> str:
    try:
        value = part.get_filename() or ""
    except Exception:  # noqa: BLE001
        return ""
    try:
        return str(make_header(decode_header(value)))
    except Exception:  # noqa: BLE001
        return value
