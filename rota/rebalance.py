"""A fast greedy that makes a rota fairer without touching its cover, to warm-start the fairness stage.

It moves a shift from one engineer to a colleague of the same centre and level, same template, same local date:
the same real interval, the same seniority and holiday, and — because the colleague must speak every language the
shift is needed for — the same language cover. So every cover tier keeps its value; only the fair-share cost moves,
and a move is made only when it lowers that cost and no hard rule blocks the colleague.
"""

from __future__ import annotations

from bisect import bisect_left
from collections import defaultdict
from collections.abc import Callable

from rota import fairness
from rota.first_rota import Roster
from rota.slots import Plan, Requirement, Slot


class _Languages:
    """The languages some requirement needs during a slot, found by bisection over the language rules' starts."""

    def __init__(self, plan: Plan):
        self.rules: list[Requirement] = sorted((r for r in plan.requirements if r.kind == "language"),
                                               key=lambda r: r.span.start)
        self.starts = [r.span.start for r in self.rules]
        self.longest = max((r.span.end - r.span.start for r in self.rules), default=None)

    def during(self, slot: Slot) -> set[str]:
        if self.longest is None:
            return set()
        first = bisect_left(self.starts, slot.span.start - self.longest)
        last = bisect_left(self.starts, slot.span.end)
        return {r.who for r in self.rules[first:last] if r.span.overlaps(slot.span)}


def rebalance(plan: Plan, chosen: list[Slot], rounds: int = 8,
              should_stop: Callable[[], bool] | None = None) -> list[Slot]:
    """A rota with the same cover and a lower fair-share cost (or the same rota when no move helps).

    Deterministic: a fixed number of passes over the groups, no clock involved (unless `should_stop`, asked between
    passes, ends it early).
    """
    by_key = {(s.engineer, s.shift, s.date): s for s in plan.slots}
    pinned = set(plan.pins)
    languages = _Languages(plan)
    worked: dict[str, list[Slot]] = {e: [] for e in plan.engineers}
    rosters = {e: Roster(plan, e) for e in plan.engineers}
    for s in chosen:
        worked[s.engineer].append(s)
        rosters[s.engineer].add(s)
    for members in fairness.groups(plan):
        band = fairness.bands(plan, members, chosen)
        bands = {e: {n: band[e, n] for n in fairness.WEIGHTS} for e in members}
        load = {e: fairness.loads(worked[e]) for e in members}
        for _ in range(rounds):
            if should_stop is not None and should_stop():
                break
            improved = False
            # the most over-loaded give first; only those below a band can gain by taking
            for giver in sorted(members, key=lambda e: -(load[e]["hours"] - bands[e]["hours"][1])):
                hungry = [t for t in members if t != giver and any(load[t][n] < bands[t][n][0] for n in load[t])]
                for slot in list(worked[giver]):
                    if (giver, slot.date) in pinned or not hungry:
                        continue
                    needed = languages.during(slot) & set(plan.engineers[giver].languages)
                    taker = _best_taker(plan, slot, giver, hungry, needed, rosters, load, bands, by_key)
                    if taker is None:
                        continue
                    moved = by_key[taker, slot.shift, slot.date]
                    worked[giver].remove(slot)
                    worked[taker].append(moved)
                    rosters[giver].remove(slot)
                    rosters[taker].add(moved)
                    load[giver], load[taker] = fairness.loads(worked[giver]), fairness.loads(worked[taker])
                    improved = True
            if not improved:
                break
    return sorted((s for slots in worked.values() for s in slots), key=lambda s: (s.span.start, s.engineer))


def _best_taker(plan: Plan, slot: Slot, giver: str, takers: list[str], languages: set[str],
                rosters: dict[str, Roster], load: dict[str, dict[str, int]],
                bands: dict[str, dict[str, tuple[int, int]]], by_key: dict[tuple, Slot]) -> str | None:
    """The colleague whose taking `slot` lowers the group's fair-share cost most, if any does (and who speaks the
    `languages` the shift is needed for)."""
    metrics = [(n, fairness.metric(slot, n)) for n in fairness.WEIGHTS]
    metrics = [(n, v) for n, v in metrics if v]
    giver_gain = -_change(load[giver], bands[giver], metrics, -1)
    best, best_gain = None, 0
    for taker in takers:
        if (taker, slot.shift, slot.date) not in by_key:
            continue
        if not languages <= set(plan.engineers[taker].languages):
            continue
        gain = giver_gain - _change(load[taker], bands[taker], metrics, 1)
        if gain <= best_gain:
            continue
        if not rosters[taker].allows(by_key[taker, slot.shift, slot.date]):
            continue
        best, best_gain = taker, gain
    return best


def _change(load: dict[str, int], band: dict[str, tuple[int, int]], metrics: list[tuple[str, int]], sign: int) -> int:
    """How much one engineer's fair-share cost moves when a shift with these metrics is added (sign 1) or taken."""
    out = 0
    for n, v in metrics:
        low, high = band[n]
        before, after = load[n], load[n] + sign * v
        out += fairness.WEIGHTS[n] * ((max(0, after - high) + max(0, low - after))
                                      - (max(0, before - high) + max(0, low - before)))
    return out


def trim(plan: Plan, chosen: list[Slot]) -> list[Slot]:
    """`chosen` less every shift no cover needs: one that leaves each requirement it counts toward still met.

    Earlier stages are free to add shifts that cost them nothing, and fair shares drawn from such a rota would then
    charge the fairness stage for every handoff it saves. Dropping a shift breaks no hard rule (pins stay), raises
    no cover shortfall and works no extra holiday. The most loaded (for their availability) give first.
    """
    pinned = set(plan.pins)
    cover_of = plan.slot_segments
    needs: list[list[int]] = [[] for _ in plan.segments]
    requirements = plan.requirements
    for r, req in enumerate(requirements):
        for i in plan.segment_range(req.span.start, req.span.end):
            needs[i].append(r)
    staffed: dict[tuple[int, int], int] = defaultdict(int)
    counted: dict[Slot, list[tuple[int, int]]] = {}
    for slot in chosen:
        counted[slot] = [(i, r) for i in cover_of[slot] for r in needs[i] if _counts(plan, requirements[r], slot)]
        for k in counted[slot]:
            staffed[k] += 1
    minutes: dict[str, int] = dict.fromkeys(plan.engineers, 0)
    for slot in chosen:
        minutes[slot.engineer] += slot.minutes
    share = {e: minutes[e] / max(1e-9, fairness.availability(plan, e)) for e in plan.engineers}
    kept = set(chosen)
    for slot in sorted(chosen, key=lambda s: (-share[s.engineer], s.span.start, s.engineer, s.shift)):
        if (slot.engineer, slot.date) in pinned:
            continue
        if all(staffed[i, r] > requirements[r].required for i, r in counted[slot]):
            kept.discard(slot)
            for k in counted[slot]:
                staffed[k] -= 1
    return sorted(kept, key=lambda s: (s.span.start, s.engineer))


def _counts(plan: Plan, req: Requirement, slot: Slot) -> bool:
    if req.who == "engineers":
        return True
    if req.who == "seniors":
        return plan.is_senior(slot.engineer)
    return plan.speaks(slot.engineer, req.who)
