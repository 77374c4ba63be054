"""Burst mode: which bursts a frame needs on each date, checked against ASF's burst catalogue before any download.

Why: a GUNW frame is ~8 bursts x 3 swaths, a date's SLCs hold ~2 x 30 bursts; fetching only the bursts ISCE2's
region of interest keeps (every burst touching the frame's latitude-aligned box, per swath and polarisation)
brings a frame stack close to the physical minimum. The check rule calls ``check_frame_bursts``: one asf_search
burst search per date (track + ROI box + time window), then the needed bursts must exist on both dates with the
same burst ids per swath, so a partial date fails with one message naming the missing burst ids, not after
hours of downloads. pair.json then records the bursts of each date; the SAFE job (burst_safe.py) fetches exactly
those. See docs/inputs.md section 9.
"""

from __future__ import annotations

import datetime as dt

from shapely.geometry import box, shape

from gunw_workflow.inputs import http_fetch
from gunw_workflow.layout import burst_safe_key

MODES = ("auto", "slc", "burst")
BURST_SHORT_NAME = "SENTINEL-1_BURSTS"
WINDOW_MARGIN_S = 60.0
"""Seconds added on each side of a date's SLC times for its burst search (bursts start inside the SLC)."""
SEARCH_BUFFER_DEG = 0.2
"""The search box is the ROI + this margin, so a burst one date puts just outside the ROI is still found."""


class BurstCheckError(Exception):
    def __init__(self, errors: list[str]):
        super().__init__("\n".join(errors))
        self.errors = errors


def resolve_mode(mode: str, frame_id: int, slc_dir: str | None) -> str:
    """`slc` or `burst` for one pair: `auto` is burst exactly when the pair has a frame and SLCs are not local."""
    if mode not in MODES:
        raise ValueError(f"download_mode {mode!r}: one of {', '.join(MODES)}")
    if mode == "auto":
        return "burst" if int(frame_id) >= 0 and not slc_dir else "slc"
    if mode == "burst" and int(frame_id) < 0:
        raise ValueError(
            "download_mode burst needs a frame (the frame's region of interest chooses the bursts); "
            "give frame_id, or use download_mode slc/auto for a pair without a frame"
        )
    if mode == "burst" and slc_dir:
        raise ValueError(
            "download_mode burst downloads bursts, but local_inputs.slc_dir is set; set download_mode slc "
            "(use the local SAFEs) or empty slc_dir"
        )
    return mode


def swath_names(swaths) -> list[str]:
    return [f"IW{int(s)}" for s in sorted(swaths)]


def date_key(frame_id: int, date: str, polarization: str, swaths) -> str:
    return burst_safe_key(frame_id, date, polarization, swaths)


# --------------------------------------------------------------------------------------------------- search
def _record(product) -> dict:
    """The fields of one asf_search S1BurstProduct that the check, burst2safe and provenance need."""
    p = product.properties
    b = p["burst"]
    slc = product.umm["InputGranules"][0].split("-")[0]
    geom = shape(product.geometry)
    return {
        "granule": p["fileID"],
        "slc": slc,
        "swath": b["subswath"].upper(),
        "polarization": p["polarization"].upper(),
        "burst_id": int(b["relativeBurstID"]),
        "full_burst_id": b["fullBurstID"],
        "burst_index": int(b["burstIndex"]),
        "absolute_orbit": int(p["orbit"]),
        "track": int(p["pathNumber"]),
        "flight_direction": p["flightDirection"].upper(),
        "start": p["startTime"],
        "url": p["url"],
        "metadata_url": p["additionalUrls"][0],
        "bytes": int(p["bytes"]) if p.get("bytes") is not None else None,
        "footprint_wkt": geom.wkt,
    }


def search_bursts(track: int, roi_snwe, start: str, end: str, base_url=None, policy=None, session=None):
    """Every IW burst of ``track`` touching the ROI box between ``start`` and ``end`` (ISO times), all
    polarisations (the check names what is available). Retried on transient failures like the SLC search."""
    import asf_search

    from gunw_workflow.inputs import scene_metadata

    policy = policy or http_fetch.RetryPolicy()
    session = session or scene_metadata.search_session(base_url)
    s, n, w, e = roi_snwe
    b = SEARCH_BUFFER_DEG
    opts = asf_search.ASFSearchOptions(
        session=session,
        processingLevel="BURST",
        beamMode="IW",
        relativeOrbit=int(track),
        intersectsWith=box(w - b, s - b, e + b, n + b).wkt,
        start=start,
        end=end,
        maxResults=2000,
    )
    try:
        return scene_metadata.search_with_retries(
            lambda: [_record(p) for p in asf_search.search(opts=opts)], "ASF burst search", policy, base_url
        )
    except scene_metadata.SearchFailed as exc:
        raise BurstCheckError([f"ASF burst search failed after {exc}"]) from exc


def _iso(t: dt.datetime) -> str:
    return t.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def search_window(start: str, stop: str) -> tuple[str, str]:
    """The burst search window of one date: its SLCs' time span +- WINDOW_MARGIN_S."""
    from gunw_workflow.isce_io.times import parse_time

    t0, t1 = parse_time(start), parse_time(stop)
    if t0.tzinfo is None:
        t0, t1 = t0.replace(tzinfo=dt.UTC), t1.replace(tzinfo=dt.UTC)
    margin = dt.timedelta(seconds=WINDOW_MARGIN_S)
    return _iso(t0 - margin), _iso(t1 + margin)


# ---------------------------------------------------------------------------------------------------- rules
def _ids(ids) -> str:
    return ", ".join(str(i) for i in sorted(ids))


def needed_bursts(records: list[dict], roi_snwe, swaths, polarization: str) -> list[dict]:
    """The bursts ISCE2's region of interest keeps: every burst of the wanted swaths and polarisation whose
    footprint touches the ROI box (topsApp crops to bursts overlapping the box), one per burst id."""
    s, n, w, e = roi_snwe
    roi = box(w, s, e, n)
    wanted = set(swath_names(swaths))
    out = {}
    for rec in records:
        if rec["swath"] in wanted and rec["polarization"] == polarization.upper():
            if shape_of(rec).intersects(roi):
                out.setdefault((rec["swath"], rec["burst_id"]), rec)
    return [out[k] for k in sorted(out)]


def shape_of(rec: dict):
    from shapely import wkt

    return wkt.loads(rec["footprint_wkt"])


def check_date_pair(
    dates: dict[str, str],
    found: dict[str, list[dict]],
    roi_snwe,
    swaths,
    polarization: str,
    frame_id: int,
    track,
) -> dict[str, list[dict]]:
    """The rules of burst mode over the two dates (``dates``/``found`` keyed by role). Returns the needed bursts
    per role, or raises BurstCheckError with every problem, each naming the bursts."""
    pol = polarization.upper()
    wanted = swath_names(swaths)
    if not any(found.values()):
        raise BurstCheckError(
            [
                f"frame {frame_id} has no bursts on track {track} on {dates['reference']} or "
                f"{dates['secondary']} (ASF burst search over the frame's ROI {list(roi_snwe)}); check frame_id "
                "and the dates, or use download_mode slc"
            ]
        )
    errors = []
    touching = {role: needed_bursts(found[role], roi_snwe, swaths, pol) for role in found}
    # a burst one date's footprint puts just outside the ROI is still the same ground: both dates take every
    # burst id that touches the ROI on either date (ISCE2 then keeps the common ones), found by id
    keep = {(r["swath"], r["burst_id"]) for recs in touching.values() for r in recs}
    needed = {
        role: sorted(
            {
                (r["swath"], r["burst_id"]): r
                for r in found[role]
                if r["polarization"] == pol and (r["swath"], r["burst_id"]) in keep
            }.values(),
            key=lambda r: (r["swath"], r["burst_id"]),
        )
        for role in found
    }
    for role, recs in found.items():
        if not recs:
            errors.append(
                f"frame {frame_id} has no bursts on track {track} on {dates[role]} ({role}); ASF has no "
                "burst of this pass over the frame: pick another date"
            )
            continue
        if not touching[role] and not needed[role]:
            have = sorted({r["polarization"] for r in recs})
            ids = sorted({r["full_burst_id"] for r in recs if r["swath"] in wanted})
            errors.append(
                f"polarisation {pol} is not available on {dates[role]} ({role}) for bursts {', '.join(ids)} "
                f"(available: {'+'.join(have)}); set topsapp.polarization to one of them"
            )
    if errors:
        raise BurstCheckError(errors)
    for swath in wanted:
        ids = {role: {r["burst_id"] for r in needed[role] if r["swath"] == swath} for role in needed}
        full = {
            r["burst_id"]: r["full_burst_id"] for role in needed for r in needed[role] if r["swath"] == swath
        }
        ref, sec = ids["reference"], ids["secondary"]
        if not ref and not sec:
            errors.append(
                f"no {swath} bursts touch frame {frame_id} on either date; drop {swath} from topsapp.swaths"
            )
            continue
        if ref and sec and not ref & sec:
            errors.append(
                f"burst-id mismatch between dates in {swath}: reference {dates['reference']} has "
                f"{_ids(ref)}, secondary {dates['secondary']} has {_ids(sec)}, none in common; the dates are "
                "not of the same frame and track"
            )
            continue
        union = ref | sec
        span = set(range(min(union), max(union) + 1))
        for role in ("reference", "secondary"):
            missing = span - ids[role]
            if missing:
                names = [full.get(i, f"{track:03d}_{i}_{swath}") for i in sorted(missing)]
                errors.append(
                    f"partial coverage: {dates[role]} ({role}) lacks burst(s) {', '.join(names)} of frame "
                    f"{frame_id} that the frame's ROI needs; pick a date with full coverage"
                )
    if errors:
        raise BurstCheckError(errors)
    return needed


def check_frame_bursts(
    frame_id: int,
    track: int,
    roi_snwe,
    windows: dict[str, tuple[str, str]],
    dates: dict[str, str],
    swaths,
    polarization: str,
    base_url=None,
    policy=None,
) -> dict:
    """Search both dates, apply the burst rules and return pair.json's ``bursts`` record."""
    found = {
        role: search_bursts(track, roi_snwe, *windows[role], base_url=base_url, policy=policy)
        for role in ("reference", "secondary")
    }
    needed = check_date_pair(dates, found, roi_snwe, swaths, polarization, frame_id, track)
    return {
        "polarization": polarization.upper(),
        "swaths": swath_names(swaths),
        **{
            role: {
                "date": dates[role],
                "key": date_key(frame_id, dates[role], polarization, swaths),
                "slcs": sorted({r["slc"] for r in needed[role]}),
                "bursts": needed[role],
            }
            for role in ("reference", "secondary")
        },
    }
