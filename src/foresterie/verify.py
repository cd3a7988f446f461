"""Independent plan checker: reads only a run folder; shares no code path with the solvers.

Every check re-derives what it needs from inputs/ (workers, foresterie, farms, fleet, the
recorded travel matrix, scenario.toml) and plan/ files, following the rules in the README.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import math
import stat
import tomllib
from collections import defaultdict
from datetime import date, timedelta
from pathlib import Path
from typing import Any

DAYNAMES = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


class Unreadable(Exception):
    """The run folder is missing a file or a file cannot be parsed (exit 2)."""


# A run folder is untrusted input. Every file is read through `_read` (this module's own copy of
# the rule, as it imports nothing of the package): inside the run once links are resolved, a
# regular file (not a FIFO or /dev/zero), below a size limit. Names taken from scenario.toml or
# the manifest are plain file names, never paths.
MAX_FILE_BYTES = 1 << 30


def _read(run: Path, rel: str) -> bytes:
    path = run / rel
    real, top = path.resolve(), run.resolve()
    if not real.is_relative_to(top):
        raise Unreadable(f"{rel}: leads outside the run folder")
    try:
        st = path.stat()
    except OSError as exc:
        raise Unreadable(f"{rel}: {exc.strerror}") from None
    if not stat.S_ISREG(st.st_mode):
        raise Unreadable(f"{rel}: not a regular file")
    if st.st_size > MAX_FILE_BYTES:
        raise Unreadable(f"{rel}: {st.st_size:,} bytes, more than {MAX_FILE_BYTES:,}")
    with open(path, "rb") as fh:
        return fh.read(MAX_FILE_BYTES)


def _plain_name(name: Any, where: str) -> str:
    if not isinstance(name, str) or not name or name != Path(name).name or name in (".", ".."):
        raise Unreadable(f"{where}: {str(name)[:60]!r} is not a plain file name")
    return name


def _rows(run: Path, rel: str) -> list[dict[str, str]]:
    try:
        text = _read(run, rel).decode("utf-8-sig")
        return list(csv.DictReader(io.StringIO(text, newline="")))
    except (UnicodeDecodeError, csv.Error) as exc:
        raise Unreadable(f"{rel}: {exc}") from None


def _mins(text: str) -> int:
    h, m = text.split(":")[:2]
    return int(h) * 60 + int(m)


def _days(text: str) -> set[int]:
    out: set[int] = set()
    for part in text.replace(" ", "").lower().split(","):
        ends = part.split("-")
        a, b = DAYNAMES.index(ends[0][:3]), DAYNAMES.index(ends[-1][:3])
        out |= set(range(a, b + 1)) if a <= b else set(range(a, 7)) | set(range(0, b + 1))
    return out


def _features(run: Path, rel: str) -> list[dict[str, Any]]:
    if rel.lower().endswith((".geojson", ".json")):
        try:
            data = json.loads(_read(run, rel).decode("utf-8-sig"))
            return [dict(f["properties"]) for f in data["features"]]
        except (ValueError, KeyError, TypeError) as exc:
            raise Unreadable(f"{rel}: {exc}") from None
    import pyogrio  # GeoPackage and other GDAL formats

    _read(run, rel)  # the same confinement and limits before GDAL opens it
    return pyogrio.read_dataframe(run / rel, read_geometry=False).to_dict("records")


def _sha(run: Path, rel: str) -> str:
    return hashlib.sha256(_read(run, rel)).hexdigest()


class _Run:
    def __init__(self, run: Path):
        self.root, self.plan = run, run / "plan"
        try:
            self.cfg = tomllib.loads(_read(run, "inputs/scenario.toml").decode("utf-8"))
            self.manifest = json.loads(_read(run, "manifest.json").decode("utf-8"))
        except ValueError as exc:  # TOML or JSON syntax, not UTF-8
            raise Unreadable(str(exc).splitlines()[0]) from None
        if not isinstance(self.manifest, dict):
            raise Unreadable("manifest.json: not a JSON object")
        data = self.cfg.get("data")
        if not isinstance(data, dict):
            raise Unreadable("inputs/scenario.toml: no [data] table")

        def inp(key: str) -> str:
            return "inputs/" + _plain_name(data.get(key), f"inputs/scenario.toml: data.{key}")

        self.workers = {r["worker_id"]: r for r in _rows(run, inp("workers"))}
        self.fs = {str(p["id"]): p for p in _features(run, inp("foresterie"))}
        self.farms = {str(p["id"]): p for p in _features(run, inp("farms"))}
        self.fleet = {r["vehicle_id"]: r for r in _rows(run, inp("fleet"))}
        self.secs: dict[tuple[str, str], int] = {}
        self.metres: dict[tuple[str, str], int] = {}
        for r in _rows(run, inp("matrix")):
            self.secs[r["from_id"], r["to_id"]] = int(r["seconds"])
            self.metres[r["from_id"], r["to_id"]] = int(r["metres"])
        self.assign = _rows(run, "plan/assignments.csv")
        self.wait = _rows(run, "plan/waitlist.csv")
        self.occ = _rows(run, "plan/occupancy.csv")
        self.trips = _rows(run, "plan/trips.csv")
        self.stops = _rows(run, "plan/stops.csv")
        self.riders = _rows(run, "plan/riders.csv")
        self.unserved = _rows(run, "plan/unserved.csv")

    def leg(self, a: str, b: str) -> int:
        return 0 if a == b else math.ceil(self.secs[a, b] / 60)

    def beds(self, fid: str, section: str) -> int:
        return int(self.fs[fid][f"beds_{section}"])


def verify_run(run: Path) -> list[str]:
    """All violations found, each 'what: where, when, how much'. Empty means clean."""
    try:
        r = _Run(Path(run))
        out: list[str] = []
        _check_people(r, out)
        _check_beds(r, out)
        _check_trips(r, out)
        _check_service(r, out)
        _check_kpis(r, out)
        for folder, label in (("plan", "plan file"), ("inputs", "input")):
            listed = r.manifest.get(folder, {})
            if not isinstance(listed, dict):
                raise Unreadable(f"manifest.json: {folder}: not an object of file hashes")
            for name, digest in listed.items():
                rel = f"{folder}/{_plain_name(name, f'manifest.json: {folder}')}"
                if not (Path(run) / rel).exists() or _sha(Path(run), rel) != digest:
                    out.append(
                        f"{label} changed after solving: {name} (hash differs from the manifest)"
                    )
    except (KeyError, ValueError, TypeError, IndexError, AttributeError) as exc:
        # A field missing or malformed anywhere: a damaged or crafted folder, not a verdict.
        what = f"{type(exc).__name__}: {exc}"[:200]
        raise Unreadable(f"malformed run folder ({what})") from None
    return out


def _check_people(r: _Run, out: list[str]) -> None:
    housed: dict[str, dict[str, str]] = {}
    for a in r.assign:
        wid = a["worker_id"]
        if wid in housed:
            out.append(f"worker housed twice: {wid}")
        housed[wid] = a
    waiting = {w["worker_id"] for w in r.wait}
    for wid in r.workers:
        if wid not in housed and wid not in waiting:
            out.append(f"worker lost: {wid} is neither housed nor waitlisted")
        if wid in housed and wid in waiting:
            out.append(f"worker both housed and waitlisted: {wid}")
    for wid in (set(housed) | waiting) - set(r.workers):
        out.append(f"unknown worker in plan: {wid}")
    cap_s = int(r.cfg.get("housing", {}).get("max_commute_min", 60)) * 60
    groups: dict[str, set[str]] = defaultdict(set)
    for wid, w in r.workers.items():
        asg = housed.get(wid)
        if w["group_id"]:
            groups[w["group_id"]].add(asg["foresteria_id"] if asg else "(waitlisted)")
        pin = w.get("pinned_foresteria") or ""
        if pin and (asg is None or asg["foresteria_id"] != pin):
            where = asg["foresteria_id"] if asg else "the waitlist"
            out.append(f"pinned worker moved: {wid} pinned to {pin}, planned at {where}")
        if asg is None:
            continue
        f = r.fs.get(asg["foresteria_id"])
        if f is None:
            out.append(f"unknown foresteria {asg['foresteria_id']} for {wid}")
            continue
        if (asg["section"], asg["from"], asg["to"]) != (w["section"], w["arrival"], w["departure"]):
            out.append(f"assignment differs from the worker's stay or section: {wid}")
        last = date.fromisoformat(w["departure"]) - timedelta(days=1)
        if date.fromisoformat(w["arrival"]) < date.fromisoformat(
            str(f["open_from"])[:10]
        ) or last > date.fromisoformat(str(f["open_to"])[:10]):
            out.append(
                f"foresteria closed: {wid} at {asg['foresteria_id']} for "
                f"{w['arrival']}..{last}, open {f['open_from']}..{f['open_to']}"
            )
        if w["farm_id"] and pin != asg["foresteria_id"]:
            s = r.secs[asg["foresteria_id"], w["farm_id"]]
            if s > cap_s:
                out.append(
                    f"commute cap: {wid} at {asg['foresteria_id']} is {s / 60:.0f} min from "
                    f"farm {w['farm_id']}, cap {cap_s // 60} min (+{(s - cap_s) / 60:.0f})"
                )
    for gid, places in sorted(groups.items()):
        if len(places) > 1:
            out.append(f"group split: {gid} across {', '.join(sorted(places))}")


def _check_beds(r: _Run, out: list[str]) -> None:
    used: dict[tuple[str, str, str], int] = defaultdict(int)
    acc: dict[tuple[str, str], int] = defaultdict(int)
    for a in r.assign:
        d, end = date.fromisoformat(a["from"]), date.fromisoformat(a["to"])
        accessible = r.workers.get(a["worker_id"], {}).get("accessible", "").lower() in (
            "true",
            "1",
            "yes",
            "si",
            "sì",
            "y",
            "t",
        )
        while d < end:
            used[a["foresteria_id"], d.isoformat(), a["section"]] += 1
            if accessible:
                acc[a["foresteria_id"], d.isoformat()] += 1
            d += timedelta(days=1)
    for (fid, night, section), n in sorted(used.items()):
        cap = r.beds(fid, section)
        if n > cap:
            out.append(
                f"beds exceeded: {section} at {fid} on {night}: {n} people, {cap} beds (+{n - cap})"
            )
    for (fid, night), n in sorted(acc.items()):
        cap = int(r.fs[fid]["beds_accessible"])
        if n > cap:
            out.append(f"accessible beds exceeded at {fid} on {night}: {n} > {cap}")
    for row in r.occ:
        k = (row["foresteria_id"], row["night"], row["section"])
        if int(row["used"]) != used.get(k, 0):
            out.append(
                f"occupancy.csv wrong: {'/'.join(k)} says {row['used']}, plan has {used.get(k, 0)}"
            )


def _check_trips(r: _Run, out: list[str]) -> None:
    tr = r.cfg.get("transport", {})
    early, wait = (
        int(tr.get("arrive_early_max_min", 30)),
        int(tr.get("wait_after_shift_max_min", 30)),
    )
    cap, board = int(tr.get("max_ride_min", 75)), int(tr.get("board_min", 2))
    turn = int(tr.get("turnaround_min", 5))
    heat = {str(d) for d in tr.get("heat_alert_days", [])}
    heat_end = _mins(tr.get("heat_alert_shift_end", "12:30"))
    stops: dict[str, list[dict[str, str]]] = defaultdict(list)
    for s in r.stops:
        stops[s["trip_id"]].append(s)
    by_vehicle: dict[tuple[str, str], list[tuple[int, int, str]]] = defaultdict(list)
    for t in r.trips:
        tid, fid, day = t["trip_id"], t["foresteria_id"], t["day"]
        v = r.fleet.get(t["vehicle_id"])
        if v is None:
            out.append(f"trip without a known vehicle: {tid} ({t['vehicle_id'] or 'none'})")
            continue
        if v["foresteria_id"] != fid or not v["available_from"] <= day <= v["available_to"]:
            out.append(f"vehicle not available: {t['vehicle_id']} for {tid} at {fid} on {day}")
        seats = int(v["seats"])
        dep, ret = _mins(t["depart"]), _mins(t["return"])
        ss = sorted(stops[tid], key=lambda s: int(s["seq"]))
        morning = t["direction"] == "to_farm"
        load = int(t["riders"]) if morning else 0
        if load > seats:
            out.append(f"seats exceeded: {tid} leaves {fid} with {load} riders, {seats} seats")
        prev_place, prev_time = fid, dep
        metres = 0
        for s in ss:
            farm = r.farms[s["farm_id"]]
            arrive, depart = _mins(s["arrive"]), _mins(s["depart"])
            need = prev_time + r.leg(prev_place, s["farm_id"])
            if arrive < need:
                out.append(
                    f"travel time too short: {tid} reaches {s['farm_id']} at {s['arrive']}, "
                    f"earliest {need // 60:02d}:{need % 60:02d}"
                )
            if depart < arrive + board:
                out.append(f"no time to board/alight: {tid} at {s['farm_id']}")
            metres += (
                r.metres.get((prev_place, s["farm_id"]), 0) if prev_place != s["farm_id"] else 0
            )
            load += int(s["board"]) - int(s["alight"])
            if load != int(s["load_after"]) or load < 0:
                out.append(
                    f"load does not add up: {tid} stop {s['seq']}: {s['load_after']} vs {load}"
                )
            if load > seats:
                out.append(
                    f"seats exceeded: {tid} after {s['farm_id']}: {load} riders, {seats} seats"
                )
            if morning:
                start = _mins(str(farm["shift_start"]))
                if not start - early <= arrive <= start:
                    out.append(
                        f"time window: {tid} reaches {s['farm_id']} at {s['arrive']}, "
                        f"shift starts {farm['shift_start']} (early limit {early} min)"
                    )
                if arrive - dep > cap:
                    out.append(
                        f"ride cap: {tid} riders to {s['farm_id']} ride {arrive - dep} min "
                        f"> {cap} (+{arrive - dep - cap})"
                    )
            else:
                end = _mins(str(farm["shift_end"]))
                if day in heat:
                    end = min(end, heat_end)
                if not end <= depart <= end + wait:
                    out.append(
                        f"time window: {tid} leaves {s['farm_id']} at {s['depart']}, shift "
                        f"ends {end // 60:02d}:{end % 60:02d} (wait limit {wait} min)"
                    )
                if ret - depart > cap:
                    out.append(
                        f"ride cap: {tid} riders from {s['farm_id']} ride {ret - depart} min "
                        f"> {cap} (+{ret - depart - cap})"
                    )
            prev_place, prev_time = s["farm_id"], depart
        if ss and ret < prev_time + r.leg(prev_place, fid):
            out.append(f"travel time too short: {tid} back at {t['return']}")
        if ss:
            metres += r.metres.get((prev_place, fid), 0)
        if abs(metres / 1000 - float(t["km"])) > 0.0015:
            out.append(f"km wrong: {tid} says {t['km']}, matrix path is {metres / 1000:.3f}")
        by_vehicle[t["vehicle_id"], day].append((dep, ret, tid))
    for (vid, day), spans in sorted(by_vehicle.items()):
        spans.sort()
        for (_, r1, t1), (d2, _, t2) in zip(spans, spans[1:], strict=False):
            if d2 < r1 + turn:
                out.append(
                    f"vehicle double-booked: {vid} on {day}: {t2} leaves before {t1} is back "
                    f"+{turn} min turnaround"
                )
        duty = sum(b - a for a, b, _ in spans)
        limit = int(r.fleet[vid]["max_duty_min"])
        if duty > limit:
            out.append(
                f"duty limit: {vid} on {day}: {duty} min on trips > {limit} (+{duty - limit})"
            )


def _check_service(r: _Run, out: list[str]) -> None:
    """Every rider of every day and direction is carried once, to their farm, or listed unserved."""
    trips = {t["trip_id"]: t for t in r.trips}
    stop_farm = {(s["trip_id"], s["seq"]): s["farm_id"] for s in r.stops}
    carried: dict[tuple[str, str, str], int] = defaultdict(int)
    housed = {a["worker_id"]: a for a in r.assign}
    for x in r.riders:
        t = trips.get(x["trip_id"])
        if t is None:
            out.append(f"rider on unknown trip: {x['worker_id']} on {x['trip_id']}")
            continue
        wid = x["worker_id"]
        a = housed.get(wid)
        farm = stop_farm.get((x["trip_id"], x["seq"]))
        if a is None or a["foresteria_id"] != t["foresteria_id"]:
            out.append(f"rider not housed at the trip's foresteria: {wid} on {x['trip_id']}")
        elif r.workers[wid]["farm_id"] != farm:
            out.append(f"rider taken to the wrong farm: {wid} on {x['trip_id']} ({farm})")
        carried[t["day"], t["direction"], wid] += 1
    for u in r.unserved:
        for wid in u["worker_ids"].split():
            carried[u["day"], u["direction"], wid] += 1
    expected: set[tuple[str, str, str]] = set()
    for wid, a in housed.items():
        farm = r.workers[wid]["farm_id"]
        if not farm:
            continue
        wd = _days(str(r.farms[farm]["workdays"]))
        d, end = date.fromisoformat(a["from"]), date.fromisoformat(a["to"])
        while d < end:
            if d.weekday() in wd:
                for direction in ("to_farm", "to_foresteria"):
                    expected.add((d.isoformat(), direction, wid))
            d += timedelta(days=1)
    missing = sorted(k for k in expected if carried.get(k, 0) == 0)
    extra = sorted(k for k, n in carried.items() if n > 1 or k not in expected)
    if missing:
        day, direction, wid = missing[0]
        out.append(
            f"riders neither served nor listed unserved: {len(missing)} rider-trips, "
            f"first {wid} on {day} {direction}"
        )
    if extra:
        day, direction, wid = extra[0]
        out.append(
            f"riders carried twice or without a workday: {len(extra)}, first {wid} on "
            f"{day} {direction}"
        )


def _check_kpis(r: _Run, out: list[str]) -> None:
    """Recompute every KPI from the plan files and compare with the manifest."""
    mine = recompute_kpis(r)
    theirs = r.manifest.get("kpis", {})
    for part, values in mine.items():
        for key, v in values.items():
            m = theirs.get(part, {}).get(key)
            same = (
                abs(float(m) - float(v)) <= 0.011
                if isinstance(v, float) and m is not None
                else m == v
            )
            if not same:
                out.append(f"KPI differs from the manifest: {part}.{key} = {m}, recomputed {v}")


def recompute_kpis(r: _Run) -> dict[str, dict[str, Any]]:
    sections = ("men", "women", "family")
    housed = [r.workers[a["worker_id"]] for a in r.assign if a["worker_id"] in r.workers]
    waiting = [r.workers[w["worker_id"]] for w in r.wait if w["worker_id"] in r.workers]
    used: dict[tuple[str, str], int] = defaultdict(int)
    commute_s = 0
    for a in r.assign:
        d, end = date.fromisoformat(a["from"]), date.fromisoformat(a["to"])
        farm = r.workers[a["worker_id"]]["farm_id"]
        wd = _days(str(r.farms[farm]["workdays"])) if farm else set()
        while d < end:
            used[a["foresteria_id"], d.isoformat()] += 1
            if d.weekday() in wd:
                commute_s += r.secs[a["foresteria_id"], farm]
            d += timedelta(days=1)
    capacity = 0
    for f in r.fs.values():
        total = sum(int(f[f"beds_{s}"]) for s in sections)
        nights = (
            date.fromisoformat(str(f["open_to"])[:10])
            - date.fromisoformat(str(f["open_from"])[:10])
        ).days + 1
        capacity += total * nights
    total_beds = {fid: sum(int(f[f"beds_{s}"]) for s in sections) for fid, f in r.fs.items()}
    peak = max(
        (math.ceil(1000 * n / total_beds[f]) for (f, _), n in used.items() if total_beds[f]),
        default=0,
    )
    housing = {
        "people": len(r.workers),
        "housed": len(housed),
        "waitlisted": len(waiting),
        "housed_by_priority": {
            str(p): sum(1 for w in housed if int(w["priority"]) == p) for p in range(4)
        },
        "waitlisted_by_priority": {
            str(p): sum(1 for w in waiting if int(w["priority"]) == p) for p in range(4)
        },
        "housed_by_section": {s: sum(1 for w in housed if w["section"] == s) for s in sections},
        "waitlisted_by_section": {
            s: sum(1 for w in waiting if w["section"] == s) for s in sections
        },
        "bed_nights_used": sum(used.values()),
        "bed_nights_capacity": capacity,
        "occupancy_pct": round(100 * sum(used.values()) / capacity, 2) if capacity else 0.0,
        "peak_occupancy_permille": peak,
        "commute_minutes": round(commute_s / 60, 1),
    }
    stops: dict[str, list[dict[str, str]]] = defaultdict(list)
    for s in r.stops:
        stops[s["trip_id"]].append(s)
    vehicle_days = {(t["day"], t["vehicle_id"]) for t in r.trips if t["vehicle_id"]}
    per_day: dict[str, int] = defaultdict(int)
    for d_, _ in vehicle_days:
        per_day[d_] += 1
    worker_days = sum(int(t["riders"]) for t in r.trips if t["direction"] == "to_farm")
    seats = sum(
        int(r.fleet[t["vehicle_id"]]["seats"]) for t in r.trips if t["vehicle_id"] in r.fleet
    )
    rides: list[int] = []
    for t in r.trips:
        for s in stops[t["trip_id"]]:
            n = int(s["alight"]) + int(s["board"])
            ride = (
                _mins(s["arrive"]) - _mins(t["depart"])
                if t["direction"] == "to_farm"
                else _mins(t["return"]) - _mins(s["depart"])
            )
            rides += [ride] * n
    fixed = sum(
        float(r.fleet[v]["fixed_cost_eur_per_day"]) for _, v in vehicle_days if v in r.fleet
    )
    km_cost = sum(
        float(t["km"]) * float(r.fleet[t["vehicle_id"]]["cost_eur_per_km"])
        for t in r.trips
        if t["vehicle_id"] in r.fleet
    )
    cost = fixed + km_cost
    riders = sum(int(t["riders"]) for t in r.trips)
    short_days = {
        row["day"] for row in _rows(r.root, "plan/fleet_days.csv") if int(row["short_riders"])
    }
    transport = {
        "trips": len(r.trips),
        "worker_days_transported": worker_days,
        "rider_trips": riders,
        "unserved_rider_trips": sum(int(u["riders"]) for u in r.unserved),
        "unserved_worker_days": sum(
            int(u["riders"]) for u in r.unserved if u["direction"] == "to_farm"
        ),
        "vehicle_days": len(vehicle_days),
        "vehicles_per_day_peak": max(per_day.values(), default=0),
        "vehicles_per_day_mean": round(sum(per_day.values()) / len(per_day), 2) if per_day else 0.0,
        "fleet_size": len(r.fleet),
        "days_fleet_short": len(short_days),
        "vehicle_km": round(sum(float(t["km"]) for t in r.trips), 1),
        "seat_utilisation_pct": round(100 * riders / seats, 2) if seats else 0.0,
        "ride_minutes_mean": round(sum(rides) / len(rides), 2) if rides else 0.0,
        "ride_minutes_max": max(rides, default=0),
        "transport_cost_eur": round(cost, 2),
        "cost_per_worker_day_eur": round(cost / worker_days, 2) if worker_days else 0.0,
        "caporale_fees_avoided_eur": round(5.0 * worker_days, 2),
    }
    return {"housing": housing, "transport": transport}
