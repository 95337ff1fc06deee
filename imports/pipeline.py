"""Validating the next chunk while the previous one is written (SPEC §12 P4).

An import job alternates between Python work (reading and validating rows) and waiting
for PostgreSQL (the duplicate lookup, ``COPY`` with its index maintenance, the commit).
``ChunkPipeline`` overlaps the two: the calling thread validates chunk N+1 while a writer
thread, with its own database connection, commits chunk N. Threads suffice because the
writer mostly waits on the server (psycopg releases the GIL while it waits), and on a
machine with two cores the server's work then runs beside the validation.

The writer makes about ten round trips per chunk, and after each one it must win the GIL
back from the validating thread, which Python hands over only every "switch interval"
(5 ms by default): up to 50 ms lost per chunk, seconds per 100,000 rows. While a
pipeline runs, the interval is lowered to ``SWITCH_INTERVAL`` (a thread that waits for
nothing costs nothing more), and restored afterwards.

What stays as without it (see ``runner``): chunks are committed one at a time and in
order, each in one transaction with its error rows, the counters and the ``processed``
checkpoint, so a worker killed at any point resumes from the last committed chunk —
nothing imported twice, nothing lost. Only validation, which writes nothing, runs ahead,
at most ``AHEAD`` chunks. An error in either thread stops both and is raised to the
caller once the writer has finished the chunk it was committing.
"""

from __future__ import annotations

import queue
import sys
import threading
from collections.abc import Callable
from typing import Any

from django.db import connections

AHEAD = 2  # validated chunks waiting for the writer: bounded memory, enough to keep it busy
SWITCH_INTERVAL = 0.0005  # seconds
_DONE = object()


class ChunkPipeline:
    """``submit(rows)`` validates ``rows`` with ``validate`` and has ``commit(validated,
    len(rows))`` called on them in order; ``close()`` waits for the last commit.

    With ``overlap`` false (not PostgreSQL, or inside a caller's transaction, where a second
    connection would not see the caller's rows) everything runs in the calling thread."""

    def __init__(self, *, validate: Callable[[list], Any], commit: Callable[[Any, int], None], overlap: bool):
        self.validate = validate
        self.commit = commit
        self.error: BaseException | None = None
        self.writer = None
        if overlap:
            self.queue: queue.Queue = queue.Queue(maxsize=AHEAD)
            self.writer = threading.Thread(target=self._write, name="import-writer", daemon=True)
            self.interval = sys.getswitchinterval()
            sys.setswitchinterval(min(self.interval, SWITCH_INTERVAL))
            self.writer.start()

    def submit(self, rows: list) -> None:
        validated = self.validate(rows)
        if self.writer is None:
            self.commit(validated, len(rows))
            return
        self._raise_writer_error()
        self.queue.put((validated, len(rows)))

    def close(self) -> None:
        """Wait for the writer to commit what was submitted; raise its error, if any."""
        self._stop()
        self._raise_writer_error()

    def abandon(self) -> None:
        """The caller failed: let the writer finish its current chunk and stop, dropping
        the validated chunks not yet written (their rows are redone on resume)."""
        if self.writer is not None:
            self.error = self.error or _Abandoned()
        self._stop()

    def __enter__(self) -> ChunkPipeline:
        return self

    def __exit__(self, kind, error, traceback) -> None:
        if kind is None:
            self.close()
        else:
            self.abandon()

    def _stop(self) -> None:
        if self.writer is not None:
            self.queue.put(_DONE)
            self.writer.join()
            self.writer = None
            sys.setswitchinterval(self.interval)

    def _raise_writer_error(self) -> None:
        if self.error is not None and not isinstance(self.error, _Abandoned):
            raise self.error

    def _write(self) -> None:
        try:
            while (item := self.queue.get()) is not _DONE:
                if self.error is None:  # after an error, drain so that submit never blocks
                    try:
                        self.commit(*item)
                    except BaseException as error:  # noqa: BLE001 - handed to the caller
                        self.error = error
        finally:
            connections.close_all()  # this thread's own connection


class _Abandoned(Exception):
    pass
