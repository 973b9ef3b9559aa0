"""Keeps passwords of storage URLs out of everything odsweep writes.

An Optuna storage URL may carry a database password
(``postgresql://user:pw@host/db``). :func:`mask_url` is applied wherever odsweep
logs, prints or records such a URL; :class:`MaskingFilter` is the CLI's safety net
for any log record that still carries one (a library's message, a traceback).
"""

from __future__ import annotations

import logging
import re

MASK = "***"

# The password is what follows "user:" (the user part has no ":", "/" or "@").
_URL_PASSWORD = re.compile(r"^(?P<head>[A-Za-z][A-Za-z0-9+.\-]*://[^:/@]*):(?P<pw>.*)@")
# In free text a password ends at whitespace or a quote; up to the last "@" before
# that, as for a single URL (a false positive only hides a port and path).
_TEXT_PASSWORD = re.compile(r"(?P<head>[A-Za-z][A-Za-z0-9+.\-]*://[^\s:/@'\"]*):[^\s'\"]*@")
# libpq / SQLAlchemy also take the password as a query parameter.
_QUERY_PASSWORD = re.compile(r"(?P<head>[?&](?:password|passwd|pwd)=)[^&\s'\"]*", re.IGNORECASE)


def mask_url(url: str) -> str:
    """``url`` with the password of its ``user:password@`` part (and any
    ``password=`` query parameter) replaced by ``***``; other URLs unchanged.

    >>> mask_url("postgresql://odsweep:s3cret@db:5432/studies")
    'postgresql://odsweep:***@db:5432/studies'
    """
    head, sep, query = url.partition("?")
    # Up to the last "@" of the whole URL: a password may hold "/" or "@" unencoded;
    # over-masking a database name with an "@" in it is the safe side.
    match = _URL_PASSWORD.match(head)
    if match:
        head = f"{match['head']}:{MASK}@" + head[match.end() :]
    if sep:
        query = _QUERY_PASSWORD.sub(rf"\g<head>{MASK}", sep + query)[1:]
    return head + sep + query


def mask_text(text: str) -> str:
    """Every ``scheme://user:password@`` and ``password=`` in free text masked."""
    if "://" not in text and "=" not in text:
        return text
    text = _TEXT_PASSWORD.sub(rf"\g<head>:{MASK}@", text)
    return _QUERY_PASSWORD.sub(rf"\g<head>{MASK}", text)


class MaskingFilter(logging.Filter):
    """Masks URL passwords in a record's message and traceback before any handler
    formats it; installed on the CLI's log handlers."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        masked = mask_text(message)
        if masked != message:
            record.msg, record.args = masked, None
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = mask_text(record.exc_text)
        return True
