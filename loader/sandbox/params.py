"""Query-string parsing with Procountor-style validation errors."""

from __future__ import annotations

from datetime import date
from urllib.parse import parse_qsl
from zoneinfo import ZoneInfo

from .clock import HELSINKI, fmt_ts, parse_ts


class ApiError(Exception):
    """Answered as ``{"errors": [{"status", "field", "message"}]}``."""

    def __init__(self, status: int, message: str, field: str | None = None, headers: dict[str, str] | None = None):
        super().__init__(message)
        self.status = status
        self.message = message
        self.field = field
        self.headers = headers or {}

    def body(self) -> dict[str, object]:
        return {"errors": [{"status": self.status, "field": self.field, "message": self.message}]}


class Query:
    def __init__(self, query_string: str, stamp_zone: ZoneInfo = HELSINKI) -> None:
        self.pairs = parse_qsl(query_string, keep_blank_values=True)
        self.stamp_zone = stamp_zone  # timestamp filters are read in the zone stamps are written in

    def has(self, name: str) -> bool:
        return any(k == name for k, _ in self.pairs)

    def get(self, name: str) -> str | None:
        values = [v for k, v in self.pairs if k == name]
        return values[-1] if values else None

    def list(self, name: str) -> list[str]:
        """Repeated keys and comma-separated values are both accepted."""
        out: list[str] = []
        for k, v in self.pairs:
            if k == name:
                out.extend(part.strip() for part in v.split(",") if part.strip())
        return out

    def int(self, name: str, default: int | None = None, minimum: int | None = None,
            maximum: int | None = None) -> int | None:
        raw = self.get(name)
        if raw is None or raw == "":
            return default
        try:
            value = int(raw)
        except ValueError:
            raise ApiError(400, "INVALID_VALUE", name) from None
        if (minimum is not None and value < minimum) or (maximum is not None and value > maximum):
            raise ApiError(400, "VALUE_OUT_OF_RANGE", name)
        return value

    def ints(self, name: str) -> list[int]:
        try:
            return [int(float(v)) for v in self.list(name)]
        except ValueError:
            raise ApiError(400, "INVALID_VALUE", name) from None

    def bool(self, name: str, default: bool | None = None) -> bool | None:
        raw = self.get(name)
        if raw is None or raw == "":
            return default
        if raw.lower() in ("true", "1"):
            return True
        if raw.lower() in ("false", "0"):
            return False
        raise ApiError(400, "INVALID_VALUE", name)

    def date(self, name: str) -> str | None:
        raw = self.get(name)
        if not raw:
            return None
        try:
            return date.fromisoformat(raw).isoformat()
        except ValueError:
            raise ApiError(400, "INVALID_DATE", name) from None

    def timestamp(self, name: str) -> str | None:
        """Timestamp filter as naive wall time of the stamp zone; a date alone means midnight."""
        raw = self.get(name)
        if not raw:
            return None
        try:
            return fmt_ts(parse_ts(raw, self.stamp_zone))
        except ValueError:
            raise ApiError(400, "INVALID_DATE_TIME", name) from None

    def enum(self, name: str, allowed: tuple[str, ...], default: str | None = None) -> str | None:
        raw = self.get(name)
        if raw is None or raw == "":
            return default
        if raw.upper() not in allowed:
            raise ApiError(400, "INVALID_VALUE", name)
        return raw.upper()

    def paging(self, with_page: bool = True) -> tuple[int, int]:
        size = self.int("size", 50, minimum=1, maximum=200)
        page = self.int("page", 0, minimum=0) if with_page else 0
        assert size is not None and page is not None
        return size, page

    def order(self, columns: dict[str, str], defaults: dict[str, str]) -> list[tuple[str, str]]:
        """ORDER BY from the orderBy* flags in the order the client sent them, then id.

        Procountor declares DESC defaults on every flag but does not say how they combine; the
        sandbox sorts by the flags the client actually sent, in query order, and finally by id
        (``orderById``, default DESC unless the endpoint says otherwise).
        """
        order: list[tuple[str, str]] = []
        seen: set[str] = set()
        for key, _ in self.pairs:
            if key in columns and key not in seen:
                seen.add(key)
                direction = self.enum(key, ("ASC", "DESC"), defaults.get(key, "DESC"))
                assert direction is not None
                order.append((columns[key], direction))
        if "orderById" not in seen:
            order.append(("id", defaults.get("orderById", "DESC")))
        return order


def envelope(results: list[object], page: int, size: int, total: int) -> dict[str, object]:
    return {"results": results,
            "meta": {"pageNumber": page, "pageSize": size, "resultCount": len(results), "totalCount": total}}


def id_direction(order: list[tuple[str, str]]) -> str:
    for column, direction in order:
        if column == "id":
            return direction
    return "DESC"
