"""topsApp.xml reading with ISCE's rules (names case/whitespace-insensitive, values eval()'d).

Why: the workflow's rendered topsApp.xml must be accepted or rejected exactly as ISCE2 would
(unknown names exit 1, ``false`` is truthy, bracketed lists, application-level ROI/swaths win).
"""

from __future__ import annotations

import os
import sys
import xml.etree.ElementTree as ET


def norm(name: str) -> str:
    """ISCE's key normalisation: lower case, all whitespace removed (underscores significant)."""
    return "".join(name.split()).lower()


# application-level public names -> (internal key, ISCE default)
APP_PROPERTIES = {
    "sensor name": ("sensor_name", "SENTINEL1"),
    "do ESD": ("do_esd", True),
    "do dense offsets": ("do_dense_offsets", False),
    "unwrapper name": ("unwrapper_name", "icu"),
    "do unwrap": ("do_unwrap", False),
    "do unwrap 2 stage": ("do_unwrap_2stage", False),
    "unwrapper 2stage name": ("unwrapper_2stage_name", "REDARC0"),
    "SOLVER_2STAGE": ("solver_2stage", "pulp"),
    "useHighResolutionDemOnly": ("use_high_resolution_dem_only", False),
    "demFilename": ("dem_filename", ""),
    "geocode demfilename": ("geocode_dem_filename", ""),
    "geocode bounding box": ("geocode_bbox", None),
    "region of interest": ("roi", []),
    "pickle dump directory": ("pickle_dump_dir", "PICKLE"),
    "pickle load directory": ("pickle_load_dir", "PICKLE"),
    "renderer": ("renderer", "xml"),
    "azimuth looks": ("azimuth_looks", 7),
    "range looks": ("range_looks", 19),
    "ESD azimuth looks": ("esd_azimuth_looks", 5),
    "ESD range looks": ("esd_range_looks", 15),
    "filter strength": ("filter_strength", 0.5),
    "ESD coherence threshold": ("esd_coherence_threshold", 0.85),
    "offset SNR threshold": ("offset_snr_threshold", 8.0),
    "extra ESD cycles": ("extra_esd_cycles", 0.0),
    "use virtual files": ("use_virtual_files", True),
    "swaths": ("swaths", []),
    "do interferogram": ("do_interferogram", True),
    "geocode list": ("geocode_list", None),
    "Ampcor window width": ("ampcor_window_width", 64),
    "Ampcor window height": ("ampcor_window_height", 64),
    "Ampcor search window width": ("ampcor_search_width", 20),
    "Ampcor search window height": ("ampcor_search_height", 20),
    "Ampcor skip width": ("ampcor_skip_width", 32),
    "Ampcor skip height": ("ampcor_skip_height", 32),
    "Ampcor margin": ("ampcor_margin", 50),
    "Ampcor oversampling factor": ("ampcor_oversampling", 32),
    "Range shift": ("range_shift", 0),
    "Azimuth shift": ("azimuth_shift", 0),
    "SNR Threshold factor": ("snr_threshold_factor", None),
    "Filter NULL factor": ("filter_null_factor", -10000.0),
    "Filter window size": ("filter_window_size", 5),
    "offset geocode list": ("offset_geocode_list", None),
    "use GPU": ("use_gpu", False),
    "do ionosphere correction": ("do_ion", False),
    "apply ionosphere correction": ("apply_ion", False),
    "consider burst properties in ionosphere computation": ("ion_burst_properties", False),
    "start ionosphere step": ("ion_start_step", "subband"),
    "end ionosphere step": ("ion_end_step", "esd"),
    "height of ionosphere layer in km": ("ion_height", 200.0),
    "apply polynomial fit before filtering ionosphere phase": ("ion_fit", True),
    "maximum window size for filtering ionosphere phase": ("ion_filt_max", 200),
    "minimum window size for filtering ionosphere phase": ("ion_filt_min", 100),
    "maximum window size for filtering ionosphere azimuth shift": ("ion_azshift_max", 150),
    "minimum window size for filtering ionosphere azimuth shift": ("ion_azshift_min", 75),
    "correct phase error caused by ionosphere azimuth shift": ("ion_azshift_correct", 1),
    "areas masked out in ionospheric phase estimation": ("ion_masked_areas", None),
    "total number of azimuth looks in the ionosphere processing": ("ion_azimuth_looks", 50),
    "total number of range looks in the ionosphere processing": ("ion_range_looks", 200),
    "number of azimuth looks at first stage for ionosphere phase unwrapping": ("ion_first_azimuth_looks", 10),
    "number of range looks at first stage for ionosphere phase unwrapping": ("ion_first_range_looks", 40),
}
# list-valued properties (unbracketed strings are split on commas/whitespace)
APP_LISTS = {"roi", "swaths", "geocode_list", "offset_geocode_list", "geocode_bbox", "ion_masked_areas"}

SENSOR_PROPERTIES = {
    "xml": ("xml", []),
    "tiff": ("tiff", []),
    "manifest": ("manifest", []),
    "safe": ("safe", []),
    "swath number": ("swath_number", None),
    "polarization": ("polarization", "vv"),
    "orbit file": ("orbit_file", None),
    "auxiliary file": ("aux_file", None),
    "orbit directory": ("orbit_dir", None),
    "auxiliary data directory": ("aux_dir", None),
    "output directory": ("output", None),
    "region of interest": ("roi", []),
}
SENSOR_LISTS = {"xml", "tiff", "manifest", "safe", "roi"}
# facility (sub-component) public names of the application
FACILITIES = {"reference", "secondary", "demstitcher", "rununwrapper", "rununwrapper2stage", "topsproc"}

# generic Configurable keys accepted everywhere without error
GENERIC_KEYS = {
    "metadata_location",
    "delta_latitude",
    "delta_longitude",
    "first_latitude",
    "first_longitude",
    "width",
    "length",
    "name",
    "family",
}

DEFAULT_GEOCODE_LIST = [
    "merged/phsig.cor",
    "merged/topophase.cor",
    "merged/filt_topophase.unw",
    "merged/los.rdr",
    "merged/topophase.flat",
    "merged/filt_topophase.flat",
    "merged/filt_topophase_2stage.unw",
    "topophase.ion",
]
DEFAULT_OFFSET_GEOCODE_LIST = [
    "merged/dense_offsets.bil",
    "merged/dense_offsets_snr.bil",
    "merged/dense_offsets_cov.bil",
    "merged/filt_dense_offsets.bil",
]


class ConfigError(Exception):
    """An ISCE configuration error that makes topsApp exit with status 1."""


def eval_value(text: str, is_list: bool = False):
    """ISCE: ``eval()`` the text; keep it a string if that fails; unbracketed list strings are split."""
    text = (text or "").strip()
    try:
        val = eval(text, {"__builtins__": {}}, {"True": True, "False": False, "None": None})  # noqa: S307
    except Exception:
        val = text
    if is_list and isinstance(val, str):
        val = [v for v in text.replace(",", " ").split() if v]
    if is_list and isinstance(val, tuple):
        val = list(val)
    return val


def _element_value(el: ET.Element) -> str:
    v = el.find("value")
    if v is not None:
        return v.text or ""
    return el.text or ""


def _read_props(comp: ET.Element, table: dict, lists: set, where: str, base_dir: str) -> dict:
    known = {norm(k): v for k, v in table.items()}
    out: dict = {}
    for el in comp:
        if el.tag == "catalog":
            path = (el.text or "").strip()
            sub = ET.parse(os.path.join(base_dir, path)).getroot()
            out.update(_read_props(sub, table, lists, where, base_dir))
        elif el.tag == "property":
            key = norm(el.get("name", ""))
            if key in known:
                ikey = known[key][0]
                out[ikey] = eval_value(_element_value(el), ikey in lists)
            elif key in GENERIC_KEYS:
                continue
            else:
                raise ConfigError(
                    f'Error. The attribute corresponding to the key "{key}" is not present in the object '
                    f'"{where}".\nPossible causes are the definition in the xml file of such attribute that is no '
                    f'longer defined \nin the object "{where}" or a spelling error'
                )
    return out


def _defaults(table: dict) -> dict:
    return {ikey: (list(d) if isinstance(d, list) else d) for ikey, d in table.values()}


def load_config(xml_paths: list[str], cwd: str = ".") -> dict:
    """Merge ISCE defaults with the given topsApp.xml files (later files win).

    Returns ``{"app": {...}, "reference": {...}, "secondary": {...}}``.
    """
    app = _defaults(APP_PROPERTIES)
    sensors = {"reference": _defaults(SENSOR_PROPERTIES), "secondary": _defaults(SENSOR_PROPERTIES)}
    app_seen: set[str] = set()
    for path in xml_paths:
        root = ET.parse(path).getroot()
        base_dir = os.path.dirname(path) or cwd
        comps = [c for c in root if c.tag == "component"]
        top = comps[0] if comps else root
        app_comp = ET.Element("component")
        for el in top:
            if el.tag == "component":
                name = norm(el.get("name", ""))
                if name in ("reference", "secondary"):
                    sensors[name].update(
                        _read_props(
                            el, SENSOR_PROPERTIES, SENSOR_LISTS, "isceobj.Sensor.TOPS.Sentinel1", base_dir
                        )
                    )
                elif name in FACILITIES:
                    continue
                else:
                    raise ConfigError(
                        f"The attribute {el.get('name')} ,is not present in the _dictionaryOfFacilities."
                    )
            else:
                app_comp.append(el)
        vals = _read_props(app_comp, APP_PROPERTIES, APP_LISTS, "__main__.TopsInSAR", base_dir)
        app.update(vals)
        app_seen.update(vals)
    # application-level ROI and swaths win over the per-sensor ones, even when empty
    for s in sensors.values():
        s["roi"] = app["roi"]
    if app["geocode_list"] is None:
        app["geocode_list"] = list(DEFAULT_GEOCODE_LIST)
    if app["offset_geocode_list"] is None:
        app["offset_geocode_list"] = list(DEFAULT_OFFSET_GEOCODE_LIST)
    return {
        "app": app,
        "reference": sensors["reference"],
        "secondary": sensors["secondary"],
        "seen": app_seen,
    }


def implicit_config_files(cwd: str, given: list[str]) -> list[str]:
    """ISCE silently also reads ``topsinsar.xml`` / ``topsApp.xml`` from the cwd (given file wins)."""
    found = []
    for name in ("topsinsar.xml", "topsApp.xml"):
        p = os.path.join(cwd, name)
        if os.path.exists(p) and all(os.path.abspath(p) != os.path.abspath(g) for g in given):
            found.append(p)
    return found


def die(msg: str) -> None:
    print(msg, file=sys.stderr)
    sys.exit(1)
