"""The ``xinjiang-pairing`` command: a thin layer over the Python API.

Exit codes: 0 success, 1 invalid data (or a failed query), 2 usage error.
Heavy libraries (duckdb, frictionless) are imported inside the commands that need them.
"""

from __future__ import annotations

import sys
from pathlib import Path

import click

from . import __version__, signals

EXIT_INVALID = 1


def _root_option(f):
    return click.argument(
        "package",
        required=False,
        type=click.Path(path_type=Path),
        metavar="[PACKAGE]",
    )(f)


def _fail(message: str, code: int = EXIT_INVALID):
    click.echo(message, err=True)
    sys.exit(code)


# which extra of the package brings a module that a command imports on demand
EXTRAS = {"pooch": "fetch", "requests": "fetch", "pandera": "pandera", "polars": "pandera",
          "matplotlib": "charts", "frictionless": "frictionless", "pyarrow": "pandera"}


class Commands(click.Group):
    """The one error path: every expected failure of every command (bad input, I/O, a missing
    optional dependency, an interrupt) becomes one line on stderr and exit 1; usage errors exit 2
    (click). ``XINJIANG_PAIRING_DEBUG=1`` shows the traceback of an unexpected error."""

    def invoke(self, ctx):
        import os

        interrupted, previous = signals.watch_interrupts()
        try:
            return super().invoke(ctx)
        except (click.exceptions.Exit, click.ClickException, click.Abort, SystemExit):
            raise
        except KeyboardInterrupt:
            _fail("interrupted: nothing was written")
        except ModuleNotFoundError as e:
            top = (e.name or "").split(".")[0]
            extra = EXTRAS.get(top)
            hint = f"pip install 'xinjiang-pairing-assistance[{extra}]'" if extra else "reinstall the package"
            _fail(f"this command needs the optional package {top or e}: {hint}")
        except Exception as e:
            if interrupted:  # Ctrl-C during a query: DuckDB raises an error of the query instead
                _fail("interrupted: nothing was written")
            if os.environ.get("XINJIANG_PAIRING_DEBUG"):
                raise
            _fail(_one_line(e))
        except signals.Stopped as e:  # a termination signal turned into an exception (build, release)
            _fail(f"{e}: temporary files removed, nothing was written")
        finally:
            signals.stop_watching(previous)


def _one_line(e: BaseException) -> str:
    if isinstance(e, OSError):
        where = f"{e.filename}: " if e.filename else ""
        return f"{where}{e.strerror or e}"
    text = str(e).strip().splitlines()
    first = text[0] if text else ""
    return f"error: {type(e).__name__}: {first}" if first else f"error: {type(e).__name__}"


@click.group(cls=Commands, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="xinjiang-pairing")
def cli():
    """Validate, build and query the pairing assistance to Xinjiang data package.

    PACKAGE is a folder holding a datapackage.json (default: this repository's own).
    """


@cli.command()
@_root_option
@click.option("--json", "as_json", is_flag=True, help="Print the report as JSON.")
@click.option("--limit", default=100, show_default=True, help="Problems to list (0: all).")
@click.option("--all", "run_all", is_flag=True,
              help="Also run the stock Frictionless validator and the Pandera schemas (as release does).")
def validate(package, as_json, limit, run_all):
    """Check the descriptor, every CSV against its Table Schema, keys and domain rules.

    Lists every problem with file, row, column and rule. Exit code 1 if there are any. With --all,
    the project's engine, the stock Frictionless validator and the Pandera schemas each check the
    package, and one combined report lists every validator's result.
    """
    if run_all:
        _validate_all(package, as_json, limit)
    from .validate import validate_package

    report = validate_package(package)
    if as_json:
        click.echo(report.to_json())
    else:
        click.echo(report.to_text(limit or None), err=not report.valid)
    sys.exit(0 if report.valid else EXIT_INVALID)


def _validate_all(package, as_json: bool, limit: int):
    import json

    from .gate import validate_all
    from .package import PackageError, load_package

    try:
        root = load_package(package).root
    except PackageError as e:
        _fail(f"datapackage.json: {e}")
    results = validate_all(root)
    valid = all(r.valid for r in results)
    if as_json:
        click.echo(json.dumps({"valid": valid, "validators": [
            {**r.to_manifest(), "seconds": round(r.seconds, 3), "remembered": r.remembered, "problems": r.problems}
            for r in results
        ]}, ensure_ascii=False, indent=2))
    else:
        lines = []
        for r in results:
            verdict = "valid" if r.valid else f"invalid: {len(r.problems)} problem(s)"
            when = "remembered from a run on the same files" if r.remembered else f"{r.seconds:.2f} s"
            lines.append(f"{r.name} {r.version}: {verdict} ({when})")
            shown = r.problems if not limit else r.problems[:limit]
            lines += [f"  {p}" for p in shown]
            if len(shown) < len(r.problems):
                lines.append(f"  ... and {len(r.problems) - len(shown)} more (use --limit 0 to list all)")
        lines.append("valid: every validator accepts the package" if valid else
                     f"invalid: rejected by {', '.join(r.name for r in results if not r.valid)}")
        click.echo("\n".join(lines), err=not valid)
    sys.exit(0 if valid else EXIT_INVALID)


@cli.command()
@_root_option
@click.option("--check", is_flag=True, help="Only report whether the files are in line (exit 1 if not).")
def citation(package, check):
    """Bring CITATION.cff and .zenodo.json in line with the version and date of datapackage.json."""
    from .citation import mismatches, write
    from .package import PackageError, load_package

    try:
        root = load_package(package).root
    except PackageError as e:
        _fail(f"datapackage.json: {e}")
    if check:
        problems = mismatches(root)
        for p in problems:
            click.echo(p, err=True)
        if problems:
            _fail("citation files out of date: run xinjiang-pairing citation")
        click.echo("citation files match datapackage.json")
        return
    for path in write(root):
        click.echo(f"wrote {path}")


@cli.command()
@_root_option
@click.option("-o", "--output", type=click.Path(path_type=Path), help="Where to write the DuckDB file.")
@click.option("--limit", default=100, show_default=True, help="Problems to list if invalid (0: all).")
@click.option("--all-foreign-keys", is_flag=True,
              help="Declare foreign keys as DuckDB constraints on very large tables too (slower: a second or "
              "two per key per million rows).")
def build(package, output, limit, all_foreign_keys):
    """Check everything, then write dist/xinjiang-pairing-assistance.duckdb (atomically).

    Nothing is written or replaced when a check fails; the problems listed are those that
    validate reports. The foreign keys of very large
    tables are checked and listed in _foreign_keys, but not declared as constraints, unless asked.
    """
    from .build import OutputError
    from .build import build as run_build

    try:
        result = run_build(package, output, all_foreign_keys=all_foreign_keys)
    except OutputError as e:
        _fail(f"build refused: {e}")
    if not result.report.valid:
        click.echo(result.report.to_text(limit or None), err=True)
        _fail("build stopped: nothing was written")
    rows = sum(result.tables.values())
    click.echo(f"built {result.path} ({len(result.tables)} tables, {rows} rows)")


def _connect(database: Path | None):
    from . import connect

    try:
        return connect(database)
    except FileNotFoundError as e:
        _fail(str(e))


@cli.command()
@click.argument("sql")
@click.option("-d", "--database", type=click.Path(path_type=Path), help="DuckDB file (default: the built one).")
@click.option(
    "-f", "--format", "fmt", type=click.Choice(["table", "csv", "json"]), default="table", show_default=True
)
@click.option("--max-rows", default=100_000, show_default=True, type=click.IntRange(1),
              help="Refuse a result with more rows than this.")
def query(sql, database, fmt, max_rows):
    """Run SQL on the DuckDB file and print the result.

    Read-only in the full sense: the SQL cannot change the file, read or write any other file,
    install or load extensions, or change these settings; memory is capped at 1 GB.
    """
    import duckdb

    from . import database_path
    from .sql import read_only_connection

    if not sql.strip():
        raise click.UsageError("the SQL is empty")
    try:
        path = Path(database) if database else database_path()
    except FileNotFoundError as e:
        _fail(str(e))
    if not path.is_file():
        _fail(f"no DuckDB file at {path}")
    con = None
    try:
        con = read_only_connection(path)
        cur = con.execute(sql)
        columns = [d[0] for d in cur.description] if cur is not None and cur.description else []
        rows = cur.fetchmany(max_rows + 1) if columns else []
    except duckdb.OutOfMemoryException:
        _fail("query failed: it needs more than the 1 GB of memory a query may use; add a LIMIT or aggregate")
    except duckdb.Error as e:
        _fail(f"query failed: {str(e).splitlines()[0] if str(e) else type(e).__name__}")
    finally:
        if con is not None:
            con.close()
    if len(rows) > max_rows:
        _fail(f"query refused: the result has more than {max_rows:,} rows; add a LIMIT or raise --max-rows")
    click.echo(format_rows(columns, rows, fmt), nl=fmt != "csv")


def format_rows(columns: list[str], rows: list[tuple], fmt: str) -> str:
    import csv
    import io
    import json

    def text(v):
        if v is None:
            return ""
        if isinstance(v, float) and v.is_integer() and abs(v) < 1e18:
            return str(int(v))  # amounts in full units read better without ".0"
        return str(v)

    if fmt == "json":
        return json.dumps([dict(zip(columns, r, strict=True)) for r in rows], ensure_ascii=False, default=str, indent=2)
    if fmt == "csv":
        buf = io.StringIO()
        w = csv.writer(buf, lineterminator="\n")
        w.writerow(columns)
        w.writerows([[text(v) for v in r] for r in rows])
        return buf.getvalue()
    cells = [[text(v) for v in r] for r in rows]
    widths = [max([len(c)] + [len(r[i]) for r in cells]) for i, c in enumerate(columns)]
    line = "  ".join(c.ljust(w) for c, w in zip(columns, widths, strict=True)).rstrip()
    rule = "  ".join("-" * w for w in widths)
    body = ["  ".join(v.ljust(w) for v, w in zip(r, widths, strict=True)).rstrip() for r in cells]
    return "\n".join([line, rule, *body, f"({len(rows)} row{'s' if len(rows) != 1 else ''})"])


@cli.command()
@click.option("-d", "--database", type=click.Path(path_type=Path), help="DuckDB file (default: the built one).")
def tables(database):
    """List the tables of the DuckDB file with row counts and descriptions."""
    con = _connect(database)
    rows = con.execute("SELECT table_name, row_count, description FROM _tables ORDER BY table_name").fetchall()
    click.echo(format_rows(["table", "rows", "description"], rows, "table"))


@cli.command()
@_root_option
def docs(package):
    """Regenerate the documents derived from the data: the data dictionary, the coverage report and
    the figures."""
    from .coverage import write as write_coverage
    from .dictionary import write

    click.echo(f"wrote {write(package)}")
    click.echo(f"wrote {write_coverage(package)}")
    try:
        from .figures import write_figures
    except ImportError as e:  # matplotlib is optional for users who only query
        click.echo(f"figures skipped: {e}", err=True)
        return
    for path in write_figures(package):
        click.echo(f"wrote {path}")
    from .site.mapping import write_docs_figures

    for path in write_docs_figures(package):
        click.echo(f"wrote {path}")


@cli.command()
@_root_option
@click.option("--dist", type=click.Path(path_type=Path), help="Where dist/<version>/ goes (default: PACKAGE/dist).")
@click.option("--tag", help="Refuse unless the version is this git tag without its leading v (as in CI).")
def release(package, dist, tag):
    """Release the package's version: write dist/<version>/ and record it in releases/<version>.json.

    dist/<version>/ gets the DuckDB file, a zip of the CSV package, one Parquet file per table,
    manifest.json and SHA256SUMS. The files to publish are checked by the project's engine, the
    stock Frictionless validator and the Pandera schemas. A version already recorded is rebuilt
    from its recorded commit and must match its record byte for byte (the CSV zip and Parquet
    files); the record is never rewritten. Refused (exit 1, nothing written) when any validator
    rejects the files, CITATION.cff or .zenodo.json do not match datapackage.json, the
    version is not above the last release, CHANGELOG.md has no section for it, the files a release
    contains have uncommitted changes, or the changes since the last release need a bigger version
    bump.
    """
    from .release import ReleaseRefused
    from .release import release as run_release

    try:
        result = run_release(package, dist, tag)
    except ReleaseRefused as e:
        _fail(f"release refused: {e}")
    if result.rebuild:
        click.echo(f"rebuilt {result.version} from its recorded commit to {result.folder}: the CSV zip and the "
                   f"Parquet files match {result.record.name} byte for byte; the record is unchanged")
    else:
        since = f"previous release: {result.previous}" if result.previous else "first release"
        click.echo(f"released {result.version} ({since}) to {result.folder}")
    for entry in result.manifest["files"]:
        click.echo(f"  {entry['name']}  {entry['bytes']} bytes")
    for v in result.manifest.get("validated_by", []):
        click.echo(f"  checked by {v['name']} {v['version']}: {'valid' if v['valid'] else 'invalid'}")
    if not result.rebuild:
        click.echo(f"recorded in {result.record}: commit it")


@cli.command()
@_root_option
@click.option("-d", "--database", type=click.Path(path_type=Path), help="DuckDB file (default: the built one).")
@click.option("-o", "--output", type=click.Path(path_type=Path), help="Folder to write (default: PACKAGE/dist/site).")
def site(package, database, output):
    """Write the data explorer, a static website of the built data, to dist/site/."""
    from .site import SiteError, build_site

    try:
        result = build_site(package, database, output)
    except SiteError as e:
        _fail(f"site not written: {e}")
    click.echo(f"wrote {result.path} ({result.pages} pages, {result.files} files, {result.bytes:,} bytes)")


def _package_version(ctx, param, value):
    from .snapshot import detect

    if detect(value) is None:
        raise click.BadParameter(
            "not a data package folder, a release CSV zip, a dist/<version>/ folder or a DuckDB file"
        )
    return value


@cli.command()
@click.argument("old", type=click.Path(exists=True, path_type=Path), callback=_package_version)
@click.argument("new", type=click.Path(exists=True, path_type=Path), callback=_package_version)
@click.option("--json", "as_json", is_flag=True, help="Print the differences as JSON.")
@click.option("--changelog", is_flag=True, help="Print a Markdown summary to paste under a version heading.")
@click.option("--limit", default=20, show_default=True, help="Rows to list in the text output (0: all).")
def diff(old, new, as_json, changelog, limit):
    """Compare two versions of the package and say which version bump the changes need.

    OLD and NEW are each a folder holding datapackage.json, a release CSV zip, a dist/<version>/
    folder or a DuckDB file. Rows are matched on primary keys: rows added, removed and changed
    (with old and new value of each changed cell); schema changes; the release type.
    """
    import json

    from .diff import compare
    from .snapshot import SnapshotError

    if as_json and changelog:
        raise click.UsageError("use --json or --changelog, not both")
    try:
        result = compare(old, new)
    except SnapshotError as e:
        _fail(str(e))
    if as_json:
        click.echo(json.dumps(result.to_dict(), ensure_ascii=False, indent=2))
    elif changelog:
        click.echo(result.to_changelog(), nl=False)
    else:
        click.echo(result.to_text(limit or None))


def _file_kind(ctx, param, value):
    from .artifacts import file_name

    try:
        file_name("0.0.0", value)
    except ValueError as e:
        raise click.BadParameter(str(e)) from None
    return value


def _sha256(ctx, param, value):
    from .download import normalize_sha256

    try:
        return normalize_sha256(value) if value else None
    except ValueError as e:
        raise click.BadParameter(str(e)) from None


@cli.command()
@click.argument("version", required=False)
@click.option("--list", "list_versions", is_flag=True, help="List the released versions instead.")
@click.option("--base-url", help="Where releases are (default: the project's GitHub releases).")
@click.option("--sha256", callback=_sha256, help="Expected SHA-256 (default: from the release's manifest.json).")
@click.option("--file", "kind", default="duckdb", show_default=True, callback=_file_kind,
              help="duckdb, csv (zip of the CSV package), xlsx (workbook), wheel or parquet:<table>.")
def fetch(version, list_versions, base_url, sha256, kind):
    """Download a release file, verify its checksum, cache it, and print its local path.

    VERSION is MAJOR.MINOR.PATCH, vMAJOR.MINOR.PATCH or latest. The cache is pooch's cache
    folder, or XINJIANG_PAIRING_CACHE if set.
    """
    from .download import FetchError, versions
    from .download import fetch as run_fetch

    if list_versions:
        try:
            click.echo("\n".join(versions(base_url)))
        except FetchError as e:
            _fail(str(e))
        return
    if not version:
        raise click.UsageError("give a VERSION (e.g. 0.3.0 or latest), or --list")
    try:
        path = run_fetch(version, sha256=sha256, base_url=base_url, file=kind)
    except FetchError as e:
        _fail(str(e))
    click.echo(str(path))


def main():
    """The command line, in a process of its own. A command that stops early (a signal, an error)
    may leave a helper thread running (the descriptor check or a line scan: daemon threads, never
    waited for then); the process then ends at once, without the interpreter's shutdown, which
    would stop such a thread wherever it is (inside a native library, that can abort the process
    after the command has said why it stopped)."""
    try:
        cli(prog_name="xinjiang-pairing")  # standalone: always ends by SystemExit
        code = 0
    except SystemExit as e:
        code = e.code
    _exit(code)


def _exit(code) -> None:
    import os
    import threading

    if isinstance(code, str):  # as sys.exit does with a message
        click.echo(code, err=True)
        code = 1
    code = 0 if code is None else code
    if not any(t.daemon and t.is_alive() for t in threading.enumerate()):
        sys.exit(code)
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except (OSError, ValueError):  # a closed pipe or stream: nothing more can be written
            pass
    os._exit(code)


if __name__ == "__main__":
    main()
