"""The same job as ``telbill bill``, written as a data engineer would: DuckDB SQL.

``python -m benchmarks.duckdb_job USERS CALLS TARIFF OUTDIR [--threads N]``
reads the two files, applies the rules of SPEC §2–§4 (classes by the callee's
prefix, ceil steps in integer fen, the anomaly codes in the order malformed →
end-before-start → unknown-caller → too-long → overlap among the records left,
the month of the start, every subscriber a row in a billed month) and writes
``bills.csv`` (the CSV of SPEC §4), ``bills.txt`` (the months' rows as aligned
text) and ``anomalies.txt`` (each set-aside line, its code and line number) into
OUTDIR. It is the competitor of ``python -m benchmarks --vs duckdb``, which
first checks that it gives the same rows and codes as telbill.

Only the benchmark uses it: DuckDB is in the optional ``bench`` extra
(``pip install -e '.[bench]'``), not a dependency of telbill.
"""

from __future__ import annotations

import argparse
import sys
import tomllib
from collections.abc import Sequence
from decimal import Decimal
from pathlib import Path

DEFAULT_RATES = {  # class -> (first_seconds, first_price, step_seconds, step_price), prices in fen
    "local": (180, 22, 60, 11),
    "domestic": (6, 7, 6, 7),
    "international": (6, 80, 6, 80),
}
MAX_SECONDS = 3 * 86_400

# Lines are read as one text column (a delimiter that never occurs, no quoting);
# blank lines come back as NULL rows.
_READ_LINES = ("read_csv({path}, columns={{'line': 'VARCHAR'}}, header=false, delim=chr(1), "
               "quote='', escape='', auto_detect=false, strict_mode=false)")
_RECORD_TEXT = "trim(regexp_replace(line, '[ \\t]#.*$', ''), e' \\t')"
"""A line without its trailing comment; '' for a blank line; a comment line still starts with #."""
_MOMENT = "[0-9]{4}-[0-9]{2}-[0-9]{2} [0-9]{2}:[0-9]{2}:[0-9]{2}"


def rates_of(tariff: Path | None) -> dict[str, tuple[int, int, int, int]]:
    """The tariff file's rates in fen (the defaults for what it leaves out)."""
    rates = dict(DEFAULT_RATES)
    if tariff is None:
        return rates
    data = tomllib.loads(tariff.read_text("utf-8"), parse_float=Decimal)
    keys = ("first_seconds", "first_price", "step_seconds", "step_price")
    for section, body in data.items():
        old = dict(zip(keys, rates[section]))
        for key, value in body.items():
            old[key] = int(Decimal(value) * 100) if key.endswith("price") else int(value)
        rates[section] = (old["first_seconds"], old["first_price"], old["step_seconds"], old["step_price"])
    return rates


def _fee_sql(rates: dict[str, tuple[int, int, int, int]]) -> str:
    def rate(kind: str) -> str:
        first_s, first_p, step_s, step_p = rates[kind]
        return f"{first_p} + (greatest(d - {first_s}, 0) + {step_s - 1}) // {step_s} * {step_p}"

    return (f"CASE WHEN d = 0 THEN 0 WHEN starts_with(callee, '00') THEN {rate('international')} "
            f"WHEN starts_with(callee, '0') THEN {rate('domestic')} ELSE {rate('local')} END")


def run(users: Path, calls: Path, tariff: Path | None, out: Path, threads: int = 2,
        memory_limit: str | None = None) -> None:
    """Bill ``calls`` for ``users`` into ``out``/bills.csv, bills.txt and anomalies.txt
    (``memory_limit``: DuckDB's, such as ``2GiB``; it spills to ``out``/.tmp beyond it)."""
    import duckdb

    out.mkdir(parents=True, exist_ok=True)
    con = duckdb.connect()
    con.execute(f"SET threads = {threads}")
    con.execute(f"SET temp_directory = '{_sql_path(out / '.tmp')}'")
    if memory_limit is not None:
        con.execute(f"SET memory_limit = '{memory_limit}'")
    con.execute("CREATE MACRO fen(x) AS (x // 100)::VARCHAR || '.' || lpad((x % 100)::VARCHAR, 2, '0')")
    con.execute("CREATE MACRO cols(s) AS (strlen(s) + length(s)) // 2")  # display width: CJK counts 2
    # A table keeps the file's order (insertion order), so rowid + 1 is the line number.
    con.execute(f"CREATE TEMP TABLE user_lines AS SELECT * FROM {_READ_LINES.format(path='$1')}", [str(users)])
    con.execute(f"CREATE TEMP TABLE call_lines AS SELECT * FROM {_READ_LINES.format(path='$1')}", [str(calls)])
    con.execute(f"""
        CREATE TEMP TABLE users AS
        WITH t AS (SELECT rowid AS ord, {_RECORD_TEXT} AS text FROM user_lines WHERE line IS NOT NULL),
             f AS (SELECT ord, regexp_split_to_array(text, '[ \\t]+') AS f FROM t
                   WHERE text <> '' AND NOT starts_with(text, '#'))
        SELECT ord, f[1] AS phone, array_to_string(f[2:len(f) - 2], ' ') AS name,
               CAST(CAST(f[-2] AS DECIMAL(18, 2)) * 100 AS BIGINT) AS rent,
               CAST(CAST(f[-1] AS DECIMAL(18, 2)) * 100 AS BIGINT) AS feature
        FROM f""")
    con.execute(f"""
        CREATE TEMP TABLE recs AS
        WITH t AS (SELECT rowid + 1 AS n, line, {_RECORD_TEXT} AS text FROM call_lines WHERE line IS NOT NULL),
             f AS (SELECT n, line, regexp_split_to_array(text, '[ \\t]+') AS f FROM t
                   WHERE text <> '' AND NOT starts_with(text, '#')),
             p AS (SELECT n, line, f[1] AS caller, f[2] AS callee,
                          len(f) = 6 AND regexp_full_match(f[1], '[0-9]{{3,20}}')
                          AND regexp_full_match(f[2], '[0-9]{{3,20}}')
                          AND regexp_full_match(f[3] || ' ' || f[4], '{_MOMENT}')
                          AND regexp_full_match(f[5] || ' ' || f[6], '{_MOMENT}') AS shaped,
                          try_strptime(f[3] || ' ' || f[4], '%Y-%m-%d %H:%M:%S') AS s,
                          try_strptime(f[5] || ' ' || f[6], '%Y-%m-%d %H:%M:%S') AS e
                   FROM f)
        SELECT n, line, caller, callee, s, e, date_diff('second', s, e) AS d,
               CASE WHEN NOT shaped OR s IS NULL OR e IS NULL THEN 'malformed'
                    WHEN e < s THEN 'end-before-start'
                    WHEN caller NOT IN (SELECT phone FROM users) THEN 'unknown-caller'
                    WHEN date_diff('second', s, e) > {MAX_SECONDS} THEN 'too-long' END AS code
        FROM p""")
    con.execute("DROP TABLE call_lines")
    # Overlap among the records left: in each caller's start order, a record clashes
    # with an earlier one when it has the same start or starts before the latest end
    # so far, and with a later one when the next starts at its start or before its end.
    con.execute("""
        CREATE TEMP TABLE screened AS
        WITH w AS (SELECT n, caller, callee, s, e, d,
                          lag(s) OVER by_start AS prev_s, lead(s) OVER by_start AS next_s,
                          max(e) OVER (by_start ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING) AS prev_end
                   FROM recs WHERE code IS NULL
                   WINDOW by_start AS (PARTITION BY caller ORDER BY s, n))
        SELECT n, caller, callee, s, d,
               coalesce(prev_s = s OR prev_end > s OR next_s = s OR next_s < e, false) AS clash
        FROM w""")
    con.execute(f"""
        CREATE TEMP TABLE rows AS
        WITH fees AS (SELECT strftime(s, '%Y-%m') AS month, caller AS phone, starts_with(callee, '0') AS far,
                             {_fee_sql(rates_of(tariff))} AS fee
                      FROM screened WHERE NOT clash),
             sums AS (SELECT month, phone, sum(fee) FILTER (WHERE NOT far) AS local,
                             sum(fee) FILTER (WHERE far) AS far
                      FROM fees GROUP BY month, phone),
             months AS (SELECT DISTINCT month FROM sums)
        SELECT m.month, u.ord, u.phone, u.name, u.rent, u.feature,
               coalesce(s.local, 0) AS local, coalesce(s.far, 0) AS far,
               u.rent + u.feature + coalesce(s.local, 0) + coalesce(s.far, 0) AS total
        FROM months m CROSS JOIN users u LEFT JOIN sums s ON s.month = m.month AND s.phone = u.phone""")
    con.execute(f"""
        COPY (SELECT month, phone, name, fen(rent) AS rent, fen(feature) AS feature, fen(local) AS local,
                     fen(far) AS long_distance, fen(total) AS total
              FROM rows ORDER BY month, ord)
        TO '{_sql_path(out / "bills.csv")}' (FORMAT csv, HEADER true)""")
    lines = "(FORMAT csv, HEADER false, QUOTE '', ESCAPE '', DELIMITER chr(1))"
    con.execute(f"""
        COPY (WITH r AS (SELECT month, ord, phone, name, fen(rent) AS c3, fen(feature) AS c4, fen(local) AS c5,
                                fen(far) AS c6, fen(total) AS c7 FROM rows),
                   w AS (SELECT *, max(length(phone)) OVER ()::INTEGER AS w1, max(cols(name)) OVER () AS w2,
                                max(length(c3)) OVER m::INTEGER AS w3, max(length(c4)) OVER m::INTEGER AS w4,
                                max(length(c5)) OVER m::INTEGER AS w5, max(length(c6)) OVER m::INTEGER AS w6,
                                max(length(c7)) OVER m::INTEGER AS w7
                         FROM r WINDOW m AS (PARTITION BY month))
              SELECT text FROM (
                  SELECT month, 0 AS ord, '== ' || month || ' ==' AS text FROM rows GROUP BY month
                  UNION ALL
                  SELECT month, ord + 1, rpad(phone, w1, ' ') || '  ' || name || repeat(' ', w2 - cols(name)) || '  '
                         || lpad(c3, w3, ' ') || '  ' || lpad(c4, w4, ' ') || '  ' || lpad(c5, w5, ' ') || '  '
                         || lpad(c6, w6, ' ') || '  ' || lpad(c7, w7, ' ') FROM w)
              ORDER BY month, ord)
        TO '{_sql_path(out / "bills.txt")}' {lines}""")
    con.execute(f"""
        COPY (SELECT line || '  # ' || code || ' (' || $1 || ' line ' || n || ')' FROM (
                  SELECT n, line, code FROM recs WHERE code IS NOT NULL
                  UNION ALL
                  SELECT s.n, r.line, 'overlap' FROM screened s JOIN recs r USING (n) WHERE s.clash)
              ORDER BY n)
        TO '{_sql_path(out / "anomalies.txt")}' {lines}""", [calls.name])
    con.close()


def _sql_path(path: Path) -> str:
    return str(path).replace("'", "''")


def main(argv: Sequence[str] | None = None) -> int:
    """The command line: ``USERS CALLS TARIFF OUTDIR [--threads N]``."""
    parser = argparse.ArgumentParser(prog="python -m benchmarks.duckdb_job", description=__doc__.split("\n\n")[0])
    parser.add_argument("users", type=Path)
    parser.add_argument("calls", type=Path)
    parser.add_argument("tariff", type=Path)
    parser.add_argument("out", type=Path, help="folder for bills.csv, bills.txt and anomalies.txt")
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--memory-limit", default=None, help="DuckDB's memory_limit, such as 2GiB (default: its own)")
    args = parser.parse_args(argv)
    run(args.users, args.calls, args.tariff, args.out, args.threads, args.memory_limit)
    return 0


if __name__ == "__main__":
    sys.exit(main())
