"""The `foresterie` command: parse, call, print, exit code. No logic lives here."""

from __future__ import annotations

import functools
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any, TypeVar

import typer

from .errors import InfeasibleError, ScenarioError

DEFAULT_SCENARIO = Path("scenarios/puglia-2026")

app = typer.Typer(
    help="Plan housing and shuttles for Puglia's seasonal farmworker foresterie.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)
scenario_app = typer.Typer(help="Create scenarios.", no_args_is_help=True)
app.add_typer(scenario_app, name="scenario")

F = TypeVar("F", bound=Callable[..., Any])


def _err(line: str) -> None:
    typer.echo(line, err=True)


def guarded(fn: F) -> F:
    """Map failures to one-line messages and exit codes: 2 bad input, 130 interrupted."""

    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return fn(*args, **kwargs)
        except ScenarioError as exc:
            for p in exc.problems:
                _err(f"error: {p}")
            raise typer.Exit(2) from None
        except InfeasibleError as exc:
            for s in exc.shortfalls:
                _err(f"infeasible: {s}")
            raise typer.Exit(2) from None
        except KeyboardInterrupt:
            _err("interrupted: nothing was written")
            raise typer.Exit(130) from None

    return wrapper  # type: ignore[return-value]


ScenarioArg = Annotated[
    Path, typer.Argument(help="Scenario folder (with scenario.toml).", show_default=True)
]


@app.command()
@guarded
def validate(scenario: ScenarioArg = DEFAULT_SCENARIO) -> None:
    """Check a scenario; print every problem as file:row: field: message (exit 2 if any)."""
    from .scenario import load_scenario, scenario_hash

    sc = load_scenario(scenario)
    groups = len({w.group_id for w in sc.workers if w.group_id})
    typer.echo(
        f"ok: {sc.name}: {len(sc.foresterie)} foresterie, {len(sc.farms)} farms, "
        f"{len(sc.workers)} workers ({groups} groups), {len(sc.fleet)} vehicles; "
        f"hash {scenario_hash(sc)[:16]}"
    )


@scenario_app.command("generate")
@guarded
def scenario_generate(
    name: Annotated[str, typer.Argument(help="Scenario name (also the default folder).")],
    workers: Annotated[int, typer.Option(min=1)] = 1700,
    farms: Annotated[int, typer.Option(min=1)] = 150,
    foresterie: Annotated[int, typer.Option(min=1)] = 4,
    seed: Annotated[int, typer.Option(min=0)] = 2026,
    oversubscription: Annotated[
        float | None,
        typer.Option(min=0.1, help="Peak demand / beds; omit to keep the sourced capacities."),
    ] = None,
    out: Annotated[Path | None, typer.Option(help="Folder (default scenarios/NAME).")] = None,
    force: Annotated[bool, typer.Option(help="Overwrite an existing folder.")] = False,
) -> None:
    """Write a synthetic scenario built on the DOMAIN.md calendars and sites."""
    from .generator import generate, write

    folder = out or Path("scenarios") / name
    if (folder / "scenario.toml").exists() and not force:
        _err(f"error: {folder}: exists; pass --force to overwrite")
        raise typer.Exit(2)
    gen = generate(name, workers, farms, foresterie, seed, oversubscription)
    write(gen, folder)
    typer.echo(f"wrote {folder} ({workers} workers, {farms} farms, {foresterie} foresterie)")


def main() -> None:  # pragma: no cover - console entry point alternative
    app()


if __name__ == "__main__":  # pragma: no cover
    sys.exit(app())
