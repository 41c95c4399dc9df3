"""The `rota` command: check, solve, verify; ical, publish, versions, rollback, feeds, serve."""

from __future__ import annotations

import argparse
import errno
import math
import os
import sys
import tempfile
import threading
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

from rota.clock import iso_utc, peak_occurrences, utc_offset, window
from rota.scenario import ScenarioError, folder_problem, load_scenario
from rota.slots import Plan, unreachable_by_seniors
from rota.tokens import DEFAULT_PUBLIC_URL, ENV_PUBLIC_URL

if TYPE_CHECKING:
    from rota.domain import Scenario
    from rota.result import Result
    from rota.store import Store

EXIT_INPUT = 2  # a mistake in the arguments, files or environment: clear lines, no traceback
TEAM_HELP = "whose rota in a store of several teams (default: the store's only one; 'default' in a new store)"
EXIT_NO_ROTA = 1  # `rota size`: no answer could be told within the limits
EXIT_BUG = 70  # an error of rota itself (EX_SOFTWARE); ROTA_DEBUG=1 shows its traceback
SEED_MAX = 2**31 - 1  # CP-SAT's random seed is a 32-bit integer


@dataclass(frozen=True)
class Invalid:
    """An argument value that cannot work, kept (not raised) so that every bad argument is reported at once."""

    text: str
    expected: str


def _number(convert: Callable[[str], float], expected: str, low: float, high: float = math.inf,
            above: bool = False) -> Callable[[str], object]:
    """An argparse type: `convert(text)` within [low, high] (above: strictly above low), else an Invalid."""
    def parse(text: str) -> object:
        try:
            value = convert(text)
        except ValueError:
            return Invalid(text, expected)
        if not math.isfinite(value) or value < low or value > high or (above and value == low):
            return Invalid(text, expected)
        return value
    return parse


SECONDS = _number(float, "expected a number of seconds above 0, e.g. 60", 0, above=True)
WORK = _number(float, "expected a work budget above 0 (CP-SAT deterministic time), e.g. 20", 0, above=True)
SEED = _number(int, f"expected a whole number from 0 to {SEED_MAX}", 0, SEED_MAX)
WORKERS = _number(int, "expected a whole number of workers from 1 to 256", 1, 256)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="rota", description="Follow-the-sun on-call rota planner.")
    commands = parser.add_subparsers(dest="command", required=True)

    check = commands.add_parser("check", help="validate a scenario and print a summary")
    check.add_argument("scenario", type=Path)

    solve = commands.add_parser("solve", help="solve a scenario and write the result folder")
    solve.add_argument("scenario", type=Path)
    solve.add_argument("--out", type=Path, required=True, help="result folder to write")
    solve.add_argument("--time-limit", type=SECONDS, default=60.0, metavar="SECONDS")
    solve.add_argument("--work-limit", type=WORK, metavar="UNITS",
                       help="CP-SAT deterministic-time budget (default: time limit × 0.3, less on models over "
                            "30,000 variables; calibrated on the reference machine)")
    solve.add_argument("--seed", type=SEED, default=0)
    solve.add_argument("--workers", type=WORKERS, default=2)
    solve.add_argument("--fast", action="store_true",
                       help="free-running parallel search: uses the wall clock fully, but runs are not reproducible")
    solve.add_argument("--quiet", action="store_true", help="no progress lines")
    solve.add_argument("--store", metavar="URL_OR_PATH",
                       help="the published rota to continue (default: $ROTA_STORE, else the user's store if it exists)")
    solve.add_argument("--team", metavar="NAME", help=TEAM_HELP)
    past = solve.add_mutually_exclusive_group()
    past.add_argument("--history", type=Path, metavar="PATH",
                      help="published shifts to continue instead of the store's: a result folder or an assignments "
                           "CSV")
    past.add_argument("--no-history", action="store_true",
                      help="plan the window on its own, ignoring what is published around it")
    solve.add_argument("--lookback-days", type=_number(int, "expected a number of days from 0 to 3660", 0, 3660),
                       default=183, metavar="DAYS",
                       help="published shifts this far before the window count towards fair shares (default 183)")
    solve.add_argument("--keep-published", action="store_true",
                       help="re-plan: keep the store's published rota inside the window where cover allows")
    solve.add_argument("--next", action="store_true",
                       help="plan the window right after the latest published one, as long as it (overrides the "
                            "scenario's start and days)")

    verify = commands.add_parser("verify", help="check a result folder against its scenario (independent checker)")
    verify.add_argument("scenario", type=Path, help="the scenario folder (or the result folder alone)")
    verify.add_argument("result", type=Path, nargs="?", help="default: SCENARIO is a result folder with scenario/")
    seams = verify.add_mutually_exclusive_group()
    seams.add_argument("--history", type=Path, metavar="CSV",
                       help="check the seams against these published shifts (default: the result's history.csv)")
    seams.add_argument("--store", metavar="URL_OR_PATH", help="check the seams against the store's published rota")
    verify.add_argument("--team", metavar="NAME", help=TEAM_HELP)

    _calendar_commands(commands)
    _planning_commands(commands)

    try:
        args = parser.parse_args(argv)
    except SystemExit as done:  # argparse printed the usage and its one-line error (or the help)
        return done.code if isinstance(done.code, int) else EXIT_INPUT
    problems = argument_problems(args)
    if problems:
        for problem in problems:
            print(f"rota: {problem}", file=sys.stderr)
        return EXIT_INPUT
    handlers = {"check": cmd_check, "solve": cmd_solve, "verify": cmd_verify, "ical": cmd_ical,
                "publish": cmd_publish, "versions": cmd_versions, "rollback": cmd_rollback, "feeds": cmd_feeds,
                "serve": cmd_serve, "roles": cmd_roles, "audit": cmd_audit, "whatif": cmd_whatif, "size": cmd_size,
                "grade": cmd_grade}
    try:
        return handlers[args.command](args)
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:  # `rota feeds list | head`: the reader left; not an error of ours
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0
    except Exception as error:
        return _report(error, args)


def _report(error: Exception, args: argparse.Namespace) -> int:
    """Every error a user's input or environment can cause, as clear lines and exit 2; anything else is a bug."""
    from rota.child import ChildFailed
    from rota.output import OutputError
    from rota.pins import InfeasiblePins
    from rota.store import StoreError

    if isinstance(error, ScenarioError):
        # grade and whatif read more than the scenario (.ics, map, variants): each problem names its own file
        source = getattr(args, "scenario", None) or getattr(args, "result", "")
        source = "" if args.command in ("grade", "whatif") else source
        print(f"rota: {len(error.problems)} problem(s){f' in {source}' if source else ''}:", file=sys.stderr)
        for problem in error.problems:
            print(f"  {problem}", file=sys.stderr)
    elif isinstance(error, InfeasiblePins):
        print(f"rota: the pins cannot all be obeyed ({len(error.details)} conflict(s)); change or remove one pin "
              "of each in pins.csv:", file=sys.stderr)
        for detail in error.details:
            print(f"  {detail}", file=sys.stderr)
    elif isinstance(error, OutputError):
        for problem in error.problems:
            print(f"rota: {problem}", file=sys.stderr)
    elif isinstance(error, StoreError):
        print(f"rota: {error}", file=sys.stderr)
    elif isinstance(error, ChildFailed):  # a what-if's solve process killed, crashed or out of memory
        print(f"rota: the solve process {error}; the comparison was not written", file=sys.stderr)
    elif isinstance(error, OSError):  # disk full, permission denied, a folder removed meanwhile …
        where = f"{error.filename}: " if error.filename else ""
        print(f"rota: {where}{error.strerror or error}", file=sys.stderr)
    else:
        if os.environ.get("ROTA_DEBUG"):
            raise error
        print(f"rota: internal error: {type(error).__name__}: {error} (a bug in rota, not in your input: please "
              "report it; ROTA_DEBUG=1 shows the traceback)", file=sys.stderr)
        return EXIT_BUG
    return EXIT_INPUT


def argument_problems(args: argparse.Namespace) -> list[str]:
    """Every argument that cannot work, before any work: values out of range, paths missing or of the wrong kind."""
    problems = [f"{_option(dest)} {value.text!r}: {value.expected}" for dest, value in vars(args).items()
                if isinstance(value, Invalid)]
    check = PATH_CHECKS.get(args.command)
    return problems + (check(args) if check else [])


def _option(dest: str) -> str:
    return dest.upper() if dest in ("version",) else "--" + dest.replace("_", "-")


def _folder(path: Path, what: str, expected: str) -> list[str]:
    problem = folder_problem(path, expected)
    return [f"{what} {path}: {problem}"] if problem else []


def _file(path: Path | None, what: str, expected: str) -> list[str]:
    if path is None or path.is_file():
        return []
    return [f"{what} {path}: {'is a folder, not a file' if path.is_dir() else 'does not exist'}; expected {expected}"]


def _scenario(args: argparse.Namespace) -> list[str]:
    return _folder(args.scenario, "scenario", "a scenario folder (scenario.toml, engineers.csv, …)")


def _result(path: Path) -> list[str]:
    from rota.result import ASSIGNMENTS, SCENARIO_COPY, not_a_result

    problems = _folder(path, "result", "a result folder written by rota solve")
    if not problems and not (path / SCENARIO_COPY).is_dir():
        problems.append(f"result {path}: {not_a_result(path)}")
    elif not problems and not (path / ASSIGNMENTS).is_file():
        problems.append(f"{ASSIGNMENTS}: not found in {path}; a result folder of rota solve holds one")
    return problems


def _solve_paths(args: argparse.Namespace) -> list[str]:
    from rota.output import out_problems

    return _scenario(args) + out_problems(args.out)


def _verify_paths(args: argparse.Namespace) -> list[str]:
    if args.result is None:
        return _result(args.scenario)
    return _scenario(args) + _result(args.result)


def _ical_paths(args: argparse.Namespace) -> list[str]:
    from rota.output import target_problems

    return _result(args.result) + target_problems(args.out)


def _whatif_paths(args: argparse.Namespace) -> list[str]:
    from rota.output import out_problems, target_problems

    problems = _scenario(args)
    for path in args.variants:
        problems += _file(path, "variant", "a variant .toml file")
    problems += target_problems(args.out)
    if not problems:
        labels = ["base"] + [path.stem for path in args.variants]
        problems += [p for label in dict.fromkeys(labels) for p in out_problems(args.out / label)]
    return problems


def _size_paths(args: argparse.Namespace) -> list[str]:
    from rota.output import target_problems

    return _scenario(args) + (target_problems(args.out) if args.out else [])


def _grade_paths(args: argparse.Namespace) -> list[str]:
    from rota.output import out_problems, target_problems

    problems = _scenario(args) + _file(args.ics, "--ics", "the schedule as an iCalendar (.ics) file")
    problems += _file(args.map, "--map", "a CSV file of match,engineer rows")
    if args.out:
        problems += target_problems(args.out) or ([] if args.no_solve else out_problems(args.out / "rota"))
    return problems


PATH_CHECKS: dict[str, Callable[[argparse.Namespace], list[str]]] = {
    "check": _scenario, "solve": _solve_paths, "verify": _verify_paths, "ical": _ical_paths,
    "publish": lambda args: _result(args.result), "whatif": _whatif_paths, "size": _size_paths, "grade": _grade_paths,
}


def _calendar_commands(commands: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    store = argparse.ArgumentParser(add_help=False)
    store.add_argument("--store", metavar="URL_OR_PATH",
                       help="SQLAlchemy URL or SQLite file (default: $ROTA_STORE, else rota.sqlite3 in the user's "
                            "data folder)")
    store.add_argument("--team", metavar="NAME", help=TEAM_HELP)
    base = argparse.ArgumentParser(add_help=False)
    base.add_argument("--base-url", metavar="URL",
                      help=f"public address of `rota serve` (default: ${ENV_PUBLIC_URL}, else {DEFAULT_PUBLIC_URL})")

    ical = commands.add_parser("ical", help="write .ics calendars of a result folder: per engineer, centre, team")
    ical.add_argument("result", type=Path, help="a result folder written by rota solve")
    ical.add_argument("--out", type=Path, required=True, help="folder to write the .ics files into")
    ical.add_argument("--stamp", type=_utc_instant, metavar="UTC",
                      help="DTSTAMP/LAST-MODIFIED, e.g. 2027-02-20T09:00:00Z (default: when assignments.csv was "
                           "written)")

    publish = commands.add_parser("publish", parents=[store],
                                  help="store a result folder as the new published version of the feeds")
    publish.add_argument("result", type=Path, help="a result folder written by rota solve")
    publish.add_argument("--dry-run", action="store_true",
                         help="print what would be added, moved and cancelled per engineer; publish nothing")
    publish.add_argument("--force", action="store_true",
                         help="publish even where the joined rota breaks a hard rule at a seam (recorded)")
    commands.add_parser("versions", parents=[store], help="list the published versions")
    log = commands.add_parser("audit", parents=[store], help="who published, rolled back or rotated a link, and when")
    log.add_argument("--limit", type=_number(int, "expected a number of entries from 1", 1), default=50)
    rollback = commands.add_parser("rollback", parents=[store],
                                   help="publish an earlier version's shifts again, as a new version")
    rollback.add_argument("version", type=_number(int, "expected a version number (1, 2, …; see rota versions)", 1))

    feeds = commands.add_parser("feeds", help="feed links: list them, or revoke and replace one")
    actions = feeds.add_subparsers(dest="action", required=True)
    actions.add_parser("list", parents=[store, base], help="print each feed's https/http and webcal links")
    rotate = actions.add_parser("rotate", parents=[store, base],
                                help="revoke a feed's link and issue a new one (the old one stops at once)")
    rotate.add_argument("engineer", nargs="?", help="engineer id")
    which = rotate.add_mutually_exclusive_group()
    which.add_argument("--centre", metavar="ID", help="the centre's feed instead of an engineer's")
    which.add_argument("--whole-team", action="store_true", help="the whole team's feed instead of an engineer's")
    which.add_argument("--all", action="store_true", help="every feed (e.g. after the secret key was lost)")

    serve = commands.add_parser("serve", parents=[store], help="run the web UI and the calendar feeds")
    serve.add_argument("--host", default="127.0.0.1",
                       help="address to listen on (default 127.0.0.1; beyond loopback the UI needs sign-in)")
    serve.add_argument("--port", type=_number(int, "expected a TCP port from 1 to 65535", 1, 65535), default=8501)
    serve.add_argument("--quiet", action="store_true", help="no access log")
    serve.add_argument("--feeds-only", action="store_true",
                       help="serve only the feeds and /healthz, no web UI (for the public host calendar apps poll)")
    who = commands.add_parser("roles", parents=[store], help="check the web UI's roles file; list who has which role")
    who.add_argument("--roles", type=Path, metavar="PATH",
                     help="the roles file (default: $ROTA_ROLES, else roles.toml beside the store)")


def _utc_instant(text: str) -> datetime | Invalid:
    try:
        value = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return Invalid(text, "expected a UTC date-time like 2027-02-20T09:00:00Z")
    if value.tzinfo is None:
        return Invalid(text, "has no zone; end it with Z (UTC)")
    return value.astimezone(UTC).replace(microsecond=0)


def cmd_check(args: argparse.Namespace) -> int:
    scenario = load_scenario(args.scenario)
    plan = Plan(scenario)
    now = datetime.now(UTC)
    print(f"{scenario.name}: {iso_utc(plan.window.start)} → {iso_utc(plan.window.end)} ({scenario.days} days)")
    print("\nCentres")
    for c in scenario.centres:
        print(f"  {c.id:<6} {c.name:<20} {c.timezone:<22} now {utc_offset(c.timezone, now)}  "
              f"in window {utc_offset(c.timezone, plan.window.start)} → {utc_offset(c.timezone, plan.window.end)}")
    print("\nHeadcount (centre × level)")
    counts = Counter((e.centre, e.level) for e in scenario.engineers)
    levels = sorted({e.level for e in scenario.engineers})
    print("  " + " " * 8 + "".join(f"{lv:>5}" for lv in levels) + "  seniors")
    for c in scenario.centres:
        seniors = sum(n for (cid, lv), n in counts.items() if cid == c.id and lv in scenario.rules.senior_levels)
        print(f"  {c.id:<8}" + "".join(f"{counts[c.id, lv]:>5}" for lv in levels) + f"  {seniors:>7}")
    spoken = Counter(lang for e in scenario.engineers for lang in e.languages)
    print("\nLanguages  " + ", ".join(f"{lang} {n}" for lang, n in sorted(spoken.items())))
    leave_days = sum(len(lv.days()) for lv in scenario.leave)
    print(f"Leave      {leave_days} engineer-days in {len(scenario.leave)} blocks; pins {len(scenario.pins)}")
    print("\nPublic holidays in the window")
    for c in scenario.centres:
        days = plan.holidays[c.id]
        text = ", ".join(f"{d} {name}" for d, name in sorted(days.items())) or "none"
        print(f"  {c.id:<6} {text}")
    print("\nPeaks")
    for p in scenario.peaks:
        occurrences = peak_occurrences(p, plan.window)
        langs = f", languages {'/'.join(p.languages)}" if p.languages else ""
        print(f"  {p.id:<20} {p.start}–{p.end} {p.timezone} {','.join(p.days)}: {len(occurrences)} occurrences, "
              f"≥{p.min_engineers} engineers, ≥{p.min_seniors} seniors{langs}")
    for e in scenario.events:
        print(f"  event {e.id:<14} {e.start:%Y-%m-%d %H:%M}–{e.end:%Y-%m-%d %H:%M} {e.timezone}: "
              f"≥{e.min_engineers} engineers, ≥{e.min_seniors} seniors")
    holes = unreachable_by_seniors(plan)
    print("\nStructural pre-check (no senior could be on shift even in the best case)")
    if not holes:
        print("  none: every instant of the window is reachable by some available senior")
    for hole in holes:
        print(f"  {iso_utc(hole.start)} → {iso_utc(hole.end)}  ({hole.minutes} min)")
    from rota.pins import check_pins

    check_pins(scenario)  # pins that cannot all hold make the scenario unsolvable: exit 2, each conflict named
    return 0


def cmd_solve(args: argparse.Namespace) -> int:
    from rota.output import SCENARIO_FILES, write_result
    from rota.pins import InfeasiblePins, check_pins
    from rota.report import NOT_REPRODUCIBLE
    from rota.solver import Progress, SolveControl, SolveOptions, process_start, solve

    began = process_start()  # the time limit covers the whole command: from Python's start to the files written
    # The files as solved: an edit during a long solve must not end up in the result's scenario copy.
    files = {name: (args.scenario / name).read_bytes() for name in SCENARIO_FILES if (args.scenario / name).is_file()}
    scenario = load_scenario(args.scenario)
    scenario, files, baseline = _continue_published(args, scenario, files)
    check_pins(scenario)  # cheap, and names the conflicting pins before a long solve
    options = SolveOptions(time_limit=args.time_limit, work_limit=args.work_limit, seed=args.seed, workers=args.workers,
                           deterministic=not args.fast)

    last: dict[str, object] = {"at": -10.0, "stage": "", "p0": -1}

    def show(p: Progress) -> None:
        # Every better rota is reported; the terminal gets one line per second, or when the stage or P0 gap moves.
        changed = p.stage != last["stage"] or p.p0_gap_minutes != last["p0"]
        if not args.quiet and (changed or p.seconds - float(last["at"]) >= 1.0):  # type: ignore[arg-type]
            last.update(at=p.seconds, stage=p.stage, p0=p.p0_gap_minutes)
            print(f"  {p.seconds:7.1f}s  {p.stage:<8}  P0 gap {p.p0_gap_minutes:>5} min  "
                  f"objective {p.objective:>12,.0f}  bound {p.bound:>12,.0f}  gap {100 * p.gap:6.2f}%", flush=True)

    control = SolveControl()
    outcome: dict[str, object] = {}

    def run() -> None:
        try:
            outcome["solution"] = solve(scenario, options, show, control, baseline, started=began)
        except InfeasiblePins as error:
            outcome["error"] = error
        except Exception as error:  # a bug, not bad input: raised again in the main thread, with its traceback
            outcome["crash"] = error

    print(f"Solving {scenario.name} ({len(scenario.engineers)} engineers, {scenario.days} days, "
          f"limit {args.time_limit:g}s, seed {args.seed}, {args.workers} workers); Ctrl-C stops and keeps the best")
    worker = threading.Thread(target=run, daemon=True)
    worker.start()
    try:
        while worker.is_alive():
            worker.join(0.2)
    except KeyboardInterrupt:
        print("  stopping: keeping the best rota so far …", flush=True)
        control.stop()
        worker.join()
    if "crash" in outcome:
        raise outcome["crash"]  # type: ignore[misc]
    if "error" in outcome:
        raise outcome["error"]  # type: ignore[misc]
    solution = outcome["solution"]
    tables = write_result(solution, args.out, files)  # type: ignore[arg-type]
    summary = tables["summary"]
    print(f"\n{summary['status']}{' (stopped)' if solution.stopped else ''} in {summary['seconds']}s: "
          f"{len(tables['assignments'])} shifts, P0 cover {summary['p0_coverage_pct']}%, "
          f"event headcount cover {summary['event_coverage_pct']}%, "
          f"peak headcount cover {summary['peak_coverage_pct']}%, language cover {summary['language_coverage_pct']}%")
    if not solution.reproducible:
        print(f"Not reproducible: {NOT_REPRODUCIBLE}")
    print("Gap minutes: " + ", ".join(f"{k} {v}" for k, v in summary["gap_minutes"].items()))
    for stage in summary["stages"]:
        print(f"  {stage['tier']:<9} {stage['status']:<9} objective {stage['objective']:>10,.0f}  "
              f"bound {stage['best_bound']:>10,.0f}  {stage['seconds']:.1f}s")
    for gap in tables["gaps"][:10]:
        print(f"  gap {gap['kind']:<8} {gap['rule']:<22} {gap['start_utc']} → {gap['end_utc']}  "
              f"{gap['staffed']}/{gap['required']}: {gap['reason'][:160]}")
    if len(tables["gaps"]) > 10:
        print(f"  … {len(tables['gaps']) - 10} more in gaps.csv")
    if baseline is not None:
        from rota.report import diff, shifts_of

        changes = diff(baseline, shifts_of(solution.chosen))  # type: ignore[attr-defined]
        kept = len(baseline & shifts_of(solution.chosen))  # type: ignore[attr-defined]
        print(f"Re-plan: kept {kept} of {len(baseline)} published shifts; {len(changes)} engineer-days changed "
              "(rota publish --dry-run RESULT shows them)")
    print(f"Wrote {args.out}/assignments.csv, coverage.csv, gaps.csv, summary.json"
          + (", history.csv" if scenario.history else ""))
    if not solution.stages:  # type: ignore[attr-defined]
        print(f"rota: the limit ({args.time_limit:g} s" + (f", work {args.work_limit:g}" if args.work_limit else "")
              + ") left no time for the solver's stages: the result is the quick first rota (every hard rule and pin "
              "holds, gaps reported) but not optimised: solve again with a higher --time-limit or --work-limit",
              file=sys.stderr)
    return 0


def _existing_store(option: str | None, team: str | None) -> Store | None:
    """The store named, or the default one if it exists (a solve never creates a store)."""
    from rota.store import Store, locate

    location = locate(option)
    if location.default and location.url.startswith("sqlite:///") and not Path(location.url[10:]).is_file():
        return None
    return Store(location, team)


def _continue_published(args: argparse.Namespace, scenario: Scenario, files: dict[str, bytes]
                        ) -> tuple[Scenario, dict[str, bytes], frozenset[tuple[str, str, str]] | None]:
    """The scenario on top of the published rota: its window (--next), its history and, re-planning, its baseline."""
    from rota import history
    from rota.store import StoreError, locate
    from rota.windows import next_window, with_window

    needs_store = args.next or args.keep_published
    store = _existing_store(args.store, args.team) if (needs_store or not (args.no_history or args.history)) else None
    if needs_store and store is None:
        raise StoreError(f"--{'next' if args.next else 'keep-published'} needs the published rota, and there is no "
                         f"store yet at {locate(args.store).label}: publish a result first (rota publish), or give "
                         "--store")
    try:
        if args.next:
            following = next_window(store.versions())  # type: ignore[union-attr]
            if following is None:
                raise StoreError(f"--next: nothing is published in {store.location.label} yet")  # type: ignore[union-attr]
            scenario = replace(scenario, start=following[0], days=following[1])
            files = dict(files, **{"scenario.toml": with_window(files["scenario.toml"], *following)})
            print(f"Next window: {following[0]} for {following[1]} days (after the latest published one)")
        found = (history.from_path(args.history, scenario, args.lookback_days) if args.history
                 else None if args.no_history or store is None
                 else history.from_store(store, scenario, args.lookback_days))
        if found is not None:
            scenario = replace(scenario, history=found)
            before = sum(1 for s in found.shifts if s.start < window(scenario.start, scenario.days).start)
            print(f"Continuing {found.source}: {len(found.shifts)} published shifts around the window are fixed "
                  f"({before} before it; fair shares look back {found.lookback_days} days)")
        baseline = None
        if args.keep_published:
            published = history.published_baseline(store, scenario)  # type: ignore[arg-type]
            if not published or not published[1]:
                print("Nothing published inside this window: planning it afresh")
            else:
                baseline = published[1]
                print(f"Re-planning against published version {published[0]}: {len(baseline)} shifts to keep")
        return scenario, files, baseline
    finally:
        if store is not None:
            store.close()


def cmd_verify(args: argparse.Namespace) -> int:
    from rota.checker import check_rota
    from rota.output import RESULT_FILES
    from rota.result import SCENARIO_COPY
    from rota.scenario import Problem

    scenario, result = (args.scenario, args.result) if args.result else (args.scenario / SCENARIO_COPY, args.scenario)
    load_scenario(scenario)  # the checker reads the scenario its own way; a broken one gets rota's clear problems
    unreadable = [Problem(name, "", "", "is not UTF-8 text; rota solve writes UTF-8 (was it edited and saved in "
                                        "another encoding?)")
                  for name in RESULT_FILES if (result / name).is_file() and not _utf8(result / name)]
    if unreadable:
        raise ScenarioError(unreadable)
    history_file = args.history
    if args.store:
        history_file = _store_history(args.store, args.team, result)
    problems = check_rota(scenario, result, history_file)
    for problem in problems:
        print(problem)
    print(f"{len(problems)} problem(s)" if problems else "OK: the rota passes the independent checker")
    return 1 if problems else 0


def _store_history(option: str, team: str | None, result: Path) -> Path:
    """The store's published shifts around the result's window, written as a history CSV for the checker."""
    from rota import history
    from rota.result import load_result
    from rota.store import open_store

    solved = load_result(result)
    store = open_store(option, team)
    try:
        found = history.from_store(store, solved.scenario, history.DEFAULT_LOOKBACK_DAYS)
    finally:
        store.close()
    path = Path(tempfile.mkdtemp(prefix="rota-verify-")) / history.HISTORY_FILE
    path.write_text(history.csv_text(found) if found else ",".join(history.HISTORY_COLUMNS) + "\n")
    return path


def _utf8(path: Path) -> bool:
    try:
        path.read_bytes().decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


def cmd_ical(args: argparse.Namespace) -> int:
    from rota.ical import export
    from rota.result import ASSIGNMENTS, load_result

    result = load_result(args.result)
    stamp = args.stamp or datetime.fromtimestamp(int((args.result / ASSIGNMENTS).stat().st_mtime), UTC)
    written = export(result, args.out, stamp)
    print(f"Wrote {len(written)} calendars to {args.out}: {len(result.scenario.engineers)} engineers, "
          f"{len(result.scenario.centres)} centres and team.ics ({len(result.assignments)} shifts)")
    return 0


def cmd_publish(args: argparse.Namespace) -> int:
    from rota.result import load_result
    from rota.store import RETENTION, open_store

    result = load_result(args.result)
    if args.dry_run:
        return _dry_run(args, result)
    store = open_store(args.store, args.team)
    report = store.publish(result, force=args.force)
    v = report.version
    for found in report.forced:
        print(f"rota: published anyway (--force): {found}", file=sys.stderr)
    if report.republished:
        print(f"Nothing to publish: version {v.id} of '{v.scenario}' in {store.location.label} is this rota already; "
              "no new version was made")
        return 0
    print(f"Published version {v.id} of '{v.scenario}' ({v.window_start[:10]} → {v.window_end[:10]}) at "
          f"{v.published:%Y-%m-%dT%H:%M:%SZ} into {store.location.label} (team '{v.team}')")
    print(f"  {v.shifts} shifts: {v.added} new, {v.changed} changed (SEQUENCE + 1), {v.unchanged} unchanged, "
          f"{v.cancelled} cancelled (shown as cancelled for {RETENTION.days} days)"
          + (f"; {report.carried} kept from outside this window" if report.carried else ""))
    if report.edge_kept:
        print(f"  {report.edge_kept} shift(s) of the result starting before its window left as the earlier window "
              "published them")
    print("Feed links: rota feeds list")
    return 0


def _dry_run(args: argparse.Namespace, result: Result) -> int:
    """What `rota publish` would change, per engineer, as the Calendars page previews it; nothing is written."""
    from rota.publishing import preview

    store = _existing_store(args.store, args.team)
    if store is None:
        print(f"Dry run: nothing is published yet; publishing would add all {len(result.assignments)} shifts")
        return 0
    try:
        plan = store.plan_publish(result)
    finally:
        store.close()
    changes = preview(plan.before, plan.after)
    print(f"Dry run against {store.location.label}: {sum(len(c.added) for c in changes)} added, "
          f"{sum(len(c.moved) for c in changes)} moved, {sum(len(c.cancelled) for c in changes)} cancelled "
          f"for {len(changes)} engineer(s); nothing was published")
    for person in changes:
        print(f"  {person.engineer}")
        for label, items in (("added", person.added), ("moved", person.moved), ("cancelled", person.cancelled)):
            for item in items:
                print(f"    {label:<9} {item}")
    if plan.edge_kept:
        print(f"  {plan.edge_kept} shift(s) starting before the window stay as the earlier window published them")
    if plan.breaks:
        print(f"Publishing would be refused: {len(plan.breaks)} hard rule(s) broken where it meets the published rota "
              "(rota publish --force publishes anyway):")
        for found in plan.breaks:
            print(f"  {found}")
    return 0


def cmd_audit(args: argparse.Namespace) -> int:
    from rota.store import open_store

    store = open_store(args.store, args.team)
    entries = store.audit(args.limit)
    if not entries:
        print(f"Nothing recorded yet for team '{store.team}' in {store.location.label}")
        return 0
    print(f"Audit log of team '{store.team}' in {store.location.label}, newest first")
    for e in entries:
        print(f"  {e.at:%Y-%m-%d %H:%M:%S}Z  {e.action:<14}  {e.actor}\n      {e.detail}")
    return 0


def cmd_versions(args: argparse.Namespace) -> int:
    from rota.store import open_store

    store = open_store(args.store, args.team)
    rows = store.versions()
    if not rows:
        print(f"No published version in {store.location.label} yet: rota publish RESULT_DIR")
        return 0
    teams = store.teams()
    print(f"Versions of team '{store.team}' in {store.location.label} (* = the one the feeds show)"
          + (f"; other teams: {', '.join(t for t in teams if t != store.team)}" if len(teams) > 1 else ""))
    print(f"  {'version':>7}  {'published':<20}  {'shifts':>6}  {'new':>4}  {'changed':>7}  {'cancelled':>9}  "
          "scenario, window, source")
    for v in rows:
        mark = "*" if v is rows[-1] else " "
        source = f"rollback to version {v.rollback_of}" if v.rollback_of else v.source
        print(f"{mark} {v.id:>7}  {v.published:%Y-%m-%dT%H:%M:%SZ}  {v.shifts:>6}  {v.added:>4}  {v.changed:>7}  "
              f"{v.cancelled:>9}  {v.scenario}, {v.window_start[:10]} → {v.window_end[:10]}, {source}")
    return 0


def cmd_rollback(args: argparse.Namespace) -> int:
    from rota.store import open_store

    report = open_store(args.store, args.team).rollback(args.version)
    v = report.version
    print(f"Published version {v.id}: the shifts of version {args.version} again ({v.shifts} shifts: {v.added} "
          f"back, {v.changed} changed, {v.unchanged} unchanged, {v.cancelled} cancelled)")
    return 0


def cmd_feeds(args: argparse.Namespace) -> int:
    from rota.store import StoreError, open_store
    from rota.tokens import feed_url

    store = open_store(args.store, args.team)
    base = _base_url(args.base_url)
    if args.action == "rotate":
        if args.all:
            records = store.rotate("all")
        elif args.whole_team:
            records = store.rotate("team", "team")
        elif args.centre:
            records = store.rotate("centre", args.centre)
        elif args.engineer:
            records = store.rotate("engineer", args.engineer)
        else:
            raise StoreError("say which feed: ENGINEER, --centre ID, --team or --all")
        print(f"New links ({len(records)}); the old ones stopped working:")
    else:
        records = store.feeds()
        if not records:
            print(f"No feeds in {store.location.label} yet: rota publish RESULT_DIR")
            return 0
        print(f"Feeds in {store.location.label}, served by `rota serve` at {base}")
    for record in records:
        url, webcal = feed_url(base, store.token(record))
        print(f"{record.kind:<8}  {record.ident:<12}  {record.name}")
        print(f"    {url}")
        print(f"    {webcal}")
    return 0


def _base_url(option: str | None) -> str:
    from rota.store import StoreError
    from rota.tokens import BaseURLError, insecure, public_base_url

    try:
        base = public_base_url(option)  # the web UI's Calendars page shows the same links
    except BaseURLError as error:
        raise StoreError(str(error)) from None
    if insecure(base):
        print(f"rota: warning: {base} is not https; feed links carry secrets and calendar apps may refuse plain "
              "http: serve them behind TLS", file=sys.stderr)
    return base


def cmd_serve(args: argparse.Namespace) -> int:
    import uvicorn

    from rota.store import ENV_STORE, open_store

    problem = _listen_problem(args.host, args.port)  # uvicorn would say it only after starting up, with exit 3
    if problem:
        print(f"rota: cannot listen on {args.host}:{args.port}: {problem}", file=sys.stderr)
        return EXIT_INPUT
    if not args.feeds_only and not _loopback(args.host):
        from rota.signin_config import signin_problems

        problems = signin_problems()
        if problems:
            print(f"rota: refusing to serve the web UI on {args.host} without sign-in: anyone who can reach it could "
                  f"read every feed link, publish and roll back. Configure sign-in ({'; '.join(problems)}): an "
                  "[auth] section with redirect_uri, cookie_secret, client_id, client_secret and server_metadata_url "
                  "in .streamlit/secrets.toml; or serve the UI on 127.0.0.1 and only the feeds publicly with "
                  "--feeds-only", file=sys.stderr)
            return EXIT_INPUT
    store = open_store(args.store)  # fail here, clearly, rather than inside the server
    os.environ[ENV_STORE] = store.location.url  # the app factory opens the same store
    if args.team:
        os.environ["ROTA_TEAM"] = args.team  # the team the web UI's sessions start on (rota.web.state.ENV_TEAM)
    store.close()
    what = "the feeds" if args.feeds_only else "the web UI and the feeds"
    print(f"Serving {what} on http://{args.host}:{args.port}/ (store {store.location.label})", flush=True)
    factory = "rota.feed_server:create_app" if args.feeds_only else "rota.web.server:create_app"
    # proxy_headers: X-Forwarded-Proto/For are taken from the addresses in $FORWARDED_ALLOW_IPS (default loopback).
    uvicorn.run(factory, factory=True, host=args.host, port=args.port, proxy_headers=True,
                access_log=not args.quiet, log_level="warning" if args.quiet else "info")
    return 0


def cmd_roles(args: argparse.Namespace) -> int:
    from rota import roles
    from rota.store import default_actor, locate

    path = args.roles or roles.roles_path(locate(args.store))
    found = roles.load_roles(path, required=True)
    store = _existing_store(args.store, None)  # checking the roles never creates a store
    if store is not None:
        if store.note_roles(found.assignments(), actor=f"{path} (read by {default_actor()})"):
            print("The roles changed since rota last read them: recorded in the audit log (rota audit)")
        store.close()
    print(f"Roles in {path} (group claim: {found.groups_claim}); engineers.csv's e-mails have their own page too")
    for scope, where in [(found, ""), *((found.teams[t], f" of team {t}") for t in sorted(found.teams))]:
        for role in roles.Role:
            emails, groups = scope.members(role)
            if emails or groups:
                print(f"  {role.value}{where}: {', '.join(emails) or '-'}"
                      + (f"; groups {', '.join(groups)}" if groups else ""))
    return 0


def _loopback(host: str) -> bool:
    """Whether every address `host` names is this machine's loopback (a name is resolved as uvicorn would)."""
    import ipaddress
    import socket

    try:
        addresses = {info[4][0] for info in socket.getaddrinfo(host, None, type=socket.SOCK_STREAM)}
    except socket.gaierror:
        return False  # _listen_problem says why it cannot be used
    return bool(addresses) and all(ipaddress.ip_address(a.split("%")[0]).is_loopback for a in addresses)


def _listen_problem(host: str, port: int) -> str:
    """Why the server could not listen on host:port ("" if it can), tried the way uvicorn binds."""
    import socket

    try:
        family, kind, proto, _, address = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)[0]
    except socket.gaierror as error:
        return f"{error.strerror} (--host takes an address or name of this machine, e.g. 127.0.0.1 or 0.0.0.0)"
    with socket.socket(family, kind, proto) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind(address)
        except OSError as error:
            hint = "; is rota serve already running? choose another --port" if error.errno == errno.EADDRINUSE else ""
            return f"{error.strerror}{hint}"
    return ""


# ---- planning: what-ifs, sizing, grading --------------------------------------------------------------------------


def _planning_commands(commands: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    limits = argparse.ArgumentParser(add_help=False)
    limits.add_argument("--time-limit", type=SECONDS, default=30.0, metavar="SECONDS", help="per solve (default 30)")
    limits.add_argument("--work-limit", type=WORK, metavar="UNITS",
                        help="per solve, as for rota solve (default: from the time limit)")
    limits.add_argument("--seed", type=SEED, default=0)

    whatif = commands.add_parser("whatif", parents=[limits],
                                 help="solve a scenario and its variants in parallel and compare them")
    whatif.add_argument("scenario", type=Path)
    whatif.add_argument("variants", type=Path, nargs="+", metavar="VARIANT", help="variant .toml files")
    whatif.add_argument("--out", type=Path, required=True, help="folder for each result and comparison.csv/.md")

    size = commands.add_parser("size", parents=[limits],
                               help="the smallest headcount of a kind for zero P0 gaps and for full peak cover")
    size.add_argument("scenario", type=Path)
    size.add_argument("--centre", metavar="ID", help="default: each centre in turn")
    size.add_argument("--level", default="L2", choices=("L1", "L2", "L3"))
    size.add_argument("--target", choices=("p0", "peaks", "both"), default="both")
    size.add_argument("--out", type=Path, help="write the proving rota of each answer here")

    grade = commands.add_parser("grade", parents=[limits],
                                help="grade an existing schedule (.ics) against a scenario, beside rota's own solve")
    grade.add_argument("scenario", type=Path)
    grade.add_argument("--ics", type=Path, required=True, help="the schedule exported as iCal")
    grade.add_argument("--map", type=Path, metavar="CSV", help="match,engineer rows for events rota cannot map")
    grade.add_argument("--out", type=Path, help="write grade.json, gaps.csv, breaks.csv and rota's own result")
    grade.add_argument("--no-solve", action="store_true", help="skip rota's own solve")


def cmd_whatif(args: argparse.Namespace) -> int:
    from rota.solver import SolveOptions
    from rota.whatif import markdown_table, run_whatif

    options = SolveOptions(time_limit=args.time_limit, work_limit=args.work_limit, seed=args.seed)
    print(f"Solving the base and {len(args.variants)} variant(s) in parallel, {args.time_limit:g}s each …", flush=True)
    rows = run_whatif(args.scenario, args.variants, args.out, options)
    print(markdown_table(rows))
    print(f"Wrote {args.out}/comparison.csv, comparison.md and a result folder per variant")
    return 0


def cmd_size(args: argparse.Namespace) -> int:
    from rota.output import write_result
    from rota.pins import check_pins
    from rota.sizing import size
    from rota.solver import SolveOptions

    scenario = load_scenario(args.scenario)
    check_pins(scenario)
    centres = [args.centre] if args.centre else [c.id for c in scenario.centres]
    unknown = [c for c in centres if c not in {x.id for x in scenario.centres}]
    if unknown:
        print(f"rota: unknown centre {unknown[0]!r}; expected one of "
              f"{', '.join(c.id for c in scenario.centres)}", file=sys.stderr)
        return EXIT_INPUT
    targets = ["p0", "peaks"] if args.target == "both" else [args.target]
    options = SolveOptions(time_limit=args.time_limit, work_limit=args.work_limit, seed=args.seed)
    unsolved = False
    for centre in centres:
        for target in targets:
            result = size(args.scenario, centre, args.level, target, options)
            what = "zero P0 gaps" if target == "p0" else "full event and peak cover"
            tried = ", ".join(f"{a.headcount}: {a.verdict}" for a in result.attempts)
            answer = "none found" if result.answer is None else str(result.answer)
            print(f"{centre} {args.level} for {what}: {answer} (now {result.current}); {result.proof}. Tried {tried}")
            unsolved = unsolved or any(a.verdict == "unknown" for a in result.attempts)
            best = result.best
            if args.out and best and best.solution:
                write_result(best.solution, args.out / f"{centre}-{args.level}-{target}-{result.answer}", best.files)
    return EXIT_NO_ROTA if unsolved else 0


def cmd_grade(args: argparse.Namespace) -> int:
    import json

    from rota.grade import grade, read_mapping, solution_numbers
    from rota.output import GAP_COLUMNS, atomic_write, csv_text, write_result
    from rota.pins import check_pins
    from rota.solver import SolveOptions, solve

    scenario = load_scenario(args.scenario)
    if not args.no_solve:
        check_pins(scenario)
    plan = Plan(scenario)
    result = grade(plan, args.ics, read_mapping(args.map, {e.id for e in scenario.engineers}))
    theirs = result.numbers()
    ours: dict[str, object] = {}
    solution = None
    if not args.no_solve:
        solution = solve(scenario, SolveOptions(time_limit=args.time_limit, work_limit=args.work_limit, seed=args.seed))
        ours = solution_numbers(solution)
    print(f"Grading {args.ics.name} against {scenario.name}")
    print(f"{'measure':<24}{'schedule':>14}{'rota' if ours else '':>14}")
    for key, value in theirs.items():
        if isinstance(value, dict):
            for sub, v in value.items():
                print(f"{key + ' ' + sub:<24}{v:>14}{ours[key][sub] if ours else '':>14}")  # type: ignore[index]
        else:
            print(f"{key:<24}{value!s:>14}{ours.get(key, '')!s:>14}")
    for brk in result.breaks[:15]:
        print(f"  break {brk.rule:<16} {brk.engineer:<10} {brk.date}: {brk.detail}")
    if len(result.breaks) > 15:
        print(f"  … {len(result.breaks) - 15} more rule breaks")
    for gap in result.gaps[:10]:
        print(f"  gap {gap.kind:<8} {gap.rule:<22} {iso_utc(gap.span.start)} → {iso_utc(gap.span.end)} "
              f"{gap.staffed}/{gap.required}: {gap.reason[:140]}")
    for line in result.unmapped[:10]:
        print(f"  unmapped {line}")
    if args.out:
        rows = [{"kind": g.kind, "rule": g.rule, "start_utc": iso_utc(g.span.start), "end_utc": iso_utc(g.span.end),
                 "required": g.required, "staffed": g.staffed, "shortfall": g.shortfall, "reason": g.reason}
                for g in result.gaps]
        atomic_write(args.out / "gaps.csv", csv_text(GAP_COLUMNS, rows))
        atomic_write(args.out / "breaks.csv", csv_text(("engineer", "date", "rule", "detail"),
                                                       [b.__dict__ for b in result.breaks]))
        atomic_write(args.out / "grade.json", json.dumps({"schedule": theirs, "rota": ours,
                                                          "unmapped": result.unmapped}, indent=2) + "\n")
        if solution is not None:
            write_result(solution, args.out / "rota")
        print(f"Wrote {args.out}/grade.json, gaps.csv, breaks.csv" + (" and rota/" if solution else ""))
    if solution is not None and not solution.stages:
        print(f"rota: {args.time_limit:g} s left no time for rota's own solver stages: its column is the quick first "
              "rota, not optimised; give it a higher --time-limit (or --no-solve)", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
