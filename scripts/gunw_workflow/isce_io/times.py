"""UTC times of Sentinel-1 ids, EOF files, annotations, ISCE XMLs and ASF metadata: one parser, and the formats
the writers need. Every datetime here is naive UTC (ISCE and the SAFE/EOF files carry no zone)."""

from __future__ import annotations

import datetime as dt
import re

# Extended (2020-01-13T01:52:02.123456, space or T) or basic (20200113T015202) form, fraction up to nanoseconds,
# optional Z / offset. `search`, so prefixes such as EOF's "UTC=" / "TAI=" are skipped.
_TIME_RE = re.compile(
    r"(\d{4})(-?)(\d{2})\2(\d{2})"
    r"(?:[T ](\d{2})(:?)(\d{2})(?:\6(\d{2})(?:[.,](\d{1,9}))?)?(Z|[+-]\d{2}(?::?\d{2})?)?)?"
)


def parse_time(text: str) -> dt.datetime:
    """Naive UTC datetime of any time string the workflow reads; fractions finer than 1 us are rounded."""
    m = _TIME_RE.search(text.strip())
    if not m:
        raise ValueError(f"not a time: {text!r}")
    y, _, mo, d, h, _, mi, s, frac, zone = m.groups()
    micro = int(round(float("0." + frac) * 1e6)) if frac else 0
    t = dt.datetime(int(y), int(mo), int(d), int(h or 0), int(mi or 0), int(s or 0))
    t += dt.timedelta(microseconds=micro)
    if zone and zone != "Z":
        sign = 1 if zone[0] == "+" else -1
        digits = zone[1:].replace(":", "")
        t -= sign * dt.timedelta(hours=int(digits[:2]), minutes=int(digits[2:] or 0))
    return t


def format_time(t: dt.datetime) -> str:
    """Annotation / EOF style ``YYYY-mm-ddTHH:MM:SS.ffffff`` (ISCE's SAFE reader needs the fraction)."""
    return t.strftime("%Y-%m-%dT%H:%M:%S.%f")


def format_seconds(t: dt.datetime) -> str:
    """``YYYY-mm-ddTHH:MM:SS`` (EOF validity and creation dates)."""
    return t.strftime("%Y-%m-%dT%H:%M:%S")


def format_compact(t: dt.datetime) -> str:
    """``YYYYmmddTHHMMSS`` as in scene ids and EOF / measurement file names."""
    return t.strftime("%Y%m%dT%H%M%S")
