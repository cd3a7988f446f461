"""Synthetic seasons built on DOMAIN.md facts: the default Puglia 2026 scenario and scaled variants.

Foresterie, comuni and crop calendars come from ../shared/DOMAIN.md (sources cited there);
workers, farms and exact positions are synthetic. Output is byte-stable for a given seed.
"""

from __future__ import annotations

import json
import math
import random
from collections import defaultdict
from dataclasses import dataclass, replace
from datetime import date, timedelta
from pathlib import Path
from typing import Literal

from foresterie.core.restricted import RESTRICTED_DRAW_KEY, new_draw_key
from foresterie.core.timeutil import fmt_hhmm
from foresterie.scenario.geodata import in_puglia, nearest_in_puglia
from foresterie.scenario.model import PRIORITY_REFERRED, SECTIONS, Section
from foresterie.scenario.puglia2027 import VALUES, sources_md

APPROX_NOTE = (
    "Coordinates approximate (about +-0.01-0.02 deg, not from the sources); capacities from "
    "DOMAIN.md section 1; geocode before real use."
)


@dataclass(frozen=True, kw_only=True)
class Site:
    """A foresteria of the catalogue: sourced capacity and season, approximate position."""

    id: str
    name: str
    comune: str
    lat: float
    lon: float
    beds: tuple[int, int, int, int]  # men, women, family, accessible
    open_from: str  # MM-DD
    open_to: str
    fleet: tuple[tuple[int, int], ...]  # (seats, count) of its own shuttles
    source: str


# Order = which sites a K-foresterie scenario gets first. Sourced facts: DOMAIN.md sec. 1.1.
# Fleets: Campo Libero's 8-seat minibuses and 28-seat buses (6 + 6 from San Severo and Borgo
# Mezzanone) plus Su.Pr.Eme 2's 8 shuttles and the Nardo/Turi shuttles (DOMAIN.md sec. 3);
# how they split between bases is a scenario assumption.
CATALOGUE: tuple[Site, ...] = (
    Site(
        id="FR-SSV",
        name="Foresteria regionale Fortore / Casa Sankara",
        comune="San Severo",
        lat=41.600,
        lon=15.450,
        beds=(330, 40, 30, 12),
        open_from="05-01",
        open_to="09-30",
        fleet=((28, 6), (8, 4)),
        source="400 beds, SS16 km 657 (agenzianova 2019-07-29); open all year; Campo Libero base",
    ),
    Site(
        id="FR-BMZ",
        name="Villaggio dell'Accoglienza (ex CARA)",
        comune="Manfredonia",
        lat=41.490,
        lon=15.700,
        beds=(200, 44, 80, 16),
        open_from="07-01",
        open_to="09-30",
        fleet=((28, 5), (8, 3)),
        source="324 beds with family mini-flats (ledicola 2025); opening date is a planning assumption",
    ),
    Site(
        id="FR-NRD",
        name="Foresteria Boncuri",
        comune="Nardò",
        lat=40.190,
        lon=18.040,
        beds=(300, 20, 0, 8),
        open_from="06-16",
        open_to="09-15",
        fleet=((28, 3), (8, 2)),
        source="320 beds, 80 cabins x 4 (gazzettadelmezzogiorno); opened 16 Jun in 2025",
    ),
    Site(
        id="FR-TUR",
        name="Foresteria di Turi (appartamenti)",
        comune="Turi",
        lat=40.920,
        lon=17.020,
        beds=(80, 10, 0, 4),
        open_from="05-01",
        open_to="06-30",
        fleet=((28, 2), (8, 2)),
        source="up to 90 in 5 flats in 2025 (migrantaffairs); cherry season May-June",
    ),
    Site(
        id="FR-LES",
        name="Moduli Coppa Sentinella",
        comune="Lesina",
        lat=41.840,
        lon=15.360,
        beds=(70, 10, 0, 4),
        open_from="07-01",
        open_to="09-30",
        fleet=((8, 1),),
        source="Lesina + Poggio Imperiale = 160 beds (trmtv 2019); opening unverified",
    ),
    Site(
        id="FR-PGI",
        name="Moduli Conservificio",
        comune="Poggio Imperiale",
        lat=41.820,
        lon=15.380,
        beds=(70, 10, 0, 4),
        open_from="07-01",
        open_to="09-30",
        fleet=((8, 1),),
        source="Lesina + Poggio Imperiale = 160 beds (trmtv 2019); opening unverified",
    ),
    Site(
        id="FR-TAN",
        name="Torretta Antonacci",
        comune="San Severo",
        lat=41.580,
        lon=15.510,
        beds=(90, 10, 0, 4),
        open_from="05-01",
        open_to="09-30",
        fleet=((28, 1), (8, 1)),
        source="regional foresteria area with custody (immediato 2023); beds not stated, assumed",
    ),
    Site(
        id="FR-TER",
        name="Palachicoli",
        comune="Terlizzi",
        lat=41.130,
        lon=16.540,
        beds=(70, 10, 0, 4),
        open_from="06-01",
        open_to="09-30",
        fleet=((8, 2),),
        source="80 beds, municipal foresteria (cia.it 2025)",
    ),
)


@dataclass(frozen=True, kw_only=True)
class Crop:
    name: str
    start: str  # MM-DD harvest window within the season
    end: str
    shift_starts: tuple[str, ...]
    hours: float


CROPS = {
    "cherry": Crop(
        name="cherry",
        start="05-04",
        end="06-28",
        shift_starts=("05:00", "05:30", "06:00"),
        hours=7.5,
    ),
    "asparagus": Crop(
        name="asparagus", start="05-01", end="06-10", shift_starts=("05:30", "06:00"), hours=7.0
    ),
    "watermelon": Crop(
        name="watermelon",
        start="05-25",
        end="08-20",
        shift_starts=("05:00", "05:30", "06:00"),
        hours=7.5,
    ),
    "tomato": Crop(
        name="tomato",
        start="07-20",
        end="09-30",
        shift_starts=("05:00", "05:30", "06:00", "06:30"),
        hours=8.5,
    ),
    "wine grape": Crop(
        name="wine grape", start="08-20", end="09-30", shift_starts=("06:00", "06:30"), hours=8.0
    ),
    "table grape": Crop(
        name="table grape",
        start="07-01",
        end="09-30",
        shift_starts=("05:30", "06:00", "06:30"),
        hours=8.0,
    ),
}

# District -> (share of farms, crop weights, comuni with approximate lat, lon). DOMAIN.md sec. 2.
DISTRICTS: tuple[tuple[str, float, dict[str, float], tuple[tuple[str, float, float], ...]], ...] = (
    (
        "Capitanata",
        0.52,
        {"tomato": 0.7, "asparagus": 0.18, "wine grape": 0.12},
        (
            ("Foggia", 41.46, 15.55),
            ("San Severo", 41.69, 15.38),
            ("Lucera", 41.51, 15.33),
            ("Apricena", 41.78, 15.44),
            ("Torremaggiore", 41.69, 15.29),
            ("San Paolo di Civitate", 41.74, 15.26),
            ("Lesina", 41.86, 15.35),
            ("Cerignola", 41.27, 15.90),
            ("Orta Nova", 41.33, 15.71),
            ("Stornara", 41.29, 15.77),
            ("Ascoli Satriano", 41.21, 15.56),
            ("Manfredonia", 41.63, 15.92),
        ),
    ),
    (
        "Arneo",
        0.2,
        {"watermelon": 0.65, "tomato": 0.35},
        (
            ("Nardò", 40.18, 18.03),
            ("Copertino", 40.27, 18.05),
            ("Porto Cesareo", 40.26, 17.90),
            ("Leverano", 40.29, 17.99),
            ("Veglie", 40.34, 17.96),
            ("Avetrana", 40.35, 17.73),
            ("Galatone", 40.15, 18.07),
        ),
    ),
    (
        "Sud-Est Barese",
        0.16,
        {"cherry": 1.0},
        (
            ("Turi", 40.92, 17.02),
            ("Conversano", 40.97, 17.11),
            ("Castellana Grotte", 40.89, 17.17),
            ("Sammichele di Bari", 40.89, 16.95),
            ("Casamassima", 40.95, 16.92),
            ("Putignano", 40.85, 17.12),
            ("Gioia del Colle", 40.80, 16.92),
        ),
    ),
    (
        "Uva da tavola",
        0.12,
        {"table grape": 1.0},
        (
            ("Rutigliano", 41.01, 17.00),
            ("Noicattaro", 41.03, 16.99),
            ("Adelfia", 41.00, 16.87),
            ("Trinitapoli", 41.36, 16.09),
            ("San Ferdinando di Puglia", 41.30, 16.07),
            ("Castellaneta", 40.63, 16.94),
            ("Massafra", 40.59, 17.11),
        ),
    ),
)

FARM_PREFIX = ("Masseria", "Azienda agricola", "Tenuta", "Podere", "Cooperativa agricola")
FARM_NAMES = (
    "San Vito",
    "Le Querce",
    "Torre Bianca",
    "Mezzana",
    "Santa Lucia",
    "Il Tratturo",
    "Coppa Rossa",
    "La Pezza",
    "San Giusto",
    "Ficora",
    "Pantano",
    "Visciglito",
    "Boncore",
    "Ciurli",
    "Cerase",
    "Lamia",
    "Trulli Belli",
    "Fontana",
    "San Domenico",
    "Petrullo",
    "Castelluccia",
    "Perrone",
    "Arenella",
    "Chiancone",
    "Giardino",
    "Sant'Agata",
    "Nociglia",
    "D'Errico",
    "Caputo",
    "La Motta",
)
HEAT_ALERT_2026 = (
    "2026-07-14",
    "2026-07-15",
    "2026-07-16",
    "2026-07-28",
    "2026-07-29",
    "2026-08-10",
    "2026-08-11",
    "2026-08-12",
)


FLEET_HEADER = (
    "vehicle_id,foresteria_id,seats,fixed_cost_eur_per_day,cost_eur_per_km,"
    "max_duty_min,available_from,available_to"
)


@dataclass(kw_only=True)
class Generated:
    """A synthetic scenario in memory: the files it would write, as text."""

    name: str
    files: dict[str, str]  # file name -> content


def _d(year: int, mmdd: str) -> date:
    return date.fromisoformat(f"{year}-{mmdd}")


def _geojson(features: list[dict[str, object]], name: str) -> str:
    fc = {"type": "FeatureCollection", "name": name, "features": features}
    return json.dumps(fc, ensure_ascii=False, indent=1) + "\n"


def _square(lon: float, lat: float, rng: random.Random) -> list[list[list[float]]]:
    """A small field (~300-600 m a side) around a point, slightly skewed."""
    w = rng.uniform(0.002, 0.004)
    h = rng.uniform(0.0015, 0.003)
    s = rng.uniform(-0.0005, 0.0005)
    ring = [
        [lon - w, lat - h],
        [lon + w, lat - h + s],
        [lon + w, lat + h],
        [lon - w, lat + h + s],
        [lon - w, lat - h],
    ]
    return [[[round(x, 6), round(y, 6)] for x, y in ring]]


Layout = Literal["crowded", "spread"]
GOLDEN_ANGLE = math.pi * (3 - math.sqrt(5))  # radians: Vogel's spiral spreads points evenly
SPREAD_STEP = 0.04  # degrees of latitude: the spiral's scale around a comune (~4.5 km)


def _crowded_sites(n_foresterie: int) -> list[Site]:
    """The catalogue, then synthetic sites at the districts' comuni in turn (+0.02, -0.02 deg):
    from 38 sites on, several share one spot."""
    sites = list(CATALOGUE[:n_foresterie])
    for k in range(len(sites), n_foresterie):  # beyond the catalogue: synthetic sites
        district = DISTRICTS[k % len(DISTRICTS)]
        com, lat, lon = district[3][(k // len(DISTRICTS)) % len(district[3])]
        sites.append(
            Site(
                id=f"FR-X{k:02d}",
                name=f"Foresteria sintetica {k}",
                comune=com,
                lat=lat + 0.02,
                lon=lon - 0.02,
                beds=(90, 10, 0, 4),
                open_from="05-01",
                open_to="09-30",
                fleet=((8, 1),),
                source="synthetic site (not a real foresteria)",
            )
        )
    return sites


MIN_SPACING_KM = 2.5  # between a synthetic site and any other (Lesina-Poggio Imperiale: 2.8)


def _km(lat0: float, lon0: float, lat1: float, lon1: float) -> float:
    """Great-circle kilometres (haversine, as the travel backend)."""
    a, b = math.radians(lat0), math.radians(lat1)
    h = (
        math.sin((b - a) / 2) ** 2
        + math.cos(a) * math.cos(b) * math.sin(math.radians(lon1 - lon0) / 2) ** 2
    )
    return 2 * 6371.0 * math.asin(math.sqrt(h))


def _district_of(lat: float, lon: float) -> int:
    """The district whose comune is nearest (in degrees, longitude scaled to latitude's km)."""
    return min(
        ((lat - cl) ** 2 + (0.75 * (lon - cn)) ** 2, i)
        for i, d in enumerate(DISTRICTS)
        for _, cl, cn in d[3]
    )[1]


def _spread(rng: random.Random, n_farms: int, n_foresterie: int) -> tuple[list[Site], list[dict]]:
    """A larger season as more foresterie where the harvest is, each with its own farms: the
    catalogue's sites, then synthetic ones, each given to the district furthest below its share
    of the farms (DISTRICTS), at the district's comuni in turn, the j-th round on a golden-angle
    spiral around the comune (radius 0.04 deg x sqrt(round + 0.5)), skipping spots within 2.5 km
    of a site already placed and spots out at sea: every site on its own spot, in Puglia. A synthetic site opens for its own
    farms' harvest (the first crop's start to the last one's end), so no farm's nearest site is
    closed while the farm works (a district's catalogue seasons instead left asparagus farms
    beside sites open from July: 733 partial stays at 5,000 and housing's transfer and commute
    tiers stopped on their budgets; benchmarks/RESULTS.md, 2026-11-27, helper G).
    Each site gets an equal share of the farms, within ~5 km of it, crops from its district's
    mix; a farm's comune is its site's. Deterministic (the sites draw nothing)."""
    sites = list(CATALOGUE[:n_foresterie])
    district = [_district_of(s.lat, s.lon) for s in sites]
    synthetic = [0] * len(DISTRICTS)  # spiral spots per district used so far
    for k in range(len(sites), n_foresterie):
        count = [district.count(i) for i in range(len(DISTRICTS))]
        d = max(range(len(DISTRICTS)), key=lambda i: (DISTRICTS[i][1] * (k + 1) - count[i], -i))
        name, _share, _crops, comuni = DISTRICTS[d]
        while True:  # the next spot of the district's spirals on land, 2.5 km from every site
            j = synthetic[d]
            synthetic[d] += 1
            com, lat0, lon0 = comuni[j % len(comuni)]
            turn = j // len(comuni)
            radius = SPREAD_STEP * math.sqrt(turn + 0.5)
            angle = turn * GOLDEN_ANGLE + j % len(comuni)
            lat = round(lat0 + radius * math.sin(angle), 5)
            lon = round(lon0 + radius * math.cos(angle) / math.cos(math.radians(lat0)), 5)
            if not in_puglia(lon, lat):  # a coastal comune's spiral out at sea (50,000 workers)
                continue
            if all(_km(lat, lon, s.lat, s.lon) >= MIN_SPACING_KM for s in sites):
                break
        sites.append(
            Site(
                id=f"FR-X{k:03d}",
                name=f"Foresteria sintetica {k}",
                comune=com,
                lat=lat,
                lon=lon,
                beds=(90, 10, 0, 4),
                open_from="05-01",  # until its farms are drawn: see below
                open_to="09-30",
                fleet=((8, 1),),
                source=f"synthetic site (not a real foresteria) in {name}",
            )
        )
        district.append(d)
    farms: list[dict] = []
    base, extra = divmod(n_farms, n_foresterie)
    for i, (s, d) in enumerate(zip(sites, district, strict=True)):
        name, _share, crops, _comuni = DISTRICTS[d]
        mine = [
            _farm(rng, len(farms) + 1 + j, name, crops, s.comune, s.lat, s.lon)
            for j in range(base + (i < extra))
        ]
        farms += mine
        if i >= len(CATALOGUE) and mine:  # a synthetic site opens for its own farms' harvest
            sites[i] = replace(
                s,
                open_from=min(CROPS[f["crop"]].start for f in mine),
                open_to=max(CROPS[f["crop"]].end for f in mine),
            )
    return sites, farms


def generate(
    name: str,
    n_workers: int,
    n_farms: int,
    n_foresterie: int,
    seed: int,
    oversubscription: float | None = None,
    year: int = 2026,
    foresterie_path: str = "foresterie.geojson",
    layout: Layout = "crowded",
) -> Generated:
    """Build a whole scenario. oversubscription=None keeps sourced beds and fleets.

    layout "crowded": farms at the districts' comuni by the districts' shares, sites beyond the
    catalogue at those comuni in turn (several on one spot from 38 sites on); "spread": every
    site on its own spot where the harvest is and an equal share of the farms around each
    (`_spread`), the shape of a larger season in the same region (benchmarks/pipeline_scale.py).
    """
    if n_foresterie < 1 or n_farms < 1 or n_workers < 1:
        raise ValueError("workers, farms and foresterie must be at least 1")
    rng = random.Random(seed)
    season0, season1 = _d(year, "05-01"), _d(year, "09-30")
    if layout == "spread":
        sites, farms = _spread(rng, n_farms, n_foresterie)
    else:
        sites = _crowded_sites(n_foresterie)
        farms = _make_farms(rng, n_farms, year)
    workers = _make_workers(rng, farms, n_workers, year)
    beds = _beds(sites, workers, farms, oversubscription, year)
    fleet = _fleet(sites, beds, oversubscription, year)

    f_features: list[dict[str, object]] = []
    for s in sites:
        b = beds[s.id]
        f_features.append(
            {
                "type": "Feature",
                "properties": {
                    "id": s.id,
                    "name": s.name,
                    "comune": s.comune,
                    "beds_men": b[0],
                    "beds_women": b[1],
                    "beds_family": b[2],
                    "beds_accessible": b[3],
                    "open_from": _d(year, s.open_from).isoformat(),
                    "open_to": _d(year, s.open_to).isoformat(),
                    "source": s.source,
                    "note": APPROX_NOTE,
                },
                "geometry": {"type": "Point", "coordinates": [s.lon, s.lat]},
            }
        )
    farm_features: list[dict[str, object]] = []
    for fm in farms:
        geom: dict[str, object]
        if fm["polygon"]:
            geom = {"type": "Polygon", "coordinates": fm["polygon"]}
        else:
            geom = {"type": "Point", "coordinates": [fm["lon"], fm["lat"]]}
        props = {
            k: fm[k]
            for k in ("id", "name", "comune", "crop", "shift_start", "shift_end", "workdays")
        }
        farm_features.append({"type": "Feature", "properties": props, "geometry": geom})

    wlines = [
        "worker_id,arrival,departure,section,group_id,farm_id,priority,accessible,pinned_foresteria"
    ]
    for w in workers:
        wlines.append(
            ",".join(
                [
                    w["id"],
                    w["arrival"].isoformat(),
                    w["departure"].isoformat(),
                    w["section"],
                    w["group"],
                    w["farm"],
                    str(w["priority"]),
                    "true" if w["accessible"] else "false",
                    "",
                ]
            )
        )
    flines = [FLEET_HEADER]
    flines += fleet
    heat = [h for h in HEAT_ALERT_2026 if h.startswith(str(year))] if year == 2026 else []
    toml = _toml(name, season0, season1, seed, heat, foresterie_path)
    return Generated(
        name=name,
        files={
            "scenario.toml": toml,
            foresterie_path: _geojson(f_features, "foresterie"),
            "farms.geojson": _geojson(farm_features, "farms"),
            "workers.csv": "\n".join(wlines) + "\n",
            "fleet.csv": "\n".join(flines) + "\n",
        },
    )


def _make_farms(
    rng: random.Random,
    n_farms: int,
    year: int,
    districts: tuple = DISTRICTS,
    crop_table: dict[str, Crop] = CROPS,
) -> list[dict]:
    farms: list[dict] = []
    counts = [round(n_farms * d[1]) for d in districts]
    counts[0] += n_farms - sum(counts)
    for (district, _share, crops, comuni), count in zip(districts, counts, strict=True):
        for i in range(count):
            com, lat, lon = comuni[i % len(comuni)]
            farms.append(_farm(rng, len(farms) + 1, district, crops, com, lat, lon, crop_table))
    return farms


def _farm(
    rng: random.Random,
    k: int,
    district: str,
    crops: dict[str, float],
    com: str,
    lat: float,
    lon: float,
    crop_table: dict[str, Crop] = CROPS,
) -> dict:
    """Farm number k: a crop of the district's mix, a shift, a spot within ~5 km of (lat, lon)."""
    crop_names = sorted(crops)
    crop = rng.choices(crop_names, weights=[crops[c] for c in crop_names])[0]
    c = crop_table[crop]
    start = rng.choice(c.shift_starts)
    h, m = map(int, start.split(":"))
    end_min = h * 60 + m + int(c.hours * 60)
    lat_f = round(lat + rng.uniform(-0.045, 0.045), 5)
    lon_f = round(lon + rng.uniform(-0.055, 0.055), 5)
    if not in_puglia(lon_f, lat_f):  # drawn too far into the sea off a coastal comune
        lon_f, lat_f = (round(v, 5) for v in nearest_in_puglia(lon_f, lat_f))
    poly = _square(lon_f, lat_f, rng) if rng.random() < 0.2 else None
    return {
        "id": f"F{k:03d}",
        "district": district,
        "comune": com,
        "crop": crop,
        "name": f"{rng.choice(FARM_PREFIX)} {rng.choice(FARM_NAMES)}",
        "shift_start": start,
        "shift_end": fmt_hhmm(end_min),
        "workdays": "Mon-Sun" if rng.random() < 0.15 else "Mon-Sat",
        "lat": lat_f,
        "lon": lon_f,
        "polygon": poly,
        "size": rng.lognormvariate(0.0, 0.6),
    }


def _make_workers(
    rng: random.Random,
    farms: list[dict],
    n_workers: int,
    year: int,
    mix: tuple[float, ...] = (0.84, 0.93, 0.72, 0.84, 0.93),
    crop_table: dict[str, Crop] = CROPS,
) -> list[dict]:
    """Crews arrive in waves per farm (so profiles repeat); some groups, women, families.

    mix: cumulative shares (men, +women) of sections, then (0, +1, +2) of priorities.
    """
    men, women, p0, p1, p2 = mix
    total = sum(f["size"] for f in farms)
    quota = [max(1, round(n_workers * f["size"] / total)) for f in farms]
    while sum(quota) > n_workers:
        quota[quota.index(max(quota))] -= 1
    while sum(quota) < n_workers:
        quota[quota.index(min(quota))] += 1
    workers: list[dict] = []
    gid = 0
    season_end = _d(year, "09-30") + timedelta(days=1)
    for farm, q in zip(farms, quota, strict=True):
        crop = crop_table[farm["crop"]]
        c0, c1 = _d(year, crop.start), _d(year, crop.end)
        window = (c1 - c0).days
        waves = []
        for _ in range(rng.choice((1, 2, 2, 3))):
            a = c0 + timedelta(days=rng.randint(0, max(0, window // 3)))
            length = rng.randint(min(21, window), max(21, window))
            dep = min(a + timedelta(days=length), c1 + timedelta(days=1), season_end)
            waves.append((a, max(dep, a + timedelta(days=7))))
        left = q
        while left > 0:
            arr, dep = rng.choice(waves)
            if rng.random() < 0.15:  # stragglers: a few days late
                arr = min(arr + timedelta(days=rng.randint(1, 4)), dep - timedelta(days=3))
            u = rng.random()
            section = Section.MEN if u < men else Section.WOMEN if u < women else Section.FAMILY
            size = 1
            if section == Section.FAMILY:
                size = min(left, rng.randint(2, 4))
            elif rng.random() < 0.1:
                size = min(left, rng.randint(2, 5))
            p = rng.random()
            prio = 0 if p < p0 else 1 if p < p1 else 2 if p < p2 else PRIORITY_REFERRED
            group = ""
            if size > 1:
                gid += 1
                group = f"G{gid:04d}"
            farm_id = farm["id"] if rng.random() > 0.04 else ""
            for member in range(size):
                workers.append(
                    {
                        "member": member,
                        "arrival": arr,
                        "departure": dep,
                        "section": section.value,
                        "group": group,
                        "farm": farm_id,
                        "priority": prio,
                        "accessible": size == 1 and rng.random() < 0.015,
                    }
                )
            left -= size
    order = list(range(len(workers)))
    rng.shuffle(order)  # ids carry no information about farm or wave
    for new_id, idx in enumerate(order, start=1):
        workers[idx]["id"] = f"W{new_id:05d}"
    workers.sort(key=lambda w: w["id"])
    return workers


def _home(farm: dict, sites: list[Site]) -> Site:
    return min(sites, key=lambda s: (s.lat - farm["lat"]) ** 2 + (s.lon - farm["lon"]) ** 2)


def _beds(
    sites: list[Site], workers: list[dict], farms: list[dict], oversub: float | None, year: int
) -> dict[str, tuple[int, int, int, int]]:
    """Sourced beds, or beds scaled so each site's natural peak demand is oversub x its beds."""
    if oversub is None:
        return {s.id: s.beds for s in sites}
    farm_by_id = {f["id"]: f for f in farms}
    load: dict[tuple[str, str, date], int] = defaultdict(int)
    for w in workers:
        fm = farm_by_id.get(w["farm"]) or farms[int(w["id"][1:]) % len(farms)]
        site = _home(fm, sites)
        d = w["arrival"]
        while d < w["departure"]:
            load[(site.id, w["section"], d)] += 1
            d += timedelta(days=1)
    peak: dict[tuple[str, str], int] = defaultdict(int)  # (site, section) -> its busiest night
    for (sid, sec, _), v in load.items():
        peak[(sid, sec)] = max(peak[(sid, sec)], v)
    out = {}
    for s in sites:
        peaks = [peak[(s.id, x.value)] for x in SECTIONS]
        b = [math.ceil(p / oversub) for p in peaks]
        if sum(b) == 0:
            b = [10, 0, 0]
        out[s.id] = (b[0], b[1], b[2], max(1, sum(b) // 40))
    return out


def _fleet(
    sites: list[Site], beds: dict[str, tuple[int, int, int, int]], oversub: float | None, year: int
) -> list[str]:
    """Sourced fleets (Campo Libero: 8-seat minibuses and 28-seat buses) or scaled to beds."""
    lines = []
    for s in sites:
        if oversub is None:
            spec = s.fleet
        else:
            seats_needed = sum(beds[s.id][:3]) * 0.5  # about two chained trips a morning
            buses = max(1, round(seats_needed * 0.75 / 28))
            minis = max(1, round(seats_needed * 0.25 / 8))
            spec = ((28, buses), (8, minis))
        k = 0
        for seats, count in spec:
            for _ in range(count):
                k += 1
                fixed, per_km = (280.0, 0.95) if seats >= 20 else (160.0, 0.38)
                lines.append(
                    f"{s.id}-V{k:02d},{s.id},{seats},{fixed:.2f},{per_km:.2f},540,"
                    f"{_d(year, s.open_from).isoformat()},{_d(year, s.open_to).isoformat()}"
                )
    return lines


def _toml(name: str, s0: date, s1: date, seed: int, heat: list[str], foresterie: str) -> str:
    heat_list = ", ".join(heat)
    return f"""# foresterie scenario (format: README.md, "Scenario format")
[scenario]
name = "{name}"
season_start = {s0.isoformat()}
season_end = {s1.isoformat()}
seed = {seed}
timezone = "Europe/Rome"

[data]
foresterie = "{foresterie}"
farms = "farms.geojson"
workers = "workers.csv"
fleet = "fleet.csv"
# The secret behind the tie-breaks among equals (README "Restricted part and encryption"),
# written fresh by `foresterie scenario generate`; a run keeps it in restricted/.
draw_key = "draw_key.txt"

[housing]
max_commute_min = 60
# Foresterie admit people from the opening night and send them on at closing, with one move
# when one closes and another within reach is open; no bed is offered for under a week.
partial_stays = true
max_transfers = 1
min_overlap_nights = 7

[transport]
max_ride_min = 75
arrive_early_max_min = 30
wait_after_shift_max_min = 30
# Regional heat ordinance: no field work 12:30-16:00 on high-risk days (DOMAIN.md sec. 3).
heat_alert_days = [{heat_list}]
heat_alert_shift_end = "12:30"

[travel]
backend = "haversine"
circuity = 1.3
speed_kmh = 55.0

[solver]
housing_backend = "scip"
shuttle_engine = "pyvrp"
shuttle_iterations = 1000
shuttle_patience = 100
wall_clock_limit_s = 900.0
"""


# --- The 2027 season: every value from the parameter table in puglia2027.py -------------------

SITE_IDS_2027 = ("FR-SSV", "FR-BMZ", "FR-NRD", "FR-TUR")
# The Borgo Mezzanone settlement's departure point (DOMAIN.md sec. 3: Campo Libero's second
# departure point): [data] pickups; the Capitanata applicants board there on days without a bed.
EX_PISTA = {
    "id": "PK-BMZ-PISTA",
    "name": "Borgo Mezzanone, ex pista (insediamento informale)",
    "comune": "Manfredonia",
    "kind": "settlement",
}
EX_PISTA_LONLAT = (15.665, 41.485)  # approximate, like every coordinate here


def _crop_2027(name: str) -> Crop:
    """A crop from its 'MM-DD..MM-DD' harvest and 'HH:MM|HH:MM for H h' shift parameters."""
    start, end = str(VALUES[f"crop.{name}.harvest"]).split("..")
    starts, hours = str(VALUES[f"crop.{name}.shift"]).removesuffix(" h").split(" for ")
    return Crop(
        name=name, start=start, end=end, shift_starts=tuple(starts.split("|")), hours=float(hours)
    )


def _weights_2027(district: str) -> dict[str, float]:
    pairs = (part.rsplit(" ", 1) for part in str(VALUES[f"crops.{district}"]).split("; "))
    return {crop: float(w) for crop, w in pairs}


def _site_2027(sid: str) -> Site:
    v = {
        k.removeprefix(f"site.{sid}."): x for k, x in VALUES.items() if k.startswith(f"site.{sid}.")
    }
    return Site(
        id=sid,
        name=str(v["name"]),
        comune=str(v["comune"]),
        lat=float(v["lat"]),
        lon=float(v["lon"]),
        beds=(
            int(v["beds_men"]),
            int(v["beds_women"]),
            int(v["beds_family"]),
            int(v["beds_accessible"]),
        ),
        open_from=str(v["open_from"])[5:],
        open_to=str(v["open_to"])[5:],
        fleet=(),
        source="see SOURCES.md",
    )


def _workers_2027(
    rng: random.Random, farms: list[dict], crops: dict[str, Crop], year: int
) -> list[dict]:
    """Applicants per district (none where there is no foresteria), residents, dependants."""
    v = VALUES
    men, women = float(v["demand.share_men"]), float(v["demand.share_women"])
    p = [float(v[f"demand.share_priority_{k}"]) for k in range(3)]
    mix = (men, men + women, p[0], p[0] + p[1], p[0] + p[1] + p[2])
    people: list[dict] = []
    for k, district in enumerate(d[0] for d in DISTRICTS):
        n = int(v[f"demand.{district}.applicants"])
        mine = [f for f in farms if f["district"] == district]
        start = v.get(f"demand.{district}.apply_from")
        first = _d(year, str(start)) if start else _d(year, "01-01")
        if n and mine:
            pickup = str(v.get(f"demand.{district}.pickup_id", ""))
            for w in _make_workers(rng, mine, n, year, mix, crops):
                w["district"] = district  # for the language mix (_langs_2027); draws nothing
                w["group"] = f"{k}:{w['group']}" if w["group"] else ""
                w["pickup"] = pickup
                w["arrival"] = max(w["arrival"], first)
                if w["departure"] >= w["arrival"] + timedelta(days=7):
                    people.append(w)
    s0 = date.fromisoformat(str(v["season.start"]))
    s1 = date.fromisoformat(str(v["season.end"])) + timedelta(days=1)
    stay = {"arrival": s0, "departure": s1, "farm": "", "priority": 0, "accessible": False}
    resident = {**stay, "pinned": "FR-SSV", "group": "", "member": 0}
    people += [{**resident, "section": "men"} for _ in range(int(v["residents.FR-SSV.men"]))]
    people += [{**resident, "section": "women"} for _ in range(int(v["residents.FR-SSV.women"]))]
    for f in range(int(v["residents.FR-SSV.families_of_3"])):
        people += [
            {**resident, "section": "family", "group": f"R:{f}", "member": m} for m in range(3)
        ]
    order = list(range(len(people)))
    rng.shuffle(order)
    groups: dict[str, str] = {}
    adults = int(v["demand.family_adults"])
    for new_id, idx in enumerate(order, start=1):
        w = people[idx]
        w["id"] = f"W{new_id:05d}"
        w["rides"] = not (w["section"] == "family" and w["member"] >= adults)
    people.sort(key=lambda w: w["id"])
    for w in people:
        if w["group"]:
            w["group"] = groups.setdefault(w["group"], f"G{len(groups) + 1:04d}")
    return people


def _mix(text: str) -> dict[str, float]:
    """'fr 0.5; en 0.4' -> {'fr': 0.5, 'en': 0.4}."""
    pairs = (part.rsplit(" ", 1) for part in text.split("; "))
    return {code: float(w) for code, w in pairs}


def _langs_2027(workers: list[dict], farms: list[dict]) -> dict[str, str]:
    """worker id -> the language of their notices, drawn from the `lang.*` mixes (SOURCES.md):
    residents', else the district's for the farm's crop, else the district's; one draw per group.
    The draw has a random generator of its own (`lang.seed`): the season's stream, and so every
    other column and the plan, are the same with or without it."""
    v = VALUES
    rng = random.Random(int(v["lang.seed"]))
    crop = {f["id"]: f["crop"] for f in farms}
    out: dict[str, str] = {}
    by_group: dict[str, str] = {}
    for w in sorted(workers, key=lambda w: w["id"]):
        if w["group"] in by_group:
            out[w["id"]] = by_group[w["group"]]
            continue
        if w.get("pinned"):
            key = "lang.residents"
        else:
            key = f"lang.{w['district']}"
            if f"{key}.{crop.get(w['farm'], '')}" in v:
                key = f"{key}.{crop[w['farm']]}"
        mix = _mix(str(v[key]))
        code = rng.choices(list(mix), weights=list(mix.values()))[0]
        out[w["id"]] = code
        if w["group"]:
            by_group[w["group"]] = code
    return out


def _fleet_2027(sites: list[Site], year: int) -> list[str]:
    v = VALUES
    rates = {
        seats: (
            float(v[f"cost.seats{seats}.eur_per_day"]),
            float(v[f"cost.seats{seats}.eur_per_km"]),
        )
        for seats in (8, 28)
    }
    cl0, cl1 = (_d(year, x) for x in str(v["fleet.campo_libero.window"]).split(".."))
    duty = int(v["fleet.max_duty_min"])
    lines = []
    for s in sites:
        o0, o1 = _d(year, s.open_from), _d(year, s.open_to)
        spec: list[tuple[str, int, date, date]] = []  # (service, seats, from, to)
        for seats in (28, 8):
            n = int(v.get(f"fleet.campo_libero.{s.id}.seats{seats}", 0))
            spec += [("CL", seats, max(cl0, o0), min(cl1, o1))] * n
        n = int(v.get(f"fleet.supreme.{s.id}", 0))
        spec += [("SP", int(v["fleet.supreme.seats"]), o0, o1)] * n
        count: dict[str, int] = defaultdict(int)
        for service, seats, a, b in spec:
            count[service] += 1
            fixed, per_km = rates[seats]
            lines.append(
                f"{s.id}-{service}{count[service]:02d},{s.id},{seats},{fixed:.2f},{per_km:.2f},"
                f"{duty},{a.isoformat()},{b.isoformat()}"
            )
    return lines


def generate_2027(name: str, bmz_open: bool = True) -> Generated:
    """The default 2027 season (SOURCES.md); bmz_open=False is the twin without the Villaggio.

    Both draw the same farms and the same people: only the site and its vehicles differ.
    """
    v = VALUES
    year = int(str(v["season.start"])[:4])
    rng = random.Random(int(v["season.seed"]))
    crops = {c: _crop_2027(c) for c in CROPS if f"crop.{c}.harvest" in v}
    chosen = [d for d in DISTRICTS if int(v.get(f"farms.{d[0]}", 0))]
    n_farms = sum(int(v[f"farms.{d[0]}"]) for d in chosen)
    districts = tuple(
        (d[0], int(v[f"farms.{d[0]}"]) / n_farms, _weights_2027(d[0]), d[3]) for d in chosen
    )
    farms = _make_farms(rng, n_farms, year, districts, crops)
    workers = _workers_2027(rng, farms, crops, year)
    langs = _langs_2027(workers, farms)
    sites = [_site_2027(sid) for sid in SITE_IDS_2027 if bmz_open or sid != "FR-BMZ"]
    sites_json = _geojson(
        [
            {
                "type": "Feature",
                "properties": {
                    "id": s.id,
                    "name": s.name,
                    "comune": s.comune,
                    "beds_men": s.beds[0],
                    "beds_women": s.beds[1],
                    "beds_family": s.beds[2],
                    "beds_accessible": s.beds[3],
                    "open_from": _d(year, s.open_from).isoformat(),
                    "open_to": _d(year, s.open_to).isoformat(),
                    "source": "SOURCES.md",
                    "note": APPROX_NOTE,
                },
                "geometry": {"type": "Point", "coordinates": [s.lon, s.lat]},
            }
            for s in sites
        ],
        "foresterie",
    )
    wlines = [
        "worker_id,arrival,departure,section,group_id,farm_id,priority,accessible,"
        "pinned_foresteria,rides,pickup_id,lang"
    ]
    for w in workers:
        wlines.append(
            f"{w['id']},{w['arrival'].isoformat()},{w['departure'].isoformat()},{w['section']},"
            f"{w['group']},{w['farm']},{w['priority']},{str(w['accessible']).lower()},"
            f"{w.get('pinned', '')},{str(w['rides']).lower()},{w.get('pickup', '')},"
            f"{langs[w['id']]}"
        )
    farm_features: list[dict[str, object]] = []
    for fm in farms:
        geom: dict[str, object] = (
            {"type": "Polygon", "coordinates": fm["polygon"]}
            if fm["polygon"]
            else {"type": "Point", "coordinates": [fm["lon"], fm["lat"]]}
        )
        keys = ("id", "name", "comune", "crop", "shift_start", "shift_end", "workdays")
        props = {k: fm[k] for k in keys}
        farm_features.append({"type": "Feature", "properties": props, "geometry": geom})
    heat = str(v["season.heat_alert_days"]).split(";")
    toml = _toml(
        name,
        date.fromisoformat(str(v["season.start"])),
        date.fromisoformat(str(v["season.end"])),
        int(v["season.seed"]),
        heat,
        "foresterie.geojson",
    ).replace(
        'heat_alert_shift_end = "12:30"\n',
        'heat_alert_shift_end = "12:30"\n'
        "# The caporale's transport fee the free shuttle saves, per worker-day: EUR 5 a day to EUR 5\n"
        "# per leg (DOMAIN.md sec. 7; SOURCES.md).\n"
        f"caporale_fee_eur = [{float(v['fee.caporale_eur_low'])}, {float(v['fee.caporale_eur_high'])}]\n",
    )
    toml = toml.replace(
        'fleet = "fleet.csv"\n',
        'fleet = "fleet.csv"\n'
        "# The Borgo Mezzanone settlement ('ex pista'): where people without a bed board.\n"
        'pickups = "pickups.geojson"\n',
    )
    toml = toml.replace(
        "shuttle_patience = 100\n",
        f"shuttle_patience = {int(v['solver.shuttle_patience'])}\n"
        f"chaining_deterministic_time = {float(v['solver.chaining_deterministic_time'])}\n",
    )
    pickup: dict[str, object] = {
        "type": "Feature",
        "properties": {**EX_PISTA, "note": APPROX_NOTE},
        "geometry": {"type": "Point", "coordinates": list(EX_PISTA_LONLAT)},
    }
    what = "with" if bmz_open else "without"
    note = (
        f"Scenario `{name}`: the 2027 season {what} Borgo Mezzanone's Villaggio dell'Accoglienza. "
        "Written by `foresterie scenario generate` from the table in "
        "`src/foresterie/scenario/puglia2027.py`; do not edit by hand. Facts and links are from "
        "`../shared/DOMAIN.md`; every row not marked 'assumption' is sourced. Farms, people and "
        "exact positions are synthetic. `pickups.geojson` is the Borgo Mezzanone settlement's "
        "departure point ('ex pista'), where the Capitanata applicants board on days without a bed."
    )
    return Generated(
        name=name,
        files={
            "scenario.toml": toml,
            "foresterie.geojson": sites_json,
            "farms.geojson": _geojson(farm_features, "farms"),
            "workers.csv": "\n".join(wlines) + "\n",
            "fleet.csv": "\n".join([FLEET_HEADER, *_fleet_2027(sites, year)]) + "\n",
            "pickups.geojson": _geojson([pickup], "pickups"),
            "SOURCES.md": sources_md(name, note),
        },
    )


def write(gen: Generated, folder: Path) -> list[Path]:
    """Write every file (paths relative to the scenario folder, e.g. ../../geodata/...), and a
    fresh draw key (64 random hex digits) unless the folder has one already: the key is a
    secret, so no generator output can hold it, and re-generating keeps the draws."""
    written = []
    for fname, text in gen.files.items():
        path = folder / fname
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8", newline="\n")
        written.append(path)
    key = folder / RESTRICTED_DRAW_KEY
    if not key.is_file():
        key.write_text(new_draw_key() + "\n", encoding="utf-8", newline="\n")
        written.append(key)
    return written


# The embedded default: DOMAIN.md's four regional foresterie, ~150 farms, ~1,700 workers.
# Its what-if twin adds the Lesina and Poggio Imperiale modules with a minibus each (same people).
DEFAULT = {
    "name": "puglia-2026",
    "n_workers": 1700,
    "n_farms": 150,
    "n_foresterie": 4,
    "seed": 2026,
    "foresterie_path": "../../geodata/foresterie.geojson",
}
LESINA = {
    **DEFAULT,
    "name": "puglia-2026-lesina",
    "n_foresterie": 6,
    "foresterie_path": "foresterie.geojson",
}
# The default 2027 season (Borgo Mezzanone's Villaggio open from July, an assumption) and its
# twin where the Villaggio is not ready: name -> bmz_open.
SEASONS_2027 = {"puglia-2027": True, "puglia-2027-no-bmz": False}
