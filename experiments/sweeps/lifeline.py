"""Process-pool workers that never outlive the sweep's driver.

A pool worker blocks on its task queue, and each worker holds that queue's write end, so when the
driver is killed (SIGKILL, the OOM killer) nothing tells the workers; they hold the forkserver's
"alive" pipe, the resource tracker's pipe and the caller's stdout open, and all of them linger.
`start_worker` (the pool's initializer) ties each worker to the driver twice: the kernel kills it
when its parent dies (Linux `PR_SET_PDEATHSIG`; under the forkserver the parent is the fork server),
and a thread waits for the driver itself to exit (a pidfd on Linux, polling elsewhere) and ends the
worker at once. With the workers gone, the fork server and the resource tracker see end-of-file on
their pipes and exit on their own.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import os
import select
import signal
import sys
import threading
import time

PR_SET_PDEATHSIG = 1  # from <linux/prctl.h>
ORPHANED = 70  # exit status of a worker whose driver is gone (EX_SOFTWARE)
POLL_SECONDS = 0.5


def start_worker(driver: int) -> None:
    """Pool initializer: Ctrl-C is the driver's to handle; die with the parent and the driver."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    parent = os.getppid()
    die_with_parent()
    if os.getppid() != parent:  # the parent died before the kernel was told to watch it
        os._exit(ORPHANED)
    threading.Thread(target=watch, args=(driver,), name="driver-watch", daemon=True).start()


def die_with_parent() -> bool:
    """Ask Linux to SIGKILL this process when its parent dies; False where that is unavailable."""
    if not sys.platform.startswith("linux"):
        return False
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6", use_errno=True)
        return libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0) == 0
    except (OSError, AttributeError):
        return False


def watch(driver: int) -> None:
    """Block until process `driver` has exited, then end this process without cleanup."""
    try:
        fd = os.pidfd_open(driver)
    except ProcessLookupError:
        os._exit(ORPHANED)
    except (AttributeError, OSError):  # not Linux >= 5.3: poll instead
        poll(driver)
    else:
        select.select([fd], [], [])  # a pidfd turns readable when its process exits
    os._exit(ORPHANED)


def poll(driver: int) -> None:
    """Return once `driver` no longer exists (or this process has been re-parented)."""
    parent = os.getppid()
    while os.getppid() == parent:
        try:
            os.kill(driver, 0)
        except ProcessLookupError:
            return
        except PermissionError:  # it exists, under another user: keep waiting
            pass
        time.sleep(POLL_SECONDS)
