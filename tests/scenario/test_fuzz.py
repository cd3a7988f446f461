"""Fuzzing: mutate the files of a valid scenario (cells, rows, bytes, encodings) and require
"exit 0 with a verified plan, or exit 2 with clean one-line messages and nothing written"."""

from __future__ import annotations

import json
import shutil
import tempfile
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from foresterie.cli import app
from tests.helpers import TINY

NASTY = st.sampled_from(
    [
        "",
        " ",
        "nan",
        "inf",
        "-1",
        "0",
        "1e309",
        "3.5",
        "06/07/2026",
        "2026-02-30",
        "25:61",
        "Mon-Ven",
        ";",
        '"',
        "'",
        "\\",
        "<img src=x onerror=alert(1)>",
        "../../etc/passwd",
        "FB",
        "F1",
        "G1",
        "true",
        "maybe",
        "men",
        "uomini",
        "2026-07-06",
        "2026-12-31",
        "١٢٣",
        "\u202e",
        "x" * 300,
        "\t",
        "\x00",
    ]
) | st.text(max_size=12)
FILES = ("workers.csv", "fleet.csv", "farms.geojson", "foresterie.geojson", "scenario.toml")


@st.composite
def mutations(draw: st.DrawFn) -> tuple[str, str, tuple]:  # type: ignore[type-arg]
    name = draw(st.sampled_from(FILES))
    kind = draw(
        st.sampled_from(
            ["cell", "cell", "cell", "drop_row", "dup_row", "truncate", "bytes", "encoding"]
        )
    )
    args = (
        draw(st.integers(0, 10_000)),
        draw(st.integers(0, 10_000)),
        draw(NASTY),
        draw(st.sampled_from(["latin-1", "utf-16", "cp1252"])),
    )
    return name, kind, args


def _mutate(path: Path, kind: str, args: tuple) -> None:  # type: ignore[type-arg]
    i, j, text, enc = args
    raw = path.read_bytes()
    if kind == "truncate":
        path.write_bytes(raw[: i % max(len(raw), 1)])
        return
    if kind == "bytes":
        pos = i % max(len(raw), 1)
        path.write_bytes(raw[:pos] + text.encode("utf-8", "surrogatepass") + raw[pos:])
        return
    body = raw.decode("utf-8-sig")
    if kind == "encoding":
        path.write_bytes(body.encode(enc, errors="replace"))
        return
    if path.suffix == ".geojson" and kind == "cell":
        data = json.loads(body)
        feats = data["features"]
        f = feats[i % len(feats)]
        keys = sorted(f["properties"])
        f["properties"][keys[j % len(keys)]] = text
        path.write_text(json.dumps(data), encoding="utf-8")
        return
    lines = body.splitlines()
    if kind == "cell":
        r = i % len(lines)
        cells = lines[r].split(",")
        cells[j % len(cells)] = text
        lines[r] = ",".join(cells)
    elif kind == "drop_row":
        del lines[i % len(lines)]
    else:
        lines.insert(i % len(lines), lines[i % len(lines)])
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


@settings(
    max_examples=60, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow]
)
@given(m=mutations())
def test_mutated_scenario_solves_or_fails_cleanly(m: tuple[str, str, tuple]) -> None:  # type: ignore[type-arg]
    name, kind, args = m
    with tempfile.TemporaryDirectory() as tmp:
        base = Path(tmp)
        folder = base / "s"
        shutil.copytree(TINY, folder)
        _mutate(folder / name, kind, args)
        out = base / "run"
        r = CliRunner().invoke(app, ["solve", str(folder), "--out", str(out)])
        assert r.exit_code in (0, 2), (m, r.output, r.exception)
        assert "Traceback" not in r.output
        if r.exit_code == 0:
            assert (out / "manifest.json").is_file() and "verified" in r.stdout
        else:
            lines = r.stderr.strip().splitlines()
            assert lines and all(x.startswith(("error: ", "infeasible: ")) for x in lines), lines
            assert all("\n" not in x for x in lines)
            assert not out.exists() and sorted(p.name for p in base.iterdir()) == ["s"]
