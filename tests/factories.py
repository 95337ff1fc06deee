"""factory_boy factories for every app's models."""

from __future__ import annotations

import factory
from django.contrib.auth.models import Permission

from attendance.models import Bot, BotKind, ServiceGroup
from attendance.services import group_save
from classifications.models import Classification
from classifications.services import classification_save
from organisation.models import Company, Operation
from surveys.models import Survey
from surveys.services import survey_save
from users.models import Profile, Role, User
from users.services import user_create

PASSWORD = "Senha@Forte1"


class CompanyFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Company
        django_get_or_create = ["name"]

    name = factory.Sequence(lambda n: f"Empresa {n}")


class OperationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Operation

    name = factory.Sequence(lambda n: f"Operação {n}")
    company = factory.SubFactory(CompanyFactory)


class ProfileFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Profile
        skip_postgeneration_save = True

    name = factory.Sequence(lambda n: f"Perfil {n}")

    @factory.post_generation
    def perms(self, create, extracted, **kwargs):
        """``perms=["users.view_user", ...]``."""
        for dotted in extracted or []:
            app, code = dotted.split(".")
            self.permissions.add(Permission.objects.get(content_type__app_label=app, codename=code))


class UserFactory(factory.django.DjangoModelFactory):
    """Users go through the service, so the factory obeys the same rules as the screens."""

    class Meta:
        model = User

    username = factory.Sequence(lambda n: f"user{n}")
    display_name = factory.LazyAttribute(lambda o: o.username.title())
    role = Role.AGENT

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        operations = kwargs.pop("operations", None)
        password = kwargs.pop("password", PASSWORD)
        if kwargs.get("role") == Role.ADMIN and not kwargs.get("company"):
            kwargs["company"] = CompanyFactory(name="Empresa Padrão")
        if kwargs.get("role") in (Role.SUPERVISOR, Role.SUPERVISOR_AGENT) and not operations:
            operations = [OperationFactory()]
        return user_create(password=password, operations=operations, **kwargs)


class BotFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Bot

    name = factory.Sequence(lambda n: f"bot_{n}")
    kind = BotKind.TRANSFER


class ServiceGroupFactory(factory.django.DjangoModelFactory):
    """A valid group through ``group_save``; pass ``agents=[...]`` / ``transfer_targets=[...]``.

    ``send_protocol`` is off here (the product's default is on, SPEC §14): the SAC protocol
    message would precede every greeting and notice the engine tests read. The tests of
    the protocol (tests/attendance/test_sac.py) turn it on or use the model's default."""

    class Meta:
        model = ServiceGroup

    name = factory.Sequence(lambda n: f"Grupo {n}")
    operation = factory.SubFactory(OperationFactory)
    send_protocol = False

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        agents = kwargs.pop("agents", None)
        targets = kwargs.pop("transfer_targets", None)
        return group_save(group=model_class(**kwargs), agents=agents, transfer_targets=targets)


def make_survey(name="Pesquisa", **fields):
    questions = fields.pop(
        "questions",
        [
            {
                "type": "csat",
                "text": "Como foi?",
                "options": [{"text": "Ótimo", "satisfied": True}, {"text": "Ruim", "satisfied": False}],
            },
            {"type": "nps", "text": "Recomendaria?"},
            {"type": "open", "text": "Comentários?"},
        ],
    )
    return survey_save(survey=Survey(name=name, **fields), questions=questions).survey


def make_classification(name="Motivos", nodes=None):
    nodes = nodes if nodes is not None else [{"name": "Dúvida", "children": [{"name": "Preço"}]}, {"name": "Elogio"}]
    return classification_save(classification=Classification(name=name), nodes=nodes)


def make_channel(network="whatsapp", **fields):
    """A channel and its clear token: ``channel, token = make_channel()``."""
    from attendance.models import Channel

    channel = Channel(name=fields.pop("name", f"Canal {Channel.objects.count() + 1}"), network=network, **fields)
    token = channel.issue_token()
    channel.issue_webhook_secret()
    channel.save()
    return channel, token


def online(agent, state="online", reason=""):
    """Put an agent online (or paused, with an active pause reason) with a fresh heartbeat."""
    from attendance.models import PauseReason
    from attendance.presence import presence_set

    if state == "paused":
        reason = reason or "Almoço"
        PauseReason.objects.get_or_create(name=reason)
    return presence_set(agent=agent, state=state, reason=reason)


def queued_attendance(group, phone, priority=0, wallet_agent=None, queued_at=None):
    """A customer with an attendance waiting in ``group``'s queue (through the services)."""
    from django.utils import timezone

    from attendance.models import Attendance, Status
    from customers.models import Customer
    from customers.services import customer_save

    customer = customer_save(customer=Customer(), display_name=f"Cliente {phone}", phone=phone, priority=priority,
                             wallet_agent=wallet_agent)  # fmt: skip
    now = queued_at or timezone.now()
    attendance = Attendance.objects.create(
        protocol=f"T{phone[-10:]}", customer=customer, group=group, status=Status.QUEUED, opened_at=now,
        queued_at=now, priority=priority,
    )  # fmt: skip
    return attendance
