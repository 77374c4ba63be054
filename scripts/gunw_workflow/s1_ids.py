"""Sentinel-1 SLC scene-id grammar: everything that can be known from the 67-character id alone.

Used at config-validation time (no network), so `snakemake -n` can reject malformed pairs before any download.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from dataclasses import asdict, dataclass
from datetime import datetime

from gunw_workflow.isce_io.times import parse_time

SCENE_ID_LENGTH = 67
_SCENE_RE = re.compile(
    r"^(?P<mission>S1[A-D])_(?P<mode>[A-Z0-9]{2})_(?P<product>[A-Z]{3})(?P<resolution>[A-Z_])_"
    r"(?P<level>[0-9])(?P<product_class>[A-Z])(?P<polarisation>[A-Z]{2})_"
    r"(?P<start>\d{8}T\d{6})_(?P<stop>\d{8}T\d{6})_(?P<absolute_orbit>\d{6})_"
    r"(?P<datatake>[0-9A-F]{6})_(?P<unique_id>[0-9A-F]{4})$"
)


class SceneIdError(ValueError):
    """A scene id that does not follow the Sentinel-1 grammar."""


@dataclass(frozen=True)
class SceneId:
    scene: str
    mission: str
    mode: str
    product: str
    polarisation: str
    start: datetime
    stop: datetime
    absolute_orbit: int
    datatake: str
    unique_id: str

    @property
    def track(self) -> int:
        return relative_orbit(self.mission, self.absolute_orbit)

    @property
    def date(self) -> str:
        return self.start.strftime("%Y%m%d")

    def as_dict(self) -> dict:
        out = asdict(self)
        out["start"] = self.start.isoformat()
        out["stop"] = self.stop.isoformat()
        out["track"] = self.track
        return out


def relative_orbit(mission: str, absolute_orbit: int) -> int:
    """Track (1-175) from the absolute orbit, per mission, as ISCE2 2.6.5's Sentinel-1 reader computes it."""
    if mission == "S1A":
        offset = 73
    elif mission == "S1B":
        offset = 27
    elif mission == "S1C":
        offset = 172 if absolute_orbit <= 8018 else 99
    elif mission == "S1D":
        offset = 42
    else:
        raise SceneIdError(f"unknown mission {mission!r}")
    return (absolute_orbit - offset) % 175 + 1


def parse(scene: str) -> SceneId:
    """Parse a scene id; raise SceneIdError naming what is wrong and how a valid id looks."""
    example = "S1A_IW_SLC__1SDV_20220212T222803_20220212T222830_041886_04FCA3_2B3E"
    if not isinstance(scene, str):
        raise SceneIdError(f"scene id must be a string, got {scene!r}")
    if scene.endswith((".zip", ".SAFE")):
        raise SceneIdError(
            f"{scene!r}: give the scene id without the file extension (e.g. {scene.rsplit('.', 1)[0]})"
        )
    if len(scene) != SCENE_ID_LENGTH:
        raise SceneIdError(
            f"{scene!r} is not a Sentinel-1 scene id: it has {len(scene)} characters, ids have 67 (e.g. {example})"
        )
    match = _SCENE_RE.match(scene)
    if not match:
        raise SceneIdError(f"{scene!r} does not follow the Sentinel-1 scene-id grammar (e.g. {example})")
    fields = match.groupdict()
    try:
        start = parse_time(fields["start"])
        stop = parse_time(fields["stop"])
    except ValueError as exc:
        raise SceneIdError(f"{scene!r}: invalid sensing time ({exc})") from exc
    return SceneId(
        scene=scene,
        mission=fields["mission"],
        mode=fields["mode"],
        product=fields["product"] + fields["resolution"],
        polarisation=fields["level"] + fields["product_class"] + fields["polarisation"],
        start=start,
        stop=stop,
        absolute_orbit=int(fields["absolute_orbit"]),
        datatake=fields["datatake"],
        unique_id=fields["unique_id"],
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description="Parse Sentinel-1 SLC scene ids and print their fields as JSON."
    )
    parser.add_argument("scene", nargs="+", help="67-character scene id(s)")
    args = parser.parse_args(argv)
    status = 0
    for scene in args.scene:
        try:
            print(json.dumps(parse(scene).as_dict()))
        except SceneIdError as exc:
            print(f"error: {exc}", file=sys.stderr)
            status = 1
    return status


if __name__ == "__main__":
    sys.exit(main())
