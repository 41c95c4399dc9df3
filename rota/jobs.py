"""Work for a UI, off its thread: a solve (progress as it arrives, Stop keeps the best) and a what-if comparison
(which solves are done, Cancel terminates them).

Each solve runs in a child process (rota.child), from a background thread here that relays its progress: a native
abort in CP-SAT, a SIGKILL or running out of memory ends that child alone, and the job says so in plain words while
the server, the other sessions and the last good rota live on. At most rota.child.slots() solves run at once; a
further one is queued until a slot is free. No UI imports: the web UI keeps one job of each kind per session and
polls it.
"""

from __future__ import annotations

import os
import tempfile
import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, ClassVar, Self

from rota import child
from rota.constraints import Baseline
from rota.domain import Scenario
from rota.scenario import Problem, ScenarioError
from rota.solver import InfeasiblePins, Progress, Solution, SolveControl, SolveOptions, solve
from rota.variant import VariantModel
from rota.views import Analysis, analyse
from rota.whatif import Cancelled
from rota.whatif_views import run_variants

ENV_MEMORY = "ROTA_SOLVE_MEMORY_MB"  # a cap on each solve process's memory (address space), in MB; default none


def solve_memory_mb() -> int | None:
    text = os.environ.get(ENV_MEMORY, "").strip()
    return int(text) if text.isdigit() and int(text) > 0 else None


@dataclass(kw_only=True)
class _Background:
    """Work in a daemon thread: when it started and finished, whether it runs, waiting for it. A job says what its
    `_work` does and turns that work's failures into its own outcome."""

    started: float = 0.0
    finished: float | None = None
    _thread: threading.Thread | None = field(default=None, repr=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)
    _thread_name: ClassVar[str] = "rota-job"

    def start(self) -> Self:
        self.started = time.monotonic()
        self._thread = threading.Thread(target=self._run, name=self._thread_name, daemon=True)
        self._thread.start()
        return self

    def _run(self) -> None:
        try:
            self._work()
        finally:
            self.finished = time.monotonic()

    def _work(self) -> None:
        raise NotImplementedError

    @property
    def running(self) -> bool:
        return self.finished is None and self._thread is not None

    @property
    def elapsed(self) -> float:
        return (self.finished or time.monotonic()) - self.started

    def wait(self, timeout: float | None = None) -> bool:
        if self._thread is not None:
            self._thread.join(timeout)
        return not self.running


@dataclass
class SolveJob(_Background):
    scenario: Scenario
    options: SolveOptions
    hint: dict[tuple[str, str, str], int] | None = None  # the last rota: a warm start only (every tier may move it)
    baseline: Baseline | None = None  # a rota to keep where possible (the published one): an explicit re-plan
    context: dict[str, Any] = field(default_factory=dict)  # the caller's own notes (the UI: the files it solved)
    keeps_last: bool = False  # the caller still shows an earlier rota if this solve fails (said in the message)
    memory_mb: int | None = field(default_factory=solve_memory_mb)
    progress: list[Progress] = field(default_factory=list)
    solution: Solution | None = None
    analysis: Analysis | None = None  # computed in the thread: the pages only draw it
    error: str = ""
    pid: int | None = None  # the solve process, once it runs (until then the job is queued)
    _stop: threading.Event = field(default_factory=threading.Event, repr=False)
    _thread_name: ClassVar[str] = "rota-solve"

    def _work(self) -> None:
        kept = "the last rota is kept" if self.keeps_last else "no rota was found: solve again"
        try:
            outcome = child.run(_solve_in_child, self.scenario, self.options, self.baseline,
                                frozenset(self.hint) if self.hint else None, on_message=self._on_progress,
                                stop=self._stop, memory_mb=self.memory_mb, on_start=self._on_start)
            if isinstance(outcome, Solution):
                self.analysis = analyse(outcome.plan, outcome.chosen)
                self.solution = outcome
            else:
                self.error = f"The pins cannot all be obeyed together: {'; '.join(outcome)}. Remove one and re-solve."
        except child.Cancelled:
            self.error = f"Stopped before the solve started; {kept}."
        except child.ChildFailed as error:
            self.error = f"The solve process {error}; {kept}."
        except Exception as error:  # a bug must reach the page as a message, not kill the session silently
            self.error = f"The solve failed: {type(error).__name__}: {error}"

    def _on_start(self, pid: int) -> None:
        self.pid = pid
        self.started = time.monotonic()  # the time limit counts from here, not from the queue

    def _on_progress(self, progress: Progress) -> None:
        with self._lock:
            self.progress.append(progress)

    @property
    def queued(self) -> bool:
        """Waiting for a free solve slot (the server runs at most rota.child.slots() solves at once)."""
        return self.running and self.pid is None

    def latest(self) -> Progress | None:
        with self._lock:
            return self.progress[-1] if self.progress else None

    def snapshot(self) -> list[Progress]:
        with self._lock:
            return list(self.progress)

    def stop(self) -> None:
        """End the search; the best rota so far is the job's solution (a queued job ends without one)."""
        self._stop.set()


def _solve_in_child(channel: child.Channel, scenario: Scenario, options: SolveOptions, baseline: Baseline | None,
                    hint: Baseline | None) -> Solution | list[str]:
    """Runs in the solve process: the Solution, or the pins that cannot all hold."""
    control = SolveControl()
    threading.Thread(target=lambda: (channel.stop_event.wait(), control.stop()), daemon=True).start()
    try:
        return solve(scenario, options, channel.send, control, baseline, hint=hint)
    except InfeasiblePins as error:
        return list(error.details)


@dataclass
class WhatIfJob(_Background):
    """The scenario `files` and each variant solved side by side, each in its child process (rota.whatif).

    Ends with `rows` (the comparison), `problems` (a base or variant the loader refuses), `cancelled` or `error`."""

    files: Mapping[str, bytes]
    variants: list[Path | VariantModel]
    options: SolveOptions
    memory_mb: int | None = field(default_factory=solve_memory_mb)
    rows: list[dict[str, object]] | None = None
    problems: list[Problem] = field(default_factory=list)
    cancelled: bool = False
    error: str = ""
    _done: list[str] = field(default_factory=list, repr=False)  # labels of the solves that ended, in that order
    _cancel: threading.Event = field(default_factory=threading.Event, repr=False)
    _thread_name: ClassVar[str] = "rota-whatif"

    def _work(self) -> None:
        try:
            with tempfile.TemporaryDirectory(prefix="rota-whatif-") as tmp:
                self.rows = run_variants(self.files, self.variants, Path(tmp), self.options,
                                         on_done=self._on_done, cancel=self._cancel, memory_mb=self.memory_mb)
        except ScenarioError as error:
            self.problems = error.problems
        except Cancelled:
            self.cancelled = True
        except child.ChildFailed as error:
            self.error = f"The comparison stopped: the solve process {error}; the previous comparison is kept."
        except InfeasiblePins as error:
            self.error = (f"The comparison stopped: the pins cannot all be obeyed together: {'; '.join(error.details)}"
                          ". Remove one and compare again.")
        except Exception as error:  # a bug must reach the page as a message, not kill the session silently
            self.error = f"The comparison failed: {type(error).__name__}: {error}"

    def _on_done(self, label: str) -> None:
        with self._lock:
            self._done.append(label)

    @property
    def total(self) -> int:
        """How many solves: the base and each variant."""
        return len(self.variants) + 1

    def done(self) -> list[str]:
        """The labels of the solves that ended so far ("base", a variant's file stem or its name as a slug)."""
        with self._lock:
            return list(self._done)

    def cancel(self) -> None:
        """Terminate the solve processes; the job ends as `cancelled` within about a second."""
        self._cancel.set()
