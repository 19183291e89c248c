"""Read the dataset's CSV files with the right types, in pandas, Polars and R, from the Table Schemas.

A client's plain CSV reader guesses types: dates become text, years and codes floats, an all-empty
column text, and R keeps empty strings. The column types below come from each table's Table Schema
(``Field.pandas_dtype``, ``Field.polars_type``, ``Field.r_class``), and the cells the schema calls
missing (``missingValues``, by default the empty cell) are missing values:

    from xinjiang_pairing.read import pandas_frame, polars_frame
    funding = pandas_frame("funding")        # needs pandas (the ``pandas`` extra)
    funding = polars_frame("funding")        # needs Polars (the ``polars`` extra)

``root`` is a data package folder (``datapackage.json``, ``schemas/``, ``data/``): by default the one
shipped with the installed package, or this checkout. The same types are written out as code for
the dataset README of the CSV zip (``pandas_code``, ``polars_code``, ``r_code``).
"""

from __future__ import annotations

from pathlib import Path

from .package import Package, Resource, load_package


def package_root() -> Path:
    """The data package shipped with the installed package, or the checkout's."""
    here = Path(__file__).resolve().parent
    for candidate in (here / "data", here.parents[1]):
        if (candidate / "datapackage.json").is_file():
            return candidate
    raise FileNotFoundError("no datapackage.json found: pass the folder of the data package as root")


def _resource(table: str, root: str | Path | None) -> Resource:
    package = load_package(root or package_root())
    return package.resource(table)


def pandas_dtypes(res: Resource) -> tuple[dict[str, str], list[str]]:
    """(dtype per column, the date columns to parse) for ``pandas.read_csv``."""
    dtypes = {f.name: f.pandas_dtype for f in res.fields if f.pandas_dtype != "date"}
    return dtypes, [f.name for f in res.fields if f.pandas_dtype == "date"]


def pandas_frame(table: str, root: str | Path | None = None):
    """The table as a pandas DataFrame with the types of its Table Schema."""
    import pandas as pd

    res = _resource(table, root)
    dtypes, dates = pandas_dtypes(res)
    return pd.read_csv(res.path, dtype=dtypes, parse_dates=dates, date_format="%Y-%m-%d",
                       keep_default_na=False, na_values=list(res.missing_values), encoding="utf-8")


def polars_frame(table: str, root: str | Path | None = None):
    """The table as a Polars DataFrame with the types of its Table Schema."""
    import polars as pl

    res = _resource(table, root)
    frame = pl.read_csv(res.path, infer_schema=False, null_values=list(res.missing_values),
                        encoding="utf8")
    return frame.select(f.polars_read() for f in res.fields)


# Code for the dataset README: the same types, written out for each client.

def _py_dict(items: dict[str, str], indent: str) -> str:
    return "{\n" + "".join(f'{indent}    "{k}": "{v}",\n' for k, v in items.items()) + indent + "}"


def pandas_code(package: Package) -> str:
    lines = ["import pandas as pd", "", "TYPES = {"]
    for res in package.resources:
        dtypes, dates = pandas_dtypes(res)
        lines.append(f'    "{res.name}": ({_py_dict(dtypes, "    ")}, {dates!r}),')
    lines += [
        "}",
        "",
        "def read(table):",
        "    dtype, dates = TYPES[table]",
        '    return pd.read_csv(f"data/{table}.csv", dtype=dtype, parse_dates=dates, date_format="%Y-%m-%d",',
        '                       keep_default_na=False, na_values=[""])',
        "",
        'funding = read("funding")',
    ]
    return "\n".join(lines)


def _polars_expr(f) -> str:
    if f.kind.parse == "date":
        return f'pl.col("{f.name}").str.to_date("%Y-%m-%d")'
    if f.kind.parse == "datetime":
        return f'pl.col("{f.name}").str.to_datetime()'
    if f.kind.polars == "String":
        return f'pl.col("{f.name}")'
    return f'pl.col("{f.name}").cast(pl.{f.kind.polars})'


def polars_code(package: Package) -> str:
    lines = ["import polars as pl", "", "TYPES = {"]
    for res in package.resources:
        lines.append(f'    "{res.name}": [')
        lines += [f"        {_polars_expr(f)}," for f in res.fields]
        lines.append("    ],")
    lines += [
        "}",
        "",
        "def read(table):",
        '    text = pl.read_csv(f"data/{table}.csv", infer_schema=False, null_values=[""])',
        "    return text.select(TYPES[table])",
        "",
        'funding = read("funding")',
    ]
    return "\n".join(lines)


def r_code(package: Package) -> str:
    lines = ["types <- list("]
    for i, res in enumerate(package.resources):
        classes = ", ".join(f'{f.name} = "{f.r_class}"' for f in res.fields)
        lines.append(f"  {res.name} = c({classes}){',' if i < len(package.resources) - 1 else ''}")
    lines += [
        ")",
        "read_table <- function(table) {",
        '  read.csv(file.path("data", paste0(table, ".csv")), colClasses = types[[table]],',
        '           na.strings = "", encoding = "UTF-8", fileEncoding = "UTF-8")',
        "}",
        'funding <- read_table("funding")',
    ]
    return "\n".join(lines)
