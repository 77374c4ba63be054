"""A loopback CMR that answers asf_search's geo searches (frame + dates pairs) from the recorded UMM-G records.

asf_search's geo_search posts to CMR ``search/granules.umm_json`` with ``shortName`` (SENTINEL-1x_SLC),
``attribute[]`` (``string,BEAM_MODE,IW``, ``string,ASCENDING_DESCENDING,ASCENDING``, ``string,POLARIZATION,VV``,
``int,PATH_NUMBER,35``), ``polygon`` (lon,lat,...) and ``temporal`` (start,end,). This replay filters the real
recorded records (asf_search test resources: 342 SLCs of track 35 ascending, N. California, 2015-2025) with CMR's
semantics for those parameters; a name search (``readable_granule_name[]``) is answered as tests/loopback.py does.
Records can be added (copies of real ones with changed times, for midnight cases) or the answer replaced (garbage).
"""

from __future__ import annotations

import json

from shapely.geometry import Polygon

import loopback
from gunw_workflow.isce_io.times import parse_time


def _attributes(rec: dict) -> dict[str, list[str]]:
    return {
        a["Name"]: [str(v) for v in a.get("Values", [])] for a in rec["umm"].get("AdditionalAttributes", [])
    }


def footprint(rec: dict) -> Polygon:
    geo = rec["umm"]["SpatialExtent"]["HorizontalSpatialDomain"]["Geometry"]
    points = geo["GPolygons"][0]["Boundary"]["Points"]
    return Polygon([(p["Longitude"], p["Latitude"]) for p in points])


def _matches_attribute(attrs: dict, spec: str) -> bool:
    kind, name, *values = spec.split(",")
    have = attrs.get(name)
    if not have:
        return False
    if kind == "int" and len(values) == 2:
        return any(int(values[0]) <= int(float(h)) <= int(values[1]) for h in have)
    if kind == "int":
        return any(int(float(h)) == int(values[0]) for h in have)
    return any(h.upper() == v.upper() for h in have for v in values)


def _matches_temporal(rec: dict, spec: str) -> bool:
    start, end = (spec.split(",") + ["", ""])[:2]
    rng = rec["umm"]["TemporalExtent"]["RangeDateTime"]
    b, e = parse_time(rng["BeginningDateTime"]), parse_time(rng["EndingDateTime"])
    return (not start or e >= parse_time(start)) and (not end or b <= parse_time(end))


def geo_match(rec: dict, form: dict) -> bool:
    """CMR's filter for the parameters asf_search's geo_search sends."""
    short = rec["umm"].get("CollectionReference", {}).get("ShortName")
    if form.get("shortName") and short not in form["shortName"]:
        return False
    attrs = _attributes(rec)
    if not all(_matches_attribute(attrs, spec) for spec in form.get("attribute[]", [])):
        return False
    for spec in form.get("temporal", []):
        if not _matches_temporal(rec, spec):
            return False
    for spec in form.get("polygon", []):
        nums = [float(v) for v in spec.split(",")]
        aoi = Polygon(list(zip(nums[0::2], nums[1::2], strict=True)))
        if not footprint(rec).intersects(aoi):
            return False
    return True


class GeoCmr:
    """Install on a Loopback; ``records`` is the pool (mutable), ``garbage`` replaces the next answers' body."""

    def __init__(self, lb: loopback.Loopback, records: list[dict] | None = None):
        self.lb = lb
        self.records = records if records is not None else loopback.load_umm_records()
        self.garbage: list[bytes] = []
        self.queries: list[dict] = []
        lb.route(loopback.CMR_HOST, "POST", r"/search/granules\.umm_json$", self._search)

    def _search(self, req):
        form = req["form"]
        self.queries.append(form)
        if self.garbage:
            return loopback.Reply(200, self.garbage.pop(0), {"Content-Type": "application/json"})
        wanted = set(form.get("readable_granule_name[]", []))
        if wanted:
            items = [r for r in self.records if loopback._names(r) & wanted]
        else:
            items = [r for r in self.records if geo_match(r, form)]
        body = json.dumps({"hits": len(items), "took": 3, "items": items}).encode()
        return loopback.Reply(
            200,
            body,
            {"Content-Type": "application/vnd.nasa.cmr.umm_results+json", "CMR-Hits": str(len(items))},
        )


def shifted_copy(rec: dict, new_id: str, start: str, stop: str, orbit: int | None = None) -> dict:
    """A copy of a real record as another acquisition: id, times (and absolute orbit) changed, all else real."""
    rec = json.loads(json.dumps(rec))
    umm = rec["umm"]
    old = umm["GranuleUR"].rsplit("-", 1)[0]
    umm["GranuleUR"] = umm["GranuleUR"].replace(old, new_id)
    for ident in umm.get("DataGranule", {}).get("Identifiers", []):
        ident["Identifier"] = ident["Identifier"].replace(old, new_id)
    for info in umm.get("DataGranule", {}).get("ArchiveAndDistributionInformation", []):
        info["Name"] = info.get("Name", "").replace(old, new_id)
    for url in umm.get("RelatedUrls", []):
        url["URL"] = url["URL"].replace(old, new_id)
    umm["TemporalExtent"]["RangeDateTime"] = {"BeginningDateTime": start, "EndingDateTime": stop}
    for attr in umm.get("AdditionalAttributes", []):
        if attr["Name"] == "ACQUISITION_DATE":
            attr["Values"] = [stop]
    if orbit is not None:
        umm["OrbitCalculatedSpatialDomains"] = [{"OrbitNumber": orbit}]
    rec["meta"]["native-id"] = umm["GranuleUR"]
    return rec
