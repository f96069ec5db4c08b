"""The two ways a sweep stops early: an error the user can fix, and an interruption to resume."""

from __future__ import annotations

import signal

from model.params import ScenarioError


class SweepError(ScenarioError):
    """The sweep cannot start or go on (workers that cannot import the model, a full disk, a
    folder another sweep is using): the CLI reports it in one line and exits with 2."""


class SweepInterrupted(KeyboardInterrupt):
    """Ctrl-C or SIGTERM during a sweep: what finished is on disk; `resume=True` runs the rest."""

    def __init__(self, message: str, signum: int = signal.SIGINT) -> None:
        super().__init__(message)
        self.signum = int(signum)

    @property
    def exit_code(self) -> int:
        """128 + the signal number, as a shell reports a process stopped by it (130, 143)."""
        return 128 + self.signum
