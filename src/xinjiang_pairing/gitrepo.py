"""The one way this package asks git: a command in the package's folder, and the commit there."""

from __future__ import annotations

import subprocess
from pathlib import Path


def git(root: Path, *args: str, binary: bool = False, timeout: int = 60) -> subprocess.CompletedProcess:
    return subprocess.run(["git", *args], cwd=root, capture_output=True, text=not binary, timeout=timeout)


def head_commit(root: Path) -> str:
    """The commit checked out in ``root``, or "" outside git."""
    try:
        out = git(root, "rev-parse", "HEAD", timeout=10)
    except (OSError, subprocess.SubprocessError):
        return ""
    return out.stdout.strip() if out.returncode == 0 else ""
