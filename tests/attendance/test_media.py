"""SPEC §7 "Media": the type comes from the content, limits per kind, stored through
Django's storage with a random name."""

from __future__ import annotations

import pytest
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile

from attendance.media import MediaRejected, media_store
from tests.media_samples import EXE, PDF, PNG, wav


def _message(error: MediaRejected) -> str:
    return error.message_dict["file"][0]


def test_an_image_is_sniffed_and_stored_under_a_random_name(media_root):
    stored = media_store(content=PNG, filename="../../etc/foto do cliente.png")
    assert (stored.kind, stored.mime, stored.size) == ("image", "image/png", len(PNG))
    assert stored.original_name == "foto_do_cliente.png"
    assert stored.name.startswith("messages/") and stored.name.endswith(".png")
    assert "foto" not in stored.name
    with default_storage.open(stored.name) as file:
        assert file.read() == PNG
    assert (media_root / stored.name).exists()


def test_the_name_does_not_decide_the_type():
    stored = media_store(content=PDF, filename="imagem.jpg")
    assert (stored.kind, stored.mime) == ("document", "application/pdf")


def test_an_uploaded_file_works_like_bytes():
    stored = media_store(content=SimpleUploadedFile("audio.wav", wav()), filename="audio.wav", kind="audio")
    assert stored.kind == "audio" and stored.mime in {"audio/x-wav", "audio/wav"}


def test_a_pdf_sent_as_an_image_is_refused_in_portuguese():
    with pytest.raises(MediaRejected) as error:
        media_store(content=PDF, filename="x.png", kind="image")
    assert _message(error.value) == "O arquivo não é uma imagem: seu conteúdo é application/pdf."


def test_anything_accepted_may_go_as_a_document():
    assert media_store(content=PNG, filename="x.png", kind="document").kind == "document"


def test_plain_text_is_a_document_and_an_executable_is_refused():
    assert media_store(content="Olá, ação!\n".encode(), filename="nota.txt").mime == "text/plain"
    with pytest.raises(MediaRejected) as error:
        media_store(content=EXE, filename="nota.pdf")
    assert "Este tipo de arquivo não é aceito" in _message(error.value)


def test_each_kind_has_its_size_limit(settings):
    settings.MEDIA_MAX_BYTES = {**settings.MEDIA_MAX_BYTES, "image": 50}
    with pytest.raises(MediaRejected) as error:
        media_store(content=PNG, filename="x.png")
    assert _message(error.value) == "O arquivo é grande demais para uma imagem: no máximo 50 bytes."
    assert media_store(content=PNG, filename="x.pdf", kind="document").kind == "document"


def test_an_empty_file_is_refused():
    with pytest.raises(MediaRejected) as error:
        media_store(content=b"", filename="x.txt")
    assert _message(error.value) == "O arquivo está vazio."
