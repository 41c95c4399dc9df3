"""The hard rules' predicates (rota.rules), one at a time on tiny hand-made rotas, each at its exact boundary; and the
three places that explain rules to people — report.blocker, views.relaxations, grade.rule_breaks — agreeing."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from rota import grade, report, rules, views
from rota.domain import Centre, Leave, Pin, Rules
from rota.slots import Plan, Slot
from tests.builders import DAY_1, engineer, scenario, shift

DUBLIN = Centre("dub", "Dublin", "Europe/Dublin", "IE")
SPRING = date(2027, 3, 27)  # Dublin's clocks go forward in the night after: 01:00 GMT becomes 02:00 IST
AUTUMN = date(2027, 10, 30)  # and back in the night after this one: 02:00 IST becomes 01:00 GMT
ST_PATRICK = date(2027, 3, 17)


def slot_of(plan: Plan, engineer_id: str, shift_id: str, day: date) -> Slot:
    return next(s for s in plan.all_slots if (s.engineer, s.shift, s.date) == (engineer_id, shift_id, day))


def day(n: int) -> date:
    return DAY_1 + timedelta(days=n)


def dublin_plan(start: date, rest: float, **rules_: object) -> Plan:
    s = scenario([engineer("ana", centre="dub")],
                 [shift("late", "14:00", "22:00", ("dub",)), shift("early", "09:00", "17:00", ("dub",))],
                 start=start, days=3, centres=(DUBLIN,),
                 rules=Rules(min_rest_hours=rest, max_hours_per_week=168, max_consecutive_days=31, **rules_))
    return Plan(s)


# ---- one rule at a time --------------------------------------------------------------------------------------------


def test_one_shift_per_local_day():
    plan = Plan(scenario([engineer("ana")], [shift("early", "06:00", "14:00"), shift("late", "16:00", "24:00")],
                         days=2))
    early = slot_of(plan, "ana", "early", DAY_1)
    broken = rules.second_shift_that_day([early], slot_of(plan, "ana", "late", DAY_1))
    assert broken is not None and (broken.rule, broken.text, broken.value) == (rules.ONE_A_DAY,
                                                                              "works early that day", 2)
    assert rules.second_shift_that_day([early], slot_of(plan, "ana", "late", day(1))) is None
    assert rules.second_shift_that_day([early], early) is None  # a shift does not clash with itself


def test_only_shifts_offered_at_the_engineers_centre():
    ana = engineer("ana", centre="dub")
    assert rules.offers(ana, shift("late", "14:00", "22:00", ("dub", "blr")))
    assert not rules.offers(ana, shift("late", "14:00", "22:00", ("blr",)))
    plan = Plan(scenario([ana], [shift("late", "14:00", "22:00", ("blr",)), shift("day", "08:00", "16:00", ("dub",))],
                         centres=(DUBLIN, Centre("blr", "Bengaluru", "Asia/Kolkata", "IN"))))
    assert {s.shift for s in plan.all_slots} == {"day"}


def test_no_work_on_leave_pinned_off_or_a_public_holiday_under_off():
    ana = engineer("ana", centre="dub")
    templates = [shift("late", "14:00", "22:00", ("dub",)), shift("early", "09:00", "17:00", ("dub",))]
    make = lambda policy: Plan(scenario(  # noqa: E731
        [ana], templates, start=ST_PATRICK - timedelta(days=1), days=3, centres=(DUBLIN,),
        rules=Rules(public_holidays=policy), leave=(Leave("ana", ST_PATRICK - timedelta(days=1),
                                                          ST_PATRICK - timedelta(days=1), "annual"),),
        pins=(Pin("ana", ST_PATRICK + timedelta(days=1), "early"),)))
    off, avoid = make("off"), make("avoid")
    [holiday] = rules.availability(off, slot_of(off, "ana", "late", ST_PATRICK))
    assert (holiday.rule, holiday.text) == (rules.HOLIDAY, "public holiday (Saint Patrick's Day)")
    assert rules.availability(avoid, slot_of(avoid, "ana", "late", ST_PATRICK)) == []  # "avoid" is soft
    [leave] = rules.availability(off, slot_of(off, "ana", "late", ST_PATRICK - timedelta(days=1)))
    assert (leave.rule, leave.text) == (rules.LEAVE, "on leave (annual)")
    [pin] = rules.availability(off, slot_of(off, "ana", "late", ST_PATRICK + timedelta(days=1)))
    assert (pin.rule, pin.text) == (rules.PIN, "pinned to early")
    assert rules.availability(off, slot_of(off, "ana", "early", ST_PATRICK + timedelta(days=1))) == []
    pinned_off = Plan(scenario([ana], templates, centres=(DUBLIN,), pins=(Pin("ana", DAY_1, "off"),)))
    assert [b.text for b in rules.availability(pinned_off, slot_of(pinned_off, "ana", "late", DAY_1))] == \
        ["pinned off"]
    assert pinned_off.unavailable(ana, DAY_1) == "pinned off" and pinned_off.slots == []


def test_rest_is_real_time_exactly_the_minimum_holds_a_minute_less_breaks():
    templates = [shift("late", "13:00", "22:00"), shift("early", "09:00", "17:00"), shift("early1", "08:59", "17:00")]
    plan = Plan(scenario([engineer("ana")], templates, days=2, rules=Rules(min_rest_hours=11)))
    late = slot_of(plan, "ana", "late", DAY_1)
    assert rules.too_close(late, slot_of(plan, "ana", "early", day(1)), 11) is None  # 22:00 → 09:00: 11 h
    short = rules.too_close(late, slot_of(plan, "ana", "early1", day(1)), 11)
    assert short is not None and short.rule == rules.REST and short.value == pytest.approx(11 - 1 / 60)
    assert short.text == "rest after late ending 2027-03-01T22:00:00Z (10.98 h, at least 11 h)"
    before = rules.too_close(slot_of(plan, "ana", "early1", day(1)), late, 11)  # the same pair, seen from the other
    assert before is not None and before.text.startswith("rest before early1 starting 2027-03-02T08:59:00Z")


def test_rest_across_a_dst_night_counts_the_hour_the_clocks_skip_or_repeat():
    spring = dublin_plan(SPRING, rest=11)
    late, early = slot_of(spring, "ana", "late", SPRING), slot_of(spring, "ana", "early", SPRING + timedelta(days=1))
    broken = rules.too_close(late, early, 11)  # 22:00 GMT → 09:00 IST: 11 h on the wall clock, 10 h of real rest
    assert broken is not None and broken.value == 10
    assert rules.too_close(late, early, 10) is None
    autumn = dublin_plan(AUTUMN, rest=12)  # 22:00 IST → 09:00 GMT: 11 h on the wall clock, exactly 12 h of rest
    late, early = slot_of(autumn, "ana", "late", AUTUMN), slot_of(autumn, "ana", "early", AUTUMN + timedelta(days=1))
    assert rules.too_close(late, early, 12) is None
    assert rules.too_close(late, early, 12.5) is not None


def test_shifts_that_overlap_are_an_overlap_not_short_rest():
    plan = Plan(scenario([engineer("ana")], [shift("night", "20:00", "08:00"), shift("early", "06:00", "14:00")],
                         days=2))
    clash = rules.too_close(slot_of(plan, "ana", "night", DAY_1), slot_of(plan, "ana", "early", day(1)), 0)
    assert clash is not None and clash.rule == rules.OVERLAP
    assert clash.text == "overlaps night 2027-03-01T20:00:00Z–2027-03-02T08:00:00Z"
    touching = Plan(scenario([engineer("ana")], [shift("night", "20:00", "06:00"), shift("early", "06:00", "14:00")],
                             days=2))
    assert rules.too_close(slot_of(touching, "ana", "night", DAY_1), slot_of(touching, "ana", "early", day(1)),
                           0) is None  # one ends as the other starts


def test_weekly_cap_in_whole_minutes_never_below_a_cap_floating_point_misses():
    assert [rules.cap_minutes(h) for h in (48, 32.8, 33.8, 33.33, 37.5)] == [2880, 1968, 2028, 1999, 2250]


def test_weekly_cap_exactly_reached_holds_one_minute_more_breaks_in_any_7_local_days():
    # 4 x 8 h 12 min = 32.8 h: exactly the cap (32.8 * 60 is 1967.9999999999998 in floating point)
    plan = Plan(scenario([engineer("ana", cap=32.8)], [shift("day", "08:00", "16:12"), shift("long", "08:00", "16:13")],
                         days=8))
    worked = [slot_of(plan, "ana", "day", day(d)) for d in (0, 2, 4)]
    assert rules.over_weekly_cap(worked, slot_of(plan, "ana", "day", day(6)), 32.8) is None
    over = rules.over_weekly_cap(worked, slot_of(plan, "ana", "long", day(6)), 32.8)
    assert over is not None and over.rule == rules.WEEKLY and over.first == DAY_1
    assert over.text == "weekly hours (32.82 h > 32.8 h in the 7 days from 2027-03-01)"
    assert rules.over_weekly_cap(worked, slot_of(plan, "ana", "long", day(7)), 32.8) is None  # 8 days: two windows
    # the engineer's own cap, not the scenario's 168 h, is what breaches() weighs
    assert [b.rule for b in rules.breaches(plan, worked, slot_of(plan, "ana", "long", day(6)))] == [rules.WEEKLY]


def test_weekly_hours_are_real_hours_across_a_dst_night():
    plan = Plan(scenario([engineer("ana", centre="dub")], [shift("night", "20:00", "08:00", ("dub",))],
                         start=SPRING - timedelta(days=1), days=3, centres=(DUBLIN,)))
    nights = [slot_of(plan, "ana", "night", SPRING + timedelta(days=d)) for d in (-1, 0, 1)]
    assert [n.minutes for n in nights] == [720, 660, 720]  # the night the clocks go forward is an hour shorter
    assert rules.over_weekly_cap(nights[:2], nights[2], 35) is None  # 12 + 11 + 12 h: exactly the cap
    over = rules.over_weekly_cap(nights[:2], nights[2], 34.9)
    assert over is not None and over.value == 35


def test_consecutive_days_a_run_of_the_maximum_holds_one_more_breaks():
    plan = Plan(scenario([engineer("ana")], [shift("day", "08:00", "16:00")], days=7,
                         rules=Rules(min_rest_hours=0, max_hours_per_week=168, max_consecutive_days=5)))
    slots = [slot_of(plan, "ana", "day", day(d)) for d in range(7)]
    assert rules.too_many_days_in_a_row(slots[:4], slots[4], 5) is None
    run = rules.too_many_days_in_a_row(slots[:5], slots[5], 5)
    assert run is not None and (run.value, run.limit, run.text) == (6, 5, "consecutive days (6 > 5)")
    filled = rules.too_many_days_in_a_row([*slots[:2], *slots[3:6]], slots[2], 5)  # a hole between 2 and 3 days
    assert filled is not None and filled.value == 6
    assert rules.run_length({day(0), day(1)}, day(3)) == 1


def test_breaches_lists_every_rule_in_order_and_first_breach_the_first():
    plan = Plan(scenario([engineer("ana", cap=16)], [shift("early", "06:00", "14:00"), shift("late", "16:00", "24:00")],
                         days=3, rules=Rules(min_rest_hours=11, max_hours_per_week=168, max_consecutive_days=1),
                         leave=(Leave("ana", day(1), day(1)),)))
    worked = [slot_of(plan, "ana", "early", day(0)), slot_of(plan, "ana", "early", day(1))]
    found = rules.breaches(plan, worked, slot_of(plan, "ana", "late", day(1)))
    assert [b.rule for b in found] == [rules.LEAVE, rules.ONE_A_DAY, rules.REST, rules.WEEKLY, rules.CONSECUTIVE]
    assert rules.first_breach(plan, worked, slot_of(plan, "ana", "late", day(1))) == found[0]
    assert rules.first_breach(plan, [], slot_of(plan, "ana", "late", day(2))) is None


# ---- the three explainers agree --------------------------------------------------------------------------------------

ONE = Rules(min_rest_hours=11, max_hours_per_week=168, max_consecutive_days=5, public_holidays="off")
TEMPLATES = [shift("early", "06:00", "14:00"), shift("late", "16:00", "24:00"), shift("night", "20:00", "08:00"),
             shift("day", "08:00", "16:12")]


def _case(worked: list[tuple[str, int]], slot: tuple[str, int], *, cap: float | None = None,
          rules_: Rules = ONE, leave: tuple[Leave, ...] = ()) -> tuple[Plan, list[Slot], Slot]:
    plan = Plan(scenario([engineer("ana", cap=cap)], TEMPLATES, days=9, rules=rules_, leave=leave))
    return plan, [slot_of(plan, "ana", s, day(d)) for s, d in worked], slot_of(plan, "ana", slot[0], day(slot[1]))


CASES = {
    "free": (_case([("early", 0)], ("early", 1)), None),
    "rest after": (_case([("late", 0)], ("early", 1)), rules.REST),
    "rest before": (_case([("early", 1)], ("late", 0)), rules.REST),
    "overlap": (_case([("night", 0)], ("early", 1)), rules.OVERLAP),
    "one a day": (_case([("early", 0)], ("late", 0), rules_=Rules(min_rest_hours=0)), rules.ONE_A_DAY),
    "weekly exactly at a float cap": (_case([("day", d) for d in (0, 2, 4)], ("day", 6), cap=32.8), None),
    "weekly over": (_case([("day", d) for d in (0, 2, 4, 5)], ("day", 6), cap=32.8), rules.WEEKLY),
    "consecutive": (_case([("early", d) for d in range(5)], ("early", 5)), rules.CONSECUTIVE),
    "leave": (_case([], ("early", 2), leave=(Leave("ana", day(2), day(2), "sick"),)), rules.LEAVE),
}
BLOCKER_WORDS = {rules.REST: "rest ", rules.OVERLAP: "overlaps", rules.ONE_A_DAY: "that day",
                 rules.WEEKLY: "weekly hours", rules.CONSECUTIVE: "consecutive days", rules.LEAVE: "on leave"}
RELAXATION_NAMES = {rules.REST: "rest", rules.ONE_A_DAY: "swap", rules.WEEKLY: "weekly",
                    rules.CONSECUTIVE: "consecutive"}


@pytest.mark.parametrize("name", list(CASES))
def test_blocker_relaxations_and_grade_name_the_same_rule(name: str):
    (plan, worked, slot), rule = CASES[name]
    said = report.blocker(plan, worked, slot)
    relaxed = views.relaxations(plan, worked, slot)
    before = set(grade.rule_breaks(plan, worked))
    assert not before, "each case starts from a rota that breaks nothing"
    broken = {b.rule for b in grade.rule_breaks(plan, [*worked, slot])}
    if rule is None:
        assert said.startswith("free for") and relaxed == [] and broken == set()
        return
    assert BLOCKER_WORDS[rule] in said, said
    assert broken == {rule}
    if rule in (rules.OVERLAP, rules.LEAVE):
        assert relaxed is None  # nothing a manager decides makes it possible
    else:
        assert relaxed is not None and [r.rule for r in relaxed] == [RELAXATION_NAMES[rule]]


def test_a_holiday_under_off_is_named_by_all_three():
    plan = Plan(scenario([engineer("ana", centre="dub")], [shift("late", "14:00", "22:00", ("dub",))],
                         start=ST_PATRICK, centres=(DUBLIN,), rules=ONE))
    slot = slot_of(plan, "ana", "late", ST_PATRICK)
    assert report.blocker(plan, [], slot) == "public holiday (Saint Patrick's Day)"
    assert [r.rule for r in views.relaxations(plan, [], slot) or []] == ["holiday"]
    assert [b.rule for b in grade.rule_breaks(plan, [slot])] == [rules.HOLIDAY]


def test_a_schedule_is_graded_once_per_break():
    plan = Plan(scenario([engineer("ana", cap=16)], [shift("day", "08:00", "16:00")], days=10,
                         rules=Rules(min_rest_hours=0, max_hours_per_week=168, max_consecutive_days=3)))
    worked = [slot_of(plan, "ana", "day", day(d)) for d in range(10)]
    breaks = grade.rule_breaks(plan, worked)
    # 10 days in a row: one run too long (named on its 4th day); over 16 h in the week from day 0, and in the next
    # week (days 7-9: 24 h), not in each of the overlapping windows between
    assert [(b.rule, b.date) for b in breaks if b.rule == rules.CONSECUTIVE] == [(rules.CONSECUTIVE, "2027-03-04")]
    assert [(b.date, b.detail) for b in breaks if b.rule == rules.WEEKLY] == [
        ("2027-03-01", "weekly hours (24 h > 16 h in the 7 days from 2027-03-01)"),
        ("2027-03-08", "weekly hours (24 h > 16 h in the 7 days from 2027-03-08)")]
