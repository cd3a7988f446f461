"""The `foresterie` command: parse, call, print, exit code. No logic lives here."""

from __future__ import annotations

import contextlib
import functools
import gc
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Annotated, Any, TypeVar

import typer
from typer.core import TyperGroup

from foresterie.core.errors import (
    EXIT_BAD_INPUT,
    EXIT_INTERRUPTED,
    EXIT_UNAVAILABLE,
    EXIT_VERIFY_FAILED,
    InfeasibleError,
    LedgerUnavailable,
    ScenarioError,
    alike,
    redact_passwords,
    row_ranges,
)
from foresterie.core.files import UnsafePath
from foresterie.core.i18n import cli_lang
from foresterie.core.runfolder import RunFolderError

DEFAULT_SCENARIO = Path("scenarios/puglia-2027")
# Help and messages follow the user's locale (FORESTERIE_LANG, else LANGUAGE/LC_ALL/LC_MESSAGES/
# LANG, like any gettext program; English if none is ours); reports follow --lang/[report] lang.
_ = cli_lang()._


def contradictions(cmd: Any, args: list[str]) -> list[str]:
    """What a command line says twice, differently: a flag and its negation (`--heat-alert
    --no-heat-alert`, `--force --no-force`) or an option of one value given two values
    (`--date 2027-08-16 --date 2027-08-17`). Click keeps the last silently (review 17); each
    is one line here. An option given twice alike is no contradiction."""
    names: dict[str, tuple[Any, Any]] = {}  # "--opt" -> (option, the value it stands for)
    for p in cmd.params:
        if p.param_type_name != "option" or p.multiple or p.count:
            continue
        for o in p.opts:
            names[o] = (p, True if p.is_flag else None)
        for o in p.secondary_opts:
            names[o] = (p, False)
    seen: dict[str, list[tuple[str, Any]]] = {}  # the option's name -> (as written, value)
    k = 0
    while k < len(args):
        tok = args[k]
        k += 1
        if tok == "--":
            break
        opt, eq, value = tok.partition("=") if tok.startswith("--") else (tok, "", "")
        if opt not in names:
            continue
        p, flag = names[opt]
        if not p.is_flag:
            if not eq and k < len(args):
                value, k = args[k], k + 1
            flag = value
        seen.setdefault(p.name, []).append((opt, flag))
    lines = []
    for said in seen.values():
        values = list(dict.fromkeys(v for _o, v in said))
        if len(values) < 2:
            continue
        spelled = list(dict.fromkeys(o for o, _v in said))
        if len(spelled) > 1:  # a flag and its negation
            lines.append(
                _("{options}: contradict each other; give one of them").format(
                    options=", ".join(spelled)
                )
            )
        else:
            lines.append(
                _("{option}: given {n} values ({values}); give it once").format(
                    option=spelled[0], n=len(values), values=", ".join(map(str, values))
                )
            )
    return lines


def given_with(ctx: Any, option: str, others: dict[str, str]) -> None:
    """Refuse, with `option`, the options (parameter name -> as written) that it makes
    meaningless when the command line gives them: one line naming them, exit 2, never ignored
    silently (review 17)."""
    from foresterie.core.errors import Problem

    said = [
        spelled
        for name, spelled in others.items()
        if (src := ctx.get_parameter_source(name)) is not None and src.name == "COMMANDLINE"
    ]
    if said:
        raise ScenarioError(
            [
                Problem(
                    option,
                    None,
                    ", ".join(said),
                    cli_lang()
                    .ngettext(
                        "not used with {option}; leave it out",
                        "not used with {option}; leave them out",
                        len(said),
                    )
                    .format(option=option),
                )
            ]
        )


class _Commands(TyperGroup):
    """The command groups: a command line that contradicts itself is refused before the command
    runs (one line each, exit 2)."""

    def resolve_command(self, ctx: Any, args: list[str]) -> Any:
        name, cmd, rest = super().resolve_command(ctx, args)
        options = rest[: rest.index("--")] if "--" in rest else rest
        if cmd is None or isinstance(cmd, TyperGroup) or ctx.resilient_parsing:
            return name, cmd, rest
        if "--help" not in options:  # help is help, whatever else is given
            said = contradictions(cmd, rest)
            for line in said:  # a --ledger URL's password is never said
                _err("error: " + redact_passwords(line))
            if said:
                raise typer.Exit(EXIT_BAD_INPUT)
        return name, cmd, rest


app = typer.Typer(
    cls=_Commands,
    help=_("Plan housing and shuttles for Puglia's seasonal farmworker foresterie."),
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)
scenario_app = typer.Typer(cls=_Commands, help=_("Create scenarios."), no_args_is_help=True)
app.add_typer(scenario_app, name="scenario")

F = TypeVar("F", bound=Callable[..., Any])
LangOpt = Annotated[
    str | None,
    typer.Option(
        "--lang",
        help=_(
            "Language of the report, map and driver sheets: it | en "
            "(default: the scenario's [report] lang, else it)."
        ),
    ),
]


def _lang_refused(message: str) -> ScenarioError:
    """A --lang refused: one line naming the option and why (exit 2 through `guarded`)."""
    from foresterie.core.errors import Problem

    return ScenarioError([Problem("--lang", None, "lang", message)])


def _lang_code(code: str | None) -> str | None:
    from foresterie.core.i18n import REPORT_LANGS

    if code is not None and code not in REPORT_LANGS:
        raise _lang_refused(
            _("{code} is not one of {langs}").format(code=repr(code), langs=", ".join(REPORT_LANGS))
        )
    return code


def _err(line: str) -> None:
    typer.echo(line, err=True)


def _say_problems(problems: list[Any]) -> None:
    """Bad input, one line each: file:row: field: stay; the explanation translated; a column's
    same defect once."""
    for p, more in alike(problems):
        line = "error: " + p.text(_)
        if more:
            line += " " + cli_lang().ngettext(
                "(and {n} more row like it: {rows})",
                "(and {n} more rows like it: {rows})",
                len(more),
            ).format(n=len(more), rows=row_ranges(more))
        _err(line)


def guarded(fn: F) -> F:
    """Map failures to one-line messages and exit codes: 2 bad input (scenario, run folder, an
    unwritable output), 4 the ledger's database server unreachable, 130 interrupted; anything
    else is a bug (exit 3, see __main__)."""

    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return fn(*args, **kwargs)
        except ScenarioError as exc:
            _say_problems(exc.problems)
            raise typer.Exit(EXIT_BAD_INPUT) from None
        except InfeasibleError as exc:
            for s in exc.shortfalls:
                _err(f"infeasible: {s}")
            raise typer.Exit(EXIT_BAD_INPUT) from None
        except (RunFolderError, UnsafePath) as exc:  # a damaged or crafted run folder
            _err(f"error: {exc}")
            raise typer.Exit(EXIT_BAD_INPUT) from None
        except OSError as exc:  # an output or cache folder that cannot be written, a full disk
            where = f"{exc.filename}: " if exc.filename else ""
            _err(f"error: {where}{exc.strerror or exc}")
            raise typer.Exit(EXIT_BAD_INPUT) from None
        except LedgerUnavailable as exc:  # the ledger's server down or busy: try again later
            _err(f"error: {exc}")
            raise typer.Exit(EXIT_UNAVAILABLE) from None
        except KeyboardInterrupt:
            _err("interrupted: " + _("no run folder was left half-written"))
            raise typer.Exit(EXIT_INTERRUPTED) from None

    return wrapper  # type: ignore[return-value]


ScenarioArg = Annotated[
    Path, typer.Argument(help=_("Scenario folder (with scenario.toml)."), show_default=True)
]


@app.command(
    help=_("Check a scenario; print every problem as file:row: field: message (exit 2 if any).")
)
@guarded
def validate(scenario: ScenarioArg = DEFAULT_SCENARIO) -> None:
    from foresterie.scenario.load import (
        dependants_alone,
        load_scenario,
        pin_bed_problems,
        scenario_hash,
    )

    sc = load_scenario(scenario)
    if pins := pin_bed_problems(sc):
        raise ScenarioError(pins)
    from foresterie.housing.replan import check_moves

    if moves := check_moves(sc):  # read by re-plans only, by name: checked here all the same
        raise ScenarioError(moves)
    if "graph" in sc.files:  # what solve would refuse of the road graph, said here
        from foresterie.core.errors import Problem
        from foresterie.travel.roads import RoadsError, check_graph

        try:
            check_graph(sc.files["graph"])
        except RoadsError as exc:
            raise ScenarioError(
                [Problem("scenario.toml", None, "travel.graph", str(exc))]
            ) from None
    warns = list(sc.warnings) + dependants_alone(sc)  # the intake's rule, said ahead
    if sc.config.travel.backend != "osrm":  # (a road matrix is solve's to compute, cached)
        from foresterie.shuttles.routes import clock_change_warnings, drivers_day_warnings
        from foresterie.shuttles.unused import unused_bases
        from foresterie.travel.matrix import build_matrix

        matrix = build_matrix(sc)
        warns += drivers_day_warnings(sc, matrix) + clock_change_warnings(sc, matrix)
        warns += unused_bases(sc, matrix)
    for w in warns:
        _err(f"warning: {w}")
    if line := _moves_not_applied(scenario):
        _err(line)
    groups = len({w.group_id for w in sc.workers if w.group_id})
    typer.echo(
        "ok: "
        + _(
            "{name}: {foresterie} foresterie, {farms} farms, {workers} workers ({groups} groups), "
            "{vehicles} vehicles; hash {hash}"
        ).format(
            name=sc.name,
            foresterie=len(sc.foresterie),
            farms=len(sc.farms),
            workers=len(sc.workers),
            groups=groups,
            vehicles=len(sc.fleet),
            hash=scenario_hash(sc)[:16],
        )
    )


def _moves_not_applied(scenario: Path) -> str:
    """A note on a scenario's moves.csv (the moves on request an intake writes: README "Moves
    on request"): only a re-plan applies it (`solve --as-of DATE --previous RUN`, an intake);
    a season plan has no nights before a move to keep, so `validate` and a season `solve` say
    it is not applied rather than ignore it silently (review 18 R, LOW-5). A person who is to
    live at a foresteria for the whole season is pinned there (workers.csv pinned_foresteria)."""
    from foresterie.housing.replan import MOVES

    if not (scenario / MOVES).is_file():
        return ""
    return "note: " + _(
        "{file}: moves on request are applied by a re-plan only (solve --as-of DATE --previous "
        "RUN, or foresterie intake); a season solve plans without them (to house someone at a "
        "foresteria all season, pin them in workers.csv: pinned_foresteria)"
    ).format(file=MOVES)


@scenario_app.command(
    "generate", help=_("Write a synthetic scenario built on the DOMAIN.md calendars and sites.")
)
@guarded
def scenario_generate(
    name: Annotated[str, typer.Argument(help=_("Scenario name (also the default folder)."))],
    workers: Annotated[int, typer.Option(min=1)] = 1700,
    farms: Annotated[int, typer.Option(min=1)] = 150,
    foresterie: Annotated[int, typer.Option(min=1)] = 4,
    seed: Annotated[int, typer.Option(min=0)] = 2026,
    oversubscription: Annotated[
        float | None,
        typer.Option(min=0.1, help=_("Peak demand / beds; omit to keep the sourced capacities.")),
    ] = None,
    out: Annotated[Path | None, typer.Option(help=_("Folder (default scenarios/NAME)."))] = None,
    force: Annotated[bool, typer.Option(help=_("Overwrite an existing folder."))] = False,
) -> None:
    """Write a synthetic scenario built on the DOMAIN.md calendars and sites.

    puglia-2027 and puglia-2027-no-bmz are the sourced 2027 seasons (their SOURCES.md); the
    size options do not apply to them.
    """
    from foresterie.scenario.generator import SEASONS_2027, generate, generate_2027, write

    folder = out or Path("scenarios") / name
    if (folder / "scenario.toml").exists() and not force:
        _err("error: " + _("{folder}: exists; pass --force to overwrite").format(folder=folder))
        raise typer.Exit(EXIT_BAD_INPUT)
    if folder.is_dir() and not (folder / "scenario.toml").is_file() and any(folder.iterdir()):
        # its files would be written among someone's own (a workers.csv of theirs overwritten)
        _err(
            "error: "
            + _("{folder}: not empty and not a scenario folder; choose another folder").format(
                folder=folder
            )
        )
        raise typer.Exit(EXIT_BAD_INPUT)
    if name in SEASONS_2027:
        gen = generate_2027(name, bmz_open=SEASONS_2027[name])
        write(gen, folder)
        typer.echo(f"wrote {folder} (the 2027 season; parameters and sources in SOURCES.md)")
        return
    gen = generate(name, workers, farms, foresterie, seed, oversubscription)
    write(gen, folder)
    typer.echo(
        _("wrote {folder} ({workers} workers, {farms} farms, {foresterie} foresterie)").format(
            folder=folder, workers=workers, farms=farms, foresterie=foresterie
        )
    )


@app.command(help=_("Plan housing and shuttles; write a verified, self-contained run folder."))
@guarded
def solve(
    scenario: ScenarioArg = DEFAULT_SCENARIO,
    out: Annotated[Path | None, typer.Option(help=_("Run folder (default runs/NAME)."))] = None,
    force: Annotated[bool, typer.Option(help=_("Replace an existing run folder."))] = False,
    as_of: Annotated[
        str | None,
        typer.Option(help=_("Re-plan from this date (YYYY-MM-DD): keep arrived people.")),
    ] = None,
    previous: Annotated[
        Path | None, typer.Option(help=_("The run to re-plan from (with --as-of)."))
    ] = None,
    lang: LangOpt = None,
) -> None:
    from datetime import date

    from foresterie.core.errors import Problem

    lang = _lang_code(lang)
    if as_of is None and previous is not None:  # a fresh plan would silently not read it
        raise ScenarioError(
            [
                Problem(
                    "--previous",
                    None,
                    "--as-of",
                    _("a re-plan needs the day it starts: give --as-of DATE, or no --previous"),
                )
            ]
        )
    when = None
    if as_of is not None:
        try:
            when = date.fromisoformat(as_of)
        except ValueError:
            from foresterie.scenario.load import date_problem

            raise ScenarioError([Problem("--as-of", None, "date", date_problem(as_of))]) from None
    target = out or Path("runs") / scenario.resolve().name
    if force:
        _refuse_replacing_a_ledgers_run(target)
    if when is None and (line := _moves_not_applied(scenario)):
        _err(line)
    with _housed_beside(scenario, when, previous) as beside:
        _solve_with(scenario, target, force, when, previous, lang, beside)


def _refuse_replacing_a_ledgers_run(target: Path) -> None:
    """`solve --force` over a season run whose ledger beside it (RUN.ledger.sqlite) records its
    daily operation: the new run's manifest differs (its timings, the restricted part's salt),
    so the ledger would be bound to a run that no longer exists, and `day`, `intake` and
    `monitor` would refuse it from then on, with no way back (review 18, H3: even an identical
    re-solve, `make demo`, did it). One line, exit 2, before anything is replaced."""
    manifest = target / "manifest.json"
    if not manifest.is_file():  # nothing replaced: the ledger's module is not even imported
        return
    from foresterie.core.files import file_sha256
    from foresterie.ops.ledger import Ledger, ledger_path

    ledger_file = ledger_path(target)
    if not ledger_file.is_file():
        return

    try:
        with Ledger.open(ledger_file) as led:
            rows, bound = led.head()[0], led.accepts(file_sha256(manifest))
    except (ScenarioError, OSError):  # not a ledger this run could use anyway
        return
    if bound and rows:
        _err(
            "error: "
            + cli_lang()
            .ngettext(
                "{run}: its ledger {ledger} records the daily operation of this run ({rows} "
                "row): replacing the run would leave the ledger without its season run. "
                "Re-plan with `foresterie intake {run} --date DATE`, solve into another --out, "
                "or move the ledger away first",
                "{run}: its ledger {ledger} records the daily operation of this run ({rows} "
                "rows): replacing the run would leave the ledger without its season run. "
                "Re-plan with `foresterie intake {run} --date DATE`, solve into another --out, "
                "or move the ledger away first",
                rows,
            )
            .format(run=target, ledger=ledger_file, rows=rows)
        )
        raise typer.Exit(EXIT_BAD_INPUT)


@contextlib.contextmanager
def _housed_beside(scenario: Path, when: Any, previous: Path | None) -> Iterator[Any]:
    """Load and housing (run/early.py) started in a child process, forked once their modules
    are imported, while this one imports the rest of the solve (run/pipeline.py: the shuttles'
    modules, pandas through CP-SAT's, the verifier; the report): about 0.9 CPU s of imports
    that came before the scenario's load now share the two cores with load and housing. What
    the child says (warnings, travel, housing) is said here when solve reads its answer. One
    core, or a process that may not start others: everything here, in turn. The child is ended
    if this process leaves first (a refused --out, Ctrl-C)."""
    import multiprocessing
    import os

    from foresterie.core.procs import Forked
    from foresterie.run.early import Request, load_and_house

    if (os.cpu_count() or 1) < 2 or multiprocessing.current_process().daemon:
        yield None
        return
    req = Request(scenario_dir=scenario, as_of=when, previous=previous)
    beside = Forked("loading and housing", load_and_house, req, say=typer.echo)
    try:
        yield beside
    finally:
        beside.close()


def _solve_with(
    scenario: Path,
    target: Path,
    force: bool,
    when: Any,
    previous: Path | None,
    lang: str | None,
    beside: Any,
) -> None:
    from rich.progress import BarColumn, Progress, TaskProgressColumn, TextColumn

    from foresterie.run.pipeline import PlanRejected
    from foresterie.run.pipeline import solve as run_solve

    columns = (TextColumn("{task.description}"), BarColumn(), TaskProgressColumn())
    with Progress(*columns, transient=True, disable=not sys.stderr.isatty()) as bars:
        tasks: dict[str, Any] = {}

        def bar(stage: str, done: int, total: int) -> None:
            if stage not in tasks:
                tasks[stage] = bars.add_task(f"shuttles: {stage}", total=total)
            bars.update(tasks[stage], completed=done, total=total)

        try:
            summary = run_solve(
                scenario,
                target,
                force,
                when,
                previous,
                say=typer.echo,
                bar=bar,
                report=_report_hook(lang),
                beside=beside,
            )
        except PlanRejected as exc:
            for v in exc.violations:
                _err(f"violation: {v}")
            _err("error: " + _("the plan failed verification and was not published"))
            raise typer.Exit(EXIT_VERIFY_FAILED) from None
    k = summary.manifest["kpis"]
    typer.echo(
        _(
            "wrote {target}: housed {housed}, waitlisted {waitlisted}; {trips} trips, "
            "{unserved} worker-days unserved; verified"
        ).format(
            target=target,
            housed=k["housing"]["housed"],
            waitlisted=k["housing"]["waitlisted"],
            trips=k["transport"]["trips"],
            unserved=k["transport"]["unserved_worker_days"],
        )
    )
    # Nothing is left to do but exit: what is alive (the solvers' modules, their memos) is put
    # out of the cyclic collector's reach, which the interpreter's last collection at exit
    # would otherwise walk whole (about 0.4 CPU s on puglia-2027, one core idle beside it).
    gc.freeze()


def _report_hook(lang: str | None = None, say: Any = typer.echo) -> Any:
    from foresterie.report.html import write_report

    def hook(run_dir: Path) -> bool:
        write_report(run_dir, say=say, lang_code=lang)
        return True  # report.json sealed last (pipeline.ReportHook): solve need not seal again

    return hook


@app.command(
    "map",
    help=_("Write an HTML map of a run's shuttles (one day, or the season with a day picker)."),
)
@guarded
def map_(
    run: Annotated[Path, typer.Argument(help=_("A run folder."))],
    day: Annotated[
        str | None, typer.Option(help=_("One day (YYYY-MM-DD); default: all, with a picker."))
    ] = None,
    foresteria: Annotated[
        str | None,
        typer.Option(
            help=_(
                "Only the trips of this foresteria's vehicles and riders (whichever base runs "
                "them), or of this depot's vehicles, or of this departure point's riders."
            )
        ),
    ] = None,
    out: Annotated[
        Path | None, typer.Option(help=_("HTML file (default RUN/report/map[-DAY][-F].html)."))
    ] = None,
    open_: Annotated[
        bool, typer.Option("--open", help=_("Open it in the default browser."))
    ] = False,
    lang: LangOpt = None,
) -> None:
    from foresterie.core.files import write_text
    from foresterie.report.html import report_lang
    from foresterie.report.maps import map_refused, plan_map

    lang = _lang_code(lang)
    if out is not None and (out.is_dir() or (out.exists() and out.suffix.lower() != ".html")):
        # a map replaces an earlier map, never someone's notes.txt or folder
        _err(
            "error: "
            + _("{target}: exists and is not an .html file; choose another --out").format(
                target=out
            )
        )
        raise typer.Exit(EXIT_BAD_INPUT)
    suffix = "".join(f"-{x}" for x in (day, foresteria) if x)
    target = out or run / "report" / f"map{suffix}.html"
    from foresterie.core.runfolder import REPORT_HASHES, read_report_hashes, seal_report

    sealed = (run / REPORT_HASHES).is_file() and target.resolve().is_relative_to(
        (run / "report").resolve()
    )
    # a page added to a written report is in the report's language (replay writes the report
    # again in report.json's `lang`; verify checks every page against it)
    written = (read_report_hashes(run) or {}).get("lang") if sealed else None
    data = _load_run(run)
    refused = map_refused(data, day, foresteria, cli_lang())  # in the command line's language
    if refused is not None:
        _err(f"error: {refused}")
        raise typer.Exit(EXIT_BAD_INPUT)
    try:
        html = plan_map(data, day, foresteria, report_lang(data, lang or written))
    except ValueError as exc:
        _err(f"error: {exc}")
        raise typer.Exit(EXIT_BAD_INPUT) from None
    if lang is not None and written is not None and lang != written:
        raise _lang_refused(
            _(
                "{code}: the report of {run} is in {written}; a map added to it "
                "is too (write this one elsewhere with --out, or the whole report "
                "again with `foresterie report RUN --lang {code}`)"
            ).format(code=repr(lang), run=run, written=repr(written))
        )
    write_text(target, html)
    if sealed:
        seal_report(run, added=target)  # a page added to the report: vouched for too
    typer.echo(
        _("wrote {target} ({mb} MB)").format(target=target, mb=f"{len(html.encode()) / 1e6:.2f}")
    )
    if open_:
        import webbrowser

        webbrowser.open(target.resolve().as_uri())


@app.command(
    help=_("(Re)write RUN/report/: index.html, summary.md, map.html and the driver sheets.")
)
@guarded
def report(
    run: Annotated[Path, typer.Argument(help=_("A run folder."))],
    sheets: Annotated[bool, typer.Option(help=_("Also write the driver sheets."))] = True,
    lang: LangOpt = None,
) -> None:
    from foresterie.core.runfolder import RunFolderError, read_report_hashes, stale_report
    from foresterie.report.html import write_report

    lang = _lang_code(lang)
    data = _load_run(run)
    # Rewriting hashes what is there: a forged file it does not rewrite (a sheet with
    # --no-sheets, a file slipped in) would be vouched for. A file gone is written anew, a link
    # removed (never followed). A run people were removed from for retention has report files
    # cut by design (README "Retention").
    purged = (run / "purged.json").exists()
    if not purged and read_report_hashes(run) is None:
        # Nothing vouches for what report/ holds (a run from before report.json, or its listing
        # removed): the report is written anew in an empty folder, so nothing there is adopted.
        _empty_report_folder(run)
    forged = [] if purged else stale_report(run, missing=False, links=False)
    if forged:
        raise RunFolderError(
            forged[0].split(":", 1)[0],
            None,
            "report",
            f"{forged[0].split(': ', 1)[1]}: the report is not what the run vouches for "
            "(`foresterie verify RUN` lists every file); remove report/ to write it anew",
        )
    out = write_report(data, say=typer.echo, sheets=sheets, lang_code=lang)
    typer.echo(_("wrote {target}").format(target=out / "index.html"))


def _refuse_sol_targets(folder: Path, instances: list[Path], force: bool) -> None:
    """--sol-out never writes beside an instance (where INSTANCE.sol is the best-known solution
    the bench reads), never two answers to one name, and replaces a .sol already there only
    with --force; one line, exit 2, before anything is solved."""
    from foresterie.core.errors import Problem

    def refuse(target: Path, msg: str) -> ScenarioError:
        return ScenarioError([Problem("--sol-out", None, "option", f"{target}: {msg}")])

    seen: dict[Path, Path] = {}
    for inst in instances:
        target = folder / f"{inst.stem}.sol"
        if folder.resolve() == inst.parent.resolve():
            raise refuse(
                target,
                f"beside the instance {inst.name}, where a .sol is its best-known solution; "
                "choose another folder",
            )
        if target in seen:
            raise refuse(target, f"both {seen[target]} and {inst} would write it")
        seen[target] = inst
        if (target.exists() or target.is_symlink()) and not force:
            raise refuse(target, "exists; --force replaces it")


def _empty_report_folder(run: Path) -> None:
    """RUN/report/ removed (a link to it unlinked, never followed) and made again, empty."""
    import shutil

    folder = run / "report"
    if folder.is_symlink() or folder.is_file():
        folder.unlink()
    elif folder.is_dir():
        shutil.rmtree(folder)
    folder.mkdir()


def _refuse_purged(run: Path, whole_only: bool) -> None:
    """A run purged for retention has lost what a report, a map or a replay is made from: one
    line saying so (exit 2), not the first missing file's name. A run people were removed from
    still has a report and a map; its replay cannot give back the plan (`whole_only` False)."""
    from foresterie.ops.retention import purge_state

    state = purge_state(run)
    if state is None or (whole_only and state[0] == "people"):
        return
    what = "its worker-level files are gone" if state[0] == "whole" else "people were removed"
    _err(
        f"error: {run}: purged for retention (before {state[1]}): {what}, so this cannot be "
        "made again from it; `foresterie verify` checks what remains"
    )
    raise typer.Exit(EXIT_BAD_INPUT)


def _sealed(run: Path, restricted: bool = False) -> None:
    """The run's files are those it was made with (core/runfolder.check_sealed): a plan or input
    edited after the run was made is one line naming the file, exit 2, before anything is read
    from it or written (session 20, C: `report` re-published and re-sealed an edited plan,
    `export`, `day` and `monitor` used one, exit 0). A folder with no manifest is left to the
    command's own line."""
    from foresterie.core.runfolder import check_sealed

    if (run / "manifest.json").is_file():
        check_sealed(run, ("inputs", "plan", "restricted") if restricted else ("inputs", "plan"))


def _load_run(run: Path) -> Any:
    from foresterie.report.rundata import load_run

    if not (run / "manifest.json").is_file():
        _err("error: " + _("{run}: not a run folder (no manifest.json)").format(run=run))
        raise typer.Exit(EXIT_BAD_INPUT)
    _refuse_purged(run, whole_only=True)
    try:
        data = load_run(run)
    except (OSError, KeyError, ValueError) as exc:
        _err("error: " + _("{run}: unreadable run folder: {why}").format(run=run, why=exc))
        raise typer.Exit(EXIT_BAD_INPUT) from None
    _sealed(run)  # read whole, then as it was made: a damaged cell keeps its own line
    return data


@app.command(
    help=_(
        "Check a run folder independently of the solvers (exit 0 clean, 1 violations, 2 unreadable)."
    )
)
def verify(run: Annotated[Path, typer.Argument(help=_("A run folder."))]) -> None:
    from foresterie.verify import verify_report

    _verdict(run, verify_report, _rules_changed(run))


def _rules_changed(run: Path) -> list[str]:
    """A line for a run made by another version of foresterie, said with its violations: the
    rules it was made under may have changed since (README "Rule changes between versions"; review
    19 S: a season run made the same morning read as 246 violations, nothing said why)."""
    from foresterie import __version__
    from foresterie.core.runfolder import read_manifest

    try:
        made = read_manifest(run).get("versions", {}).get("foresterie")
    except (ValueError, AttributeError, OSError):
        return []
    if not isinstance(made, str) or made == __version__:
        return []
    return [
        "note: "
        + _(
            "{run} was made by foresterie {made}, this is {now}: the rules changed between "
            'them (README "Rule changes between versions"); violations may be those changes: '
            "verify it with {made}, or solve the season again"
        ).format(run=run, made=made[:40], now=__version__)
    ]


def _verdict(
    checked: Path,
    check: Callable[[Path], tuple[list[str], list[str]] | list[str]],
    notes: list[str] | None = None,
) -> None:
    """Each violation on a line and exit 1, or `ok` (saying what could not be checked, if
    anything); an unreadable folder: exit 2."""
    from foresterie.verify import Unreadable

    try:
        found = check(checked)
        violations, unchecked = found if isinstance(found, tuple) else (found, [])
    except (Unreadable, KeyError, ValueError) as exc:
        _err("error: " + _("{run}: unreadable run folder: {why}").format(run=checked, why=exc))
        raise typer.Exit(EXIT_BAD_INPUT) from None
    for v in violations:
        typer.echo(f"violation: {v}")
    for u in unchecked:  # the restricted part is encrypted and the key is not set
        typer.echo(f"not checked: {u}")
    if violations:
        for note in notes or []:
            typer.echo(note)
        typer.echo(_("{n} violations").format(n=len(violations)))
        raise typer.Exit(EXIT_VERIFY_FAILED)
    if unchecked:
        typer.echo(f"ok: {checked}: every other check passed ({len(unchecked)} not checked)")
        return
    typer.echo("ok: " + _("{run}: every check passed").format(run=checked))


@app.command(
    help=_(
        "Re-solve a saved run with its recorded inputs and parameters; exit 0 only if identical."
    )
)
@guarded
def replay(
    run: Annotated[Path, typer.Argument(help=_("A run folder to re-solve from its own inputs/."))],
    out: Annotated[Path | None, typer.Option(help=_("Where to write the replay."))] = None,
    force: Annotated[bool, typer.Option(help=_("Replace an existing replay folder."))] = False,
) -> None:
    from foresterie.run.pipeline import replay as run_replay

    if not (run / "manifest.json").is_file():
        _err("error: " + _("{run}: not a run folder (no manifest.json)").format(run=run))
        raise typer.Exit(EXIT_BAD_INPUT)
    _refuse_purged(run, whole_only=False)
    target = out or run.parent / f"{run.name}.replay"
    notes: list[str] = []
    from foresterie.verify import Unreadable

    try:
        with _published("replayed plan"):  # a crafted run's plan the verifier refuses: exit 1
            diffs = run_replay(
                run, target, force, report=_replay_report_hook(run), note=notes.append
            )
    except ScenarioError as exc:
        # the run's inputs read as a scenario and refused: one line under the run's inputs/ (as
        # `day` and `intake` say it; a problem of no file of the run, --out's, as it is)
        from foresterie.core.runfolder import inputs_refused, run_file

        if not all(run_file(run, p.file) for p in exc.problems):
            raise
        raise inputs_refused(run, exc) from None
    except Unreadable as exc:
        # the replay's inputs are the run's, byte for byte: a file the verifier cannot read in
        # the replay (an intake's previous_waitlist.csv with a cell of no kind) is the run's
        # (session 20, C: a traceback); nothing was published
        _err("error: " + _("{run}: unreadable run folder: {why}").format(run=run, why=exc))
        raise typer.Exit(EXIT_BAD_INPUT) from None
    for d in diffs[:20]:
        typer.echo(f"differs: {d}")
    for line in notes:
        typer.echo(line)
    if diffs:
        if not diffs[0].startswith(("inputs/", "plan/")):  # not the folder solved: no re-solve
            in_report = sum(1 for d in diffs if d.startswith("report/"))
            in_plan = len(diffs) - in_report - sum(1 for d in diffs if d.startswith("manifest"))
            if in_plan:
                typer.echo(_("{n} plan files differ").format(n=in_plan))
            if in_report:
                typer.echo(f"{in_report} report files differ")
        for note in _version_changes(run):
            typer.echo(note)
        raise typer.Exit(EXIT_VERIFY_FAILED)
    typer.echo(
        "identical: "
        + _("every plan file of {run} reproduced byte for byte in {target}").format(
            run=run, target=target
        )
    )


def _replay_report_hook(original: Path) -> Any:
    """The replay's report, written as the original's was: in its language, with or without
    the sheets, with a day run's boarding lists where the original has them, and naming the
    scenario as the original does. A replay solves the recorded snapshot (inputs/, travel as a
    recorded matrix), so its own manifest has the snapshot's hash and the `matrix` backend; the
    pages' note names the original's (its hash and backend), which the replay takes from the
    original's manifest: the rest of every page comes from the replayed plan."""
    from foresterie.core.runfolder import read_manifest
    from foresterie.report.boarding import write_boarding_sheets
    from foresterie.report.html import write_report
    from foresterie.report.rundata import load_run

    boarding = (original / "report" / "boarding").is_dir()
    named = read_manifest(original)["scenario"]

    def hook(run_dir: Path, lang_code: str, sheets: bool) -> None:
        data = load_run(run_dir)
        data.manifest["scenario"] = {
            **data.manifest["scenario"],
            "hash": named["hash"],
            "travel_backend": named["travel_backend"],
        }
        folder = write_report(data, sheets=sheets, lang_code=lang_code)
        if boarding:
            write_boarding_sheets(data, folder)

    return hook


def _version_changes(run: Path) -> list[str]:
    """Solver versions that differ from the run's manifest: a different version may pick another
    of several tied optima, so a replay is byte-identical only with the versions recorded."""
    from foresterie.core.runfolder import read_manifest
    from foresterie.run.folders import versions

    try:
        recorded = read_manifest(run)["versions"]  # a string of up to 40 characters each
    except ValueError:  # RunFolderError: replay has named it already
        return []
    now = versions()
    return [
        "note: "
        + _(
            "{pkg} {recorded} recorded, {running} running; another version may choose another "
            "of several equally good plans"
        ).format(pkg=pkg, recorded=recorded.get(pkg), running=now.get(pkg))
        for pkg in ("foresterie", "ortools", "highspy", "pyvrp")
        if recorded.get(pkg) != now.get(pkg)
    ]


@app.command(help=_("KPIs of two runs side by side, with differences."))
def compare(
    run_a: Annotated[Path, typer.Argument(help=_("First run folder."))],
    run_b: Annotated[Path, typer.Argument(help=_("Second run folder."))],
    fmt: Annotated[str, typer.Option("--format", help=_("table | csv | md"))] = "table",
) -> None:
    from foresterie.core.files import csv_cell
    from foresterie.core.runfolder import RunFolderError, kpis_with_restricted
    from foresterie.report.html import md_text

    rows = []
    for run in (run_a, run_b):
        if not run.is_dir():
            _err(f"error: {run}: not a run folder")
            raise typer.Exit(EXIT_BAD_INPUT)
    try:  # the figures on priorities and referrals too, where the restricted part is readable
        ka, kb = kpis_with_restricted(run_a), kpis_with_restricted(run_b)
        _sealed(run_a)  # the figures of the plans the runs hold, not of plans edited since
        _sealed(run_b)
    except RunFolderError as exc:
        _err("error: " + _("unreadable run folder: {why}").format(why=exc))
        raise typer.Exit(EXIT_BAD_INPUT) from None
    for part in ("housing", "transport"):
        fa, fb = _flat(ka.get(part, {})), _flat(kb.get(part, {}))
        for key in [*fa, *(k for k in fb if k not in fa)]:  # a KPI of either run (review 20 R)
            va = fa.get(key, _absent(ka.get(part, {}), key))
            vb = fb.get(key, _absent(kb.get(part, {}), key))
            diff = vb - va if isinstance(va, int | float) and isinstance(vb, int | float) else ""
            if isinstance(diff, float):
                diff = round(diff, 2)
            rows.append((f"{part}.{key}", va, vb, diff))
    if fmt == "csv":
        import csv
        import io

        buf = io.StringIO()
        w = csv.writer(buf, lineterminator="\n")
        w.writerow(["kpi", csv_cell(run_a.name), csv_cell(run_b.name), "difference"])
        w.writerows(rows)
        typer.echo(buf.getvalue(), nl=False)
    elif fmt == "md":
        typer.echo(f"| KPI | {md_text(run_a.name)} | {md_text(run_b.name)} | difference |")
        typer.echo("| --- | --- | --- | --- |")
        for r in rows:
            typer.echo("| " + " | ".join(md_text(x) for x in r) + " |")
    elif fmt == "table":
        width = max((len(r[0]) for r in rows), default=3)
        typer.echo(f"{'KPI':{width}s}  {run_a.name:>14s}  {run_b.name:>14s}  {'difference':>12s}")
        for k, a, b, d in rows:
            typer.echo(f"{k:{width}s}  {a!s:>14s}  {b!s:>14s}  {d!s:>12s}")
    else:
        _err("error: --format: " + _("{fmt} is not table, csv or md").format(fmt=repr(fmt)))
        raise typer.Exit(EXIT_BAD_INPUT)


def _absent(kpis: dict[str, Any], key: str) -> Any:
    """What a run that lacks the KPI `key` (dotted) shows: 0 where the run has the dict it would
    stand in (counts by category, `referred_waitlisted_by_code.far`: a code not counted), "–"
    where it has not even that (a run of another version): absent, no difference."""
    *group, _ = key.split(".")
    node: Any = kpis
    for k in group:
        node = node.get(k) if isinstance(node, dict) else None
    return 0 if group and isinstance(node, dict) else "–"


def _flat(d: dict[str, Any], prefix: str = "") -> dict[str, Any]:
    out: dict[str, Any] = {}
    for k, v in d.items():
        if isinstance(v, dict):
            out.update(_flat(v, f"{prefix}{k}."))
        else:
            out[f"{prefix}{k}"] = v
    return out


@app.command(
    help=_("Solve many perturbed seasons x a grid of decisions; KPIs per member and quantiles.")
)
@guarded
def sweep(
    ctx: typer.Context,
    file: Annotated[
        Path,
        typer.Argument(help=_("Sweep file (TOML with the tables sweep, perturb and decisions).")),
    ],
    workers: Annotated[
        int | None,
        typer.Option(min=1, help=_("Local Dask worker processes (default: one per core).")),
    ] = None,
    scheduler: Annotated[
        str | None, typer.Option(help=_("An existing Dask scheduler (tcp://host:8786) instead."))
    ] = None,
    out: Annotated[
        Path | None, typer.Option(help=_("Sweep folder (default runs/sweeps/NAME)."))
    ] = None,
    keep_runs: Annotated[bool, typer.Option(help=_("Keep each member's run folder."))] = True,
) -> None:
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    from foresterie.sweep.members import load_sweep
    from foresterie.sweep.runner import run_sweep, said

    if scheduler is not None:  # its workers are the scheduler's: no local processes
        given_with(ctx, "--scheduler", {"workers": "--workers"})
    sw = load_sweep(file)
    target = out or Path("runs") / "sweeps" / sw.spec.sweep.name
    columns = (TextColumn("members"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn())
    with Progress(*columns, transient=True, disable=not sys.stderr.isatty()) as bars:
        task = bars.add_task("members", total=None)

        def progress(done: int, total: int) -> None:
            bars.update(task, completed=done, total=total)

        import os

        res = run_sweep(sw, target, workers or os.cpu_count() or 1, scheduler, keep_runs, progress)
    line, warning = said(res, target, cli_lang())
    typer.echo(line)
    if warning:  # the window's cut could not keep the stay rule exact for these people
        _err("warning: " + warning)
    if res.failed:  # failed members are said, not only counted (review 20 R, HIGH-1)
        first = next(r for r in res.rows if r["status"] != "ok")
        every = res.failed == len(res.rows)
        _err(
            ("error: " if every else "warning: ")
            + _("{failed} of {members} members failed, the first {member}: {error}").format(
                failed=res.failed,
                members=len(res.rows),
                member=f"members/{first['member']}/error.txt",
                error=first.get("error") or "",
            )
        )
        if every:  # no member solved: the tables answer nothing
            raise typer.Exit(1)


ledger_app = typer.Typer(
    cls=_Commands,
    help="The season ledger: check-ins, bookings, boardings, incidents, day plans.",
    no_args_is_help=True,
)
app.add_typer(ledger_app, name="ledger")

RunArg = Annotated[Path, typer.Argument(help="The published season run folder.")]
LedgerOpt = Annotated[
    str | None,
    typer.Option(
        "--ledger",
        help="Ledger file, or a postgresql:// URL (default $FORESTERIE_LEDGER_URL, else "
        "RUN.ledger.sqlite beside RUN).",
    ),
]


def _day(text: str, flag: str = "--date") -> Any:
    from datetime import date

    from foresterie.core.errors import Problem
    from foresterie.scenario.load import date_problem

    try:
        return date.fromisoformat(text)
    except ValueError:  # the words the scenario's files get: 30 February, dd/mm/yyyy
        # "--date: day: date '2027-7-5' ..." (was "--date: date: date": review 20 T)
        raise ScenarioError([Problem(flag, None, "day", date_problem(text))]) from None


@contextlib.contextmanager
def _published(what: str) -> Iterator[None]:
    """A plan the verifier refused: its violations, exit 1, nothing published."""
    from foresterie.run.pipeline import PlanRejected

    try:
        yield
    except PlanRejected as exc:
        for v in exc.violations:
            _err(f"violation: {v}")
        _err(f"error: the {what} failed verification and was not published")
        raise typer.Exit(EXIT_VERIFY_FAILED) from None


def _ledger(run: Path, ledger: str | None, create: bool = False) -> Any:
    """--ledger, else $FORESTERIE_LEDGER_URL (several offices on one PostgreSQL ledger), else an
    intake re-plan's season ledger, else RUN.ledger.sqlite beside RUN."""
    import os

    from foresterie.ops.day import load_season_run
    from foresterie.ops.ledger import LEDGER_URL_ENV, Ledger, is_url, ledger_path

    if (run / "day.json").is_file():  # before "no such ledger": init would refuse it too
        load_season_run(run)
    target: Path | str = ledger or os.environ.get(LEDGER_URL_ENV, "") or ledger_path(run)
    if not ledger and not os.environ.get(LEDGER_URL_ENV) and (run / "intake.json").is_file():
        from foresterie.ops.intake import resolve_recorded_ledger

        # an intake re-plan: its season's ledger (a URL is recorded redacted, a file relative
        # to the intake run; a missing one is named, never created afresh)
        target = resolve_recorded_ledger(run)
    if not is_url(str(target)) and Path(target).resolve().is_relative_to(run.resolve()):
        # a file slipped into a run folder fails its verification: nothing vouches for it
        raise RunFolderError(
            str(target), None, "ledger", "lies inside the run folder; put it beside the run"
        )
    season = load_season_run(run) if create else None
    return Ledger.open(target, season.binding if season else None)


@ledger_app.command("init")
@guarded
def ledger_init(run: RunArg, ledger: LedgerOpt = None) -> None:
    """Create the ledger of a season run (or migrate an existing one to this version)."""
    with _ledger(run, ledger, create=True) as led:
        rows, _ = led.head()
        typer.echo(
            cli_lang()
            .ngettext(
                "ledger {label}: schema {schema}, {n} row",
                "ledger {label}: schema {schema}, {n} rows",
                rows,
            )
            .format(label=led.label, schema=led.schema_version(), n=rows)
        )


@ledger_app.command("import")
@guarded
def ledger_import(
    run: RunArg,
    files: Annotated[list[Path], typer.Argument(help="CSV files: check-ins, bookings, ...")],
    ledger: LedgerOpt = None,
    encoding: Annotated[
        str,
        typer.Option(
            help=_(
                "The code page of files that are not UTF-8: utf-8 | windows-1252 (Excel's CSV "
                "on Windows); a file with a byte-order mark is read as it says."
            )
        ),
    ] = "utf-8",
    again: Annotated[
        bool,
        typer.Option(
            help=_(
                "Import a file this ledger already took (same content) once more; the ledger "
                "records that it was imported again."
            )
        ),
    ] = False,
) -> None:
    """Append CSV files to the ledger: all of them or, if any row is bad or a file was already
    imported, nothing (exit 2)."""
    from datetime import UTC, datetime

    from foresterie.core.errors import Msg, Problem
    from foresterie.core.errors import ScenarioError as _SE
    from foresterie.core.files import file_sha256
    from foresterie.ops.day import load_season_run, not_back_line, out_not_back
    from foresterie.ops.imports import after_day_run, far_ahead, read_events, repeated
    from foresterie.ops.ledger import ImportedFile
    from foresterie.ops.monitor import lists_off_day_run
    from foresterie.scenario.csvfile import ENCODINGS

    if encoding not in ENCODINGS:
        raise ScenarioError(
            [
                Problem(
                    "--encoding",
                    None,
                    "encoding",
                    Msg(
                        "{value} is not one of {choices}",
                        value=repr(encoding),
                        choices=", ".join(ENCODINGS),
                    ),
                )
            ]
        )
    season = load_season_run(run).season
    when = datetime.now(UTC).strftime("%Y-%m-%dT%H:%MZ")
    read, problems = [], []
    for f in files:
        try:
            events = read_events(f, season, encoding)
        except _SE as exc:
            problems += exc.problems
            continue
        read.append(ImportedFile(name=f.name, sha256=file_sha256(f), events=events, when=when))
    if problems:
        raise ScenarioError(problems)
    with _ledger(run, ledger, create=True) as led:
        known = led.events()
        said = far_ahead([f.events for f in read], known)
        said += after_day_run([f.events for f in read], known)
        said += repeated([(f.name, f.events) for f in read], known)
        rows = led.append_files(read, again)
        for line in said:  # once appended (a file refused as imported before says only that)
            _err(f"warning: {line}")
        backs = sorted(
            {
                e.day
                for f in read
                for e in f.events
                if e.leg == "back" and e.kind in ("boarding", "no_show")
            }
        )
        lists = [e for f in read for e in f.events if e.kind in ("boarding", "no_show")]
        recorded = led.snapshot()[0] if backs or lists else []
    n = len(rows) - len(read)  # each file's rows, then its file_import row
    typer.echo(
        cli_lang().ngettext("appended {n} row", "appended {n} rows", n).format(n=n)
        + " "
        + cli_lang()
        .ngettext("from {n} file to {label}", "from {n} files to {label}", len(files))
        .format(n=len(files), label=led.label)
        + (" " + _("(imported again: --again)") if again else "")
    )
    for d in backs:  # a back list imported: who went out that day and is not back (tonight)
        if gone := out_not_back(recorded, d):
            typer.echo(not_back_line(gone, d))
    for line in lists_off_day_run(run, recorded, lists):  # a list not the day run's sheet
        _err(line)


@ledger_app.command("verify")
@guarded
def ledger_verify(run: RunArg, ledger: LedgerOpt = None) -> None:
    """Check the hash chain: exit 0 intact, 1 if a row was edited, deleted or reordered."""
    with _ledger(run, ledger) as led:
        problems = led.verify()
        rows, head = led.head()
    for p in problems:
        typer.echo(f"violation: {p}")
    if problems:
        raise typer.Exit(EXIT_VERIFY_FAILED)
    typer.echo(
        "ok: "
        + cli_lang()
        .ngettext(
            "{label}: {n} row, chain intact, head {head}",
            "{label}: {n} rows, chain intact, head {head}",
            rows,
        )
        .format(label=led.label, n=rows, head=head[:16])
    )


@app.command()
@guarded
def day(
    run: RunArg,
    date_: Annotated[str, typer.Option("--date", help="The day to plan (YYYY-MM-DD).")],
    ledger: LedgerOpt = None,
    out: Annotated[
        Path | None, typer.Option(help="Day run folder (default RUN.days/DATE beside RUN).")
    ] = None,
    force: Annotated[bool, typer.Option(help="Replace an existing day run.")] = False,
    heat_alert: Annotated[
        bool | None,
        typer.Option(
            "--heat-alert/--no-heat-alert",
            help="The regional heat ordinance's alert declared for the day (Worklimate HIGH "
            "risk), or lifted on a day the season lists; recorded in the ledger (default: as "
            "the ledger, else the season's heat_alert_days, says).",
        ),
    ] = None,
) -> None:
    """Plan one day's shuttles from the ledger; publish a verified, replayable day run."""
    from foresterie.ops.background import ReportInBackground
    from foresterie.ops.day import run_day

    _sealed(run, restricted=True)
    # forked once the modules both need are loaded (not imported twice), before the ledger is
    # opened: it imports the report's own modules while this process loads and plans the day
    with (
        ReportInBackground(_day_report_hook) as report,
        _ledger(run, ledger) as led,
        _published("day plan"),
    ):
        res = run_day(run, led, _day(date_), out, force, typer.echo, report, heat_alert)
    r = res.record
    st = r["stability_vs_season"]
    tk = res.summary.manifest["kpis"]["transport"]

    ngettext = cli_lang().ngettext  # counts pluralised, in the command line's language (review 18)
    follow_up = res.summary.out / "report" / "follow_up.csv"
    follow = (
        len(follow_up.read_text(encoding="utf-8").splitlines()) - 1 if follow_up.is_file() else 0
    )
    typer.echo(  # expected, then how many have their ride (review 13: "20 riders" when 7 rode)
        _("wrote {out}:").format(out=res.summary.out)
        + " "
        + ngettext("{n} rider expected", "{n} riders expected", r["riders"]).format(n=r["riders"])
        + ", "
        + _("{n} with a ride there and back").format(n=tk["worker_days_transported"])
        + ", "
        + ngettext(
            "{n} rider-trip unserved", "{n} rider-trips unserved", tk["unserved_rider_trips"]
        ).format(n=tk["unserved_rider_trips"])
        + ", "
        + ngettext(
            "{n} vehicle (season plan {season})",
            "{n} vehicles (season plan {season})",
            r["vehicles_used"],
        ).format(n=r["vehicles_used"], season=r["vehicles_used_season_plan"])
        + "; "
        + _("kept vehicle and time: {kept}/{legs} rider-legs").format(
            kept=st["kept"], legs=st["rider_legs_in_both"]
        )
        + "; "
        + _("{n} on the follow-up list (report/follow_up.csv); verified").format(
            n=follow  # every row of the file: no-shows and the out-and-not-back (review 19 R)
        )
    )


@app.command()
@guarded
def intake(
    run: RunArg,
    date_: Annotated[str, typer.Option("--date", help="Today (YYYY-MM-DD).")],
    ledger: LedgerOpt = None,
    out: Annotated[
        Path | None, typer.Option(help="Re-plan folder (default RUN.intake/DATE beside RUN).")
    ] = None,
    force: Annotated[bool, typer.Option(help="Replace an existing re-plan.")] = False,
    release_after_days: Annotated[
        int | None,
        typer.Option(
            min=0,
            max=60,  # as the scenario key ([operations] release_bed_after_days: 0..60)
            help="Release a no-show's bed this many days after the planned arrival "
            "(default: the scenario's [operations] release_bed_after_days, 3 if unset).",
        ),
    ] = None,
) -> None:
    """Re-plan the beds from today with the ledger's arrivals, departures and no-shows."""
    from foresterie.ops.intake import run_intake

    _sealed(run, restricted=True)
    with _ledger(run, ledger) as led, _published("re-plan"):
        summary, record = run_intake(
            run,
            led,
            _day(date_),
            out,
            force,
            release_after_days,
            typer.echo,
            lambda say: _report_hook(say=say),  # said with the re-plan kept (ops/intake.py)
        )
    if force:  # runs made from the intake replaced still hold its plan (review 20 T, MEDIUM-2)
        from foresterie.ops.retention import made_from

        stale = made_from(summary.out)
        if stale:
            _err(
                "warning: "
                + cli_lang()
                .ngettext(
                    "{n} run made from the re-plan replaced still holds its old plan ({first}): "
                    "make it again from this one (`day ... --force`, `intake ... --force`)",
                    "{n} runs made from the re-plan replaced still hold its old plan (first "
                    "{first}): make them again from this one (`day ... --force`, `intake ... "
                    "--force`)",
                    len(stale),
                )
                .format(n=len(stale), first=stale[0])
            )
    w = record["workers"]
    arrivals = w.get("arrived_to_place", 0) + w.get("early_to_place", 0)
    housed = record["arrivals_housed"]
    kept = w.get("housed_kept", 0) + w.get("move_cannot_be_made", 0)  # their request not met
    ngettext = cli_lang().ngettext  # counts pluralised, in the command line's language (review 18)
    released = w.get("released_no_show", 0)
    typer.echo(
        _("wrote {out}:").format(out=summary.out)
        + " "
        + _("kept {n} housed where they are (moved: {moved})").format(
            n=kept, moved=summary.manifest["replan"]["moved_vs_previous"]
        )
        + "; "
        + ngettext(
            "{n} arrival without a bed re-planned: {housed} housed, {left} still waitlisted",
            "{n} arrivals without a bed re-planned: {housed} housed, {left} still waitlisted",
            arrivals,
        ).format(n=arrivals, housed=housed, left=arrivals - housed)
        + "; "
        + ngettext(
            "released {n} bed of no-shows; verified",
            "released {n} beds of no-shows; verified",
            released,
        ).format(n=released)
    )
    if ended := w.get("stay_ended_not_housed"):
        typer.echo(
            ngettext(
                "not re-planned: {n} waitlisted person whose stay ended on or before {day} (no "
                "night left to plan; listed as waitlisted in the past)",
                "not re-planned: {n} waitlisted people whose stay ended on or before {day} (no "
                "night left to plan; listed as waitlisted in the past)",
                ended,
            ).format(n=ended, day=record["date"])
        )


def _day_report_hook() -> Any:
    from foresterie.report.boarding import write_boarding_sheets
    from foresterie.report.html import write_report
    from foresterie.report.rundata import load_run

    def hook(run_dir: Path) -> None:
        data = load_run(run_dir)
        write_boarding_sheets(data, write_report(data, say=typer.echo))

    return hook


@app.command()
@guarded
def monitor(
    ctx: typer.Context,
    run: Annotated[
        Path | None, typer.Argument(help="The published season run folder.", show_default=False)
    ] = None,
    ledger: LedgerOpt = None,
    out: Annotated[
        Path | None, typer.Option(help="Monitor folder (default RUN.monitor beside RUN).")
    ] = None,
    days: Annotated[
        list[Path] | None,
        typer.Option(
            "--days", help="A folder of day runs (besides RUN.days), or a day run; repeatable."
        ),
    ] = None,
    lang: LangOpt = None,
    force: Annotated[bool, typer.Option(help="Replace an existing monitor folder.")] = False,
    verify_: Annotated[
        Path | None,
        typer.Option("--verify", help="Recompute every figure of a monitor folder instead."),
    ] = None,
    as_of: Annotated[
        str | None,
        typer.Option("--as-of", help="Read the ledger up to this day (default: its last day)."),
    ] = None,
) -> None:
    """KPIs week by week, plan against actual: monitor.csv, monitor.xlsx, index.html."""
    if verify_ is not None:  # what would be written is not written: its options refused
        given_with(
            ctx,
            "--verify",
            {
                "run": "RUN",
                "out": "--out",
                "days": "--days",
                "lang": "--lang",
                "force": "--force",
                "as_of": "--as-of",
            },
        )
        _verify_monitor(verify_, ledger)
        return
    if run is None:
        _err("error: RUN: a season run folder is needed (or --verify FOLDER)")
        raise typer.Exit(EXIT_BAD_INPUT)
    from foresterie.ops.monitor import intake_note, run_monitor, superseded_lines

    _sealed(run, restricted=True)
    note = intake_note(run) if (run / "manifest.json").is_file() else None  # read before writing
    with _ledger(run, ledger) as led:
        target, manifest = run_monitor(
            run,
            led,
            out,
            days or [],
            force,
            _lang_code(lang),
            _monitor_report_hook(),
            _day(as_of, "--as-of") if as_of else None,
        )
    inputs = manifest["inputs"]
    ngettext = cli_lang().ngettext  # counts pluralised, in the command line's language (review 18)
    files, rows, runs = len(manifest["outputs"]), inputs["ledger"]["rows"], len(inputs["day_runs"])
    typer.echo(
        _("wrote {out}:").format(out=target)
        + " "
        + ngettext("{n} file", "{n} files", files).format(n=files)
        + "; "
        + ngettext("ledger {n} row", "ledger {n} rows", rows).format(n=rows)
        + ", "
        + ngettext("{n} day run", "{n} day runs", runs).format(n=runs)
        + "; "
        + _("as of {day}").format(day=inputs["as_of"])
        + ("" if inputs["as_of_given"] else " " + _("(the ledger's last day)"))
        + (
            "; "
            + _("day plans recorded but not found: {days}").format(
                days=", ".join(inputs["day_plans_not_found"])
            )
            if inputs["day_plans_not_found"]
            else ""
        )
    )
    for line in superseded_lines(inputs):  # a day run a later one of its day replaced
        typer.echo(line)
    if note is not None:  # which monitor to publish after an intake (review 16)
        typer.echo(note)


def _monitor_report_hook() -> Any:
    from foresterie.core.files import write_text
    from foresterie.core.i18n import lang as get_lang
    from foresterie.report.monitor import monitor_html, read_rows, write_xlsx

    def hook(folder: Path, meta: dict[str, Any]) -> None:
        lg = get_lang(meta["lang"])
        rows = read_rows(folder, "monitor.csv")
        write_xlsx(rows, read_rows(folder, "days.csv"), folder / "monitor.xlsx", lg)
        write_text(folder / "index.html", monitor_html(rows, meta, lg))

    return hook


def _verify_monitor(folder: Path, ledger: str | None = None) -> None:
    """`monitor --verify`: the ledger read is --ledger, else $FORESTERIE_LEDGER_URL, else the
    one the monitor recorded (verify.py chooses; it imports nothing of ours)."""
    from foresterie.verify import verify_monitor

    _verdict(folder, lambda f: verify_monitor(f, ledger))


roads_app = typer.Typer(
    cls=_Commands, help=_("Road graphs (OSRM) from OpenStreetMap extracts."), no_args_is_help=True
)
app.add_typer(roads_app, name="roads")


def _roads_guard(fn: F) -> F:
    """RoadsError is bad input too: one line, exit 2."""

    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        from foresterie.travel.roads import RoadsError

        try:
            return fn(*args, **kwargs)
        except RoadsError as exc:
            _err(f"error: {exc}")
            raise typer.Exit(EXIT_BAD_INPUT) from None

    return wrapper  # type: ignore[return-value]


@roads_app.command(
    "build",
    help=_('Build an OSRM graph (extract, partition, customize) for [travel] backend = "osrm".'),
)
@guarded
@_roads_guard
def roads_build(
    extract: Annotated[
        Path, typer.Argument(help=_("OpenStreetMap extract (.osm.pbf, .osm, .osm.bz2)."))
    ],
    out: Annotated[
        Path, typer.Option(help=_("Graph folder to create (e.g. geodata/roads/puglia)."))
    ],
    profile: Annotated[
        str, typer.Option(help=_("car | bicycle | foot (OSRM's profiles)."))
    ] = "car",
) -> None:
    import time

    from foresterie.travel.roads import build_graph

    t = time.monotonic()
    graph = build_graph(extract, out, profile, say=typer.echo)
    typer.echo(
        f"wrote {out} in {time.monotonic() - t:.1f} s: graph {graph.hash[:16]}, extract "
        f"sha256 {graph.meta['extract']['sha256'][:16]}, profile {profile}"
    )


@roads_app.command(
    "calibrate",
    help=_(
        "Fit the great-circle model's circuity and speed to the road engine on the scenario's pairs."
    ),
)
@guarded
@_roads_guard
def roads_calibrate(
    scenario: ScenarioArg = DEFAULT_SCENARIO,
    graph: Annotated[
        Path | None, typer.Option(help=_("Graph folder (default: the scenario's)."))
    ] = None,
) -> None:
    from foresterie.scenario.load import load_scenario
    from foresterie.travel.calibration import calibrate
    from foresterie.travel.matrix import cache_dir, far_from_road, road_matrix, scenario_locations

    sc = load_scenario(scenario)
    folder = graph or sc.files.get("graph")
    if folder is None:
        _err("error: --graph: the scenario has no [travel] graph; pass --graph DIR")
        raise typer.Exit(EXIT_BAD_INPUT)
    road = road_matrix(scenario_locations(sc), folder, cache_dir())
    try:
        c = calibrate(sc, road)
    except ValueError as exc:
        _err(f"error: {scenario}: {exc}")
        raise typer.Exit(EXIT_BAD_INPUT) from None
    t = sc.config.travel
    typer.echo(f"{c.pairs} ordered pairs compared with road graph {(road.graph_hash or '')[:16]}")
    typer.echo(f"best fit: circuity = {c.circuity}, speed_kmh = {c.speed_kmh}")
    typer.echo(
        f"median time error: {c.time_error_before_pct} % with circuity {t.circuity} and "
        f"{t.speed_kmh} km/h; {c.time_error_after_pct} % with the fit "
        f"(distance {c.distance_error_after_pct} %)"
    )
    far = far_from_road(road, t.snap_warn_m)
    typer.echo(
        f"snapping: farthest place {max(road.snap_m, default=0):,.0f} m from a road; "
        f"{len(far)} beyond {t.snap_warn_m:,.0f} m"
    )
    for pid, metres in far:
        typer.echo(f"  {pid}: {metres:,.0f} m")
    typer.echo(f"to use it: [travel] circuity = {c.circuity}, speed_kmh = {c.speed_kmh}")


bench_app = typer.Typer(
    cls=_Commands, help=_("Benchmarks against the literature."), no_args_is_help=True
)
app.add_typer(bench_app, name="bench")


@bench_app.command(
    "vrptw",
    help=_(
        "Solve VRPTW instances (VRPLIB or Solomon text) with the shuttle engines within the time "
        "limit (reading included); each answer checked independently: distance (DIMACS), routes, "
        "feasibility, gap to bks.csv. Exit 0 all feasible, 1 an answer failed the check, "
        "2 bad input."
    ),
)
@guarded
def bench_vrptw(
    ctx: typer.Context,
    files: Annotated[list[Path], typer.Argument(help=_("VRPLIB .vrp or Solomon .txt instances."))],
    engine: Annotated[str, typer.Option(help=_("pyvrp | ortools"))] = "pyvrp",
    time_limit: Annotated[
        float, typer.Option(help=_("Seconds per instance, reading and checking included."))
    ] = 10.0,
    seed: Annotated[int, typer.Option()] = 1,
    iterations: Annotated[
        int | None,
        typer.Option(help=_("A deterministic budget: the same answer for a seed on any machine.")),
    ] = None,
    json_out: Annotated[bool, typer.Option("--json", help=_("One JSON object per line."))] = False,
    sol_out: Annotated[
        Path | None, typer.Option(help=_("Write each answer as DIR/INSTANCE.sol (VRPLIB)."))
    ] = None,
    check: Annotated[
        Path | None,
        typer.Option(
            help=_(
                "Check solutions instead of solving: a .sol file (one instance) or a folder "
                "holding INSTANCE.sol for each."
            )
        ),
    ] = None,
    force: Annotated[
        bool, typer.Option(help=_("Let --sol-out replace .sol files already in DIR."))
    ] = False,
) -> None:
    import json

    from foresterie.core.errors import Problem
    from foresterie.core.files import write_text
    from foresterie.shuttles.solomon import check_only, load, record, run
    from foresterie.shuttles.vrptw_check import read_sol, sol_text

    def usage(field: str, msg: str) -> ScenarioError:
        return ScenarioError([Problem(field, None, "option", msg)])

    if check is not None:  # nothing is solved: no answer would be written
        given_with(ctx, "--check", {"sol_out": "--sol-out", "force": "--force"})
    if engine not in ("pyvrp", "ortools"):
        raise usage("--engine", f"{engine!r} is not pyvrp or ortools")
    if not time_limit > 0:
        raise usage("--time-limit", f"{time_limit:g}: must be > 0 seconds")
    if iterations is not None and iterations < 1:
        raise usage("--iterations", f"{iterations}: must be >= 1")
    if sol_out is not None and sol_out.exists() and not sol_out.is_dir():
        raise usage("--sol-out", f"{sol_out}: exists and is not a folder")
    if check is not None and not check.is_dir() and len(files) != 1:
        raise usage("--check", "a .sol file checks one instance; give a folder for several")
    # A batch's instance that is missing or unreadable (or, with --check, its solution) is one
    # line before anything is solved; the others run, and the exit code is 2 at the end
    # (review 17: one missing file aborted a batch of hundreds).
    loaded, problems, sols = [], [], []
    for f in files:
        if not f.is_file():
            problems.append(Problem(str(f), None, "file", "no such instance file"))
            continue
        try:
            ld = load(f)
            if check is not None:
                s = check / f"{f.stem}.sol" if check.is_dir() else check
                if not s.is_file():
                    problems.append(Problem(str(s), None, "file", "no such solution file"))
                    continue
                sols.append(read_sol(s))
        except ScenarioError as exc:
            problems += exc.problems
            continue
        loaded.append(ld)
    _say_problems(ScenarioError(problems).problems if problems else [])
    if not loaded:
        raise typer.Exit(EXIT_BAD_INPUT)
    for ld in loaded:
        for w in ld.raw.warnings:
            _err(f"warning: {w}")
    if sol_out is not None:
        _refuse_sol_targets(sol_out, [ld.path for ld in loaded], force)
        sol_out.mkdir(parents=True, exist_ok=True)
    gaps, bad = [], 0
    for k, ld in enumerate(loaded):
        if check is not None:
            r = check_only(ld, sols[k])
        else:
            r = run(ld.path, engine, time_limit, seed, iterations or 10**9, loaded=ld)
            if sol_out is not None:
                write_text(sol_out / f"{ld.path.stem}.sol", sol_text(r.solution, r.distance))
        bad += not r.feasible
        if r.gap_pct is not None:
            gaps.append(r.gap_pct)
        if json_out:
            rec = record(
                r,
                seed=None if check else seed,
                time_limit_s=None if check else time_limit,
                iterations=None if check else iterations,
            )
            typer.echo(json.dumps(rec))
            continue
        gap = f"{r.gap_pct:6.2f}%" if r.gap_pct is not None else "   n/a"
        typer.echo(
            f"{r.instance:10s} {r.engine:8s} dist {r.distance:9.1f} routes {r.routes:3d} "
            f"feasible {r.feasible!s:5s} gap {gap} {r.seconds:6.1f}s"
        )
        for v in r.violations[:10]:
            typer.echo(f"  {v}")
        if check is not None and r.feasible and r.bks is not None and r.distance < r.bks - 0.05:
            typer.echo(
                f"  note: {r.distance:.1f} is below the best-known {r.bks:g}: a new best, or "
                "a BKS under another distance convention"
            )
        if len(r.violations) > 10:
            typer.echo(f"  ... {len(r.violations) - 10} more")
    unread = len(files) - len(loaded)
    if not json_out and len(files) > 1:
        mean = (
            f", mean gap {sum(gaps) / len(gaps):.2f}% over {len(gaps)} with a BKS" if gaps else ""
        )
        skipped = f"; {unread} not run (bad input, said above)" if unread else ""
        typer.echo(f"feasible {len(loaded) - bad}/{len(loaded)}{mean}{skipped}")
    if unread:  # bad input said first, then the others' answers: exit 2 as documented
        raise typer.Exit(EXIT_BAD_INPUT)
    if bad:
        raise typer.Exit(EXIT_VERIFY_FAILED)


@app.command("export")
@guarded
def export_(
    run: Annotated[Path, typer.Argument(help="A run folder (season, day or intake run).")],
    role: Annotated[str, typer.Option(help="driver | operator | public")],
    out: Annotated[Path, typer.Option(help="Folder to write (replaced only with --force).")],
    force: Annotated[bool, typer.Option(help="Replace --out if it exists.")] = False,
    lang: LangOpt = None,
) -> None:
    """Outputs by role: driver packs (one vehicle-day's ids each), the operator view (no
    restricted part) or the public aggregate export (counts only, small cells suppressed)."""
    from foresterie.core.errors import Problem
    from foresterie.core.i18n import lang as make_lang
    from foresterie.report.export import ROLES, check_apart, export

    if role not in ROLES:
        raise ScenarioError(
            [Problem("--role", None, "role", f"{role!r} is not one of {', '.join(ROLES)}")]
        )
    code = _lang_code(lang)
    check_apart(run, out)  # the run itself named first, before what --force may replace
    _sealed(run)
    if force:  # only an export of ours is replaced: never ~/Documents, a run or a monitor
        from foresterie.run.folders import check_target

        check_target(out, force, "export")
    flagged: list[str] = []  # what the operator view's published part still lets one infer
    n = export(
        run,
        role,  # type: ignore[arg-type]
        out,
        force,
        make_lang(code) if code else None,
        lambda r: flagged.extend(_published_disclosures(r)),
        flagged.append,
    )
    if role == "driver":
        for w in flagged:
            typer.echo(f"warning: {w}", err=True)
    if role == "operator":
        from foresterie.report.export import operator_warnings

        for w in [*operator_warnings(run), *flagged]:
            typer.echo(f"warning: {w}", err=True)
    typer.echo(f"{role} export of {run}: {n} files in {out}")


def _published_disclosures(run: Path) -> list[str]:
    """The operator view's published part read by the verifier's own code
    (verify.published_disclosures): a published waitlist code the published files refute
    (only a restricted fact, a site to avoid, explains it beside the id) is refused before
    anything is written; what a reader may still infer is returned, for a warning line."""
    from foresterie.verify import Unreadable, published_disclosures

    try:
        refuted, flagged = published_disclosures(run)
    except Unreadable as exc:
        raise RunFolderError(str(run), None, "run", str(exc)) from None
    if refuted:
        rel, row, text = refuted[0]
        more = f" (and {len(refuted) - 1} more)" if len(refuted) > 1 else ""
        raise RunFolderError(
            rel,
            row,
            "code",
            f"{text}{more}; not exported: `foresterie replay RUN --out NEW` publishes such a "
            "person `not_offered`",
        )
    return flagged


restricted_app = typer.Typer(
    cls=_Commands,
    help="The restricted part of run folders (priorities, referral records).",
    no_args_is_help=True,
)
app.add_typer(restricted_app, name="restricted")


@restricted_app.command("keygen")
def restricted_keygen() -> None:
    """Print a new key for FORESTERIE_RESTRICTED_KEY (keep it with the case files, never in a
    run folder)."""
    from foresterie.core.restricted import new_key

    typer.echo(new_key())


@restricted_app.command("drawkey")
def restricted_drawkey() -> None:
    """Print a new draw key for a scenario's [data] draw_key file (the secret behind the
    tie-breaks among equals; a run keeps it in restricted/)."""
    from foresterie.core.restricted import new_draw_key

    typer.echo(new_draw_key())


@app.command()
@guarded
def purge(
    run: RunArg,
    before: Annotated[str, typer.Option(help="Purge worker-level data dated before YYYY-MM-DD.")],
    ledger: LedgerOpt = None,
    days: Annotated[
        list[Path] | None,
        typer.Option(
            "--days", help="A folder of day runs (besides RUN.days), or a day run; repeatable."
        ),
    ] = None,
) -> None:
    """Retention: remove worker-level rows dated before DATE from the ledger, the day runs and,
    once the season has ended, the season run; keep aggregates and hashes (README, "Retention")."""
    from foresterie.ops.retention import purge as do_purge
    from foresterie.report.export import public_export
    from foresterie.report.rundata import load_run

    def aggregate(folder: Path, out: Path) -> None:
        out.mkdir(parents=True, exist_ok=True)
        public_export(load_run(folder), out, small_cells=True)

    res = do_purge(run, _day(before, "--before"), aggregate, ledger, days)
    tr = cli_lang()  # read now, not at import: the command line's language, counts pluralised
    line = (
        tr._("purged before {before}:").format(before=before)
        + " "
        + tr.ngettext("{n} ledger row", "{n} ledger rows", res.ledger_rows).format(
            n=res.ledger_rows
        )
        + ", "
        + tr.ngettext("{n} run ({files} files)", "{n} runs ({files} files)", len(res.runs)).format(
            n=len(res.runs), files=res.files
        )
        + "; "
        + tr.ngettext(
            "{n} run still within retention", "{n} runs still within retention", len(res.kept_runs)
        ).format(n=len(res.kept_runs))
    )
    if res.people:
        line += "; " + tr.ngettext(
            "{n} person whose stay had ended removed from {runs} of them",
            "{n} people whose stay had ended removed from {runs} of them",
            res.people,
        ).format(n=res.people, runs=len(res.partly))
    if res.leftovers:
        line += "; " + tr.ngettext(
            "{n} scenario folder left by killed day runs or intakes removed",
            "{n} scenario folders left by killed day runs or intakes removed",
            res.leftovers,
        ).format(n=res.leftovers)
    typer.echo(line)
    from foresterie.ops.monitor import first_whole_week

    if res.not_found:
        shown = ", ".join(res.not_found[:10]) + (" ..." if len(res.not_found) > 10 else "")
        typer.echo(
            tr.ngettext(
                "not purged: {n} day run the ledger records was not found beside RUN or in "
                "--days ({shown}): pass its folder with --days",
                "not purged: {n} day runs the ledger records were not found beside RUN or in "
                "--days ({shown}): pass their folder with --days",
                len(res.not_found),
            ).format(n=len(res.not_found), shown=shown)
        )
    monday = first_whole_week(_day(before, "--before"))
    typer.echo(
        tr._(
            "monitor: the weeks before {monday} are closed; the monitor published before this "
            'purge holds them (README, "Monitoring")'
        ).format(monday=monday)
    )


if __name__ == "__main__":  # pragma: no cover
    from foresterie.__main__ import main

    main()
