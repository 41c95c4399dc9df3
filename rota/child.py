"""Work in a child process, so that whatever happens to it — a native abort in CP-SAT, a SIGKILL, running out of
memory — ends only that child: the caller (the web server, its other sessions, the feeds) gets a plain-words
`ChildFailed` instead.

A server-wide bound: at most `slots()` children run at once; a further `run` waits for a slot (its caller can show
"queued") or is cancelled while it waits. Messages (progress) come back over a pipe as they are sent, and the result
pickled; a stop request reaches the child as an Event, which the work polls or waits on.
"""

from __future__ import annotations

import multiprocessing
import os
import resource
import signal
import threading
from collections.abc import Callable
from multiprocessing.connection import Connection
from multiprocessing.synchronize import Event as ProcessEvent
from typing import Any, Concatenate, ParamSpec, TypeVar

ENV_SLOTS = "ROTA_MAX_SOLVES"  # how many solves may run at once in one server (default: the core count)
EXIT_MEMORY = 75  # the child's exit code when it ran out of memory in Python (a native failure aborts instead)
_GLIBC_NO_MEMORY = 127  # glibc's exit when a new thread finds no memory ("cannot allocate memory for thread-local")
_CONTEXT = multiprocessing.get_context("spawn")  # a fresh interpreter: no server threads or locks inherited
P = ParamSpec("P")
R = TypeVar("R")


class ChildFailed(Exception):
    """The child ended without a result; the message says how, in plain words ("was killed (signal 9, …)")."""


class Cancelled(Exception):
    """The work was cancelled: its child was terminated (or never started)."""


def default_slots() -> int:
    try:
        return max(1, int(os.environ.get(ENV_SLOTS, "")))
    except ValueError:
        return max(1, os.cpu_count() or 1)


_capacity = default_slots()
_slots = threading.BoundedSemaphore(_capacity)
_waiting = 0
_waiting_lock = threading.Lock()


def slots() -> int:
    """How many children may run at once."""
    return _capacity


def set_slots(count: int) -> None:
    """Change how many children may run at once (for runs started after the call)."""
    global _slots, _capacity
    _capacity = max(1, count)
    _slots = threading.BoundedSemaphore(_capacity)


def waiting() -> int:
    """How many runs wait for a slot now."""
    return _waiting


class Channel:
    """The child's end: send messages to the parent; see whether a stop was asked for."""

    def __init__(self, conn: Connection, stop: ProcessEvent):
        self._conn, self.stop_event = conn, stop
        self._lock = threading.Lock()  # progress may be sent from a solver thread

    def send(self, message: object) -> None:
        with self._lock:
            self._conn.send(("message", message))

    def _finish(self, kind: str, value: object) -> None:
        with self._lock:
            self._conn.send((kind, value))


def run(target: Callable[Concatenate[Channel, P], R], *args: Any, on_message: Callable[[Any], None] | None = None,
        stop: threading.Event | None = None, cancel: threading.Event | None = None, memory_mb: int | None = None,
        on_start: Callable[[int], None] | None = None) -> R:
    """`target(channel, *args)` in a child process, once a slot is free; its return value, or ChildFailed.

    `stop` (set from any thread) is passed on to the child, which ends its work early and still returns; `cancel`
    terminates the child (or the wait for a slot) and raises Cancelled. `memory_mb` caps the child's address space.
    `on_start(pid)` is called when the child runs (until then the run is queued)."""
    global _waiting
    bound = _slots  # released to the semaphore it was taken from, even if set_slots replaced it meanwhile
    with _waiting_lock:
        _waiting += 1
    try:
        while not bound.acquire(timeout=0.2):
            if (cancel is not None and cancel.is_set()) or (stop is not None and stop.is_set()):
                raise Cancelled
    finally:
        with _waiting_lock:
            _waiting -= 1
    try:
        return _run(target, args, on_message, stop, cancel, memory_mb, on_start)
    finally:
        bound.release()


def _run(target: Callable[..., Any], args: tuple[Any, ...], on_message: Callable[[Any], None] | None,
         stop: threading.Event | None, cancel: threading.Event | None, memory_mb: int | None,
         on_start: Callable[[int], None] | None) -> Any:
    reader, writer = _CONTEXT.Pipe(duplex=False)
    stop_event = _CONTEXT.Event()
    process = _CONTEXT.Process(target=_child_main, args=(writer, stop_event, memory_mb, target, args),
                               name="rota-child", daemon=True)
    process.start()
    writer.close()  # only the child holds the sending end now: its death is an EOF here
    if on_start is not None:
        on_start(process.pid or 0)
    outcome: tuple[str, Any] | None = None
    try:
        while outcome is None:
            if cancel is not None and cancel.is_set():
                raise Cancelled
            if stop is not None and stop.is_set():
                stop_event.set()
            if not reader.poll(0.2):
                continue
            try:
                kind, value = reader.recv()
            except (EOFError, OSError):
                break
            if kind == "message":
                if on_message is not None:
                    on_message(value)
            else:
                outcome = kind, value
    finally:
        if outcome is None:
            process.terminate()  # cancelled, or it died: make sure it is gone before its exit code is read
        process.join(10)
        if process.is_alive():
            process.kill()
            process.join()
        reader.close()
    if outcome is not None and outcome[0] == "result":
        return outcome[1]
    if outcome is not None:
        raise ChildFailed(f"failed: {outcome[1]}")
    raise ChildFailed(describe(process.exitcode, memory_mb))


def describe(exitcode: int | None, memory_mb: int | None = None) -> str:
    """How a child that gave no result ended, in words a user can act on."""
    limit = f" (its limit is {memory_mb} MB)" if memory_mb else ""
    if exitcode == EXIT_MEMORY or (memory_mb and exitcode == _GLIBC_NO_MEMORY):
        return f"ran out of memory{limit}"
    if exitcode is not None and exitcode < 0:
        number = -exitcode
        try:
            name = signal.Signals(number).name
        except ValueError:
            name = "unknown signal"
        if number == signal.SIGKILL:
            return (f"was killed (signal {number}, {name}: by an operator, or by the system when memory ran out)")
        if number in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
            return f"was terminated (signal {number}, {name})"
        crash = f"crashed (signal {number}, {name})"
        return crash + (f"; it may have run out of memory{limit}" if memory_mb else "")
    return f"ended unexpectedly (exit code {exitcode})"


def _child_main(writer: Connection, stop: ProcessEvent, memory_mb: int | None, target: Callable[..., Any],
                args: tuple[Any, ...]) -> None:
    if memory_mb:
        # Set once the work's modules are imported (unpickling `target` imported them): the cap bounds the work.
        limit = memory_mb * 1024 * 1024
        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    channel = Channel(writer, stop)
    try:
        value = target(channel, *args)
        channel._finish("result", value)
    except MemoryError:
        os._exit(EXIT_MEMORY)  # nothing more can be allocated to say so: the exit code does
    except Exception as error:  # the work's own error: the parent reports it (a bug, not a crash)
        if memory_mb and isinstance(error, RuntimeError) and "can't start new thread" in str(error):
            os._exit(EXIT_MEMORY)  # under a memory cap, a thread's stack is what could not be had
        try:
            channel._finish("error", f"{type(error).__name__}: {error}")
        except MemoryError:
            os._exit(EXIT_MEMORY)
    finally:
        writer.close()
