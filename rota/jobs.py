"""A solve running in a background thread, so a UI stays responsive: progress as it arrives, Stop keeps the best.

Plain threading, no UI imports: the web UI keeps one SolveJob per browser session and polls it.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field
from typing import Any

from rota.constraints import Baseline
from rota.domain import Scenario
from rota.solver import InfeasiblePins, Progress, Solution, SolveControl, SolveOptions, solve
from rota.views import Analysis, analyse


@dataclass
class SolveJob:
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
    started: float = 0.0
    finished: float | None = None
    _thread: threading.Thread | None = field(default=None, repr=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def start(self) -> SolveJob:
        self.started = time.monotonic()
        self._thread = threading.Thread(target=self._run, name="rota-solve", daemon=True)
        self._thread.start()
        return self

    def _run(self) -> None:
        try:
            solution = solve(self.scenario, self.options, self._on_progress, self.control,
                             self.baseline if self.baseline is not None else self.hint)
            self.analysis = analyse(solution.plan, solution.chosen)
            self.solution = solution
        except InfeasiblePins as error:
            self.error = f"The pins cannot all be obeyed together: {'; '.join(error.details)}. Remove one and re-solve."
        except Exception as error:  # a bug must reach the page as a message, not kill the session silently
            self.error = f"The solve failed: {type(error).__name__}: {error}"
        finally:
            self.finished = time.monotonic()

    def _on_progress(self, progress: Progress) -> None:
        with self._lock:
            self.progress.append(progress)

    @property
    def running(self) -> bool:
        return self.finished is None and self._thread is not None

    @property
    def elapsed(self) -> float:
        return (self.finished or time.monotonic()) - self.started

    def latest(self) -> Progress | None:
        with self._lock:
            return self.progress[-1] if self.progress else None

    def snapshot(self) -> list[Progress]:
        with self._lock:
            return list(self.progress)

    def stop(self) -> None:
        self.control.stop()

    def wait(self, timeout: float | None = None) -> bool:
        if self._thread is not None:
            self._thread.join(timeout)
        return not self.running
