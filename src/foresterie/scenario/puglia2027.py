"""The parameters of the default 2027 season, each with its value and its source or assumption.

One table: the generator reads its values from here and writes it out as the scenario's
SOURCES.md (a test checks every parameter the generator reads is listed there). Sources are the
sections and links of ../shared/DOMAIN.md; "assumption" rows say why the value was chosen.
"""

from __future__ import annotations

from dataclasses import dataclass

Value = int | float | str


@dataclass(frozen=True, kw_only=True)
class Param:
    """One parameter of the scenario: dotted key, value, and where it comes from."""

    key: str
    value: Value
    source: str  # "DOMAIN.md sec. N: ... <url>" or "assumption: <why>"
    group: str


AGENZIANOVA = (
    "https://www.agenzianova.com/a/5d3f2ca8b30c92.90680653/2553268/2019-07-29/"
    "puglia-emiliano-mercoledi-inaugura-foresteria-per-lavoratori-migranti-a-san-severo-fg"
)
LEDICOLA = "https://ledicola.it/attualita/borgo-mezzanone-via-libera-alla-riconversione-dellex-cara"
ZAZOOM_TENDER = (
    "https://www.zazoom.it/2026-03-12/villaggio-dellaccoglienza-nellex-cara-di-borgo-mezzanone-"
    "pubblicata-la-gara-per-il-maxi-appalto-da-9-milioni/18822079/"
)
GAZZETTA_BONCURI = (
    "https://www.lagazzettadelmezzogiorno.it/news/lecce/1517626/foresteria-boncuri-a-nardo-pronta-"
    "per-la-riapertura-e-per-accogliere-320-braccianti-stranieri.html"
)
LAVOCE_BONCURI = (
    "https://www.lavocedilecce.it/nardo-riapre-la-foresteria-di-boncuri-un-modello-di-accoglienza-"
    "che-unisce-dignita-legalita-e-responsabilita-condivisa/"
)
NARDO_CLOSE = "https://www.comune.nardo.le.it/?p=4895"
TURI_2025 = (
    "https://migrantaffairs.info/italy-opens-new-migrant-worker-housing-in-puglias-turi-town"
)
TURI_2022 = (
    "https://video.repubblica.it/edizione/bari/il-lato-oscuro-delle-ciliegie-a-turi-600-migranti-"
    "fra-materassi-per-terra-e-tende-roventi/418531/419465"
)
SANKARA = "https://www.regione.puglia.it/web/politiche-migratorie/casa-sankara"
RIACCOLTO = "https://www.oltreilghetto.org/riaccolto-la-terra-della-liberta/"
SANKARA_FAMILY = (
    "https://bari.repubblica.it/cronaca/2016/08/27/news/foggia_viaggio_a_casa_sankara_qui_si_"
    "rifugiano_gli_schiavi_che_abbandonano_il_ghetto_-146693366/"
)
INTERSOS = "https://intersos.org/che-cose-il-ghetto-di-borgo-mezzanone"
ILPOST = "https://www.ilpost.it/2025/11/10/borgo-mezzanone-citta/"
SUPREME_DESKS = (
    "https://buonasera24.it/gallery/cronaca/895421/contro-lo-sfruttamento-dei-migranti-al-via-i-"
    "poli-sociali-integrati-del-programma-su-pr-eme-2.html/4"
)
BONCURI_2025 = (
    "https://agenparl.eu/2025/09/12/agenzia-regionale-1088-25-matrangola-_-bilancio-positivo-"
    "gestione-partecipata-foresteria-migranti-boncuri"
)
BONCURI_NEED = "https://www.lorasalento.it/2011/06/14/nardo-riparte-il-campo-accoglienza-alla-masseria-boncuri/"
CAMPO_LIBERO = (
    "https://regione.puglia.it/web/istituzione-e-partecipazione/-/progetto-sperimentale-per-il-"
    "trasporto-dei-braccianti-agricoli-immigrati-in-provincia-di-foggia"
)
CAMPO_LIBERO_SPLIT = (
    "https://pugliasera.it/2021/05/18/contrasto-al-caporalato-dal-20-luglio-una-app-per-il-"
    "trasporto-gratuito-dei-braccianti-nella-provincia-di-foggia/"
)
SUPREME_SHUTTLES = (
    "https://www.borderline24.com/2025/07/02/puglia-al-via-poli-sociali-contro-caporalato/"
)
BONCURI_TRANSPORT = (
    "https://www.salentochannel.com/22-luglio-2025-lecce-in-prefettura-il-punto-sul-modello-"
    "boncuri-309-migranti-gia-ospitati"
)
NIL_FOGGIA = (
    "https://www.ilcastelloedizioni.it/news/home/27729/caporalato-tannoia-la-nostra-difficolta-"
    "e-stata-quella-di-guadagnare-fiducia-nei-lavoratori.html"
)
CIALA_LEG = "https://bari.repubblica.it/cronaca/2021/07/31/news/caporalato-312485863/?rss"
HEAT_2025 = (
    "https://www.vincenzogalasso.eu/lavoro-allaperto-emiliano-firma-lordinanza-di-divieto-nelle-"
    "ore-piu-calde/"
)
COACH = "https://oratorioinrete.com/category/senza-categoria"
MINIBUS = "https://www.nordaffari.com/page/noleggio-pulmini"
CROPS_TOMATO = (
    "https://www.statoquotidiano.it/24/07/2020/senza-caporale-qua-non-lavori-il-racconto-di-un-"
    "bracciante-straniero-nel-foggiano/790316/"
)
CROPS_CHERRY = "http://relaisdelmarchese.it/terra-della-ciliegia"
CROPS_MELON = BONCURI_NEED
CROPS_WINE = (
    "https://manfredoniatv.it/2017/08/07/caldo-torrido-in-capitanata-e-gia-tempo-di-vendemmia"
)
SHIFTS = (
    "DOMAIN.md sec. 3 'Shift times', modelling inference: pick-ups ~04:00-05:30, field start "
    "~05:00-06:00 (not one sourced fact)"
)

BMZ_ASSUMED = (
    "assumption: DOMAIN.md sec. 8 - tender 6 Mar 2026, 215 days of works, investment due by "
    f"31 Dec 2026 ({ZAZOOM_TENDER}); with the operator chosen by public call in spring 2027, the "
    "Villaggio is assumed to open for the tomato season. The no-bmz twin covers it not being ready"
)
SPLIT = (
    "assumption: only totals are sourced; the split between sections (men, women, family "
    "mini-flats) and accessible beds is ours"
)


def _site(
    sid: str,
    *,
    name: str,
    comune: str,
    lat: float,
    lon: float,
    beds: tuple[int, int, int, int],
    beds_source: str,
    open_from: str,
    open_to: str,
    dates_source: str,
    source: str,
) -> list[Param]:
    g = f"Site {sid}"
    where = "DOMAIN.md sec. 1.1: approximate WGS84 (not from the sources; geocode before real use)"
    rows = [
        Param(key=f"site.{sid}.name", value=name, source=source, group=g),
        Param(key=f"site.{sid}.comune", value=comune, source=source, group=g),
        Param(key=f"site.{sid}.lat", value=lat, source=where, group=g),
        Param(key=f"site.{sid}.lon", value=lon, source=where, group=g),
        Param(key=f"site.{sid}.beds_total", value=sum(beds[:3]), source=beds_source, group=g),
    ]
    for label, n in zip(("men", "women", "family", "accessible"), beds, strict=True):
        rows.append(Param(key=f"site.{sid}.beds_{label}", value=n, source=SPLIT, group=g))
    rows += [
        Param(key=f"site.{sid}.open_from", value=open_from, source=dates_source, group=g),
        Param(key=f"site.{sid}.open_to", value=open_to, source=dates_source, group=g),
    ]
    return rows


SITES: list[Param] = [
    *_site(
        "FR-SSV",
        name="Foresteria regionale Fortore / Casa Sankara",
        comune="San Severo",
        lat=41.600,
        lon=15.450,
        beds=(330, 40, 30, 12),
        beds_source=f"DOMAIN.md sec. 1.1 row A2: 400 beds, SS16 km 657.33 ({AGENZIANOVA})",
        open_from="2027-05-01",
        open_to="2027-09-30",
        dates_source=(
            f"DOMAIN.md sec. 1.1 row A: open all year ({SANKARA}); here the whole planned season"
        ),
        source=f"DOMAIN.md sec. 1.1 rows A/A2 ({SANKARA})",
    ),
    *_site(
        "FR-BMZ",
        name="Villaggio dell'Accoglienza (ex CARA)",
        comune="Manfredonia",
        lat=41.490,
        lon=15.700,
        beds=(200, 44, 80, 16),
        beds_source=f"DOMAIN.md sec. 1.1 row D and sec. 8: 324 beds, family mini-flats ({LEDICOLA})",
        open_from="2027-07-01",
        open_to="2027-09-30",
        dates_source=BMZ_ASSUMED,
        source=f"DOMAIN.md sec. 8 ({LEDICOLA})",
    ),
    *_site(
        "FR-NRD",
        name="Foresteria Boncuri",
        comune="Nardò",
        lat=40.190,
        lon=18.040,
        beds=(300, 20, 0, 8),
        beds_source=f"DOMAIN.md sec. 1.1 row B: 320 beds, 80 cabins x 4 ({GAZZETTA_BONCURI})",
        open_from="2027-06-16",
        open_to="2027-09-12",
        dates_source=(
            f"DOMAIN.md sec. 1.1 row B and Operations sec. 2.1: opened 16 Jun 2025 ({LAVOCE_BONCURI});"
            f" closing on 11 Sep 2025 ({NARDO_CLOSE}); same dates assumed for 2027"
        ),
        source=f"DOMAIN.md sec. 1.1 row B ({GAZZETTA_BONCURI})",
    ),
    *_site(
        "FR-TUR",
        name="Foresteria di Turi (appartamenti)",
        comune="Turi",
        lat=40.920,
        lon=17.020,
        beds=(80, 10, 0, 4),
        beds_source=f"DOMAIN.md sec. 1.1 row C: up to 90 in 5 flats in 2025 ({TURI_2025})",
        open_from="2027-05-01",
        open_to="2027-06-30",
        dates_source=f"DOMAIN.md sec. 1.1 row C: May-June, cherry harvest ({TURI_2025})",
        source=f"DOMAIN.md sec. 1.1 row C ({TURI_2025})",
    ),
]

SEASON: list[Param] = [
    Param(
        key="season.start",
        value="2027-05-01",
        source=f"DOMAIN.md sec. 2: the cherry harvest starts in early May ({CROPS_CHERRY})",
        group="Season",
    ),
    Param(
        key="season.end",
        value="2027-09-30",
        source=f"DOMAIN.md sec. 2: processing tomatoes run to late September ({CROPS_TOMATO})",
        group="Season",
    ),
    Param(
        key="season.seed",
        value=2027,
        source="assumption: the random seed of the synthetic farms and people (any fixed number)",
        group="Season",
    ),
    Param(
        key="season.heat_alert_days",
        value=(
            "2027-07-14;2027-07-15;2027-07-16;2027-07-28;2027-07-29;2027-08-10;2027-08-11;"
            "2027-08-12"
        ),
        source=(
            "assumption: the ordinance bans work 12:30-16:00 only on Worklimate high-risk days up "
            f"to 31 Aug (DOMAIN.md sec. 6, {HEAT_2025}); no 2027 days are known, so 8 plausible "
            "July-August days stand in. Set them day by day from the Worklimate map"
        ),
        group="Season",
    ),
]

# Demand: applicants (people asking for a bed over the season), not the housed.
DEMAND: list[Param] = [
    Param(
        key="demand.Capitanata.applicants",
        value=1600,
        source=(
            "assumption: the Borgo Mezzanone settlement alone holds ~3,000 in summer and 3-5k by "
            f"season (DOMAIN.md sec. 5, {INTERSOS} ; {ILPOST}); the Su.Pr.Eme 2 Foggia desks aim "
            f"to reach ~3,000 people (DOMAIN.md sec. 4, {SUPREME_DESKS}). About half of the "
            "settlement's summer population asking for a regional bed over the season gives "
            "1,600 applicants, over-subscribing the 724 Capitanata beds at the tomato peak"
        ),
        group="Demand",
    ),
    Param(
        key="demand.Capitanata.pickup_id",
        value="PK-BMZ-PISTA",
        source=(
            "assumption: the Capitanata applicants are counted from the Borgo Mezzanone "
            "settlement's population (demand.Capitanata.applicants), so they board at its 'ex "
            "pista' on the days they have no bed, as Campo Libero's second departure point did "
            f"(DOMAIN.md sec. 3 and Operations sec. 1, {CAMPO_LIBERO}); the point is "
            "pickups.geojson, coordinates approximate"
        ),
        group="Demand",
    ),
    Param(
        key="demand.Arneo.applicants",
        value=480,
        source=(
            f"DOMAIN.md sec. 4 and sec. 2: Boncuri hosted 422 over the 2025 season ({BONCURI_2025});"
            f" the labour need was estimated at ~500 ({BONCURI_NEED}). Assumption: 480 apply"
        ),
        group="Demand",
    ),
    Param(
        key="demand.Arneo.apply_from",
        value="06-16",
        source=(
            "assumption: the watermelon harvest starts in late May (DOMAIN.md sec. 2) but Boncuri "
            "opens on 16 June; people ask for a bed from the opening (their nights before it are "
            "their own arrangement), and crews whose whole stay ends within a week of the opening"
            " do not apply (so the Arneo count is below demand.Arneo.applicants)"
        ),
        group="Demand",
    ),
    Param(
        key="demand.Sud-Est Barese.applicants",
        value=360,
        source=(
            f"DOMAIN.md sec. 2 and sec. 4: in 2022 ~600 came to Turi against ~200 expected, 185 "
            f"hosted in 120 places and ~350 outside ({TURI_2022}). Assumption: 360 applicants for "
            "90 flats, the 2022 over-subscription ratio (about 4 per place)"
        ),
        group="Demand",
    ),
    Param(
        key="demand.Uva da tavola.applicants",
        value=0,
        source=(
            "DOMAIN.md sec. 2: the Bari/Taranto table-grape district has no foresteria (only a "
            "Su.Pr.Eme desk in Gioia del Colle). Its workers are left out: nobody there can apply "
            "for a regional bed, so they are not applicants (not 'closed', not waitlisted)"
        ),
        group="Demand",
    ),
    Param(
        key="demand.share_men",
        value=0.84,
        source=(
            "assumption: Nardò and Turi guests are overwhelmingly men and no women-only sections "
            "are documented (DOMAIN.md sec. 1.2); 84 % men"
        ),
        group="Demand",
    ),
    Param(
        key="demand.share_women",
        value=0.09,
        source=(
            "assumption: the Borgo Mezzanone settlement counts ~1,500 women of ~5,000 (DOMAIN.md "
            "Operations sec. 5, https://www.collettiva.it/copertine/italia/vite-da-ghetto-d1a2ygo5),"
            " fewer of them farm work; 9 % of applicants"
        ),
        group="Demand",
    ),
    Param(
        key="demand.share_family",
        value=0.07,
        source=(
            "assumption: the Villaggio plans family mini-flats (DOMAIN.md sec. 8) and Casa Sankara "
            f"took its first family in 2016 ({SANKARA_FAMILY}); 7 % of crews are families"
        ),
        group="Demand",
    ),
    Param(
        key="demand.family_adults",
        value=2,
        source=(
            "assumption: a family of 2-4 has two working adults; members beyond them are children"
            " (rides = false: a bed, no ride), like Casa Sankara's first family (two parents and a"
            f" 7-year-old, {SANKARA_FAMILY})"
        ),
        group="Demand",
    ),
    Param(
        key="demand.share_priority_0",
        value=0.72,
        source="assumption: no source counts priorities; 72 % no priority",
        group="Demand",
    ),
    Param(
        key="demand.share_priority_1",
        value=0.12,
        source="assumption: 12 % priority 1",
        group="Demand",
    ),
    Param(
        key="demand.share_priority_2",
        value=0.09,
        source="assumption: 9 % priority 2",
        group="Demand",
    ),
    Param(
        key="demand.share_priority_3",
        value=0.07,
        source=(
            "assumption: 7 % referred (priority 3); the help desk took on 2,000 cases in 3 years, "
            "192 confirmed victims (DOMAIN.md Operations sec. 5, "
            "https://ilgazzettinodigela.it/iniziative-anticaporalato/amp)"
        ),
        group="Demand",
    ),
    Param(
        key="residents.FR-SSV.men",
        value=84,
        source=(
            "assumption: Casa Sankara is a year-round community (DOMAIN.md sec. 1.1 row A); its "
            f"Riaccolto tomato line employed 'more than 90' guests ({RIACCOLTO}). Year-round "
            "residents are pinned at FR-SSV for the whole season and work on site (no farm, no "
            "ride). Split: 84 men, 3 women, 1 family of 3"
        ),
        group="Demand",
    ),
    Param(
        key="residents.FR-SSV.women",
        value=3,
        source="assumption: see residents.FR-SSV.men",
        group="Demand",
    ),
    Param(
        key="residents.FR-SSV.families_of_3",
        value=1,
        source=f"DOMAIN.md sec. 1.2: Casa Sankara's first family, two parents and a child ({SANKARA_FAMILY})",
        group="Demand",
    ),
]

FARMS: list[Param] = [
    Param(
        key="farms.Capitanata",
        value=70,
        source=(
            "assumption: synthetic farms in the DOMAIN.md sec. 2 Capitanata comuni (~3,500 tomato "
            "growers in the province; 70 that hire through the foresterie)"
        ),
        group="Farms and crops",
    ),
    Param(
        key="farms.Arneo",
        value=30,
        source="assumption: synthetic farms in the DOMAIN.md sec. 2 Arneo comuni (42 farms co-financed Boncuri in 2025)",
        group="Farms and crops",
    ),
    Param(
        key="farms.Sud-Est Barese",
        value=25,
        source="assumption: synthetic cherry farms in the DOMAIN.md sec. 2 Sud-Est Barese comuni",
        group="Farms and crops",
    ),
    Param(
        key="crops.Capitanata",
        value="tomato 0.7; asparagus 0.18; wine grape 0.12",
        source=(
            "DOMAIN.md sec. 2: processing tomato, asparagus, wine grapes; weights are an "
            "assumption (tomato dominates, 17,000 ha)"
        ),
        group="Farms and crops",
    ),
    Param(
        key="crops.Arneo",
        value="watermelon 0.65; tomato 0.35",
        source="DOMAIN.md sec. 2: watermelons late May-Aug, tomatoes Jul-Aug; weights an assumption",
        group="Farms and crops",
    ),
    Param(
        key="crops.Sud-Est Barese",
        value="cherry 1.0",
        source=f"DOMAIN.md sec. 2: cherries, 3,700 ha in Turi ({CROPS_CHERRY})",
        group="Farms and crops",
    ),
    Param(
        key="crop.cherry.harvest",
        value="05-04..06-28",
        source=f"DOMAIN.md sec. 2: early May to end of June ({CROPS_CHERRY})",
        group="Farms and crops",
    ),
    Param(
        key="crop.asparagus.harvest",
        value="05-01..06-10",
        source="DOMAIN.md sec. 2: asparagus in spring; end date an assumption",
        group="Farms and crops",
    ),
    Param(
        key="crop.watermelon.harvest",
        value="05-25..08-20",
        source=f"DOMAIN.md sec. 2: late May-August ({CROPS_MELON})",
        group="Farms and crops",
    ),
    Param(
        key="crop.tomato.harvest",
        value="07-20..09-30",
        source=f"DOMAIN.md sec. 2: late July-September ({CROPS_TOMATO})",
        group="Farms and crops",
    ),
    Param(
        key="crop.wine grape.harvest",
        value="08-20..09-30",
        source=f"DOMAIN.md sec. 2: August-September ({CROPS_WINE})",
        group="Farms and crops",
    ),
    Param(
        key="crop.cherry.shift",
        value="05:00|05:30|06:00 for 7.5 h",
        source=SHIFTS,
        group="Farms and crops",
    ),
    Param(
        key="crop.asparagus.shift",
        value="05:30|06:00 for 7.0 h",
        source=SHIFTS,
        group="Farms and crops",
    ),
    Param(
        key="crop.watermelon.shift",
        value="05:00|05:30|06:00 for 7.5 h",
        source=SHIFTS,
        group="Farms and crops",
    ),
    Param(
        key="crop.tomato.shift",
        value="05:00|05:30|06:00|06:30 for 8.5 h",
        source=(
            SHIFTS + "; tomato days of 10-12 h are reported (DOMAIN.md sec. 3), 8.5 h is the "
            "contract day, an assumption"
        ),
        group="Farms and crops",
    ),
    Param(
        key="crop.wine grape.shift",
        value="06:00|06:30 for 8.0 h",
        source=SHIFTS,
        group="Farms and crops",
    ),
]

# Fleet: who runs which vehicles where. Campo Libero's 12 vehicles are split evenly between its
# two departure points; the literal reading of "rispettivamente" (8-seaters from Borgo Mezzanone,
# 28-seaters from Casa Sankara, DOMAIN.md Operations sec. 1) is unconfirmed and would leave the
# Villaggio's 324 beds with 48 seats.
FLEET: list[Param] = [
    Param(
        key="fleet.campo_libero.FR-SSV.seats28",
        value=3,
        source=(
            "DOMAIN.md sec. 3 and Operations sec. 1: Campo Libero, 6 x 28-seat buses and 6 x "
            f"8-seat minibuses with drivers, from Casa Sankara and Borgo Mezzanone ({CAMPO_LIBERO})."
            " Assumption: half of each type at each departure point (the literal reading, "
            f"8-seaters from Borgo Mezzanone only, is unconfirmed: {CAMPO_LIBERO_SPLIT})"
        ),
        group="Fleet",
    ),
    Param(
        key="fleet.campo_libero.FR-SSV.seats8",
        value=3,
        source="as fleet.campo_libero.FR-SSV.seats28",
        group="Fleet",
    ),
    Param(
        key="fleet.campo_libero.FR-BMZ.seats28",
        value=3,
        source=(
            "as fleet.campo_libero.FR-SSV.seats28; with the Villaggio open its half is based there"
            " and also serves the settlement's departure point next to it (the nearest base). The"
            " no-bmz twin has no vehicles at Borgo Mezzanone: the ex pista is then served from"
            " San Severo"
        ),
        group="Fleet",
    ),
    Param(
        key="fleet.campo_libero.FR-BMZ.seats8",
        value=3,
        source="as fleet.campo_libero.FR-BMZ.seats28",
        group="Fleet",
    ),
    Param(
        key="fleet.campo_libero.window",
        value="07-20..09-20",
        source=f"DOMAIN.md sec. 3: 2021 window 20 Jul-20 Sep ({CAMPO_LIBERO}); same dates assumed",
        group="Fleet",
    ),
    Param(
        key="fleet.supreme.total",
        value=8,
        source=f"DOMAIN.md sec. 3 and sec. 4: Su.Pr.Eme 2 funds 8 home-farm shuttles in Puglia ({SUPREME_SHUTTLES})",
        group="Fleet",
    ),
    Param(
        key="fleet.supreme.seats",
        value=28,
        source=(
            "assumption: the shuttles' size is not sourced (DOMAIN.md Operations sec. 5 'not "
            "found'); the 28-seat bus of the suggested defaults (DOMAIN.md sec. 3)"
        ),
        group="Fleet",
    ),
    Param(
        key="fleet.supreme.FR-SSV",
        value=2,
        source=(
            "assumption: the shuttles' routes are not sourced; 2 at San Severo from May (the "
            "asparagus season, before Campo Libero starts)"
        ),
        group="Fleet",
    ),
    Param(
        key="fleet.supreme.FR-BMZ",
        value=1,
        source="assumption: 1 at the Villaggio from its opening (before Campo Libero starts)",
        group="Fleet",
    ),
    Param(
        key="fleet.supreme.FR-NRD",
        value=3,
        source=(
            "assumption: Boncuri has no sourced service; in 2025 the region was 'working to start "
            f"a transport service' under Su.Pr.Eme ({BONCURI_TRANSPORT}); 3 shuttles"
        ),
        group="Fleet",
    ),
    Param(
        key="fleet.supreme.FR-TUR",
        value=2,
        source=(
            "assumption: Turi has no sourced service; workers commute daily to neighbouring comuni "
            "(DOMAIN.md sec. 3); 2 shuttles"
        ),
        group="Fleet",
    ),
    Param(
        key="fleet.max_duty_min",
        value=540,
        source="assumption: a 9-hour driver duty (two runs around a 7-8.5 h shift)",
        group="Fleet",
    ),
]

COSTS: list[Param] = [
    Param(
        key="cost.seats28.eur_per_day",
        value=115.0,
        source=(
            "assumption calibrated to Campo Libero: EUR 160k / (12 vehicles x 63 days) = EUR 212 "
            "per vehicle-day with driver; at the km the 2027 plan drives (28-seaters ~183 km, "
            "8-seaters ~154 km per vehicle-day) the Campo Libero vehicles average ~EUR 210 "
            f"(DOMAIN.md Operations sec. 1, {CAMPO_LIBERO}); a 28-seat "
            f"coach with driver is ~EUR 291 a day within 50 km elsewhere ({COACH})"
        ),
        group="Costs",
    ),
    Param(
        key="cost.seats28.eur_per_km",
        value=0.7,
        source="assumption: fuel and wear of a 28-seat bus; with the per-day part, calibrated as above",
        group="Costs",
    ),
    Param(
        key="cost.seats8.eur_per_day",
        value=90.0,
        source=(
            f"assumption calibrated as above; a self-drive 9-seat minibus is ~EUR 95 a day ({MINIBUS}) "
            "before the driver"
        ),
        group="Costs",
    ),
    Param(
        key="cost.seats8.eur_per_km",
        value=0.35,
        source="assumption: fuel and wear of a minibus; calibrated as above",
        group="Costs",
    ),
    Param(
        key="fee.caporale_eur_low",
        value=5.0,
        source=(
            "DOMAIN.md sec. 7: most sources give EUR 5 a day for the caporale's transport "
            f"({NIL_FOGGIA})"
        ),
        group="Costs",
    ),
    Param(
        key="fee.caporale_eur_high",
        value=10.0,
        source=f"DOMAIN.md sec. 7: one source gives ~EUR 5 per leg, EUR 10 a day ({CIALA_LEG})",
        group="Costs",
    ),
]

# The language of each person's printed notices (workers.csv `lang`): the notices speak Italian,
# English, French and Arabic (the Campo Libero app's four, DOMAIN.md Operations sec. 5); people
# whose own language is another read the nearest of the four. A mix per district, and per crop
# where DOMAIN.md says the crews differ; a group (a family, a crew) shares one language.
WEST_AFRICA = "fr 0.5; en 0.4; ar 0.05; it 0.05"
LANGS: list[Param] = [
    Param(
        key="lang.seed",
        value=2028,
        source=(
            "assumption: the languages are drawn with a random generator of their own (any fixed "
            "number), so adding them changed no other column of workers.csv and no plan file"
        ),
        group="Languages of the notices",
    ),
    Param(
        key="lang.Capitanata",
        value=WEST_AFRICA,
        source=(
            "DOMAIN.md Operations sec. 5 'Who the workers are': Borgo Mezzanone's people come from "
            "Mali, Senegal, Burkina Faso (French-speaking), Ghana and Nigeria (English-speaking) "
            "(https://www.collettiva.it/copertine/italia/vite-da-ghetto-d1a2ygo5); a container "
            "zone of Somalis, Pakistanis and Afghans. Weights an assumption: half French, 40 % "
            "English, a few Arabic and Italian"
        ),
        group="Languages of the notices",
    ),
    Param(
        key="lang.Arneo",
        value="ar 0.55; fr 0.25; en 0.15; it 0.05",
        source=(
            "assumption: the Arneo's crews by crop (lang.Arneo.watermelon, lang.Arneo.tomato) "
            "weighted by its crop mix, for people without a farm; Boncuri's 21 nationalities "
            "were not listed (DOMAIN.md Operations sec. 5)"
        ),
        group="Languages of the notices",
    ),
    Param(
        key="lang.Arneo.watermelon",
        value="ar 0.8; fr 0.15; it 0.05",
        source=(
            "DOMAIN.md sec. 2, Nardò / Arneo: watermelon pickers are mostly Tunisian/Maghrebi "
            "(Arabic; many also read French). Weights an assumption"
        ),
        group="Languages of the notices",
    ),
    Param(
        key="lang.Arneo.tomato",
        value=WEST_AFRICA,
        source=(
            "DOMAIN.md sec. 2, Nardò / Arneo: tomato pickers are mostly sub-Saharan; the "
            "lang.Capitanata mix assumed"
        ),
        group="Languages of the notices",
    ),
    Param(
        key="lang.Sud-Est Barese",
        value=WEST_AFRICA,
        source=(
            "assumption: no source says who picks Turi's cherries (DOMAIN.md sec. 2 counts ~600 "
            "migrants in 2022, not their origin); the lang.Capitanata mix assumed"
        ),
        group="Languages of the notices",
    ),
    Param(
        key="lang.residents",
        value=WEST_AFRICA,
        source=(
            "assumption: Casa Sankara's year-round residents came from the Rignano settlement "
            "(DOMAIN.md Operations sec. 4); the lang.Capitanata mix assumed"
        ),
        group="Languages of the notices",
    ),
]

SOLVER: list[Param] = [
    Param(
        key="solver.chaining_deterministic_time",
        value=0.1,
        source=(
            "assumption (a budget, not a fact): CP-SAT deterministic seconds per chaining model. "
            "The 2027 fleet is short on most days (DOMAIN.md: 12 Campo Libero vehicles for two "
            "months and 8 Su.Pr.Eme 2 shuttles for all Puglia), and each short day's two chaining "
            "models ran to the budget: at the default 1.0 the season took ~3x the CPU of "
            "puglia-2026 (0.25: ~1.8x); fleet_days.csv says which days are not proven optimal"
        ),
        group="Solver budget",
    ),
    Param(
        key="solver.shuttle_patience",
        value=40,
        source=(
            "assumption (a budget, not a fact): PyVRP iterations without improvement before a "
            "route search stops (at most shuttle_iterations = 1000). The knee of the season's "
            "curve (benchmarks/RESULTS.md, sessions 5 and 16): 50 served more worker-days, with "
            "fewer vehicle-km, than 100 for about a fifth less CPU; 40 runs a fifth fewer search "
            "iterations than 50 with as many trips, fewer vehicle-km and fewer worker-days "
            "unserved, every chaining proven (the twin without the Villaggio: fewer unserved too); "
            "25 and 35 served fewer"
        ),
        group="Solver budget",
    ),
]

PARAMS: tuple[Param, ...] = (*SEASON, *SITES, *DEMAND, *FARMS, *FLEET, *COSTS, *LANGS, *SOLVER)
VALUES: dict[str, Value] = {p.key: p.value for p in PARAMS}


def sources_md(title: str, note: str) -> str:
    """The SOURCES.md of a generated 2027 scenario: every parameter, value and source."""
    lines = [f"# {title}: parameters and sources", "", note, ""]
    group = ""
    for p in PARAMS:
        if p.group != group:
            group = p.group
            lines += ["", f"## {group}", "", "| parameter | value | source |", "|---|---|---|"]
        value = str(p.value).replace("|", "\\|")
        source = p.source.replace("|", "\\|")
        lines.append(f"| `{p.key}` | {value} | {source} |")
    return "\n".join(lines) + "\n"
