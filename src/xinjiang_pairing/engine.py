"""The engine behind ``validate`` and ``build``: it loads every CSV once and runs every check of the
data (structure, cells, keys, foreign keys, rules), collecting every problem into one report.

Each CSV is read once, as text, into a typed table of the schema ``into`` (in memory for
``validate``, the new file for ``build``): every cell converted to its type, and, for a row with
any failing cell, its text kept aside in the column ``_bad`` so that each failing cell can be
reported with its value. Tables are read two at a time (``lanes``; large ones one after the
other). Keys, foreign keys and rules then run on the typed tables, each through
its ``typed_relation`` (typed columns and ``_row``, the line of the file where the row begins,
header = 1: the row's number, unless a quoted cell before it spans lines).

Row numbers: DuckDB keeps the order of the file when it copies a CSV as it is, but not always when
the same statement converts the cells (at a million rows it may reorder them). So a table of up to
``EXACT_BYTES`` is numbered by the reader itself (``WITH ORDINALITY``) before its cells are
converted; a larger one is read in one pass without numbers (faster), and as soon as one of its
cells fails, read again through a text copy (kept in file order) that is then converted with its
row numbers (numbering in the reader would convert it on one thread). If a later
check (a key, a foreign key, a rule) fails on a table read in one pass, the package is checked again
with every table read the first way, so that every problem has its true row. What is read again is
read in memory (``IN_MEMORY``), also for ``build``: a package with a problem is never written.
"""

from __future__ import annotations

import codecs
import contextlib
import csv
import datetime as dt
import io
import itertools
import os
import tempfile
import threading
from pathlib import Path

from . import rules, schema_sql
from .lanes import run_lanes
from .package import Package, Resource
from .report import Problem, Report, package_problem
from .sql import ident, lit

BAD = "_bad"  # the column holding the texts of a row with a failing cell, as a list
IN_MEMORY = "main"  # the schema of the connection's in-memory database
ROW = "_row"  # the line of the file where the row begins (header = 1)
EXACT_BYTES = 16 * 1024 * 1024  # tables of up to this size are read with their row numbers at once
SCAN_CHUNK = 8 * 1024 * 1024  # the line scan reads a file in pieces of this size
SCAN_EXACT_BYTES = 512 * 1024  # a file of up to this size with commas or line breaks inside its cells is read
# record by record at once (about 1 ms per 100 KiB) rather than counted in the loaded table (a query of
# some 5 ms, most of it planning, whatever the size)
MEMORY_LIMIT = os.environ.get("XINJIANG_PAIRING_MEMORY_LIMIT", "700MB")
REJECT_RULES = {
    "MISSING COLUMNS": ("missing-cell", "the row has too few cells"),
    "TOO MANY COLUMNS": ("extra-cell", "the row has too many cells"),
    "INVALID ENCODING": ("encoding-error", "the line is not valid UTF-8"),
    "INVALID UNICODE": ("encoding-error", "the line is not valid UTF-8"),
    "UNQUOTED VALUE": ("source-error", "a quoted value is not closed or is followed by other characters"),
    "LINE SIZE OVER MAXIMUM": ("source-error", "the line is too long"),
}


def connect(threads: int | None = None):
    """An in-memory DuckDB for loading and checks, capped in memory (it spills to a temporary
    folder beyond the cap), so large packages validate within a bounded footprint; ``threads``:
    how many threads a query may use (None: DuckDB's default, every core)."""
    from .duckdb_core import duckdb

    spill = Path(tempfile.gettempdir()) / "xinjiang-pairing-duckdb"
    con = duckdb.connect(config={"memory_limit": MEMORY_LIMIT, "temp_directory": str(spill)})
    con.execute("SET enable_progress_bar = false")
    if threads is not None:
        con.execute(f"SET threads = {int(threads)}")
    return con


def small(package: Package) -> bool:
    """No file of ``package`` is over ``EXACT_BYTES``: its queries run on one thread each (its two
    lanes run side by side; spreading a small query over threads costs more than it gains)."""
    return not any(is_large(r) for r in package.resources)


def threads(package: Package) -> int | None:
    """How many threads a query on ``package`` may use: one for a ``small`` package, otherwise
    None (DuckDB's default, every core)."""
    return 1 if small(package) else None


_shared: dict[int, object] = {}  # the DuckDB that ``session`` shares, by process (a fork makes its own)
_shared_lock = threading.Lock()
_sessions = itertools.count(1)


@contextlib.contextmanager
def session(package: Package):
    """A connection to check ``package`` on. A package with a file over ``EXACT_BYTES`` gets a
    DuckDB of its own (``connect``), on every core. The ``small`` ones share one DuckDB per
    process, made once (a new DuckDB costs 20-30 ms of CPU, most of what checking a small
    package takes), on one thread per query: each check in an in-memory database of its own, the
    connection's default, detached (its memory freed) when the check ends; the cursors of its
    ``lanes`` use it too."""
    if threads(package) is None:  # not small: a DuckDB of its own, on every core
        con = connect()
        try:
            yield con
        finally:
            con.close()
        return
    pid = os.getpid()
    with _shared_lock:
        if pid not in _shared:  # a forked process keeps its parent's DuckDB untouched (never closed)
            _shared[pid] = connect(threads=threads(package))  # 1: only small packages share it
        base = _shared[pid]
    con = base.cursor()
    name = ident(f"check_{pid}_{next(_sessions)}")
    try:
        con.execute(f"ATTACH ':memory:' AS {name}")
        con.execute(f"USE {name}")
        yield con
    finally:
        try:
            con.execute("USE memory")
            con.execute(f"DETACH DATABASE IF EXISTS {name}")
        finally:
            con.close()


def is_large(resource: Resource) -> bool:
    """A file over ``EXACT_BYTES``: read in one pass first, and never two at once."""
    return resource.path.is_file() and resource.path.stat().st_size > EXACT_BYTES


def loaded_table(resource: Resource) -> str:
    return f"_load_{resource.name}"


class DescriptorCheck:
    """The descriptor check (``descriptor.remembered_check``) in a thread beside the data checks:
    importing Frictionless is pure Python, while the data checks spend their time inside DuckDB,
    which lets other threads run."""

    def __init__(self, package: Package):
        from . import descriptor

        self.problems: list[Problem] = []
        self.error: BaseException | None = None

        def run() -> None:
            try:
                self.problems = descriptor.remembered_check(package)
            except BaseException as e:  # noqa: BLE001 - reported in result()
                self.error = e

        self.thread = threading.Thread(target=run, name="descriptor-check", daemon=True)
        self.thread.start()

    def result(self) -> list[Problem]:
        self.thread.join()
        if self.error is not None:
            return [package_problem(f"the descriptor check failed: {self.error}")]
        return self.problems


def check_header(resource: Resource) -> list[Problem]:
    """File-level checks done before DuckDB reads the file: present, not empty, header row."""
    rel = resource.rel_path
    path: Path = resource.path
    if not path.exists():
        return [Problem(rel, 0, "", "scheme-error", "the file does not exist")]
    with path.open("rb") as fh:
        head = fh.read(65536)
    if not head.strip():
        return [Problem(rel, 0, "", "empty-file", "the file is empty: it needs at least a header row")]
    first = head.replace(b"\r\n", b"\n").replace(b"\r", b"\n").split(b"\n", 1)[0]
    try:
        line = codecs.decode(first, "utf-8-sig")
    except UnicodeDecodeError as e:
        return [Problem(rel, 1, "", "encoding-error", f"the header row is not valid UTF-8 (byte {e.start + 1})")]
    names = next(csv.reader([line]), [])
    expected = resource.field_names
    if names == expected:
        return []
    problems = []
    missing = [n for n in expected if n not in names]
    extra = [n for n in names if n not in expected]
    for n in missing:
        problems.append(Problem(rel, 1, n, "header-error", f'the column "{n}" is missing from the header'))
    for n in extra:
        problems.append(
            Problem(rel, 1, n, "header-error", f'the header has a column "{n}" that the schema does not define')
        )
    if not missing and not extra:
        problems.append(
            Problem(rel, 1, "", "header-error",
                    "the columns are not in schema order; expected: " + ", ".join(expected))
        )
    return problems


class LineScan:
    """What DuckDB's reader passes over silently, found beside the load: blank lines, trailing
    cells that are empty (``...,true,,``), and line breaks inside quoted cells, after which a row's
    number in the table is no longer its line in the file.

    A thread counts the file's commas and line ends while DuckDB reads it (in C, without the GIL).
    Once the records are known, the counts settle the common case: as many lines as records means
    no blank line and no break inside a cell, and as many commas as the records need (plus those
    inside cells, counted in the loaded table by ``in_cells``) means no extra cell. Only
    otherwise is the file read record by record, once, for the exact lines; a file of up to
    ``SCAN_EXACT_BYTES`` with commas or line breaks inside its cells is read so at once (cheaper
    than the query that counts them)."""

    def __init__(self, resource: Resource):
        self.resource = resource
        self.commas = 0
        self.line_ends = 0  # LF, CR or CRLF
        self.last = b""  # the file's last byte
        self.error: BaseException | None = None
        self._exact: tuple[list[int] | None, list[Problem]] | None = None  # the record-by-record reading
        self.thread = threading.Thread(target=self._count, name="line-scan", daemon=True)
        self.thread.start()

    def _count(self) -> None:
        try:
            with self.resource.path.open("rb") as fh:  # in chunks: a large file is never held whole
                previous = b""
                while chunk := fh.read(SCAN_CHUNK):
                    self.commas += chunk.count(b",")
                    self.line_ends += chunk.count(b"\n") - (previous == b"\r" and chunk.startswith(b"\n"))
                    if b"\r" in chunk:  # rare: count the CRs that do not begin a CRLF
                        self.line_ends += chunk.count(b"\r") - chunk.count(b"\r\n")
                    previous = chunk[-1:]
                self.last = previous
        except BaseException as e:  # noqa: BLE001 - the exact reading reports what it can
            self.error = e

    def _lines(self) -> int:
        self.thread.join()
        return self.line_ends + (self.last not in (b"", b"\n", b"\r"))

    def record_lines(self, records: int) -> list[int] | None:
        """The file line where each record begins (header first), or None when that is the
        record's number. ``records``: the records DuckDB read, header included."""
        if self.error is None and self._lines() == records:
            return None
        return self.read_records()[0]

    def problems(self, records: int, in_cells) -> list[Problem]:
        """Blank rows and rows with empty extra cells, by file line. ``records``: the records
        DuckDB read, header included; ``in_cells(what)``: the commas (``","``) or line breaks
        (``"\\n"``) inside the cells read, or None if the table cannot tell."""
        extra_lines = self._lines() - records  # line breaks inside cells, and blank lines
        names = sum(f.name.count(",") for f in self.resource.fields)  # commas inside the header's cells
        extra_commas = self.commas - (len(self.resource.fields) - 1) * records - names
        if self.error is None and extra_lines >= 0 and extra_commas >= 0:
            if not (extra_lines or extra_commas):
                return []
            if (not self._small()  # a small file is cheaper to read than to count in the table
                    and (not extra_lines or in_cells("\n") == extra_lines)
                    and (not extra_commas or in_cells(",") == extra_commas)):
                return []
        return self.read_records()[1]

    def _small(self) -> bool:
        try:
            return self.resource.path.stat().st_size <= SCAN_EXACT_BYTES
        except OSError:
            return False

    def read_records(self) -> tuple[list[int] | None, list[Problem]]:
        """The file read record by record (once): the line where each record begins, as DuckDB
        counts records (a blank line is none), and the blank rows and rows with empty extra cells."""
        if self._exact is not None:
            return self._exact
        rel, n = self.resource.rel_path, len(self.resource.fields)
        starts: list[int] = []
        out: list[Problem] = []
        line = 0
        _long_cells()
        try:
            with self.resource.path.open(encoding="utf-8-sig", newline="") as fh:
                reader = csv.reader(fh)
                for row in reader:
                    start, line = line + 1, reader.line_num
                    if not row:
                        out.append(Problem(rel, start, "", "blank-row", "the row is blank"))
                        continue
                    starts.append(start)
                    if len(row) > n and not any(row[n:]):
                        out.append(Problem(rel, start, "", "extra-cell",
                                           f"the row has {len(row)} cells, the header has {n} (the extra cells "
                                           "are empty)"))
        except (UnicodeDecodeError, csv.Error, OSError):
            starts = None  # the load reports these
        self._exact = (starts, out)
        return self._exact


def lines_at(path: Path, offsets: list[int]) -> dict[int, int]:
    """The line of the file at each byte of ``offsets`` (CR, LF or CRLF ends a line), in one pass."""
    out: dict[int, int] = {}
    breaks, pos, previous = 0, 0, b""
    with path.open("rb") as fh:
        for offset in sorted(set(offsets)):
            chunk = fh.read(offset - pos)
            head = previous + chunk  # a CRLF split between two reads is one break
            breaks += chunk.count(b"\n") + chunk.count(b"\r") - (head.count(b"\r\n") - previous.count(b"\r\n"))
            pos, previous = offset, chunk[-1:]
            out[offset] = breaks + 1
    return out


def _long_cells() -> None:
    """Let Python's CSV reader take cells as long as DuckDB's lines may be (its default stops at 128 KiB)."""
    csv.field_size_limit(max(csv.field_size_limit(), 1 << 30))


def load(con, resource: Resource, into: str, exact: bool, scan: LineScan | None = None, again: bool = False
         ) -> tuple[list[Problem], int, int, list[str]]:
    """Read the CSV into the typed table ``<into>._load_<name>``, with the text of each row that has
    a failing cell in ``_bad``; with ``exact``, with the row numbers in ``_row``: the line of the file
    where the row begins (from the ``scan`` of the file, when a quoted cell spans lines). ``again``:
    the table was read before on this connection. Returns the malformed lines as problems, the rows
    read, the rows with a failing cell, and the checks of whole rows that the same count finds
    needed: the queries for blank rows and repeated keys (tagged, see ``tagged``), run only where a
    row breaks them."""
    from .duckdb_core import duckdb

    rel = resource.rel_path
    table = f"{into}.{ident(loaded_table(resource))}"
    raw = "[" + ", ".join(ident(f.name) for f in resource.fields) + "]"
    select = (f"{schema_sql.typed_columns(resource)}, "
              f"CASE WHEN {schema_sql.cell_failure_filter(resource)} THEN {raw} END AS {BAD}")
    if again:  # read before on this connection: DuckDB would add to the first read's malformed lines
        for kind in ("rejects", "rejscan"):
            con.execute(f"DROP TABLE IF EXISTS temp.{ident(schema_sql.internal_name(kind, resource))}")
    try:
        if exact and not is_large(resource):
            # the reader numbers the records it passes on, in file order (1 = the first after the header)
            names = ", ".join([*(ident(f.name) for f in resource.fields), ROW])
            source = f"{schema_sql.read_csv_sql(resource)} WITH ORDINALITY AS _src({names})"
            con.execute(f"CREATE OR REPLACE TABLE {table} AS SELECT {ROW} + 1 AS {ROW}, {select} FROM {source}")
        elif exact:  # a large table read again for its row numbers: numbering in the reader converts
            # on one thread, so the text is copied as it is first (in file order), then converted
            text = ident(f"text_{resource.name}")
            con.execute(f"CREATE OR REPLACE TEMP TABLE {text} AS SELECT * FROM {schema_sql.read_csv_sql(resource)}")
            con.execute(f"CREATE OR REPLACE TABLE {table} AS SELECT rowid + 2 AS {ROW}, {select} FROM {text}")
            con.execute(f"DROP TABLE {text}")
        if not exact:
            con.execute(f"CREATE OR REPLACE TABLE {table} AS SELECT {select} FROM {schema_sql.read_csv_sql(resource)}")
    except duckdb.InterruptException:  # stopped (``lanes``): no fault of the file
        raise
    except Exception as e:  # a file DuckDB cannot read at all
        return [Problem(rel, 0, "", "source-error", str(e).splitlines()[0])], 0, 0, []
    problems = []
    rejects = con.execute(
        f"SELECT line, line_byte_position, error_type, csv_line FROM {schema_sql.internal_name('rejects', resource)} "
        "ORDER BY line"
    ).fetchall()
    # DuckDB counts records, not lines: the line is found from the byte where the record begins
    lines = lines_at(resource.path, [r[1] for r in rejects if r[1] is not None]) if rejects else {}
    for line, offset, etype, csv_line in rejects:
        rule, words = REJECT_RULES.get(etype, ("source-error", etype.lower()))
        if rule in ("missing-cell", "extra-cell") and csv_line is not None:
            records = [r for r in csv.reader(io.StringIO(csv_line, newline="")) if r]
            found = len(records[0]) if records else 0
            words = f"the row has {found} cells, the header has {len(resource.fields)}"
        problems.append(Problem(rel, lines.get(offset, int(line)), "", rule, words))
    checks = [(f"count(*) FILTER (WHERE {_blank(resource)})", _blank_rows_sql(resource, into, exact)),
              *schema_sql.key_check_sql(resource, typed_relation(resource, into, exact))]
    rows, bad, *found = con.execute(
        f"SELECT count(*), count({BAD}), {', '.join(gate for gate, _ in checks)} FROM {table}").fetchone()
    needed = [query for n, (_, query) in zip(found, checks, strict=True) if n]
    starts = scan.record_lines(rows + len(problems) + 1) if exact and scan is not None else None
    if starts is not None:  # a record spans lines, or a blank line comes first: record n begins on line starts[n]
        con.execute(f"UPDATE {table} SET {ROW} = coalesce(list_extract($starts, CAST({ROW} AS INTEGER)), "
                    f"{ROW})", {"starts": starts})
    return problems, rows + len(problems), bad, tagged(resource, needed)


def in_cells(con, resource: Resource, into: str, what: str) -> int | None:
    """How many commas (``what = ","``) or line breaks (``"\\n"``: LF, CR or CRLF) the cells of a
    loaded table hold: in its text columns (those whose enum or pattern allows one: in a row with
    no failing cell, every cell passes them), or, in a row with a failing cell, in all its texts.
    None if a missing value holds one (such cells are read as empty) or the table cannot be read."""
    from .duckdb_core import duckdb

    chars = "," if what == "," else "\n\r"  # the characters counted
    if any(c in v for v in resource.missing_values for c in chars):
        return None

    def times(text: str, part: str) -> str:
        return f"(strlen({text}) - strlen(replace({text}, {part}, '')))"

    def count(text: str) -> str:
        if what == ",":
            found = f"CASE WHEN contains({text}, ',') THEN {times(text, lit(','))} ELSE 0 END"
        else:  # a CRLF is one break
            found = (f"CASE WHEN regexp_matches({text}, '[\\r\\n]') THEN {times(text, 'chr(10)')} + "
                     f"{times(text, 'chr(13)')} - {times(text, 'chr(13) || chr(10)')} // 2 ELSE 0 END")
        return f"coalesce({found}, 0)"

    # a column whose enum or pattern rules them out holds none
    texts = " + ".join(count(ident(f.name)) for f in resource.fields
                       if f.sql_type == "VARCHAR" and f.may_contain(chars)) or "0"
    bad = f"coalesce(list_sum(list_transform({BAD}, lambda x: {count('x')})), 0)"
    try:
        found = con.execute(f"SELECT sum(CASE WHEN {BAD} IS NULL THEN {texts} ELSE {bad} END) "
                            f"FROM {ident(into)}.{ident(loaded_table(resource))}").fetchone()
    except duckdb.InterruptException:
        raise
    except duckdb.Error:
        return None
    return int(found[0] or 0)


def make_view(con, resource: Resource, into: str, exact: bool) -> None:
    """The view ``typed_<name>`` of a loaded table: its typed columns and ``_row``. Kept in the
    connection's in-memory database (never in the file), and not temporary: the rules read it on
    connections of their own."""
    row = "" if exact else f"rowid + 2 AS {ROW}, "
    con.execute(f"CREATE OR REPLACE VIEW main.{schema_sql.typed_view(resource)} AS "
                f"SELECT {row}* EXCLUDE ({BAD}) FROM {ident(into)}.{ident(loaded_table(resource))}")


def typed_relation(resource: Resource, into: str, exact: bool) -> str:
    """The relation that checks read a loaded table through: its typed columns and ``_row``. A table
    read exactly holds them (a view of it would cost every query a second binding); one read in one
    pass is seen through its view ``typed_<name>``, which numbers the rows."""
    return f"{into}.{ident(loaded_table(resource))}" if exact else schema_sql.typed_view(resource)


def check_patterns(con, package: Package) -> dict[str, list[Problem]]:
    """Every pattern of every schema compiles in DuckDB's regular expression engine (RE2), which
    accepts less than Python's: checked before the files are read, all in one query (one by one
    only if one fails). Returns the problems of each resource that has any."""
    from .duckdb_core import duckdb

    fields = [(res, f) for res in package.resources for f in res.fields if f.constraints.get("pattern") is not None]
    patterns = [f.constraints["pattern"] for _, f in fields]
    if not patterns:
        return {}
    try:
        con.execute("SELECT " + ", ".join("regexp_full_match('', ?)" for _ in patterns), patterns).fetchall()
        return {}
    except duckdb.Error:  # one of them cannot be compiled: find which (an interruption is not one)
        pass
    out: dict[str, list[Problem]] = {}
    for (res, f), pattern in zip(fields, patterns, strict=True):
        try:
            con.execute("SELECT regexp_full_match('', ?)", [pattern]).fetchall()
        except duckdb.Error as e:  # DuckDB's error for a pattern it cannot compile
            first = str(e).splitlines()[0] if str(e) else type(e).__name__
            out.setdefault(res.name, []).append(Problem(res.rel_path, 0, f.name, "schema-error",
                                                        f"the pattern {pattern!r} cannot be used: {first}"))
    return out


def tagged(resource: Resource, queries: list[str], kind: str = "") -> list[str]:
    """Check queries returning (row, column, rule, value, message), each with the file and a
    ``kind`` in front, so that the checks of every table run as one query."""
    return [f"SELECT {lit(resource.rel_path)} AS file, {lit(kind)} AS kind, * FROM ({q})" for q in queries]


def run_checks(con, queries: list[str], ctes: list[str] = ()) -> list[tuple[str, Problem]]:
    """(kind, problem) for every row of the tagged ``queries``, run as one query (``ctes``: the
    WITH clauses they use)."""
    if not queries:
        return []
    sql = ("WITH " + ", ".join(ctes) + "\n" if ctes else "") + "\nUNION ALL\n".join(queries)
    return [
        (kind, Problem(file, int(row), column, rule, message, value))
        for file, kind, row, column, rule, value, message in con.execute(sql).fetchall()
    ]


def _cell_checks(resource: Resource, into: str, exact: bool) -> tuple[str, list[str]]:
    """The CTE of the rows of one table that the load set aside, and the queries for their
    failing cells."""
    table = f"{into}.{ident(loaded_table(resource))}"
    bad = ident(f"bad_{resource.name}")
    cells = ", ".join(f"{BAD}[{i + 1}] AS {ident(f.name)}" for i, f in enumerate(resource.fields))
    row = ROW if exact else "rowid + 2"
    cte = f"{bad} AS MATERIALIZED (SELECT {row} AS _rid, {cells} FROM {table} WHERE {BAD} IS NOT NULL)"
    return cte, tagged(resource, schema_sql.cell_check_sql(resource, bad, "_rid"), "cell")


def _blank_rows_sql(resource: Resource, into: str, exact: bool) -> str:
    """Rows whose every cell is missing (``,,,``): a blank row, as the Table Schema spec says."""
    table = f"{into}.{ident(loaded_table(resource))}"
    row = ROW if exact else "rowid + 2"
    return (f"SELECT {row} AS row, '' AS column, 'blank-row' AS rule, NULL AS value, "
            f"'the row is blank: every cell is missing' AS message FROM {table} WHERE {_blank(resource)}")


def _blank(resource: Resource) -> str:
    """True for a row of the loaded table whose every cell is missing."""
    empty = " AND ".join(f"{ident(f.name)} IS NULL" for f in resource.fields)
    return f"{empty} AND coalesce(list_aggregate({BAD}, 'count'), 0) = 0"


def check(con, package: Package, into: str = "main", today: dt.date | None = None) -> Report:
    """Load every CSV of ``package`` into the schema ``into`` and run every data check. The report's
    ``rows_checked`` holds the rows of every table read."""
    large = {r.rel_path for r in package.resources if is_large(r)}
    report = _check(con, package, into, today, large)  # a large table with a failing cell leaves ``large``
    if any(p.row and p.file in large for p in report.problems):  # a row number may be off: again, exactly,
        report = _check(con, package, IN_MEMORY, today, set(), again=True)  # in memory (nothing is written)
    return report


def _read(con, resource: Resource, into: str, exact: bool, again: bool):
    """Load one table (``load``), a large one read in one pass again exactly if a cell fails, and
    add what the line scan finds. Returns the problems, the rows, the rows with a failing cell,
    the checks of whole rows needed, and where the table is: (its schema, whether it was read
    exactly). A table read again is read into memory (``IN_MEMORY``): with a failing cell, it is
    never written to a file."""
    scan = LineScan(resource)
    problems, rows, bad, needed = load(con, resource, into, exact, scan, again)
    if bad and not exact:  # failing cells are reported with their rows: read it again, exactly
        exact, into = True, IN_MEMORY
        problems, rows, bad, needed = load(con, resource, into, True, scan, again=True)
    found = scan.problems(rows + 1, lambda what: in_cells(con, resource, into, what))
    return problems + found, rows, bad, needed, (into, exact)


def _read_all(con, resources: list[Resource], into: str, large: set[str], again: bool) -> dict[str, tuple]:
    """``_read`` every table, two at a time (``lanes``). Files over ``EXACT_BYTES`` are read one
    after the other in one lane, so that two of them never hold memory at once."""
    def step(resource: Resource):
        return lambda cursor: (resource.name, _read(cursor, resource, into, resource.rel_path not in large, again))

    big = [r for r in resources if is_large(r)]
    lanes = ([[step(r) for r in big]] if big else []) + [[step(r)] for r in resources if r not in big]
    return dict(read for lane in run_lanes(con, lanes) for read in lane)


def _check(con, package: Package, into: str, today: dt.date | None, large: set[str], again: bool = False
           ) -> Report:
    """Every check, the tables of ``large`` read in one pass (those read again exactly, because a
    cell fails, are taken out of it); ``again``: every table was read before on this connection."""
    report = Report()
    loaded: list[Resource] = []
    located: dict[str, tuple[str, bool]] = {}  # where each loaded table is: (schema, read exactly)
    failing: list[Resource] = []  # loaded tables with a row that has a failing cell
    row_checks: list[str] = []  # blank rows and repeated keys, where the load's count found any
    patterns = check_patterns(con, package)
    headers = {res.name: check_header(res) or patterns.get(res.name) for res in package.resources}
    reads = _read_all(con, [r for r in package.resources if not headers[r.name]], into, large, again)
    for res in package.resources:
        if headers[res.name]:
            report.extend(headers[res.name])
            continue
        problems, report.rows_checked[res.name], bad, needed, (where, exact) = reads[res.name]
        if exact:  # read again exactly, because a cell fails (or never read in one pass)
            large.discard(res.rel_path)
        report.extend(sorted(set(problems)))
        if problems:  # row numbers of later checks would be off: fix the file first
            continue
        located[res.name] = (where, exact)
        make_view(con, res, where, exact)
        loaded.append(res)
        row_checks += needed
        if bad:
            failing.append(res)
    # every failing cell, blank row, repeated key and dangling foreign key of every table in one query
    views = {r.name: typed_relation(r, *located[r.name]) for r in loaded}
    ctes, queries = [], row_checks
    for res in failing:
        cte, cells = _cell_checks(res, *located[res.name])
        ctes.append(cte)
        queries += cells
    foreign = schema_sql.foreign_key_sql(package, views)
    queries += [foreign] if foreign else []
    report.extend(p for _, p in run_checks(con, queries, ctes))
    clean = set(views) - {r.name for r in failing}  # the tables whose every cell passes
    report.extend(rules.run_rules(con, package, views, today or dt.date.today(), clean))
    return report
