"""The embedded Celery broker of `make run` (no ``REDIS_URL``): messages in a SQLite file.

Kombu's SQLAlchemy transport, with three changes that make it fit a broker that must serve
for days (SPEC §11):

- **Every write is a SQLite transaction**, so a consumer can never read a message that is
  still being written (the filesystem transport could: kombu issue 1551).
- **An acknowledged message is deleted** (kombu keeps it forever with ``visible=0``), so
  the file does not grow with every task; what stays invisible is exactly what was handed
  to a worker and not yet acknowledged. A worker that starts on the embedded broker makes
  those visible again (``redeliver_unacknowledged``, called from ``config/celery.py``): the
  tasks of a worker killed with SIGKILL run again, as ``acks_late`` promises on Redis.
  That assumes one worker on the file, which is what `make run` runs (SQLite has no row
  locks: one worker process anyway).
- **Thread-safe channels**: with the prefork pool, acknowledgements come from the
  pool's result thread while the consumer polls in the main thread, and both now write;
  a channel's session is used under a lock.
- **Fork-safe engines**: kombu caches one SQLAlchemy engine per URL in the class; a
  prefork pool child would reuse the parent's SQLite connections, which SQLite forbids.
  Engines are kept per process here. The file is in WAL mode with a busy timeout, so the
  web server, the beat, the worker and ``simulate`` publish while the worker reads.
"""

from __future__ import annotations

import logging
import os
import threading
import time
from json import dumps, loads
from queue import Empty

from kombu.transport import sqlalchemy as kombu_sqla
from kombu.utils.encoding import bytes_to_str
from sqlalchemy import create_engine, delete, event, text, update
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import sessionmaker

logger = logging.getLogger(__name__)

BUSY_TIMEOUT_SECONDS = 30
_ENGINES: dict[tuple[int, str], tuple] = {}
_LOCK = threading.RLock()


def _sqlite_pragmas(dbapi_connection, _record) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")  # readers never wait for the writer
    cursor.execute("PRAGMA synchronous=NORMAL")  # durable across a process crash (not a power cut): dev broker
    cursor.close()


def _declare_models() -> None:
    """Kombu declares its two tables when a channel first needs them; the functions below
    may run before any channel exists."""
    if "Message" not in kombu_sqla.class_registry:
        Channel._declarative_cls(None, "Queue", kombu_sqla.QueueBase, {"__tablename__": "kombu_queue"})
        Channel._declarative_cls(None, "Message", kombu_sqla.MessageBase, {"__tablename__": "kombu_message"})


def _engine(url: str):
    """This process's engine and session factory for ``url`` (tables created once)."""
    key = (os.getpid(), url)
    with _LOCK:
        if key not in _ENGINES:
            _declare_models()
            engine = create_engine(url, connect_args={"timeout": BUSY_TIMEOUT_SECONDS})
            event.listen(engine, "connect", _sqlite_pragmas)
            for attempt in range(5):
                try:
                    kombu_sqla.metadata.create_all(engine)
                    break
                except OperationalError:  # another process created the tables at the same moment
                    if attempt == 4:
                        raise
                    time.sleep(0.2)
            _ENGINES[key] = engine, sessionmaker(bind=engine)
        return _ENGINES[key]


class Channel(kombu_sqla.Channel):
    """Kombu's SQLAlchemy channel with deletion on acknowledgement (see the module)."""

    def __init__(self, connection, **kwargs):
        self._rows: dict[str, int] = {}  # delivery tag -> row id of the messages this channel handed out
        self._session_pid = None
        self._db_lock = threading.RLock()  # one session, used by the consumer and the result thread
        super().__init__(connection, **kwargs)

    def _open(self):
        return _engine(self.connection.client.hostname)

    @property
    def session(self):
        if self._session is None or self._session_pid != os.getpid():
            self._session = self._open()[1]()
            self._session_pid = os.getpid()
            self._rows = {}
        return self._session

    def _put(self, queue, payload, **kwargs):
        with self._db_lock:
            obj = self._get_or_create(queue)
            self.session.add(self.message_cls(dumps(payload), obj))
            try:
                self.session.commit()
            except OperationalError:
                self.session.rollback()
                raise

    def _size(self, queue):
        with self._db_lock:
            return super()._size(queue)

    def _purge(self, queue):
        with self._db_lock:
            return super()._purge(queue)

    def _get(self, queue):
        with self._db_lock:
            return self._get_locked(queue)

    def _get_locked(self, queue):
        # kombu's _get, remembering which row carried the message, and rolling back on error
        # so that the session stays usable when the worker reconnects.
        obj = self._get_or_create(queue)
        try:
            self.session.execute(text("BEGIN IMMEDIATE TRANSACTION"))
            msg = (
                self.session.query(self.message_cls)
                .filter(self.message_cls.queue_id == obj.id)
                .filter(self.message_cls.visible != False)  # noqa: E712 - SQL, not Python
                .order_by(self.message_cls.sent_at, self.message_cls.id)
                .limit(1)
                .first()
            )
            if msg is None:
                self.session.commit()
                raise Empty()
            msg.visible = False
            payload = loads(bytes_to_str(msg.payload))
            self.session.commit()
        except Empty:
            raise
        except BaseException:
            self.session.rollback()
            raise
        tag = payload.get("properties", {}).get("delivery_tag")
        if tag is not None:
            self._rows[tag] = msg.id
        return payload

    def basic_ack(self, delivery_tag, multiple=False):
        super().basic_ack(delivery_tag, multiple=multiple)
        self._delete(delivery_tag)

    def basic_reject(self, delivery_tag, requeue=False):
        super().basic_reject(delivery_tag, requeue=requeue)  # a requeue went through _restore
        self._delete(delivery_tag)

    def _restore(self, message):
        """Redeliver (reject with requeue, worker shutdown): the same row becomes visible
        again, keeping its place; a message this channel never read is put anew."""
        with self._db_lock:
            row = self._rows.pop(message.delivery_tag, None)
        if row is None:
            return super()._restore(message)
        self._write(update(self.message_cls).where(self.message_cls.id == row).values(visible=True))

    def _delete(self, delivery_tag) -> None:
        with self._db_lock:
            row = self._rows.pop(delivery_tag, None)
        if row is not None:
            self._write(delete(self.message_cls).where(self.message_cls.id == row))

    def _write(self, statement) -> None:
        with self._db_lock:
            try:
                self.session.execute(statement)
                self.session.commit()
            except OperationalError as error:
                # Left invisible, the message runs again when a worker next starts (tasks are
                # safe to run twice); failing the worker here would stop every other task.
                self.session.rollback()
                logger.warning("embedded broker: could not settle a message: %s", error)


class Transport(kombu_sqla.Transport):
    Channel = Channel
    # Worker remote control, events and gossip need fanout, which this transport lacks.
    implements = kombu_sqla.Transport.implements.extend(exchange_type=frozenset(["direct", "topic"]))


def redeliver_unacknowledged(url: str) -> int:
    """Makes visible again every message handed to a worker and never acknowledged (the
    worker died). Call only when no other worker consumes the file."""
    engine, _ = _engine(url)
    with engine.begin() as connection:
        return connection.execute(text("UPDATE kombu_message SET visible = 1 WHERE visible = 0")).rowcount


def waiting_messages(url: str) -> int:
    """Messages published and not yet handed to a worker (``/health/``)."""
    engine, _ = _engine(url)
    with engine.connect() as connection:
        return connection.execute(text("SELECT count(*) FROM kombu_message WHERE visible = 1")).scalar_one()
