"""The structure of the descriptor and of every Table Schema, checked before any data is read.

Each problem names the file and the JSON path (``resources[2].schema``, ``fields[3].constraints``)
and says what is wrong. Three kinds are refused:

- what the Data Package (v2) and Table Schema profiles do not allow (a property of the wrong kind,
  a constraint a type does not have, a key naming a field that does not exist, an unsafe path);
- what the profiles allow but this project does not implement (a type, a constraint, a field
  format, a CSV dialect, a path given as a list of files): refused by name, never silently ignored;
- names the engine cannot use safely: resource names must follow the Data Package rule
  (lower-case letters, digits, ``-``, ``_`` and ``.``), and field names must not be the engine's
  own columns.

Pure Python: nothing here imports Frictionless or DuckDB.
"""

from __future__ import annotations

import datetime as dt
import json
import math
import re
from pathlib import Path, PurePosixPath
from urllib.parse import urlparse

from .report import Problem

PACKAGE_FILE = "datapackage.json"
NAME_PATTERN = re.compile(r"[a-z0-9._-]+")  # the Data Package rule for names (without "/")
RESERVED_FIELDS = ("_row", "_bad", "_rid", "rowid")  # columns the engine adds or reads beside a table's own
SUPPORTED_TYPES = ("string", "integer", "number", "date", "datetime", "boolean", "year")
OTHER_TYPES = ("object", "array", "list", "time", "yearmonth", "duration", "geopoint", "geojson", "any")
BOUNDED_TYPES = ("integer", "number", "date", "datetime", "year", "time", "yearmonth", "duration")
# Table Schema constraints, and the types each applies to (None: every type)
SPEC_CONSTRAINTS = {
    "required": None, "unique": None, "enum": None,
    "minLength": ("string", "array", "object", "list"), "maxLength": ("string", "array", "object", "list"),
    "pattern": ("string",),
    "minimum": BOUNDED_TYPES, "maximum": BOUNDED_TYPES,
    "exclusiveMinimum": BOUNDED_TYPES, "exclusiveMaximum": BOUNDED_TYPES,
    "jsonSchema": ("object", "array"),
}
NOT_IMPLEMENTED_CONSTRAINTS = ("jsonSchema",)
V2_ONLY_CONSTRAINTS = ("exclusiveMinimum", "exclusiveMaximum")  # what a Data Package v1 does not have
V2_PROFILE = "https://datapackage.org/profiles/2.0/datapackage.json"
V2_TABLE_SCHEMA = "https://datapackage.org/profiles/2.0/tableschema.json"
# Field properties that change how a cell is read, with the value this project reads them with.
FIELD_DEFAULTS = {"format": "default", "bareNumber": True, "groupChar": None, "decimalChar": ".",
                  "trueValues": None, "falseValues": None}
# CSV dialect properties (v1 and v2) and the one value this project reads.
DIALECT_DEFAULTS = {"delimiter": ",", "lineTerminator": None, "quoteChar": '"', "doubleQuote": True,
                    "escapeChar": None, "nullSequence": None, "skipInitialSpace": False, "header": True,
                    "headerRows": [1], "headerJoin": None, "commentChar": None, "commentRows": None,
                    "caseSensitiveHeader": False, "csvddfVersion": None, "$schema": None, "profile": None,
                    "type": None, "name": None, "title": None, "description": None}


class Checker:
    def __init__(self, supported_only: bool = True, version: str = "v2"):
        self.problems: list[Problem] = []
        self.supported_only = supported_only
        self.version = version  # of the Data Package spec the descriptor declares: v1, v2 or unknown

    def add(self, file: str, where: str, message: str, rule: str = "package-error") -> None:
        at = f"at {where}: " if where else ""
        self.problems.append(Problem(file, 0, "", rule, at + message))


def _kind(value) -> str:
    return {dict: "an object", list: "a list", str: "a string", bool: "true or false",
            type(None): "null"}.get(type(value), "a number")


def _show(value) -> str:
    text = json.dumps(value, ensure_ascii=False)
    return text if len(text) <= 60 else text[:57] + "..."


def safe_path_problem(path) -> str | None:
    """Why ``path`` (a resource's data or schema) cannot be read, or None."""
    if isinstance(path, list):
        return "a path given as a list of files is allowed by the spec, but this project reads one file a resource"
    if not isinstance(path, str) or not path:
        return f"the path must be a non-empty string, not {_kind(path)}"
    if re.match(r"^[a-zA-Z][a-zA-Z0-9+.-]*://", path):
        return f"the path {_show(path)} is a URL: only files inside the package folder are read"
    pure = PurePosixPath(path)
    if pure.is_absolute() or path.startswith("\\") or re.match(r"^[a-zA-Z]:", path) or ".." in pure.parts \
            or "\\" in path or "\0" in path:
        return f"the path {_show(path)} is not safe: it must be relative, inside the package folder, without '..'"
    return None


def datapackage_version(descriptor: dict) -> str:
    """The version of the Data Package spec a descriptor declares, read as the spec (and Frictionless)
    read ``$schema``: absent, it is v1; a datapackage.org profile gives its version; any other
    profile is "unknown" (what v1 or v2 allows is accepted)."""
    profile = descriptor.get("$schema")
    if not profile:
        return "v1"
    url = urlparse(str(profile))
    m = re.search(r"/profiles/(\d+)\.\d+/", url.path) if url.netloc == "datapackage.org" else None
    return {"1": "v1", "2": "v2"}.get(m[1], "unknown") if m else "unknown"


def _needs_v2(c: Checker, file: str, where: str, what: str) -> None:
    """``what`` is part of Data Package v2: refused in a package that declares v1 (or nothing)."""
    if c.version == "v1":
        c.add(file, where, f"{what} is part of Data Package v2, and this package is v1 (it declares no "
              f'"$schema", or a v1 profile): set "$schema": "{V2_PROFILE}" in datapackage.json')


def check_package(descriptor, root: Path, where: str = PACKAGE_FILE,
                  supported_only: bool = True) -> tuple[list[Problem], dict[str, dict]]:
    """The problems of the descriptor and of every Table Schema it names, and each valid-looking
    schema by resource name (read from its file where the descriptor gives a path).
    ``supported_only=False`` accepts the types, constraints and field properties of the spec that
    this project does not check (for ``diff``, which only compares schemas)."""
    c = Checker(supported_only)
    schemas: dict[str, dict] = {}
    if not isinstance(descriptor, dict):
        c.add(where, "", f"the descriptor must be a JSON object, not {_kind(descriptor)}")
        return c.problems, schemas
    c.version = datapackage_version(descriptor)
    name = descriptor.get("name")
    if name is not None and (not isinstance(name, str) or not NAME_PATTERN.fullmatch(name)):
        c.add(where, "name", f"{_show(name)} is not a package name (lower-case letters, digits, '-', '_', '.')")
    resources = descriptor.get("resources")
    if not isinstance(resources, list) or not resources:
        c.add(where, "resources", "a package needs a non-empty list of resources")
        return c.problems, schemas
    names = [r.get("name") if isinstance(r, dict) else None for r in resources]
    for i, res in enumerate(resources):
        at = f"resources[{i}]"
        if not isinstance(res, dict):
            c.add(where, at, f"a resource must be an object, not {_kind(res)}")
            continue
        rname = res.get("name")
        if not isinstance(rname, str) or not NAME_PATTERN.fullmatch(rname):
            c.add(where, f"{at}.name", f"{_show(rname)} is not a resource name: use lower-case letters, digits, "
                  "'-', '_' and '.' (the Data Package rule)")
            continue
        if names.count(rname) > 1:
            c.add(where, f"{at}.name", f"the resource name {_show(rname)} is used more than once")
            continue
        if "data" in res:
            c.add(where, f"{at}.data", "inline data is allowed by the spec, but this project reads CSV files only")
        if "path" not in res:
            c.add(where, f"{at}.path", "the resource has no path")
        else:
            why = safe_path_problem(res["path"])
            if why:
                c.add(where, f"{at}.path", why)
        _check_resource_format(c, where, at, res)
        schema = res.get("schema")
        if isinstance(schema, str):
            why = safe_path_problem(schema)
            if why:
                c.add(where, f"{at}.schema", why)
                continue
            schema_file = schema
            schema = _read_schema(c, root / schema, schema_file)
            if schema is None:
                continue
        else:
            schema_file = where
            if schema is None:
                c.add(where, f"{at}.schema", "the resource has no Table Schema")
                continue
        before = len(c.problems)
        prefix = "" if schema_file != where else f"{at}.schema"
        check_schema(c, schema, schema_file, prefix)
        if len(c.problems) == before:
            schemas[rname] = schema
    # foreign keys between resources, once every schema is known
    for i, res in enumerate(resources):
        rname = names[i]
        if rname not in schemas:
            continue
        schema_file = res["schema"] if isinstance(res.get("schema"), str) else where
        prefix = "" if schema_file != where else f"resources[{i}].schema."
        for j, fk in enumerate(schemas[rname].get("foreignKeys") or []):
            target = fk["reference"].get("resource") or rname
            ref_fields = _as_list(fk["reference"]["fields"])
            at = f"{prefix}foreignKeys[{j}].reference"
            if target not in names:
                c.add(schema_file, f"{at}.resource", f"{_show(target)} is not a resource of this package")
            elif target in schemas:
                known = [f["name"] for f in schemas[target]["fields"]]
                for f in ref_fields:
                    if f not in known:
                        c.add(schema_file, f"{at}.fields", f"{_show(f)} is not a field of resource {_show(target)}")
    return c.problems, schemas


def _check_resource_format(c: Checker, where: str, at: str, res: dict) -> None:
    encoding = res.get("encoding")
    if encoding is not None and str(encoding).lower().replace("_", "-") not in ("utf-8", "utf8", "utf-8-sig"):
        c.add(where, f"{at}.encoding", f"the encoding {_show(encoding)} is not read by this project: use UTF-8")
    fmt = res.get("format")
    if fmt is not None and str(fmt).lower() != "csv":
        c.add(where, f"{at}.format", f"the format {_show(fmt)} is not read by this project: use CSV")
    for key in ("compression", "compression_path", "innerpath"):
        if key in res:
            c.add(where, f"{at}.{key}", f"{key!r} is not read by this project: give the CSV file itself")
    scheme = res.get("scheme")
    if scheme is not None and scheme != "file":
        c.add(where, f"{at}.scheme", f"the scheme {_show(scheme)} is not read by this project: use local files")
    dialect = res.get("dialect")
    if dialect is None:
        return
    if not isinstance(dialect, dict):
        c.add(where, f"{at}.dialect", "a dialect given as a path is not read by this project: omit it "
              "(comma-separated, double quotes, a header row)")
        return
    for key, value in dialect.items():
        if key == "lineTerminator" and value in ("\n", "\r\n"):
            continue
        if key not in DIALECT_DEFAULTS:
            c.add(where, f"{at}.dialect.{key}", f"the dialect property {key!r} is not read by this project")
        elif DIALECT_DEFAULTS[key] is not None and value != DIALECT_DEFAULTS[key]:
            c.add(where, f"{at}.dialect.{key}", f"{_show(value)} is not read by this project: only "
                  f"{_show(DIALECT_DEFAULTS[key])} is (comma-separated, double quotes, one header row)")


def _read_schema(c: Checker, path: Path, shown: str):
    try:
        if not path.is_file():
            c.add(shown, "", "the Table Schema file does not exist (or is not a regular file)")
            return None
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as e:
        c.add(shown, "", f"the Table Schema is not valid UTF-8 (byte {e.start + 1})")
        return None
    except OSError as e:
        c.add(shown, "", f"the Table Schema cannot be read: {e.strerror or e}")
        return None
    try:
        data = json.loads(text)
    except json.JSONDecodeError as e:
        c.add(shown, "", f"the Table Schema is not valid JSON: {e.msg} at line {e.lineno}")
        return None
    except RecursionError:
        c.add(shown, "", "the Table Schema is nested too deeply")
        return None
    return data


def _as_list(value) -> list:
    return [value] if isinstance(value, str) else list(value)


def _names(c: Checker, file: str, at: str, value, fields: list[str]) -> bool:
    """A field name or a list of them, each a field of the schema."""
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list) or not value or not all(isinstance(v, str) for v in value):
        c.add(file, at, f"{_show(value)} must be a field name or a non-empty list of field names")
        return False
    ok = True
    for v in value:
        if v not in fields:
            c.add(file, at, f"{_show(v)} is not a field of this schema")
            ok = False
    if len(set(value)) != len(value):
        c.add(file, at, f"{_show(value)} names a field twice")
        ok = False
    return ok


def check_schema(c: Checker, schema, file: str, prefix: str = "") -> None:
    """The problems of one Table Schema (``prefix``: its JSON path inside ``file``)."""
    def at(path: str) -> str:
        return f"{prefix}.{path}" if prefix and path else (prefix or path)

    if not isinstance(schema, dict):
        c.add(file, at(""), f"a Table Schema must be an object, not {_kind(schema)}")
        return
    fields = schema.get("fields")
    if not isinstance(fields, list) or not fields:
        c.add(file, at("fields"), "a Table Schema needs a non-empty list of fields")
        return
    missing = schema.get("missingValues")
    if isinstance(missing, list) and any(isinstance(v, dict) for v in missing):
        _needs_v2(c, file, at("missingValues"), "missingValues in object form")
    names: list[str] = []
    for i, fd in enumerate(fields):
        where = at(f"fields[{i}]")
        if not isinstance(fd, dict):
            c.add(file, where, f"a field must be an object, not {_kind(fd)}")
            continue
        name = fd.get("name")
        if not isinstance(name, str) or not name.strip():
            c.add(file, f"{where}.name", f"{_show(name)} is not a field name (a non-empty string)")
            continue
        if name in names:
            c.add(file, f"{where}.name", f"the field name {_show(name)} is used more than once")
        elif name.lower() in (lower := {n.lower(): n for n in names}):  # SQL reads names in any case as one
            c.add(file, f"{where}.name", f"the field name {_show(name)} differs from {_show(lower[name.lower()])} "
                  "only in case, and SQL reads the two as one name")
        if name.lower() in RESERVED_FIELDS or "\0" in name:
            c.add(file, f"{where}.name", f"the field name {_show(name)} is reserved by this project's engine "
                  f"({', '.join(RESERVED_FIELDS)}, in any case)")
        names.append(name)
        _check_field(c, file, where, fd)
    if not all(isinstance(fd, dict) and isinstance(fd.get("name"), str) for fd in fields):
        return
    if "primaryKey" in schema:
        _names(c, file, at("primaryKey"), schema["primaryKey"], names)
    unique_keys = schema.get("uniqueKeys")
    if unique_keys is not None:
        if not isinstance(unique_keys, list):
            c.add(file, at("uniqueKeys"), "uniqueKeys must be a list of lists of field names")
        else:
            for j, key in enumerate(unique_keys):
                _names(c, file, at(f"uniqueKeys[{j}]"), key, names)
            c.add(file, at("uniqueKeys"), "uniqueKeys are not implemented by this project (they would not be "
                  "checked): give a single field the constraint \"unique\", or leave them out")
    match = schema.get("fieldsMatch", "exact")
    if match != "exact":
        c.add(file, at("fieldsMatch"), f"{_show(match)} is not read by this project: only \"exact\" (the default)")
    fks = schema.get("foreignKeys")
    if fks is not None:
        if not isinstance(fks, list):
            c.add(file, at("foreignKeys"), "foreignKeys must be a list")
            return
        for j, fk in enumerate(fks):
            where = at(f"foreignKeys[{j}]")
            if not isinstance(fk, dict) or not isinstance(fk.get("reference"), dict):
                c.add(file, where, "a foreign key must be an object with fields and a reference object")
                continue
            ref = fk["reference"]
            if not _names(c, file, f"{where}.fields", fk.get("fields"), names):
                continue
            resource = ref.get("resource", "")
            if not isinstance(resource, str):
                c.add(file, f"{where}.reference.resource", f"{_show(resource)} must be a resource name")
                continue
            ref_fields = ref.get("fields")
            if isinstance(ref_fields, str):
                ref_fields = [ref_fields]
            if not isinstance(ref_fields, list) or not ref_fields or not all(isinstance(f, str) for f in ref_fields):
                c.add(file, f"{where}.reference.fields", "must be a field name or a non-empty list of field names")
                continue
            if len(ref_fields) != len(_as_list(fk["fields"])):
                c.add(file, where, "the foreign key has a different number of fields than its reference")
                continue
            if not resource:  # a reference within the table
                for f in ref_fields:
                    if f not in names:
                        c.add(file, f"{where}.reference.fields", f"{_show(f)} is not a field of this schema")


def _check_field(c: Checker, file: str, where: str, fd: dict) -> None:
    ftype = fd.get("type", "string")
    if not isinstance(ftype, str) or ftype not in SUPPORTED_TYPES + OTHER_TYPES:
        c.add(file, f"{where}.type", f"{_show(ftype)} is not a Table Schema type")
        return
    if ftype not in SUPPORTED_TYPES:
        if not c.supported_only:
            return
        c.add(file, f"{where}.type", f"the type {_show(ftype)} is not implemented by this project "
              f"(it reads {', '.join(SUPPORTED_TYPES)})")
        return
    for key, default in FIELD_DEFAULTS.items():
        if key in fd and fd[key] != default and c.supported_only:
            c.add(file, f"{where}.{key}", f"{key} {_show(fd[key])} is not implemented by this project "
                  f"(only the default{'' if default is None else ' ' + _show(default)})")
    if "missingValues" in fd:
        c.add(file, f"{where}.missingValues", "field-level missingValues are not implemented by this project: "
              "use the schema's missingValues")
    constraints = fd.get("constraints", {})
    if not isinstance(constraints, dict):
        c.add(file, f"{where}.constraints", f"constraints must be an object, not {_kind(constraints)}")
        return
    for key, value in constraints.items():
        cat = f"{where}.constraints.{key}"
        if key not in SPEC_CONSTRAINTS:
            c.add(file, cat, f"{key!r} is not a Table Schema constraint")
            continue
        types = SPEC_CONSTRAINTS[key]
        if types is not None and ftype not in types:
            c.add(file, cat, f"the constraint {key!r} does not apply to type {_show(ftype)}")
            continue
        if key in NOT_IMPLEMENTED_CONSTRAINTS and c.supported_only:
            c.add(file, cat, f"the constraint {key!r} is not implemented by this project")
            continue
        if key in V2_ONLY_CONSTRAINTS:
            _needs_v2(c, file, cat, f"the constraint {key!r}")
        problem = _constraint_value_problem(key, value, ftype)
        if problem:
            c.add(file, cat, problem)


def _is_number(value) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)


def _constraint_value_problem(key: str, value, ftype: str) -> str | None:
    if key in ("required", "unique"):
        return None if isinstance(value, bool) else f"{_show(value)} must be true or false"
    if key in ("minLength", "maxLength"):
        ok = isinstance(value, int) and not isinstance(value, bool) and value >= 0
        return None if ok else f"{_show(value)} must be a whole number, 0 or more"
    if key == "pattern":
        if not isinstance(value, str):
            return f"{_show(value)} must be a regular expression (a string)"
        try:
            re.compile(value)
        except (re.error, RecursionError, OverflowError) as e:
            return f"{_show(value)} is not a valid regular expression: {e}"
        return None
    if key == "enum":
        if not isinstance(value, list) or not value:
            return f"{_show(value)} must be a non-empty list"
        for v in value:
            why = _value_problem(v, ftype, enum=True)
            if why:
                return f"the value {_show(v)} {why}"
        return None
    why = _value_problem(value, ftype)  # minimum, maximum, exclusiveMinimum, exclusiveMaximum
    return f"{_show(value)} {why}" if why else None


def _value_problem(value, ftype: str, enum: bool = False) -> str | None:
    """Why ``value`` (of a constraint) is not a value of ``ftype``, or None."""
    if ftype == "string":
        return None if isinstance(value, str) else "must be a string"
    if ftype in ("integer", "year"):
        if isinstance(value, str) and enum:
            value = int(value) if re.fullmatch(r"[-+]?[0-9]+", value) else value
        if isinstance(value, int) and not isinstance(value, bool) and abs(value) < 2 ** 63:
            return None
        return "must be an integer" if ftype == "integer" else "must be a year (an integer)"
    if ftype == "number":
        if isinstance(value, str) and enum:
            try:
                value = float(value)
            except ValueError:
                pass
        return None if _is_number(value) else "must be a finite number"
    if ftype == "boolean":
        return None if isinstance(value, bool) or value in ("true", "false") else "must be true or false"
    if ftype == "date":
        try:
            dt.date.fromisoformat(value) if isinstance(value, str) and len(value) == 10 else int("x")
        except ValueError:
            return "must be a date (YYYY-MM-DD)"
        return None
    if ftype == "datetime":
        try:
            dt.datetime.fromisoformat(str(value).replace("Z", "+00:00")) if isinstance(value, str) else int("x")
        except ValueError:
            return "must be a date and time (YYYY-MM-DDThh:mm:ss)"
        return None
    return None
