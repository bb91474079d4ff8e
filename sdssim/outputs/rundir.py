"""Crash-safe run directories: written aside, then renamed into place, with a manifest.

``sdssim run --out DIR`` writes every file into a temporary sibling directory
(``.DIR.partial-<random>``), then ``manifest.json`` *last* (each file's size and
SHA-256), then renames the sibling to ``DIR``.  A crash or Ctrl-C at any point
leaves either no ``DIR`` (or the previous one, untouched) or the complete new
one; the half-written sibling is removed on the way out when Python still runs,
and is ignored otherwise (it is a dot-directory with a ``.partial`` name).

An existing ``DIR`` that is not empty is refused unless ``force=True``; with
``force`` the old directory is first renamed aside, then the new one renamed
in, then the old one deleted, so at every instant ``DIR`` is either the old
complete run, absent, or the new complete run, never a mix.

:func:`verify_manifest` is what ``sdssim report`` and ``sdssim plot`` call
before reading a run: a missing manifest, a missing file, or a size or digest
that differs is a :class:`~sdssim.outputs.runio.RunError`.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import shutil
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from .runio import RunError

__all__ = ["MANIFEST", "OutputExists", "write_run", "verify_manifest", "manifest_of"]

MANIFEST = "manifest.json"


class OutputExists(RunError):
    """The output directory exists and is not empty (and ``force`` was not given)."""


def _digest(path: Path) -> tuple[int, str]:
    h = hashlib.sha256()
    size = 0
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
            size += len(chunk)
    return size, h.hexdigest()


def manifest_of(directory: Path) -> dict[str, Any]:
    """The manifest of every regular file in ``directory`` (the manifest itself excluded)."""
    files = {}
    for path in sorted(directory.iterdir()):
        if path.name != MANIFEST and path.is_file():
            size, sha = _digest(path)
            files[path.name] = {"bytes": size, "sha256": sha}
    return {"format": "sdssim-run/1", "files": files}


def _fsync(path: Path) -> None:
    with contextlib.suppress(OSError):  # not every file system lets a directory be fsynced
        fd = os.open(path, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


@contextlib.contextmanager
def _partial(target: Path) -> Iterator[Path]:
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{target.name}.partial-", dir=target.parent))
    try:
        yield tmp
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise


def check_target(out_dir: str | os.PathLike[str], *, force: bool = False) -> Path:
    """The output path; :class:`OutputExists` when it holds anything and not ``force``."""
    target = Path(out_dir)
    if target.exists() and not target.is_dir():
        raise OutputExists(f"{target} exists and is not a directory")
    if target.is_dir() and any(target.iterdir()) and not force:
        raise OutputExists(f"{target} exists and is not empty (use --force to replace it)")
    return target


def write_run(out_dir: str | os.PathLike[str], write: Callable[[Path], Any], *,
              force: bool = False, keep: tuple[str, ...] = ()) -> Any:
    """Call ``write(tmp_dir)``, add the manifest, and rename the result to ``out_dir``.

    Returns what ``write`` returned.  Raises :class:`OutputExists` before writing
    anything when ``out_dir`` is not empty and ``force`` is false.  Entries of the
    old ``out_dir`` named in ``keep`` (``checkpoints``) move into the new one.
    """
    target = check_target(out_dir, force=force)
    old: Path | None = None
    with _partial(target) as tmp:
        result = write(tmp)
        for path in tmp.iterdir():
            _fsync(path)
        manifest = json.dumps(manifest_of(tmp), indent=1, sort_keys=True) + "\n"
        (tmp / MANIFEST).write_text(manifest, encoding="utf-8", newline="\n")
        _fsync(tmp / MANIFEST)
        _fsync(tmp)
        moved = [name for name in keep if (target / name).exists()]
        for name in moved:
            os.replace(target / name, tmp / name)
        if target.exists():
            old = Path(tempfile.mkdtemp(prefix=f".{target.name}.old-", dir=target.parent))
            os.replace(target, old / "run")
        try:
            os.replace(tmp, target)
        except BaseException:
            if old is not None:  # put the previous run back
                os.replace(old / "run", target)
                shutil.rmtree(old, ignore_errors=True)
            for name in moved:
                os.replace(tmp / name, target / name)
            raise
        _fsync(target.parent)
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)
    return result


def verify_manifest(run_dir: str | os.PathLike[str]) -> None:
    """:class:`RunError` unless ``run_dir`` holds a manifest its files agree with."""
    root = Path(run_dir)
    if not root.is_dir():
        raise RunError(f"{root}: not a run directory")
    path = root / MANIFEST
    try:
        manifest = json.loads(path.read_text(encoding="utf-8"))
        files = manifest["files"]
        if not isinstance(files, dict):
            raise TypeError
    except FileNotFoundError:
        raise RunError(f"{path}: missing, so the run is incomplete (interrupted or not "
                       "written by sdssim run); run it again") from None
    except (OSError, ValueError, KeyError, TypeError):
        raise RunError(f"{path}: not a run manifest") from None
    for name, entry in sorted(files.items()):
        file = root / name
        if not isinstance(entry, dict) or "/" in name or name.startswith("."):
            raise RunError(f"{path}: malformed entry {name!r}")
        if not file.is_file():
            raise RunError(f"{file}: listed in {MANIFEST} but missing")
        size, sha = _digest(file)
        if size != entry.get("bytes") or sha != entry.get("sha256"):
            raise RunError(f"{file}: does not match {MANIFEST} ({size:,} bytes, expected "
                           f"{entry.get('bytes')}); the run was changed or half-written")
