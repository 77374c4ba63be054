"""``manifest.safe`` of a synthetic SAFE, laid out like a real one: processing (IPF version), platform, orbit
reference, product information, acquisition period, footprint (measurementFrameSet) and the data objects with
their sizes and MD5s. ISCE2 reads the IPF version from it, the workflow's local scene metadata
(inputs/scene_metadata.py) the acquisition period, orbit numbers and footprint."""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass
from pathlib import Path

from gunw_workflow import s1_ids
from gunw_workflow.demo.scene import IPF_VERSION, NSSDC_IDS, Scene, SceneModel
from gunw_workflow.isce_io.times import format_time as _ts

MANIFEST_NS = (
    'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xmlns:gml="http://www.opengis.net/gml" '
    'xmlns:xfdu="urn:ccsds:schema:xfdu:1" xmlns:safe="http://www.esa.int/safe/sentinel-1.0" '
    'xmlns:s1="http://www.esa.int/safe/sentinel-1.0/sentinel-1" '
    'xmlns:s1sar="http://www.esa.int/safe/sentinel-1.0/sentinel-1/sar" '
    'xmlns:s1sarl1="http://www.esa.int/safe/sentinel-1.0/sentinel-1/sar/level-1" '
    'xmlns:gx="http://www.google.com/kml/ext/2.2" '
    'version="esa/safe/sentinel-1.0/sentinel-1/sar/level-1/slc/standard/iwdp"'
)


@dataclass
class _Values:
    """What the manifest sections print about one scene."""

    sid: s1_ids.SceneId
    start: dt.datetime
    stop: dt.datetime
    anx: dt.datetime
    track: int
    swaths: str
    coords: str
    ascending: bool
    pol: str


def _data_objects(files: dict[str, bytes]) -> tuple[str, str]:
    """Content units and data objects (sizes, MD5s) of the annotation and measurement files."""
    units, objects = [], []
    for name, data in files.items():
        oid = Path(name).stem.replace("-", "")
        kind = "products" if name.startswith("annotation/") else ""
        rep = "s1Level1ProductSchema" if kind else "s1Level1MeasurementSchema"
        utype = "Metadata Unit" if kind else "Measurement Data Unit"
        mime = "text/xml" if kind else "application/octet-stream"
        units.append(
            f'      <xfdu:contentUnit unitType="{utype}" repID="{rep}">\n'
            f'        <dataObjectPointer dataObjectID="{kind}{oid}"/>\n      </xfdu:contentUnit>'
        )
        objects.append(
            f'    <dataObject ID="{kind}{oid}" repID="{rep}">\n'
            f'      <byteStream mimeType="{mime}" size="{len(data)}">\n'
            f'        <fileLocation locatorType="URL" href="./{name}"/>\n'
            f'        <checksum checksumName="MD5">{hashlib.md5(data).hexdigest()}</checksum>\n'
            "      </byteStream>\n    </dataObject>"
        )
    return "\n".join(units), "\n".join(objects)


def _package_map(units: str) -> str:
    """XFDU root and the information package map (one content unit per data object)."""
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<xfdu:XFDU {MANIFEST_NS}>
  <informationPackageMap>
    <xfdu:contentUnit unitType="SAFE Archive Information Package" textInfo="Sentinel-1 IW Level-1 SLC Product" \
dmdID="acquisitionPeriod platform generalProductInformation measurementOrbitReference measurementFrameSet" \
pdiID="processing">
{units}
    </xfdu:contentUnit>
  </informationPackageMap>
  <metadataSection>
"""


def _processing(v: _Values) -> str:
    """Provenance: the IPF version ISCE2 reads to decide on antenna-pattern corrections."""
    return f"""    <metadataObject ID="processing" classification="PROVENANCE" category="PDI">
      <metadataWrap mimeType="text/xml" vocabularyName="SAFE" textInfo="Processing">
        <xmlData>
          <safe:processing name="SLC Post Processing" start="{_ts(v.stop + dt.timedelta(hours=2))}" \
stop="{_ts(v.stop + dt.timedelta(hours=2, minutes=5))}">
            <safe:facility country="Nowhere" name="synth_s1" organisation="gunw-snakemake" \
site="Synthetic scene generator (not ESA data)">
              <safe:software name="Sentinel-1 IPF" version="{IPF_VERSION}"/>
            </safe:facility>
          </safe:processing>
        </xmlData>
      </metadataWrap>
    </metadataObject>
"""


def _platform(v: _Values) -> str:
    """Platform: mission, instrument mode and swaths."""
    return f"""    <metadataObject ID="platform" classification="DESCRIPTION" category="DMD">
      <metadataWrap mimeType="text/xml" vocabularyName="SAFE" textInfo="Platform Description">
        <xmlData>
          <safe:platform>
            <safe:nssdcIdentifier>{NSSDC_IDS[v.sid.mission]}</safe:nssdcIdentifier>
            <safe:familyName>SENTINEL-1</safe:familyName>
            <safe:number>{v.sid.mission[-1]}</safe:number>
            <safe:instrument>
              <safe:familyName abbreviation="SAR">Synthetic Aperture Radar</safe:familyName>
              <safe:extension>
                <s1sarl1:instrumentMode>
                  <s1sarl1:mode>IW</s1sarl1:mode>
                  {v.swaths}
                </s1sarl1:instrumentMode>
              </safe:extension>
            </safe:instrument>
          </safe:platform>
        </xmlData>
      </metadataWrap>
    </metadataObject>
"""


def _orbit_reference(v: _Values) -> str:
    """Absolute/relative orbit, pass and ascending-node time."""
    return f"""    <metadataObject ID="measurementOrbitReference" classification="DESCRIPTION" category="DMD">
      <metadataWrap mimeType="text/xml" vocabularyName="SAFE" textInfo="Orbit Reference">
        <xmlData>
          <safe:orbitReference>
            <safe:orbitNumber type="start">{v.sid.absolute_orbit}</safe:orbitNumber>
            <safe:orbitNumber type="stop">{v.sid.absolute_orbit}</safe:orbitNumber>
            <safe:relativeOrbitNumber type="start">{v.track}</safe:relativeOrbitNumber>
            <safe:relativeOrbitNumber type="stop">{v.track}</safe:relativeOrbitNumber>
            <safe:cycleNumber>{(v.sid.absolute_orbit - 73) // 175 + 1}</safe:cycleNumber>
            <safe:phaseIdentifier>1</safe:phaseIdentifier>
            <safe:extension>
              <s1:orbitProperties>
                <s1:pass>{"ASCENDING" if v.ascending else "DESCENDING"}</s1:pass>
                <s1:ascendingNodeTime>{_ts(v.anx)}</s1:ascendingNodeTime>
              </s1:orbitProperties>
            </safe:extension>
          </safe:orbitReference>
        </xmlData>
      </metadataWrap>
    </metadataObject>
"""


def _product_information(v: _Values) -> str:
    """Product type, timeliness, polarisation and slicing."""
    return f"""    <metadataObject ID="generalProductInformation" classification="DESCRIPTION" category="DMD">
      <metadataWrap mimeType="text/xml" vocabularyName="SAFE" textInfo="General Product Information">
        <xmlData>
          <s1sarl1:standAloneProductInformation>
            <s1sarl1:instrumentConfigurationID>7</s1sarl1:instrumentConfigurationID>
            <s1sarl1:missionDataTakeID>{int(v.sid.datatake, 16)}</s1sarl1:missionDataTakeID>
            <s1sarl1:transmitterReceiverPolarisation>{v.pol.upper()}</s1sarl1:transmitterReceiverPolarisation>
            <s1sarl1:productClass>S</s1sarl1:productClass>
            <s1sarl1:productClassDescription>SAR Standard L1 Product</s1sarl1:productClassDescription>
            <s1sarl1:productComposition>Slice</s1sarl1:productComposition>
            <s1sarl1:productType>SLC</s1sarl1:productType>
            <s1sarl1:productTimelinessCategory>Fast-24h</s1sarl1:productTimelinessCategory>
            <s1sarl1:sliceProductFlag>true</s1sarl1:sliceProductFlag>
            <s1sarl1:segmentStartTime>{_ts(v.start)}</s1sarl1:segmentStartTime>
            <s1sarl1:sliceNumber>1</s1sarl1:sliceNumber>
            <s1sarl1:totalSlices>1</s1sarl1:totalSlices>
          </s1sarl1:standAloneProductInformation>
        </xmlData>
      </metadataWrap>
    </metadataObject>
"""


def _acquisition_period(v: _Values) -> str:
    """Start/stop of the data and their ANX offsets (ms)."""
    return f"""    <metadataObject ID="acquisitionPeriod" classification="DESCRIPTION" category="DMD">
      <metadataWrap mimeType="text/xml" vocabularyName="SAFE" textInfo="Acquisition Period">
        <xmlData>
          <safe:acquisitionPeriod>
            <safe:startTime>{_ts(v.start)}</safe:startTime>
            <safe:stopTime>{_ts(v.stop)}</safe:stopTime>
            <safe:extension>
              <s1:timeANX>
                <s1:startTimeANX>{(v.start - v.anx).total_seconds() * 1e3:.6e}</s1:startTimeANX>
                <s1:stopTimeANX>{(v.stop - v.anx).total_seconds() * 1e3:.6e}</s1:stopTimeANX>
              </s1:timeANX>
            </safe:extension>
          </safe:acquisitionPeriod>
        </xmlData>
      </metadataWrap>
    </metadataObject>
"""


def _frame_set(v: _Values, objects: str) -> str:
    """Footprint (lat,lon corners), then the data objects with sizes and MD5s."""
    return f"""    <metadataObject ID="measurementFrameSet" classification="DESCRIPTION" category="DMD">
      <metadataWrap mimeType="text/xml" vocabularyName="SAFE" textInfo="Frame Set">
        <xmlData>
          <safe:frameSet>
            <safe:frame>
              <safe:footPrint srsName="http://www.opengis.net/gml/srs/epsg.xml#4326">
                <gml:coordinates>{v.coords}</gml:coordinates>
              </safe:footPrint>
            </safe:frame>
          </safe:frameSet>
        </xmlData>
      </metadataWrap>
    </metadataObject>
  </metadataSection>
  <dataObjectSection>
{objects}
  </dataObjectSection>
</xfdu:XFDU>
"""


def manifest_xml(
    m: SceneModel, scene: Scene, files: dict[str, bytes], footprint: list[tuple[float, float]]
) -> bytes:
    """manifest.safe of ``scene``; ``files`` = SAFE-relative name -> bytes of its annotation/measurement files."""
    sid = scene.sid
    start, stop = m.acq_period(scene)
    v = _Values(
        sid=sid,
        start=start,
        stop=stop,
        anx=m.anx_time + dt.timedelta(seconds=scene.shift_s),
        track=s1_ids.relative_orbit(sid.mission, sid.absolute_orbit),
        swaths="".join(f"<s1sarl1:swath>IW{n}</s1sarl1:swath>" for n in m.swaths),
        coords=" ".join(f"{lat:.6f},{lon:.6f}" for lat, lon in footprint),
        ascending=m.p.ascending,
        pol=m.pol,
    )
    units, objects = _data_objects(files)
    text = (
        _package_map(units)
        + _processing(v)
        + _platform(v)
        + _orbit_reference(v)
        + _product_information(v)
        + _acquisition_period(v)
        + _frame_set(v, objects)
    )
    return text.encode("utf-8")
