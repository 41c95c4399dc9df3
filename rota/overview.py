"""What a manager reads first: a solve's outcome in plain words, and where the weekly plan stands with what to do next.

No Streamlit here: the pages draw these sentences, and tests read them.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import timedelta

from rota.domain import Scenario
from rota.solver import Solution

TIER_WORDS = {"p0": "P0 cover", "event": "event cover", "peak": "peak cover", "holiday": "public holidays",
              "changes": "keeping the published rota", "fairness": "fairness"}


@dataclass(frozen=True)
class Outcome:
    """A solve's outcome: `level` is "success", "warning" or "error" (how a page colours it)."""

    level: str
    headline: str
    advice: str


def outcome(solution: Solution) -> Outcome:
    """The solver's state in a manager's words: which stage it reached, and what to do about it."""
    reached = [s.tier for s in solution.stages]
    missing = [t for t in solution.planned if t not in reached]
    unproven = [s for s in solution.stages if s.status != "OPTIMAL"]
    if not solution.stages and solution.stopped:
        return Outcome("warning", "You stopped it before the solver's first stage: the quick first rota is kept.",
                       "Every hard rule and pin holds, but nothing is optimised: re-solve to let it work.")
    if not solution.stages:
        return Outcome("warning", "Only the quick first rota: the time given left none for the solver's stages.",
                       "Every hard rule and pin holds, but nothing is optimised: give it more time and re-solve.")
    if missing:
        stage = TIER_WORDS[missing[0]]
        who = "You stopped it" if solution.stopped else "It ran out of time"
        return Outcome("warning", f"Stopped early, before the {stage} stage. {who}: the best rota so far is kept.",
                       "Give it more time and re-solve to optimise "
                       + ", ".join(TIER_WORDS[t] for t in missing) + ".")
    if solution.stopped:
        return Outcome("warning", f"You stopped it in the {TIER_WORDS[reached[-1]]} stage: the best rota so far is "
                       "kept.", "Re-solve to let it finish.")
    if unproven:
        stage = TIER_WORDS[unproven[0].tier]
        return Outcome("success", f"A good rota: every goal was worked on; the {stage} stage was not proven best.",
                       "More time may still improve " + ", ".join(TIER_WORDS[s.tier] for s in unproven) + ".")
    return Outcome("success", "The best rota for these rules: every goal optimised to the end.", "")


@dataclass(frozen=True)
class Standing:
    """Where the weekly plan stands, as the Overview page needs it."""

    problems: int  # in the edited scenario
    solving: bool
    solved: bool
    stale: bool  # the scenario changed since the rota was solved
    p0_gap_minutes: int
    other_gap_minutes: int  # events, peaks, languages
    published_version: int | None
    published_window: str | None  # "2027-03-01 → 2027-03-29"
    window: str  # the scenario's window, in the same form


def next_steps(now: Standing) -> list[str]:
    """The manager's next steps, most urgent first (each names the page where it is done)."""
    steps: list[str] = []
    if now.problems:
        steps.append(f"Fix the scenario's {now.problems} problem(s) on **Team** (each is shown on its row).")
    if now.solving:
        steps.append("A solve is running: its progress is on **Plan**.")
    elif not now.solved:
        steps.append("Solve a rota on **Plan**.")
    elif now.stale:
        steps.append("The scenario changed since the last solve: re-solve on **Plan**.")
    if now.solved and now.p0_gap_minutes:
        steps.append(f"{_duration(now.p0_gap_minutes)} of the window have no senior on shift for P0: **Coverage** "
                     "shows each gap, its reason and who could cover it.")
    elif now.solved and now.other_gap_minutes:
        steps.append(f"P0 is covered; peaks, events or languages are short for {_duration(now.other_gap_minutes)}: "
                     "see **Coverage** for reasons and suggestions.")
    if now.solved and not now.stale and not now.problems:
        if now.published_version is None:
            steps.append("Publish the rota on **Calendars**, then hand each engineer their feed link.")
        elif now.published_window == now.window:
            steps.append(f"Publish on **Calendars** to replace version {now.published_version} in the engineers' "
                         "calendars (Plan's *Keep the published rota* changes as few shifts as cover allows).")
        else:
            steps.append(f"Publish on **Calendars**: version {now.published_version} covers "
                         f"{now.published_window}; this rota covers {now.window}.")
    return steps


def _duration(minutes: int) -> str:
    return f"{minutes} min" if minutes < 120 else f"{minutes / 60:.1f} h"


def window_text(scenario: Scenario) -> str:
    """The coverage window as the versions table shows a published one: first UTC day → the day after the last."""
    return f"{scenario.start} → {scenario.start + timedelta(days=scenario.days)}"


def team_text(scenario: Scenario) -> list[str]:
    """One line per centre with its engineers by level: "Singapore (Asia/Singapore): 12 engineers — 5 L1, 7 L2"."""
    lines = []
    for centre in scenario.centres:
        levels = Counter(e.level for e in scenario.engineers if e.centre == centre.id)
        by_level = ", ".join(f"{n} {level}" for level, n in sorted(levels.items()))
        lines.append(f"{centre.name} ({centre.timezone}): {sum(levels.values())} engineers — {by_level or 'none'}")
    return lines
