"""Email in and out: compose from editable templates, send through SMTP, read replies.

Outgoing messages are built from `source_content/email/<name>[.<lang>].txt` (a `Subject:` line,
a blank line, the body; `$placeholders` filled with string.Template), with headers that every
client shows as written (headers.py). Incoming replies come from folders, .eml files, mbox
files, Maildir folders or an IMAP mailbox (read-only); their spreadsheet attachments are
extracted with sanitised names and size limits, nested forwarded messages and zip files
(what units are asked to send when a workbook arrived damaged) included.
"""

from __future__ import annotations

import contextlib
import email
import email.policy
import imaplib
import io
import mailbox
import smtplib
import ssl
import string
import zipfile
import zlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.headerregistry import Address
from email.message import EmailMessage, Message
from email.utils import format_datetime, getaddresses, make_msgid, parsedate_to_datetime
from pathlib import Path

from ..content.load import default_content_dir
from ..files import safe_filename
from ..returns.preflight import SPREADSHEET_SUFFIXES
from .headers import POLICY

MAX_ATTACHMENT_BYTES = 25 * 1024 * 1024
MAX_MESSAGE_BYTES = 60 * 1024 * 1024
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
SPREADSHEET_TYPES = {
    XLSX_TYPE,
    "application/vnd.ms-excel",
    "application/vnd.ms-excel.sheet.macroenabled.12",
    "application/vnd.oasis.opendocument.spreadsheet",
}
ZIP_TYPES = {"application/zip", "application/x-zip-compressed", "application/x-zip"}
MAX_ZIP_MEMBERS = 20


class MailError(Exception):
    """Mail cannot be composed, sent or read as asked."""


# Outgoing ----------------------------------------------------------------------------------
def template_dir(content_dir: Path | None = None) -> Path:
    return (content_dir or default_content_dir()) / "email"


def load_template(
    name: str, lang: str, content_dir: Path | None = None, head: str = "Subject"
) -> tuple[str, str]:
    """(the first line's value, the body) of a template: `<head>: ...`, a blank line, a body."""
    folder = template_dir(content_dir)
    for candidate in (folder / f"{name}.{lang}.txt", folder / f"{name}.txt"):
        if candidate.exists():
            text = candidate.read_text(encoding="utf-8")
            first, _, body = text.partition("\n\n")
            if not first.lower().startswith(head.lower() + ":"):
                raise MailError(f"{candidate} must start with a '{head}:' line and a blank line")
            return first.split(":", 1)[1].strip(), body
    raise MailError(f"no email template {name}.txt in {folder}")


def compose(
    template: str,
    lang: str,
    values: dict[str, str],
    *,
    sender: str,
    to: str,
    to_name: str = "",
    attachments: list[tuple[str, bytes]],
    content_dir: Path | None = None,
    draft: bool = True,
    message_id: str | None = None,
    essential: tuple[str, ...] = (),
) -> EmailMessage:
    """One message from a template. A non-empty value of an `essential` placeholder that an
    edited template lacks is added at the end of the body rather than lost."""
    subject, body = load_template(template, lang, content_dir)
    for key in essential:
        if values.get(key) and f"${key}" not in body and f"${{{key}}}" not in body:
            body = body.rstrip("\n") + f"\n\n${key}"
    msg = EmailMessage(policy=POLICY)
    msg["Subject"] = string.Template(subject).safe_substitute(values)
    msg["From"] = sender
    if to:
        msg["To"] = Address(to_name, addr_spec=to) if to_name else to
    msg["Date"] = format_datetime(datetime.now().astimezone())
    msg["Message-ID"] = message_id or make_msgid(domain="rai-sheets.invalid")
    if draft:
        msg["X-Unsent"] = "1"  # mail clients open the .eml as a draft ready to send
    msg.set_content(string.Template(body).safe_substitute(values))
    for filename, data in attachments:
        maintype, subtype = XLSX_TYPE.split("/")
        msg.add_attachment(data, maintype=maintype, subtype=subtype, filename=filename)
    return msg


@dataclass(frozen=True)
class SmtpSettings:
    host: str
    port: int = 587
    security: str = "starttls"  # starttls, ssl or none
    user: str = ""
    password: str = ""  # from the environment, never the command line
    timeout: float = 30.0


class Smtp:
    """One SMTP connection for a batch; each message's failure is reported, not raised."""

    def __init__(self, settings: SmtpSettings):
        self.s = settings
        self.conn: smtplib.SMTP | None = None

    def __enter__(self) -> Smtp:
        s = self.s
        try:
            if s.security == "ssl":
                self.conn = smtplib.SMTP_SSL(
                    s.host, s.port, timeout=s.timeout, context=ssl.create_default_context()
                )
            else:
                self.conn = smtplib.SMTP(s.host, s.port, timeout=s.timeout)
                if s.security == "starttls":
                    self.conn.starttls(context=ssl.create_default_context())
            if s.user:
                self.conn.login(s.user, s.password)
        except (OSError, smtplib.SMTPException) as exc:
            raise MailError(
                f"cannot connect to the SMTP server {s.host}:{s.port} ({s.security}): {exc}"
            ) from None
        return self

    def send(self, msg: EmailMessage) -> str:
        """'sent', or 'failed: <reason>' for this one message."""
        assert self.conn is not None
        del msg["X-Unsent"]
        try:
            refused = self.conn.send_message(msg)
        except smtplib.SMTPRecipientsRefused as exc:
            return "failed: recipient refused " + ", ".join(exc.recipients)
        except (OSError, smtplib.SMTPException) as exc:
            return f"failed: {exc}"
        if refused:
            return "failed: recipient refused " + ", ".join(refused)
        return "sent"

    def __exit__(self, *exc: object) -> None:
        if self.conn is not None:
            with contextlib.suppress(OSError, smtplib.SMTPException):  # closing anyway
                self.conn.quit()


# Incoming ----------------------------------------------------------------------------------
@dataclass
class Attachment:
    name: str  # sanitised: never a path
    data: bytes | None
    problem: str = ""  # why it was not taken (too large...)


@dataclass
class Incoming:
    """A reply, or a file dropped in a folder: where it came from and what it carried."""

    source: str
    message_id: str = ""
    sender: str = ""
    received_at: datetime | None = None
    subject: str = ""
    attachments: list[Attachment] = field(default_factory=list)


def is_spreadsheet_name(name: str) -> bool:
    return Path(name).suffix.lower() in SPREADSHEET_SUFFIXES


def sanitise_name(raw: str) -> str:
    """The last component of whatever path a sender put in the name, made safe."""
    base = raw.replace("\\", "/").split("/")[-1]
    stem, dot, ext = base.rpartition(".")
    if not dot:
        return safe_filename(base)
    return f"{safe_filename(stem)}.{safe_filename(ext, 10)}"


def attachments_of(msg: Message) -> list[Attachment]:
    out: list[Attachment] = []
    for part in msg.walk():  # walks into forwarded (message/rfc822) messages too
        if part.is_multipart():
            continue
        filename = part.get_filename() or ""
        ctype = part.get_content_type()
        zipped = Path(filename).suffix.lower() == ".zip" or ctype in ZIP_TYPES
        if not (zipped or is_spreadsheet_name(filename) or ctype in SPREADSHEET_TYPES):
            continue
        name = sanitise_name(filename or ("attachment.zip" if zipped else "attachment.xlsx"))
        encoded = part.get_payload()
        # the decoded size, from the base64 text without its line breaks, before decoding
        size_guess = (
            (len(encoded) - encoded.count("\n")) * 3 // 4 if isinstance(encoded, str) else 0
        )
        if size_guess > MAX_ATTACHMENT_BYTES:
            out.append(
                Attachment(
                    name,
                    None,
                    f"attachment of {size_guess / 1_048_576:.0f} MB, "
                    f"over the {MAX_ATTACHMENT_BYTES // 1_048_576} MB "
                    "limit",
                )
            )
            continue
        data = part.get_payload(decode=True)
        if not isinstance(data, bytes):
            continue
        out += unzip(name, data) if zipped else [Attachment(name, data)]
    return out


def unzip(name: str, data: bytes) -> list[Attachment]:
    """The spreadsheets inside a zip file, within the same limits as attachments.

    A zip that cannot be opened or read is kept whole, as the return it was meant to carry,
    so that it is judged (damaged) and matched to its unit like a damaged workbook.
    """
    try:
        zf = zipfile.ZipFile(io.BytesIO(data))
        members = [i for i in zf.infolist() if not i.is_dir() and is_spreadsheet_name(i.filename)]
    except (zipfile.BadZipFile, zlib.error, EOFError, OSError, ValueError):
        return [Attachment(name, data)]
    if not members:
        return [Attachment(name, None, "a zip file with no spreadsheet inside")]
    if len(members) > MAX_ZIP_MEMBERS:
        return [
            Attachment(
                name, None, f"a zip file of {len(members)} spreadsheets (at most {MAX_ZIP_MEMBERS})"
            )
        ]
    out: list[Attachment] = []
    total = 0
    for info in members:
        member = sanitise_name(info.filename)
        try:
            with zf.open(info) as fh:
                content = fh.read(MAX_ATTACHMENT_BYTES + 1)
        except (
            zipfile.BadZipFile,
            zlib.error,
            EOFError,
            OSError,
            RuntimeError,
            ValueError,
            NotImplementedError,
        ):
            return [Attachment(name, data)]  # damaged or encrypted: judged as the whole file
        total += len(content)
        if len(content) > MAX_ATTACHMENT_BYTES or total > MAX_MESSAGE_BYTES:
            out.append(Attachment(member, None, f"in {name}: over the size limit once unzipped"))
            continue
        out.append(Attachment(member, content))
    return out


def _incoming(msg: Message, source: str) -> Incoming:
    date = None
    try:
        if msg["Date"]:
            date = parsedate_to_datetime(str(msg["Date"]))
            if date.tzinfo is None:  # "-0000": the time is UTC, its zone unknown
                date = date.replace(tzinfo=UTC)
    except (TypeError, ValueError):
        date = None
    senders = getaddresses([str(msg.get("From", ""))])
    return Incoming(
        source,
        str(msg.get("Message-ID", "") or "").strip(),
        senders[0][1].lower() if senders else "",
        date,
        str(msg.get("Subject", "") or ""),
        attachments_of(msg),
    )


def parse_message(data: bytes, source: str) -> Incoming:
    return _incoming(email.message_from_bytes(data, policy=email.policy.default), source)


def read_sources(sources: list[Path]) -> Iterator[Incoming]:
    """Every reply or file in the sources, in a stable order."""
    for src in sources:
        if src.is_dir() and all((src / d).is_dir() for d in ("cur", "new", "tmp")):
            yield from _maildir(src)
        elif src.is_dir():
            for p in sorted(src.rglob("*")):
                if p.is_file() and not p.name.startswith((".", "~$")):
                    yield from _file(p)
        elif src.is_file():
            yield from _file(src)


def _file(p: Path) -> Iterator[Incoming]:
    suffix = p.suffix.lower()
    if suffix == ".eml":
        if p.stat().st_size > MAX_MESSAGE_BYTES:
            yield Incoming(
                str(p), attachments=[Attachment(sanitise_name(p.name), None, "message too large")]
            )
            return
        yield parse_message(p.read_bytes(), str(p))
    elif suffix in (".mbox", ".mbx") or _looks_like_mbox(p):
        box = mailbox.mbox(p, create=False)
        for i, key in enumerate(sorted(box.keys())):
            yield parse_message(box.get_bytes(key), f"{p}#{i + 1}")
    elif is_spreadsheet_name(p.name):
        size = p.stat().st_size
        if size > MAX_ATTACHMENT_BYTES:
            yield Incoming(
                str(p),
                attachments=[Attachment(sanitise_name(p.name), None, "file over the size limit")],
            )
            return
        yield Incoming(
            str(p),
            received_at=_mtime(p),
            attachments=[Attachment(sanitise_name(p.name), p.read_bytes())],
        )
    elif suffix == ".zip" and p.stat().st_size <= MAX_ATTACHMENT_BYTES:
        yield Incoming(
            str(p), received_at=_mtime(p), attachments=unzip(sanitise_name(p.name), p.read_bytes())
        )
    else:  # listed, never silently ignored
        yield Incoming(str(p), subject=f"{p.name} (neither a message nor a spreadsheet)")


def _mtime(p: Path) -> datetime:
    return datetime.fromtimestamp(int(p.stat().st_mtime)).astimezone()


def _looks_like_mbox(p: Path) -> bool:
    if p.suffix:
        return False
    with p.open("rb") as fh:
        return fh.read(5) == b"From "


def _maildir(folder: Path) -> Iterator[Incoming]:
    box = mailbox.Maildir(folder, factory=None, create=False)
    for key in sorted(box.keys()):
        yield parse_message(box.get_bytes(key), f"{folder}#{key}")


def read_imap(
    host: str,
    user: str,
    password: str,
    folder: str = "INBOX",
    port: int = 993,
    security: str = "ssl",
) -> Iterator[Incoming]:
    """Messages of an IMAP folder, read-only (EXAMINE and BODY.PEEK: nothing is marked read)."""
    try:
        if security == "ssl":
            conn: imaplib.IMAP4 = imaplib.IMAP4_SSL(
                host, port, ssl_context=ssl.create_default_context()
            )
        else:
            conn = imaplib.IMAP4(host, port)
            if security == "starttls":
                conn.starttls(ssl_context=ssl.create_default_context())
        conn.login(user, password)
        typ, _ = conn.select(folder, readonly=True)
        if typ != "OK":
            raise MailError(f"the IMAP folder {folder} cannot be opened")
        typ, data = conn.uid("search", "ALL")
        uids = data[0].split() if data and data[0] else []
        for uid in uids:
            typ, parts = conn.uid("fetch", uid, "(BODY.PEEK[])")
            raw = next((p[1] for p in parts if isinstance(p, tuple)), None)
            if isinstance(raw, bytes):
                yield parse_message(raw, f"imap://{user}@{host}/{folder};UID={uid.decode()}")
        conn.logout()
    except (OSError, imaplib.IMAP4.error) as exc:
        raise MailError(f"cannot read the IMAP mailbox {user}@{host}/{folder}: {exc}") from None
