"""Mail headers that every client shows as written, whatever the language.

Python 3.11's email library folds a header mixing plain and non-ASCII words into encoded
words in a way that loses or doubles spaces: `Brigade d'intervention – Île-de-France` comes
out of a standards-following client as `Brigade d'intervention  –Île-de-France`. This
policy writes subjects and display names itself, the unambiguous way RFC 2047 allows:

- plain ASCII words stay as they are, one space apart, as typed;
- each run of words that need encoding (non-ASCII, or an address's special characters) is
  written as UTF-8 base64 encoded words with the spaces inside the run encoded too, so the
  only whitespace between a plain word and an encoded word is the real space, and none of the
  run's spaces depends on a decoder keeping or dropping whitespace between encoded words;
- a run longer than one encoded word (39 bytes) is split between characters, never inside
  one.
Text with tabs, several spaces in a row, or spaces at either end is encoded whole. ASCII-only
headers, and anything else, are left to the library.

Two limits, on Python's side, for display names only: its parser keeps the whitespace between
two encoded words, so a name with a run of more than 39 bytes of non-ASCII text (a long name
in a non-Latin script) gains a space there when read back by Python 3.11, and it collapses
runs of spaces inside a name (as the standard allows for names written plainly). Mail
clients show both as written; subjects are exact everywhere.
"""

from __future__ import annotations

import base64
from email.policy import EmailPolicy
from typing import Any

TEXT_HEADERS = {"subject"}
ADDRESS_HEADERS = {"from", "to", "cc", "reply-to", "sender"}
MAX_WORD_BYTES = 39  # 52 base64 characters: a 64-character encoded word fits after "Subject: "
MAX_LINE = 76
SPECIALS = set('()<>[]:;@\\,."')


def encoded_words(text: str) -> list[str]:
    """`text` as UTF-8 base64 encoded words, split between characters, never inside one."""
    chunks, chunk = [], b""
    for char in text:
        data = char.encode("utf-8")
        if chunk and len(chunk) + len(data) > MAX_WORD_BYTES:
            chunks.append(chunk)
            chunk = b""
        chunk += data
    if chunk:
        chunks.append(chunk)
    return [f"=?utf-8?b?{base64.b64encode(c).decode('ascii')}?=" for c in chunks]


def phrase_tokens(text: str, address: bool = False) -> list[str]:
    """Plain words and encoded words that decode to exactly `text`, joined by single spaces."""

    def needs(word: str) -> bool:
        return not word.isascii() or "=?" in word or (address and bool(SPECIALS & set(word)))

    words = text.split(" ")
    if "" in words or any(c in text for c in "\t\r\n") or all(needs(w) for w in words):
        return encoded_words(text)
    tokens: list[str] = []
    run: list[str] = []
    for word in [*words, None]:
        if word is not None and needs(word):
            run.append(word)
            continue
        if run:
            tokens += encoded_words(" ".join(run))
            run = []
        if word is not None:
            tokens.append(word)
    return tokens


def _tokens(name: str, value: Any) -> list[str] | None:
    """The header's value as tokens to join with folding spaces; None to leave it alone."""
    text = str(value)
    key = name.lower()
    if text.isascii() or key not in TEXT_HEADERS | ADDRESS_HEADERS:
        return None
    if key in TEXT_HEADERS:
        return phrase_tokens(text)
    if not hasattr(value, "addresses") or any(g.display_name for g in value.groups):
        return None  # group syntax: rare enough to leave to the library
    tokens: list[str] = []
    for a in value.addresses:
        if not a.addr_spec.isascii():
            return None  # an internationalised address needs SMTPUTF8, not encoded words
        if tokens:
            tokens[-1] += ","
        if a.display_name:
            tokens += phrase_tokens(a.display_name, address=True)
        tokens.append(f"<{a.addr_spec}>")
    return tokens


def _join(name: str, tokens: list[str], linesep: str) -> str:
    """Tokens one space apart, a line broken (folded) before a token that would not fit."""
    lines = [f"{name}:"]
    for token in tokens:
        if len(lines[-1]) + 1 + len(token) > MAX_LINE and lines[-1] != f"{name}:":
            lines.append("")
        lines[-1] += " " + token
    return linesep.join(lines) + linesep


class ClearHeaders(EmailPolicy):
    """EmailPolicy, except that non-ASCII subjects and display names are written as above."""

    def fold(self, name: str, value: Any) -> str:
        tokens = None if self.utf8 else _tokens(name, value)
        if tokens is None:
            return super().fold(name, value)
        return _join(name, tokens, self.linesep)

    def fold_binary(self, name: str, value: Any) -> bytes:
        tokens = None if self.utf8 else _tokens(name, value)
        if tokens is None:
            return super().fold_binary(name, value)
        return _join(name, tokens, self.linesep).encode("ascii")


POLICY = ClearHeaders()
