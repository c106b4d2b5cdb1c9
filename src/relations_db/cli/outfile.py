"""Where `export -o FILE` writes, and what it leaves behind when it fails or is stopped.

- A regular file (or a new name) gets a temporary file in its own folder, renamed over it only when everything
  was written: the old file stays as it was on any failure. A symlink is followed, so that its target (not the
  link) is what gets replaced, in the target's folder.
- A character device or a FIFO (`/dev/stdout`, a named pipe) is written straight to: it cannot be replaced.
- A file whose mode gives nobody write permission (0444) is refused, even to root, which the kernel would let
  write it: a read-only mode says "do not overwrite".
- Temporary files and folders of ours left by a process killed outright (SIGKILL) are swept by the next export
  once they have not been touched for `STALE_SECONDS`; SIGTERM is turned into an exit that cleans up as Ctrl-C
  does (`cli/app.py`).
"""

from __future__ import annotations

import errno
import os
import re
import stat
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TextIO

from relations_db.errors import UserError

# What a failed write of the output says (full disk, quota, closed or broken stream, I/O error).
OUTPUT_ERRNOS = frozenset({errno.ENOSPC, errno.EDQUOT, errno.EFBIG, errno.EIO, errno.EBADF, errno.EROFS,
                           errno.EPIPE, errno.ENXIO})

# The prefix of the export's scratch folders (formats/csv/parts.py) in the temporary directory.
SCRATCH_PREFIX = "relations-db-export-"
# A temporary file or folder of ours untouched for this long belongs to an export that is gone.
STALE_SECONDS = 3600
# tempfile's random part: 8 characters of its alphabet.
_RANDOM = r"[a-z0-9_]{8}"


def temp_prefix(name: str) -> str:
    """The start of the temporary file's name beside the output file `name`."""
    return f".{name}."


@contextmanager
def atomic_output(path: str | None) -> Iterator[TextIO]:
    """stdout, or the file `path` as described in the module's help. A path that cannot be written is refused
    as the field "output" (the command line's --output), with one line saying why."""
    if path is None or path == "-":
        sweep_stale()
        yield sys.stdout
        sys.stdout.flush()
        return
    given = Path(path).expanduser()
    try:
        status: os.stat_result | None = given.stat()  # (of what the symlinks lead to)
    except FileNotFoundError:
        status = None
    except OSError as exc:
        raise _refused(path, exc.strerror) from None
    if status is not None and stat.S_ISDIR(status.st_mode):
        raise _refused(path, "it is a directory; give a file name")
    if status is not None and (stat.S_ISCHR(status.st_mode) or stat.S_ISFIFO(status.st_mode)):
        # Opened by the name given: /dev/stdout leads to /proc/self/fd/1, whose target is no path at all.
        with _straight(path, given) as out:
            yield out
        return
    target = Path(os.path.realpath(given))  # through every symlink, to the file that gets replaced
    if status is not None and not stat.S_ISREG(status.st_mode):
        raise _refused(path, "it is not a regular file, a character device or a FIFO")
    if status is not None and (not status.st_mode & 0o222 or not os.access(target, os.W_OK)):
        raise _refused(path, "the file is read-only (change its mode or write elsewhere)")
    if not target.parent.is_dir():
        raise _refused(path, f"the directory {str(target.parent)!r} does not exist")
    sweep_stale(target)
    with _replacing(path, target, status) as out:
        yield out


def _refused(path: str, why: str | None) -> UserError:
    return UserError(f"cannot write to {path!r}: {why or 'it cannot be written'}", field="output")


@contextmanager
def _straight(path: str, target: Path) -> Iterator[TextIO]:
    try:
        out = open(target, "w", encoding="utf-8", newline="")  # noqa: SIM115 - closed below, errors reworded
    except OSError as exc:
        raise _refused(path, exc.strerror) from None
    try:
        with out:
            yield out
            out.flush()
    except OSError as exc:
        if exc.errno not in OUTPUT_ERRNOS:
            raise
        raise _refused(path, exc.strerror) from None


@contextmanager
def _replacing(path: str, target: Path, status: os.stat_result | None) -> Iterator[TextIO]:
    try:
        fd, tmp = tempfile.mkstemp(prefix=temp_prefix(target.name), suffix=".tmp", dir=target.parent)
    except OSError as exc:
        raise _refused(path, exc.strerror) from None
    try:
        with open(fd, "w", encoding="utf-8", newline="") as out:
            yield out
            out.flush()
            os.fsync(out.fileno())
        # mkstemp makes the file private (0600); give it the old file's mode (and owner, as root), else the
        # mode a newly created file would have.
        os.chmod(tmp, stat.S_IMODE(status.st_mode) if status is not None else 0o666 & ~_umask())
        if status is not None and os.geteuid() == 0:
            os.chown(tmp, status.st_uid, status.st_gid)
        os.replace(tmp, target)
    except BaseException as exc:
        Path(tmp).unlink(missing_ok=True)
        if isinstance(exc, OSError) and exc.errno in OUTPUT_ERRNOS:
            kept = "; the old file is unchanged" if status is not None else ""
            raise _refused(path, f"{exc.strerror}{kept}") from None
        raise


def _umask() -> int:
    current = os.umask(0)
    os.umask(current)
    return current


def sweep_stale(target: Path | None = None, now: float | None = None) -> None:
    """Remove what exports killed outright left: our scratch folders in the temporary directory and, beside
    `target`, our temporary files for it, each only when it is ours (its exact naming, our user) and has not
    been touched for STALE_SECONDS. Nothing here may stop an export: whatever cannot be removed stays."""
    import shutil

    cutoff = (time.time() if now is None else now) - STALE_SECONDS
    scratch = re.compile(re.escape(SCRATCH_PREFIX) + _RANDOM)
    for entry in _entries(Path(tempfile.gettempdir())):
        if scratch.fullmatch(entry.name) and entry.is_dir(follow_symlinks=False) and _stale(entry, cutoff):
            shutil.rmtree(entry.path, ignore_errors=True)
    if target is None:
        return
    leftover = re.compile(re.escape(temp_prefix(target.name)) + _RANDOM + r"\.tmp")
    for entry in _entries(target.parent):
        if leftover.fullmatch(entry.name) and entry.is_file(follow_symlinks=False) and _stale(entry, cutoff):
            try:
                os.unlink(entry.path)
            except OSError:
                pass


def _entries(folder: Path) -> list[os.DirEntry[str]]:
    try:
        with os.scandir(folder) as entries:
            return list(entries)
    except OSError:
        return []


def _stale(entry: os.DirEntry[str], cutoff: float) -> bool:
    """Ours and untouched since `cutoff` (a folder: nor anything directly in it)."""
    try:
        status = entry.stat(follow_symlinks=False)
        if status.st_uid != os.geteuid() or status.st_mtime > cutoff:
            return False
        if entry.is_dir(follow_symlinks=False):
            return all(inner.stat(follow_symlinks=False).st_mtime <= cutoff for inner in _entries(Path(entry.path)))
        return True
    except OSError:
        return False
