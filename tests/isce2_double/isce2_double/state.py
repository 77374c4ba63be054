"""TopsProc state between processes: PICKLE/<step> (+ .xml) and topsProc.xml.

Why: the workflow runs one ``--dostep=`` per process, so every step starts from the PICKLE of its predecessor;
ISCE prints "Cannot open" and runs on blank TopsProc defaults when that PICKLE is missing (exit 0).
"""

from __future__ import annotations

import os
import pickle
import xml.etree.ElementTree as ET

from . import config
from .isceio import indent


def blank_state() -> dict:
    """TopsProc defaults (what a process sees when no PICKLE could be loaded)."""
    return {
        "numberOfSwaths": 3,
        "referenceSlcProduct": "reference",
        "secondarySlcProduct": "secondary",
        "commonBurstStartReferenceIndex": None,
        "commonBurstStartSecondaryIndex": None,
        "numberOfCommonBursts": None,
        "secondaryTimingCorrection": 0.0,
        "secondaryRangeCorrection": 0.0,
        "connectedComponentFilename": None,
        "demUsed": None,
        "estimatedBbox": None,
        "offset_width": None,
        "offset_length": None,
        "offset_top": None,
        "offset_left": None,
        "procDoc": {"insarProc": [("ISCE_VERSION", "Release: 2.6.5, svn-, 20260630. Current svn-")]},
    }


CONTEXT_NAMES = {
    "applywatermask": lambda s, a: True,
    "coarsecoregdirectoryname": lambda s, a: "coarse_coreg",
    "coarseinterferogramdirectoryname": lambda s, a: "coarse_interferogram",
    "coarseoffsetsdirectoryname": lambda s, a: "coarse_offsets",
    "coherencename": lambda s, a: "phsig.cor",
    "commonburststartreferenceindex": lambda s, a: s["commonBurstStartReferenceIndex"],
    "commonburststartsecondaryindex": lambda s, a: s["commonBurstStartSecondaryIndex"],
    "connectedcomponentfilename": lambda s, a: s["connectedComponentFilename"],
    "correlationname": lambda s, a: "topophase.cor",
    "demcropfilename": lambda s, a: "dem.crop",
    "esddirectoryname": lambda s, a: "ESD",
    "family": lambda s, a: "topscontext",
    "filteredinterferogramname": lambda s, a: "filt_topophase.flat",
    "filteredoffsetfilename": lambda s, a: "filt_dense_offsets.bil",
    "finecoregdirectoryname": lambda s, a: "fine_coreg",
    "fineinterferogramdirectoryname": lambda s, a: "fine_interferogram",
    "fineoffsetsdirectoryname": lambda s, a: "fine_offsets",
    "geocodelist": lambda s, a: a["geocode_list"],
    "geometrydirectoryname": lambda s, a: "geom_reference",
    "mergedinterferogramname": lambda s, a: "topophase.flat",
    "mergedlosname": lambda s, a: "los.rdr",
    "mergedproductsdirectoryname": lambda s, a: "merged",
    "name": lambda s, a: "topsAppContext",
    "numberofcommonbursts": lambda s, a: s["numberOfCommonBursts"],
    "numberofswaths": lambda s, a: s["numberOfSwaths"],
    "offsetcovariancefilename": lambda s, a: "dense_offsets_cov.bil",
    "offsetfilename": lambda s, a: "dense_offsets.bil",
    "offsetgeocodelist": lambda s, a: a["offset_geocode_list"],
    "offsetsnrfilename": lambda s, a: "dense_offsets_snr.bil",
    "overlapssubdirectoryname": lambda s, a: "overlaps",
    "referenceslcproduct": lambda s, a: s["referenceSlcProduct"],
    "secondaryrangecorrection": lambda s, a: s["secondaryRangeCorrection"],
    "secondaryslcproduct": lambda s, a: s["secondarySlcProduct"],
    "secondarytimingcorrection": lambda s, a: s["secondaryTimingCorrection"],
    "unmaskedfilenameprefix": lambda s, a: "unmasked",
    "unwrapped2stagefilename": lambda s, a: "filt_topophase_2stage.unw",
    "unwrappedinterferogramfilename": lambda s, a: "filt_topophase.unw",
    "watermaskfilename": lambda s, a: "waterMask.msk",
}
STATE_FROM_CONTEXT = {
    "commonburststartreferenceindex": "commonBurstStartReferenceIndex",
    "commonburststartsecondaryindex": "commonBurstStartSecondaryIndex",
    "connectedcomponentfilename": "connectedComponentFilename",
    "numberofcommonbursts": "numberOfCommonBursts",
    "numberofswaths": "numberOfSwaths",
    "referenceslcproduct": "referenceSlcProduct",
    "secondaryslcproduct": "secondarySlcProduct",
    "secondaryrangecorrection": "secondaryRangeCorrection",
    "secondarytimingcorrection": "secondaryTimingCorrection",
}


def render_context(state: dict, app: dict) -> str:
    """PICKLE/<step>.xml: the TopsProc parameters as ISCE dumps them (sorted properties)."""
    root = ET.Element("topsAppContext")
    for name in sorted(CONTEXT_NAMES):
        val = CONTEXT_NAMES[name](state, app)
        if val is None:
            continue
        el = ET.SubElement(root, "property", name=name)
        ET.SubElement(el, "value").text = str(val)
    indent(root)
    return ET.tostring(root, encoding="unicode") + "\n"


def render_topsproc(doc: dict) -> str:
    """topsProc.xml (tags keep ISCE's ':_' so, like the real file, it is not namespace-well-formed)."""
    lines = ["<topsProc>"]
    for section, items in doc.items():
        lines.append(f"    <{section}>")
        for key, val in items:
            if isinstance(val, list) and val and isinstance(val[0], tuple):
                lines.append(f"        <{key}>")
                for k2, v2 in val:
                    lines.append(f"            <{k2}>{v2}</{k2}>")
                lines.append(f"        </{key}>")
            else:
                lines.append(f"        <{key}>{val}</{key}>")
        lines.append(f"    </{section}>")
    lines.append("</topsProc>")
    return "\n".join(lines) + "\n"


def dump_pickle(dirname: str, step: str, state: dict, app: dict) -> None:
    os.makedirs(dirname, exist_ok=True)
    if app["renderer"] == "xml":
        with open(os.path.join(dirname, step + ".xml"), "w") as fh:
            fh.write(render_context(state, app))
    with open(os.path.join(dirname, step), "wb") as fh:
        print(f"Dumping the application's pickle object _insar to file  {os.path.join(dirname, step)}")
        pickle.dump(state, fh, protocol=pickle.HIGHEST_PROTOCOL)


def load_pickle(dirname: str, step: str, app: dict) -> dict:
    """ISCE's loadPickleObj: needs <step>.xml (xml renderer) and <step>; prints 'Cannot open' otherwise."""
    state = blank_state()
    path = os.path.join(dirname, step)
    try:
        if app["renderer"] == "xml":
            root = ET.parse(path + ".xml").getroot()
            for p in root.findall("property"):
                key = STATE_FROM_CONTEXT.get(p.get("name", "").lower())
                if key:
                    state[key] = config.eval_value(p.find("value").text or "")
        with open(path, "rb") as fh:
            state.update(pickle.load(fh))
    except (OSError, ET.ParseError, pickle.UnpicklingError, EOFError):
        print(f"Cannot open {path}")
        print(f"Cannot open {path}")
    return state
