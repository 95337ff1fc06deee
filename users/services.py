"""User writes: creation, updates with role rules, passwords (SPEC §2)."""

from __future__ import annotations

from collections.abc import Iterable

from django.contrib.auth.password_validation import validate_password
from django.contrib.sessions.models import Session
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from knox.models import AuthToken

from core.errors import OUT_OF_SCOPE_CHOICE
from core.phones import normalize_phone
from core.scoping import operation_ids_for

from . import errors
from .models import Role, User
from .work_hours import normalize_work_hours


def user_check_actor(
    *,
    actor: User | None,
    role: str,
    operation_ids: Iterable[int],
    target: User | None = None,
    profile_id=None,
) -> None:
    """Refuse what ``actor`` may not do: supervisors manage agents of their operations only.

    An agent a supervisor registers gets at least one of the supervisor's operations, or
    it would vanish from the supervisor's own lists at once. (Editing may release a shared
    agent to its other operations: see test_user_rules.)"""
    if actor is None or actor.is_admin:
        return
    problems: dict[str, list] = {}
    if role != Role.AGENT or (target is not None and target.role != Role.AGENT):
        problems.setdefault("role", []).append(errors.SUPERVISOR_MANAGES_AGENTS_ONLY)
    scope = set(operation_ids_for(actor) or [])
    if set(operation_ids) - scope:
        problems.setdefault("operations", []).append(OUT_OF_SCOPE_CHOICE)
    elif target is None and not set(operation_ids) & scope:
        problems.setdefault("operations", []).append(errors.SUPERVISOR_AGENT_NEEDS_OPERATION)
    if profile_id is not None and (target is None or target.profile_id != profile_id):
        problems.setdefault("profile", []).append(errors.PROFILE_ADMIN_ONLY)
    if problems:
        raise ValidationError(problems)


def user_validate_rules(
    *,
    actor: User | None,
    role: str,
    company_id,
    operation_ids: list[int],
    target: User | None = None,
    profile_id=None,
) -> None:
    """Every rule a user write must pass, for forms to show before saving."""
    user_check_actor(actor=actor, role=role, operation_ids=operation_ids, target=target, profile_id=profile_id)
    if target is not None:
        operation_ids = _merge_operations(actor=actor, target=target, chosen=operation_ids)
    _check_role_fields(role=role, company_id=company_id, operation_ids=operation_ids)


def _check_role_fields(*, role: str, company_id, operation_ids: list[int]) -> None:
    if role == Role.ADMIN and not company_id:
        raise ValidationError({"company": [errors.COMPANY_REQUIRED]})
    if role in (Role.SUPERVISOR, Role.SUPERVISOR_AGENT) and not operation_ids:
        raise ValidationError({"operations": [errors.OPERATIONS_REQUIRED]})


def _merge_operations(*, actor: User | None, target: User, chosen: list[int]) -> list[int]:
    """A supervisor edits only the operations they see; the target keeps the others."""
    scope = operation_ids_for(actor) if actor is not None else None
    if scope is None or target.pk is None:
        return chosen
    hidden = [pk for pk in target.operations.values_list("pk", flat=True) if pk not in scope]
    return sorted(set(chosen) | set(hidden))


@transaction.atomic
def user_create(
    *,
    username: str,
    password: str | None = None,
    operations: Iterable | None = None,
    actor: User | None = None,
    **fields,
) -> User:
    """Create a user after the password policy, role rules and the actor's rights."""
    operation_ids = [getattr(op, "pk", op) for op in (operations or [])]
    fields.setdefault("display_name", username)
    fields["work_hours"] = _check_work_hours(fields.get("work_hours") or [])
    _normalise_phone(fields)
    role = fields.get("role", Role.AGENT)
    company = fields.get("company")
    user_check_actor(actor=actor, role=role, operation_ids=operation_ids, profile_id=_pk(fields.get("profile")))
    _check_role_fields(role=role, company_id=_pk(company), operation_ids=operation_ids)
    user = User(username=username, **fields)
    if password:
        _check_password(password, user)
        user.set_password(password)
    else:
        user.set_unusable_password()
    user.full_clean(exclude=["password"])
    user.save()
    if operation_ids:
        user.operations.set(operation_ids)
    return user


@transaction.atomic
def user_update(*, user: User, actor: User | None = None, operations: Iterable | None = None, **fields) -> User:
    """Update fields (and operations when given) under the same rules as creation."""
    password = fields.pop("password", None)
    if not fields.get("voice_channel_password"):
        fields.pop("voice_channel_password", None)  # write-only: empty keeps the current one
    if "work_hours" in fields:
        fields["work_hours"] = _check_work_hours(fields["work_hours"])
    if fields.get("phone") != user.phone:
        _normalise_phone(fields)  # an unchanged legacy value does not block other edits
    role = fields.get("role", user.role)
    operation_ids = (
        [getattr(op, "pk", op) for op in operations]
        if operations is not None
        else list(user.operations.values_list("pk", flat=True))
    )
    profile_id = _pk(fields["profile"]) if "profile" in fields else None
    user_check_actor(
        actor=actor,
        role=role,
        operation_ids=operation_ids if operations is not None else [],
        target=user,
        profile_id=profile_id,
    )
    if operations is not None:
        operation_ids = _merge_operations(actor=actor, target=user, chosen=operation_ids)
    company_id = _pk(fields["company"]) if "company" in fields else user.company_id
    _check_role_fields(role=role, company_id=company_id, operation_ids=operation_ids)
    for name, value in fields.items():
        setattr(user, name, value)
    if password:
        _check_password(password, user)
        user.set_password(password)
    user.full_clean(exclude=["password"])
    user.save()
    if operations is not None:
        user.operations.set(operation_ids)
    return user


def _check_work_hours(value) -> list[dict]:
    try:
        return normalize_work_hours(value)
    except ValidationError as error:
        raise ValidationError({"work_hours": error.messages}) from None


def _normalise_phone(fields: dict) -> None:
    """Users' phones are Brazilian numbers stored as E.164, like customers' (SPEC §6.1)."""
    if fields.get("phone"):
        try:
            fields["phone"] = normalize_phone(fields["phone"])
        except ValidationError as error:
            raise ValidationError({"phone": error.messages}) from None


def _check_password(password: str, user: User) -> None:
    try:
        validate_password(password, user)
    except ValidationError as error:
        raise ValidationError({"password": error.messages}) from None


def _pk(value):
    return getattr(value, "pk", value)


@transaction.atomic
def user_set_password(*, user: User, password: str, must_change: bool = False) -> User:
    """Set a new password (policy enforced); ``must_change`` asks for another at next login."""
    validate_password(password, user)
    user.set_password(password)
    user.must_change_password = must_change
    user.save(update_fields=["password", "must_change_password"])
    return user


def user_sessions_end(*, user: User) -> int:
    """End every login of ``user`` (SPEC §9.1 "Encerrar sessão"): their browser sessions and
    their API tokens stop working until they log in again. Sessions are stored in the
    database (``django.contrib.sessions``); each unexpired one is read to find its user.
    Returns how many sessions and tokens ended."""
    ended = [
        session.pk
        for session in Session.objects.filter(expire_date__gt=timezone.now()).iterator()
        if str(session.get_decoded().get("_auth_user_id")) == str(user.pk)
    ]
    Session.objects.filter(pk__in=ended).delete()
    tokens, _by_model = AuthToken.objects.filter(user=user).delete()
    return len(ended) + tokens
