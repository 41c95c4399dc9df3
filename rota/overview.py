"""What a manager reads first: a solve's outcome in plain words, and where the weekly plan stands with what to do next.

No Streamlit here: the pages draw these sentences, and tests read them.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import timedelta
from typing import TYPE_CHECKING

from rota.domain import Scenario
from rota.report import Shifts, Timeline
from rota.slots import Plan, Slot
from rota.solver import Solution

if TYPE_CHECKING:
    from rota.store import PublishReport

# A keep-published re-plan of the demo reaches its "changes" stage and proves it in about 2 s (bench/replan_limit.py):
# the default leaves room for a loaded server, and a solve whose stages are all proven ends before its limit.
REPLAN_SECONDS = 10

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


# ---- a re-plan against the published rota: is it fit to publish? -------------------------------------------------


def gap_minutes(plan: Plan, chosen: list[Slot]) -> tuple[int, int]:
    """Minutes short of cover in `chosen`: (P0, everything else), counted as the report and the heatmap count them."""
    timeline = Timeline(plan, chosen)
    p0 = other = 0
    for req in plan.requirements:
        for i in timeline.indices(req.span):
            if timeline.count(i, req.who) < req.required:
                if req.kind == "p0":
                    p0 += timeline.segments[i].minutes
                else:
                    other += timeline.segments[i].minutes
    return p0, other


def still_standing(plan: Plan, published: Shifts) -> list[Slot]:
    """The published shifts the scenario still allows (leave, a removed engineer or a pin rule them out): what the
    engineers would work if nothing were re-planned."""
    return [s for s in plan.slots if (s.engineer, s.date.isoformat(), s.shift) in published]


def replan_warning(solution: Solution, gaps: tuple[int, int], published_gaps: tuple[int, int]) -> str | None:
    """Why a keep-published re-plan should not be published without a second look, in plain words; None if it is
    fine. `gaps` and `published_gaps` are (P0, other) minutes short of cover of the re-plan and of the published rota
    as it still stands; either growing is flagged (fewer P0 gaps do not hide peaks left short)."""
    reasons = []
    if "changes" in solution.planned and "changes" not in [s.tier for s in solution.stages]:
        reasons.append("it stopped before its *keeping the published rota* stage, so it may move many more "
                       "published shifts than cover needs")
    if gaps[0] > published_gaps[0] or gaps[1] > published_gaps[1]:
        reasons.append(f"it leaves more cover gaps than the published rota would: P0 {_duration(gaps[0])} and "
                       f"other {_duration(gaps[1])}, against {_duration(published_gaps[0])} and "
                       f"{_duration(published_gaps[1])} (the published shifts that leave and edits still allow)")
    if not reasons:
        return None
    return ("This re-plan is worse than it should be: " + "; and ".join(reasons)
            + f". Re-plan with more time (at least {REPLAN_SECONDS} s), or publish anyway if you accept it.")


def publish_message(report: PublishReport, shift_changes: int | None) -> str:
    """What a publish did. `shift_changes` counts engineer-days whose shift differs (as Plan's changes and the
    preview count them); the store's figures count calendar events sent again, which also includes a shift whose
    hand-over note changed because a neighbour's shift did."""
    v = report.version
    if report.republished:
        return f"Nothing to publish: version {v.id} is this rota already, so no new version was made."
    sent = v.added + v.changed + v.cancelled
    changed = "" if shift_changes is None else f"{shift_changes} shift change(s) (engineer-days, as Plan counts); "
    notes = "" if shift_changes is None or sent <= shift_changes else (
        f", {sent - shift_changes} of them only for a changed hand-over note")
    carried = f"; {report.carried} kept from outside this window" if report.carried else ""
    return (f"Published version {v.id}: {v.shifts} shifts — {changed}calendar events sent: {v.added} new, "
            f"{v.changed} updated, {v.cancelled} cancelled{notes}; {v.unchanged} unchanged{carried}.")
