"""Swath product XML (``reference/IW1.xml`` etc.): ISCE's TOPSSwathSLCProduct rendering and reading.

Why: later steps and the packaging code read bursts, orbit, timing and valid windows from these
files; the element structure follows ../shared/isce2-recorded/standard/run/reference/IW1.xml.
"""

from __future__ import annotations

import datetime as dt
import xml.etree.ElementTree as ET

from .isceio import indent

DOCS = {
    "family": "Instance family name",
    "name": "Instance name",
    "ascendingnodetime": "Ascending node time corresponding to the acquisition",
    "_factorname": "Factory Name used in the Trait Sequence",
    "_factory": "Flag - Factory/Parameter",
    "_mandatory": "Mandatory Field of the module used in Trait Sequence",
    "_modulename": "Module name used in Trait Sequence",
    "_private": "Private Field of the module used in Trait Sequence",
    "order": "Polynomial order",
    "azimuthprocessingbandwidth": "Azimuth processing bandwidth in Hz",
    "azimuthsteeringrate": "Azimuth steering rate in radians per sec",
    "azimuthtimeinterval": "Azimuth time interval between lines in seconds",
    "azimuthwindowcoefficient": "Azimuth weight window coefficient",
    "azimuthwindowtype": "Azimuth weight window type",
    "burstnumber": "Burst number for bookkeeping",
    "burststartutc": "Actual sensing time corresponding to start of the burst",
    "burststoputc": "Actual sensing time corresponding to end of the burst",
    "firstvalidline": "First valid line in the burst SLC",
    "firstvalidsample": "First valid sample in the burst SLC",
    "framenumber": "Frame number for bookkeeping",
    "access_mode": "Image access mode.",
    "byte_order": "Endianness of the image.",
    "delta": "Coordinate quantization.",
    "endingvalue": "Ending value of the coordinate.",
    "size": "Coordinate size.",
    "startingvalue": "Starting value of the coordinate.",
    "data_type": "Image data type.",
    "description": "Image description",
    "file_name": "Name of the image file.",
    "image_type": "Image type used for displaying.",
    "number_bands": "Number of image bands.",
    "scheme": "Interleaving scheme of the image.",
    "xmax": "Maximum range value",
    "xmin": "Minimum range value",
    "metadata_location": "Location of the metadata file where the instance was defined",
    "numberoflines": "Length of the burst slc",
    "numberofsamples": "Width of the burst slc",
    "numberofvalidlines": "Number of valid lines in the burst SLC",
    "numberofvalidsamples": "Number of valid samples in the burst SLC",
    "orbit_source": "Orbit source",
    "orbitnumber": "Orbit number for bookkeeping",
    "passdirection": "Ascending or descending",
    "polarization": "Polarization",
    "pulserepetitionfrequency": "Pulse repetition frequency in Hz",
    "radarwavelength": "Radar wavelength in m",
    "rangepixelsize": "Slant range pixel size in m",
    "rangeprocessingbandwidth": "Range processing bandwidth in Hz",
    "rangewindowcoefficient": "Range weight window coefficient",
    "rangewindowtype": "Range weight window type",
    "sensingstart": "UTC time corresponding to first line of burst SLC",
    "sensingstop": "UTC time corresponding to last line of burst SLC",
    "startingrange": "Slant range to first pixel in m",
    "swathnumber": "Swath number for bookkeeping",
    "terrainheight": "Average terrain height used for focusing",
    "tracknumber": "Track number for bookkeeping",
    "imagingmode": "Imaging mode",
    "mission": "Mission name",
    "numberofbursts": "Number of bursts in the product",
    "processingfacility": "Processing facility information",
    "processingsoftwareversion": "Processing system software version",
    "processingsystem": "Processing system information",
    "spacecraftname": "Name of the space craft",
}
NO_DOC = {"coeffs", "mean", "norm", "max_time", "min_time", "position", "time", "velocity"}
POLY_DOCS = {
    "length": "Length of the image associated with the polynomial",
    "width": "Width of the image associated with the polynomial",
}
IMAGE_DOCS = {"length": "Image length", "width": "Image width"}


class _Writer:
    def __init__(self, reloaded: bool):
        self.reloaded = reloaded

    def doc(self, text):
        return f"['{text}']" if self.reloaded else text

    def time(self, t: dt.datetime) -> str:
        return t.strftime("%Y-%m-%d %H:%M:%S.%f") if self.reloaded else str(t)

    def num(self, v):
        if self.reloaded and isinstance(v, int) and not isinstance(v, bool):
            return float(v)
        return v

    def prop(self, parent, name, value, docs=None):
        el = ET.SubElement(parent, "property", name=name)
        ET.SubElement(el, "value").text = str(value)
        if name in NO_DOC:
            return
        doc = (docs or {}).get(name) or DOCS.get(name)
        if doc:
            ET.SubElement(el, "doc").text = doc

    def comp(self, parent, name, module, factory, args=None, doc=None):
        el = ET.SubElement(parent, "component", name=name)
        ET.SubElement(el, "factorymodule").text = module
        ET.SubElement(el, "factoryname").text = factory
        if args is not None:
            ET.SubElement(el, "args").text = args
        if doc:
            ET.SubElement(el, "doc").text = self.doc(doc)
        return el

    def traitseq(self, parent, name, item, module, names, doc=None):
        el = self.comp(parent, name, "iscesys.Component", "createTraitSeq", f"('{item}',)", doc)
        self.prop(el, "_factorname", "default")
        self.prop(el, "_factory", True)
        self.prop(el, "_mandatory", False)
        self.prop(el, "_modulename", module)
        self.prop(el, "_private", True)
        return el

    def poly(self, parent, name, args, mean, coeffs, doc):
        el = self.comp(parent, name, "isceobj.Util.PolyFactory", "createPoly", args, doc)
        self.prop(el, "coeffs", [float(c) for c in coeffs])
        self.prop(el, "family", "poly1d")
        self.prop(el, "length", self.num(0), POLY_DOCS)
        self.prop(el, "mean", float(mean))
        self.prop(el, "name", "poly1d_name")
        self.prop(el, "norm", 149896229.0)
        self.prop(el, "order", len(coeffs) - 1)
        self.prop(el, "width", self.num(0), POLY_DOCS)


def _image(w: _Writer, parent, image: dict, width: int, length: int, metadata_location: str | None):
    kind = image.get("kind", "slc")
    el = w.comp(parent, "image", "isceobj.Image", "createSlcImage", None, "Image on disk")
    family = {"slc": "slcimage", "int": "intimage"}.get(kind, "image")
    iw = _Writer(w.reloaded and kind == "slc")  # ISCE re-renders a loaded SLC image, a new int image fresh
    iw.prop(el, "access_mode", image.get("access_mode", "read"))
    iw.prop(el, "byte_order", "l")
    for cname, size, cdoc in (
        ("coordinate1", width, "First coordinate of a 2D image (width)."),
        ("coordinate2", length, "Second coordinate of a 2D image (length)."),
    ):
        c = iw.comp(el, cname, "isceobj.Image", "createCoordinate", None, cdoc)
        iw.prop(c, "delta", iw.num(1))
        iw.prop(c, "endingvalue", iw.num(size))
        iw.prop(c, "family", "imagecoordinate")
        iw.prop(c, "name", "imagecoordinate_name")
        iw.prop(c, "size", size)
        iw.prop(c, "startingvalue", iw.num(0))
    iw.prop(el, "data_type", image.get("data_type", "cfloat"))
    if image.get("description"):
        iw.prop(el, "description", image["description"])
    iw.prop(el, "family", family)
    iw.prop(el, "file_name", image["file_name"])
    iw.prop(el, "image_type", {"slc": "slc", "int": "cpx"}.get(kind, "cpx"))
    iw.prop(el, "length", length, IMAGE_DOCS)
    if metadata_location:
        iw.prop(el, "metadata_location", metadata_location)
    iw.prop(el, "name", family + "_name")
    iw.prop(el, "number_bands", 1)
    iw.prop(el, "scheme", "BIP")
    iw.prop(el, "width", width, IMAGE_DOCS)
    iw.prop(el, "xmax", iw.num(width))
    iw.prop(el, "xmin", iw.num(0))


def _orbit_component(w: _Writer, be: ET.Element, vectors: list, source: str) -> None:
    """The ``orbit`` component of a burst (ISCE repeats the whole orbit in every burst)."""
    oe = w.comp(be, "orbit", "isceobj.Orbit.Orbit", "createOrbit", None, "Orbit information")
    w.prop(oe, "family", "orbit")
    w.prop(oe, "max_time", w.time(vectors[-1][0]))
    w.prop(oe, "min_time", w.time(vectors[0][0]))
    w.prop(oe, "name", "orbit_name")
    w.prop(oe, "orbit_source", source)
    sv_names = [f"statevector{i + 1}" for i in range(len(vectors))]
    sve = w.traitseq(oe, "state_vectors", "statevector", "StateVector", sv_names, "Testing Trait Sequence")
    w.prop(sve, "family", "TraitSeq")
    w.prop(sve, "name", sv_names, {"name": "Holds the sequence of names"})
    for sname, v in sorted(zip(sv_names, vectors, strict=True), key=lambda x: x[0]):
        ve = w.comp(sve, sname, "isceobj.Orbit.Orbit", "StateVector")
        w.prop(ve, "family", "_family")
        w.prop(ve, "name", "_family_name")
        w.prop(ve, "position", [float(x) for x in v[1]])
        w.prop(ve, "time", w.time(v[0]))
        w.prop(ve, "velocity", [float(x) for x in v[2]])


def render(product: dict, reloaded: bool = False, metadata_location: str | None = None) -> str:
    """Render a swath product dict (see safe.extract_swath + 'image' per burst) to ISCE XML text."""
    w = _Writer(reloaded)
    root = ET.Element("productmanager_name")
    w.prop(root, "family", "productmanager")
    inst = w.comp(root, "instance", "isceobj.Sensor.TOPS.TOPSSwathSLCProduct", "TOPSSwathSLCProduct")
    if not reloaded:
        w.prop(inst, "ascendingnodetime", str(product["ascending_node_time"]))
    bursts = product["bursts"]
    names = [f"burst{i + 1}" for i in range(len(bursts))]
    seq = w.traitseq(inst, "bursts", "burst", "BurstSLC", names, "Trait sequence of burst SLCs")
    seq.find("doc").text = "Trait sequence of burst SLCs"  # ISCE keeps this one doc unbracketed
    for name, b in sorted(zip(names, bursts, strict=True), key=lambda x: x[0]):
        be = w.comp(seq, name, "isceobj.Sensor.TOPS.BurstSLC", "BurstSLC")
        w.poly(
            be, "azimuthfmrate", "('1', 'd')", b["fm_rate"][0], b["fm_rate"][1], "Azimuth FM rate polynomial"
        )
        w.prop(be, "azimuthprocessingbandwidth", b["az_bw"])
        w.prop(be, "azimuthsteeringrate", b["steering_rate"])
        w.prop(be, "azimuthtimeinterval", b["dt"])
        w.prop(be, "azimuthwindowcoefficient", b["az_window_coef"])
        w.prop(be, "azimuthwindowtype", b["az_window"])
        w.prop(be, "burstnumber", b["burst_number"])
        w.prop(be, "burststartutc", w.time(b["burst_start_utc"]))
        w.prop(be, "burststoputc", w.time(b["burst_stop_utc"]))
        w.poly(be, "doppler", "('1d',)", b["doppler"][0], b["doppler"][1], "Doppler polynomial")
        w.prop(be, "family", "burstslc")
        w.prop(be, "firstvalidline", b["first_valid_line"])
        w.prop(be, "firstvalidsample", b["first_valid_sample"])
        w.prop(be, "framenumber", 1)
        _image(w, be, b["image"], b["samples"], b["lines"], metadata_location)
        w.prop(be, "name", "burstslc_name")
        w.prop(be, "numberoflines", b["lines"])
        w.prop(be, "numberofsamples", b["samples"])
        w.prop(be, "numberofvalidlines", b["num_valid_lines"])
        w.prop(be, "numberofvalidsamples", b["num_valid_samples"])
        _orbit_component(w, be, product["vectors"], product["orbit_source"])
        w.prop(be, "orbitnumber", b["orbit_number"])
        w.prop(be, "passdirection", b["pass_direction"])
        w.prop(be, "polarization", b["polarization"])
        w.prop(be, "pulserepetitionfrequency", b["prf"])
        w.prop(be, "radarwavelength", b["wavelength"])
        w.prop(be, "rangepixelsize", b["range_pixel_size"])
        w.prop(be, "rangeprocessingbandwidth", b["range_bw"])
        w.prop(be, "rangewindowcoefficient", b["range_window_coef"])
        w.prop(be, "rangewindowtype", b["range_window"])
        w.prop(be, "sensingstart", w.time(b["sensing_start"]))
        w.prop(be, "sensingstop", w.time(b["sensing_stop"]))
        w.prop(be, "startingrange", b["starting_range"])
        w.prop(be, "swathnumber", b["swath"])
        w.prop(be, "terrainheight", b["terrain_height"])
        w.prop(be, "tracknumber", b["track"])
    w.prop(seq, "family", "TraitSeq")
    w.prop(seq, "name", names, {"name": "Holds the sequence of names"})
    w.prop(inst, "family", "topsswathslc")
    w.prop(inst, "imagingmode", "TOPS")
    if not reloaded:
        w.prop(inst, "mission", product["mission"])
    w.prop(inst, "name", "topsswathslc_name")
    w.prop(inst, "numberofbursts", len(bursts))
    if not reloaded:  # ISCE does not re-render these after loading a product
        w.prop(inst, "processingfacility", product["facility"])
        w.prop(inst, "processingsoftwareversion", product["ipf"])
        w.prop(inst, "processingsystem", "Sentinel-1 IPF")
        w.prop(inst, "spacecraftname", "Sentinel-1")
    w.prop(root, "name", "productmanager_name")
    indent(root)
    return ET.tostring(root, encoding="unicode") + "\n"


def write(path: str, product: dict, reloaded: bool = False, metadata_location: str | None = None) -> None:
    import os

    os.makedirs(os.path.dirname(path) or ".", exist_ok=True)
    with open(path, "w") as fh:
        fh.write(render(product, reloaded, metadata_location))


def _opt(el: ET.Element, name: str, default=None):
    try:
        return _val(el, name)
    except KeyError:
        return default


def _val(el: ET.Element, name: str):
    for p in el.findall("property"):
        if p.get("name").lower() == name:
            v = p.find("value")
            return (v.text if v is not None else p.text or "").strip()
    raise KeyError(name)


def _time(text: str) -> dt.datetime:
    for fmt in ("%Y-%m-%d %H:%M:%S.%f", "%Y-%m-%d %H:%M:%S"):
        try:
            return dt.datetime.strptime(text, fmt)
        except ValueError:
            pass
    raise ValueError(text)


def _poly(el: ET.Element):
    return float(_val(el, "mean")), [float(x) for x in eval(_val(el, "coeffs"))]  # noqa: S307


def read(path: str) -> dict:
    """Parse a swath product XML back into the dict used by the steps."""
    root = ET.parse(path).getroot()
    inst = root.find("component[@name='instance']")
    seq = inst.find("component[@name='bursts']")
    bursts = []
    vectors = None
    source = None
    for be in seq.findall("component"):
        img = be.find("component[@name='image']")
        orb = be.find("component[@name='orbit']")
        if vectors is None:
            vectors = []
            for ve in orb.find("component[@name='state_vectors']").findall("component"):
                vectors.append(
                    (
                        _time(_val(ve, "time")),
                        [float(x) for x in eval(_val(ve, "position"))],  # noqa: S307
                        [float(x) for x in eval(_val(ve, "velocity"))],
                    )  # noqa: S307
                )
            vectors.sort(key=lambda v: v[0])
            source = _val(orb, "orbit_source")
        bursts.append(
            {
                "burst_number": int(_val(be, "burstnumber")),
                "sensing_start": _time(_val(be, "sensingstart")),
                "sensing_stop": _time(_val(be, "sensingstop")),
                "burst_start_utc": _time(_val(be, "burststartutc")),
                "burst_stop_utc": _time(_val(be, "burststoputc")),
                "lines": int(_val(be, "numberoflines")),
                "samples": int(_val(be, "numberofsamples")),
                "first_valid_line": int(_val(be, "firstvalidline")),
                "num_valid_lines": int(_val(be, "numberofvalidlines")),
                "first_valid_sample": int(_val(be, "firstvalidsample")),
                "num_valid_samples": int(_val(be, "numberofvalidsamples")),
                "dt": float(_val(be, "azimuthtimeinterval")),
                "prf": float(_val(be, "pulserepetitionfrequency")),
                "range_pixel_size": float(_val(be, "rangepixelsize")),
                "starting_range": float(_val(be, "startingrange")),
                "wavelength": float(_val(be, "radarwavelength")),
                "steering_rate": float(_val(be, "azimuthsteeringrate")),
                "az_bw": float(_val(be, "azimuthprocessingbandwidth")),
                "range_bw": float(_val(be, "rangeprocessingbandwidth")),
                "az_window": _val(be, "azimuthwindowtype"),
                "az_window_coef": float(_val(be, "azimuthwindowcoefficient")),
                "range_window": _val(be, "rangewindowtype"),
                "range_window_coef": float(_val(be, "rangewindowcoefficient")),
                "terrain_height": float(_val(be, "terrainheight")),
                "swath": int(_val(be, "swathnumber")),
                "polarization": _val(be, "polarization"),
                "orbit_number": int(_val(be, "orbitnumber")),
                "track": int(_val(be, "tracknumber")),
                "pass_direction": _val(be, "passdirection"),
                "fm_rate": _poly(be.find("component[@name='azimuthfmrate']")),
                "doppler": _poly(be.find("component[@name='doppler']")),
                "image": {"file_name": _val(img, "file_name"), "data_type": _val(img, "data_type")},
            }
        )
    bursts.sort(key=lambda b: b["sensing_start"])
    try:
        anode = _time(_val(inst, "ascendingnodetime"))
    except KeyError:
        anode = None
    return {
        "mission": _opt(inst, "mission"),
        "ipf": _opt(inst, "processingsoftwareversion"),
        "facility": _opt(inst, "processingfacility"),
        "ascending_node_time": anode,
        "swath": bursts[0]["swath"],
        "orbit_source": source,
        "vectors": vectors,
        "bursts": bursts,
    }
