"""The stopping signals, in one place: Ctrl-C (SIGINT), SIGTERM and SIGHUP.

- A command notes every Ctrl-C while it runs (``watch_interrupts``), so that an error DuckDB
  raises for an interrupted query is still read as the interrupt it was.
- ``build`` and ``release`` turn SIGTERM and SIGHUP into ``Stopped`` (``stop_on_signals``), which
  unwinds like Ctrl-C: every ``finally`` runs and removes temporary files.
- ``lanes`` holds the signals back while it starts a worker thread (``hold`` and ``release``), so
  that none interrupts the start and leaves a worker running unseen.

Signals are handled in the main thread only; elsewhere these do nothing. Standard library only:
the command line imports this module at start.
"""

from __future__ import annotations

import signal
import threading
from collections.abc import Iterator
from contextlib import contextmanager

STOPPING = tuple(getattr(signal, name) for name in ("SIGINT", "SIGTERM", "SIGHUP") if hasattr(signal, name))


class Stopped(BaseException):
    """A termination signal arrived: unwind (removing temporary files) and stop."""


def _main_thread() -> bool:
    return threading.current_thread() is threading.main_thread()


def watch_interrupts() -> tuple[list[int], object]:
    """Note every Ctrl-C (SIGINT) from now on, raising KeyboardInterrupt as Python does; returns the
    notes and the handler to restore (None: nothing was changed: outside the main thread, or Ctrl-C
    is ignored, as in a background job, or not handled from Python)."""
    seen: list[int] = []
    if not _main_thread() or signal.getsignal(signal.SIGINT) in (signal.SIG_IGN, None):
        return seen, None

    def interrupt(signum, frame):
        seen.append(signum)
        signal.default_int_handler(signum, frame)

    return seen, signal.signal(signal.SIGINT, interrupt)


def stop_watching(previous) -> None:
    """Put back the Ctrl-C handler ``watch_interrupts`` replaced (None: it replaced none)."""
    if previous is not None:
        signal.signal(signal.SIGINT, previous)


@contextmanager
def stop_on_signals() -> Iterator[None]:
    """Within the block, SIGTERM and SIGHUP unwind like Ctrl-C (SIGINT), as ``Stopped``, so that
    every ``finally`` and ``except BaseException`` runs and removes temporary files."""
    if not _main_thread():
        yield
        return

    received: list[int] = []

    def stop(signum, frame):
        received.append(signum)
        raise Stopped(f"stopped by signal {signal.Signals(signum).name}")

    previous = {}
    for sig in STOPPING:
        if sig == signal.SIGINT:  # Ctrl-C raises KeyboardInterrupt already
            continue
        try:
            previous[sig] = signal.signal(sig, stop)
        except (OSError, ValueError):
            pass
    try:
        yield
    except Exception:  # DuckDB, when a signal comes during a query, raises its own error instead
        if received:
            raise Stopped(f"stopped by signal {signal.Signals(received[0]).name}") from None
        raise
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)


def hold():
    """Hold the stopping signals back; returns the mask to ``release`` (None: nothing held, as
    outside the main thread or where the platform cannot)."""
    if not hasattr(signal, "pthread_sigmask") or not _main_thread():
        return None
    return signal.pthread_sigmask(signal.SIG_BLOCK, STOPPING)


def release(held) -> None:
    """Let the signals held by ``hold`` through again: one that came meanwhile arrives now."""
    if held is not None:
        signal.pthread_sigmask(signal.SIG_SETMASK, held)
