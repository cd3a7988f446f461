"""Scaled generated seasons (benchmarks/pipeline_scale.py): the "spread" layout puts every
foresteria on its own spot with its own farms around it; "crowded" (the default) stays as it was."""

from __future__ import annotations

import json
import math
import statistics
from collections import Counter
from pathlib import Path

import pytest

from foresterie.scenario.generator import CROPS, DEFAULT, LESINA, Generated, generate, write
from foresterie.scenario.geodata import in_puglia
from foresterie.scenario.load import load_scenario
from foresterie.travel.matrix import build_matrix

Point = tuple[float, float]  # (lat, lon)


def season(n: int, layout: str = "spread", seed: int = 1) -> Generated:
    """pipeline_scale.py's season of n workers: max(6, n/300) foresterie, 25 farms each."""
    fores = max(6, round(n / 300))
    return generate(f"s{n}", n, 25 * fores, fores, seed=seed, oversubscription=1.5, layout=layout)  # type: ignore[arg-type]


def km(a: Point, b: Point) -> float:
    la, lb = math.radians(a[0]), math.radians(b[0])
    h = (
        math.sin((lb - la) / 2) ** 2
        + math.cos(la) * math.cos(lb) * math.sin(math.radians(b[1] - a[1]) / 2) ** 2
    )
    return 2 * 6371.0 * math.asin(math.sqrt(h))


def sites(gen: Generated) -> dict[str, Point]:
    out = {}
    for f in json.loads(gen.files["foresterie.geojson"])["features"]:
        lon, lat = f["geometry"]["coordinates"]
        out[f["properties"]["id"]] = (lat, lon)
    return out


def farms(gen: Generated) -> dict[str, Point]:
    """farm id -> its point, or its polygon's first corner."""
    out = {}
    for f in json.loads(gen.files["farms.geojson"])["features"]:
        g = f["geometry"]
        lon, lat = g["coordinates"] if g["type"] == "Point" else g["coordinates"][0][0]
        out[f["properties"]["id"]] = (lat, lon)
    return out


def beds(gen: Generated) -> list[int]:
    return [
        sum(f["properties"][k] for k in ("beds_men", "beds_women", "beds_family"))
        for f in json.loads(gen.files["foresterie.geojson"])["features"]
    ]


@pytest.mark.parametrize("spec", [DEFAULT, LESINA], ids=["puglia-2026", "puglia-2026-lesina"])
def test_crowded_is_the_default_layout(spec: dict) -> None:  # type: ignore[type-arg]
    """The shipped seasons and housing_scale.py's seasons are the crowded layout's bytes."""
    assert generate(**spec).files == generate(**spec, layout="crowded").files
    assert generate(**spec).files != generate(**spec, layout="spread").files


def test_same_seed_same_bytes_other_seed_other_season() -> None:
    a, b, c = season(5000), season(5000), season(5000, seed=2)
    assert a.files == b.files
    assert a.files["workers.csv"] != c.files["workers.csv"]
    assert a.files["farms.geojson"] != c.files["farms.geojson"]


@pytest.mark.parametrize("n", [5000, 20000, 50000])
def test_every_site_has_its_own_spot(n: int) -> None:
    spots = sites(season(n))
    assert len(spots) == max(6, round(n / 300)) and len(set(spots.values())) == len(spots)
    points = list(spots.values())
    closest = min(km(a, b) for i, a in enumerate(points) for b in points[i + 1 :])
    assert closest >= 2.5  # Lesina and Poggio Imperiale, 2.8 km apart, are the catalogue's closest


@pytest.mark.parametrize("n", [20000, 50000])
def test_every_spread_site_is_on_land(n: int) -> None:
    """A coastal comune's spiral reaches the sea at 50,000 workers: those spots are skipped (the
    loader refused the 50,000 season: two sites 5.2 and 7.8 km off the coast, session 19)."""
    assert all(in_puglia(lon, lat) for lat, lon in sites(season(n)).values())


def test_the_crowded_layout_stacks_sites_the_hard_case() -> None:
    """What the spread layout is for: at 20,000 the crowded one puts several sites on one spot,
    and the sites behind the first get the 10-bed fallback; the spread one neither."""
    crowded, spread = season(20000, "crowded"), season(20000)
    assert Counter(sites(crowded).values()).most_common(1)[0][1] > 1
    assert min(beds(crowded)) <= 10
    assert min(beds(spread)) > 10


@pytest.mark.parametrize("n", [1700, 5000, 20000])
def test_each_site_has_its_share_of_farms_around_it(n: int) -> None:
    """25 farms within 7.5 km of every site (the farms' jitter is +-5 km); counted by nearest
    site, the median site has 25 and none fewer than 10 or more than 40; ~11.5 workers a farm."""
    gen = season(n)
    s, f = sites(gen), farms(gen)
    assert len(f) == 25 * len(s)
    for p in s.values():
        assert sum(km(p, q) <= 7.5 for q in f.values()) >= 25
    nearest = Counter(min(s, key=lambda sid: km(s[sid], q)) for q in f.values())
    per_site = [nearest[sid] for sid in s]
    assert statistics.median(per_site) == 25
    assert min(per_site) >= 10 and max(per_site) <= 40
    rows = gen.files["workers.csv"].splitlines()[1:]
    assert len(rows) == n
    with_farm = [r.split(",")[5] for r in rows if r.split(",")[5]]
    assert 10 <= len(with_farm) / len(f) <= 13


def test_a_spread_season_loads_and_its_sites_reach_their_farms(tmp_path: Path) -> None:
    """Inside Puglia and valid for the loader; by the pipeline's own travel matrix every farm has
    a foresteria within the commute cap (the one it was drawn around)."""
    write(season(5000), tmp_path)
    sc = load_scenario(tmp_path)
    assert len(sc.foresterie) == 17 and len(sc.farms) == 425 and len(sc.workers) == 5000
    m = build_matrix(sc)
    cap = sc.config.housing.max_commute_min * 60
    for fm in sc.farms:
        assert min(m.secs(f.id, fm.id) for f in sc.foresterie) <= cap, fm.id


def test_a_synthetic_site_opens_for_its_own_farms_harvest() -> None:
    """A synthetic site opens on its farms' first harvest day and closes after their last (the
    cherry farms around Turi's neighbours: May-June), so no farm's own site is shut while it works;
    the catalogue's sites keep their sourced seasons. Site i's farms are F(25i+1)..F(25i+25)."""
    gen = season(5000)
    crop = {
        f["properties"]["id"]: f["properties"]["crop"]
        for f in json.loads(gen.files["farms.geojson"])["features"]
    }
    features = json.loads(gen.files["foresterie.geojson"])["features"]
    assert [f["properties"]["open_from"] for f in features[:2]] == ["2026-05-01", "2026-07-01"]
    for i, f in enumerate(features[8:], start=8):
        mine = [crop[f"F{25 * i + j:03d}"] for j in range(1, 26)]
        p = f["properties"]
        assert p["open_from"][5:] == min(CROPS[c].start for c in mine), p["id"]
        assert p["open_to"][5:] == max(CROPS[c].end for c in mine), p["id"]
    turi = [f["properties"] for f in features[8:] if f["properties"]["comune"] == "Turi"]
    assert turi and all(p["open_to"] <= "2026-06-30" for p in turi)
