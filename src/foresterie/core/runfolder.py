"""The run folder's own record, manifest.json, read as untrusted input: a size limit, a JSON
object, and the shape of every part that reports, compare and replay read (a crafted manifest
gives one line naming the field, never a traceback or markup in a page)."""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from foresterie.core.files import UnsafePath, json_value, read_inside

MAX_MANIFEST_BYTES = 16 << 20


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
        objective: int
        bound: int
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
KPI_MAX = 1e12  # larger than any figure of a season; beyond it a page's number format fails


def _number(x: Any) -> bool:
    return isinstance(x, int | float) and not isinstance(x, bool) and x == x and abs(x) <= KPI_MAX


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
    try:
        _Manifest.model_validate(data)
    except ValidationError as exc:
        e = exc.errors()[0]
        where = ".".join(str(x) for x in e["loc"]) or "manifest"
        raise RunFolderError("manifest.json", None, where, e["msg"]) from None
    return data
