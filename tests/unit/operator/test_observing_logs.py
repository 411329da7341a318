"""JSON log lines: one object per line, the resource's namespace/name at the top level."""

from __future__ import annotations

import io
import json
import logging
import sys
import uuid

import pytest
from fogcompute_operator.observing import (
    JsonLogFormatter,
    configure_logging,
    object_extra,
    parse_log_level,
)


@pytest.fixture
def private_logger() -> logging.Logger:
    logger = logging.getLogger(f"test-observing-{uuid.uuid4().hex}")
    logger.propagate = False
    return logger


def record(level: int = logging.INFO, **extra: object) -> logging.LogRecord:
    rec = logging.LogRecord("fog.test", level, __file__, 1, "hello %s", ("world",), None)
    rec.__dict__.update(extra)
    return rec


def test_a_line_carries_the_kopf_object_reference_flattened() -> None:
    ref = {"apiVersion": "fogcompute.io/v1alpha1", "kind": "FogJob", "name": "job-a"}
    ref |= {"namespace": "team-1", "uid": "u-1"}
    line = json.loads(JsonLogFormatter().format(record(k8s_ref=ref, k8s_skip=False)))

    assert line["message"] == "hello world"
    assert line["severity"] == "info"
    assert line["logger"] == "fog.test"
    assert (line["namespace"], line["name"], line["kind"], line["uid"]) == (
        "team-1",
        "job-a",
        "FogJob",
        "u-1",
    )
    assert "k8s_ref" not in line
    assert "k8s_skip" not in line
    assert line["timestamp"].endswith("+00:00")


def test_a_cluster_scoped_object_has_no_namespace_key() -> None:
    ref = {"kind": "MixNode", "name": "mn-1", "namespace": None}
    line = json.loads(JsonLogFormatter().format(record(k8s_ref=ref)))

    assert line["name"] == "mn-1"
    assert "namespace" not in line


@pytest.mark.parametrize(
    ("level", "severity"),
    [
        (logging.DEBUG, "debug"),
        (logging.INFO, "info"),
        (logging.WARNING, "warn"),
        (logging.ERROR, "error"),
        (logging.CRITICAL, "fatal"),
    ],
)
def test_severity_uses_kopf_json_names(level: int, severity: str) -> None:
    assert json.loads(JsonLogFormatter().format(record(level)))["severity"] == severity


def test_extras_and_exceptions_are_kept(private_logger: logging.Logger) -> None:
    stream = io.StringIO()
    configure_logging(stream=stream, level=logging.INFO, logger=private_logger)

    extra = object_extra(namespace="ns", name="j", kind="FogJob") | {"nodes": ["a", "b"]}
    private_logger.info("placed", extra=extra)
    try:
        raise ValueError("bad tier")
    except ValueError:
        private_logger.exception("failed")
    private_logger.debug("not shown at INFO")

    lines = [json.loads(text) for text in stream.getvalue().splitlines()]
    assert [line["message"] for line in lines] == ["placed", "failed"]
    assert lines[0]["namespace"] == "ns"
    assert lines[0]["name"] == "j"
    assert lines[0]["kind"] == "FogJob"
    assert lines[0]["nodes"] == ["a", "b"]
    assert "ValueError: bad tier" in lines[1]["exception"]


def test_configuring_twice_replaces_console_handlers_and_keeps_others(
    private_logger: logging.Logger,
) -> None:
    kept = logging.StreamHandler(io.StringIO())
    console = logging.StreamHandler(sys.stderr)
    private_logger.addHandler(kept)
    private_logger.addHandler(console)

    first = configure_logging(stream=io.StringIO(), level=logging.INFO, logger=private_logger)
    second = configure_logging(stream=io.StringIO(), level=logging.DEBUG, logger=private_logger)

    ours = [h for h in private_logger.handlers if h in (kept, console, first, second)]
    assert ours == [kept, second]
    assert private_logger.level == logging.DEBUG


@pytest.mark.parametrize(
    ("text", "level"),
    [("info", logging.INFO), (" DEBUG ", logging.DEBUG), ("Error", logging.ERROR)],
)
def test_log_levels_parse_case_insensitively(text: str, level: int) -> None:
    assert parse_log_level(text) == level


def test_a_wrong_log_level_names_the_variable_and_the_choices() -> None:
    with pytest.raises(ValueError, match=r"FOG_LOG_LEVEL='loud' is not a log level; use one of"):
        parse_log_level("loud")
