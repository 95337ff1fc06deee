"""The CPF/CNPJ check digits of customers/documents.py must agree with ``validate_docbr``
on every input: valid numbers, each one with a wrong check digit, repeated digits, random
digits, wrong lengths, non-ASCII digits."""

from __future__ import annotations

import random

from validate_docbr import CNPJ, CPF

from customers.documents import cnpj_valid, cpf_valid


def _inputs(rng: random.Random, generate, length: int) -> list[str]:
    values = [str(digit) * length for digit in range(10)]  # repeated digits
    for _ in range(3000):
        valid = generate()
        values.append(valid)
        position = rng.randrange(length)
        values.append(valid[:position] + str((int(valid[position]) + rng.randint(1, 9)) % 10) + valid[position + 1 :])
        values.append("".join(rng.choices("0123456789", k=length)))
        values.append("".join(rng.choices("0123456789", k=rng.choice([length - 1, length + 1, 8, 0]))))
    values += ["٥٢٩٩٨٢٢٤٧٢٥", "5299822472٥", "11222333000181"[:13] + "١", "", "abc", "529.982.247-25"]
    return values


def test_the_cpf_check_agrees_with_validate_docbr():
    rng = random.Random(11)
    reference = CPF()
    values = _inputs(rng, reference.generate, 11)
    assert sum(cpf_valid(value) for value in values) >= 3000
    assert [value for value in values if cpf_valid(value) != reference.validate(value)] == []


def test_the_cnpj_check_agrees_with_validate_docbr():
    rng = random.Random(14)
    reference = CNPJ()
    values = _inputs(rng, reference.generate, 14)
    assert sum(cnpj_valid(value) for value in values) >= 3000
    assert [value for value in values if cnpj_valid(value) != reference.validate(value)] == []
