"""The What-if page through AppTest: a built variant and an example solved beside the base in worker processes
in the background (the real rota.whatif, short limits), a comparison cancelled, a built variant removed, and a
hand-written .ics graded against the demo."""

from __future__ import annotations

import multiprocessing
import time

from streamlit.testing.v1 import AppTest

from tests.test_app import solve, start, visit

SCHEDULE = """BEGIN:VCALENDAR\r
VERSION:2.0\r
PRODID:-//hand//written//EN\r
BEGIN:VEVENT\r
UID:a1\r
SUMMARY:On call sin-01\r
DTSTART:20270301T000000Z\r
DTEND:20270301T100000Z\r
END:VEVENT\r
BEGIN:VEVENT\r
UID:a2\r
SUMMARY:On call sin-01\r
DTSTART:20270301T160000Z\r
DTEND:20270302T020000Z\r
END:VEVENT\r
BEGIN:VEVENT\r
UID:a3\r
SUMMARY:Somebody Unknown\r
DTSTART:20270302T000000Z\r
DTEND:20270302T080000Z\r
END:VEVENT\r
END:VCALENDAR\r
"""


def comparison(at: AppTest):
    [frame] = [d.value for d in at.dataframe if "base" in d.value.columns]
    return frame


def progress_text(at: AppTest) -> str:
    [bar] = at.get("progress")
    return bar.proto.text


def finish_comparison(at: AppTest, seconds: float = 180) -> None:
    """Poll the background comparison as the page's fragment does, then draw the page it leaves."""
    deadline = time.monotonic() + seconds
    while at.session_state["whatif_job"].running and time.monotonic() < deadline:
        time.sleep(0.2)
    assert not at.session_state["whatif_job"].running, "the comparison did not end in time"
    at.run()
    assert not at.exception, at.exception


def build(at: AppTest, name: str, remove: list[str]) -> None:
    at.text_input(key="v_name").set_value(name)
    at.multiselect(key="v_remove").set_value(remove)
    at.button[0].click().run()  # the form's "Add this variant"
    assert not at.exception and not at.error


def built_names(at: AppTest) -> list[str]:
    return [v.name for v in at.session_state["whatif_built"]]


def test_compare_an_example_and_a_built_variant_with_the_base():
    at = visit(start(), "whatif")
    options = at.multiselect(key="whatif_examples").options
    [lose] = [o for o in options if o.endswith("(lose-two-seniors)")]
    at.multiselect(key="whatif_examples").set_value([lose])
    at.number_input(key="whatif_limit").set_value(600)  # a ceiling: the work budget decides each rota
    at.number_input(key="whatif_work").set_value(0.6)
    at.text_input(key="v_name").set_value("Surge without sin-01")
    at.multiselect(key="v_remove").set_value(["sin-01"])
    at.checkbox(key="v_surge").set_value(True)
    at.text_area(key="v_rules").set_value("min_rest_hours = 12")
    at.button[0].click().run()  # the form's "Add this variant"
    assert not at.exception and not at.error
    assert any(m.value.startswith("**Surge without sin-01** · removes sin-01 · min_rest_hours = 12 · surge")
               for m in at.markdown)
    at.button(key="whatif_run").click().run()
    assert not at.exception and not at.error
    # The press returns at once: the solves run in the background while the page shows their progress.
    job = at.session_state["whatif_job"]
    assert job.running and job.total == 3
    assert progress_text(at).startswith("Solving the base and 2 variant(s)… ")
    assert at.button(key="whatif_cancel").label == "Cancel the comparison"
    assert "whatif_run" not in [b.key for b in at.button]
    visit(at, "team")  # the page can be left: the comparison goes on, its progress in the sidebar
    [sidebar_bar] = at.sidebar.get("progress")
    assert sidebar_bar.proto.text.startswith("What-if: solving the base and 2 variant(s)… ")
    visit(at, "whatif")
    finish_comparison(at)
    assert sorted(job.done()) == ["base", "lose-two-seniors", "surge-without-sin-01"]
    assert not at.error and not at.get("progress")
    assert "Side by side" in [s.value for s in at.subheader]
    table = comparison(at)
    assert list(table.columns) == ["base", "lose-two-seniors", "surge-without-sin-01"]
    assert table.loc["engineers"].tolist() == ["36", "34", "35"]
    assert table.loc["shifts_changed_vs_base", "base"] == "0"
    assert int(table.loc["shifts_changed_vs_base", "lose-two-seniors"]) > 0
    # The shortfall chart is drawn only when some solve is short of cover; else the page says every solve covers all.
    from rota import whatif_views as wv

    short = wv.shortfall_frame(job.rows)
    covered = bool((short["short"] == 0).all())
    assert any(m.value.startswith("Every solve covers P0") for m in at.success) == covered
    assert len(at.get("vega_lite_chart")) == (1 if covered else 2)
    assert at.button(key="whatif_run").label == "Compare the base with 2 variant(s)"


def test_cancel_terminates_the_solves_and_keeps_the_page_usable():
    at = visit(start(), "whatif")
    build(at, "Without sin-01", ["sin-01"])
    at.number_input(key="whatif_limit").set_value(120)
    at.button(key="whatif_run").click().run()
    job = at.session_state["whatif_job"]
    assert job.running
    time.sleep(3)  # let the worker processes start solving
    at.button(key="whatif_cancel").click().run()
    assert not at.exception
    assert job.wait(30), "cancelling did not end the comparison"
    assert job.cancelled and job.rows is None and job.elapsed < 60
    assert not multiprocessing.active_children()  # the worker processes were terminated, not left solving
    at.run()
    assert not at.exception and not at.error
    assert at.info[0].value == "The comparison was cancelled."
    assert "Side by side" not in [s.value for s in at.subheader]
    assert at.button(key="whatif_run").label == "Compare the base with 1 variant(s)"


def test_remove_one_built_variant_then_clear_them():
    at = visit(start(), "whatif")
    build(at, "Without sin-01", ["sin-01"])
    build(at, "Without dub-01", ["dub-01"])
    build(at, "Without tor-01", ["tor-01"])
    assert built_names(at) == ["Without sin-01", "Without dub-01", "Without tor-01"]
    at.button(key="whatif_remove_1").click().run()
    assert not at.exception
    assert built_names(at) == ["Without sin-01", "Without tor-01"]
    assert [m.value.split(" · ")[0] for m in at.markdown if m.value.startswith("**Without")] == [
        "**Without sin-01**", "**Without tor-01**"]
    assert at.button(key="whatif_run").label == "Compare the base with 2 variant(s)"
    at.button(key="whatif_clear").click().run()
    assert built_names(at) == [] and "whatif_remove_0" not in [b.key for b in at.button]
    assert at.button(key="whatif_run").disabled


def test_a_bad_variant_is_refused_with_its_field():
    at = visit(start(), "whatif")
    at.text_input(key="v_name").set_value("Bad")
    at.text_input(key="v_kinds").set_value("9 x L3 in sin")
    at.text_area(key="v_rules").set_value("min_rest_hours = = 3")
    at.button[0].click().run()
    assert not at.exception
    assert "rules" in at.error[0].value and "min_rest_hours = 12" in at.error[0].value
    assert "whatif_built" not in at.session_state or not at.session_state["whatif_built"]


def test_grade_an_uploaded_schedule_beside_rotas_own_solve():
    at = start()
    solve(at)
    visit(at, "whatif")
    at.file_uploader(key="grade_ics").upload("pagerduty.ics", SCHEDULE.encode(), "text/calendar").run()
    assert not at.exception and not at.error
    numbers = next(d.value for d in at.dataframe if "measure" in d.value.columns).set_index("measure")
    assert numbers.loc["shifts", "schedule"] == 2 and numbers.loc["unmapped_events", "schedule"] == 1
    assert numbers.loc["rule_breaks", "schedule"] == 1 and numbers.loc["rule_breaks", "rota"] == 0
    assert numbers.loc["p0_coverage_pct", "schedule"] < 5 < numbers.loc["p0_coverage_pct", "rota"]
    assert "Somebody Unknown" in at.warning[0].value
    breaks = next(d.value for d in at.dataframe if "detail" in d.value.columns)
    assert breaks.to_dict("records")[0] | {"detail": ""} == {"engineer": "sin-01", "date": "2027-03-02",
                                                             "rule": "rest", "detail": ""}
    gaps = next(d.value for d in at.dataframe if "reason" in d.value.columns)
    assert len(gaps) > 0 and set(gaps["kind"]) >= {"p0"} and gaps["reason"].str.len().min() > 0
    assert [s.value for s in at.subheader] == ["Rule breaks (1)", f"Gaps ({len(gaps)})"]


def test_a_file_that_is_not_a_calendar_is_reported_not_raised():
    at = visit(start(), "whatif")
    at.file_uploader(key="grade_ics").upload("oops.ics", b"hello", "text/calendar").run()
    assert not at.exception
    assert "is not an iCalendar file" in at.error[0].value
