"""Issue 19, items 1, 5, 10 and 11 (the command line): where `export` writes and what a failure leaves.

Each case runs the real command in a subprocess, since what is under test is the process's edge: its file
descriptors, its signals, Python's own flush of stdout at exit.
"""

from __future__ import annotations

import os
import signal
import stat
import subprocess
import sys
import time
from pathlib import Path

import pytest

FORMATS = ["csv", "json", "jsonl", "yaml", "markdown", "html"]


def run(url: str, *args: str, tmp: Path, **kwargs) -> subprocess.CompletedProcess:
    """`relations-db --db url args` in a new interpreter (HOME and TMPDIR in `tmp`)."""
    env = {**os.environ, "HOME": str(tmp), "TMPDIR": str(tmp), "NO_COLOR": "1"}
    return subprocess.run([sys.executable, "-m", "relations_db", "--db", url, *args], env=env,
                          capture_output=kwargs.pop("capture_output", "stdout" not in kwargs), text=True,
                          timeout=120, **kwargs)


def one_line_error(proc: subprocess.CompletedProcess, code: int = 1) -> str:
    """The single line of stderr of a run that failed as expected (no traceback)."""
    assert proc.returncode == code, proc.stderr
    assert "Traceback" not in proc.stderr and "Exception ignored" not in proc.stderr, proc.stderr
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("Error: "), proc.stderr
    return lines[0]


# --- item 1: -o through symlinks, onto devices, FIFOs, read-only files --------------------------------------------


def test_export_through_a_symlink_replaces_its_target_not_the_link(seeded_url, tmp_path):
    real = tmp_path / "real.csv"
    real.write_text("old\n")
    link = tmp_path / "link.csv"
    link.symlink_to(real.name)
    proc = run(seeded_url, "export", "-o", str(link), tmp=tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert link.is_symlink() and os.readlink(link) == real.name
    assert real.read_text().startswith("date,start,end,title")
    assert not list(tmp_path.glob(".*.tmp"))


def test_export_to_a_symlink_in_another_folder_writes_the_temporary_file_there(seeded_url, tmp_path):
    (tmp_path / "elsewhere").mkdir()
    real = tmp_path / "elsewhere" / "out.json"
    real.write_text("[]\n")
    real.chmod(0o640)
    link = tmp_path / "out.json"
    link.symlink_to(real)
    proc = run(seeded_url, "export", "-o", str(link), tmp=tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert link.is_symlink() and real.read_text().startswith("[")
    assert stat.S_IMODE(real.stat().st_mode) == 0o640  # the old file's mode kept


def test_export_to_a_character_device_writes_to_it_and_reports_a_full_disk(seeded_url, tmp_path):
    link = tmp_path / "full.csv"
    link.symlink_to("/dev/full")
    message = one_line_error(run(seeded_url, "export", "-o", str(link), tmp=tmp_path))
    assert "No space left on device" in message and "--output" in message
    assert Path("/dev/full").is_char_device()  # (still a device: nothing was renamed over it)
    proc = run(seeded_url, "export", "-o", "/dev/null", tmp=tmp_path)
    assert proc.returncode == 0 and Path("/dev/null").is_char_device()


def test_export_to_dev_stdout_writes_into_the_pipe(seeded_url, tmp_path):
    """/dev/stdout is a symlink to /proc/self/fd/1, whose own target ("pipe:[…]") is no path: opened as given."""
    proc = run(seeded_url, "export", "-f", "jsonl", "--limit", "1", "-o", "/dev/stdout", tmp=tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.startswith('{"id": ')


def test_export_to_a_fifo_writes_into_the_pipe(seeded_url, tmp_path):
    import threading

    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    received: list[str] = []

    def read() -> None:
        with open(fifo, encoding="utf-8") as pipe:
            received.append(pipe.read())

    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    proc = run(seeded_url, "export", "-f", "csv", "-o", str(fifo), tmp=tmp_path)
    reader.join(timeout=5)
    if reader.is_alive():  # the export never opened the pipe: release the reader (a writer that writes nothing)
        os.close(os.open(fifo, os.O_WRONLY | os.O_NONBLOCK))
        reader.join(timeout=5)
    assert proc.returncode == 0, proc.stderr
    assert received and received[0].startswith("date,start,end,title"), "nothing came through the pipe"
    assert stat.S_ISFIFO(fifo.lstat().st_mode)


def test_a_read_only_file_is_refused_even_to_root(seeded_url, tmp_path):
    target = tmp_path / "kept.csv"
    target.write_text("keep me\n")
    target.chmod(0o444)
    message = one_line_error(run(seeded_url, "export", "-o", str(target), tmp=tmp_path))
    assert "read-only" in message
    assert target.read_text() == "keep me\n" and stat.S_IMODE(target.stat().st_mode) == 0o444


def test_a_full_filesystem_leaves_the_old_file_as_it_was(seeded_url, tmp_path):
    """A 16 KiB tmpfs (when this process may mount one): the export cannot fit, the old file stays."""
    small = tmp_path / "small"
    small.mkdir()
    mounted = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=16k", "tmpfs", str(small)], capture_output=True)
    if mounted.returncode != 0:
        pytest.skip("cannot mount a small tmpfs here (not root)")
    try:
        target = small / "out.csv"
        target.write_text("old\n")
        message = one_line_error(run(seeded_url, "export", "-o", str(target), tmp=tmp_path))
        assert "No space left on device" in message and "old file is unchanged" in message
        assert target.read_text() == "old\n"
        assert [p.name for p in small.iterdir()] == ["out.csv"]
    finally:
        subprocess.run(["umount", str(small)], check=True)


# --- item 5: stdout full or closed -------------------------------------------------------------------------------


@pytest.mark.parametrize("fmt", FORMATS)
def test_export_to_a_full_stdout_is_a_one_line_error(seeded_url, tmp_path, fmt):
    with open("/dev/full", "w") as full:
        proc = run(seeded_url, "export", "-f", fmt, tmp=tmp_path, stdout=full, stderr=subprocess.PIPE)
    assert "No space left on device" in one_line_error(proc)


@pytest.mark.parametrize("fmt", FORMATS)
def test_export_to_a_closed_stdout_is_a_one_line_error(seeded_url, tmp_path, fmt):
    proc = run(seeded_url, "export", "-f", fmt, tmp=tmp_path, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
               preexec_fn=lambda: os.close(1))
    assert "standard output is closed" in one_line_error(proc)


@pytest.mark.parametrize("args", [["events"], ["show", "1"], ["chronology"], ["sources"]])
def test_read_commands_on_a_full_or_closed_stdout(seeded_url, tmp_path, args):
    with open("/dev/full", "w") as full:
        proc = run(seeded_url, *args, tmp=tmp_path, stdout=full, stderr=subprocess.PIPE)
    assert "No space left on device" in one_line_error(proc)
    proc = run(seeded_url, *args, tmp=tmp_path, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
               preexec_fn=lambda: os.close(1))
    assert "standard output is closed" in one_line_error(proc)


def test_a_closed_stdout_does_not_hand_descriptor_1_to_the_database(tmp_path):
    """With fd 1 closed, the database file would be opened as fd 1 and get stdout's bytes: it must not."""
    url = f"sqlite:///{tmp_path / 'fresh.db'}"
    proc = run(url, "events", tmp=tmp_path, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
               preexec_fn=lambda: os.close(1))
    assert proc.returncode in (0, 1) and "Traceback" not in proc.stderr
    proc = run(url, "db", "current", tmp=tmp_path)
    assert proc.returncode == 0, proc.stderr


# --- item 10: SIGTERM and leftovers ------------------------------------------------------------------------------

_SLOW_EXPORT = """
import sys, time
from relations_db.formats import registry

def prepare(fmt, session, filters):
    def write(out, progress):
        import tempfile
        scratch = tempfile.TemporaryDirectory(prefix="relations-db-export-")
        with scratch:
            out.write("partial\\n")
            out.flush()
            print("writing", flush=True, file=sys.stderr)
            time.sleep(60)
        return 0
    return write

registry.prepare_export = prepare
sys.argv = ["relations-db", *sys.argv[1:]]
from relations_db.cli import main
main()
"""


def test_sigterm_during_an_export_removes_its_temporary_file_and_folder(tmp_path):
    """An export stopped by SIGTERM (a writer that stalls, so that the signal comes mid-export) cleans up as
    Ctrl-C does: no `.out.csv.*.tmp` beside the target, no scratch folder, the old file intact."""
    url = f"sqlite:///{tmp_path / 't.db'}"
    assert run(url, "db", "upgrade", tmp=tmp_path).returncode == 0
    target = tmp_path / "out.csv"
    target.write_text("old\n")
    env = {**os.environ, "HOME": str(tmp_path), "TMPDIR": str(tmp_path)}
    proc = subprocess.Popen([sys.executable, "-c", _SLOW_EXPORT, "--db", url, "export", "-o", str(target)],
                            env=env, stderr=subprocess.PIPE, text=True)
    assert proc.stderr is not None
    assert proc.stderr.readline().strip() == "writing"
    assert list(tmp_path.glob(".out.csv.*.tmp")) and list(tmp_path.glob("relations-db-export-*"))
    proc.send_signal(signal.SIGTERM)
    assert proc.wait(timeout=30) == 128 + signal.SIGTERM
    assert "Traceback" not in proc.stderr.read()
    assert not list(tmp_path.glob(".out.csv.*.tmp")) and not list(tmp_path.glob("relations-db-export-*"))
    assert target.read_text() == "old\n"


def test_stale_leftovers_of_a_killed_export_are_swept_by_the_next_one(seeded_url, tmp_path):
    """Ours (exact naming) and untouched for an hour: removed; anything else, or anything recent: kept."""
    old = time.time() - 2 * 3600
    scratch = tmp_path / "relations-db-export-ab3_x9zq"
    scratch.mkdir()
    (scratch / "part-1.csv").write_text("x")
    stale_tmp = tmp_path / ".out.csv.k2j4h5g6.tmp"
    stale_tmp.write_text("half")
    kept = [tmp_path / "relations-db-export-notours!", tmp_path / ".out.csv.recent12.tmp",
            tmp_path / ".other.csv.k2j4h5g6.tmp", tmp_path / "relations-db-export-keep.txt"]
    for path in kept:
        path.write_text("mine")
    for path in [scratch / "part-1.csv", scratch, stale_tmp, *kept]:
        os.utime(path, (old, old))
    os.utime(kept[1])  # (recent)
    proc = run(seeded_url, "export", "-o", str(tmp_path / "out.csv"), tmp=tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert not scratch.exists() and not stale_tmp.exists()
    assert all(path.exists() for path in kept)


# --- item 11: a command line that is not UTF-8 -------------------------------------------------------------------


def test_invalid_utf8_on_the_command_line_is_a_message(tmp_path):
    url = f"sqlite:///{tmp_path / 't.db'}"
    env = {**os.environ, "HOME": str(tmp_path), "LC_ALL": "C.UTF-8"}
    argv = [sys.executable.encode(), b"-m", b"relations_db", b"--db", url.encode(), b"events", b"--search",
            b"caf\xe9"]
    proc = subprocess.run(argv, env=env, capture_output=True, timeout=60)
    stderr = proc.stderr.decode("utf-8", "replace")
    assert proc.returncode == 2 and "Traceback" not in stderr
    assert stderr.strip().splitlines() == ["Error: argument 5 ('caf\ufffd') is not valid UTF-8 text"]
