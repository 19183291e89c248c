"""Read a data package descriptor and its Table Schemas into plain objects.

Everything else in the project (SQL, checks, Pandera models, docs) is derived from what this
module returns; no column is declared anywhere but in ``schemas/``.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from graphlib import CycleError, TopologicalSorter
from pathlib import Path

from .fields import Field

DEFAULT_ROOT = Path(__file__).resolve().parents[2]
PACKAGE_FILE = "datapackage.json"


class PackageError(Exception):
    """The descriptor or a schema cannot be read: a message for a person, no traceback.
    ``problems``: each located problem (file, JSON path), when the structure check found them."""

    def __init__(self, message: str, problems: list | None = None):
        super().__init__(message)
        self.problems = problems or []


@dataclass(frozen=True)
class ForeignKey:
    fields: tuple[str, ...]
    resource: str  # the referenced resource (the resource's own name for a self reference)
    ref_fields: tuple[str, ...]
    is_self: bool


@dataclass
class Resource:
    name: str
    path: Path  # absolute path of the CSV
    rel_path: str  # the path as written in the descriptor
    title: str
    description: str
    fields: list[Field]
    primary_key: tuple[str, ...]
    foreign_keys: list[ForeignKey]
    missing_values: tuple[str, ...] = ("",)  # cell texts that mean "no value"
    schema: dict | None = None  # the Table Schema as written

    def field(self, name: str) -> Field:
        for f in self.fields:
            if f.name == name:
                return f
        raise KeyError(name)

    @property
    def field_names(self) -> list[str]:
        return [f.name for f in self.fields]


@dataclass
class Package:
    root: Path
    descriptor: dict
    resources: list[Resource]

    @property
    def name(self) -> str:
        return self.descriptor.get("name", "")

    @property
    def version(self) -> str:
        return self.descriptor.get("version", "")

    def resource(self, name: str) -> Resource:
        for r in self.resources:
            if r.name == name:
                return r
        raise KeyError(name)

    def load_order(self) -> list[Resource]:
        """Resources ordered so that every referenced resource comes before its referrers (a
        cycle between resources keeps descriptor order)."""
        graph = {r.name: {fk.resource for fk in r.foreign_keys if not fk.is_self} for r in self.resources}
        try:
            order = list(TopologicalSorter(graph).static_order())
        except CycleError:
            return list(self.resources)
        return [self.resource(n) for n in order if n in graph]


def _read_json(path: Path, what: str) -> dict:
    try:
        if path.exists() and not path.is_file():
            raise PackageError(f"{what} {path} is not a regular file")
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise PackageError(f"{what} not found: {path}") from None
    except UnicodeDecodeError as e:
        raise PackageError(f"{what} {path} is not valid UTF-8 (byte {e.start})") from None
    except OSError as e:
        raise PackageError(f"{what} {path} cannot be read: {e.strerror or e}") from None
    try:
        data = json.loads(text)
    except json.JSONDecodeError as e:
        raise PackageError(f"{what} {path} is not valid JSON: {e.msg} at line {e.lineno}") from None
    except RecursionError:
        raise PackageError(f"{what} {path} is nested too deeply") from None
    if not isinstance(data, dict):
        raise PackageError(f"{what} {path} must hold a JSON object")
    return data


def _as_tuple(value) -> tuple[str, ...]:
    if value is None:
        return ()
    if isinstance(value, str):
        return (value,)
    return tuple(value)


def _missing_values(schema: dict, resource: str) -> tuple[str, ...]:
    """The schema's ``missingValues`` (default ``[""]``): strings, or objects with a string ``value``."""
    values = schema.get("missingValues", [""])
    out = []
    for v in values if isinstance(values, list) else [None]:
        if isinstance(v, dict):
            v = v.get("value")
        if not isinstance(v, str):
            shown = json.dumps(values, ensure_ascii=False)
            raise PackageError(
                f"the Table Schema of resource '{resource}' has missingValues {shown}: "
                "it must be a list of strings (or of objects with a string \"value\")"
            )
        out.append(v)
    if not out:
        raise PackageError(
            f"the Table Schema of resource '{resource}' has missingValues []: a list with at least one string "
            'is needed (the default is [""])'
        )
    return tuple(out)


def load_package(root: str | Path | None = None, supported_only: bool = True) -> Package:
    """Read ``datapackage.json`` in ``root`` (a folder, or the descriptor file itself). The
    descriptor and every Table Schema are checked first (``profiles.check_package``): any problem
    raises ``PackageError`` with every located problem, before a byte of data is read.
    ``supported_only=False``: accept what the spec allows but this project does not check."""
    from .profiles import check_package

    root = Path(root) if root is not None else DEFAULT_ROOT
    if root.is_file():
        descriptor_path, root = root, root.parent
    else:
        descriptor_path = root / PACKAGE_FILE
    descriptor = _read_json(descriptor_path, "Package descriptor")
    problems, schemas = check_package(descriptor, root, descriptor_path.name, supported_only)
    if problems:
        raise PackageError(f"{len(problems)} problem(s) in the descriptor or its Table Schemas: "
                           + problems[0].describe(), problems)
    return package_from(descriptor, root, str(descriptor_path), schemas)


def package_from(descriptor: dict, root: Path, where: str = PACKAGE_FILE, schemas: dict | None = None) -> Package:
    """A package from a descriptor read elsewhere (``where``, for messages); ``schemas``: the
    Table Schema of each resource by name, instead of what the descriptor says."""
    descriptor_path = where
    resources = []
    for i, res in enumerate(descriptor.get("resources") or []):
        if not isinstance(res, dict) or "name" not in res or "path" not in res:
            raise PackageError(f"{descriptor_path}: resource {i + 1} needs a name and a path")
        name = res["name"]
        schema = (schemas or {}).get(name, res.get("schema"))
        if isinstance(schema, str):
            schema = _read_json(root / schema, f"Table Schema of resource '{name}'")
        if not isinstance(schema, dict):
            raise PackageError(f"{descriptor_path}: resource '{name}' has no Table Schema")
        primary_key = _as_tuple(schema.get("primaryKey"))
        fields = [
            Field(
                name=fd["name"],
                type=fd.get("type", "string"),
                description=fd.get("description", ""),
                constraints=dict(fd.get("constraints") or {}),
                in_key=fd["name"] in primary_key,
                is_key=primary_key == (fd["name"],),
            )
            for fd in schema.get("fields") or []
        ]
        fks = []
        for fk in schema.get("foreignKeys") or []:
            ref = fk.get("reference") or {}
            target = ref.get("resource") or name  # omitted or "" means self (v2 and v1)
            fks.append(
                ForeignKey(
                    fields=_as_tuple(fk.get("fields")),
                    resource=target,
                    ref_fields=_as_tuple(ref.get("fields")),
                    is_self=target == name,
                )
            )
        rel_path = res["path"]
        resources.append(
            Resource(
                name=name,
                path=root / rel_path,
                rel_path=rel_path,
                title=res.get("title", name),
                description=res.get("description", ""),
                fields=fields,
                primary_key=primary_key,
                foreign_keys=fks,
                missing_values=_missing_values(schema, name),
                schema=schema,
            )
        )
    return Package(root=root, descriptor=descriptor, resources=resources)
