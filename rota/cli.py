"""The `rota` command: check, solve, verify."""

from __future__ import annotations

import argparse
import sys
import threading
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path

from rota.clock import iso_utc, peak_occurrences, utc_offset
from rota.scenario import ScenarioError, load_scenario
from rota.slots import Plan, unreachable_by_seniors

EXIT_INPUT = 2


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="rota", description="Follow-the-sun on-call rota planner.")
    commands = parser.add_subparsers(dest="command", required=True)

    check = commands.add_parser("check", help="validate a scenario and print a summary")
    check.add_argument("scenario", type=Path)

    solve = commands.add_parser("solve", help="solve a scenario and write the result folder")
    solve.add_argument("scenario", type=Path)
    solve.add_argument("--out", type=Path, required=True, help="result folder to write")
    solve.add_argument("--time-limit", type=float, default=60.0, metavar="SECONDS")
    solve.add_argument("--seed", type=int, default=0)
    solve.add_argument("--workers", type=int, default=2)
    solve.add_argument("--fast", action="store_true",
                       help="free-running parallel search: uses the wall clock fully, but runs are not reproducible")
    solve.add_argument("--quiet", action="store_true", help="no progress lines")

    verify = commands.add_parser("verify", help="check a result folder against its scenario (independent checker)")
    verify.add_argument("scenario", type=Path, help="the scenario folder (or the result folder alone)")
    verify.add_argument("result", type=Path, nargs="?", help="default: SCENARIO is a result folder with scenario/")

    args = parser.parse_args(argv)
    try:
        return {"check": cmd_check, "solve": cmd_solve, "verify": cmd_verify}[args.command](args)
    except ScenarioError as error:
        print(f"rota: {len(error.problems)} problem(s) in {getattr(args, 'scenario', '')}:", file=sys.stderr)
        for problem in error.problems:
            print(f"  {problem}", file=sys.stderr)
        return EXIT_INPUT
    except KeyboardInterrupt:
        return 130


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
    return 0


def cmd_solve(args: argparse.Namespace) -> int:
    from rota.output import write_result
    from rota.solver import InfeasiblePins, Progress, SolveControl, SolveOptions, solve

    scenario = load_scenario(args.scenario)
    options = SolveOptions(time_limit=args.time_limit, seed=args.seed, workers=args.workers,
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
            outcome["solution"] = solve(scenario, options, show, control)
        except InfeasiblePins as error:
            outcome["error"] = error

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
    if "error" in outcome:
        print(f"rota: {outcome['error']}", file=sys.stderr)
        return EXIT_INPUT
    solution = outcome["solution"]
    tables = write_result(solution, args.out)  # type: ignore[arg-type]
    summary = tables["summary"]
    print(f"\n{summary['status']}{' (stopped)' if solution.stopped else ''} in {summary['seconds']}s: "
          f"{len(tables['assignments'])} shifts, P0 cover {summary['p0_coverage_pct']}%, "
          f"peak cover {summary['peak_coverage_pct']}%")
    print("Gap minutes: " + ", ".join(f"{k} {v}" for k, v in summary["gap_minutes"].items()))
    for stage in summary["stages"]:
        print(f"  {stage['tier']:<9} {stage['status']:<9} objective {stage['objective']:>10,.0f}  "
              f"bound {stage['best_bound']:>10,.0f}  {stage['seconds']:.1f}s")
    for gap in tables["gaps"][:10]:
        print(f"  gap {gap['kind']:<8} {gap['rule']:<22} {gap['start_utc']} → {gap['end_utc']}  "
              f"{gap['staffed']}/{gap['required']}: {gap['reason'][:160]}")
    if len(tables["gaps"]) > 10:
        print(f"  … {len(tables['gaps']) - 10} more in gaps.csv")
    print(f"Wrote {args.out}/assignments.csv, coverage.csv, gaps.csv, summary.json")
    return 0


def cmd_verify(args: argparse.Namespace) -> int:
    from rota.checker import check_rota

    scenario, result = (args.scenario, args.result) if args.result else (args.scenario / "scenario", args.scenario)
    problems = check_rota(scenario, result)
    for problem in problems:
        print(problem)
    print(f"{len(problems)} problem(s)" if problems else "OK: the rota passes the independent checker")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
