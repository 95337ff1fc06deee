"""SPEC §16: the e-mail channel against real servers started by the tests — Debian's
dovecot (IMAP) and aiosmtpd (SMTP) — never mocks of ``imaplib``/``smtplib``."""

from __future__ import annotations

from email.message import EmailMessage
from email.utils import make_msgid

import pytest
from django.core.exceptions import ValidationError
from django.test import TestCase

from attendance.messaging import message_out
from attendance.models import Attendance, Channel, Message, Sender
from attendance.services import channel_save
from customers.models import Customer
from providers.base import ProviderError
from providers.email_channel import reply_subject, subject_clean
from providers.email_ingest import email_channels_due, email_poll
from providers.models import EmailMailbox, EmailPart, EmailReceipt
from providers.services import channel_test_connection, provider_deliver
from tests.factories import PASSWORD, ServiceGroupFactory
from tests.mailservers import Dovecot, SMTPServer

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(not Dovecot.available(), reason="dovecot-imapd is not installed (make test installs it)"),
]

CUSTOMER = "maria.silva@cliente.com.br"


@pytest.fixture
def servers(settings):
    settings.ATENDE_OUTBOUND_LOG_ONLY = False
    imap, smtp = Dovecot().start(), SMTPServer().start()
    yield imap, smtp
    smtp.stop()
    imap.stop()


@pytest.fixture
def channel(servers, operation_a):
    imap, smtp = servers
    ServiceGroupFactory(name="SAC E-mail", operation=operation_a,
                        email_signature="Equipe SAC\nAtende Ltda.")  # fmt: skip
    channel = Channel(name="SAC por e-mail", network="email", provider="email", imap_host="127.0.0.1",
                      imap_port=imap.port, imap_security="none", imap_user="atende", smtp_host="127.0.0.1",
                      smtp_port=smtp.port, smtp_security="none", from_address="sac@atende.example",
                      from_name="SAC Atende")  # fmt: skip
    channel_save(channel=channel, credentials={"imap_password": "senha-imap", "smtp_password": "x"})
    Channel.objects.filter(pk=channel.pk).update(smtp_user="")  # aiosmtpd without AUTH
    channel.refresh_from_db()
    return channel


def mail(subject="Pedido 123 atrasado", body="Meu pedido não chegou.", sender=CUSTOMER, name="Maria Silva",
         message_id=None, in_reply_to=None, references=None, html=None, headers=None, attachments=()) -> bytes:  # fmt: skip
    message = EmailMessage()
    message["From"] = f"{name} <{sender}>"
    message["To"] = "sac@atende.example"
    message["Subject"] = subject
    message["Message-ID"] = message_id or make_msgid(domain="cliente.com.br")
    if in_reply_to:
        message["In-Reply-To"] = in_reply_to
    if references:
        message["References"] = references
    for name_, value in (headers or {}).items():
        message[name_] = value
    message.set_content(body)
    if html:
        message.add_alternative(html, subtype="html")
    for filename, mime, content in attachments:
        maintype, subtype = mime.split("/")
        message.add_attachment(content, maintype=maintype, subtype=subtype, filename=filename)
    return message.as_bytes()


def poll(channel):
    with TestCase.captureOnCommitCallbacks(execute=True):
        result = email_poll(channel_id=channel.pk)
    assert not result.error, result.error
    return result


def last_message(attendance) -> int:
    return attendance.messages.order_by("-pk").values_list("pk", flat=True)[0]


def agent_says(attendance, text, agent):
    with TestCase.captureOnCommitCallbacks(execute=True):
        return message_out(attendance=attendance, body=text, sender=Sender.AGENT, agent=agent)


def test_a_conversation_goes_customer_agent_customer_agent(servers, channel, agent_a):
    imap, smtp = servers
    first_id = make_msgid(domain="cliente.com.br")
    imap.deliver(mail(message_id=first_id))
    assert poll(channel).stored == 1
    attendance = Attendance.objects.get()
    assert attendance.subject == "Pedido 123 atrasado"
    customer = attendance.customer
    assert (customer.network, customer.email, customer.display_name) == ("email", CUSTOMER, "Maria Silva")
    assert [m.body for m in attendance.messages.filter(sender="customer")] == ["Meu pedido não chegou."]
    assert imap.seen() == (1, 1)  # marked handled once committed

    answer = agent_says(attendance, "Olá Maria, vamos verificar.", agent_a)
    answer.refresh_from_db()
    assert answer.delivery == "sent", answer.delivery_error
    sent = smtp.messages[-1]
    assert sent["Subject"] == f"Re: Pedido 123 atrasado [#{attendance.protocol}]"
    assert sent["In-Reply-To"] == first_id and first_id in sent["References"]
    assert sent["To"] == CUSTOMER and sent["Message-ID"] == answer.provider_message_id
    text = sent.get_body(("plain",)).get_content()
    assert "Olá Maria, vamos verificar." in text and "-- \nEquipe SAC\nAtende Ltda." in text
    assert EmailPart.objects.get(message=answer).server_reply.startswith("250 2.0.0 Ok: queued as")

    imap.deliver(mail(subject=f"RE: {sent['Subject']}", body="Obrigada!\n\nEm seg., 7 de dez., SAC escreveu:\n> Olá",
                      message_id=make_msgid(domain="cliente.com.br"), in_reply_to=sent["Message-ID"],
                      references=f"{first_id} {sent['Message-ID']}"))  # fmt: skip
    poll(channel)
    assert Attendance.objects.count() == 1
    reply = attendance.messages.filter(sender="customer").last()
    assert reply.body == "Obrigada!"  # the quoted history is folded apart
    assert "Em seg., 7 de dez., SAC escreveu:" in reply.email.quoted

    agent_says(attendance, "Por nada!", agent_a)
    last = smtp.messages[-1]
    assert last["In-Reply-To"] == reply.email.header_id
    # Every e-mail of the conversation, in order (the queue notice the group sends included).
    conversation = [m.email.header_id for m in attendance.messages.exclude(pk=last_message(attendance)).order_by("pk")]
    assert last["References"].split() == conversation
    assert (
        conversation[0] == first_id and sent["Message-ID"] in conversation and conversation[-1] == reply.email.header_id
    )
    assert last["Subject"] == f"Re: Pedido 123 atrasado [#{attendance.protocol}]"


def test_the_protocol_in_the_subject_threads_a_mail_from_another_address(servers, channel):
    imap, _smtp = servers
    imap.deliver(mail())
    poll(channel)
    attendance = Attendance.objects.get()
    imap.deliver(mail(subject=f"Complemento [#{attendance.protocol}]", body="Sou o marido dela.",
                      sender="joao@cliente.com.br", name="João"))  # fmt: skip
    poll(channel)
    assert Attendance.objects.count() == 1
    assert attendance.messages.last().body.startswith("De: joao@cliente.com.br\nSou o marido dela.")


def test_every_mail_is_handled_once_whatever_is_polled_again(servers, channel):
    imap, _smtp = servers
    same = make_msgid(domain="cliente.com.br")
    imap.deliver(mail(message_id=same), mail(message_id=same, body="cópia"), mail(subject="Outro", sender="b@x.com"))
    first = poll(channel)
    assert (first.handled, first.stored) == (3, 2)
    assert poll(channel).handled == 0
    # The folder rebuilt (a new UIDVALIDITY): everything is read again, nothing stored twice.
    EmailMailbox.objects.filter(channel=channel).update(uidvalidity=1, last_uid=0)
    again = poll(channel)
    assert (again.handled, again.stored) == (3, 0)
    assert Message.objects.filter(sender="customer").count() == 2
    assert imap.seen() == (3, 3)


def test_auto_replies_and_bounces_never_open_an_attendance(servers, channel):
    imap, _smtp = servers
    imap.deliver(
        mail(subject="Ausente", headers={"Auto-Submitted": "auto-replied"}),
        mail(subject="Fora do escritório", sender="c@x.com", headers={"X-Autoreply": "yes"}),
        mail(subject="Newsletter", sender="d@x.com", headers={"Precedence": "bulk"}),
        _bounce(),
    )
    result = poll(channel)
    assert (result.handled, result.stored) == (4, 0)
    assert not Attendance.objects.exists() and not Customer.objects.exists()
    assert sorted(EmailReceipt.objects.values_list("outcome", flat=True)) == [
        "auto_reply", "auto_reply", "auto_reply", "bounce"]  # fmt: skip


def test_an_auto_reply_in_an_open_conversation_is_a_note_for_the_agent(servers, channel, agent_a):
    imap, smtp = servers
    imap.deliver(mail())
    poll(channel)
    attendance = Attendance.objects.get()
    agent_says(attendance, "Pode confirmar o endereço?", agent_a)
    imap.deliver(mail(subject="Resposta automática: férias", in_reply_to=smtp.messages[-1]["Message-ID"],
                      headers={"Auto-Submitted": "auto-replied"}))  # fmt: skip
    poll(channel)
    note = attendance.messages.last()
    assert note.sender == "system" and "Resposta automática" in note.body
    assert Attendance.objects.count() == 1


def _bounce() -> bytes:
    return (
        b"From: Mail Delivery System <MAILER-DAEMON@mx.cliente.com.br>\r\nTo: sac@atende.example\r\n"
        b"Subject: Undelivered Mail Returned to Sender\r\nMessage-ID: <bounce1@mx>\r\nMIME-Version: 1.0\r\n"
        b'Content-Type: multipart/report; report-type=delivery-status; boundary="B"\r\n\r\n'
        b"--B\r\nContent-Type: text/plain\r\n\r\nThis is the mail system.\r\n"
        b"--B\r\nContent-Type: message/delivery-status\r\n\r\nReporting-MTA: dns; mx\r\n\r\n"
        b"Final-Recipient: rfc822; x@y\r\nAction: failed\r\nStatus: 5.1.1\r\n--B--\r\n"
    )


def test_html_is_sanitised_and_remote_images_wait_for_the_agent(servers, channel):
    imap, _smtp = servers
    html = ('<p onclick="steal()">Veja <b>a foto</b><script>alert(1)</script></p>'
            '<img src="https://rastreio.example/pixel.gif"><a href="javascript:alert(1)">x</a>'
            '<div class="gmail_quote">Em ontem, SAC escreveu:<blockquote>antes</blockquote></div>')  # fmt: skip
    imap.deliver(mail(body="Veja a foto", html=html))
    poll(channel)
    part = EmailPart.objects.get(message__sender="customer")
    assert "script" not in part.html and "onclick" not in part.html and "javascript" not in part.html
    assert 'data-atende-src="https://rastreio.example/pixel.gif"' in part.html and " src=" not in part.html
    assert part.remote_images == 1 and "<b>a foto</b>" in part.html
    assert "Em ontem" not in part.html  # the quote is folded out of the shown HTML


def test_attachments_become_media_and_a_25_mb_file_is_kept(servers, channel):
    imap, _smtp = servers
    png = (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00\x1f\x15\xc4"
           b"\x89\x00\x00\x00\rIDATx\x9cc\xf8\x0f\x00\x00\x01\x01\x00\x05\x18\xd8N\x00\x00\x00\x00IEND\xaeB`\x82")  # fmt: skip
    big = (b"relatorio " * (25 * 1024 * 1024 // 10))[: 25 * 1024 * 1024]
    imap.deliver(mail(attachments=[("foto.png", "image/png", png), ("relatorio.txt", "text/plain", big)]))
    poll(channel)
    media = list(Message.objects.exclude(media="").order_by("pk"))
    assert [(m.kind, m.media_name, m.media_size) for m in media] == [
        ("image", "foto.png", len(png)), ("document", "relatorio.txt", len(big))]  # fmt: skip
    assert len({m.attendance_id for m in Message.objects.all()}) == 1


def test_bad_mail_is_a_note_never_a_crash(servers, channel):
    imap, _smtp = servers
    broken = (b"From: Ana <ana@x.com>\r\nSubject: quebrado\r\nMessage-ID: <broken@x>\r\nMIME-Version: 1.0\r\n"
              b'Content-Type: multipart/mixed; boundary="nunca-fecha"\r\n\r\n--nunca-fecha\r\n'
              b"Content-Type: text/plain; charset=x-desconhecido\r\n\r\nOl\xe1 mundo\r\n")  # fmt: skip
    many = ", ".join(f"pessoa{i}@x.com" for i in range(10_000))
    imap.deliver(broken, mail(subject="Para todos", sender="bomba@x.com", headers={"Cc": many}))
    result = poll(channel)
    assert (result.handled, result.stored) == (2, 2)
    bodies = {m.attendance.customer.email: m.body for m in Message.objects.filter(sender="customer")}
    assert "Ol" in bodies["ana@x.com"] and "x-desconhecido" in bodies["ana@x.com"]
    assert "10.001 destinatários" in bodies["bomba@x.com"]


def test_an_agent_cannot_inject_headers_and_the_customers_subject_stays_one_line():
    with pytest.raises(ValidationError):
        subject_clean("Oferta\r\nBcc: todos@x.com")
    assert subject_clean("  Oferta  ") == "Oferta"
    assert reply_subject("Oi\r\nBcc: todos@x.com", "2026120700000001") == "Re: Oi Bcc: todos@x.com [#2026120700000001]"
    assert reply_subject("RE: Res: Oi [#2026120700000001]", "2026120700000001") == "Re: Oi [#2026120700000001]"


def test_a_refused_recipient_fails_with_the_servers_answer_and_a_busy_server_is_retried(servers, channel, agent_a):
    imap, smtp = servers
    imap.deliver(mail())
    poll(channel)
    attendance = Attendance.objects.get()
    smtp.refuse_rcpt = (451, "4.7.1 Tente mais tarde")
    message = message_out(attendance=attendance, body="Olá", sender=Sender.AGENT, agent=agent_a)
    with pytest.raises(ProviderError, match="451 4.7.1 Tente mais tarde"):
        provider_deliver(Message.objects.select_related("attendance__customer").get(pk=message.pk))
    assert Message.objects.get(pk=message.pk).delivery == "pending"
    smtp.refuse_rcpt = (550, "5.1.1 Caixa inexistente")
    assert provider_deliver(Message.objects.select_related("attendance__customer").get(pk=message.pk)) is False
    message.refresh_from_db()
    assert message.delivery == "failed" and "550 5.1.1 Caixa inexistente" in message.delivery_error
    smtp.refuse_rcpt = None


def test_testar_conexao_logs_in_to_both_servers(servers, channel):
    imap, _smtp = servers
    imap.deliver(mail())
    answer = channel_test_connection(channel=channel)
    assert "IMAP: 1" in answer and "SMTP: 250" in answer
    Channel.objects.filter(pk=channel.pk).update(imap_password="errada")
    channel.refresh_from_db()
    with pytest.raises(ProviderError, match="usuário ou a senha"):
        channel_test_connection(channel=channel)


def test_a_server_that_is_down_is_noted_on_the_mailbox_and_polled_again(servers, channel):
    Channel.objects.filter(pk=channel.pk).update(imap_port=1)
    result = email_poll(channel_id=channel.pk)
    assert "Não foi possível conectar" in result.error
    box = EmailMailbox.objects.get(channel=channel)
    assert box.last_error and box.claimed_until is None
    assert email_channels_due() == []  # polled just now
    EmailMailbox.objects.filter(channel=channel).update(polled_at=None)
    assert email_channels_due() == [channel.pk]


def test_the_api_takes_the_mailbox_settings_and_never_returns_the_passwords(api_as, admin_user):
    api = api_as(admin_user)
    response = api.post("/api/v1/channels/", {
        "name": "SAC", "network": "email", "provider": "email", "imap_host": "imap.example.com", "imap_user": "sac",
        "imap_password": "segredo-imap", "smtp_host": "smtp.example.com", "smtp_password": "segredo-smtp",
        "from_address": "sac@example.com", "poll_seconds": 60}, format="json")  # fmt: skip
    assert response.status_code == 201, response.json()
    body = response.content.decode()
    assert "segredo-imap" not in body and "segredo-smtp" not in body
    assert response.json()["imap_folder"] == "INBOX" and response.json()["poll_seconds"] == 60
    missing = api.post("/api/v1/channels/", {"name": "SAC 2", "network": "email", "provider": "email"}, format="json")
    assert missing.status_code == 400
    assert {"imap_host", "imap_user", "smtp_host", "from_address", "imap_password"} <= set(missing.json())


def test_the_admin_page_offers_the_mailbox_settings(client, admin_user):
    client.post("/accounts/login/", {"username": admin_user.username, "password": PASSWORD})
    page = client.get("/admin/attendance/channel/add/").content.decode()
    assert "Servidor IMAP" in page and "Servidor SMTP" in page and "Endereço do remetente" in page


def test_the_workspace_gets_the_subject_the_safe_html_and_the_folded_history(servers, channel, api_as, admin_user):
    imap, _smtp = servers
    imap.deliver(mail(body="Segue a foto.\n\nOn Mon, 7 Dec 2026, SAC wrote:\n> antes",
                      html='<p>Segue <img src="https://x.example/a.png"></p><script>x()</script>'))  # fmt: skip
    poll(channel)
    attendance = Attendance.objects.get()
    api = api_as(admin_user)
    rows = api.get(f"/api/v1/attendances/{attendance.pk}/messages/").json()
    email = next(row["email"] for row in rows if row["sender"] == "customer")
    assert email["subject"] == "Pedido 123 atrasado" and email["remote_images"] == 1
    assert "<script>" not in email["html"] and 'data-atende-src="https://x.example/a.png"' in email["html"]
    assert email["quoted"].startswith("On Mon, 7 Dec 2026, SAC wrote:")
    assert next(row for row in rows if row["sender"] == "customer")["body"] == "Segue a foto."
    detail = api.get(f"/api/v1/attendances/{attendance.pk}/").json()
    assert detail["subject"] == "Pedido 123 atrasado"


def test_novo_atendimento_ativo_by_e_mail_from_the_workspace(servers, channel, api_as, agent_a):
    _imap, smtp = servers
    group = ServiceGroupFactory(name="Ativo e-mail", operation=agent_a.operations.first(), active_email=True,
                                agents=[agent_a], email_signature="Equipe Ativo")  # fmt: skip
    api = api_as(agent_a)
    injected = api.post("/api/v1/active-messages/", {"group": group.pk, "network": "email", "email": "novo@x.com",
                                                     "subject": "Oferta\r\nBcc: todos@x.com", "text": "Olá"},
                        format="json")  # fmt: skip
    assert injected.status_code == 400 and "subject" in injected.json()
    assert not smtp.messages
    with TestCase.captureOnCommitCallbacks(execute=True):
        response = api.post("/api/v1/active-messages/", {"group": group.pk, "network": "email", "email": "Novo@X.com",
                                                         "subject": "Sua segunda via", "text": "Segue o boleto."},
                            format="json")  # fmt: skip
    assert response.status_code == 201, response.json()
    attendance = Attendance.objects.get(pk=response.json()["attendance"])
    assert (attendance.subject, attendance.channel_id, attendance.customer.email) == ("Sua segunda via", channel.pk,
                                                                                      "novo@x.com")  # fmt: skip
    sent = smtp.messages[-1]
    assert sent["Subject"] == f"Sua segunda via [#{attendance.protocol}]" and sent["To"] == "novo@x.com"
    assert "Bcc" not in sent and "Equipe Ativo" in sent.get_body(("plain",)).get_content()
