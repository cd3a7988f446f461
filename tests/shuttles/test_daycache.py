"""Equal base-days are planned once (shuttles/daycache.py): the plan with reuse equals the plan
without, byte for byte, and does not depend on the number of processes."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

from foresterie.shuttles.daycache import first_of_each, redate
from foresterie.shuttles.routes import ShuttlePlan, Trip, plan_shuttles
from tests.helpers import farm, foresteria, matrix, scenario, vehicle, whole_stays, worker


def _season(processes: int, reuse: bool, fair: str = "off", seats: int = 9) -> ShuttlePlan:
    """Ten days at one foresteria: the same crews on 6-8 and 10-13 July (8 and 9 July are heat-
    alert days, whose earlier returns make them differ), a crew more from 12 July, and a fleet
    one minibus short, so the round-trip loop and the real-fleet second opinion both run (a
    roomier second minibus, `seats`, leaves some days not short)."""
    ws = [worker(f"A{i:02d}", "2026-07-06", "2026-07-16", farm_id="F1") for i in range(11)]
    ws += [worker(f"B{i:02d}", "2026-07-06", "2026-07-16", farm_id="F2") for i in range(9)]
    ws += [worker(f"C{i:02d}", "2026-07-12", "2026-07-16", farm_id="F3") for i in range(7)]
    assignments = whole_stays(ws, "A")
    farms = [
        farm("F1", "06:00", "14:00"),
        farm("F2", "06:30", "15:00"),
        farm("F3", "06:00", "13:00"),
    ]
    fleet = [vehicle("V1", "A", seats=8), vehicle("V2", "A", seats=seats, duty=300)]
    sc = scenario(
        [foresteria("A", men=99)],
        farms,
        ws,
        fleet,
        transport={"heat_alert_days": ["2026-07-08", "2026-07-09"], "fair_share": fair},
        solver={"shuttle_processes": processes},
    )
    minutes = {("A", "F1"): 20, ("A", "F2"): 35, ("A", "F3"): 25, ("F1", "F2"): 15}
    m = matrix(minutes, ["A", "F1", "F2", "F3"])
    return plan_shuttles(sc, m, assignments, processes=processes, reuse=reuse)


def _same(a: ShuttlePlan, b: ShuttlePlan) -> None:
    assert a.trips == b.trips
    assert a.unserved == b.unserved
    assert a.fleet_days == b.fleet_days
    assert a.route_searches == b.route_searches


def test_equal_days_are_planned_once_and_the_plan_is_the_same_without_reuse() -> None:
    with_reuse, without = _season(1, True), _season(1, False)
    _same(with_reuse, without)
    days = {t.day for t in with_reuse.trips}
    assert len(days) == 10
    # 6-7, 10-11 July equal; 8 and 9 July equal (heat); 12-15 July equal: three distinct days.
    assert with_reuse.day_services == 3 and without.day_services == 10
    assert with_reuse.unserved or any(f.available < f.needed for f in with_reuse.fleet_days)
    assert all(t.trip_id.startswith(t.day.isoformat()) for t in with_reuse.trips)
    # The short days' first option (routes for an unlimited fleet) stops once the real fleet's
    # routes have more seats than it can reach: the same plan as finishing it.
    assert with_reuse.options_pruned > 0 and without.options_pruned == 0


def test_the_plan_does_not_depend_on_the_processes() -> None:
    _same(_season(1, True), _season(2, True))


def test_first_of_each_and_redate() -> None:
    keys = [(date(2026, 7, d), "A") for d in (9, 6, 7, 8)]
    sig = {6: "x", 7: "y", 8: "x", 9: "y"}
    first = first_of_each(keys, lambda k: (k[1], sig[k[0].day]))
    assert first[date(2026, 7, 8), "A"] == (date(2026, 7, 6), "A")
    assert first[date(2026, 7, 9), "A"] == (date(2026, 7, 7), "A")
    t = Trip(
        trip_id="2026-07-06-A-M01",
        day=date(2026, 7, 6),
        foresteria_id="A",
        direction="to_farm",
        vehicle_id="V1",
        depart=300,
        ret=400,
        metres=1000,
        riders=3,
        stops=(),
    )
    moved = redate(t, date(2026, 7, 6), date(2026, 7, 8))
    assert moved == replace(t, trip_id="2026-07-08-A-M01", day=date(2026, 7, 8))


def test_fair_shares_keep_the_plan_exact_and_independent_of_the_processes() -> None:
    """Under a fair-share rule the short days are planned date by date with debts: reuse (only
    of exactly equal chainings) and the process count still change nothing."""
    one = _season(1, True, "debt")
    assert one.unserved  # the rule has shortages to spread
    _same(one, _season(1, False, "debt"))
    _same(one, _season(2, True, "debt"))


def test_days_the_fleet_runs_as_routed_are_planned_by_the_probe_not_again(monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """The probe chains each distinct day's routes; a day where every trip has a vehicle has no
    other option, so the probe plans it in full there and then. The planned run (after the
    second opinion) is asked only for the short days, and the plan is the one every day gets
    from planning all of them there (the reuse and process tests above compare it)."""
    import foresterie.shuttles.routes as routes

    calls: list[tuple[bool, set, set, set]] = []
    real = routes._run_days

    def spy(*a, **k):  # type: ignore[no-untyped-def]
        out = real(*a, **k)
        short = {key for key, s in out.short.items() if s}
        calls.append((a[4], set(a[1]), short, set(out.services)))
        return out

    monkeypatch.setattr(routes, "_run_days", spy)
    plan = _season(1, True, seats=20)
    (_, probed, short, finished), (probe_flag, planned, _, _) = calls
    assert short and finished and probe_flag is False
    assert finished == probed - short  # every day the fleet runs as routed, finished at once
    assert planned == short  # the planned run sees only the short days
    assert plan.day_services == 3


def test_one_pool_of_workers_serves_every_phase_of_the_season(monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """Route searches, the probe, the second opinion and the planned days (and, with fair
    shares, every day's own second opinion and chaining) run on ONE pool started once, not a
    pool per phase; the plan is the one process's, byte for byte."""
    import foresterie.shuttles.routes as routes

    started: list[int] = []
    real = routes.worker_pool

    def counted(n, *a):  # type: ignore[no-untyped-def]
        started.append(n)
        return real(n, *a)

    monkeypatch.setattr(routes, "worker_pool", counted)
    for fair in ("off", "debt"):
        started.clear()
        two = _season(2, True, fair)
        assert started == [2], fair  # several parallel phases, one pool
        _same(two, _season(1, True, fair))


def test_chaining_answers_carry_from_the_probe_to_the_planned_days(monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """The probe's chaining answers go to the planned days' jobs, where they are hits (the first
    option's first chaining is not solved again); each job sends back only the answers it
    added, and the season's cache is their union."""
    import foresterie.shuttles.routes as routes

    jobs: list[tuple[bool, set, set]] = []
    real = routes._days_job

    def spy(job, season):  # type: ignore[no-untyped-def]
        out = real(job, season)
        jobs.append((job.probe, set(job.cache), set(out.cache)))
        return out

    solved: list[int] = []
    real_chain = routes.chain_trips

    def chain(*a, **k):  # type: ignore[no-untyped-def]
        solved.append(len(a[0]))
        return real_chain(*a, **k)

    monkeypatch.setattr(routes, "_days_job", spy)
    monkeypatch.setattr(routes, "chain_trips", chain)
    _season(1, True)
    (probe, given, added), (planned, known, new) = jobs
    assert probe and not given and added  # the probe starts empty and learns
    assert not planned and known == added  # the planned days start from what it learned
    assert new and not new & known  # and send back only what they added
    real_calls = sum(1 for k in added | new if k[0] == "real")
    assert len(solved) == real_calls  # one chain_trips per answer: every repeat a hit


def test_the_days_choice_is_made_once_per_distinct_day_when_no_debt_can_change_it(
    monkeypatch,  # type: ignore[no-untyped-def]
) -> None:
    """Without fair shares the day's option and its idle room (`_fill_idle`) are decided in the
    job, once per distinct base-day, and copied to its equal days; with a rule they wait for
    the debts of the days before (in date order), so the short days fill theirs one by one
    (without the job's choice: 10 calls with reuse too)."""
    import foresterie.shuttles.routes as routes

    calls: list[date] = []
    real = routes._fill_idle

    def spy(ctx, d, *a):  # type: ignore[no-untyped-def]
        calls.append(d)
        return real(ctx, d, *a)

    monkeypatch.setattr(routes, "_fill_idle", spy)
    plain = _season(1, True)
    assert len(calls) == plain.day_services == 3  # ten days, three distinct
    calls.clear()
    _season(1, False)
    assert len(calls) == 10
    calls.clear()
    _season(1, True, "debt")
    assert calls == sorted(calls) and len(calls) == 10  # every day here is short: one by one


def test_a_pool_worker_keeps_its_chaining_answers_from_job_to_job(monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """A pool worker (its season kept by `_keep_season`) answers a later days job's chainings
    from what its earlier jobs made, as one job answers its own repeats: the same job again is
    planned alike with no chaining solved and nothing new sent back. Outside a worker (one
    process) nothing is kept from job to job, and a new season's worker starts empty."""
    import foresterie.shuttles.routes as routes

    jobs: list = []  # type: ignore[type-arg]
    real_map = routes._Workers.map

    def recorded(self, fn, todo):  # type: ignore[no-untyped-def]
        if fn is routes._days_job:
            jobs.extend((job, self.season) for job in todo)
        return real_map(self, fn, todo)

    monkeypatch.setattr(routes._Workers, "map", recorded)
    _season(1, True)
    monkeypatch.setattr(routes._Workers, "map", real_map)
    solved: list[int] = []
    real_chain = routes.chain_trips

    def chain(*a, **k):  # type: ignore[no-untyped-def]
        solved.append(len(a[0]))
        return real_chain(*a, **k)

    monkeypatch.setattr(routes, "chain_trips", chain)
    job, season = next((j, s) for j, s in jobs if j.probe)
    first = routes._days_job(job, season)  # one process: nothing kept
    again = routes._days_job(job, season)
    assert solved and len(solved) % 2 == 0 and again.cache == first.cache  # solved twice
    try:
        routes._keep_season(season)  # now a pool worker of this season
        solved.clear()
        made = routes._days_job(job, season)
        assert solved and made.cache == first.cache and made.services == first.services
        solved.clear()
        hit = routes._days_job(job, season)
        assert solved == [] and hit.cache == {}
        assert hit.services == first.services and hit.short == first.short
        other = replace(season)  # another season (an equal copy): not answered from this one's
        solved.clear()
        routes._days_job(job, other)
        assert solved
        routes._keep_season(other)  # a worker of the other season starts empty
        solved.clear()
        routes._days_job(job, other)
        assert solved
    finally:
        routes._WORKER_SEASON.clear()
        routes._WORKER_CHAINED.clear()
