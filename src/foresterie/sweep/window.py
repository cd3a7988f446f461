"""A sweep's window: a member solved for a few days (the peak week) without judging stays on the
few days it keeps.

Cutting every stay to the window before housing sees it would judge the stay rule
(`[housing] min_overlap_nights`, `min_overlap_share`: no bed offered for under a week) on the
cut stay: someone present 3 nights of the week, staying a month, would be refused a bed at
every foresteria and waitlisted as if all were closed (review 11, finding 1). So the rule is
applied before cutting: a windowed member carries `min_overlap_nights = 1` and
`min_overlap_share = 0`, and `stay_rule_mismatch` checks, unit by unit, that the foresterie a
unit may sleep at inside the window are the same under the cut stays and relaxed rule as under
its real stays, the foresterie's real dates and the scenario's rule. Where they differ (a real
stay shorter than the rule, a foresteria opening or closing within the rule's nights of the
window's edges, whole stays across a closing) the sweep says so: the member's plan treats those
people more loosely, or more strictly, than the season would.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta

from foresterie.housing.units import Option, StayRule, Unit, spans, stay_rule, unit_options
from foresterie.scenario.model import Foresteria, Scenario, Worker

# Above this share of the members' people not judged on their whole stay, the housing figures of
# a windowed sweep are not comparable between decisions (review 15: a whole-stay season cut to a
# week left 388 of 436, 89 %, unjudged): the report greys them and says to solve whole seasons.
NOT_JUDGED_LIMIT = 0.10

# What one copy of a unit sleeps inside the window under one option: per person, the
# (foresteria, first night, morning of leaving) parts that fall inside it.
Pattern = tuple[tuple[tuple[str, date, date], ...], ...]


def cut_to_window(full: Scenario, w0: date, w1: date) -> Scenario:
    """The member's season cut to nights w0..w1: stays, opening dates, vehicles, heat days and
    the farm calendar's closures clipped (a closure outside the window dropped: the member's
    loader refuses one wholly outside its season); the stay rule relaxed to one night (it was
    judged on the real stays)."""
    end = w1 + timedelta(days=1)
    workers = []
    for w in full.workers:
        a, d = max(w.arrival, w0), min(w.departure, end)
        if d > a:
            workers.append(replace(w, arrival=a, departure=d))
    foresterie = [
        replace(f, open_from=max(f.open_from, w0), open_to=min(f.open_to, w1))
        for f in full.foresterie
        if f.open_from <= w1 and f.open_to >= w0
    ]
    open_ids = {f.id for f in foresterie}
    fleet = [
        replace(v, available_from=max(v.available_from, w0), available_to=min(v.available_to, w1))
        for v in full.fleet
        if v.available_from <= w1 and v.available_to >= w0 and v.foresteria_id in open_ids
    ]
    cfg = full.config
    heat = [h for h in cfg.transport.heat_alert_days if w0 <= h <= w1]
    closures = tuple(
        replace(c, first_day=max(c.first_day, w0), last_day=min(c.last_day, w1))
        for c in full.farm_closures
        if c.first_day <= w1 and c.last_day >= w0
    )
    cfg = cfg.model_copy(
        update={
            "scenario": cfg.scenario.model_copy(update={"season_start": w0, "season_end": w1}),
            "transport": cfg.transport.model_copy(update={"heat_alert_days": heat}),
            "housing": cfg.housing.model_copy(
                update={"min_overlap_nights": 1, "min_overlap_share": 0.0}
            ),
        }
    )
    return replace(
        full,
        config=cfg,
        foresterie=tuple(foresterie),
        fleet=tuple(fleet),
        workers=tuple(sorted(workers, key=lambda w: w.id)),
        farm_closures=closures,
    )


def stay_rule_mismatch(full: Scenario, cut: Scenario, w0: date, w1: date) -> list[str]:
    """Ids of the people (sorted) whose foresterie inside the window differ between the cut
    member and their real stays under the scenario's rule; empty when the cut is exact."""
    real_units = _units(full.workers)
    cut_units = {u.key: u for u in _units(cut.workers)}
    real_rule, cut_rule = stay_rule(full), stay_rule(cut)
    end = w1 + timedelta(days=1)
    out: list[str] = []
    for u in real_units:
        inside = [w for w in u.members if w.arrival < end and w.departure > w0]
        if not inside:
            continue  # nobody of the unit is in the window: nothing measured
        real = _patterns(u, full.foresterie, real_rule, w0, end)
        cu = cut_units.get(u.key)
        window = _patterns(cu, cut.foresterie, cut_rule, w0, end) if cu else set()
        if real != window:
            out += [w.id for w in inside]
    return sorted(out)


def _units(workers: tuple[Worker, ...]) -> list[Unit]:
    """Each group, and each person alone: the rule is judged per person, so no classes."""
    groups: dict[str, list[Worker]] = {}
    units = []
    for w in workers:
        if w.group_id:
            groups.setdefault(w.group_id, []).append(w)
        else:
            units.append(_unit(f"P:{w.id}", (w,), is_group=False))
    units += [_unit(f"G:{g}", tuple(ms), is_group=True) for g, ms in sorted(groups.items())]
    return units


def _unit(key: str, members: tuple[Worker, ...], *, is_group: bool) -> Unit:
    pins = sorted(w.pinned_foresteria for w in members if w.pinned_foresteria)
    return Unit(
        key=key,
        members=members,
        is_group=is_group,
        section=members[0].section,
        pinned=pins[0] if pins else None,
        previous=None,
    )


def _patterns(
    unit: Unit, foresterie: tuple[Foresteria, ...], rule: StayRule, w0: date, end: date
) -> set[Pattern]:
    """What the unit may sleep inside the window, one pattern per admitted option (the section,
    beds and commute are judged alike on both sides and left out)."""
    near = sorted(foresterie, key=lambda f: f.id)
    out = set()
    for option in unit_options(unit, near, rule):
        pattern = tuple(_inside(w, option, w0, end) for w in unit.one_copy)
        if any(pattern):
            out.add(pattern)
    return out


def _inside(w: Worker, option: Option, w0: date, end: date) -> tuple[tuple[str, date, date], ...]:
    parts = []
    for s in spans(w, option):
        a, b = max(s.start, w0), min(s.end, end)
        if b > a:
            parts.append((s.foresteria_id, a, b))
    return tuple(parts)
