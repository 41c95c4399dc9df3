"""A fast greedy that makes a rota fairer without touching its cover, to warm-start the fairness stage.

It moves a shift from one engineer to a colleague of the same centre and level, same template, same local date:
the same real interval, the same seniority and holiday, and — because the colleague must speak every language the
shift is needed for — the same language cover. So every cover tier keeps its value; only the fair-share cost moves,
and a move is made only when it lowers that cost and no hard rule blocks the colleague.
"""

from __future__ import annotations

from rota import fairness
from rota.report import blocker
from rota.slots import Plan, Slot

FREE = "free for"  # report.blocker's word for "no rule blocks this shift"


def _needed_languages(plan: Plan, slot: Slot) -> set[str]:
    return {r.who for r in plan.requirements if r.kind == "language" and r.span.overlaps(slot.span)}


def rebalance(plan: Plan, chosen: list[Slot], rounds: int = 8) -> list[Slot]:
    """A rota with the same cover and a lower fair-share cost (or the same rota when no move helps).

    Deterministic: a fixed number of passes over the groups, no clock involved.
    """
    by_key = {(s.engineer, s.shift, s.date): s for s in plan.slots}
    pinned = set(plan.pins)
    worked: dict[str, list[Slot]] = {e: [] for e in plan.engineers}
    for s in chosen:
        worked[s.engineer].append(s)
    for members in fairness.groups(plan):
        band = fairness.bands(plan, members, chosen)
        bands = {e: {n: band[e, n] for n in fairness.WEIGHTS} for e in members}
        load = {e: fairness.loads(worked[e]) for e in members}
        for _ in range(rounds):
            improved = False
            # the most over-loaded give first; only those below a band can gain by taking
            for giver in sorted(members, key=lambda e: -(load[e]["hours"] - bands[e]["hours"][1])):
                hungry = [t for t in members if t != giver and any(load[t][n] < bands[t][n][0] for n in load[t])]
                for slot in list(worked[giver]):
                    if (giver, slot.date) in pinned or not hungry:
                        continue
                    taker = _best_taker(plan, slot, giver, hungry, worked, load, bands, by_key)
                    if taker is None:
                        continue
                    moved = by_key[taker, slot.shift, slot.date]
                    worked[giver].remove(slot)
                    worked[taker].append(moved)
                    load[giver], load[taker] = fairness.loads(worked[giver]), fairness.loads(worked[taker])
                    improved = True
            if not improved:
                break
    return sorted((s for slots in worked.values() for s in slots), key=lambda s: (s.span.start, s.engineer))


def _best_taker(plan: Plan, slot: Slot, giver: str, takers: list[str], worked: dict[str, list[Slot]],
                load: dict[str, dict[str, int]], bands: dict[str, dict[str, tuple[int, int]]],
                by_key: dict[tuple, Slot]) -> str | None:
    """The colleague whose taking `slot` lowers the group's fair-share cost most, if any does."""
    languages = _needed_languages(plan, slot) & set(plan.engineers[giver].languages)
    before_giver = fairness.cost(load[giver], bands[giver])
    after_giver = fairness.cost(_minus(load[giver], slot), bands[giver])
    best, best_gain = None, 0
    for taker in takers:
        if (taker, slot.shift, slot.date) not in by_key:
            continue
        if not languages <= set(plan.engineers[taker].languages):
            continue
        gain = (before_giver - after_giver) + fairness.cost(load[taker], bands[taker]) - fairness.cost(
            _plus(load[taker], slot), bands[taker])
        if gain <= best_gain:
            continue
        if not blocker(plan, worked[taker], by_key[taker, slot.shift, slot.date]).startswith(FREE):
            continue
        best, best_gain = taker, gain
    return best


def _plus(load: dict[str, int], slot: Slot) -> dict[str, int]:
    return {n: v + fairness.metric(slot, n) for n, v in load.items()}


def _minus(load: dict[str, int], slot: Slot) -> dict[str, int]:
    return {n: v - fairness.metric(slot, n) for n, v in load.items()}
