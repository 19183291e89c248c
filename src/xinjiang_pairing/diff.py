"""Compare two versions of the data package, table by table on primary keys, and classify the change
as the Frictionless "Data Package Version" recipe does.

- major: a table or field removed (a rename is a removal and an addition), a field retyped, fields
  reordered, a constraint tightened, a primary key changed or a foreign key added, rows removed
  from a table that other tables reference;
- minor: a table, field or rows added, a constraint loosened, a foreign key removed;
- patch: cells changed (data corrections), rows removed from a table no other table references,
  metadata (titles, descriptions, descriptor properties).

Rows are compared in DuckDB on the typed values, shown as text, so "1" and "1.0" in a number
column are the same value.
"""

from __future__ import annotations

from contextlib import ExitStack
from dataclasses import dataclass, field
from pathlib import Path

from .fields import constraint_changes
from .snapshot import Column, Snapshot, Table, load
from .sql import ident

RANK = {None: 0, "patch": 1, "minor": 2, "major": 3}
NUMERIC = {"TINYINT", "SMALLINT", "INTEGER", "BIGINT", "HUGEINT", "UTINYINT", "USMALLINT", "UINTEGER",
           "UBIGINT", "FLOAT", "REAL", "DOUBLE"}


@dataclass(frozen=True)
class Change:
    level: str
    table: str  # "" for the package
    what: str
    detail: str = ""

    @property
    def body(self) -> str:
        return self.what + (f": {self.detail}" if self.detail else "")

    def text(self) -> str:
        return f"{self.table or 'package'}: {self.body}"

    def to_dict(self) -> dict:
        return {"level": self.level, "table": self.table, "change": self.what, "detail": self.detail}


@dataclass
class TableRows:
    table: str
    status: str  # "both", "added" (only in new) or "removed" (only in old)
    key: tuple[str, ...]
    referenced: bool  # another table has a foreign key to this one
    added: list[dict] = field(default_factory=list)
    removed: list[dict] = field(default_factory=list)
    changed: list[dict] = field(default_factory=list)  # {"key": {...}, "cells": {column: {"old", "new"}}}

    @property
    def counts(self) -> str:
        return f"{len(self.added)} added, {len(self.removed)} removed, {len(self.changed)} changed"

    def changes(self) -> list[Change]:
        """What the rows say about the version: only for tables in both versions (a table added or
        removed is already a schema change)."""
        if self.status != "both":
            return []
        out = []
        if self.added:
            out.append(Change("minor", self.table, f"{_rows(self.added)} added"))
        if self.removed:
            if self.referenced:
                out.append(Change("major", self.table, f"{_rows(self.removed)} removed from a referenced table"))
            else:
                out.append(Change("patch", self.table, f"{_rows(self.removed)} removed"))
        if self.changed:
            out.append(Change("patch", self.table, f"{_rows(self.changed)} changed"))
        return out


def _rows(items: list) -> str:
    return f"{len(items)} row{'' if len(items) == 1 else 's'}"


@dataclass
class Diff:
    old: Snapshot
    new: Snapshot
    schema: list[Change]
    metadata: list[Change]
    rows: list[TableRows]

    @property
    def reasons(self) -> list[Change]:
        """Every change that matters for the version, the weightiest first."""
        out = list(self.schema)
        for t in self.rows:
            out.extend(t.changes())
        return sorted(out + self.metadata, key=lambda c: -RANK[c.level])

    @property
    def level(self) -> str | None:
        """The smallest version bump these changes need: "major", "minor", "patch" or None."""
        return max((c.level for c in self.reasons), key=RANK.__getitem__, default=None)

    def reasons_above(self, level: str | None) -> list[Change]:
        return [c for c in self.reasons if RANK[c.level] > RANK[level]]

    def to_dict(self) -> dict:
        def side(s: Snapshot) -> dict:
            return {"path": str(s.path), "kind": s.kind, "version": s.version}

        return {
            "old": side(self.old),
            "new": side(self.new),
            "level": self.level,
            "reasons": [c.to_dict() for c in self.reasons],
            "schema": [c.to_dict() for c in self.schema],
            "metadata": [c.to_dict() for c in self.metadata],
            "tables": {
                t.table: {
                    "status": t.status,
                    "key": list(t.key),
                    "added": len(t.added),
                    "removed": len(t.removed),
                    "changed": len(t.changed),
                    "rows": {"added": t.added, "removed": t.removed, "changed": t.changed},
                }
                for t in self.rows
            },
        }

    def to_text(self, limit: int | None = 20) -> str:
        lines = [f"old: {self.old.describe()}", f"new: {self.new.describe()}", ""]
        by_table: dict[str, list[Change]] = {}
        for c in self.schema + self.metadata:
            by_table.setdefault(c.table, []).append(c)
        lines.extend(f"{c.text()}  [{c.level}]" for c in by_table.pop("", []))
        for t in self.rows:
            changes = by_table.get(t.table, [])
            if not (changes or t.added or t.removed or t.changed):
                continue
            lines.append(f"{t.table}: {t.counts}" + {"both": "", "added": " (new table)",
                                                     "removed": " (table removed)"}[t.status])
            lines.extend(f"  {c.body}  [{c.level}]" for c in changes)
            lines.extend(_row_lines(t, limit))
        if len(lines) == 3:
            lines.append("no differences")
        lines += ["", f"release: {(self.level or 'none').upper()}"]
        lines.extend(f"  {c.level}: {c.text()}" for c in self.reasons)
        return "\n".join(lines)

    def to_changelog(self) -> str:
        """Markdown to paste under a version heading of CHANGELOG.md."""
        data = [f"- `{t.table}`: {t.counts}" + (" (new table)" if t.status == "added" else "")
                for t in self.rows if t.added or t.removed or t.changed]
        schema = [f"- `{c.table}`: {c.body}" for c in self.schema]
        meta = [f"- {f'`{c.table}`' if c.table else 'package'}: {c.body}" for c in self.metadata]
        out = []
        for title, items in (("Data", data), ("Schema", schema), ("Metadata", meta)):
            if items:
                out += [f"### {title}", "", *items, ""]
        return "\n".join(out).rstrip("\n") + "\n" if out else "No changes.\n"


def _row_lines(t: TableRows, limit: int | None) -> list[str]:
    def key(k: dict) -> str:
        return ", ".join(f"{c}={v}" for c, v in k.items())

    def shown(value) -> str:
        return "(empty)" if value is None else value

    items = [f"  + {key(r)}" for r in t.added] + [f"  - {key(r)}" for r in t.removed]
    for r in t.changed:
        cells = "; ".join(f"{c}: {shown(v['old'])} -> {shown(v['new'])}" for c, v in r["cells"].items())
        items.append(f"  ~ {key(r['key'])}: {cells}")
    if limit is not None and len(items) > limit:
        return items[:limit] + [f"  ... and {len(items) - limit} more rows (--limit 0 lists all)"]
    return items


def compare(old: str | Path, new: str | Path) -> Diff:
    """Compare two versions; each is a package folder, a release CSV zip, a dist/<version>/ folder
    or a DuckDB file. Raises ``SnapshotError`` if one cannot be read."""
    import duckdb

    con = duckdb.connect()
    try:
        with ExitStack() as stack:
            a = load(con, old, "old", stack)
            b = load(con, new, "new", stack)
            return compare_snapshots(con, a, b)
    finally:
        con.close()


def compare_snapshots(con, old: Snapshot, new: Snapshot) -> Diff:
    referenced = {
        ref for snap in (old, new) for t in snap.tables.values() for _, ref, _ in t.foreign_keys if ref != t.name
    }
    schema: list[Change] = []
    metadata: list[Change] = []
    rows = []
    if old.metadata is not None and new.metadata is not None:
        keys = sorted(k for k in set(old.metadata) | set(new.metadata) if old.metadata.get(k) != new.metadata.get(k))
        if keys:
            metadata.append(Change("patch", "", "descriptor properties changed", ", ".join(keys)))
    for name in sorted(set(old.tables) | set(new.tables)):
        a, b = old.tables.get(name), new.tables.get(name)
        if a is None:
            schema.append(Change("minor", name, "table added"))
            rows.append(_all_rows(con, new, b, "added", name in referenced))
        elif b is None:
            schema.append(Change("major", name, "table removed"))
            rows.append(_all_rows(con, old, a, "removed", name in referenced))
        else:
            schema.extend(table_changes(a, b))
            metadata.extend(_metadata_changes(a, b))
            rows.append(_compare_rows(con, old, new, a, b, name in referenced))
    return Diff(old, new, schema, metadata, rows)


def table_changes(a: Table, b: Table) -> list[Change]:
    """Schema changes of one table."""
    out = []
    name = a.name
    common = [c for c in a.column_names if b.column(c)]
    for c in a.column_names:
        if not b.column(c):
            out.append(Change("major", name, "field removed", c))
    for c in b.columns:
        if not a.column(c.name):
            out.append(Change("minor", name, "field added", f"{c.name} ({c.type})"))
    for c in common:
        x, y = a.column(c), b.column(c)
        if x.type != y.type:
            out.append(Change("major", name, "field retyped", f"{c} ({x.type} -> {y.type})"))
        for tighter, text in constraint_changes(x.constraints, y.constraints):
            level, what = ("major", "constraint tightened") if tighter else ("minor", "constraint loosened")
            out.append(Change(level, name, what, f"{c} {text}"))
    if common != [c for c in b.column_names if a.column(c)]:
        out.append(Change("major", name, "fields reordered", ", ".join(c for c in b.column_names if a.column(c))))
    if a.primary_key != b.primary_key:
        out.append(Change("major", name, "primary key changed",
                          f"({', '.join(a.primary_key)}) -> ({', '.join(b.primary_key)})"))
    for fk in sorted(b.foreign_keys - a.foreign_keys):
        out.append(Change("major", name, "foreign key added", _fk_text(fk)))
    for fk in sorted(a.foreign_keys - b.foreign_keys):
        out.append(Change("minor", name, "foreign key removed", _fk_text(fk)))
    return out


def _fk_text(fk) -> str:
    fields, ref, ref_fields = fk
    return f"({', '.join(fields)}) -> {ref} ({', '.join(ref_fields)})"


def _metadata_changes(a: Table, b: Table) -> list[Change]:
    out = []
    if a.comment is not None and b.comment is not None and a.comment != b.comment:
        out.append(Change("patch", a.name, "title or description changed"))
    changed = [
        c.name for c in b.columns
        if (x := a.column(c.name)) and x.description is not None and c.description is not None
        and (x.description or "") != (c.description or "")
    ]
    if changed:
        out.append(Change("patch", a.name, "field descriptions changed", ", ".join(changed)))
    return out


def _as_text(alias: str, column: str) -> str:
    return f"CAST({alias}.{ident(column)} AS VARCHAR)"


def _comparable(alias: str, col: Column, other: Column) -> str:
    """An expression for ``col`` that compares equal to ``other`` when the values are the same."""
    if col.sql_type == other.sql_type:
        return f"{alias}.{ident(col.name)}"
    if all(t in NUMERIC or t.startswith("DECIMAL") for t in (col.sql_type, other.sql_type)):
        return f"CAST({alias}.{ident(col.name)} AS DOUBLE)"
    return _as_text(alias, col.name)


def _key_of(a: Table, b: Table) -> tuple[str, ...]:
    for key in (b.primary_key, a.primary_key):
        if key and all(a.column(k) and b.column(k) for k in key):
            return key
    return ()


def _fetch_dicts(con, sql: str) -> list[dict]:
    cur = con.execute(sql)
    names = [d[0] for d in cur.description]
    return [dict(zip(names, r, strict=True)) for r in cur.fetchall()]


def _all_rows(con, snap: Snapshot, t: Table, status: str, referenced: bool) -> TableRows:
    cols = t.primary_key or tuple(t.column_names)
    select = ", ".join(f"{_as_text('t', c)} AS {ident(c)}" for c in cols)
    found = _fetch_dicts(con, f"SELECT {select} FROM {ident(snap.schema)}.{ident(t.name)} t ORDER BY ALL")
    result = TableRows(t.name, status, t.primary_key, referenced)
    setattr(result, status, found)
    return result


def _compare_rows(con, old: Snapshot, new: Snapshot, a: Table, b: Table, referenced: bool) -> TableRows:
    key = _key_of(a, b)
    result = TableRows(a.name, "both", key, referenced)
    o = f"{ident(old.schema)}.{ident(a.name)}"
    n = f"{ident(new.schema)}.{ident(b.name)}"
    if not key:  # no key in common: compare whole rows (as text) as multisets
        cols = [c for c in b.column_names if a.column(c)]
        sel = ", ".join(f"{_as_text('t', c)} AS {ident(c)}" for c in cols)
        result.added = _fetch_dicts(con, f"SELECT {sel} FROM {n} t EXCEPT ALL SELECT {sel} FROM {o} t ORDER BY ALL")
        result.removed = _fetch_dicts(con, f"SELECT {sel} FROM {o} t EXCEPT ALL SELECT {sel} FROM {n} t ORDER BY ALL")
        return result
    on = " AND ".join(f"{_as_text('o', k)} = {_as_text('n', k)}" for k in key)
    for side, this, other, target in (("n", n, o, "added"), ("o", o, n, "removed")):
        sel = ", ".join(f"{_as_text(side, k)} AS {ident(k)}" for k in key)
        alias = "o" if side == "n" else "n"
        setattr(result, target, _fetch_dicts(
            con, f"SELECT {sel} FROM {this} {side} WHERE NOT EXISTS (SELECT 1 FROM {other} {alias} WHERE {on}) "
                 "ORDER BY ALL"))
    cols = [(a.column(c.name), c) for c in b.columns if a.column(c.name) and c.name not in key]
    if not cols:
        return result
    picks = [_as_text("o", k) for k in key]
    tests = []
    for x, y in cols:
        test = f"({_comparable('o', x, y)} IS DISTINCT FROM {_comparable('n', y, x)})"
        picks += [_as_text("o", x.name), _as_text("n", y.name), test]
        tests.append(test)
    sql = (f"SELECT {', '.join(picks)} FROM {o} o JOIN {n} n ON {on} WHERE {' OR '.join(tests)} "
           f"ORDER BY {', '.join(str(i + 1) for i in range(len(key)))}")
    for row in con.execute(sql).fetchall():
        cells = {}
        for i, (_, y) in enumerate(cols):
            before, after, differs = row[len(key) + 3 * i: len(key) + 3 * i + 3]
            if differs:
                cells[y.name] = {"old": before, "new": after}
        result.changed.append({"key": dict(zip(key, row[: len(key)], strict=True)), "cells": cells})
    return result
