"""ARIA frames from the GeoJSON zips shipped in the s1_frame_enumerator wheel, read offline, lazily and cached.

Two tables (see docs/inputs.md §3): the latitude-aligned frame (topsApp ROI) and the GUNW
footprint (product extent). Both are parsed with the json module (no geopandas import, ~0.7 s for the frame table)
and only when a frame id is actually used. Antimeridian frames have two rows with the same id; every row is kept
and the caller picks the one that overlaps its scenes.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import sys
import zipfile
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from shapely.geometry import shape
from shapely.geometry.base import BaseGeometry

FRAMES_ZIP = "s1_frames_latitude_aligned.geojson.zip"
FOOTPRINTS_ZIP = "s1_gunw_frame_footprints.geojson.zip"


class FrameError(ValueError):
    """Unknown frame id or unusable frame geometry."""


def data_dir() -> Path:
    """The wheel's data directory (found without importing the package, which pulls in geopandas)."""
    override = os.environ.get("GUNW_FRAMES_DIR")
    if override:
        return Path(override)
    spec = importlib.util.find_spec("s1_frame_enumerator")
    if spec is None or not spec.submodule_search_locations:
        raise FrameError(
            "s1_frame_enumerator is not installed: it ships the ARIA frame tables (pip install it)"
        )
    return Path(list(spec.submodule_search_locations)[0]) / "data"


def _read_zip(name: str) -> list[dict]:
    path = data_dir() / name
    if not path.is_file():
        raise FrameError(f"frame table {path} is missing; reinstall s1_frame_enumerator")
    with zipfile.ZipFile(path) as zf:
        member = [n for n in zf.namelist() if n.endswith(".geojson")][0]
        return json.loads(zf.read(member))["features"]


@dataclass
class FrameRow:
    frame_id: int
    track_min: int
    track_max: int
    direction: str
    geojson: dict = field(
        repr=False, compare=False
    )  # latitude-aligned frame, built into shapely on first use
    _geometry: BaseGeometry | None = field(default=None, repr=False, compare=False)

    @property
    def geometry(self) -> BaseGeometry:
        """The latitude-aligned frame (2D). Lazy: the offline config checks of a big stack need only ids,
        tracks and directions, and building 27,563 shapely polygons would cost seconds at every start."""
        if self._geometry is None:
            self._geometry = _to_2d(shape(self.geojson))
        return self._geometry

    @property
    def tracks(self) -> set[int]:
        return {self.track_min, self.track_max}


def _to_2d(geom: BaseGeometry) -> BaseGeometry:
    from shapely import force_2d

    return force_2d(geom)


@lru_cache(maxsize=1)
def frame_table() -> dict[int, list[FrameRow]]:
    """frame_id -> rows of the latitude-aligned table (1 row, 2 for antimeridian frames)."""
    table: dict[int, list[FrameRow]] = {}
    for feat in _read_zip(FRAMES_ZIP):
        p = feat["properties"]
        row = FrameRow(
            frame_id=int(p["frame_id"]),
            track_min=int(p["relative_orbit_number_min"]),
            track_max=int(p["relative_orbit_number_max"]),
            direction=str(p["orbit_direction"]).upper(),
            geojson=feat["geometry"],
        )
        table.setdefault(row.frame_id, []).append(row)
    return table


@lru_cache(maxsize=1)
def footprint_table() -> dict[int, list[BaseGeometry]]:
    """frame_id -> GUNW footprint geometries (2 for antimeridian frames)."""
    table: dict[int, list[BaseGeometry]] = {}
    for feat in _read_zip(FOOTPRINTS_ZIP):
        table.setdefault(int(feat["properties"]["frame_id"]), []).append(_to_2d(shape(feat["geometry"])))
    return table


def exists(frame_id: int) -> bool:
    return int(frame_id) in frame_table()


def frame_rows(frame_id: int) -> list[FrameRow]:
    rows = frame_table().get(int(frame_id))
    if not rows:
        ids = frame_table().keys()
        raise FrameError(
            f"frame_id {frame_id} does not exist in the ARIA frame table (valid ids {min(ids)}..{max(ids)}); "
            "use the id of a frame over your area, or -1 for no frame"
        )
    return rows


def _pick(geoms: list[BaseGeometry], near: BaseGeometry | None) -> int:
    if near is None or len(geoms) == 1:
        return 0
    overlaps = [g.intersection(near).area for g in geoms]
    return max(range(len(geoms)), key=lambda i: overlaps[i])


def frame(frame_id: int, near: BaseGeometry | None = None) -> FrameRow:
    """The latitude-aligned frame row; for antimeridian frames the copy that overlaps `near` most."""
    rows = frame_rows(frame_id)
    return rows[_pick([r.geometry for r in rows], near)]


def footprint(frame_id: int, near: BaseGeometry | None = None) -> BaseGeometry:
    """The GUNW footprint (product extent) of a frame."""
    frame_rows(frame_id)  # uniform error for unknown ids
    geoms = footprint_table().get(int(frame_id))
    if not geoms:
        raise FrameError(f"frame_id {frame_id} has no GUNW footprint in {FOOTPRINTS_ZIP}")
    return geoms[_pick(geoms, near)]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description="Show an ARIA frame (tracks, direction, frame and footprint bounds)."
    )
    parser.add_argument("frame_id", type=int, nargs="+")
    args = parser.parse_args(argv)
    status = 0
    for fid in args.frame_id:
        try:
            row = frame(fid)
            print(
                json.dumps(
                    {
                        "frame_id": fid,
                        "tracks": sorted(row.tracks),
                        "direction": row.direction,
                        "frame_bounds": list(row.geometry.bounds),
                        "footprint_bounds": list(footprint(fid, row.geometry).bounds),
                        "rows": len(frame_rows(fid)),
                    }
                )
            )
        except FrameError as exc:
            print(f"error: {exc}", file=sys.stderr)
            status = 1
    return status


if __name__ == "__main__":
    sys.exit(main())
