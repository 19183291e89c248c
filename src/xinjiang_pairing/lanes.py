"""Work on two connections at once. DuckDB lets other threads run while it answers a query, and
most queries of a small table keep one core busy, so reading tables and running rules two at a
time, each lane on a cursor of its own (``con.cursor()``: the same database, its own temporary
objects), takes less time than one after the other."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import TypeVar

T = TypeVar("T")
WORKERS = 2


def run_lanes(con, lanes: list[Callable[[object], T]]) -> list[T]:
    """Each lane called with a cursor of its own, ``WORKERS`` at a time; their results in order.
    When a lane fails, or this thread is interrupted, the queries still running are interrupted
    and no lane is started; the first error is raised once every lane has stopped."""
    running: set = set()
    lock = threading.Lock()
    stop = threading.Event()
    errors: list[BaseException] = []

    def run(lane: Callable[[object], T]) -> T:
        cursor = con.cursor()
        with lock:
            running.add(cursor)
        try:
            if stop.is_set():  # stopped while the cursor was made: do not start
                raise errors[0] if errors else RuntimeError("the lanes were stopped")
            return lane(cursor)
        finally:
            with lock:
                running.discard(cursor)
            cursor.close()  # with its temporary tables

    def halt() -> None:
        stop.set()
        with lock:
            for cursor in running:
                try:
                    cursor.interrupt()
                except Exception:  # noqa: BLE001 - finished meanwhile: nothing to stop
                    pass

    if len(lanes) < 2:
        return [run(lane) for lane in lanes]
    results: list = [None] * len(lanes)
    order = iter(range(len(lanes)))

    def worker() -> None:
        while not stop.is_set():
            with lock:
                i = next(order, None)
            if i is None:
                return
            try:
                results[i] = run(lanes[i])
            except BaseException as e:  # noqa: BLE001 - raised by run_lanes
                with lock:
                    errors.append(e)
                halt()
                return

    threads = [threading.Thread(target=worker, name="lane", daemon=True) for _ in range(min(WORKERS, len(lanes)))]
    for t in threads:
        t.start()
    try:
        for t in threads:
            t.join()
    except BaseException:  # an interruption of this thread (a signal): stop the lanes, then go on with it
        halt()
        for t in threads:
            t.join()
        raise
    if errors:
        raise errors[0]
    return results
