"""Real mail servers for the e-mail channel's tests (SPEC §16: never mocks of ``imaplib``
or ``smtplib``): Debian's dovecot as the IMAP server, started with its own temporary
configuration (``make test`` installs ``dovecot-imapd`` when missing), and aiosmtpd as the
SMTP server, keeping what it receives. Both listen on 127.0.0.1 on free ports."""

from __future__ import annotations

import email
import email.policy
import imaplib
import os
import pwd
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from pathlib import Path

DOVECOT = shutil.which("dovecot") or "/usr/sbin/dovecot"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for_port(port: int, what: str, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return
        except OSError:
            time.sleep(0.05)
    raise RuntimeError(f"{what} did not listen on 127.0.0.1:{port} within {timeout:.0f} s")


class Dovecot:
    """One dovecot with one folder per user (Maildir), plaintext login on loopback."""

    def __init__(self, users: dict[str, str] | None = None):
        self.users = users or {"atende": "senha-imap"}
        self.dir = Path(tempfile.mkdtemp(prefix="atende-dovecot-"))
        self.port = free_port()
        self.process: subprocess.Popen | None = None

    @staticmethod
    def available() -> bool:
        return os.path.exists(DOVECOT)

    def start(self) -> Dovecot:
        root = os.getuid() == 0
        # As root, dovecot's own unprivileged accounts (made by the Debian package) run the
        # logins and the mail is owned by "nobody"; as anyone else, everything is theirs.
        owner = pwd.getpwnam("nobody") if root else pwd.getpwuid(os.getuid())
        login_user = "dovenull" if root else owner.pw_name
        internal_user = "dovecot" if root else owner.pw_name
        for sub in ("run", "mail", "home"):
            (self.dir / sub).mkdir()
        (self.dir / "users").write_text("".join(f"{user}:{{PLAIN}}{password}::::::\n"
                                                for user, password in self.users.items()))  # fmt: skip
        config = f"""
base_dir = {self.dir}/run
state_dir = {self.dir}/run
log_path = {self.dir}/dovecot.log
protocols = imap
listen = 127.0.0.1
ssl = no
disable_plaintext_auth = no
auth_mechanisms = plain login
first_valid_uid = 0
default_login_user = {login_user}
default_internal_user = {internal_user}
mail_location = maildir:{self.dir}/mail/%u
passdb {{
  driver = passwd-file
  args = scheme=PLAIN username_format=%u {self.dir}/users
}}
userdb {{
  driver = static
  args = uid={owner.pw_uid} gid={owner.pw_gid} home={self.dir}/home/%u
}}
service imap-login {{
  inet_listener imap {{
    address = 127.0.0.1
    port = {self.port}
  }}
  inet_listener imaps {{
    port = 0
  }}
}}
service anvil {{
  chroot =
}}
service imap-login {{
  chroot =
}}
"""
        (self.dir / "dovecot.conf").write_text(config)
        if root:
            for sub in ("mail", "home"):
                os.chown(self.dir / sub, owner.pw_uid, owner.pw_gid)
            os.chmod(self.dir, 0o755)  # noqa: S103 - dovecot's unprivileged processes read its config
        self.process = subprocess.Popen([DOVECOT, "-F", "-c", str(self.dir / "dovecot.conf")],
                                        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                                        start_new_session=True)  # fmt: skip
        try:
            wait_for_port(self.port, "dovecot")
        except RuntimeError:
            self.stop()
            raise RuntimeError(f"dovecot did not start: {self.log()}") from None
        return self

    def log(self) -> str:
        path = self.dir / "dovecot.log"
        return path.read_text(errors="replace")[-3000:] if path.exists() else ""

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait()
        shutil.rmtree(self.dir, ignore_errors=True)

    def client(self, user: str = "atende") -> imaplib.IMAP4:
        conn = imaplib.IMAP4("127.0.0.1", self.port, timeout=30)
        conn.login(user, self.users[user])
        return conn

    def deliver(self, *raw_mails: bytes, user: str = "atende", folder: str = "INBOX") -> None:
        """Put mails in the folder as a delivery agent would (IMAP APPEND)."""
        conn = self.client(user)
        try:
            for raw in raw_mails:
                status, data = conn.append(folder, None, None, raw)
                if status != "OK":
                    raise RuntimeError(f"APPEND failed: {data}")
        finally:
            conn.logout()

    def seen(self, user: str = "atende", folder: str = "INBOX") -> tuple[int, int]:
        """(mails flagged \\Seen, all mails) in the folder."""
        conn = self.client(user)
        try:
            conn.select(folder, readonly=True)
            seen = conn.search(None, "SEEN")[1][0].split()
            every = conn.search(None, "ALL")[1][0].split()
            return len(seen), len(every)
        finally:
            conn.logout()


class SMTPServer:
    """aiosmtpd in a thread, keeping every message it accepts; ``refuse`` makes it answer
    RCPT or DATA with the given code and text (e.g. ``(550, "5.1.1 No such user")``)."""

    def __init__(self):
        from aiosmtpd.controller import Controller  # noqa: PLC0415 - a test-only dependency

        self.messages: list[email.message.EmailMessage] = []
        self.envelopes: list[tuple[str, list[str]]] = []
        self.refuse_rcpt: tuple[int, str] | None = None
        self.refuse_data: tuple[int, str] | None = None
        server = self

        class Handler:
            async def handle_RCPT(self, srv, session, envelope, address, rcpt_options):  # noqa: N802
                if server.refuse_rcpt:
                    code, text = server.refuse_rcpt
                    return f"{code} {text}"
                envelope.rcpt_tos.append(address)
                return "250 OK"

            async def handle_DATA(self, srv, session, envelope):  # noqa: N802
                if server.refuse_data:
                    code, text = server.refuse_data
                    return f"{code} {text}"
                server.envelopes.append((envelope.mail_from, list(envelope.rcpt_tos)))
                server.messages.append(email.message_from_bytes(envelope.content, policy=email.policy.default))
                return f"250 2.0.0 Ok: queued as ATENDE{len(server.messages)}"

        self.port = free_port()
        self.controller = Controller(Handler(), hostname="127.0.0.1", port=self.port, data_size_limit=60 * 1024 * 1024)

    def start(self) -> SMTPServer:
        self.controller.start()
        return self

    def stop(self) -> None:
        self.controller.stop()
