"""Files leave storage after the commit that let go of them, crash-safely (SPEC §17).

``file_removals_add`` writes, in the caller's transaction, the names of the files that
are no longer referenced; ``files_remove_pending`` (after the commit, and at the start
of every later anonymisation and retention run) deletes them and marks the rows done. A
process killed between the commit and the deletion leaves pending rows: the next run
finds and deletes their files. Deleting a file that is already gone is not an error, so
a file removed twice is harmless.

A name is a storage name (``messages/2026/03/<hex>.jpg``), or ``local:<path under
MEDIA_ROOT>`` for a working file an import keeps on the local disk."""

from __future__ import annotations

import logging
from collections.abc import Iterable
from pathlib import Path

from django.conf import settings
from django.core.files.storage import default_storage
from django.utils import timezone

from .models import FileRemoval

logger = logging.getLogger(__name__)

LOCAL = "local:"


def local_name(path: Path) -> str:
    return LOCAL + str(Path(path).resolve().relative_to(Path(settings.MEDIA_ROOT).resolve()))


def file_removals_add(names: Iterable[str]) -> int:
    """Record files to delete after the commit (in the caller's transaction)."""
    now = timezone.now()
    rows = [FileRemoval(name=name, created_at=now) for name in dict.fromkeys(names) if name]
    FileRemoval.objects.bulk_create(rows, batch_size=1000)
    return len(rows)


def _remove(name: str) -> None:
    if name.startswith(LOCAL):
        root = Path(settings.MEDIA_ROOT).resolve()
        path = (root / name[len(LOCAL) :]).resolve()
        if root in path.parents:  # never outside the media root, whatever the row says
            path.unlink(missing_ok=True)
            if path.parent != root and path.parent.exists() and not any(path.parent.iterdir()):
                path.parent.rmdir()
        return
    default_storage.delete(name)


def files_remove_pending(*, batch_size: int = 500) -> int:
    """Delete the files of every pending row, oldest first; return how many were removed.
    A file that cannot be deleted now (storage down) stays pending for the next run."""
    removed = 0
    last = 0
    while True:
        batch = list(FileRemoval.objects.filter(done_at__isnull=True, pk__gt=last).order_by("pk")[:batch_size])
        if not batch:
            return removed
        for row in batch:
            last = row.pk
            try:
                _remove(row.name)
            except Exception:  # noqa: BLE001 - storage errors vary by backend; retried next run
                logger.exception("could not remove a stored file (removal #%s): retried next run", row.pk)
                continue
            # Claimed by a conditional update: two runs at once mark it once.
            removed += FileRemoval.objects.filter(pk=row.pk, done_at__isnull=True).update(
                done_at=timezone.now(), name=""
            )
