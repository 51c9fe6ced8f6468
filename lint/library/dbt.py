"""Lint-only stand-in for dbt's `dbt` namespace (sqlfluff jinja templater): what each cross-database
macro renders on BigQuery, the dialect the lint reads."""


def type_int():
    return "int64"


def type_bigint():
    return "int64"


def type_string():
    return "string"


def type_boolean():
    return "bool"


def date_trunc(datepart, date):
    return f"timestamp_trunc(cast({date} as timestamp), {datepart})"


def dateadd(datepart, interval, from_date_or_timestamp):
    return f"datetime_add(cast({from_date_or_timestamp} as datetime), interval {interval} {datepart})"


def datediff(first_date, second_date, datepart):
    return f"datetime_diff(cast({second_date} as datetime), cast({first_date} as datetime), {datepart})"


def last_day(date, datepart):
    return f"last_day(cast({date} as date), {datepart})"


def hash(field):
    return f"to_hex(md5(cast({field} as string)))"


def listagg(measure, delimiter_text="','", order_by_clause=None, limit_num=None):
    order = f" {order_by_clause}" if order_by_clause else ""
    limit = f" limit {limit_num}" if limit_num else ""
    return f"string_agg({measure}, {delimiter_text}{order}{limit})"
