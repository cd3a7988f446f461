"""The run folder's own record, manifest.json, read as untrusted input: a size limit, a JSON
object, and the shape of every part that reports, compare and replay read (a crafted manifest
gives one line naming the field, never a traceback or markup in a page)."""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from datetime import date
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from foresterie.core.errors import ScenarioError
from foresterie.core.files import (
    UnsafePath,
    dumps_json,
    file_sha256,
    inside,
    json_value,
    read_inside,
    unreadable_reason,
    write_text,
)
from foresterie.core.restricted import (
    RESTRICTED_KPIS,
    SALT,
    SUFFIX,
    digest,
    digest_matches,
    read_restricted,
)

MAX_MANIFEST_BYTES = 16 << 20
RUN_SCHEMA = "foresterie-run/1"  # the manifest's `schema`: the only one this version reads


# What a run's manifest holds, key by key (run/pipeline.py writes it, and write_manifest refuses a
# key this layout does not name, so it cannot fall behind the writer; `export --role operator`
# copies only what it names; the verifier holds its own copy, a test keeps the two equal). A
# key's layout: None, a value (checked where it is read); DATA_KEYS, an object whose keys are
# data (file names, place ids, package names, KPI groups); a dict, an object of these keys only;
# a one-element list, a list of such objects. Anything else in a manifest rides beside the
# plan's ids into every copy with nothing vouching for it (review 18 Q, M1).
DATA_KEYS = "*"
MANIFEST_LAYOUT: dict[str, Any] = {
    "schema": None,
    "scenario": {
        "name": None,
        "hash": None,
        "snapshot_hash": None,
        "travel_backend": None,
        "restricted_inputs": None,
    },
    "travel": {
        "backend": None,
        "graph_hash": None,
        "snap_warn_m": None,
        "far_from_road": DATA_KEYS,
        "max_snap_m": None,
    },
    "replan": {"as_of": None, "moved_vs_previous": None, "residents_changed": None},
    "inputs": DATA_KEYS,
    "restricted": DATA_KEYS,
    "plan": DATA_KEYS,
    "versions": DATA_KEYS,
    "seed": None,
    "budgets": DATA_KEYS,
    "timings_s": dict.fromkeys(
        ("load_s", "travel_s", "housing_s", "shuttles_s", "road_geometry_s")
    ),
    "housing": {
        "tiers": [dict.fromkeys(("name", "objective", "bound", "optimal", "gap", "proof"))],
        "districts": None,
        "blocks": None,
        "units": None,
        "safety_net_struck": None,
        "lp_stopped": None,
    },
    "shuttles": {
        "engine": None,
        "day_problems": None,
        "route_searches": None,
        "chaining_optimal": None,
        "vrp_solves": None,  # runs written before route_searches (and `patterns`) replaced them
        "patterns": None,
        "stability": dict.fromkeys(
            (
                "fresh_foresterie",
                "repaired_foresterie",
                "mode",
                "kept_trips",
                "residual_riders",
                "seated_in_kept",
                "renamed_vehicle_days",
            )
        ),
    },
    "kpis": DATA_KEYS,
    "report_hashes": None,
    "records": DATA_KEYS,
}


def manifest_known(
    node: Any, layout: Any = MANIFEST_LAYOUT, path: str = ""
) -> tuple[Any, list[str]]:
    """(what of `node` the layout names, the dotted paths of the keys it does not name)."""
    if isinstance(layout, dict) and isinstance(node, dict):
        kept: dict[str, Any] = {}
        unknown: list[str] = []
        for k, v in node.items():
            if k in layout:
                kept[k], more = manifest_known(v, layout[k], f"{path}{k}.")
                unknown += more
            else:
                unknown.append(f"{path}{k}")
        return kept, unknown
    if isinstance(layout, list) and isinstance(node, list):
        pairs = [manifest_known(x, layout[0], f"{path[:-1]}[{i}].") for i, x in enumerate(node)]
        return [x for x, _ in pairs], [u for _, more in pairs for u in more]
    return node, []


class RunFolderError(ValueError):
    def __init__(self, file: str, row: int | None, field: str, message: str):
        where = f"{file}:{row}" if row is not None else file
        super().__init__(f"{where}: {field}: {message}")


class _Manifest(BaseModel):
    """The parts of manifest.json the reports read, with their types."""

    model_config = ConfigDict(extra="allow")

    class _Scenario(BaseModel):
        model_config = ConfigDict(extra="allow")
        hash: str = Field(pattern=r"^[0-9a-f]{16,64}$")
        travel_backend: Literal["haversine", "matrix", "osrm"]

    class _Tier(BaseModel):
        model_config = ConfigDict(extra="allow")
        name: str = Field(pattern=r"^[a-z0-9_]{1,64}$")
        objective: int | None  # None: a tier by priority, its figures in restricted/tiers.json
        bound: int | None
        optimal: bool
        proof: Literal["lp_bound", "reduced_cost_search", "search", "budget"] = "lp_bound"

    class _Housing(BaseModel):
        model_config = ConfigDict(extra="allow")
        tiers: list[_Manifest._Tier]

    seed: int
    scenario: _Scenario
    replan: dict[str, Any] = Field(default_factory=dict)
    versions: dict[str, str]
    housing: _Housing
    kpis: dict[str, dict[str, Any]]

    @field_validator("replan")
    @classmethod
    def _replan(cls, v: dict[str, Any]) -> dict[str, Any]:
        as_of = v.get("as_of")
        if as_of is not None and (not isinstance(as_of, str) or len(as_of) != 10):
            raise ValueError(f"as_of: {str(as_of)[:40]!r} is not a date YYYY-MM-DD")
        if as_of is not None:
            date.fromisoformat(as_of)
        return v

    @field_validator("versions")
    @classmethod
    def _versions(cls, v: dict[str, str]) -> dict[str, str]:
        for k, x in v.items():
            if not re.fullmatch(r"[A-Za-z0-9._-]{1,40}", k) or not re.fullmatch(
                r"[\w.+-]{0,40}", x
            ):
                raise ValueError(f"{k!r}: not a version")
        return v

    @field_validator("kpis")
    @classmethod
    def _kpis(cls, v: dict[str, dict[str, Any]]) -> dict[str, dict[str, Any]]:
        return _kpi_groups(v)


class _Kpis(BaseModel):
    """restricted/kpis.json: the figures on priorities and referrals, by group."""

    kpis: dict[str, dict[str, Any]]

    @field_validator("kpis")
    @classmethod
    def _kpis(cls, v: dict[str, dict[str, Any]]) -> dict[str, dict[str, Any]]:
        return _kpi_groups(v)


def _kpi_groups(v: dict[str, dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """KPI names and figures: numbers, [low, high] ranges, None (no figure), nested groups."""

    def check(prefix: str, d: dict[str, Any]) -> None:
        for k, x in d.items():
            if not re.fullmatch(r"[a-z0-9_]{1,64}", k):
                raise ValueError(f"{prefix}{k!r}: not a KPI name")
            if isinstance(x, dict):
                check(f"{prefix}{k}.", x)
            elif k in RANGE_KPIS:
                if not (isinstance(x, list) and len(x) == 2 and all(map(_number, x))):
                    raise ValueError(f"{prefix}{k}: {str(x)[:40]!r} is not [low, high]")
            elif not (x is None or _number(x)):  # None: no figure (e.g. nobody to time)
                raise ValueError(f"{prefix}{k}: {str(x)[:40]!r} is not a number")

    for part, d in v.items():
        if not re.fullmatch(r"[a-z0-9_]{1,64}", part):
            raise ValueError(f"{part!r}: not a KPI group")
        check(f"{part}.", d)
    return v


# KPIs that are a range [low, high] (run/kpi.py); every other one is a number.
RANGE_KPIS = frozenset({"caporale_fee_eur_per_worker_day"})
# Figures on priorities or referrals (README "Restricted part and encryption"): a count of
# referred people beside the ids of a small run singles someone out, so a run keeps them in
# restricted/kpis.json, never in the manifest that travels with the plan. Told by the name, so
# a figure added later under such a name goes there too.
RESTRICTED_KPI_MARKS = ("priority", "referr")


def restricted_kpi(name: str) -> bool:
    """Whether a KPI (its dotted name, `housing.referred`) is a figure on priorities or
    referrals."""
    return any(mark in name for mark in RESTRICTED_KPI_MARKS)


def split_kpis(
    kpis: dict[str, dict[str, Any]],
) -> tuple[dict[str, dict[str, Any]], dict[str, dict[str, Any]]]:
    """(published, restricted): the KPI groups without the figures on priorities or referrals,
    and those figures by group (a group only where it has some)."""
    published: dict[str, dict[str, Any]] = {}
    restricted: dict[str, dict[str, Any]] = {}
    for part, group in kpis.items():
        published[part] = {k: v for k, v in group.items() if not restricted_kpi(f"{part}.{k}")}
        sealed = {k: v for k, v in group.items() if restricted_kpi(f"{part}.{k}")}
        if sealed:
            restricted[part] = sealed
    return published, restricted


KPI_MAX = 1e12  # larger than any figure of a season; beyond it a page's number format fails


def _number(x: Any) -> bool:
    return isinstance(x, int | float) and not isinstance(x, bool) and x == x and abs(x) <= KPI_MAX


def kpis_with_restricted(root: Path) -> dict[str, dict[str, Any]]:
    """The manifest's KPIs with restricted/kpis.json's figures on priorities and referrals
    merged in where this process can read the restricted part (plain, or encrypted with the
    key set): for whoever holds it (`compare`), never for a page or an export."""
    kpis = read_manifest(root)["kpis"]
    try:
        data = read_restricted(root).get(RESTRICTED_KPIS)
    except ScenarioError:  # encrypted and no key (or another): the published figures only
        return kpis
    if data is None:
        return kpis
    try:
        sealed = _Kpis.model_validate({"kpis": json_value(data)}).kpis
    except ValidationError as exc:
        raise RunFolderError(
            f"restricted/{RESTRICTED_KPIS}", None, "kpis", exc.errors()[0]["msg"]
        ) from None
    except ValueError as exc:  # JSON syntax, or not UTF-8
        raise RunFolderError(
            f"restricted/{RESTRICTED_KPIS}", None, "json", str(exc).splitlines()[0]
        ) from None
    return {
        part: {**kpis.get(part, {}), **sealed.get(part, {})}
        for part in dict.fromkeys([*kpis, *sealed])
    }


# Outputs of ours whose manifest.json is not a run's: said so, not as a run's missing field.
OTHER_OUTPUTS = {
    "monitor": "a monitor folder, not a run folder: give the season run (or an intake or day run)",
    "foresterie-graph/1": "a road graph (`foresterie roads build`), not a run folder",
}


def read_manifest(root: Path) -> dict[str, Any]:
    """manifest.json of a run folder, its shape checked (RunFolderError otherwise)."""
    try:
        data = json_value(read_inside(root, "manifest.json", MAX_MANIFEST_BYTES))
    except UnsafePath as exc:
        raise RunFolderError("manifest.json", None, "file", exc.reason) from None
    except ValueError as exc:  # JSON syntax, or not UTF-8
        raise RunFolderError("manifest.json", None, "json", str(exc).splitlines()[0]) from None
    if not isinstance(data, dict):
        raise RunFolderError("manifest.json", None, "json", "not a JSON object")
    other = OTHER_OUTPUTS.get(str(data.get("kind"))) or OTHER_OUTPUTS.get(str(data.get("schema")))
    if other:  # an output of ours of another kind, named as such (review 20 R, LOW-5)
        raise RunFolderError("manifest.json", None, "kind", other)
    try:
        _Manifest.model_validate(data)
    except ValidationError as exc:
        e = exc.errors()[0]
        where = ".".join(str(x) for x in e["loc"]) or "manifest"
        raise RunFolderError("manifest.json", None, where, e["msg"]) from None
    return data


# The report's own record (README "Run folders and verification"): report/ is written after the
# manifest (and rewritten by `foresterie report RUN`), while the manifest's own sha256 binds a
# ledger, day runs and intakes to the run, so it is never rewritten: the sha256 of every file
# under report/ is kept in report.json beside it, which the manifest names from the start
# (`report_hashes`), so a run whose report.json is gone is told from one from before it.
REPORT_HASHES = "report.json"
REPORT_SCHEMA = "foresterie-report/1"
MAX_REPORT_HASHES_BYTES = 64 << 20


def report_files(run: Path, known: Mapping[str, str] | None = None) -> dict[str, str]:
    """{path under report/ (with /): sha256} of every file there (links are not files, nor is
    anything under a linked folder), by path. `known`: the sha256 of files the caller has just
    written and hashed itself (the report's driver sheets, hashed by the workers that wrote
    them), taken as they are.

    Listed with os.walk and strings, not Path.rglob: on puglia-2027's ~4,500 report files the
    Path objects (rglob, sorting them, relative_to) cost 0.4 of the 0.5 CPU s it took, twice
    at the end of every solve (the report's seal and solve's)."""
    folder = run / "report"
    if not folder.is_dir() or folder.is_symlink():
        return {}
    known = known or {}
    out = {rel: known.get(rel) or file_sha256(Path(path)) for rel, path in regular_files(folder)}
    return dict(sorted(out.items(), key=lambda item: item[0].split("/")))  # as Paths sort


def regular_files(folder: Path) -> list[tuple[str, str]]:
    """(path under `folder` with /, its path) of every regular file below it, in os.walk's
    order: links are not files, linked folders are not walked into, special files (a FIFO)
    are left out. Strings, not Path objects (report_files' reason)."""
    out: list[tuple[str, str]] = []
    _regular_below(str(folder), "", out)
    return out


def _regular_below(top: str, prefix: str, out: list[tuple[str, str]]) -> None:
    """`regular_files` of `top` (its files first, then each folder's, as os.walk), from the
    directory entries' own types: no stat per file (os.walk's then isfile and islink stat each
    file twice more; a season's report holds ~2,700 files)."""
    try:
        entries = list(os.scandir(top))
    except OSError:  # as os.walk: a folder that cannot be listed is left out
        return
    folders = []
    for entry in entries:
        if entry.is_file(follow_symlinks=False):
            out.append((prefix + entry.name, entry.path))
        elif entry.is_dir(follow_symlinks=False):  # a linked folder is not walked into
            folders.append(entry)
    for entry in folders:
        _regular_below(entry.path, f"{prefix}{entry.name}/", out)


def seal_report(
    run: Path,
    lang: str | None = None,
    sheets: bool | None = None,
    added: Path | None = None,
    known: Mapping[str, str] | None = None,
) -> None:
    """Write RUN/report.json: the sha256 of every file under report/ as it is now, and how the
    report was written (its language; whether with the driver sheets), which `replay` writes
    again. `lang` None keeps what report.json said (a re-seal after more files were added to a
    written report: a day run's boarding lists); None there too: no report written. `added`:
    only that file is hashed anew (a map added to a published run: the other files keep the
    hashes they were written with, so a forged one is not vouched for by the way). `known`: as
    report_files'."""
    try:
        old = read_report_hashes(run) or {}
    except RunFolderError:  # a damaged record is replaced by what is there now
        old = {}
    files = report_files(run, known)
    if added is not None:
        rel = added.resolve().relative_to((run / "report").resolve()).as_posix()
        files = {**old.get("files", {}), rel: file_sha256(added)}
    record = {
        "schema": REPORT_SCHEMA,
        "lang": lang if lang is not None else old.get("lang"),
        "sheets": sheets if sheets is not None else old.get("sheets", False),
        "files": dict(sorted(files.items())),
    }
    write_text(run / REPORT_HASHES, dumps_json(record))


def read_report_hashes(run: Path) -> dict[str, Any] | None:
    """RUN/report.json, its shape checked (RunFolderError otherwise); None if it is absent."""
    rel = REPORT_HASHES
    if not (run / rel).exists() and not (run / rel).is_symlink():
        return None
    try:
        data = json_value(read_inside(run, rel, MAX_REPORT_HASHES_BYTES))
    except UnsafePath as exc:
        raise RunFolderError(rel, None, "file", exc.reason) from None
    except ValueError as exc:
        raise RunFolderError(rel, None, "json", str(exc).splitlines()[0]) from None
    if not isinstance(data, dict) or data.get("schema") != REPORT_SCHEMA:
        raise RunFolderError(rel, None, "schema", f"not {REPORT_SCHEMA}")
    files = data.get("files")
    if not isinstance(files, dict) or not all(
        isinstance(k, str) and _report_path(k) and isinstance(v, str) and _SHA256.fullmatch(v)
        for k, v in files.items()
    ):
        raise RunFolderError(rel, None, "files", "not an object of report paths and sha256")
    if not (data.get("lang") is None or isinstance(data["lang"], str)) or not isinstance(
        data.get("sheets"), bool
    ):
        raise RunFolderError(rel, None, "lang", "lang or sheets of the wrong kind")
    return data


_SHA256 = re.compile(r"[0-9a-f]{64}")


def _report_path(rel: str) -> bool:
    parts = rel.split("/")
    return "\\" not in rel and all(p not in ("", ".", "..") for p in parts)


def stale_report(run: Path, missing: bool = True, links: bool = True) -> list[str]:
    """What in report/ is not what report.json vouches for (a file changed, missing or not
    listed), each naming the file; [] when it matches. Without report.json every file there is
    unvouched (a run from before report.json, or one both it and the manifest's name of it were
    removed from: the same folder); one whose manifest names it and has none is stale as a
    whole. `missing` False leaves out what is gone (a report written anew writes
    it), `links` False the links and special files (a report written anew removes them)."""
    listing = read_report_hashes(run)
    if listing is None:
        named = read_manifest(run).get("report_hashes")
        if named and missing:
            return [f"{REPORT_HASHES}: missing (the manifest says the report's hashes are there)"]
        # No listing and none named (a run from before report.json, or one both were removed
        # from): files in report/ are vouched for by nothing, so they are not the run's report.
        unvouched = sorted(report_files(run))
        return [f"report/{k}: not listed (no {REPORT_HASHES})" for k in unvouched]
    listed: dict[str, str] = listing["files"]
    here = report_files(run)
    folder = run / "report"
    odd = sorted(
        p.relative_to(folder).as_posix()
        for p in (folder.rglob("*") if folder.is_dir() and not folder.is_symlink() else [])
        if p.is_symlink() or not (p.is_file() or p.is_dir())
    )
    out = [f"report/{k}: not a regular file (a link or a special file)" for k in odd if links]
    out += [
        f"report/{k}: changed (sha256 differs from {REPORT_HASHES})"
        for k in sorted(listed)
        if k in here and here[k] != listed[k]
    ]
    gone = sorted(set(listed) - set(here)) if missing else []
    out += [f"report/{k}: missing (listed in {REPORT_HASHES})" for k in gone]
    out += [f"report/{k}: not listed in {REPORT_HASHES}" for k in sorted(set(here) - set(listed))]
    return out


# The files every command reads from a run folder (session 20, C): `verify` compared each with
# the manifest's sha256, but `report`, `map`, `export`, `day`, `intake` and `monitor` read
# plan/ and inputs/ as they found them, so a plan edited by hand after it was verified (its
# hashes left as they were) was re-published by `report` (and sealed in report.json), exported
# and planned from, exit 0. Each of them now checks the files first, as `verify` does.
SEALED_PARTS = ("inputs", "plan")
PURGED_RECORD = "purged.json"  # ops/retention.py's record (core imports nothing of ours)


def check_sealed(run: Path, parts: tuple[str, ...] = SEALED_PARTS) -> None:
    """Every file the manifest lists under `parts` is the one the run was made with: its sha256
    is the manifest's; in a run a retention purge cut or removed files from, the one
    `purged.json` records as kept, or gone where it records the file removed (`verify` checks
    that record). RunFolderError naming the first that is not, by its path (one line, exit 2)."""
    manifest = read_manifest(run)
    kept, removed = _purge_allowances(run)
    if "restricted" in parts:
        _check_sealed_restricted(run, manifest, kept, removed)
    for part in (p for p in parts if p != "restricted"):
        listed = manifest.get(part, {})
        if not isinstance(listed, dict):
            raise RunFolderError("manifest.json", None, part, "not an object of file names")
        for name, want in sorted(listed.items(), key=lambda kv: str(kv[0])):
            rel = f"{part}/{name}"
            if not (
                isinstance(want, str)
                and _SHA256.fullmatch(want)
                and _report_path(name)
                and "/" not in name
            ):
                raise RunFolderError("manifest.json", None, part, f"{name!r}: not a file's sha256")
            path = run / part / name
            if not path.exists() and not path.is_symlink():
                if rel in removed:
                    continue
                raise RunFolderError(
                    str(path), None, "file", f"missing (listed in manifest.json's {part})"
                )
            try:
                why = unreadable_reason(inside(run, rel), MAX_SEALED_BYTES)
            except UnsafePath as exc:
                why = exc.reason
            if why:
                raise RunFolderError(str(path), None, "file", str(why))
            if file_sha256(path) not in (want, kept.get(rel)):
                raise RunFolderError(
                    str(path),
                    None,
                    "file",
                    f"changed since its run was made (sha256 differs from manifest.json's {part})",
                )


MAX_SEALED_BYTES = 4 << 30  # hashed in chunks: only a FIFO or a device is refused unread


def _purge_allowances(run: Path) -> tuple[dict[str, str], set[str]]:
    """({file: sha256 as a purge of people who had left cut it}, {files a purge removed}) from
    purged.json; empty for a run never purged (or a record that is not one: then the sha256
    check names the file)."""
    if not (run / PURGED_RECORD).is_file() or (run / PURGED_RECORD).is_symlink():
        return {}, set()
    try:
        record = json_value(read_inside(run, PURGED_RECORD, MAX_MANIFEST_BYTES))
    except (UnsafePath, ValueError):
        return {}, set()
    if not isinstance(record, dict):
        return {}, set()
    files, removed = record.get("files"), record.get("removed")
    kept = {
        rel: e["kept_sha256"]
        for rel, e in (files.items() if isinstance(files, dict) else [])
        if isinstance(rel, str) and isinstance(e, dict) and isinstance(e.get("kept_sha256"), str)
    }
    gone = {rel for rel in (removed if isinstance(removed, dict) else {}) if isinstance(rel, str)}
    return kept, gone


def _check_sealed_restricted(
    run: Path, manifest: dict[str, Any], kept: dict[str, str], removed: set[str]
) -> None:
    """check_sealed of restricted/: each plaintext the manifest lists has its digest (keyed with
    the run's salt). A part this process cannot read (encrypted, no key) is left to the command
    that reads it, which names it."""
    listed = manifest.get("restricted", {})
    if not isinstance(listed, dict):
        raise RunFolderError("manifest.json", None, "restricted", "not an object of file names")
    try:
        plain = read_restricted(run)
    except ScenarioError:
        return
    salt = plain.get(SALT)
    for name, want in sorted(listed.items(), key=lambda kv: str(kv[0])):
        rel = f"restricted/{name}"
        if not isinstance(want, str):
            raise RunFolderError("manifest.json", None, "restricted", f"{name!r}: not a digest")
        if name not in plain:
            if rel in removed:
                continue
            raise RunFolderError(str(run / rel), None, "file", "missing (listed in manifest.json)")
        data = plain[name]
        if not digest_matches(want, data, salt) and digest(data, salt) != kept.get(rel):
            raise RunFolderError(
                str(run / rel),
                None,
                "file",
                "changed since its run was made (its digest differs from manifest.json's "
                "restricted)",
            )


def inputs_refused(run: Path, exc: ScenarioError) -> RunFolderError:
    """A run's inputs/ read back as a scenario (`day`, `intake`, `monitor` on a season run) and
    refused by the loader: one line, as any damaged run folder (session 20, C: every problem of
    the loader, named without the run, `error: matrix.csv:4: to_id: unknown location 'F1'`,
    blamed the file that refers to the damaged one). The first problem of a whole file (a file
    empty, missing, a column) before those of rows, under the run's inputs/ (restricted/ for a
    restricted input), with how many more."""
    # stable, the loader's order within: a whole file (empty, not found) first, then a column
    problems = sorted(exc.problems, key=lambda p: (p.field != "file", p.row is not None))
    first = problems[0]
    name = run_file(run, first.file) or first.file
    more = f" (and {len(problems) - 1} more)" if len(problems) > 1 else ""
    return RunFolderError(
        f"{run}: unreadable run folder: {name}", first.row, first.field, f"{first.message}{more}"
    )


def run_file(run: Path, name: str) -> str | None:
    """Where in the run a file the scenario loader names by its bare name lies (`inputs/NAME`,
    or `restricted/NAME` for a restricted input, plain or sealed), or None if neither."""
    if "/" in name or "\\" in name or name in ("", ".", ".."):
        return None
    for part, suffixes in (("inputs", ("",)), ("restricted", ("", SUFFIX))):
        if any((run / part / f"{name}{s}").is_file() for s in suffixes):
            return f"{part}/{name}"
    return None
