"""Headcount sizing: the smallest number of engineers of one kind (centre × level) that covers P0 (or every peak).

Found by solving: each headcount is a scenario variant (the last ids of that kind removed, or new engineers of that
kind hired with the kind's usual languages) solved only up to the tier in question. "Covered" is a solve whose
tiers all reach zero; "short" is proven only when CP-SAT proves the tier optimal above zero — otherwise the answer
says it could not be proven within the time limit.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from rota.output import SCENARIO_FILES
from rota.scenario import load_scenario
from rota.solver import Solution, SolveOptions, solve
from rota.variant import AddEngineers, VariantModel, variant_scenario

TARGETS = {"p0": "p0", "peaks": "peak"}  # what must reach zero → the last tier solved


@dataclass
class Attempt:
    headcount: int
    verdict: str  # "covered" | "short" | "unknown"
    shortfall_minutes: int  # the target tiers' penalty (minutes short) of the best rota
    bound: float
    solution: Solution | None = field(default=None, repr=False)
    files: dict[str, bytes] = field(default_factory=dict, repr=False)  # the variant's scenario files (its copy)


@dataclass
class Sizing:
    centre: str
    level: str
    target: str
    current: int
    answer: int | None  # smallest covered headcount found, None when none was
    proof: str  # why one fewer is not enough, or why that could not be proven
    attempts: list[Attempt]

    @property
    def best(self) -> Attempt | None:
        return next((a for a in self.attempts if a.headcount == self.answer), None)


def _variant(scenario_dir: Path, centre: str, level: str, current: int, n: int) -> VariantModel:
    if n < current:
        return VariantModel(name=f"{n} x {level} in {centre}",
                            remove_engineers=[f"{current - n} x {level} in {centre}"])
    if n > current:
        scenario = load_scenario(scenario_dir)
        kind = [e for e in scenario.engineers if e.centre == centre and e.level == level] or [
            e for e in scenario.engineers if e.centre == centre]
        languages = Counter(e.languages for e in kind).most_common(1)[0][0] if kind else ()
        hire = AddEngineers(count=n - current, centre=centre, level=level, languages=list(languages), prefix="hire")
        return VariantModel(name=f"{n} x {level} in {centre}", add_engineers=[hire])
    return VariantModel(name=f"{n} x {level} in {centre}")


def attempt(scenario_dir: Path, centre: str, level: str, current: int, n: int, target: str,
            options: SolveOptions) -> Attempt:
    with variant_scenario(scenario_dir, _variant(scenario_dir, centre, level, current, n)) as (_, folder):
        scenario = load_scenario(folder)
        files = {name: (folder / name).read_bytes() for name in SCENARIO_FILES if (folder / name).is_file()}
    last = TARGETS[target]
    solution = solve(scenario, SolveOptions(**{**options.__dict__, "last_tier": last}))
    stages = solution.stages
    short = sum(round(s.objective) for s in stages)
    first_short = next((s for s in stages if s.objective > 0), None)
    if first_short is None and len(stages) == len(solution.planned):
        verdict = "covered"
    elif first_short is not None and first_short.status == "OPTIMAL":
        # earlier tiers are at zero, so a proven optimum above zero means no rota of this headcount reaches zero
        verdict = "short"
    else:
        verdict = "unknown"
    bound = sum(s.bound for s in stages)
    return Attempt(n, verdict, short, bound, solution, files)


def size(scenario_dir: Path, centre: str, level: str, target: str = "p0", options: SolveOptions | None = None,
         limit: int = 200) -> Sizing:
    """Smallest headcount of `level` engineers in `centre` for zero `target` gaps, with its proof."""
    options = options or SolveOptions(time_limit=20)
    scenario = load_scenario(scenario_dir)
    current = sum(1 for e in scenario.engineers if e.centre == centre and e.level == level)
    tried: dict[int, Attempt] = {}

    def run(n: int) -> Attempt:
        if n not in tried:
            tried[n] = attempt(scenario_dir, centre, level, current, n, target, options)
        return tried[n]

    n = current
    if run(n).verdict == "covered":
        while n > 0 and run(n - 1).verdict == "covered":
            n -= 1
        answer: int | None = n
    else:
        while n < limit and run(n).verdict != "covered":
            if not solved(run(n)):  # no rota at all within the time limit: more engineers cannot tell more
                break
            n += 1
        answer = n if run(n).verdict == "covered" else None
    attempts = [tried[k] for k in sorted(tried)]
    return Sizing(centre, level, target, current, answer, _proof(answer, tried), attempts)


def solved(attempt: Attempt) -> bool:
    """Whether the attempt's solve found any rota at all within its limits."""
    return attempt.solution is not None and bool(attempt.solution.stages)


def _proof(answer: int | None, tried: dict[int, Attempt]) -> str:
    if answer is None and not all(solved(a) for a in tried.values()):
        return "no rota was found within the time limit, so nothing could be told: give it more time (--time-limit)"
    if answer is None:
        return "no headcount up to the limit reached zero gaps: the gaps are structural (see rota check)"
    if answer == 0:
        return "zero engineers of this kind already cover it"
    below = tried.get(answer - 1)
    if below is None:
        return "one fewer was not tried"
    if below.verdict == "short":
        return (f"with {answer - 1} the solver proved at least {below.bound:,.0f} minutes short "
                f"(optimal, not a time-out)")
    return (f"with {answer - 1} the best rota found was {below.shortfall_minutes:,} minutes short, but that could "
            f"not be proven optimal within the time limit (best bound {below.bound:,.0f})")
