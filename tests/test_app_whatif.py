"""The What-if page through AppTest: a built variant and an example solved beside the base in worker processes
(the real rota.whatif, short limits), and a hand-written .ics graded against the demo."""

from __future__ import annotations

from streamlit.testing.v1 import AppTest

from tests.test_app import _restore_main_module, solve, start, visit  # noqa: F401  (the fixture too)

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


def test_compare_an_example_and_a_built_variant_with_the_base():
    at = visit(start(), "whatif")
    options = at.multiselect(key="whatif_examples").options
    [lose] = [o for o in options if o.endswith("(lose-two-seniors)")]
    at.multiselect(key="whatif_examples").set_value([lose])
    at.number_input(key="whatif_limit").set_value(2)
    at.text_input(key="v_name").set_value("Surge without sin-01")
    at.multiselect(key="v_remove").set_value(["sin-01"])
    at.checkbox(key="v_surge").set_value(True)
    at.text_area(key="v_rules").set_value("min_rest_hours = 12")
    at.button[0].click().run()  # the form's "Add this variant"
    assert not at.exception and not at.error
    assert "**Surge without sin-01**" in at.caption[-1].value or any("Surge without sin-01" in c.value
                                                                       for c in at.caption)
    at.button(key="whatif_run").click().run(timeout=180)
    assert not at.exception and not at.error
    table = comparison(at)
    assert list(table.columns) == ["base", "lose-two-seniors", "surge-without-sin-01"]
    assert table.loc["engineers"].tolist() == ["36", "34", "35"]
    assert table.loc["shifts_changed_vs_base", "base"] == "0"
    assert int(table.loc["shifts_changed_vs_base", "lose-two-seniors"]) > 0
    assert len(at.get("vega_lite_chart")) == 2


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
