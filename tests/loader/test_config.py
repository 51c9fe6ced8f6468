from pathlib import Path

import pytest

from loader.config import load_config
from loader.errors import ConfigError


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "procountor.yml"
    path.write_text(text, encoding="utf-8")
    return path


def test_without_a_file_every_stream_is_selected_from_the_environment(monkeypatch) -> None:
    monkeypatch.setenv("PROCOUNTOR_CLIENT_ID", "cid")
    cfg = load_config(None)
    assert "invoices" in cfg.streams and "ledger_receipts" in cfg.streams
    assert cfg.connections[0].client_id == "cid"


def test_field_selection_adds_the_automatic_fields(tmp_path: Path) -> None:
    cfg = load_config(write(tmp_path, "streams:\n  invoices:\n    fields: [type, counterParty.identifier]\n"))
    fields = cfg.streams["invoices"].fields
    assert {"id", "version", "type", "counterParty.identifier"} <= set(fields)
    assert "notes" not in fields
    assert list(cfg.streams) == ["invoices"]


@pytest.mark.parametrize("text, message", [
    ("streams:\n  nosuch: {}\n", "unknown stream 'nosuch'"),
    ("streams:\n  invoices:\n    fields: [nosuchfield]\n", "unknown field(s) ['nosuchfield']"),
    ("streams:\n  invoices:\n    options: {bogus: true}\n", "unknown option(s)"),
    ("streams: [invoices]\n", "streams must be a mapping"),
    ("extract:\n  rate_limit: fast\n", "extract.rate_limit: expected float"),
    ("destination:\n  type: postgres\n", "destination.type must be duckdb or bigquery"),
    ("connections:\n  - auth: password\n", "auth must be api_key or oauth"),
    ("bogus: 1\n", "unknown top-level key"),
    ("streams: {invoices: {fields: [id]\n", "not valid YAML"),
    ("connections:\n  - api_key: ${NOT_SET_ANYWHERE}\n", "NOT_SET_ANYWHERE"),
])
def test_bad_config_gets_a_clear_message(tmp_path: Path, text: str, message: str) -> None:
    with pytest.raises(ConfigError) as err:
        load_config(write(tmp_path, text))
    assert message in str(err.value)
