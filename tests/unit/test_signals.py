"""unwind_on_signals: SIGTERM/SIGHUP unwind the main thread like Ctrl-C (no root needed).

Each case runs a small script in a subprocess that signals itself (no timing:
the signal is sent by the script at a known point), then checks what ran and
the exit status.
"""

from __future__ import annotations

import os
import pickle
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from rawns import netns
from rawns.netns import Terminated

ROOT = Path(__file__).resolve().parents[2]


def _script(body: str) -> subprocess.CompletedProcess[str]:
    code = "import os, signal, sys, time\nfrom rawns import netns\n" + textwrap.dedent(body)
    return subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGHUP], ids=lambda s: s.name)
def test_signal_unwinds_finally_and_exits_with_128_plus_signum(sig: signal.Signals) -> None:
    p = _script(
        f"""
        netns.unwind_on_signals()
        try:
            os.kill(os.getpid(), {int(sig)})
            time.sleep(30)
            print("not reached")
        finally:
            print("cleanup ran", flush=True)
        """
    )
    assert p.stdout == "cleanup ran\n", p.stderr
    assert p.returncode == 128 + sig
    assert p.stderr == ""  # a SystemExit with an int code prints nothing


def test_without_the_call_sigterm_skips_finally() -> None:
    """The control: by default Python dies of SIGTERM on the spot."""
    p = _script(
        """
        try:
            os.kill(os.getpid(), signal.SIGTERM)
            time.sleep(30)
        finally:
            print("cleanup ran", flush=True)
        """
    )
    assert p.stdout == ""
    assert p.returncode == -signal.SIGTERM


def test_except_exception_does_not_swallow_it() -> None:
    p = _script(
        """
        netns.unwind_on_signals()
        try:
            try:
                os.kill(os.getpid(), signal.SIGTERM)
                time.sleep(30)
            except Exception:
                print("swallowed")
        except netns.Terminated as e:
            print(e.signum, e.code, e)
        """
    )
    assert p.stdout == f"{int(signal.SIGTERM)} {128 + signal.SIGTERM} terminated by SIGTERM\n"
    assert p.returncode == 0


def test_a_second_signal_does_not_cut_the_cleanup_short() -> None:
    p = _script(
        """
        netns.unwind_on_signals()
        try:
            os.kill(os.getpid(), signal.SIGTERM)
            time.sleep(30)
        finally:
            os.kill(os.getpid(), signal.SIGTERM)  # ignored while unwinding
            os.kill(os.getpid(), signal.SIGHUP)
            print("cleanup finished", flush=True)
        """
    )
    assert p.stdout == "cleanup finished\n", p.stderr
    assert p.returncode == 128 + signal.SIGTERM


def test_as_a_context_manager_the_old_handlers_come_back() -> None:
    p = _script(
        """
        def mine(signum, frame):
            print("my handler", signum, flush=True)

        signal.signal(signal.SIGHUP, mine)
        with netns.unwind_on_signals([signal.SIGHUP]) as u:
            assert u.signals == (signal.SIGHUP,)
            try:
                os.kill(os.getpid(), signal.SIGHUP)
                time.sleep(30)
            except netns.Terminated:
                print("unwound", flush=True)
        os.kill(os.getpid(), signal.SIGHUP)
        assert signal.getsignal(signal.SIGTERM) == signal.SIG_DFL
        """
    )
    assert p.stdout == f"unwound\nmy handler {int(signal.SIGHUP)}\n", p.stderr
    assert p.returncode == 0


def test_terminated_is_a_system_exit_that_pickles() -> None:
    e = Terminated(signal.SIGTERM)
    assert isinstance(e, SystemExit) and not isinstance(e, Exception)
    assert e.code == 143 and e.signum == signal.SIGTERM
    back = pickle.loads(pickle.dumps(e))  # noqa: S301 - bytes pickled just above
    assert type(back) is Terminated and back.signum == e.signum and back.code == 143


@pytest.mark.parametrize(
    ("signals", "exc", "shown"),
    [
        (signal.SIGTERM, TypeError, "15"),
        ("SIGTERM", TypeError, "'SIGTERM'"),
        (None, TypeError, "None"),
        ([signal.SIGKILL], ValueError, "SIGKILL"),
        ([signal.SIGSTOP], ValueError, "SIGSTOP"),
        ([0], ValueError, "0"),
        ([-1], ValueError, "-1"),
        ([signal.NSIG], ValueError, str(signal.NSIG)),
        ([2**64], ValueError, str(2**64)),
        ([15.0], TypeError, "15.0"),
        ([True], TypeError, "True"),
        (["15"], TypeError, "'15'"),
        ([], ValueError, "at least one"),
    ],
    ids=repr,
)
def test_bad_signal_lists_are_refused_before_any_handler_changes(
    signals: object, exc: type[Exception], shown: str
) -> None:
    before = {s: signal.getsignal(s) for s in (signal.SIGTERM, signal.SIGHUP)}
    with pytest.raises(exc) as ei:
        netns.unwind_on_signals(signals)  # type: ignore[arg-type]
    assert "signals" in str(ei.value) and shown in str(ei.value)
    assert {s: signal.getsignal(s) for s in before} == before


def test_outside_the_main_thread_it_says_so() -> None:
    import threading

    box: list[BaseException] = []

    def call() -> None:
        try:
            netns.unwind_on_signals()
        except BaseException as e:  # checked below
            box.append(e)

    t = threading.Thread(target=call)
    t.start()
    t.join()
    assert isinstance(box[0], ValueError) and "main thread" in str(box[0])


def test_restore_is_idempotent_in_process() -> None:
    before = signal.getsignal(signal.SIGHUP)
    u = netns.unwind_on_signals([signal.SIGHUP])
    try:
        assert signal.getsignal(signal.SIGHUP) != before
    finally:
        u.restore()
        u.restore()
    assert signal.getsignal(signal.SIGHUP) == before
    assert os.getpid() > 0
