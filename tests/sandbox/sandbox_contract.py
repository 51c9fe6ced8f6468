"""Null-tolerant validation of sandbox responses against loader/contract/openapi.json.

The contract keeps enum lists exactly as declared (no ``null``), so a validator that follows the OAS
3.0.3 nullable clarification rejects ``"field": null`` on a nullable enum. As the contract's README
explains, the real API sends such nulls; we append ``None`` to every nullable enum before validating.
Formats are not checked (timestamps carry no UTC offset, see the README's uncertainty 8).
"""

from __future__ import annotations

import copy
import json
from functools import cache
from pathlib import Path
from typing import Any

from openapi_schema_validator import OAS30Validator

CONTRACT = Path(__file__).resolve().parents[2] / "loader" / "contract" / "openapi.json"


def _tolerate_null_enums(node: Any) -> None:
    if isinstance(node, dict):
        if node.get("nullable") and isinstance(node.get("enum"), list) and None not in node["enum"]:
            node["enum"] = [*node["enum"], None]
        for value in node.values():
            _tolerate_null_enums(value)
    elif isinstance(node, list):
        for value in node:
            _tolerate_null_enums(value)


# Spec defect (contract README, uncertainty 4): the report type is declared as one odd literal. The
# sandbox accepts and echoes the three real values too, so the validator allows them.
_REPORT_TYPES = ["INCOME_STATEMENT", "CASH_FLOW", "BALANCE_SHEET"]


@cache
def spec() -> dict[str, Any]:
    document = json.loads(CONTRACT.read_text())
    _tolerate_null_enums(document)
    report_type = document["components"]["schemas"]["AccountingReportRequest"]["properties"]["type"]
    report_type["enum"] = [*report_type["enum"], *_REPORT_TYPES]
    return document


def operations() -> list[tuple[str, str]]:
    """(METHOD, path template) of every operation in the contract."""
    return [(method.upper(), path) for path, ops in spec()["paths"].items() for method in ops
            if method in ("get", "post", "put", "patch", "delete")]


def response_schema(method: str, path: str, status: int = 200, content_type: str = "application/json") -> Any:
    response = spec()["paths"][path][method.lower()]["responses"].get(str(status))
    if response is None:
        response = spec()["paths"][path][method.lower()]["responses"][f"{str(status)[0]}XX"]
    if "$ref" in response:
        response = spec()["components"]["responses"][response["$ref"].split("/")[-1]]
    return response["content"][content_type]["schema"]


def validate(body: Any, method: str, path: str, status: int = 200) -> None:
    """Raise jsonschema.ValidationError if ``body`` does not match the contract's response schema."""
    schema = dict(copy.deepcopy(response_schema(method, path, status)))
    schema["components"] = spec()["components"]
    OAS30Validator(schema).validate(body)


def validate_schema(body: Any, schema_name: str) -> None:
    OAS30Validator({"$ref": f"#/components/schemas/{schema_name}", "components": spec()["components"]}).validate(body)
