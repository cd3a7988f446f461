"""The 2027 default season: its parameter table, SOURCES.md, the no-bmz twin and its people."""

from __future__ import annotations

import csv
import io
import json
import re
from collections import Counter
from datetime import timedelta

import pytest

from foresterie.scenario.generator import DISTRICTS, SEASONS_2027, generate_2027
from foresterie.scenario.load import load_scenario
from foresterie.scenario.puglia2027 import PARAMS, VALUES
from tests.helpers import ROOT

SCENARIOS = ROOT / "scenarios"


@pytest.fixture(scope="module")
def twins() -> dict[str, dict[str, str]]:
    return {name: generate_2027(name, bmz_open=open_).files for name, open_ in SEASONS_2027.items()}


def _rows(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text)))


@pytest.mark.parametrize("name", sorted(SEASONS_2027))
def test_shipped_2027_scenarios_are_what_the_generator_makes(
    name: str, twins: dict[str, dict[str, str]]
) -> None:
    for fname, text in twins[name].items():
        assert (SCENARIOS / name / fname).read_text(encoding="utf-8") == text, fname


def test_every_parameter_is_in_sources_md_with_its_value() -> None:
    text = (SCENARIOS / "puglia-2027" / "SOURCES.md").read_text(encoding="utf-8")
    listed = {}
    for line in text.splitlines():
        m = re.match(r"\| `([^`]+)` \| (.*?) \| (.+) \|$", line)
        if m:
            listed[m[1]] = (m[2].replace("\\|", "|"), m[3])
    assert len(PARAMS) == len(VALUES), "duplicate parameter keys"
    for p in PARAMS:
        assert p.key in listed, p.key
        value, source = listed[p.key]
        assert value == str(p.value), p.key
        assert "DOMAIN.md" in source or "assumption" in source or source.startswith("as "), p.key


def test_the_generator_reads_its_values_from_the_table(
    twins: dict[str, dict[str, str]], monkeypatch: pytest.MonkeyPatch
) -> None:
    from foresterie.scenario import generator

    changed = dict(VALUES)
    changed["site.FR-TUR.beds_men"] = 7
    changed["fee.caporale_eur_high"] = 12.5
    changed["demand.Sud-Est Barese.applicants"] = 10
    monkeypatch.setattr(generator, "VALUES", changed)
    files = generator.generate_2027("puglia-2027").files
    turi = next(
        f
        for f in json.loads(files["foresterie.geojson"])["features"]
        if f["properties"]["id"] == "FR-TUR"
    )
    assert turi["properties"]["beds_men"] == 7
    assert "caporale_fee_eur = [5.0, 12.5]" in files["scenario.toml"]
    assert len(_rows(files["workers.csv"])) < len(_rows(twins["puglia-2027"]["workers.csv"]))


def test_the_twin_has_the_same_people_and_no_villaggio(twins: dict[str, dict[str, str]]) -> None:
    a, b = twins["puglia-2027"], twins["puglia-2027-no-bmz"]
    assert a["workers.csv"] == b["workers.csv"] and a["farms.geojson"] == b["farms.geojson"]
    ids = [f["properties"]["id"] for f in json.loads(b["foresterie.geojson"])["features"]]
    assert ids == ["FR-SSV", "FR-NRD", "FR-TUR"]
    assert "FR-BMZ" not in b["fleet.csv"] and "FR-BMZ" in a["fleet.csv"]
    assert "FR-BMZ" not in (SCENARIOS / "puglia-2027-no-bmz" / "fleet.csv").read_text()


def test_demand_residents_and_dependants() -> None:
    sc = load_scenario(SCENARIOS / "puglia-2027")
    assert 1700 <= len(sc.workers) <= 4000
    farms = {f.id: f for f in sc.farms}
    grape_comuni = {c for d in DISTRICTS if d[0] == "Uva da tavola" for c, _, _ in d[3]}
    assert not any(farms[w.farm_id].comune in grape_comuni for w in sc.workers if w.farm_id)
    assert not any(f.crop == "table grape" for f in sc.farms)
    # Over-subscribed: more cherry pickers than Turi's beds, more Capitanata people than its beds.
    cherry = sum(1 for w in sc.workers if w.farm_id and farms[w.farm_id].crop == "cherry")
    assert cherry > 2 * sc.foresteria("FR-TUR").beds_total
    capitanata = sum(sc.foresteria(f).beds_total for f in ("FR-SSV", "FR-BMZ"))
    tomato = sum(1 for w in sc.workers if w.farm_id and farms[w.farm_id].crop == "tomato")
    assert tomato > capitanata
    residents = [w for w in sc.workers if w.pinned_foresteria]
    assert {w.pinned_foresteria for w in residents} == {"FR-SSV"}
    assert len(residents) == 90 and not any(w.farm_id for w in residents)
    season = sc.config.scenario
    assert {(w.arrival, w.departure) for w in residents} == {
        (season.season_start, season.season_end + timedelta(days=1))
    }
    assert sc.config.transport.caporale_fee_eur == [5.0, 10.0]
    # Dependants: only family members beyond the two adults of a family group stay home.
    rows = _rows((SCENARIOS / "puglia-2027" / "workers.csv").read_text(encoding="utf-8"))
    home = [r for r in rows if r["rides"] == "false"]
    assert home and all(r["section"] == "family" and r["group_id"] for r in home)
    riders_per_group = Counter(
        r["group_id"] for r in rows if r["group_id"] and r["rides"] == "true"
    )
    assert all(riders_per_group[r["group_id"]] == 2 for r in home)


def test_the_ex_pista_is_where_capitanata_applicants_board_without_a_bed() -> None:
    for name in ("puglia-2027", "puglia-2027-no-bmz"):
        sc = load_scenario(SCENARIOS / name)
        assert [(p.id, p.kind) for p in sc.pickups] == [("PK-BMZ-PISTA", "settlement")]
        farms = {f.id: f for f in sc.farms}
        boarding = [w for w in sc.workers if w.pickup_id]
        assert all(w.pickup_id == "PK-BMZ-PISTA" and not w.pinned_foresteria for w in boarding)
        # every Capitanata applicant with a farm (Capitanata farms are west of 16 E, the other
        # districts' east of it), nobody from another district
        cap = {w.id for w in sc.workers if w.farm_id and farms[w.farm_id].lon < 16.0}
        assert cap and cap <= {w.id for w in boarding}
        assert all(w.farm_id is None or w.id in cap for w in boarding)


def test_languages_have_a_random_stream_of_their_own(
    twins: dict[str, dict[str, str]], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Another `lang.seed` changes the languages and nothing else of workers.csv: the draw does
    not consume the season's random stream, so the farms, the people and the plan stay as they
    were before the column existed."""
    from foresterie.scenario import generator

    changed = dict(VALUES)
    changed["lang.seed"] = int(VALUES["lang.seed"]) + 1
    monkeypatch.setattr(generator, "VALUES", changed)
    files = generator.generate_2027("puglia-2027").files
    before = _rows(twins["puglia-2027"]["workers.csv"])
    after = _rows(files["workers.csv"])
    strip = lambda rows: [{k: v for k, v in r.items() if k != "lang"} for r in rows]  # noqa: E731
    assert strip(after) == strip(before)
    assert [r["lang"] for r in after] != [r["lang"] for r in before]
    assert {fname: text for fname, text in files.items() if fname != "workers.csv"} == {
        fname: text for fname, text in twins["puglia-2027"].items() if fname != "workers.csv"
    }


def test_languages_follow_the_districts_and_groups() -> None:
    """Every person has a notice language; a group shares one; the Arneo's watermelon crews read
    Arabic mostly (DOMAIN.md sec. 2), the Capitanata's people French or English (sec. 5)."""
    sc = load_scenario(SCENARIOS / "puglia-2027")
    farms = {f.id: f for f in sc.farms}
    assert {w.lang for w in sc.workers} == {"it", "en", "fr", "ar"}
    groups: dict[str, set[str | None]] = {}
    for w in sc.workers:
        if w.group_id:
            groups.setdefault(w.group_id, set()).add(w.lang)
    assert groups and all(len(codes) == 1 for codes in groups.values())

    def share(codes: set[str], crop: str, east: bool) -> float:
        mine = [
            w
            for w in sc.workers
            if w.farm_id and farms[w.farm_id].crop == crop and (farms[w.farm_id].lon > 17.5) == east
        ]
        assert len(mine) > 50, crop
        return sum(w.lang in codes for w in mine) / len(mine)

    assert share({"ar"}, "watermelon", east=True) > 0.6
    assert share({"fr", "en"}, "tomato", east=False) > 0.75
