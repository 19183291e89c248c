"""Work on two connections at once. DuckDB lets other threads run while it answers a query, and
most queries of a small table keep one core busy, so reading tables and running rules two at a
time, each lane on a cursor of its own (``con.cursor()``: the same database, its own temporary
objects; it works in the connection's current database too), takes less time than one after the
other.

Lanes always run in worker threads, so that this thread only waits: a signal (Ctrl-C, SIGTERM
during ``build``) then arrives here as the exception its handler raises, not inside a DuckDB call
(which would turn it into an error of the query)."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import TypeVar

from . import signals
from .sql import ident

T = TypeVar("T")
WORKERS = 2
WAIT = 0.05  # seconds between looks at the lanes while they run


class _Halted(Exception):
    """A lane left before a step because the lanes were stopped (not an error of its own)."""


def run_lanes(con, lanes: list[list[Callable[[object], T]]],
              closing: Callable[[object], None] | None = None) -> list[list[T]]:
    """Run each lane, a list of steps, on a cursor of its own, ``WORKERS`` lanes at a time; the
    results of every lane's steps, in order. ``closing(cursor)`` runs when a lane ends.

    When a step fails, or this thread is interrupted (a signal), the lanes are stopped: the
    queries running are interrupted and no step starts. This thread waits until every lane has
    ended, then raises the interruption, or else the first error."""
    database = con.execute("SELECT current_database()").fetchone()[0]  # each lane works in it too
    running: set = set()
    lock = threading.Lock()
    stop = threading.Event()
    errors: list[BaseException] = []
    results: list = [None] * len(lanes)
    order = iter(range(len(lanes)))

    def halt() -> None:
        stop.set()
        with lock:
            for cursor in running:
                try:
                    cursor.interrupt()
                except Exception:  # noqa: BLE001 - finished meanwhile: nothing to stop
                    pass

    def run(lane: list[Callable[[object], T]]) -> list[T]:
        cursor = con.cursor()
        with lock:
            running.add(cursor)
        try:
            cursor.execute(f"USE {ident(database)}")
            out = []
            for step in lane:
                if stop.is_set():
                    raise _Halted
                out.append(step(cursor))
            return out
        finally:
            with lock:
                running.discard(cursor)
            try:
                if closing is not None:
                    closing(cursor)
            finally:
                cursor.close()  # with its temporary tables

    def worker(done: threading.Event) -> None:
        try:
            while not stop.is_set():
                with lock:
                    i = next(order, None)
                if i is None:
                    return
                try:
                    results[i] = run(lanes[i])
                except _Halted:
                    return
                except BaseException as e:  # noqa: BLE001 - raised by run_lanes, in its thread
                    with lock:
                        errors.append(e)
                    halt()
                    return
        finally:
            done.set()

    ended: list[threading.Event] = []  # one for each worker started, set when it has ended
    interruption: BaseException | None = None
    try:
        held = signals.hold()  # not while a worker starts (it would start unseen)
        try:
            for _ in range(min(WORKERS, len(lanes))):
                done = threading.Event()
                # not a daemon: one still ending when the process exits would be cut off inside DuckDB
                threading.Thread(target=worker, args=(done,), name="lane", daemon=False).start()
                ended.append(done)
        finally:
            signals.release(held)  # a signal held meanwhile arrives here
    except BaseException as e:  # noqa: BLE001 - a signal, or a worker that cannot start
        interruption = e
        stop.set()
    # Wait on events, not Thread.join (a signal during a join can make Python 3.11 take a thread
    # that still runs for one that has ended), a little at a time: once stopped, the lanes are
    # interrupted again each time round, since DuckDB drops an interruption that comes between
    # two queries of a step.
    while True:
        try:
            if stop.is_set():
                halt()
            if all(done.wait(WAIT) for done in ended):
                break
        except BaseException as e:  # noqa: BLE001 - a signal: stop, wait for the lanes, then raise it
            interruption = interruption or e
            stop.set()
    if interruption is not None:
        raise interruption from None
    if errors:
        raise errors[0]
    return results
