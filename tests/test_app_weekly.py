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
