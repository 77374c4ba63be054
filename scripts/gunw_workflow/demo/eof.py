"""Precise-orbit (POEORB) EOF files of the synthetic pair: 10-s state vectors over +- orbit_margin_s around each
acquisition, the validity window in the name (ISCE2 picks orbit files by name) and in the Fixed_Header."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from gunw_workflow.demo.scene import SceneModel
from gunw_workflow.isce_io.times import format_compact, format_seconds, format_time, parse_time

TAI_MINUS_UTC = dt.timedelta(seconds=37)  # leap seconds since 2017


def eof_name(mission: str, start: dt.datetime, stop: dt.datetime) -> str:
    """Real POEORB naming: created 20 days after the validity stop, at noon."""
    created = (stop + dt.timedelta(days=20)).replace(hour=12, minute=0, second=0, microsecond=0)
    return (
        f"{mission}_OPER_AUX_POEORB_OPOD_{format_compact(created)}_V{format_compact(start)}_"
        f"{format_compact(stop)}.EOF"
    )


def _header(name: str, mission: str, start: dt.datetime, stop: dt.datetime) -> list[str]:
    stem = name[:-4]
    created = parse_time(stem.split("_")[5])
    return [
        "  <Earth_Explorer_Header>",
        "    <Fixed_Header>",
        f"      <File_Name>{stem}</File_Name>",
        "      <File_Description>Precise Orbit Ephemerides (POE) Orbit File</File_Description>",
        "      <Notes>SYNTHETIC: circular Keplerian orbit with Earth rotation, made by gunw demo-pair</Notes>",
        f"      <Mission>Sentinel-1{mission[-1]}</Mission>",
        "      <File_Class>OPER</File_Class>",
        "      <File_Type>AUX_POEORB</File_Type>",
        "      <Validity_Period>",
        f"        <Validity_Start>UTC={format_seconds(start)}</Validity_Start>",
        f"        <Validity_Stop>UTC={format_seconds(stop)}</Validity_Stop>",
        "      </Validity_Period>",
        "      <File_Version>0001</File_Version>",
        "      <Source>",
        "        <System>OPOD</System>",
        "        <Creator>OPOD</Creator>",
        "        <Creator_Version>synth_s1</Creator_Version>",
        f"        <Creation_Date>UTC={format_seconds(created)}</Creation_Date>",
        "      </Source>",
        "    </Fixed_Header>",
        "    <Variable_Header>",
        "      <Ref_Frame>EARTH_FIXED</Ref_Frame>",
        "      <Time_Reference>UTC</Time_Reference>",
        "    </Variable_Header>",
        "  </Earth_Explorer_Header>",
    ]


def _osv(t: dt.datetime, p, v, orbit_number: int) -> list[str]:
    return [
        "    <OSV>",
        f"      <TAI>TAI={format_time(t + TAI_MINUS_UTC)}</TAI>",
        f"      <UTC>UTC={format_time(t)}</UTC>",
        f"      <UT1>UT1={format_time(t)}</UT1>",
        f"      <Absolute_Orbit>+{orbit_number}</Absolute_Orbit>",
        f'      <X unit="m">{p[0]:.6f}</X>',
        f'      <Y unit="m">{p[1]:.6f}</Y>',
        f'      <Z unit="m">{p[2]:.6f}</Z>',
        f'      <VX unit="m/s">{v[0]:.6f}</VX>',
        f'      <VY unit="m/s">{v[1]:.6f}</VY>',
        f'      <VZ unit="m/s">{v[2]:.6f}</VZ>',
        "      <Quality>NOMINAL</Quality>",
        "    </OSV>",
    ]


def eof_xml(name: str, mission: str, times, pos, vel, orbit_numbers) -> bytes:
    """An EOF file laid out like a real POEORB (Fixed_Header with File_Name/validity, then the OSV list)."""
    lines = ['<?xml version="1.0" ?>', "<Earth_Explorer_File>"]
    lines += _header(name, mission, times[0], times[-1])
    lines += ['<Data_Block type="xml">', f'  <List_of_OSVs count="{len(times)}">']
    for t, p, v, n in zip(times, pos, vel, orbit_numbers, strict=True):
        lines += _osv(t, p, v, n)
    lines += ["  </List_of_OSVs>", "</Data_Block>", "</Earth_Explorer_File>", ""]
    return "\n".join(lines).encode()


def write_eofs(m: SceneModel, orbit_dir: Path) -> list[Path]:
    """One EOF per scene (reference first); orbit numbers count ascending-node crossings from the id's."""
    orbit_dir.mkdir(parents=True, exist_ok=True)
    paths = []
    for sc in m.scenes:
        times, tau, pos, vel = m.eof_vectors(sc)
        orbit_numbers = sc.sid.absolute_orbit + m.model.orbits_since_anx(tau)
        name = eof_name(sc.sid.mission, times[0], times[-1])
        (orbit_dir / name).write_bytes(eof_xml(name, sc.sid.mission, times, pos, vel, orbit_numbers))
        paths.append(orbit_dir / name)
    return paths
