"""The stopping signals: SIGTERM and SIGHUP unwind as ``Stopped`` inside ``stop_on_signals`` and
the handlers are put back after it; a signal held back by ``hold`` arrives at ``release``; every
Ctrl-C is noted while a command runs."""

import os
import signal
import threading

import pytest

from xinjiang_pairing import signals


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGHUP])
def test_a_termination_signal_unwinds_as_stopped_and_the_handlers_come_back(sig):
    before = {s: signal.getsignal(s) for s in (signal.SIGTERM, signal.SIGHUP)}
    cleaned = []
    with pytest.raises(signals.Stopped, match=f"stopped by signal {signal.Signals(sig).name}"):
        with signals.stop_on_signals():
            try:
                os.kill(os.getpid(), sig)
                for _ in range(1000):  # the handler runs between bytecodes
                    pass
            finally:
                cleaned.append(1)
    assert cleaned == [1]
    assert {s: signal.getsignal(s) for s in before} == before


def test_an_error_raised_for_a_signal_becomes_stopped():
    """DuckDB raises an error of its own when a signal comes during a query: it is read as the signal."""
    def noted_then_error():
        with signals.stop_on_signals():
            handler = signal.getsignal(signal.SIGTERM)
            try:
                handler(signal.SIGTERM, None)
            except signals.Stopped:
                pass
            raise RuntimeError("INTERRUPT Error: query interrupted")

    with pytest.raises(signals.Stopped, match="stopped by signal SIGTERM"):
        noted_then_error()
    with pytest.raises(RuntimeError), signals.stop_on_signals():  # no signal: the error is left as it is
        raise RuntimeError("an error")


def test_a_signal_held_back_arrives_when_released():
    got = []
    previous = signal.signal(signal.SIGHUP, lambda s, f: got.append(s))
    try:
        held = signals.hold()
        assert held is not None and signal.SIGHUP in signal.pthread_sigmask(signal.SIG_BLOCK, [])
        signal.pthread_kill(threading.get_ident(), signal.SIGHUP)  # to this thread (another may take one sent
        for _ in range(1000):  # to the process)
            pass
        assert got == []
        signals.release(held)
        for _ in range(1000):
            pass
        assert got == [signal.SIGHUP]
        assert signal.SIGHUP not in signal.pthread_sigmask(signal.SIG_BLOCK, [])
    finally:
        signal.signal(signal.SIGHUP, previous)


def test_outside_the_main_thread_nothing_is_changed():
    seen = []

    def run():
        seen.append(signals.hold())
        seen.append(signals.watch_interrupts())
        with signals.stop_on_signals():
            seen.append(signal.getsignal(signal.SIGTERM))

    before = signal.getsignal(signal.SIGTERM)
    thread = threading.Thread(target=run)
    thread.start()
    thread.join()
    assert seen == [None, ([], None), before]


def test_every_ctrl_c_is_noted_and_still_interrupts():
    seen, previous = signals.watch_interrupts()
    try:
        with pytest.raises(KeyboardInterrupt):
            os.kill(os.getpid(), signal.SIGINT)
            for _ in range(1000):
                pass
        assert seen == [signal.SIGINT]
    finally:
        signals.stop_watching(previous)
    assert signal.getsignal(signal.SIGINT) is previous
