"""Read a data package descriptor and its Table Schemas into plain objects.

Everything else in the project (SQL, checks, Pandera models, docs) is derived from what this
module returns; no column is declared anywhere but in ``schemas/``.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

DEFAULT_ROOT = Path(__file__).resolve().parents[2]
PACKAGE_FILE = "datapackage.json"


class PackageError(Exception):
    """The descriptor or a schema cannot be read: a message for a person, no traceback."""


@dataclass(frozen=True)
class ForeignKey:
    fields: tuple[str, ...]
    resource: str  # the referenced resource (the resource's own name for a self reference)
    ref_fields: tuple[str, ...]
    is_self: bool


@dataclass(frozen=True)
class Field:
    name: str
    type: str
    description: str = ""
    constraints: dict = field(default_factory=dict, hash=False, compare=False)

    @property
    def required(self) -> bool:
        return bool(self.constraints.get("required"))


@dataclass
class Resource:
    name: str
    path: Path  # absolute path of the CSV
    rel_path: str  # the path as written in the descriptor
    schema_path: Path | None
    title: str
    description: str
    fields: list[Field]
    primary_key: tuple[str, ...]
    foreign_keys: list[ForeignKey]
    missing_values: tuple[str, ...] = ("",)

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
        """Resources ordered so that every referenced resource comes before its referrers."""
        done: list[str] = []
        pending = {r.name: r for r in self.resources}
        while pending:
            progressed = False
            for name, res in list(pending.items()):
                deps = {fk.resource for fk in res.foreign_keys if not fk.is_self}
                if deps <= set(done) | (deps - set(pending) - set(done)):
                    done.append(name)
                    del pending[name]
                    progressed = True
            if not progressed:  # a cycle between resources: keep descriptor order for the rest
                done.extend(pending)
                break
        return [self.resource(n) for n in done]


def _read_json(path: Path, what: str) -> dict:
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise PackageError(f"{what} not found: {path}") from None
    except UnicodeDecodeError as e:
        raise PackageError(f"{what} {path} is not valid UTF-8 (byte {e.start})") from None
    try:
        data = json.loads(text)
    except json.JSONDecodeError as e:
        raise PackageError(f"{what} {path} is not valid JSON: {e.msg} at line {e.lineno}") from None
    if not isinstance(data, dict):
        raise PackageError(f"{what} {path} must hold a JSON object")
    return data


def _as_tuple(value) -> tuple[str, ...]:
    if value is None:
        return ()
    if isinstance(value, str):
        return (value,)
    return tuple(value)


def load_package(root: str | Path | None = None) -> Package:
    """Read ``datapackage.json`` in ``root`` (a folder, or the descriptor file itself)."""
    root = Path(root) if root is not None else DEFAULT_ROOT
    if root.is_file():
        descriptor_path, root = root, root.parent
    else:
        descriptor_path = root / PACKAGE_FILE
    descriptor = _read_json(descriptor_path, "Package descriptor")
    resources = []
    for i, res in enumerate(descriptor.get("resources") or []):
        if not isinstance(res, dict) or "name" not in res or "path" not in res:
            raise PackageError(f"{descriptor_path}: resource {i + 1} needs a name and a path")
        name = res["name"]
        schema = res.get("schema")
        schema_path = None
        if isinstance(schema, str):
            schema_path = root / schema
            schema = _read_json(schema_path, f"Table Schema of resource '{name}'")
        if not isinstance(schema, dict):
            raise PackageError(f"{descriptor_path}: resource '{name}' has no Table Schema")
        fields = []
        for fd in schema.get("fields") or []:
            fields.append(
                Field(
                    name=fd["name"],
                    type=fd.get("type", "string"),
                    description=fd.get("description", ""),
                    constraints=dict(fd.get("constraints") or {}),
                )
            )
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
                schema_path=schema_path,
                title=res.get("title", name),
                description=res.get("description", ""),
                fields=fields,
                primary_key=_as_tuple(schema.get("primaryKey")),
                foreign_keys=fks,
                missing_values=tuple(schema.get("missingValues", [""])),
            )
        )
    return Package(root=root, descriptor=descriptor, resources=resources)
