"""One shape for the API's errors (issue 24): per-field messages, or ``detail`` for what is
no field's — whoever raised it — and a domain error's stable ``code``."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError as DjangoValidationError
from rest_framework import serializers
from rest_framework.exceptions import ValidationError

from core.api import exception_handler
from core.errors import DomainError


def _all_subclasses(cls):
    for sub in cls.__subclasses__():
        yield sub
        yield from _all_subclasses(sub)


def test_a_service_s_error_of_no_field_answers_detail():
    response = exception_handler(DjangoValidationError("Regra quebrada."), {})
    assert (response.status_code, response.data) == (400, {"detail": ["Regra quebrada."]})


def test_a_service_s_field_error_answers_that_field():
    response = exception_handler(DjangoValidationError({"group": ["Grupo inativo."]}), {})
    assert (response.status_code, response.data) == (400, {"group": ["Grupo inativo."]})


def test_a_serializer_s_own_validation_answers_detail_too():
    class Pair(serializers.Serializer):
        a = serializers.IntegerField()

        def validate(self, data):
            raise serializers.ValidationError("Os dois juntos não.")

    serializer = Pair(data={"a": 1})
    with pytest.raises(ValidationError) as raised:
        serializer.is_valid(raise_exception=True)
    assert exception_handler(raised.value, {}).data == {"detail": ["Os dois juntos não."]}


def test_a_domain_error_answers_its_status_detail_and_stable_code():
    from attendance.errors import NotYourAttendanceError

    response = exception_handler(NotYourAttendanceError(), {})
    assert response.status_code == 403
    assert response.data == {"detail": str(NotYourAttendanceError()), "code": "not_your_attendance"}


def test_every_domain_error_has_its_own_code():
    import attendance.errors  # noqa: F401 - registers the engine's domain errors

    codes = [cls.code for cls in _all_subclasses(DomainError) if cls.message]
    assert codes and len(codes) == len(set(codes)), codes
