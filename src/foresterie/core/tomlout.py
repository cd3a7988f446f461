"""A small TOML writer for scenario snapshots (the standard library only reads TOML)."""

from __future__ import annotations

from datetime import date
from typing import Any


def _value(v: Any) -> str:
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, int | float):
        return repr(v)
    if isinstance(v, date):
        return v.isoformat()
    if isinstance(v, list):
        return "[" + ", ".join(_value(x) for x in v) + "]"
    if isinstance(v, str):
        return '"' + v.replace("\\", "\\\\").replace('"', '\\"') + '"'
    raise TypeError(f"cannot write {type(v).__name__} to TOML")


def dumps(tables: dict[str, dict[str, Any]]) -> str:
    """Tables of scalars and lists only, keys in the order given; None values are left out."""
    lines: list[str] = []
    for name, table in tables.items():
        lines.append(f"[{name}]")
        lines += [f"{k} = {_value(v)}" for k, v in table.items() if v is not None]
        lines.append("")
    return "\n".join(lines)
