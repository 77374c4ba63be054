"""Render ISCE2's topsApp.xml from the workflow config and a pair's staged inputs.

Two halves, on purpose:
* `topsapp_properties(cfg)` -> the config-derived properties (looks, filter strength, ESD, ionosphere, ...). These are
  known at DAG time, so each step rule's `params` can carry exactly the properties that invalidate it.
* `render(...)` adds what comes from files (SAFE paths, orbit directory, DEMs, region of interest, geocode box).

Values are written in ISCE's syntax (Python literals: True/False, bracketed lists, [S, N, W, E] boxes), and every
property name is checked against KNOWN_PROPERTIES: ISCE exits 1 on an unknown name, and a misspelt value-less name
silently falls back to a default, so we refuse to write either.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from xml.sax.saxutils import escape, quoteattr

from gunw_workflow import pair_json
from gunw_workflow.topsapp import isce_files

# Property names exactly as ISCE2 2.6.5 spells them (docs/isce2-steps.md §5). ISCE matches them
# case-insensitively with whitespace removed; we keep the canonical spelling.
KNOWN_PROPERTIES = frozenset(
    {
        "Sensor name",
        "swaths",
        "region of interest",
        "demFilename",
        "geocode demfilename",
        "useHighResolutionDemOnly",
        "use virtual files",
        "do interferogram",
        "range looks",
        "azimuth looks",
        "filter strength",
        "do ESD",
        "ESD azimuth looks",
        "ESD range looks",
        "ESD coherence threshold",
        "offset SNR threshold",
        "extra ESD cycles",
        "do unwrap",
        "unwrapper name",
        "do unwrap 2 stage",
        "unwrapper 2stage name",
        "SOLVER_2STAGE",
        "geocode list",
        "geocode bounding box",
        "do dense offsets",
        "SNR Threshold factor",
        "Filter NULL factor",
        "Filter window size",
        "offset geocode list",
        "use GPU",
        "pickle dump directory",
        "pickle load directory",
        "renderer",
        "do ionosphere correction",
        "apply ionosphere correction",
    }
)
# The ionosphere step's own parameters (besides the on/off and apply switches), all first used by `ion`.
ION_PROPERTIES = (
    "consider burst properties in ionosphere computation",
    "start ionosphere step",
    "end ionosphere step",
    "height of ionosphere layer in km",
    "apply polynomial fit before filtering ionosphere phase",
    "maximum window size for filtering ionosphere phase",
    "minimum window size for filtering ionosphere phase",
    "maximum window size for filtering ionosphere azimuth shift",
    "minimum window size for filtering ionosphere azimuth shift",
    "correct phase error caused by ionosphere azimuth shift",
    "areas masked out in ionospheric phase estimation",
    "total number of azimuth looks in the ionosphere processing",
    "total number of range looks in the ionosphere processing",
    "number of azimuth looks at first stage for ionosphere phase unwrapping",
    "number of range looks at first stage for ionosphere phase unwrapping",
)
# The dense-offset (ampcor) parameters, all first used by `denseoffsets`.
DENSE_OFFSET_PROPERTIES = (
    "Ampcor window width",
    "Ampcor window height",
    "Ampcor search window width",
    "Ampcor search window height",
    "Ampcor skip width",
    "Ampcor skip height",
    "Ampcor margin",
    "Ampcor oversampling factor",
    "Range shift",
    "Azimuth shift",
)
KNOWN_PROPERTIES = KNOWN_PROPERTIES | frozenset(ION_PROPERTIES) | frozenset(DENSE_OFFSET_PROPERTIES)
# Properties of the `reference` / `secondary` sub-components.
KNOWN_COMPONENT_PROPERTIES = frozenset(
    {
        "safe",
        "output directory",
        "orbit directory",
        "orbit file",
        "auxiliary data directory",
        "auxiliary file",
        "polarization",
        "region of interest",
        "swath number",
    }
)
# Properties that live on the sub-components, not on topsinsar (they are still invalidation keys).
COMPONENT_LEVEL = ("polarization",)

LOOKS_BY_RESOLUTION = {90: (19, 7), 30: (7, 3)}  # (range, azimuth), as the reference tool


def looks(cfg: dict) -> tuple[int, int]:
    tops = cfg["topsapp"]
    by_resolution_rg, by_resolution_az = LOOKS_BY_RESOLUTION[int(cfg["output_resolution"])]
    rg = tops["range_looks"] or by_resolution_rg  # null in the config: the reference tool's looks
    az = tops["azimuth_looks"] or by_resolution_az
    return int(rg), int(az)


def geocode_list(cfg: dict) -> list[str]:
    """ISCE's default list misses the connected components and mangles topophase.ion (docs/isce2-steps.md §5)."""
    files = [
        "merged/phsig.cor",
        "merged/topophase.cor",
        "merged/filt_topophase.unw",
        isce_files.conncomp(cfg["topsapp"]["unwrapper"]),
        "merged/los.rdr",
        "merged/filt_topophase.flat",
    ]
    if cfg["estimate_ionosphere_delay"]:
        # the ionosphere (ISCE's mergebursts, from the project's filt.ion) and the merged burst ionosphere
        # (the project's ramps stage, before geocode): docs/ionosphere.md
        files += ["merged/topophase.ion", "merged/topophase.ion.az_shift"]
    return files


def topsapp_properties(cfg: dict) -> dict:
    """Config-derived topsApp properties (no paths): the invalidation keys of the step rules."""
    tops = cfg["topsapp"]
    rg, az = looks(cfg)
    esd = float(cfg["esd_coherence_threshold"]) >= 0
    ion = bool(cfg["estimate_ionosphere_delay"])
    props = {
        "Sensor name": "SENTINEL1",
        "swaths": [int(n) for n in tops["swaths"]],
        "polarization": str(tops["polarization"]).lower(),
        "use virtual files": True,
        "useHighResolutionDemOnly": False,
        "use GPU": False,
        "do interferogram": True,
        "range looks": rg,
        "azimuth looks": az,
        "filter strength": float(cfg["goldstein_filter_power"]),
        "do ESD": esd,
        "do unwrap": True,
        "unwrapper name": tops["unwrapper"],
        "do unwrap 2 stage": False,
        "do ionosphere correction": ion,
        "apply ionosphere correction": False,
        "geocode list": geocode_list(cfg),
        "do dense offsets": bool(cfg["dense_offsets"]),
    }
    if esd:
        props["ESD coherence threshold"] = float(cfg["esd_coherence_threshold"])
        props["ESD azimuth looks"] = int(tops["esd_azimuth_looks"])
        props["ESD range looks"] = int(tops["esd_range_looks"])
    if ion:
        props.update(
            {
                "consider burst properties in ionosphere computation": bool(tops["ion_burst_properties"]),
                "total number of range looks in the ionosphere processing": int(
                    tops["ion_total_range_looks"]
                ),
                "total number of azimuth looks in the ionosphere processing": int(
                    tops["ion_total_azimuth_looks"]
                ),
                "number of range looks at first stage for ionosphere phase unwrapping": int(
                    tops["ion_first_stage_range_looks"]
                ),
                "number of azimuth looks at first stage for ionosphere phase unwrapping": int(
                    tops["ion_first_stage_azimuth_looks"]
                ),
                "maximum window size for filtering ionosphere phase": int(tops["ion_max_filter_window"]),
                "minimum window size for filtering ionosphere phase": int(tops["ion_min_filter_window"]),
            }
        )
    unknown = set(props) - KNOWN_PROPERTIES - set(COMPONENT_LEVEL)
    if unknown:
        raise ValueError(f"internal error: unknown topsApp properties {sorted(unknown)}")
    return props


def isce_value(value) -> str:
    """A Python value in the syntax ISCE's eval() reads back to the same value."""
    if isinstance(value, bool):
        return "True" if value else "False"
    if value is None:
        return "None"
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(repr(v) if isinstance(v, str) else isce_value(v) for v in value) + "]"
    if isinstance(value, float):
        return repr(value)
    return str(value)


def _prop(name: str, value, indent: str) -> str:
    return f"{indent}<property name={quoteattr(name)}>{escape(isce_value(value))}</property>"


def render(
    properties: dict,
    reference_safes: list[str],
    secondary_safes: list[str],
    orbit_dir: str,
    dem: str,
    geocode_dem: str,
    roi_snwe: list[float] | None,
    geocode_bbox_snwe: list[float] | None,
    aux_cal_dir: str | None = None,
) -> str:
    """The full topsApp.xml text. Paths should be relative to the topsApp working directory."""
    for name in properties:
        if name not in KNOWN_PROPERTIES and name not in COMPONENT_LEVEL:
            raise ValueError(f"{name!r} is not a topsApp property ISCE2 knows; ISCE would exit 1")
    if not reference_safes or not secondary_safes:
        raise ValueError("both reference and secondary need at least one SAFE")
    lines = ['<?xml version="1.0" encoding="UTF-8"?>', "<topsApp>", '  <component name="topsinsar">']
    lines.append(_prop("Sensor name", properties["Sensor name"], "    "))
    for role, safes in (("reference", reference_safes), ("secondary", secondary_safes)):
        lines.append(f'    <component name="{role}">')
        lines.append(_prop("safe", list(safes), "      "))
        lines.append(_prop("output directory", role, "      "))
        lines.append(_prop("orbit directory", orbit_dir, "      "))
        if aux_cal_dir:
            lines.append(_prop("auxiliary data directory", aux_cal_dir, "      "))
        lines.append(_prop("polarization", properties["polarization"], "      "))
        lines.append("    </component>")
    for name, value in properties.items():
        if name in ("Sensor name",) or name in COMPONENT_LEVEL:
            continue
        lines.append(_prop(name, value, "    "))
    lines.append(_prop("demFilename", dem, "    "))
    lines.append(_prop("geocode demfilename", geocode_dem, "    "))
    if roi_snwe:
        lines.append(_prop("region of interest", [float(v) for v in roi_snwe], "    "))
    if geocode_bbox_snwe:
        lines.append(_prop("geocode bounding box", [float(v) for v in geocode_bbox_snwe], "    "))
    lines += ["  </component>", "</topsApp>", ""]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Render topsApp.xml for one pair.")
    parser.add_argument(
        "--properties", required=True, help="JSON object of config-derived topsApp properties"
    )
    parser.add_argument(
        "--pair-json", required=True, help="pair.json written by the check rule (ROI, extent)"
    )
    parser.add_argument(
        "--reference-safe", nargs="+", required=True, help="SAFE paths relative to the topsApp dir"
    )
    parser.add_argument("--secondary-safe", nargs="+", required=True)
    parser.add_argument("--orbit-dir", required=True)
    parser.add_argument("--dem", required=True)
    parser.add_argument("--geocode-dem", required=True)
    parser.add_argument("--aux-cal-dir", default=None)
    parser.add_argument("--out", required=True)
    args = parser.parse_args(argv)
    properties = json.loads(args.properties)
    pair = pair_json.read(args.pair_json)
    text = render(
        properties,
        args.reference_safe,
        args.secondary_safe,
        args.orbit_dir,
        args.dem,
        args.geocode_dem,
        pair.get("roi_snwe"),
        pair.get("extent_snwe"),
        args.aux_cal_dir,
    )
    out = Path(args.out)
    tmp = out.with_name(out.name + ".tmp")
    tmp.write_text(text)
    tmp.replace(out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
