"""The Excel workbook of a release: one sheet per table, in the typed values of the DuckDB file, and a
sheet ``columns`` that explains every column. An .xlsx holds its text as Unicode, so Chinese text is
right whichever program opens it (a UTF-8 CSV without a byte-order mark is not, in Excel).

The same tables give the same bytes: fixed document dates, and cells written as what they are (a text
that begins with ``=`` stays text, never a formula; a URL stays text).
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path

from .package import Package
from .sql import ident

COLUMNS_SHEET = "columns"
ABOUT_SHEET = "about"
MAX_WIDTH = 60


def _created(package: Package) -> dt.datetime:
    text = str(package.descriptor.get("created", ""))[:10]
    try:
        return dt.datetime.strptime(text, "%Y-%m-%d")
    except ValueError:
        return dt.datetime(2000, 1, 1)


def write_xlsx(con, database: str, package: Package, path: Path) -> Path:
    """Write the workbook of ``package`` from the tables of the attached ``database``."""
    import xlsxwriter

    wb = xlsxwriter.Workbook(str(path), {
        "in_memory": True, "strings_to_formulas": False, "strings_to_urls": False, "strings_to_numbers": False,
    })
    try:
        created = _created(package)
        wb.set_properties({
            "title": package.descriptor.get("title", package.name), "subject": f"version {package.version}",
            "author": "; ".join(c.get("title", "") for c in package.descriptor.get("contributors", [])),
            "created": created, "comments": package.descriptor.get("description", ""),
        })
        wb.set_custom_property("version", package.version)
        bold = wb.add_format({"bold": True})
        wrap = wb.add_format({"text_wrap": True, "valign": "top"})
        date = wb.add_format({"num_format": "yyyy-mm-dd"})
        stamp = wb.add_format({"num_format": "yyyy-mm-dd hh:mm:ss"})
        whole = wb.add_format({"num_format": "0"})

        about = wb.add_worksheet(ABOUT_SHEET)
        about.set_column(0, 0, 18)
        about.set_column(1, 1, 100, wrap)
        rows = [
            ("dataset", package.descriptor.get("title", package.name)),
            ("version", package.version),
            ("description", package.descriptor.get("description", "")),
            ("sheets", f"one sheet per table; '{COLUMNS_SHEET}' explains every column"),
            ("licence", "; ".join(f"{x.get('name')}: {x.get('title', '')}"
                                  for x in package.descriptor.get("licenses", []))),
            ("homepage", package.descriptor.get("homepage", "")),
            ("never add up", "Figures of different scopes and periods overlap, and a figure reported by several "
                             "sources is one row per source (same_as points at the first): do not sum rows."),
        ]
        for r, (key, value) in enumerate(rows):
            about.write_string(r, 0, key, bold)
            about.write_string(r, 1, str(value))

        cols = wb.add_worksheet(COLUMNS_SHEET)
        header = ("table", "column", "type", "required", "description")
        for c, name in enumerate(header):
            cols.write_string(0, c, name, bold)
        r = 1
        for res in package.resources:
            for f in res.fields:
                for c, value in enumerate((res.name, f.name, f.kind.sql if f.type == "number" else f.type,
                                           "yes" if f.not_null else "no", f.description)):
                    cols.write_string(r, c, value)
                r += 1
        cols.freeze_panes(1, 0)
        cols.autofilter(0, 0, r - 1, len(header) - 1)
        cols.set_column(0, 1, 22)
        cols.set_column(2, 3, 14)
        cols.set_column(4, 4, 100, wrap)

        for res in package.resources:
            sheet = wb.add_worksheet(res.name[:31])
            order = ", ".join(ident(k) for k in res.primary_key) if res.primary_key else "ALL"
            names = [f.name for f in res.fields]
            query = f"SELECT {', '.join(ident(n) for n in names)} FROM {ident(database)}.{ident(res.name)} " \
                    f"ORDER BY {order}"
            widths = [len(n) for n in names]
            for c, name in enumerate(names):
                sheet.write_string(0, c, name, bold)
            last = 0
            for r, row in enumerate(con.execute(query).fetchall(), start=1):
                last = r
                for c, value in enumerate(row):
                    if value is None:
                        continue
                    if isinstance(value, str):
                        sheet.write_string(r, c, value)
                        widths[c] = max(widths[c], min(len(value), MAX_WIDTH))
                    elif isinstance(value, bool):
                        sheet.write_boolean(r, c, value)
                    elif isinstance(value, dt.datetime):
                        sheet.write_datetime(r, c, value, stamp)
                    elif isinstance(value, dt.date):
                        sheet.write_datetime(r, c, dt.datetime(value.year, value.month, value.day), date)
                    elif isinstance(value, Decimal | int) and value == int(value):
                        sheet.write_number(r, c, int(value), whole)
                        widths[c] = max(widths[c], len(str(int(value))))
                    else:
                        sheet.write_number(r, c, float(value))
                        widths[c] = max(widths[c], len(str(value)))
            sheet.freeze_panes(1, 0)
            sheet.autofilter(0, 0, last, len(names) - 1)
            for c, width in enumerate(widths):
                sheet.set_column(c, c, width + 2)
    finally:
        wb.close()
    return path
