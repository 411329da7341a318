"""Structured logging: one JSON object per line, with the resource's namespace/name on top.

Called once by the handlers' startup activity, before any resource is handled; it replaces the
console handler that ``kopf run`` installed, so every later line (kopf's own included) comes out
in this shape. kopf attaches the handled object as ``record.k8s_ref``; that reference is
flattened into ``namespace``, ``name``, ``kind`` and ``uid`` so a log query needs no nesting.
Key names follow kopf's ``--log-format=json`` (``timestamp``, ``severity``, ``message``), so
lines written before startup and after it parse the same way. Must not import kopf.
"""

from __future__ import annotations

import json
import logging
import sys
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any, TextIO

# Attributes every LogRecord has; anything else on a record was passed through ``extra=``.
_STANDARD_ATTRS = frozenset(
    logging.LogRecord("", 0, "", 0, "", (), None).__dict__.keys()
    | {"message", "asctime", "taskName"}
)
# kopf's private extras: the object reference is flattened instead, the rest is noise.
_KOPF_ATTRS = frozenset({"k8s_ref", "k8s_skip", "settings"})
_REF_KEYS = ("namespace", "name", "kind", "uid")
_LEVELS = {"DEBUG": logging.DEBUG, "INFO": logging.INFO, "WARNING": logging.WARNING}
_LEVELS |= {"ERROR": logging.ERROR, "CRITICAL": logging.CRITICAL}


def _severity(levelno: int) -> str:
    if levelno <= logging.DEBUG:
        return "debug"
    if levelno <= logging.INFO:
        return "info"
    if levelno <= logging.WARNING:
        return "warn"
    return "error" if levelno <= logging.ERROR else "fatal"


class JsonLogFormatter(logging.Formatter):
    """Formats a record as one JSON line; keys are stable, values never contain newlines."""

    def format(self, record: logging.LogRecord) -> str:
        line: dict[str, Any] = {
            "timestamp": datetime.fromtimestamp(record.created, UTC).isoformat(
                timespec="milliseconds"
            ),
            "severity": _severity(record.levelno),
            "logger": record.name,
            "message": record.getMessage(),
        }
        ref = getattr(record, "k8s_ref", None)
        if isinstance(ref, Mapping):
            line |= {key: ref[key] for key in _REF_KEYS if ref.get(key) is not None}
        for key, value in record.__dict__.items():
            if key not in _STANDARD_ATTRS and key not in _KOPF_ATTRS and key not in line:
                line[key] = value
        if record.exc_info:
            line["exception"] = self.formatException(record.exc_info)
        return json.dumps(line, default=str, ensure_ascii=False)


class _JsonStreamHandler(logging.StreamHandler[TextIO]):
    """Marks the handler this module installed, so a second call replaces it."""


def _is_console_handler(handler: logging.Handler) -> bool:
    # kopf's own handler is a StreamHandler on stderr; file handlers and test-capture handlers
    # (in-memory streams) must survive.
    if isinstance(handler, _JsonStreamHandler):
        return True
    if not isinstance(handler, logging.StreamHandler) or isinstance(handler, logging.FileHandler):
        return False
    consoles = (sys.stderr, sys.stdout, sys.__stderr__, sys.__stdout__)
    return any(handler.stream is console for console in consoles)


def configure_logging(
    *, stream: TextIO, level: int, logger: logging.Logger | None = None
) -> logging.Handler:
    """Send ``logger`` (the root logger by default) to ``stream`` as JSON lines at ``level``.

    Console handlers installed earlier (kopf's, or a previous call's) are removed; file and
    capture handlers are kept. Returns the installed handler.
    """
    target = logger if logger is not None else logging.getLogger()
    for handler in list(target.handlers):
        if _is_console_handler(handler):
            target.removeHandler(handler)
    handler = _JsonStreamHandler(stream)
    handler.setFormatter(JsonLogFormatter())
    target.addHandler(handler)
    target.setLevel(level)
    return handler


def object_extra(
    *, name: str, namespace: str | None = None, kind: str | None = None
) -> dict[str, Any]:
    """``extra=`` for a log call about one resource, in the shape kopf's object loggers use.

    ``logger.info("placed", extra=object_extra(namespace=ns, name=job))``: stdlib logging
    refuses ``extra={"name": ...}`` (it is a LogRecord attribute), hence the nesting.
    """
    return {"k8s_ref": {"namespace": namespace, "name": name, "kind": kind}}


def parse_log_level(value: str, *, variable: str = "FOG_LOG_LEVEL") -> int:
    """Turn ``debug``/``INFO``/... into a logging level, naming the variable when it is wrong."""
    try:
        return _LEVELS[value.strip().upper()]
    except KeyError:
        choices = ", ".join(sorted(_LEVELS))
        raise ValueError(f"{variable}={value!r} is not a log level; use one of {choices}") from None
