"""The weekly routine's fixes through AppTest: rows added as in the browser, settings kept, the what-if progress."""

from __future__ import annotations

import time

from streamlit.testing.v1 import AppTest

from tests.test_app import edit, editor_key, engineers, start


def leave(at: AppTest):
    return at.data_editor(key=editor_key(at, "leave.csv")).value


def test_a_blank_new_engineer_row_keeps_the_table_editable():
    at = start()
    edit(at, "engineers.csv", added=[{}])  # "+" or a click on the empty last row: a row with no cell filled yet
    assert not at.warning, [w.value for w in at.warning]
    assert len(engineers(at)) == 36
    edit(at, "engineers.csv", added=[{"id": "sin-13", "name": "Ana Cruz", "centre": "sin", "level": "L2",
                                      "languages": "tl;en"}])
    assert "sin-13" in set(engineers(at)["id"]) and len(engineers(at)) == 37
    assert not at.warning and not at.error


def test_a_blank_new_leave_row_keeps_the_table_editable():
    at = start()
    before = len(leave(at))
    edit(at, "leave.csv", added=[{}])
    assert not at.warning, [w.value for w in at.warning]
    edit(at, "leave.csv", added=[{"engineer": "sin-02", "start": "2027-03-15", "end": "2027-03-19",
                                  "reason": "sick"}])
    assert len(leave(at)) == before + 1 and not at.error


def test_settings_survive_a_solve_and_a_page_switch():
    from tests.test_app import solve, visit

    at = start()
    solve(at, limit=2)
    visit(at, "coverage")
    visit(at, "plan")
    assert at.number_input(key="time_limit").value == 2
    visit(at, "whatif")
    at.number_input(key="whatif_limit").set_value(4).run()
    picked = at.multiselect(key="whatif_examples")
    picked.set_value(picked.options[:1]).run()
    visit(at, "people")
    visit(at, "whatif")
    assert at.number_input(key="whatif_limit").value == 4
    assert at.multiselect(key="whatif_examples").value == picked.options[:1]


def test_the_what_if_progress_moves_before_the_first_solve_ends():
    from tests.test_app import visit

    at = visit(start(), "whatif")
    options = at.multiselect(key="whatif_examples").options
    at.multiselect(key="whatif_examples").set_value(options[:1]).run()
    at.number_input(key="whatif_limit").set_value(30).run()
    at.button(key="whatif_run").click().run()
    job = at.session_state["whatif_job"]
    time.sleep(3)
    at.run()
    [bar] = at.get("progress")
    assert job.running and job.done() == [] and bar.proto.value > 0
    at.button(key="whatif_cancel").click().run()
    assert job.wait(30) and job.cancelled


def test_the_shortfall_chart_shows_what_cover_bars_of_100_hide():
    from rota.whatif_views import COVER, shortfall_frame

    rows = [{"variant": "base", **{column: 100.0 for column in COVER.values()}},
            {"variant": "lean", **{column: 100.0 for column in COVER.values()}, "peak_cover_pct": 97.25}]
    short = shortfall_frame(rows).set_index(["variant", "cover"])["short"]
    assert short["lean", "peak headcount"] == 2.75 and short["base"].eq(0).all()
    assert short.drop(("lean", "peak headcount")).eq(0).all()


def test_pin_choices_read_as_three_actions_first():
    from rota import views
    from rota.scenario import load_scenario

    options = views.pin_options(load_scenario("data/demo"), "sin")
    labels = [views.pin_label(o) for o in options]
    actions = [label for label in labels if label.startswith(("◆", "–"))]
    assert labels[:len(actions)] == actions  # every action comes before what a cell only shows
    assert {label.split(" — ")[-1] for label in actions if " — " in label} == {"fix this shift",
                                                                              "forbid work this day"}
    assert "– no pin: the solver decides" in actions
    assert all(label.endswith(("(the solver's choice)", "(edit it on Team)")) for label in labels[len(actions):])


def test_rules_and_people_compute_once_for_every_session_with_the_same_content(monkeypatch):
    import streamlit as st

    from rota import views
    from tests.test_app import solve, visit

    calls: list[str] = []
    for name in ("shift_strip", "timeline_frame"):
        real = getattr(views, name)
        monkeypatch.setattr(views, name, lambda *a, _real=real, _name=name, **k: calls.append(_name) or _real(*a, **k))
    st.cache_resource.clear()
    first, second = start(), start()
    visit(first, "rules")
    strips = calls.count("shift_strip")  # the strip and the seams read from it
    assert strips >= 1
    visit(second, "rules")  # another session, the same scenario: drawn from what the first one computed
    assert calls.count("shift_strip") == strips
    assert second.get("vega_lite_chart") and not second.exception
    solve(first)
    visit(first, "people")
    visit(first, "team")
    visit(first, "people")
    assert calls.count("timeline_frame") == 1


def test_a_leave_date_typed_another_way_or_no_real_day_is_said_on_its_row():
    at = start()
    edit(at, "leave.csv", edited={0: {"start": "15/03/2027"}})
    notes = leave(at)
    assert "problem" in notes.columns and "15/03/2027" in notes.loc[0, "problem"]  # kept and said, not reverted
    assert notes.loc[0, "start"] == "15/03/2027"
    edit(at, "leave.csv", edited={0: {"start": "2027-02-30"}})
    message = leave(at).loc[0, "problem"]
    assert "2027-02-30 is not a day of February 2027" in message and "expected a date YYYY-MM-DD" not in message
    edit(at, "leave.csv", edited={0: {"start": "2027-03-08"}})
    assert "problem" not in leave(at).columns and not at.sidebar.error


def short_staffed(at: AppTest) -> AppTest:
    """One senior per centre (their leave row removed): P0 gaps are certain, and so are peak gaps."""
    team = engineers(at)
    gone = [int(i) for i in team.index if team.loc[i, "level"] != "L1" and not team.loc[i, "id"].endswith("-01")]
    edit(at, "engineers.csv", deleted=gone)
    rows, kept = leave(at), set(engineers(at)["id"])
    edit(at, "leave.csv", deleted=[int(i) for i in rows.index if rows.loc[i, "engineer"] not in kept])
    assert not at.sidebar.error
    return at


def test_coverage_shades_p0_gaps_first_and_the_others_on_request():
    from tests.test_app import chart, solve, visit

    at = short_staffed(start())
    solve(at)
    visit(at, "coverage")
    _, cells = chart(at)
    assert "P0 gap" in set(cells["shade"]) and "cover gap" not in set(cells["shade"])
    gaps = at.dataframe[-1].value
    assert gaps["kind"].iloc[0] == "p0" and set(gaps["kind"]) > {"p0"}  # most severe first, the others listed
    assert any(c.value.startswith("Most severe first: ") for c in at.caption)
    at.toggle(key="shade_cover_gaps").set_value(True).run()
    _, cells = chart(at)
    assert {"P0 gap", "cover gap"} <= set(cells["shade"])


def test_plan_and_people_speak_plain_words(tmp_path):
    from tests.test_app import solve, visit

    at = start()
    solve(at)
    text = " ".join(e.value for e in [*at.success, *at.warning, *at.markdown] if isinstance(e.value, str))
    assert "Optimality gap" not in text and "FEASIBLE" not in text and "OPTIMAL" not in text
    assert [m.label for m in at.metric] == ["P0 cover", "P0 gap", "Other cover gaps", "Shifts"]
    [stages] = [d.value for d in at.dataframe if "stage" in d.value.columns]
    assert list(stages.columns) == ["stage", "result", "cost", "best possible ≥", "seconds"]
    assert set(stages["stage"]) <= {"P0 cover", "event cover", "peak cover", "public holidays", "fairness"}
    visit(at, "people")
    captions = " ".join(c.value for c in at.caption)
    assert "kept small by the solver" not in captions and "widen the band on purpose" in captions
