"""A real IMAP server for tests: Dovecot from Debian (package
dovecot-imapd), started on a free loopback port with its own
configuration, users and maildirs under a temporary directory, and stopped
after the test. Mail is put in with IMAP APPEND, as a mail server's delivery
would leave it."""

from __future__ import annotations

import os
import pwd
import shutil
import signal
import subprocess
import tempfile
import time
from pathlib import Path

import pytest
from imapclient import IMAPClient

from tests.smtp import free_port

CONFIG = """\
base_dir = {root}/run
state_dir = {root}/state
log_path = {root}/dovecot.log
protocols = imap
listen = 127.0.0.1
ssl = no
disable_plaintext_auth = no
auth_mechanisms = plain login
first_valid_uid = 1
first_valid_gid = 1
mail_location = maildir:{root}/mail/%u
{ownership}
passdb {{
  driver = passwd-file
  args = scheme=PLAIN username_format=%u {root}/users
}}
userdb {{
  driver = static
  args = uid={uid} gid={gid} home={root}/mail/%u
}}
service imap-login {{
  chroot =
  inet_listener imap {{
    address = 127.0.0.1
    port = {port}
  }}
  inet_listener imaps {{
    port = 0
  }}
}}
service anvil {{
  chroot =
}}
"""


def dovecot_binary() -> str:
    found = shutil.which("dovecot") or ("/usr/sbin/dovecot" if os.path.exists("/usr/sbin/dovecot") else None)
    if found is None:
        pytest.fail("Dovecot is missing: install the Debian package dovecot-imapd (make test does, as root).")
    return found


class IMAPServer:
    """`with IMAPServer(users={"bounces": "secret"}) as imap:` then
    `imap.append("bounces", raw)`, `imap.flags("bounces")`."""

    def __init__(self, users: dict[str, str]):
        self.users = users
        self.port = free_port()
        self.root = Path(tempfile.mkdtemp(prefix="steward-dovecot-"))

    def __enter__(self) -> IMAPServer:
        if os.getuid() == 0:  # as root, mail is kept by Dovecot's own system user
            owner = pwd.getpwnam("dovecot")
            uid, gid, ownership = owner.pw_uid, owner.pw_gid, ""
        else:
            uid, gid = os.getuid(), os.getgid()
            me = pwd.getpwuid(uid).pw_name
            ownership = f"default_internal_user = {me}\ndefault_login_user = {me}\n"
        self.root.chmod(0o755)  # Dovecot's own processes read the users file (test passwords only)
        for sub in ("run", "state", "mail"):
            (self.root / sub).mkdir()
        os.chown(self.root / "mail", uid, gid)
        (self.root / "users").write_text("".join(f"{u}:{{PLAIN}}{p}\n" for u, p in self.users.items()))
        config = self.root / "dovecot.conf"
        config.write_text(CONFIG.format(root=self.root, port=self.port, uid=uid, gid=gid, ownership=ownership))
        self.process = subprocess.Popen([dovecot_binary(), "-F", "-c", str(config)], stdout=subprocess.DEVNULL,
                                        stderr=subprocess.STDOUT)
        deadline = time.monotonic() + 20
        while True:
            try:
                with IMAPClient("127.0.0.1", port=self.port, ssl=False, timeout=2):
                    break
            except OSError:
                if self.process.poll() is not None or time.monotonic() > deadline:
                    self.__exit__()
                    pytest.fail("Dovecot did not start:\n" + self.log())
                time.sleep(0.1)
        return self

    def __exit__(self, *exc) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        shutil.rmtree(self.root, ignore_errors=True)

    def log(self) -> str:
        path = self.root / "dovecot.log"
        return path.read_text() if path.exists() else "(no log)"

    def client(self, user: str) -> IMAPClient:
        client = IMAPClient("127.0.0.1", port=self.port, ssl=False, timeout=10)
        client.login(user, self.users[user])
        return client

    def append(self, user: str, raw: bytes, folder: str = "INBOX") -> None:
        with self.client(user) as client:
            if not client.folder_exists(folder):
                client.create_folder(folder)
            client.append(folder, raw)

    def empty(self, user: str) -> IMAPServer:
        """Delete every message of `user`'s INBOX (a module-scoped server, a clean box per test)."""
        with self.client(user) as client:
            client.select_folder("INBOX")
            if found := client.search("ALL"):
                client.delete_messages(found)
                client.expunge()
        return self

    def mailbox(self, kind: str, user: str, name: str, **values):
        """A Steward mailbox row (app.models.Mailbox, not committed) that reads `user`'s INBOX here."""
        from app.models import Mailbox

        values = {"folder": "INBOX", "after": "seen", "move_to": "", **values}
        return Mailbox(name=name, kind=kind, host="127.0.0.1", port=self.port, security="none", username=user,
                       password=self.users.get(user, "wrong"), last_uid=0, **values)

    def flags(self, user: str, folder: str = "INBOX") -> list[tuple[bytes, ...]]:
        """The flags of each message left in `folder`, oldest first."""
        with self.client(user) as client:
            client.select_folder(folder, readonly=True)
            uids = client.search("ALL")
            found = client.fetch(uids, ["FLAGS"]) if uids else {}
            return [tuple(data[b"FLAGS"]) for _, data in sorted(found.items())]
