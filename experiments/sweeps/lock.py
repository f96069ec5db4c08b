"""One driver per sweep folder: an advisory lock on `DIR/.lock`, held while the sweep runs.

`fcntl.flock` belongs to the open file, so the kernel releases it when the driver exits, however it
exits: a lock left by a dead process never blocks the next sweep. The file itself stays (empty of
meaning once unlocked); it names the holder's pid for the message a second driver prints.
"""

from __future__ import annotations

import contextlib
import os
from pathlib import Path

from experiments.sweeps.errors import SweepError

try:
    import fcntl
except ImportError:  # Windows: no advisory locks; a second driver is not detected there
    fcntl = None  # type: ignore[assignment]

LOCK_NAME = ".lock"


class FolderLock:
    """`with FolderLock(out):` makes `out` if needed and holds its lock, or raises SweepError."""

    def __init__(self, out: Path) -> None:
        self.out = out
        self.path = out / LOCK_NAME
        self._fd: int | None = None
        self._made = False

    def __enter__(self) -> FolderLock:
        self._made = not self.out.exists()
        try:
            self.out.mkdir(parents=True, exist_ok=True)
            self._fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
        except OSError as exc:
            raise SweepError(f"{self.out}: cannot use this folder: {exc.strerror or exc}") from None
        if fcntl is not None:
            try:
                fcntl.flock(self._fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                holder = os.pread(self._fd, 32, 0).decode(errors="replace").strip() or "unknown"
                os.close(self._fd)
                raise SweepError(
                    f"{self.out}: another sweep (pid {holder}) is writing here; wait for it to "
                    "finish, or choose another --out"
                ) from None
        with contextlib.suppress(OSError):  # the pid is only for that message
            os.ftruncate(self._fd, 0)
            os.pwrite(self._fd, f"{os.getpid()}\n".encode(), 0)
        return self

    def __exit__(self, *exc: object) -> None:
        """Release the lock; a folder this lock made and nothing else used is removed again."""
        with contextlib.suppress(OSError):
            if self._made and [p.name for p in self.out.iterdir()] == [LOCK_NAME]:
                self.path.unlink()
                self.out.rmdir()
        if self._fd is not None:
            os.close(self._fd)
            self._fd = None
