"""The chronology as one self-contained HTML page: a vertical timeline, filterable by actor and year.

Everything is inline — style, script, no fonts, images or requests — and a Content-Security-Policy with the
hashes of the page's own style and script forbids loading anything else, so the page works offline, from a
file or an e-mail attachment, and cannot be made to fetch anything by the data it shows. All text is
escaped here; the script never writes HTML: it only sets the `hidden` attribute of events and year headings
and the text of the status line.

The filters can be set in the address: `page.html#actor=Nikita%20Khrushchev&from=1955&to=1961` (or
`#year=1960`; a year before the year 1 as `-43` or `44%20BC`); the page keeps the address in step with the
controls, so that a filtered view can be shared. Years are astronomical integers (-43 is 44 BC), never a
JavaScript `Date`, which ends in the year 275,760; the options show them as a reader writes them.

Events are written as they are read (streamed); the filter controls, which need every actor and year, come
after the list in the document and are shown above it by the style sheet.
"""

from __future__ import annotations

import base64
import hashlib
import json
from collections.abc import Callable, Iterable
from html import escape
from typing import TextIO

from relations_db.domain import dates
from relations_db.domain.citing import note_text
from relations_db.domain.dates import iso_ymd
from relations_db.domain.vocab import CONFIDENCE_MAX, TONE_MAX, TONE_MIN, confidence_label, tone_word, type_label
from relations_db.errors import DateError
from relations_db.formats.chronology import heading_of, heading_text
from relations_db.read.claim_rows import date_text


def _fill_width(tone: int) -> int:
    """How much of the tone bar a tone fills, in per cent: each half of the bar is one side of the scale."""
    return abs(tone) * 50 // (TONE_MAX if tone > 0 else -TONE_MIN)


# One rule per tone: the fill grows from the middle, rightwards for a cooperative tone, leftwards for a hostile one.
_TONE_RULES = "\n".join(
    f'.tone[data-tone="{t}"] .fill{{{"right" if t < 0 else "left"}:50%;width:{_fill_width(t)}%}}'
    for t in range(TONE_MIN, TONE_MAX + 1) if t
)

STYLE = """
:root{--ink:#1d1d1f;--muted:#5f6368;--line:#c9ccd1;--bg:#fbfbf8;--card:#fff;--neg:#b3261e;--pos:#1e6b3a}
*{box-sizing:border-box}
body{margin:0;font:16px/1.5 Georgia,"Times New Roman",serif;color:var(--ink);background:var(--bg);
 display:flex;flex-direction:column}
header{order:-2;padding:1.2rem 1.5rem .4rem}
h1{margin:0;font-size:1.6rem}
#filters{order:-1;position:sticky;top:0;z-index:1;display:flex;flex-wrap:wrap;gap:.6rem 1.2rem;
 align-items:center;padding:.6rem 1.5rem;background:#eef0f2;border-bottom:1px solid var(--line);
 font-family:system-ui,sans-serif;font-size:.9rem}
#filters label{display:flex;gap:.35rem;align-items:center}
#filters select,#filters button{font:inherit}
#filters select{max-width:22rem}
#status{margin:0;color:var(--muted)}
main{padding:0 1.5rem 2rem}
ol.timeline{list-style:none;margin:1rem 0;padding:0 0 0 1.4rem;border-left:3px solid var(--line)}
li.year h2{margin:1.4rem 0 .4rem -2.3rem;font:700 1.1rem system-ui,sans-serif;background:var(--bg);
 display:inline-block;padding:.1rem .5rem;border:1px solid var(--line);border-radius:1rem}
li.event{position:relative;margin:.8rem 0;padding:.7rem 1rem;background:var(--card);border:1px solid var(--line);
 border-radius:.4rem;max-width:60rem}
li.event::before{content:"";position:absolute;left:-1.95rem;top:1.05rem;width:.8rem;height:.8rem;
 border-radius:50%;background:var(--ink);border:2px solid var(--bg)}
[hidden]{display:none!important}
.when{margin:0;font:600 .95rem system-ui,sans-serif;color:var(--muted)}
h3{margin:.1rem 0 .3rem;font-size:1.15rem}
.meta,.actors{margin:.2rem 0;font:.88rem system-ui,sans-serif;color:var(--muted)}
.summary{margin:.4rem 0}
.tone{display:inline-flex;gap:.4rem;align-items:center}
.tone .bar{position:relative;display:inline-block;width:6rem;height:.55rem;background:#e4e6e8;border-radius:.3rem}
.tone .bar::after{content:"";position:absolute;left:50%;top:-.15rem;height:.85rem;border-left:1px solid var(--ink)}
.tone .fill{position:absolute;top:0;height:100%;border-radius:.3rem;background:var(--pos)}
.tone[data-tone^="-"] .fill{background:var(--neg)}
ol.citations{margin:.5rem 0 0;padding-left:1.3rem;font-size:.95rem}
ol.citations li{margin:.4rem 0}
blockquote{margin:.1rem 0;padding-left:.7rem;border-left:3px solid var(--line);font-style:italic}
.ref,.note{margin:.1rem 0;font:.85rem system-ui,sans-serif;color:var(--muted)}
.span{position:relative;height:.5rem;margin:.35rem 0 .2rem;background:#eef0f2;border-radius:.25rem;max-width:40rem}
.span .hull{position:absolute;top:0;left:0;width:100%;height:100%;min-width:3px;background:var(--muted);
 border-radius:.25rem}
li.disputed .span .hull{opacity:.35}
.span .mark{position:absolute;top:-.2rem;height:.9rem;min-width:4px;background:var(--neg);border-radius:2px}
li.disputed .when{color:var(--neg)}
.legend{margin:.3rem 0 0;font:.85rem system-ui,sans-serif;color:var(--muted)}
.legend .key{display:inline-block;width:1.2rem;height:.5rem;margin:0 .2rem;vertical-align:middle;
 background:var(--muted);border-radius:.25rem}
.legend .key.mark{width:.3rem;height:.8rem;background:var(--neg)}
#empty{font-style:italic}
""" + _TONE_RULES + "\n"

SCRIPT = """
(function () {
  "use strict";
  var actorSel = document.getElementById("f-actor");
  var fromSel = document.getElementById("f-from");
  var toSel = document.getElementById("f-to");
  var status = document.getElementById("status");
  var empty = document.getElementById("empty");
  var events = Array.prototype.map.call(document.querySelectorAll("li.event"), function (li) {
    return {
      li: li,
      actors: JSON.parse(li.getAttribute("data-actors")).map(function (a) { return a.toLowerCase(); }),
      from: li.getAttribute("data-from") ? Number(li.getAttribute("data-from")) : -Infinity,
      to: li.getAttribute("data-to") ? Number(li.getAttribute("data-to")) : Infinity,
      group: li.getAttribute("data-group")
    };
  });
  var headings = document.querySelectorAll("li.year");
  var unknownActor = "";

  function choose(select, value) {
    // a year by its value or by the text a reader sees ("44 BC" for the year -43; "-43" and "44 BC" both work)
    var wanted = (value || "").toLowerCase();
    var byText = wanted && select !== actorSel;
    for (var i = 0; i < select.options.length; i++) {
      var option = select.options[i];
      if (option.value.toLowerCase() === wanted || (byText && option.text.toLowerCase() === wanted)) {
        select.selectedIndex = i;
        return true;
      }
    }
    select.selectedIndex = 0;
    return wanted === "";
  }

  function fromAddress() {
    var params = new URLSearchParams(window.location.hash.replace(/^#/, ""));
    var year = params.get("year");
    unknownActor = choose(actorSel, params.get("actor")) ? "" : params.get("actor");
    chooseYear(fromSel, year || params.get("from"));
    chooseYear(toSel, year || params.get("to"));
  }

  function chooseYear(select, value) {
    // A year outside the page's range still filters (to nothing, or everything): it gets an option of its own.
    // (years are astronomical integers, -43 for 44 BC, as the events' data-from/data-to: never a JS Date)
    if (!choose(select, value) && /^-?[0-9]{1,9}$/.test(value)) {
      select.add(new Option(value, value));
      select.value = value;
    }
  }

  function toAddress() {
    var params = new URLSearchParams();
    if (actorSel.value) { params.set("actor", actorSel.value); }
    if (fromSel.value) { params.set("from", fromSel.value); }
    if (toSel.value) { params.set("to", toSel.value); }
    var hash = params.toString();
    if (window.history && window.history.replaceState) {
      window.history.replaceState(null, "", hash ? "#" + hash : window.location.pathname + window.location.search);
    }
  }

  function apply() {
    var actor = unknownActor ? unknownActor.toLowerCase() : actorSel.value.toLowerCase();
    var lo = fromSel.value ? Number(fromSel.value) : -Infinity;
    var hi = toSel.value ? Number(toSel.value) : Infinity;
    var shown = 0, groups = {};
    events.forEach(function (e) {
      var ok = (!actor || e.actors.indexOf(actor) >= 0) && e.to >= lo && e.from <= hi;
      e.li.hidden = !ok;
      if (ok) { shown += 1; groups[e.group] = true; }
    });
    Array.prototype.forEach.call(headings, function (h) { h.hidden = !groups[h.getAttribute("data-group")]; });
    empty.hidden = shown > 0 || events.length === 0;
    var text = shown + " of " + events.length + " events shown";
    if (unknownActor) { text += " (no event here involves \\u201c" + unknownActor + "\\u201d)"; }
    status.textContent = text;
  }

  function changed() { unknownActor = ""; toAddress(); apply(); }

  actorSel.addEventListener("change", changed);
  fromSel.addEventListener("change", changed);
  toSel.addEventListener("change", changed);
  document.getElementById("f-reset").addEventListener("click", function () {
    actorSel.selectedIndex = 0; fromSel.selectedIndex = 0; toSel.selectedIndex = 0; changed();
  });
  // Each event's span (earliest to latest day) and, where sources disagree, each date they give, placed on the
  // one scale of the page's days (day numbers, never a JS Date; an open end reaches the edge of the scale).
  var bars = document.querySelectorAll(".span [data-start], .span [data-end]");
  var lo = Infinity, hi = -Infinity;
  Array.prototype.forEach.call(bars, function (b) {
    ["data-start", "data-end"].forEach(function (name) {
      var v = b.getAttribute(name);
      if (v) { lo = Math.min(lo, Number(v)); hi = Math.max(hi, Number(v)); }
    });
  });
  Array.prototype.forEach.call(bars, function (b) {
    if (lo > hi) { return; }
    var s = b.getAttribute("data-start") ? Number(b.getAttribute("data-start")) : lo;
    var e = b.getAttribute("data-end") ? Number(b.getAttribute("data-end")) : hi;
    var whole = hi - lo + 1;
    b.style.left = ((s - lo) * 100 / whole) + "%";
    b.style.width = ((e - s + 1) * 100 / whole) + "%";
  });
  window.addEventListener("hashchange", function () { fromAddress(); apply(); });
  fromAddress();
  apply();
}());
"""


def _sha256(text: str) -> str:
    return "'sha256-" + base64.b64encode(hashlib.sha256(text.encode("utf-8")).digest()).decode("ascii") + "'"


# Nothing but the page's own style and script may run or load: no network, no plug-ins, no form posts.
CSP = (f"default-src 'none'; style-src {_sha256(STYLE)}; script-src {_sha256(SCRIPT)}; "
       "base-uri 'none'; form-action 'none'")


def _e(text: object) -> str:
    return escape(str(text), quote=True)


def _years(event: dict) -> tuple[str, str]:
    """The first and last year of an event for the in-page year filter, astronomical integers ('-43' for
    44 BC; '' for an open or unknown end)."""
    return (str(iso_ymd(event["start"])[0]) if event["start"] is not None else "",
            str(iso_ymd(event["end"])[0]) if event["end"] is not None else "")


def _tone(tone: int | None) -> str:
    if tone is None:
        return ""
    word = tone_word(tone)
    return (f'<span class="tone" data-tone="{tone}" title="tone {tone:+d} on a scale from {_signed(TONE_MIN)} '
            f'(hostile) to {_signed(TONE_MAX)} (cooperative)"><span class="bar"><span class="fill"></span></span>'
            f'tone {tone:+d} ({_e(word)})</span>')


def _signed(number: int) -> str:
    """A number with its sign, the minus typeset as one (−10, +10)."""
    return f"{number:+d}".replace("-", "\u2212")


def _citation(citation: dict) -> str:
    parts = ["<li>"]
    if citation.get("quote"):
        parts.append(f"<blockquote>{_e(citation['quote'])}</blockquote>")
    ref = f"<cite>{_e(note_text(citation))}</cite>"
    if citation.get("cited_as"):
        ref += f" · printed as {_e(citation['cited_as'])}"
    confidence = citation.get("confidence")
    label = confidence_label(confidence)
    if label is not None:
        ref += f" · confidence {confidence}/{CONFIDENCE_MAX} ({label})"
    parts.append(f'<p class="ref">{ref}</p>')
    if citation.get("note"):
        parts.append(f'<p class="note">Note: {_e(citation["note"])}</p>')
    parts.append("</li>")
    return "".join(parts)


def _days(start: str | None, end: str | None) -> tuple[str, str]:
    """The day numbers of a span's first and last day, as the page's scale reads them ('' for an open or unknown
    end, or a day this page cannot place)."""
    found = []
    for iso, first in ((start, True), (end, False)):
        try:
            parsed = dates.parse(iso) if iso else None
        except DateError:
            parsed = None
        day = None if parsed is None else (parsed.start_day if first else parsed.end_day)
        found.append("" if day is None else str(day))
    return found[0], found[1]


def _day_text(iso: str | None, kind: str | None) -> str:
    """'3 December 1961' for a bound's day; 'open' or 'unknown' for an end without one."""
    if iso is None:
        return kind or "open"
    try:
        return dates.display(iso)
    except DateError:
        return iso


def _span(event: dict) -> str:
    """The event's span on the page's scale (the hull of its best-ranked dates) and, where its sources disagree,
    a mark for each date they give; the script places them."""
    start, end = _days(event["start"], event["end"])
    what = (f"earliest {_day_text(event['start'], event.get('start_kind'))}, "
            f"latest {_day_text(event['end'], event.get('end_kind'))}")
    marks = []
    for given in event.get("dates") or ():
        parsed = dates.parse(given)
        first, last = (str(d) if d is not None else "" for d in (parsed.start_day, parsed.end_day))
        marks.append(f'<span class="mark" data-start="{first}" data-end="{last}" '
                     f'title="{_e(dates.display(parsed))} — sources disagree"></span>')
    return (f'<div class="span"><span class="hull" data-start="{start}" data-end="{end}" title="{_e(what)}">'
            f'</span>{"".join(marks)}</div>')


def _event(event: dict, group: str) -> str:
    first, last = _years(event)
    names = list(dict.fromkeys(a["name"] for a in event["actors"]))
    meta = [_e(type_label(event["type"]))]
    if event.get("place"):
        meta.append(_e(event["place"]))
    for detail in ("meeting", "agreement"):
        for key, value in (event.get(detail) or {}).items():
            if value:
                meta.append(f"{_e(key)}: {_e(value)}")
    if event.get("tone") is not None:
        meta.append(_tone(event["tone"]))
    disputed = " disputed" if event.get("dates") else ""
    html = [f'<li class="event{disputed}" id="{_e("event-" + event["slug"])}" data-slug="{_e(event["slug"])}" '
            f'data-group="{group}" data-from="{first}" data-to="{last}" '
            f'data-actors="{_e(json.dumps(names, ensure_ascii=False))}">',
            f'<p class="when"><time>{_e(date_text(event))}</time></p>', _span(event),
            *(f'<p class="note">Note: {_e(note)}</p>' for note in event.get("date_notes") or ()),
            f"<h3>{_e(event['title'])}</h3>",
            f'<p class="meta">{" · ".join(meta)}</p>']
    if event["actors"]:
        people = ", ".join(f"{_e(a['name'])} ({_e(a['role'])})" if a.get("role") else _e(a["name"])
                           for a in event["actors"])
        html.append(f'<p class="actors">Participants: {people}</p>')
    if event.get("summary"):
        html.append(f'<p class="summary">{_e(event["summary"])}</p>')
    if event["citations"]:
        html.append('<ol class="citations">' + "".join(_citation(c) for c in event["citations"]) + "</ol>")
    html.append("</li>")
    return "\n".join(html) + "\n"


def _options(values: Iterable[str], everything: str, label: Callable[[str], str] = str) -> str:
    return f'<option value="">{_e(everything)}</option>' + "".join(
        f'<option value="{_e(v)}">{_e(label(v))}</option>' for v in values)


def _year_label(year: str) -> str:
    """An option of the year filters as a reader writes the year ('44 BC'); its value stays the integer."""
    return dates.era_year(int(year))


def write_html(events: Iterable[dict], out: TextIO, title: str = "Chronology", since: int | None = None,
               about: str | None = None) -> int:
    """Write the page for `events` (in date order, the JSON shape of `queries.event_rows`) to `out`; return
    how many events it shows. `about` is a line under the title; with `since` (the first year of the selection),
    the events that began earlier come first, under one heading (`chronology.EARLIER`)."""
    out.write(f"""<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="{_e(CSP)}">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="generator" content="relations-db">
<title>{_e(title)}</title>
<style>{STYLE}</style>
</head>
<body>
<header><h1>{_e(title)}</h1>{f'<p class="about">{_e(about)}</p>' if about else ""}
<p class="legend"><span class="key"></span>an event's span, earliest to latest day, on one scale for the page;
<span class="key mark"></span>a date a source gives where sources disagree</p></header>
<main>
<ol class="timeline">
""")
    count, group = 0, ""
    actors: dict[str, str] = {}  # folded-for-sorting → name
    years: set[int] = set()
    for event in events:
        heading = heading_of(event, since)
        key = "earlier" if heading is None else str(heading)  # (the in-page filter groups events by this key)
        if key != group:
            group = key
            out.write(f'<li class="year" data-group="{key}"><h2>{_e(heading_text(heading))}</h2></li>\n')
        out.write(_event(event, key))
        for a in event["actors"]:
            actors.setdefault(a["name"].casefold() + "\0" + a["name"], a["name"])
        first, last = _years(event)
        years.update(int(y) for y in (first, last) if y)
        count += 1
    # Every year between the first and the last, unless a Y-year makes that millions of options.
    year_range = [str(y) for y in (range(min(years), max(years) + 1) if years and max(years) - min(years) <= 10_000
                                   else sorted(years))]
    out.write(f"""</ol>
<p id="empty" hidden>No event matches these filters.</p>
{'<p>No events.</p>' if count == 0 else ''}
</main>
<form id="filters" role="search" aria-label="Filter the chronology">
<label>Actor <select id="f-actor">{_options((actors[k] for k in sorted(actors)), "all actors")}</select></label>
<label>From <select id="f-from">{_options(year_range, "the beginning", _year_label)}</select></label>
<label>to <select id="f-to">{_options(year_range, "the end", _year_label)}</select></label>
<button type="button" id="f-reset">Show all</button>
<p id="status" aria-live="polite">{count} of {count} events shown</p>
</form>
<script>{SCRIPT}</script>
</body>
</html>
""")
    return count
