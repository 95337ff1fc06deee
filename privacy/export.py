"""The data subject's copy of their data (SPEC §17, LGPD art. 18 II and V).

A ZIP streamed as it is written (``zipfile`` on a write-only sink: entries carry data
descriptors, nothing is held but the current attendance's messages), so a customer with
tens of thousands of messages is exported in bounded memory:

- ``dados.json``: the customer, attributes (by name), consents, attendances with their
  messages and survey answers;
- ``dados.html``: the same, readable, in Portuguese;
- ``midia/<message id>-<file name>``: the media files still in storage.

Internal notes between agents and supervisors are not the customer's data about
themselves and are never written here: only messages exchanged with the customer are.
"""

from __future__ import annotations

import json
import zipfile
from collections.abc import Iterator
from datetime import date, datetime

from django.core.files.storage import default_storage
from django.utils import timezone
from django.utils.html import escape
from django.utils.text import get_valid_filename

from attendance.models import Attendance, Kind, Message
from customers.models import Customer, CustomerAttribute
from surveys.models import Response

MEDIA_DIR = "midia"
COPY_CHUNK = 1 << 16


class _Sink:
    """A write-only file for ``zipfile``: what was written since the last ``take``."""

    def __init__(self) -> None:
        self._chunks: list[bytes] = []
        self._position = 0

    def write(self, data) -> int:
        self._chunks.append(bytes(data))
        self._position += len(data)
        return len(data)

    def tell(self) -> int:
        return self._position

    def flush(self) -> None:
        pass

    def take(self) -> bytes:
        data = b"".join(self._chunks)
        self._chunks.clear()
        return data


def _iso(value) -> str | None:
    if isinstance(value, datetime):
        return timezone.localtime(value).isoformat()
    if isinstance(value, date):
        return value.isoformat()
    return value


def _customer_data(customer: Customer) -> dict:
    names = dict(CustomerAttribute.objects.values_list("pk", "description"))
    return {
        "id": customer.pk,
        "display_name": customer.display_name,
        "network": customer.network,
        "phone": customer.phone,
        "email": customer.email,
        "birth_date": _iso(customer.birth_date),
        "document_type": customer.document_type,
        "document": customer.document,
        "created_at": _iso(customer.created_at),
        "attributes": [
            {"attribute": names.get(pair.get("attribute"), str(pair.get("attribute"))), "value": pair.get("value", "")}
            for pair in customer.attributes or []
            if isinstance(pair, dict)
        ],
        "consents": [
            {"text": c.text, "version": c.version, "channel": c.channel, "at": _iso(c.at)}
            for c in customer.consents.order_by("at", "pk")
        ],
    }


def _media_entry(message: Message) -> str:
    return f"{MEDIA_DIR}/{message.pk}-{get_valid_filename(message.media_name or message.media.name.rsplit('/', 1)[-1])}"


def _attendance_data(attendance: Attendance, media: list[Message]) -> dict:
    messages = []
    for message in attendance.messages.exclude(kind=Kind.NOTE).order_by("created_at", "pk").iterator(chunk_size=2000):
        item = {"at": _iso(message.created_at), "from": message.sender, "kind": message.kind, "text": message.body}
        if message.media:
            item["file"] = _media_entry(message)
            media.append(message)
        messages.append(item)
    answers = [
        {"question": r.question.text, "answered_at": _iso(r.answered_at), "score": r.score, "option": r.option,
         "text": r.text}
        for r in Response.objects.filter(attendance=attendance).select_related("question").order_by("answered_at", "pk")
    ]  # fmt: skip
    return {
        "protocol": attendance.protocol,
        "group": attendance.group.name,
        "status": attendance.status,
        "opened_at": _iso(attendance.opened_at),
        "closed_at": _iso(attendance.closed_at),
        "classification": str(attendance.classification_node) if attendance.classification_node_id else None,
        "messages": messages,
        "survey_answers": answers,
    }


SENDERS = {"customer": "Você", "bot": "Robô", "agent": "Atendente", "system": "Sistema"}
STATUSES = {"bot": "Com o robô", "queued": "Na fila", "in_progress": "Em atendimento", "pending": "Pendente",
            "closed": "Encerrado"}  # fmt: skip


def _html_head(data: dict) -> str:
    rows = [
        ("Nome", data["display_name"]), ("Rede", data["network"]), ("Telefone", data["phone"]),
        ("E-mail", data["email"]), ("Data de nascimento", data["birth_date"] or ""),
        ("Documento", f"{data['document_type'].upper()} {data['document']}".strip()),
        ("Cadastrado em", data["created_at"]),
    ]  # fmt: skip
    rows += [(pair["attribute"], pair["value"]) for pair in data["attributes"]]
    table = "".join(f"<tr><th>{escape(k)}</th><td>{escape(v or '')}</td></tr>" for k, v in rows)
    consents = (
        "".join(
            f"<li>{escape(c['at'])} — versão {escape(c['version'])} ({escape(c['channel'])}): {escape(c['text'])}</li>"
            for c in data["consents"]
        )
        or "<li>Nenhum consentimento registrado.</li>"
    )
    return (
        '<!doctype html><html lang="pt-BR"><head><meta charset="utf-8"><title>Seus dados</title>'
        "<style>body{font-family:sans-serif;max-width:60em;margin:2em auto}th{text-align:left;padding-right:1em}"
        ".m{margin:.3em 0}.w{color:#555;font-size:.9em}</style></head><body>"
        "<h1>Seus dados pessoais</h1><p>Cópia dos dados que guardamos sobre você (LGPD, art. 18).</p>"
        f"<h2>Cadastro</h2><table>{table}</table><h2>Consentimentos</h2><ul>{consents}</ul><h2>Atendimentos</h2>"
    )


def _score(score) -> str:
    return "" if score is None else str(score)


def _html_attendance(data: dict) -> str:
    messages = (
        "".join(
            f'<div class="m"><span class="w">{escape(m["at"])} · {escape(SENDERS.get(m["from"], m["from"]))}</span><br>'
            f"{escape(m['text'])}"
            + (f' <a href="{escape(m["file"])}">[arquivo]</a>' if m.get("file") else "")
            + "</div>"
            for m in data["messages"]
        )
        or "<p>Sem mensagens.</p>"
    )
    answers = "".join(
        f"<li>{escape(a['question'])}: {escape(a['text'] or a['option'] or _score(a['score']))}</li>"
        for a in data["survey_answers"]
    )
    closed = f" · encerrado em {escape(data['closed_at'])}" if data["closed_at"] else ""
    return (
        f'<h3>Protocolo {escape(data["protocol"])}</h3><p class="w">{escape(data["group"])} · '
        f"{escape(STATUSES.get(data['status'], data['status']))} · aberto em {escape(data['opened_at'])}{closed}</p>"
        f"{messages}" + (f"<h4>Pesquisa de satisfação</h4><ul>{answers}</ul>" if answers else "")
    )


def export_stream(customer: Customer, counts: dict) -> Iterator[bytes]:
    """The ZIP's bytes, chunk by chunk. ``counts`` is filled as it goes (attendances,
    messages, media files) for the request log."""
    sink = _Sink()
    archive = zipfile.ZipFile(sink, "w", compression=zipfile.ZIP_DEFLATED)
    data = _customer_data(customer)
    media: list[Message] = []
    counts.update(attendances=0, messages=0, media_files=0)
    attendances = Attendance.objects.filter(customer=customer).select_related("group", "classification_node")
    with archive.open("dados.json", "w", force_zip64=True) as out_json:
        head = json.dumps({"customer": data}, ensure_ascii=False, indent=1)
        out_json.write((head[:-2] + ',\n "attendances": [\n').encode())
        first = True
        html_parts = [_html_head(data)]
        for attendance in attendances.order_by("opened_at", "pk").iterator(chunk_size=200):
            item = _attendance_data(attendance, media)
            counts["attendances"] += 1
            counts["messages"] += len(item["messages"])
            out_json.write(((",\n" if not first else "") + json.dumps(item, ensure_ascii=False)).encode())
            html_parts.append(_html_attendance(item))
            first = False
            yield sink.take()
        out_json.write(b"\n ]\n}\n")
    yield sink.take()
    # The HTML is written after the JSON (one entry at a time): its parts are the
    # attendances' text, a fraction of the JSON's size.
    with archive.open("dados.html", "w", force_zip64=True) as out_html:
        for part in html_parts:
            out_html.write(part.encode())
            yield sink.take()
        out_html.write(b"</body></html>")
    yield sink.take()
    for message in media:
        try:
            source = default_storage.open(message.media.name, "rb")
        except (FileNotFoundError, OSError):
            continue
        with source, archive.open(_media_entry(message), "w", force_zip64=True) as out:
            while chunk := source.read(COPY_CHUNK):
                out.write(chunk)
                yield sink.take()
        counts["media_files"] += 1
    archive.close()
    yield sink.take()
