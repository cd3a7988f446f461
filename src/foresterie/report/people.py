"""The case workers' page: each person without a bed, in the report's language.

Case workers read Italian; each person's waitlist reason was only in plan/waitlist.csv, in
English. `report/people.html` has one row per waitlisted person (pseudonymous id, the reason in
words from its code, whether the plan proves it, and the facts of the run's inputs a case worker
can act on: the stay asked for, section, group size, farm, the language the person reads) and one
row per stretch of nights a housed person spends without a bed (plan/uncovered.csv), with where
they do sleep and the notice of the report that tells them (the desk's notices: of a bed that
ends early, or of the first bed for the nights before it).

Never the priority or the referral: the priority stays in restricted/, and plan/waitlist.csv
publishes only codes no priority or referral decides ("outranked" as "full"; "no_section" and
"no_accessible" as "unsuitable"; "placement", and a crowd drawn by the draw key, as
"not_offered": README "Waitlist reasons"). Runs from before that split still hold the detailed
codes, so "outranked" reads as "full" here too, and "placement" says no more than
"not_offered". The page is built from the run folder alone: nothing is re-solved.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date
from functools import cache
from html import escape

from babel import Locale

from foresterie.core.i18n import N_, Lang
from foresterie.report.maps import SECTION_LABELS, UNCOVERED_REASONS
from foresterie.report.notices import FIRST_BED_SUFFIX, bed_ends, bed_starts
from foresterie.report.page import page_head
from foresterie.report.rundata import RunData, place_of

PAGE = "people.html"  # in report/

PEOPLE_CSS = """
body { font: 14px/1.45 system-ui, sans-serif; margin: 0 auto; max-width: 1100px; padding: 16px;
  color: #222; }
h1 { font-size: 22px; } h2 { font-size: 17px; margin-top: 28px; border-bottom: 1px solid #ddd; }
table { border-collapse: collapse; margin: 6px 0; }
td, th { border: 1px solid #ccc; padding: 2px 8px; text-align: start; vertical-align: top; }
td.n { text-align: end; white-space: nowrap; } td.id { font-family: monospace; white-space: nowrap; }
td.why { min-width: 16em; }
.note { color: #555; font-size: 12px; } .told-no { font-weight: bold; }
@page { size: A4 landscape; margin: 10mm; }
@media print { body { max-width: none; padding: 0; font-size: 10pt; } td, th { padding: 1px 4px; }
  tr { break-inside: avoid; } }
@media screen and (max-width: 560px) { body { padding: 8px; } }
"""

# A person's waitlist reason, said to their case worker (housing.waitlist.PublicCode, and the
# detailed codes of older runs). The priority is never told: "outranked" reads as "full",
# "placement" as "not_offered".
PERSON_REASONS = {
    "far": N_("no foresteria within {minutes} minutes of their farm"),
    "unsuitable": N_(
        "no foresteria within reach, open for the stay, has beds that suit this person"
    ),
    "closed": N_("no foresteria within reach is open long enough for their stay"),
    "too_short": N_("their stay is shorter than the minimum nights a bed is offered for"),
    "no_section": N_("no beds of their section at the foresterie within reach open for the stay"),
    "no_accessible": N_("not enough accessible beds at the foresterie within reach"),
    "too_large": N_(
        "the group is larger than the beds of its section free on some nights of the stay at "
        "every foresteria within reach"
    ),
    "full": N_(
        "beds of their section full on some nights of the stay at every foresteria within reach"
    ),
    "past": N_("waitlisted before the re-planning date"),
    "not_checked_in": N_(
        "they had not checked in days after their planned arrival, or at a bed given them: no "
        "bed is held or offered them until they check in"
    ),
    "heuristic": N_(
        "the plan is not proven optimal and a bed may be free: ask the planners to solve again"
    ),
}
PERSON_REASONS["outranked"] = PERSON_REASONS["full"]
PERSON_REASONS["not_offered"] = N_(
    "not offered a bed in this plan; the case office has the detailed reason"
)
PERSON_REASONS["placement"] = PERSON_REASONS["not_offered"]
UNKNOWN_REASON = N_("reason not known to this report (code {code})")


@cache
def language_name(code: str, in_code: str) -> str:
    """The name of language `code` in language `in_code` ("ar", "it" -> "arabo")."""
    try:
        return Locale.parse(code).get_display_name(in_code) or code
    except (ValueError, TypeError):
        return code


def _cells(cells: list[tuple[str, str]]) -> str:
    """<td>s from (class, already escaped HTML)."""
    return "".join(f"<td class='{c}'>{h}</td>" if c else f"<td>{h}</td>" for c, h in cells)


def _table(lg: Lang, header: tuple[str, ...], rows: list[str], css_id: str) -> str:
    if not rows:
        return f"<p class='note' id='{css_id}'>{escape(lg._('None.'))}</p>"
    head = "".join(f"<th>{escape(lg._(h))}</th>" for h in header)
    return f"<div class='wide'><table id='{css_id}'><tr>{head}</tr>{''.join(rows)}</table></div>"


def waitlist_person_rows(run: RunData, lg: Lang) -> list[str]:
    """One <tr> per waitlisted person, by id."""
    sc = run.scenario
    workers = {w.id: w for w in sc.workers}
    farms = {f.id: f for f in sc.farms}
    groups: dict[str, int] = defaultdict(int)
    for w in sc.workers:
        if w.group_id:
            groups[w.group_id] += 1
    minutes = lg.num(sc.config.housing.max_commute_min)
    rows = []
    for e in sorted(run.waitlist, key=lambda e: e["worker_id"]):
        w = workers[e["worker_id"]]
        code = e["code"]
        why = (
            lg._(PERSON_REASONS[code]).format(minutes=minutes)
            if code in PERSON_REASONS
            else lg._(UNKNOWN_REASON).format(code=code)
        )
        farm = farms.get(w.farm_id or "")
        rows.append(
            f"<tr data-worker='{escape(w.id)}' data-code='{escape(code)}'>"
            + _cells(
                [
                    ("id", escape(w.id)),
                    ("why", escape(why)),
                    ("", escape(lg._("yes") if e["proven"] == "yes" else lg._("no"))),
                    ("n", escape(lg.date(w.arrival, "medium"))),
                    ("n", escape(lg.date(w.departure, "medium"))),
                    ("n", escape(lg.num(w.nights))),
                    ("", escape(lg._(SECTION_LABELS.get(w.section.value, w.section.value)))),
                    ("n", escape(lg.num(groups[w.group_id])) if w.group_id else "–"),
                    ("", escape(f"{farm.name} ({farm.id}), {farm.comune}") if farm else "–"),
                    ("", escape(language_name(w.lang or lg.code, lg.code))),
                ]
            )
            + "</tr>"
        )
    return rows


def uncovered_person_rows(run: RunData, lg: Lang) -> list[str]:
    """One <tr> per stretch of nights without a bed of a housed person, by id and first night:
    where they do sleep, and the desk notice that tells them (of the bed that ends, or of the
    first bed for the nights before it)."""
    sc = run.scenario
    workers = {w.id: w for w in sc.workers}
    beds: dict[str, list[str]] = defaultdict(list)
    for wid, fid, first, end in sorted(run.spans):
        beds[wid].append(
            lg._("{foresteria}, nights {first} to {last}").format(
                foresteria=place_of(sc, fid).name,
                first=lg.date(first, "medium"),
                last=lg.date(date.fromordinal(date.fromisoformat(end).toordinal() - 1), "medium"),
            )
        )
    # (worker, first night without a bed) -> the desk notice that tells them: (page, foresteria)
    told = {
        (e.worker_id, e.last_night.toordinal() + 1): (
            f"{e.foresteria_id}-beds.html",
            e.foresteria_id,
        )
        for ends in bed_ends(run).values()
        for e in ends
        if e.code != "transfer"
    }
    for s in bed_starts(run):
        told[s.worker_id, s.first_night.toordinal()] = (
            f"{s.foresteria_id}{FIRST_BED_SUFFIX}",
            s.foresteria_id,
        )
    rows = []
    for wid, code, first, end in sorted(run.uncovered or [], key=lambda u: (u[0], u[2])):
        w = workers[wid]
        start = date.fromisoformat(first)
        last = date.fromordinal(date.fromisoformat(end).toordinal() - 1)
        where = told.get((wid, start.toordinal()))
        notice = (
            f"<a href='notices/{escape(where[0])}'>"
            + escape(
                lg._("desk notice at {foresteria}").format(foresteria=place_of(sc, where[1]).name)
            )
            + "</a>"
            if where
            else f"<span class='told-no'>{escape(lg._('none: tell them'))}</span>"
        )
        rows.append(
            f"<tr data-worker='{escape(wid)}' data-code='{escape(code)}' "
            f"data-told='{'yes' if where else 'no'}'>"
            + _cells(
                [
                    ("id", escape(wid)),
                    ("n", escape(lg.date(start, "medium"))),
                    ("n", escape(lg.date(last, "medium"))),
                    ("n", escape(lg.num((last - start).days + 1))),
                    ("", escape(lg._(UNCOVERED_REASONS.get(code, code)))),
                    ("", "<br>".join(escape(b) for b in beds.get(wid, [])) or "–"),
                    ("", notice),
                    ("", escape(language_name(w.lang or lg.code, lg.code))),
                ]
            )
            + "</tr>"
        )
    return rows


WAITLIST_HEADER = (
    N_("id"),
    N_("reason"),
    N_("proven"),
    N_("arrival"),
    N_("departure"),
    N_("nights"),
    N_("section"),
    N_("group"),
    N_("farm"),
    N_("language"),
)
UNCOVERED_HEADER = (
    N_("id"),
    N_("first night without a bed"),
    N_("last night without a bed"),
    N_("nights"),
    N_("reason"),
    N_("beds in the plan"),
    N_("notice for the person"),
    N_("language"),
)


def people_html(run: RunData, lg: Lang) -> str:
    """report/people.html: the waitlisted people and the nights without a bed, person by
    person, in the report's language."""
    _ = lg._
    title = _("{name}: people without a bed, one by one").format(name=run.scenario.name)
    waiting = waitlist_person_rows(run, lg)
    uncovered = uncovered_person_rows(run, lg)
    intro = _(
        "For case workers: one row per person, by pseudonymous id, with the reason in words and "
        "what the plan knows of the stay. The priority and any referral are not shown: they stay "
        "in the restricted part of the run."
    )
    parts = [
        page_head(code=lg.code, direction=lg.dir, title=title, css=PEOPLE_CSS),
        f"<h1>{escape(title)}</h1><p class='note'>{escape(intro)}</p>",
        f"<h2 id='waitlist'>{escape(_('Waitlisted'))} ({escape(lg.num(len(waiting)))})</h2>",
        f"<p class='note'>{escape(_(PROVEN_NOTE))}</p>",
        _table(lg, WAITLIST_HEADER, waiting, "waitlist-people"),
    ]
    if run.uncovered is not None:
        parts += [
            f"<h2 id='uncovered'>{escape(_('Nights without a bed'))} "
            f"({escape(lg.num(len(uncovered)))})</h2>",
            f"<p class='note'>{escape(_(UNCOVERED_NOTE))}</p>",
            _table(lg, UNCOVERED_HEADER, uncovered, "uncovered-people"),
        ]
    return "\n".join([*parts, "</body></html>\n"])


PROVEN_NOTE = N_(
    "Proven: the reason follows from the inputs and the plan (for full beds: no other choice of "
    "beds could house the person without taking the bed of someone ranked at least as high). Not "
    "proven: the solver stopped before it could show it."
)
UNCOVERED_NOTE = N_(
    "People with a bed for part of their stay. The desk of the foresteria has a notice for each "
    "of them in their language: where a bed ends before the stay does, the desk of that bed; "
    "where nights come before the first bed, the desk of the first bed (to hand out, or send "
    "through the case worker, before the person arrives)."
)
