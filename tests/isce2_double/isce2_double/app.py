"""Command line of the double: ISCE's step mode, PICKLE chain, logs and topsProc.xml.

Why: the workflow drives topsApp one ``--dostep=`` per process and relies on ISCE's exact
(mis)behaviours: exit 0 on a missing PICKLE or unknown step, exit 1 on ``--dostep X``.
"""

from __future__ import annotations

import datetime as dt
import getopt
import os
import pickle
import sys
import xml.etree.ElementTree as ET

from . import config, steps

ISCE_BANNER = "ISCE VERSION = 2.6.5, RELEASE_SVN_REVISION = ,RELEASE_DATE = 20260630, CURRENT_SVN_REVISION = "


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
    from .isceio import indent

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


def log_line(msg: str, level: str = "INFO", name: str = "isce.insar") -> str:
    now = dt.datetime.now()
    return f"{now:%Y-%m-%d %H:%M:%S},{now.microsecond // 1000:03d} - {name} - {level} - {msg}\n"


def usage() -> None:
    print("Usage: topsApp.py <input-file.xml> [--steps] [--start=<step>] [--end=<step>] [--dostep=<step>]")
    print("The currently supported sensors are:  ['SENTINEL1']")


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if "--help" in argv or "-h" in argv:
        usage()
        if "--steps" in argv:
            print("Available steps:", steps.STEP_NAMES)
        return 0
    opts = [a for a in argv if a.startswith("--")]
    files = [a for a in argv if not a.startswith("--")]
    step_mode = any(o.split("=")[0] in ("--steps", "--dostep", "--start", "--end", "--next") for o in opts)
    for f in files:
        if not os.path.isfile(f) and "=" not in f:
            msg = f"Error. The argument {f} is neither an input file nor a sequence object.param=val"
            print(f"Traceback (most recent call last):\nTypeError: {msg}", file=sys.stderr)
            return 1
    xml_files = [f for f in files if os.path.isfile(f)]
    try:
        cfg = config.load_config(config.implicit_config_files(os.getcwd(), xml_files) + xml_files)
    except config.ConfigError as err:
        print(err)
        return 1
    app = cfg["app"]
    with open("isce.log", "a") as fh:
        fh.write(log_line(ISCE_BANNER))
    open("topsinsar.log", "w").close()  # ISCE re-opens its (empty) application log in every process
    os.utime("topsinsar.log")
    print(ISCE_BANNER)
    print("Step processing" if step_mode else "Processing all steps")

    names = steps.STEP_NAMES
    start, end = names[0], names[-1]
    try:
        parsed, _ = getopt.getopt(opts, "s:e:d:", ["start=", "end=", "dostep=", "steps", "next"])
    except getopt.GetoptError as err:
        print(f"Traceback (most recent call last):\ngetopt.GetoptError: {err}", file=sys.stderr)
        return 1
    for o, a in parsed:
        if o == "--start":
            start = a
        elif o == "--end":
            end = a
        elif o == "--dostep":
            start = end = a
    if start not in names:
        print(f"ERROR: start={start} is not one of the named steps")
        return 0
    if end not in names:
        print(f"ERROR: end={end} is not one of the named steps")
        return 0
    i0, i1 = names.index(start), names.index(end)
    if i0 > i1:
        print(f"ERROR: start={start}, step number {i0} comes after end={end}, step number {i1}")
        return 0
    state = blank_state()
    if step_mode and i0 > 0:
        state = load_pickle(app["pickle_load_dir"], names[i0 - 1], app)
    for name in names[i0 : i1 + 1]:
        print(f"Running step {name}")
        ctx = steps.Context(cfg, state)
        steps.run(name, ctx)
        with open("topsProc.xml", "w") as fh:
            fh.write(render_topsproc(state["procDoc"]))
        with open("isce.log", "a") as fh:
            fh.write(log_line(f"Finished step {name}", name="isce.topsinsar"))
        if step_mode:
            dump_pickle(app["pickle_dump_dir"], name, state, app)
        rest = names[names.index(name) + 1 :]
        print(f"The remaining steps are (in order):  {rest}" if rest else "The is the final step")
    return 0
