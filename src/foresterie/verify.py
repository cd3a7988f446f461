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
        self.pickups = (
            {str(p["id"]): p for p in _features(run, inp("pickups"))} if data.get("pickups") else {}
        )
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
        # Referral records live apart from everything published (README, "Referral records").
        ref = run / "restricted" / "referrals.csv"
        self.referrals = (
            {x["worker_id"]: x for x in _rows(run, "restricted/referrals.csv")}
            if ref.exists()
            else {}
        )
        for wid, x in self.referrals.items():
            if wid in self.workers:
                self.workers[wid]["avoid_sites"] = x["avoid_sites"]
        closures = _rows(run, inp("farm_calendar")) if data.get("farm_calendar") else []
        self.released = _released(self, closures)

    def leg(self, a: str, b: str) -> int:
        return 0 if a == b else math.ceil(self.secs[a, b] / 60)

    def origin(self, t: dict[str, str]) -> tuple[str, int, int]:
        """Where the trip's riders board/alight, and the times it leaves and reaches it."""
        o = t.get("origin_id") or t["foresteria_id"]
        if o == t["foresteria_id"]:  # from its own base: the trip's own times
            return o, _mins(t["depart"]), _mins(t["return"])
        return o, _mins(t["origin_depart"]), _mins(t["origin_return"])

    def base_of(self) -> dict[str, str]:
        """Departure point -> base: the nearest (seconds out and back, then id) foresteria or
        depot with vehicles (README "Departure points"); foresterie are their own base."""
        bases = sorted({v["foresteria_id"] for v in self.fleet.values()})
        out = {fid: fid for fid in self.fs}
        for p in self.pickups:
            if bases:
                out[p] = min(
                    bases, key=lambda b: (self.secs.get((b, p), 0) + self.secs.get((p, b), 0), b)
                )
        return out

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
        _check_round_trips(r, out)
        _check_reasons(r, out)
        _check_ride_order(r, out)
        _check_kpis(r, out)
        if r.cfg.get("housing", {}).get("lottery"):
            _check_lottery(r, Path(run), out)
        for folder, label in (
            ("plan", "plan file"),
            ("restricted", "restricted file"),
            ("inputs", "input"),
        ):
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


def _is_dependant(w: dict[str, str]) -> bool:
    """rides = false: takes a bed, never rides (absent or empty: rides)."""
    return (w.get("rides") or "true").strip().lower() in ("false", "0", "no", "n", "f")


def _avoid(w: dict[str, str]) -> set[str]:
    return {s for s in (w.get("avoid_sites") or "").split(";") if s}


def _work_farm(w: dict[str, str]) -> str:
    """The farm a person rides to; a dependant rides nowhere, nobody rides to a site to avoid."""
    return "" if _is_dependant(w) or w["farm_id"] in _avoid(w) else w["farm_id"]


def _released(r: _Run, closures: list[dict[str, str]]) -> dict[str, date]:
    """worker -> the morning their bed is released after max_days_without_work of their farm's
    workdays in a row without work (README, "Entry rules"); dependants leave with their group's
    working members once all of them have left. Recomputed here from the calendar as written."""
    limit = r.cfg.get("housing", {}).get("max_days_without_work")
    if not limit or not closures:
        return {}
    closed: dict[str, set[date]] = defaultdict(set)
    for c in closures:
        d = _day(c["first_day"])
        while d <= _day(c["last_day"]):
            closed[c["farm_id"]].add(d)
            d += timedelta(days=1)
    out: dict[str, date] = {}
    for wid, w in r.workers.items():
        farm = _work_farm(w)
        if farm not in closed:
            continue
        rest = set(range(7)) - _days(str(r.farms[farm]["workdays"]))
        d, end, run = _day(w["arrival"]), _day(w["departure"]), 0
        while d < end and run < int(limit):
            if d.weekday() not in rest:
                run = run + 1 if d in closed[farm] else 0
            d += timedelta(days=1)
        if run == int(limit) and d < end:
            out[wid] = d
    group: dict[str, list[str]] = defaultdict(list)
    for wid, w in r.workers.items():
        if w["group_id"]:
            group[w["group_id"]].append(wid)
    for ids in group.values():
        working = [i for i in ids if _work_farm(r.workers[i])]
        if working and all(i in out for i in working):
            last = max(out[i] for i in working)
            for i in ids:
                w = r.workers[i]
                if (
                    not _work_farm(w)
                    and not w.get("pinned_foresteria")
                    and last < _day(w["departure"])
                ):
                    out[i] = last
    return out


def _day(text: object) -> date:
    return date.fromisoformat(str(text)[:10])


def _by_worker(assign: list[dict[str, str]]) -> dict[str, list[dict[str, str]]]:
    """Each worker's assignment rows (one per foresteria slept at), in date order."""
    out: dict[str, list[dict[str, str]]] = defaultdict(list)
    for a in assign:
        out[a["worker_id"]].append(a)
    for rows in out.values():
        rows.sort(key=lambda a: a["from"])
    return out


def _check_people(r: _Run, out: list[str]) -> None:
    h = r.cfg.get("housing", {})
    partial = bool(h.get("partial_stays", False))
    transfers = int(h.get("max_transfers", 0)) if partial else 0
    min_nights, share = int(h.get("min_overlap_nights", 1)), float(h.get("min_overlap_share", 0))
    housed = _by_worker(r.assign)
    waiting = {w["worker_id"] for w in r.wait}
    for wid in r.workers:
        if wid not in housed and wid not in waiting:
            out.append(f"worker lost: {wid} is neither housed nor waitlisted")
        if wid in housed and wid in waiting:
            out.append(f"worker both housed and waitlisted: {wid}")
    for wid in (set(housed) | waiting) - set(r.workers):
        out.append(f"unknown worker in plan: {wid}")
    cap_s = int(h.get("max_commute_min", 60)) * 60
    groups: dict[str, set[str]] = defaultdict(set)
    for wid, w in r.workers.items():
        rows = housed.get(wid, [])
        if w["group_id"]:
            seq = "+".join(a["foresteria_id"] for a in rows) or "(waitlisted)"
            groups[w["group_id"]].add(seq)
        pin = w.get("pinned_foresteria") or ""
        if pin and (not rows or rows[0]["foresteria_id"] != pin):
            where = rows[0]["foresteria_id"] if rows else "the waitlist"
            out.append(f"pinned worker moved: {wid} pinned to {pin}, planned at {where}")
        if not rows:
            continue
        if len(rows) > 1 + transfers or any(
            b["from"] < a["to"] for a, b in zip(rows, rows[1:], strict=False)
        ):
            out.append(f"worker housed twice: {wid}")
            continue
        arrival = _day(w["arrival"])
        departure = r.released.get(wid, _day(w["departure"]))  # a released bed ends the stay
        need = max(min_nights, math.ceil(share * (departure - arrival).days - 1e-9))
        prev_end: date | None = None
        for k, asg in enumerate(rows):
            f = r.fs.get(asg["foresteria_id"])
            if f is None:
                out.append(f"unknown foresteria {asg['foresteria_id']} for {wid}")
                break
            if asg["foresteria_id"] in _avoid(w):
                out.append(f"site to avoid: {wid} placed at {asg['foresteria_id']}")
            start, end = _day(asg["from"]), _day(asg["to"])
            opens, closes = _day(f["open_from"]), _day(f["open_to"]) + timedelta(days=1)
            if wid in r.released and end > r.released[wid]:
                out.append(
                    f"bed kept after its release for days without work: {wid} at "
                    f"{asg['foresteria_id']} until {asg['to']}, released on {r.released[wid]}"
                )
            if not partial:
                if (asg["section"], asg["from"], asg["to"]) != (
                    w["section"],
                    w["arrival"],
                    departure.isoformat(),
                ):
                    out.append(f"assignment differs from the worker's stay or section: {wid}")
            elif asg["section"] != w["section"] or not arrival <= start < end <= departure:
                out.append(f"assignment outside the worker's stay or section: {wid}")
            if start < opens or end > closes:
                out.append(
                    f"foresteria closed: {wid} at {asg['foresteria_id']} for "
                    f"{asg['from']}..{end - timedelta(days=1)}, "
                    f"open {f['open_from']}..{f['open_to']}"
                )
            if partial:
                # From arrival (or opening night, or the transfer), to departure (or closing).
                first = max(arrival if prev_end is None else prev_end, opens)
                if start != first or end != min(departure, closes):
                    out.append(
                        f"stay cut short or moved off a closing: {wid} at "
                        f"{asg['foresteria_id']} {asg['from']}..{asg['to']}, could be "
                        f"{first}..{min(departure, closes)}"
                    )
                if (end - start).days < (1 if k == 0 and pin else need):
                    out.append(
                        f"stay shorter than the minimum overlap: {wid} at "
                        f"{asg['foresteria_id']}, {(end - start).days} < {need} nights"
                    )
            prev_end = end
            if _work_farm(w) and not (k == 0 and pin == asg["foresteria_id"]):
                s = r.secs[asg["foresteria_id"], w["farm_id"]]
                if s > cap_s:
                    out.append(
                        f"commute cap: {wid} at {asg['foresteria_id']} is {s / 60:.0f} min from "
                        f"farm {w['farm_id']}, cap {cap_s // 60} min (+{(s - cap_s) / 60:.0f})"
                    )
        if partial and len(rows) == 2 and rows[1]["foresteria_id"] in r.fs:
            b = r.fs[rows[1]["foresteria_id"]]
            b_open, b_close = _day(b["open_from"]), _day(b["open_to"]) + timedelta(days=1)
            alone = (min(departure, b_close) - max(arrival, b_open)).days
            total = sum((_day(a["to"]) - _day(a["from"])).days for a in rows)
            if total <= alone:
                out.append(
                    f"transfer gains no night: {wid}, {total} nights with it, {alone} at "
                    f"{rows[1]['foresteria_id']} alone"
                )
    for gid, places in sorted(groups.items()):
        if len(places) > 1:
            out.append(f"group split: {gid} across {', '.join(sorted(places))}")
    if partial:
        _check_uncovered(r, housed, out)


def _check_uncovered(r: _Run, housed: dict[str, list[dict[str, str]]], out: list[str]) -> None:
    """uncovered.csv lists exactly the nights of a housed person's stay spent without a bed."""
    listed: dict[str, set[date]] = defaultdict(set)
    for u in _rows(r.root, "plan/uncovered.csv"):
        d, end = _day(u["from"]), _day(u["to"])
        leaves = r.released.get(u["worker_id"])
        if (u["code"] == "released_no_work") != (leaves is not None and d >= leaves):
            out.append(
                f"uncovered.csv wrong: {u['worker_id']} {u['from']}..{u['to']} is "
                f"{u['code']!r}, the bed "
                + (f"is released on {leaves}" if leaves else "is never released")
            )
        while d < end:
            listed[u["worker_id"]].add(d)
            d += timedelta(days=1)
    for wid, rows in sorted(housed.items()):
        w = r.workers.get(wid)
        if w is None:
            continue
        nights: set[date] = set()
        d = _day(w["arrival"])
        while d < _day(w["departure"]):
            nights.add(d)
            d += timedelta(days=1)
        for a in rows:
            d = _day(a["from"])
            while d < _day(a["to"]):
                nights.discard(d)
                d += timedelta(days=1)
        if nights != listed.pop(wid, set()):
            out.append(f"uncovered.csv wrong: {wid} has {len(nights)} nights without a bed")
    for wid in sorted(listed):
        out.append(f"uncovered.csv wrong: {wid} is not housed")


# What makes two people equals for the lottery: every worker column the model reads.
_EQUALS = (
    "arrival",
    "departure",
    "section",
    "farm_id",
    "priority",
    "accessible",
    "pinned_foresteria",
    "rides",
    "contract",
    "avoid_sites",
)


def _check_lottery(r: _Run, run: Path, out: list[str]) -> None:
    """The draw is the seeded one, and among people the model cannot tell apart (no group, the
    same stay, section, farm, priority, needs, pin, previous place, rides, contract and sites to
    avoid) nobody with a later ticket is housed while one with an earlier ticket waits."""
    seed = r.cfg["scenario"]["seed"]
    tickets = {x["worker_id"]: x["ticket"] for x in _rows(r.root, "plan/lottery.csv")}
    for wid in r.workers:
        if tickets.get(wid) != hashlib.sha256(f"{seed}:{wid}".encode()).hexdigest()[:16]:
            out.append(f"lottery ticket is not the seeded draw: {wid}")
    prev_file = run / "inputs" / "previous_assignments.csv"
    previous: dict[str, str] = {}
    for a in _rows(run, "inputs/previous_assignments.csv") if prev_file.exists() else []:
        previous.setdefault(a["worker_id"], a["foresteria_id"])
    housed = {a["worker_id"] for a in r.assign}
    past = {w["worker_id"] for w in r.wait if w["code"] == "past"}
    classes: dict[tuple[str, ...], list[tuple[str, str]]] = defaultdict(list)
    for wid, w in r.workers.items():
        if not w["group_id"] and wid not in past:
            key = (*(w.get(k) or "" for k in _EQUALS), previous.get(wid, ""))
            classes[key].append((tickets.get(wid, ""), wid))
    for members in classes.values():
        order = [wid for _, wid in sorted(members)]
        waiting = [i for i, wid in enumerate(order) if wid not in housed]
        placed = [i for i, wid in enumerate(order) if wid in housed]
        if waiting and placed and waiting[0] < placed[-1]:
            out.append(
                f"lottery not followed: {order[waiting[0]]} waits while {order[placed[-1]]}, "
                "with a later ticket and the same attributes, is housed"
            )


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


def _rules(r: _Run) -> tuple[int, int, int, int, int, set[str], int]:
    """[transport] rules with the README defaults: early, wait, ride cap, board, turnaround,
    heat-alert days and their shift end."""
    tr = r.cfg.get("transport", {})
    return (
        int(tr.get("arrive_early_max_min", 30)),
        int(tr.get("wait_after_shift_max_min", 30)),
        int(tr.get("max_ride_min", 75)),
        int(tr.get("board_min", 2)),
        int(tr.get("turnaround_min", 5)),
        {str(d) for d in tr.get("heat_alert_days", [])},
        _mins(tr.get("heat_alert_shift_end", "12:30")),
    )


def _check_trips(r: _Run, out: list[str]) -> None:
    early, wait, cap, board, turn, heat, heat_end = _rules(r)
    wait_cap = r.cfg.get("transport", {}).get("max_wait_on_board_min")
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
        origin, o_dep, o_ret = r.origin(t)
        if origin == fid and (t.get("origin_depart"), t.get("origin_return")) not in (
            (None, None),
            (t["depart"], t["return"]),
        ):
            out.append(f"origin times differ from the trip's: {tid}")
        metres = 0
        if origin != fid:  # an empty leg from the base to the departure point, and back
            if o_dep < dep + r.leg(fid, origin) or ret < o_ret + r.leg(origin, fid):
                out.append(f"travel time too short: {tid} between {fid} and {origin}")
            metres += r.metres.get((fid, origin), 0) + r.metres.get((origin, fid), 0)
        prev_place, prev_time = origin, o_dep
        idles: list[int] = []
        for s in ss:
            farm = r.farms[s["farm_id"]]
            arrive, depart = _mins(s["arrive"]), _mins(s["depart"])
            need = prev_time + r.leg(prev_place, s["farm_id"])
            idles.append(depart - board - need)
            if int(s.get("idle_min", idles[-1])) != idles[-1]:
                out.append(
                    f"idle wrong: {tid} stop {s['seq']} says {s['idle_min']} min, "
                    f"the times give {idles[-1]}"
                )
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
                if arrive - o_dep > cap:
                    out.append(
                        f"ride cap: {tid} riders to {s['farm_id']} ride {arrive - o_dep} min "
                        f"> {cap} (+{arrive - o_dep - cap})"
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
                if o_ret - depart > cap:
                    out.append(
                        f"ride cap: {tid} riders from {s['farm_id']} ride {o_ret - depart} min "
                        f"> {cap} (+{o_ret - depart - cap})"
                    )
            prev_place, prev_time = s["farm_id"], depart
        if wait_cap is not None and ss:
            worst = sum(idles) if morning else sum(idles[1:])
            if worst > wait_cap:
                out.append(
                    f"wait on board: {tid} riders wait {worst} min aboard at stops "
                    f"> {wait_cap} (+{worst - wait_cap})"
                )
        if ss and o_ret < prev_time + r.leg(prev_place, origin):
            out.append(f"travel time too short: {tid} back at {t['return']}")
        if ss:
            metres += r.metres.get((prev_place, origin), 0)
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
    housed = _by_worker(r.assign)
    for x in r.riders:
        t = trips.get(x["trip_id"])
        if t is None:
            out.append(f"rider on unknown trip: {x['worker_id']} on {x['trip_id']}")
            continue
        wid = x["worker_id"]
        a = next((a for a in housed.get(wid, []) if a["from"] <= t["day"] < a["to"]), None)
        farm = stop_farm.get((x["trip_id"], x["seq"]))
        if farm in _avoid(r.workers.get(wid, {})):
            out.append(f"site to avoid: {wid} driven to {farm} on {x['trip_id']}")
        origin = r.origin(t)[0]
        from_point = a is None and r.workers.get(wid, {}).get("pickup_id") == origin
        if not from_point and (a is None or a["foresteria_id"] != origin):
            out.append(
                f"rider neither housed at the trip's foresteria nor boarding at its departure "
                f"point: {wid} on {x['trip_id']}"
            )
        elif _work_farm(r.workers[wid]) != farm:
            out.append(f"rider taken to the wrong farm: {wid} on {x['trip_id']} ({farm})")
        carried[t["day"], t["direction"], wid] += 1
    for u in r.unserved:
        for wid in u["worker_ids"].split():
            for direction in ("to_farm", "to_foresteria"):  # a worker-day: both legs
                carried[u["day"], direction, wid] += 1
    expected: set[tuple[str, str, str]] = set()
    for wid, _, first, end_day in _stays(r):
        farm = _work_farm(r.workers[wid])
        if not farm:
            continue
        wd = _days(str(r.farms[farm]["workdays"]))
        d, end = date.fromisoformat(first), date.fromisoformat(end_day)
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


def _stays(r: _Run) -> list[tuple[str, str, str, str]]:
    """(worker, origin, first day, departure day): housed workers ride from their foresteria on
    the nights housed there (a transfer gives two stays); workers with a pickup_id from that
    departure point on every run of days of their stay without a bed (the whole stay when not
    housed)."""
    out = [(a["worker_id"], a["foresteria_id"], a["from"], a["to"]) for a in r.assign]
    beds: dict[str, set[date]] = defaultdict(set)
    for a in r.assign:
        d = date.fromisoformat(a["from"])
        while d < date.fromisoformat(a["to"]):
            beds[a["worker_id"]].add(d)
            d += timedelta(days=1)
    for wid, w in r.workers.items():
        point = w.get("pickup_id")
        if not point:
            continue
        d, end, start = date.fromisoformat(w["arrival"]), date.fromisoformat(w["departure"]), None
        while d <= end:
            if d < end and d not in beds[wid]:
                start = start or d
            elif start is not None:
                out.append((wid, point, start.isoformat(), d.isoformat()))
                start = None
            d += timedelta(days=1)
    return out


def _check_round_trips(r: _Run, out: list[str]) -> None:
    """Nobody rides one way only: every morning rider rides back that day, and the reverse."""
    trips = {t["trip_id"]: t for t in r.trips}
    legs: dict[tuple[str, str], set[str]] = defaultdict(set)
    for x in r.riders:
        t = trips.get(x["trip_id"])
        if t is not None:
            legs[t["day"], x["worker_id"]].add(t["direction"])
    one_way = sorted((d, w, next(iter(s))) for (d, w), s in legs.items() if len(s) == 1)
    if one_way:
        d, w, leg = one_way[0]
        other = "back" if leg == "to_farm" else "out"
        out.append(
            f"one-way worker-days: {len(one_way)}, first {w} on {d} rides {leg} with no ride "
            f"{other}"
        )


def _check_ride_order(r: _Run, out: list[str]) -> None:
    """Re-run the published rule (README "Who rides when seats are short"): at every farm and
    departure place with riders left behind, everyone who rode comes before everyone left
    behind in the order: referred first, then more days left behind so far, then
    sha256("SEED:WORKER_ID")."""
    seed = r.cfg.get("scenario", {}).get("seed", 0)
    trips = {t["trip_id"]: t for t in r.trips}
    farm_of = {(s["trip_id"], s["seq"]): s["farm_id"] for s in r.stops}
    rode: dict[tuple[str, str, str], list[str]] = defaultdict(list)
    for x in r.riders:
        t = trips.get(x["trip_id"])
        if t is not None and t["direction"] == "to_farm":
            spot = (t["day"], r.origin(t)[0], farm_of.get((x["trip_id"], x["seq"]), ""))
            rode[spot].append(x["worker_id"])
    missed: dict[str, int] = defaultdict(int)
    for u in sorted(r.unserved, key=lambda u: u["day"]):
        if u["code"] in ("no_vehicle", "ride_cap"):  # nobody could ride: no choice was made
            continue
        left = u["worker_ids"].split()

        def key(w: str) -> tuple[int, int, str]:
            prio = int(r.workers.get(w, {}).get("priority") or 0)
            digest = hashlib.sha256(f"{seed}:{w}".encode()).hexdigest()
            return (0 if prio == 3 else 1, -missed[w], digest)

        riders = rode.get((u["day"], u["foresteria_id"], u["farm_id"]), [])
        if riders and left and max(map(key, riders)) > min(map(key, left)):
            out.append(
                f"ride order broken: {u['day']} {u['foresteria_id']} {u['farm_id']}: someone "
                "rode ahead of a worker the published rule puts first"
            )
        for w in left:
            missed[w] += 1


PROVEN_CODES = {"no_vehicle", "ride_cap", "fleet_short"}
UNSERVED_CODES = PROVEN_CODES | {"vehicles_busy", "windows"}


def _check_reasons(r: _Run, out: list[str]) -> None:
    """Reasons never contradict themselves: 'fleet short' only where the lower bound on vehicles
    (recomputed here from the inputs, README "Transport model") exceeds the vehicles available;
    proven exactly for the proven codes; the same figures in fleet_days.csv."""
    bounds = _lower_bounds(r)
    for u in r.unserved:
        where = f"{u['day']} {u['foresteria_id']} {u['farm_id']}"
        code, proven = u["code"], u["proven"] == "yes"
        if code not in UNSERVED_CODES:
            out.append(f"unknown unserved code: {code!r} ({where})")
            continue
        if proven != (code in PROVEN_CODES):
            out.append(f"reason contradicts itself: {code} marked proven={u['proven']} ({where})")
        if code in ("no_vehicle", "ride_cap"):
            continue
        lb, avail = int(u["vehicles_lower_bound"]), int(u["vehicles_available"])
        key = (u["day"], u.get("base_id") or u["foresteria_id"])
        mine = bounds.get(key)
        if mine is None or (lb, avail) != mine:
            out.append(
                f"reason figures wrong: {where} says lower bound {lb}, {avail} available; "
                f"recomputed {mine}"
            )
        if code == "fleet_short" and lb <= avail:
            out.append(
                f"reason contradicts itself: {where} says fleet short, yet {lb} vehicles needed "
                f"at least and {avail} available"
            )
        if code != "fleet_short" and lb > avail:
            out.append(f"reason understates: {where} is {code}, yet the fleet is proven short")
        if code != "fleet_short" and "fleet short" in u["reason"]:
            out.append(f"reason contradicts itself: {where} is {code} but says 'fleet short'")
    for row in _rows(r.root, "plan/fleet_days.csv"):
        key = (row["day"], row["foresteria_id"])
        got = (int(row["vehicles_lower_bound"]), int(row["vehicles_available"]))
        if key in bounds and got != bounds[key]:
            out.append(
                f"fleet_days.csv wrong: {'/'.join(key)} says {got}, recomputed {bounds[key]}"
            )


def _lower_bounds(r: _Run) -> dict[tuple[str, str], tuple[int, int]]:
    """(day, foresteria) -> (lower bound on vehicles, vehicles available), from inputs only."""
    early, wait, cap, board, turn, heat, heat_end = _rules(r)
    riders: dict[tuple[str, str], dict[tuple[str, str], int]] = defaultdict(
        lambda: defaultdict(int)
    )
    base_of = r.base_of()
    for wid, origin, first, last in _stays(r):
        farm = _work_farm(r.workers[wid])
        if not farm or max(r.leg(origin, farm), r.leg(farm, origin)) > cap:
            continue
        wd = _days(str(r.farms[farm]["workdays"]))
        d, end = date.fromisoformat(first), date.fromisoformat(last)
        while d < end:
            if d.weekday() in wd:
                riders[d.isoformat(), base_of.get(origin, origin)][origin, farm] += 1
            d += timedelta(days=1)
    out: dict[tuple[str, str], tuple[int, int]] = {}
    for (day, fid), per_farm in riders.items():
        fleet = [
            v
            for v in r.fleet.values()
            if v["foresteria_id"] == fid and v["available_from"] <= day <= v["available_to"]
        ]
        if not fleet:
            continue
        spots = sorted(per_farm)
        farms = sorted({f for _, f in spots})
        go = {(o, f): r.leg(fid, o) + r.leg(o, f) for o, f in spots}
        back = {(o, f): r.leg(f, o) + r.leg(o, fid) for o, f in spots}
        gap = board + min(back.values()) + turn + min(go.values())
        shortest = min(go[x] + board + back[x] for x in spots)
        starts = [_mins(str(r.farms[f]["shift_start"])) for f in farms]
        ends = [_mins(str(r.farms[f]["shift_end"])) for f in farms]
        if day in heat:
            ends = [min(e, heat_end) for e in ends]
        spans = [
            (min(starts) - early, max(starts)),  # morning: arrivals
            (min(ends), max(ends) + wait - board),  # evening: boardings
        ]
        n = sum(per_farm.values())
        caps: list[list[int]] = [[], [], []]
        for v in fleet:
            seats, duty = int(v["seats"]), int(v["max_duty_min"])
            for k, (lo, hi) in enumerate(spans):
                by_time = 1 + (hi - lo) // gap if gap > 0 else 10**6
                by_duty = duty // shortest if shortest > 0 else 10**6
                caps[k].append(max(0, min(by_time, by_duty)) * seats)
            caps[2].append((duty // shortest if shortest > 0 else 10**6) * seats)
        bound = 0
        for k, need in enumerate((n, n, 2 * n)):
            ranked = sorted(caps[k], reverse=True)
            m = next((i for i in range(len(ranked) + 1) if sum(ranked[:i]) >= need), None)
            if m is None:
                m = (
                    len(ranked) + -(-(need - sum(ranked)) // ranked[0])
                    if ranked[0] > 0
                    else len(fleet) + 1
                )
            bound = max(bound, m)
        out[day, fid] = (bound, len(fleet))
    return out


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


def _referral_kpis(r: _Run, rows: dict[str, list[dict[str, str]]]) -> dict[str, Any]:
    days = sorted(
        max(0, (_day(rows[wid][0]["from"]) - _day(x["referral_date"])).days)
        for wid, x in r.referrals.items()
        if wid in rows
    )
    code = {w["worker_id"]: w["code"] for w in r.wait}
    by_code: dict[str, int] = {}
    for wid in sorted(r.referrals):
        if wid in code:
            by_code[code[wid]] = by_code.get(code[wid], 0) + 1

    def rank(q: float) -> int | None:
        return days[max(0, math.ceil(q * len(days)) - 1)] if days else None

    return {
        "referred": len(r.referrals),
        "referred_housed": len(days),
        "referral_days_to_bed_median": rank(0.5),
        "referral_days_to_bed_p90": rank(0.9),
        "referred_waitlisted_by_code": dict(sorted(by_code.items())),
    }


def recompute_kpis(r: _Run) -> dict[str, dict[str, Any]]:
    sections = ("men", "women", "family")
    rows = _by_worker(r.assign)
    housed = [r.workers[wid] for wid in sorted(rows) if wid in r.workers]
    stay_nights = sum((_day(w["departure"]) - _day(w["arrival"])).days for w in housed)
    waiting = [r.workers[w["worker_id"]] for w in r.wait if w["worker_id"] in r.workers]
    used: dict[tuple[str, str], int] = defaultdict(int)
    commute_s = 0
    for a in r.assign:
        d, end = date.fromisoformat(a["from"]), date.fromisoformat(a["to"])
        farm = _work_farm(r.workers[a["worker_id"]])
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
        "transferred": sum(1 for rs in rows.values() if len(rs) > 1),
        "partial_stays": sum(
            1
            for wid, rs in rows.items()
            if wid in r.workers
            and sum((_day(a["to"]) - _day(a["from"])).days for a in rs)
            < (_day(r.workers[wid]["departure"]) - _day(r.workers[wid]["arrival"])).days
        ),
        "uncovered_nights": stay_nights - sum(used.values()),
        "housed_dependants": sum(1 for w in housed if _is_dependant(w)),
        "waitlisted_dependants": sum(1 for w in waiting if _is_dependant(w)),
    }
    if r.referrals:
        housing.update(_referral_kpis(r, rows))
    stops: dict[str, list[dict[str, str]]] = defaultdict(list)
    for s in r.stops:
        stops[s["trip_id"]].append(s)
    trips_by_id = {t["trip_id"]: t for t in r.trips}
    vehicle_days = {(t["day"], t["vehicle_id"]) for t in r.trips if t["vehicle_id"]}
    per_day: dict[str, int] = defaultdict(int)
    for d_, _ in vehicle_days:
        per_day[d_] += 1
    worker_days = sum(int(t["riders"]) for t in r.trips if t["direction"] == "to_farm")
    seats = sum(
        int(r.fleet[t["vehicle_id"]]["seats"]) for t in r.trips if t["vehicle_id"] in r.fleet
    )
    board = int(r.cfg.get("transport", {}).get("board_min", 2))
    wait_total = wait_riders = wait_max = 0
    for t in r.trips:
        ss = sorted(stops[t["trip_id"]], key=lambda s: int(s["seq"]))
        place, clock, _ = r.origin(t)
        idle: list[int] = []
        for s in ss:
            idle.append(_mins(s["depart"]) - board - clock - r.leg(place, s["farm_id"]))
            place, clock = s["farm_id"], _mins(s["depart"])
        for j, s in enumerate(ss):
            n = int(s["alight"]) + int(s["board"])
            aboard = sum(idle[: j + 1]) if t["direction"] == "to_farm" else sum(idle[j + 1 :])
            wait_total += n * aboard
            wait_riders += n
            if n:
                wait_max = max(wait_max, aboard)
    rides: list[int] = []
    for t in r.trips:
        for s in stops[t["trip_id"]]:
            n = int(s["alight"]) + int(s["board"])
            ride = (
                _mins(s["arrive"]) - r.origin(t)[1]
                if t["direction"] == "to_farm"
                else r.origin(t)[2] - _mins(s["depart"])
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
        row["day"]
        for row in _rows(r.root, "plan/fleet_days.csv")
        if int(row["worker_days_unserved"])
    }
    unserved_days = sum(int(u["worker_days"]) for u in r.unserved)
    by_priority = {str(p): 0 for p in range(4)}
    missed: dict[str, list[str]] = defaultdict(list)
    for u in r.unserved:
        for w in u["worker_ids"].split():
            by_priority[str(int(r.workers[w]["priority"]))] += 1
            missed[w].append(u["day"])
    ride_days: dict[str, set[str]] = defaultdict(set)
    for x in r.riders:
        trip = trips_by_id.get(x["trip_id"])
        if trip is not None and trip["direction"] == "to_farm":
            ride_days[x["worker_id"]].add(trip["day"])
    most = max((len(v) for v in missed.values()), default=0)
    in_a_row = 0
    for w, days in missed.items():
        run = 0
        for d_ in sorted(ride_days[w] | set(days)):
            run = run + 1 if d_ in days else 0
            in_a_row = max(in_a_row, run)
    # README "KPIs": the caporale's fee is a range, default EUR 5 a day to EUR 5 a leg.
    fee = [float(x) for x in r.cfg.get("transport", {}).get("caporale_fee_eur", [5.0, 10.0])]
    transport = {
        "trips": len(r.trips),
        "worker_days_transported": worker_days,
        "rider_trips": riders,
        "unserved_rider_trips": 2 * unserved_days,
        "unserved_worker_days": unserved_days,
        "unserved_worker_days_by_priority": by_priority,
        "unserved_proven_pct": round(
            100
            * sum(int(u["worker_days"]) for u in r.unserved if u["proven"] == "yes")
            / unserved_days,
            2,
        )
        if unserved_days
        else 0.0,
        "left_behind_max_days": most,
        "left_behind_max_in_a_row": in_a_row,
        "vehicle_days": len(vehicle_days),
        "vehicles_per_day_peak": max(per_day.values(), default=0),
        "vehicles_per_day_mean": round(sum(per_day.values()) / len(per_day), 2) if per_day else 0.0,
        "fleet_size": len(r.fleet),
        "days_fleet_short": len({u["day"] for u in r.unserved if u["code"] == "fleet_short"}),
        "days_with_unserved": len(short_days),
        "vehicle_km": round(sum(float(t["km"]) for t in r.trips), 1),
        "seat_utilisation_pct": round(100 * riders / seats, 2) if seats else 0.0,
        "ride_minutes_mean": round(sum(rides) / len(rides), 2) if rides else 0.0,
        "ride_minutes_max": max(rides, default=0),
        "wait_on_board_rider_minutes": wait_total,
        "wait_on_board_minutes_mean": round(wait_total / wait_riders, 2) if wait_riders else 0.0,
        "wait_on_board_minutes_max": wait_max,
        "transport_cost_eur": round(cost, 2),
        "cost_per_worker_day_eur": round(cost / worker_days, 2) if worker_days else 0.0,
        "caporale_fee_eur_per_worker_day": fee,
        "caporale_fees_avoided_eur": round(fee[0] * worker_days, 2),
        "caporale_fees_avoided_eur_high": round(fee[1] * worker_days, 2),
    }
    return {"housing": housing, "transport": transport}
