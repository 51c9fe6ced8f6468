"""Pure unit tests of the BigQuery destination helpers (no emulator)."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest

from loader.destinations.bigquery import BigQueryConfigError, BigQueryDestination, load_credentials
from loader.destinations.bigquery_sql import (
    Tables,
    check_stream,
    commit_script,
    label_value,
    string_literal,
    timestamp_literal,
)


@pytest.mark.parametrize("text", ["plain", "it's", "back\\slash", "line\nbreak\ttab", "€ 😀"])
def test_plain_literals_escape_quotes_and_backslashes(text: str) -> None:
    literal = string_literal(text)
    assert literal.startswith("'") and literal.endswith("'")
    body = literal[1:-1]
    # Every quote and backslash in the body is escaped: no way to end the literal early.
    assert "\n" not in body
    i = 0
    while i < len(body):
        if body[i] == "\\":
            i += 2
            continue
        assert body[i] != "'"
        i += 1


def test_control_characters_go_through_base64() -> None:
    assert string_literal("a\x01b").startswith("SAFE_CONVERT_BYTES_TO_STRING(FROM_BASE64(")
    assert string_literal(None) == "NULL"


def test_timestamp_literal_is_utc() -> None:
    helsinki = timezone(timedelta(hours=2))
    assert timestamp_literal(datetime(2026, 1, 1, 12, 0, tzinfo=helsinki)) == (
        "TIMESTAMP '2026-01-01 10:00:00.000000+00:00'"
    )
    with pytest.raises(ValueError):
        timestamp_literal(datetime(2026, 1, 1))


@pytest.mark.parametrize("bad", ["Invoices", "_loader_state", "a-b", "x; DROP TABLE y", ""])
def test_stream_names_are_checked(bad: str) -> None:
    with pytest.raises(ValueError):
        check_stream(bad)


def test_label_values_are_sanitised() -> None:
    assert label_value("Sync:2026-11-28T08:00Z") == "sync_2026-11-28t08_00z"
    assert len(label_value("x" * 100)) == 63


def test_commit_script_keeps_record_ids_out_of_the_sql() -> None:
    sql = commit_script(
        Tables("p", "raw"), stream="invoices", staging="_stg_x", company_id=1, sync_id="s",
        mode="merge", now=datetime.now(UTC), state_json='{"a":1}', seen_fields=["id"],
    )
    assert sql.count("BEGIN TRANSACTION") == 1 and sql.count("COMMIT TRANSACTION") == 1
    assert "`p.raw._stg_x`" in sql and "TEMP TABLE" not in sql


def test_bad_names_are_config_errors() -> None:
    with pytest.raises(BigQueryConfigError):
        BigQueryDestination("my-project", "raw-procountor", api_endpoint="http://127.0.0.1:9")


def test_key_file_errors_do_not_echo_the_key(tmp_path: Path) -> None:
    secret = "-----BEGIN PRIVATE KEY-----SUPERSECRET"
    key = tmp_path / "key.json"
    key.write_text(json.dumps({"type": "service_account", "private_key": secret}))
    with pytest.raises(BigQueryConfigError) as info:
        load_credentials(key)
    assert "SUPERSECRET" not in str(info.value) and str(key) in str(info.value)
    assert info.value.__cause__ is None and info.value.__suppress_context__
    with pytest.raises(BigQueryConfigError, match="not found"):
        load_credentials(tmp_path / "missing.json")
