"""Lanes: work on cursors of one database two at a time, results in order, temporary objects kept
to their lane, and an error that stops the lanes still running at once."""

import time

import pytest

from xinjiang_pairing import engine
from xinjiang_pairing.lanes import run_lanes


def long_query(cursor):
    """About a minute of work (bounded, so that a broken interruption fails the test, not hangs it)."""
    return cursor.execute("SELECT count(*) FROM range(10000000000) a WHERE a.range % 7 = 3").fetchone()


def test_results_in_order_each_lane_on_its_own_cursor():
    con = engine.connect()
    con.execute("CREATE TABLE shared AS SELECT 41 AS x")

    def lane(n):
        def run(cursor):
            cursor.execute(f"CREATE TEMP TABLE mine AS SELECT {n} AS n")  # the same name in every lane
            time.sleep(0.01 * (5 - n))  # the first lanes finish last
            return cursor.execute("SELECT n + (SELECT x FROM shared) FROM mine").fetchone()[0]
        return run

    assert run_lanes(con, [[lane(n)] for n in range(5)]) == [[41], [42], [43], [44], [45]]
    assert con.execute("SELECT count(*) FROM duckdb_tables() WHERE table_name = 'mine'").fetchone()[0] == 0


def test_an_error_in_one_lane_interrupts_the_others_and_is_raised():
    con = engine.connect()


    def failing(cursor):
        time.sleep(0.2)  # the long query is running by now
        raise ValueError("this lane failed")

    start = time.perf_counter()
    with pytest.raises(ValueError, match="this lane failed"):
        run_lanes(con, [[long_query], [failing]])
    assert time.perf_counter() - start < 10  # the long query alone runs for a minute


def test_steps_of_a_lane_share_its_cursor_and_stop_when_another_lane_fails():
    con = engine.connect()
    ran = []

    def make(cursor):
        cursor.execute("CREATE TEMP TABLE scratch AS SELECT 7 AS n")
        return "made"

    def read(cursor):
        return cursor.execute("SELECT n FROM scratch").fetchone()[0]

    closed = []
    assert run_lanes(con, [[make, read]], closing=closed.append) == [["made", 7]]
    assert len(closed) == 1
    assert run_lanes(con, []) == []

    def failing(cursor):
        raise ValueError("this lane failed")

    def slow_then_record(cursor):
        time.sleep(0.3)
        return "first step"

    def never(cursor):
        ran.append("a step after the failure")

    with pytest.raises(ValueError, match="this lane failed"):
        run_lanes(con, [[slow_then_record, never], [failing]])
    assert ran == []  # the lane that was running stops before its next step


def test_a_signal_in_this_thread_stops_every_lane():
    """What a build does on SIGTERM: the handler raises in the waiting thread; the lanes' queries
    are interrupted, so the error comes at once and no lane is left running. The signal is sent
    once both lanes have started their query, however slowly they start on a busy machine."""
    import os
    import signal
    import threading

    class Stopped(Exception):
        pass

    def handler(signum, frame):
        raise Stopped

    started = threading.Semaphore(0)

    def announced(cursor):
        started.release()
        return long_query(cursor)

    def send_when_both_run():
        for _ in range(2):
            started.acquire(timeout=20)
        time.sleep(0.1)  # into the queries
        os.kill(os.getpid(), signal.SIGALRM)  # Python runs the handler in the main thread: the one waiting

    con = engine.connect()
    closed = []
    before = signal.signal(signal.SIGALRM, handler)
    sender = threading.Thread(target=send_when_both_run)
    try:
        sender.start()
        start = time.perf_counter()
        with pytest.raises(Stopped):
            run_lanes(con, [[announced], [announced], [announced]], closing=closed.append)
        assert time.perf_counter() - start < 20
        assert len(closed) == 2  # both lanes that started had ended (the third never started)
    finally:
        sender.join()
        signal.signal(signal.SIGALRM, before)
    # run_lanes waited for the lanes: their threads are gone (given a moment to leave after their last step)
    deadline = time.perf_counter() + 2
    while [t for t in threading.enumerate() if t.name == "lane"] and time.perf_counter() < deadline:
        time.sleep(0.05)
    assert not [t for t in threading.enumerate() if t.name == "lane"]


def test_a_query_that_starts_after_the_stop_is_interrupted_too():
    """DuckDB drops an interruption that comes between two queries: the lanes are interrupted
    again until they have ended."""
    con = engine.connect()

    def two_queries(cursor):
        cursor.execute("SELECT 1").fetchall()
        time.sleep(0.4)  # the other lane fails meanwhile
        return long_query(cursor)

    def failing(cursor):
        time.sleep(0.1)
        raise ValueError("this lane failed")

    start = time.perf_counter()
    with pytest.raises(ValueError, match="this lane failed"):
        run_lanes(con, [[two_queries], [failing]])
    assert time.perf_counter() - start < 10  # the long query alone runs for a minute


def test_lanes_work_in_the_database_their_connection_uses():
    """A lane's cursor uses the database its connection was switched to (``USE``), as a check's
    session does (``engine.session``), not the DuckDB's first database."""
    con = engine.connect()
    con.execute("CREATE TABLE main.place AS SELECT 'first database' AS what")
    con.execute("ATTACH ':memory:' AS other")
    con.execute("CREATE TABLE other.main.place AS SELECT 'other database' AS what")
    con.execute("USE other")
    read = [[lambda c: c.execute("SELECT what FROM place").fetchone()[0]] for _ in range(3)]
    assert run_lanes(con, read) == [["other database"]] * 3
    con.execute("USE memory")
    assert run_lanes(con, read) == [["first database"]] * 3
    con.close()
