"""A throwaway dovecot IMAP server for the tests: temporary config, one user, one Maildir."""

from __future__ import annotations

import mailbox
import os
import pwd
import shutil
import socket
import subprocess
import time
from email.message import EmailMessage
from pathlib import Path

USER, PASSWORD = "coordinator", "not-a-real-secret"
# Debian installs daemons in /usr/sbin, which a minimal PATH (as .ci/run uses) leaves out.
DOVECOT = shutil.which("dovecot") or shutil.which("dovecot", path="/usr/sbin:/sbin") or ""


def missing_reason() -> str | None:
    if not DOVECOT:
        return "dovecot is not installed: apt-get install dovecot-imapd"
    if os.geteuid() != 0:
        return "the dovecot fixture needs root (mail owned by the dovecot user)"
    try:
        pwd.getpwnam("dovecot")
    except KeyError:
        return "the dovecot system user is missing"
    return None


class Dovecot:
    def __init__(self, folder: Path):
        self.folder = folder
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            self.port = int(s.getsockname()[1])
        self.maildir = folder / "mail" / USER / "Maildir"
        self.conf = folder / "dovecot.conf"

    def start(self) -> None:
        f = self.folder
        for sub in ("run", "state", "mail"):
            (f / sub).mkdir(parents=True, exist_ok=True)
        self.maildir.parent.mkdir(parents=True, exist_ok=True)
        mailbox.Maildir(self.maildir, create=True)
        (f / "users").write_text(f"{USER}:{{PLAIN}}{PASSWORD}\n")
        self.conf.write_text(f"""
protocols = imap
listen = 127.0.0.1
base_dir = {f}/run
state_dir = {f}/state
instance_name = rai-test-{self.port}
log_path = {f}/dovecot.log
ssl = no
disable_plaintext_auth = no
auth_mechanisms = plain login
mail_location = maildir:{f}/mail/%u/Maildir
default_login_user = dovenull
default_internal_user = dovecot
default_internal_group = dovecot
first_valid_uid = 1
service imap-login {{
  inet_listener imap {{
    address = 127.0.0.1
    port = {self.port}
  }}
  inet_listener imaps {{
    port = 0
  }}
}}
service stats {{
  unix_listener stats-reader {{
    mode = 0666
  }}
  unix_listener stats-writer {{
    mode = 0666
  }}
}}
passdb {{
  driver = passwd-file
  args = scheme=PLAIN username_format=%u {f}/users
}}
userdb {{
  driver = static
  args = uid=dovecot gid=dovecot home={f}/mail/%u
}}
""")
        for p in (f, f.parent):
            p.chmod(0o755)
        self._own()
        subprocess.run([DOVECOT, "-c", str(self.conf)], check=True)
        deadline = time.time() + 20
        while time.time() < deadline:
            with socket.socket() as s:
                if s.connect_ex(("127.0.0.1", self.port)) == 0:
                    return
            time.sleep(0.1)
        raise RuntimeError(f"dovecot did not start: {(f / 'dovecot.log').read_text()}")

    def _own(self) -> None:
        subprocess.run(["chown", "-R", "dovecot:dovecot", str(self.folder / "mail")], check=True)

    def deliver(self, messages: list[EmailMessage]) -> None:
        box = mailbox.Maildir(self.maildir, create=False)
        for m in messages:
            box.add(m)
        self._own()

    def stop(self) -> None:
        subprocess.run([DOVECOT, "-c", str(self.conf), "stop"], capture_output=True)
