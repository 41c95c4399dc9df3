"""The Calendars page and the Plan page's "keep the published rota" through AppTest: the real app, the real solver
with a short limit, and a real store in a temporary SQLite file (ROTA_STORE), as `rota serve` uses it."""

from __future__ import annotations

import io
import zipfile
from datetime import timedelta

import icalendar
import pytest
from streamlit.runtime.memory_media_file_storage import _calculate_file_id

from rota.report import shifts_of
from rota.result import load_result
from rota.store import open_store
from tests.calendars import GOLDEN_RESULT
from tests.test_app import WORK, edit, solve, start, visit


@pytest.fixture(autouse=True)
def store_path(tmp_path, monkeypatch):
    path = tmp_path / "rota.sqlite3"
    monkeypatch.setenv("ROTA_STORE", str(path))
    monkeypatch.delenv("ROTA_PUBLIC_URL", raising=False)
    monkeypatch.delenv("ROTA_SECRET_KEY_FILE", raising=False)
    return path


def downloads(at) -> dict[str, object]:
    return {b.key: b for b in at.get("download_button") if b.key}


def table(at, column: str):
    """The one data frame on the page with `column` (st.dataframe keys are not visible to AppTest)."""
    [frame] = [d.value for d in at.dataframe if column in d.value.columns]
    return frame


def served(at, button, name: str) -> bytes:
    """The bytes behind a download button: the page's calendars, checked against the media id the button carries
    (Streamlit names a download by a hash of its bytes, type and file name)."""
    [calendars] = [v for (kind, _), v in at.session_state["_memo"].items() if kind == "calendars"]
    data = calendars.get(name)
    assert data is not None, name
    mime = "application/zip" if name.endswith(".zip") else "text/calendar"
    assert button.proto.url.rsplit("/", 1)[1].split(".")[0] == _calculate_file_id(data, mime, name)
    return data


def published(at) -> str:
    """The message of the last publish or rollback (the page may show other notes, like the publish preview)."""
    [message] = [m.value for m in at.success if m.value.startswith("Published version")]
    return message


def test_calendars_download_publish_links_history_and_rollback(store_path):
    at = visit(start(), "calendars")
    assert at.button(key="publish").disabled and "Solve a rota on the Plan page first" in at.info[0].value
    assert any("Nothing published yet" in i.value for i in at.info)
    solve(at)
    result = at.session_state["last"].analysis
    visit(at, "calendars")

    buttons = downloads(at)
    assert {"ics_engineer_download", "ics_centre_download", "ics_team_download", "ics_zip_download"} <= set(buttons)
    assert buttons["ics_engineer_download"].label == "sin-01.ics"
    mine = icalendar.Calendar.from_ical(served(at, buttons["ics_engineer_download"], "sin-01.ics"))
    expected = [s for s in result.chosen if s.engineer == "sin-01"]
    events = mine.walk("VEVENT")
    assert len(events) == len(expected) and all(str(e["SUMMARY"]).startswith("On call · ") for e in events)
    assert sorted(e.decoded("DTSTART") for e in events) == sorted(s.span.start for s in expected)
    team = icalendar.Calendar.from_ical(served(at, buttons["ics_team_download"], "team.ics"))
    assert len(team.walk("VEVENT")) == len(result.chosen)
    at.selectbox(key="ics_centre").set_value("Dublin").run()
    assert downloads(at)["ics_centre_download"].label == "centre-dub.ics"
    # The zip is built from the same calendars: every engineer, centre and the team.
    [calendars] = [v for (kind, _), v in at.session_state["_memo"].items() if kind == "calendars"]
    assert len(calendars) == 36 + 3 + 1
    zip_button = downloads(at)["ics_zip_download"]
    from rota.publishing import calendars_zip
    archive = zipfile.ZipFile(io.BytesIO(calendars_zip(calendars)))
    assert archive.read("calendars/team.ics") == calendars["team.ics"]
    assert zip_button.proto.url.rsplit("/", 1)[1].split(".")[0] == _calculate_file_id(
        calendars_zip(calendars), "application/zip", "calendars.zip")

    # Publish: version 1 in the history, its numbers in the message, a link per engineer that opens its feed.
    at.button(key="publish").click().run()
    assert not at.exception and not at.error
    shifts = len(result.chosen)
    assert published(at).startswith(f"Published version 1: {shifts} shifts — calendar events sent: {shifts} new, "
                                    "0 updated, 0 cancelled")
    history = table(at, "version")
    assert history["version"].tolist() == [1] and history.loc[0, "source"] == "web UI"
    assert history.loc[0, "shifts"] == shifts and bool(history.loc[0, "shown"])
    [option] = [o for o in at.selectbox(key="feed_of").options if o.endswith("(engineer sin-01)")]
    at.selectbox(key="feed_of").set_value(option).run()
    https, webcal = (c.value for c in at.code)
    assert https.startswith("http://127.0.0.1:8501/feeds/") and https.endswith(".ics")
    assert webcal == "webcal://" + https.split("://", 1)[1]
    store = open_store(str(store_path))
    record = store.feed_by_token(https.rsplit("/", 1)[1].removesuffix(".ics"))
    assert record is not None and (record.kind, record.ident) == ("engineer", "sin-01")
    served_feed = icalendar.Calendar.from_ical(store.document(record).body)
    assert len(served_feed.walk("VEVENT")) == len(expected)
    links = table(at, "webcal")
    assert len(links) == 40 and set(links["kind"]) == {"engineer", "centre", "team"}
    assert links["webcal"].str.startswith("webcal://127.0.0.1:8501/feeds/").all()

    # The same rota again: nothing to publish, no new version. Another rota, then roll back to version 1.
    preview = [m.value for m in at.success if m.value.startswith("Publishing changes nothing")]
    assert preview == ["Publishing changes nothing in this window: it is version 1's rota."]
    at.button(key="publish").click().run()
    assert [m.value for m in at.success if m.value.startswith("Nothing to publish")] == [
        "Nothing to publish: version 1 is this rota already, so no new version was made."]
    assert table(at, "version")["version"].tolist() == [1] and [v.id for v in store.versions()] == [1]
    store.publish(load_result(GOLDEN_RESULT))
    at.run()
    assert [b.key for b in at.button if (b.key or "").startswith("rollback_")] == ["rollback_1"]
    at.button(key="rollback_1").click().run()
    assert not at.exception and not at.error
    history = table(at, "version")
    assert history["version"].tolist() == [3, 2, 1] and history.loc[0, "source"] == "rollback to version 1"
    assert published(at).startswith("Published version 3: the shifts of version 1 again")
    assert [v.id for v in store.versions()] == [1, 2, 3]
    store.close()


def test_a_public_url_makes_https_links(monkeypatch):
    monkeypatch.setenv("ROTA_PUBLIC_URL", "https://rota.example.com/")
    at = start()
    solve(at)
    visit(at, "calendars")
    at.button(key="publish").click().run()
    https, webcal = (c.value for c in at.code)
    assert https.startswith("https://rota.example.com/feeds/") and webcal.startswith("webcal://rota.example.com/")
    assert not at.warning


def test_keep_the_published_rota_re_plans_with_few_changes_and_shows_them(store_path):
    at = start()
    solve(at)
    first = at.session_state["last"].analysis.chosen
    visit(at, "calendars")
    at.button(key="publish").click().run()
    # Someone with shifts early in the window falls ill for three days of them.
    sick = next(s for s in first if s.date.day >= 2)
    days = [sick.date + timedelta(days=i) for i in range(3)]
    lost = {(s.engineer, s.date.isoformat()) for s in first if s.engineer == sick.engineer and s.date in days}
    visit(at, "team")
    edit(at, "leave.csv", added=[{"engineer": sick.engineer, "start": days[0].isoformat(),
                                  "end": days[-1].isoformat(), "reason": "sick"}])
    visit(at, "plan")
    at.toggle(key="keep_published").set_value(True).run()
    assert any("Re-plans from published version 1" in c.value for c in at.caption)
    at.button(key="solve").click().run()
    from tests.test_app import finish
    finish(at)
    assert not at.error
    job = at.session_state["last"]
    assert job.context["kept_version"] == 1 and job.baseline == shifts_of(first)
    assert job.options.work_limit == WORK and job.solution.reproducible  # the work budget decided, not the clock
    changes = table(at, "before")
    assert list(changes.columns) == ["engineer", "date", "before", "after"]
    assert any(h.value == f"Changes from published version 1: {len(changes)}" for h in at.subheader)
    dropped = changes[(changes["engineer"] == sick.engineer) & (changes["after"] == "")]
    assert lost <= set(zip(dropped["engineer"], dropped["date"], strict=True))  # the sick days' shifts are gone
    assert len(changes) < len(first) / 4  # and most of the published rota is kept


def test_keep_published_with_nothing_published_plans_from_scratch():
    at = visit(start(), "plan")
    at.toggle(key="keep_published").set_value(True).run()
    assert not at.exception and not at.error
    assert any("Nothing is published yet" in c.value for c in at.caption)
