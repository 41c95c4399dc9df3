"""Work running in a background thread, so a UI stays responsive: a solve (progress as it arrives, Stop keeps the
best) and a what-if comparison (which solves are done, Cancel terminates its worker processes).

Plain threading, no UI imports: the web UI keeps one job of each kind per browser session and polls it.
"""

from __future__ import annotations

import tempfile
import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, ClassVar, Self

from rota.constraints import Baseline
from rota.domain import Scenario
from rota.scenario import Problem, ScenarioError
from rota.solver import InfeasiblePins, Progress, Solution, SolveControl, SolveOptions, solve
from rota.variant import VariantModel
from rota.views import Analysis, analyse
from rota.whatif import Cancelled
from rota.whatif_views import run_variants


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
    hint: dict[tuple[str, str, str], int] | None = None  # the last rota: a warm start that a re-solve stays close to
    baseline: Baseline | None = None  # a rota to keep where possible (the published one): it replaces the hint
    context: dict[str, Any] = field(default_factory=dict)  # the caller's own notes (the UI: the files it solved)
    control: SolveControl = field(default_factory=SolveControl)
    progress: list[Progress] = field(default_factory=list)
    solution: Solution | None = None
    analysis: Analysis | None = None  # computed in the thread too: the pages only draw it
    error: str = ""
    _thread_name: ClassVar[str] = "rota-solve"

    def _work(self) -> None:
        try:
            solution = solve(self.scenario, self.options, self._on_progress, self.control,
                             self.baseline if self.baseline is not None else self.hint)
            self.analysis = analyse(solution.plan, solution.chosen)
            self.solution = solution
        except InfeasiblePins as error:
            self.error = f"The pins cannot all be obeyed together: {'; '.join(error.details)}. Remove one and re-solve."
        except Exception as error:  # a bug must reach the page as a message, not kill the session silently
            self.error = f"The solve failed: {type(error).__name__}: {error}"

    def _on_progress(self, progress: Progress) -> None:
        with self._lock:
            self.progress.append(progress)

    def latest(self) -> Progress | None:
        with self._lock:
            return self.progress[-1] if self.progress else None

    def snapshot(self) -> list[Progress]:
        with self._lock:
            return list(self.progress)

    def stop(self) -> None:
        self.control.stop()


@dataclass
class WhatIfJob(_Background):
    """The scenario `files` and each variant solved side by side in worker processes (rota.whatif), from a thread.

    Ends with `rows` (the comparison), `problems` (a base or variant the loader refuses), `cancelled` or `error`."""

    files: Mapping[str, bytes]
    variants: list[Path | VariantModel]
    options: SolveOptions
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
                                         on_done=self._on_done, cancel=self._cancel)
        except ScenarioError as error:
            self.problems = error.problems
        except Cancelled:
            self.cancelled = True
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
        """Terminate the worker processes; the job ends as `cancelled` within about a second."""
        self._cancel.set()
