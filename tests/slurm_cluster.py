"""A real single-node SLURM (with accounting) for tests and CI.

Why: the acceptance test of the SLURM profile must run against real ``slurmctld``/``slurmd``/``slurmdbd`` so
that ``sacct`` shows what the executor plugin actually requested. Configs, logs, spool, state and a private
MariaDB data dir live in one state directory; client commands find the cluster through ``SLURM_CONF`` (see
``env()``). Two things are machine-wide, as on any SLURM node: munge's default socket (a running munged is reused,
else one is started there with a fresh key) and the configless link /run/slurm/conf that slurmd creates (the
``srun`` inside each job reads its config there; removed again on stop). ``/etc/slurm`` and ``/etc/munge`` are not
touched. Only the daemons this harness started are stopped.

Needs root (daemons run as root; packages from Debian: slurm-wlm, munge, slurmdbd, mariadb-server, installed when
missing).

    python tests/slurm_cluster.py check                      # why it cannot run here, or "ok"
    python tests/slurm_cluster.py smoke                      # install, start, one sbatch job, sacct, stop
    python tests/slurm_cluster.py up --workdir /tmp/slurm    # start and stay up (SIGINT/SIGTERM stops it);
                                                             # then: export SLURM_CONF=/tmp/slurm/etc/slurm.conf
"""

from __future__ import annotations

import argparse
import contextlib
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

PACKAGES = ["slurm-wlm", "munge", "slurmdbd", "mariadb-server"]
REQUIRED_BINARIES = [
    "munged",
    "mariadbd",
    "mariadb-install-db",
    "mariadb",
    "slurmdbd",
    "slurmctld",
    "slurmd",
    "sbatch",
    "sacct",
    "sacctmgr",
    "scontrol",
    "sinfo",
]
SBIN_DIRS = ["/usr/sbin", "/usr/local/sbin", "/sbin"]
DEFAULT_MUNGE_SOCKET = "/run/munge/munge.socket.2"
SYSTEM_SLURM_CONF = "/etc/slurm/slurm.conf"
CONFIGLESS_LINK = "/run/slurm/conf"


class SlurmUnavailable(RuntimeError):
    """SLURM cannot be installed or started here (the reason is the message)."""


def _which(name: str) -> str | None:
    path = os.environ.get("PATH", "") + os.pathsep + os.pathsep.join(SBIN_DIRS)
    return shutil.which(name, path=path)


def missing_binaries() -> list[str]:
    return [b for b in REQUIRED_BINARIES if _which(b) is None]


def why_unavailable() -> str | None:
    """Reason why this harness cannot run here, or None. Does not install anything."""
    if sys.platform != "linux":
        return f"single-node SLURM harness needs Linux (this is {sys.platform})"
    if os.geteuid() != 0:
        return "starting a real SLURM (slurmctld, slurmd, slurmdbd, munged, mariadbd) needs root"
    if os.path.exists(SYSTEM_SLURM_CONF):
        return (
            f"{SYSTEM_SLURM_CONF} exists: this machine already has a SLURM config, which srun inside the test's"
            " jobs would read instead of the test cluster's"
        )
    if os.path.lexists(CONFIGLESS_LINK) and _running("slurmd"):
        return f"{CONFIGLESS_LINK} exists and a slurmd is running: another SLURM node lives on this machine"
    if missing_binaries() and _which("apt-get") is None:
        return f"SLURM binaries missing ({', '.join(missing_binaries())}) and no apt-get to install them"
    return None


def _running(name: str) -> bool:
    """Whether a process with this exact command name runs (read-only look at /proc)."""
    for comm in Path("/proc").glob("[0-9]*/comm"):
        with contextlib.suppress(OSError):
            if comm.read_text().strip() == name:
                return True
    return False


def install(log=print) -> float:
    """apt-get install the packages if any binary is missing; return the seconds spent.

    ``apt-get update`` runs only if the first install attempt fails (stale or empty package lists).
    """
    t0 = time.monotonic()
    if not missing_binaries():
        return 0.0
    if _which("apt-get") is None:
        raise SlurmUnavailable("apt-get not found; cannot install " + " ".join(PACKAGES))
    env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
    cmd = ["apt-get", "install", "-y", "--no-install-recommends", *PACKAGES]
    res = subprocess.run(cmd, env=env, capture_output=True, text=True)
    if res.returncode != 0:
        log("apt-get install failed; running apt-get update once and retrying")
        upd = subprocess.run(["apt-get", "update"], env=env, capture_output=True, text=True)
        if upd.returncode != 0:
            raise SlurmUnavailable(f"apt-get update failed: {upd.stderr.strip()[-500:]}")
        res = subprocess.run(cmd, env=env, capture_output=True, text=True)
        if res.returncode != 0:
            raise SlurmUnavailable(f"apt-get install failed: {res.stderr.strip()[-500:]}")
    still = missing_binaries()
    if still:
        raise SlurmUnavailable(f"after apt-get install, still missing: {', '.join(still)}")
    return time.monotonic() - t0


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _port_open(port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.settimeout(0.5)
        return s.connect_ex(("127.0.0.1", port)) == 0


def _mem_total_mb() -> int:
    for line in Path("/proc/meminfo").read_text().splitlines():
        if line.startswith("MemTotal:"):
            return int(line.split()[1]) // 1024
    raise SlurmUnavailable("cannot read MemTotal from /proc/meminfo")


class SlurmCluster:
    """One-node SLURM cluster with slurmdbd accounting, rooted in ``workdir``.

    ``cluster``/``account``/``partition`` are registered (sacctmgr) and usable as ``slurm_account`` /
    ``slurm_partition``. Use as a context manager or call ``start()`` / ``stop()``.
    """

    def __init__(
        self,
        workdir: Path | str | None = None,
        cluster: str = "gunwtest",
        account: str = "gunw",
        partition: str = "debug",
        cpus: int | None = None,
        real_memory_mb: int | None = None,
        log=print,
    ):
        self._own_workdir = workdir is None
        self.workdir = Path(workdir or tempfile.mkdtemp(prefix="gunw-slurm-")).resolve()
        self.cluster = cluster
        self.account = account
        self.partition = partition
        self.node = socket.gethostname().split(".")[0]
        self.cpus = cpus or os.cpu_count() or 1
        # default: leave room for the OS and the daemons; SLURM rejects jobs asking more than RealMemory
        self.real_memory_mb = real_memory_mb or max(512, int(_mem_total_mb() * 0.85))
        self.oversubscribed = self.cpus > (os.cpu_count() or 1) or self.real_memory_mb > _mem_total_mb()
        self.log = log
        self.procs: dict[str, subprocess.Popen] = {}
        self.install_seconds = 0.0
        self.start_seconds = 0.0
        self.etc = self.workdir / "etc"
        self.logs = self.workdir / "log"
        self.run = self.workdir / "run"
        # munge's default socket: slurmd fetches its config (configless) before it could read an AuthInfo
        self.munge_socket = Path(DEFAULT_MUNGE_SOCKET)
        self.db_socket = self.run / "mariadb.sock"
        self.db_pass = secrets.token_hex(12)
        self.ports = {}

    # ---------------------------------------------------------------- public API
    @property
    def slurm_conf(self) -> Path:
        return self.etc / "slurm.conf"

    def env(self, base: dict | None = None) -> dict:
        """Environment for client commands (sbatch, sacct, snakemake) pointing at this cluster."""
        env = dict(os.environ if base is None else base)
        env["SLURM_CONF"] = str(self.slurm_conf)
        sbin = os.pathsep.join(d for d in SBIN_DIRS if d not in env.get("PATH", "").split(os.pathsep))
        if sbin:
            env["PATH"] = env.get("PATH", "") + os.pathsep + sbin
        for k in [k for k in env if k.startswith("SLURM_") and k != "SLURM_CONF"]:
            del env[k]  # never leak an outer job's context into the test cluster
        return env

    def cmd(self, *args: str, check: bool = True, timeout: float = 60) -> subprocess.CompletedProcess:
        res = subprocess.run(list(args), env=self.env(), capture_output=True, text=True, timeout=timeout)
        if check and res.returncode != 0:
            raise SlurmUnavailable(f"{' '.join(args)} failed ({res.returncode}): {res.stderr.strip()}")
        return res

    def start(self, timeout: float = 120) -> SlurmCluster:
        reason = why_unavailable()
        if reason:
            raise SlurmUnavailable(reason)
        self.install_seconds = install(self.log)
        t0 = time.monotonic()
        try:
            for d in (self.etc, self.logs, self.run, self.workdir / "state", self.workdir / "spool"):
                shutil.rmtree(d, ignore_errors=True)  # a reused workdir starts from a clean state
                d.mkdir(parents=True)
            shutil.rmtree(self.workdir / "mysql", ignore_errors=True)
            self.ports = {k: _free_port() for k in ("mysql", "dbd", "ctld", "slurmd")}
            self._start_munge(timeout)
            self._start_mariadb(timeout)
            self._write_configs()
            self._start_slurmdbd(timeout)
            self._register_accounting()
            self._start_slurmctld(timeout)
            self._start_slurmd(timeout)
        except BaseException:
            self.stop()
            raise
        self.start_seconds = time.monotonic() - t0
        return self

    def stop(self) -> None:
        """Cancel this cluster's jobs, then stop only the daemons started here (reverse order)."""
        if "slurmctld" in self.procs and self.procs["slurmctld"].poll() is None:
            with contextlib.suppress(Exception):
                self.cmd("scancel", "--full", "--user", "root", check=False, timeout=15)
        for name in ["slurmd", "slurmctld", "slurmdbd", "mariadbd", "munged"]:
            p = self.procs.pop(name, None)
            if p is None or p.poll() is not None:
                continue
            with contextlib.suppress(ProcessLookupError):
                p.send_signal(signal.SIGTERM)
            try:
                p.wait(timeout=20)
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(p.pid, signal.SIGKILL)
                p.wait(timeout=10)
        # configless slurmd's link to its config cache (inside our spool dir): remove it with the daemon
        link = Path(CONFIGLESS_LINK)
        if link.is_symlink() and str(os.readlink(link)).startswith(str(self.workdir)):
            link.unlink()
        if self._own_workdir:
            shutil.rmtree(self.workdir, ignore_errors=True)

    def __enter__(self) -> SlurmCluster:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()

    def sacct(self, *fields: str, job_ids: list[str] | None = None, name: str | None = None) -> list[dict]:
        """sacct rows (allocations only, -X) as dicts of the requested fields."""
        args = [
            "sacct",
            "-X",
            "--parsable2",
            "--noheader",
            "--starttime",
            "now-1days",
            "-o",
            ",".join(fields),
        ]
        if job_ids:
            args += ["-j", ",".join(job_ids)]
        if name:
            args += ["--name", name]
        out = self.cmd(*args).stdout
        return [dict(zip(fields, line.split("|"), strict=True)) for line in out.splitlines() if line.strip()]

    def wait_for_job(self, job_id: str, timeout: float = 120) -> dict:
        """Wait until sacct reports a final state for ``job_id``; return its row."""
        final = {"COMPLETED", "FAILED", "CANCELLED", "TIMEOUT", "OUT_OF_MEMORY", "NODE_FAIL", "BOOT_FAIL"}
        deadline = time.monotonic() + timeout
        row: dict = {}
        while time.monotonic() < deadline:
            rows = self.sacct("JobID", "JobName", "State", "ExitCode", "Timelimit", job_ids=[job_id])
            row = rows[0] if rows else {}
            # right after the end, slurmdbd can hold a partial record (JobName "allocation", no time
            # limit) until slurmctld's job-start message lands; wait for the complete one
            if (
                row
                and row["State"].split()[0] in final
                and row["Timelimit"]
                and row["JobName"] != "allocation"
            ):
                return row
            time.sleep(1)
        raise TimeoutError(f"job {job_id} not finished after {timeout}s (last sacct row: {row})")

    def logs_tail(self, n: int = 20) -> str:
        parts = []
        for f in sorted(self.logs.glob("*.log")):
            lines = f.read_text(errors="replace").splitlines()[-n:]
            parts.append(f"== {f.name}\n" + "\n".join(lines))
        return "\n".join(parts)

    # ---------------------------------------------------------------- daemons
    def _spawn(self, name: str, args: list[str], env: dict | None = None) -> subprocess.Popen:
        out = open(self.logs / f"{name}.stdout.log", "ab")  # noqa: SIM115 - owned by the child for its lifetime
        p = subprocess.Popen(
            args,
            stdout=out,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            env=env or self.env(),
            start_new_session=True,  # own process group: a kill here never reaches the caller's group
        )
        out.close()
        self.procs[name] = p
        return p

    def _wait(self, what: str, probe, timeout: float, proc: str | None = None) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if proc and self.procs[proc].poll() is not None:
                raise SlurmUnavailable(f"{proc} exited ({self.procs[proc].returncode})\n{self.logs_tail()}")
            with contextlib.suppress(Exception):
                if probe():
                    return
            time.sleep(0.3)
        raise SlurmUnavailable(f"timed out waiting for {what}\n{self.logs_tail()}")

    def _munge_works(self) -> bool:
        enc = subprocess.run(
            [_which("munge") or "munge", "-n", f"--socket={self.munge_socket}"],
            capture_output=True,
            timeout=5,
        )
        if enc.returncode != 0:
            return False
        dec = subprocess.run(
            [_which("unmunge") or "unmunge", f"--socket={self.munge_socket}"],
            input=enc.stdout,
            capture_output=True,
            timeout=5,
        )
        return dec.returncode == 0

    def _start_munge(self, timeout: float) -> None:
        """Reuse a working munged on the default socket (not ours: never stopped), else start one there."""
        if self.munge_socket.exists() and self._munge_works():
            self.log(f"reusing the running munged at {self.munge_socket}")
            return
        self.munge_socket.parent.mkdir(parents=True, exist_ok=True)
        key = self.etc / "munge.key"
        key.write_bytes(secrets.token_bytes(1024))
        key.chmod(0o400)
        self._spawn(
            "munged",
            [
                _which("munged"),
                "--foreground",
                "--force",
                f"--key-file={key}",
                f"--socket={self.munge_socket}",
                f"--pid-file={self.run / 'munged.pid'}",
                f"--log-file={self.logs / 'munged.log'}",
                f"--seed-file={self.run / 'munged.seed'}",
            ],
        )
        self._wait("munged", self._munge_works, timeout, proc="munged")

    def _start_mariadb(self, timeout: float) -> None:
        datadir = self.workdir / "mysql"
        res = subprocess.run(
            [
                _which("mariadb-install-db"),
                "--no-defaults",
                f"--datadir={datadir}",
                "--user=root",
                "--auth-root-authentication-method=socket",
                "--skip-test-db",
            ],
            capture_output=True,
            text=True,
        )
        if res.returncode != 0:
            raise SlurmUnavailable(f"mariadb-install-db failed: {res.stderr.strip()[-800:]}")
        self._spawn(
            "mariadbd",
            [
                _which("mariadbd"),
                "--no-defaults",
                f"--datadir={datadir}",
                f"--socket={self.db_socket}",
                f"--port={self.ports['mysql']}",
                "--bind-address=127.0.0.1",
                "--user=root",
                f"--pid-file={self.run / 'mariadbd.pid'}",
                f"--log-error={self.logs / 'mariadbd.log'}",
                "--innodb-buffer-pool-size=64M",
                "--innodb-lock-wait-timeout=900",
                "--skip-name-resolve",
            ],
        )

        def ok():
            return self._sql("SELECT 1", check=False).returncode == 0

        self._wait("mariadbd", ok, timeout, proc="mariadbd")
        pw = self.db_pass
        self._sql(
            "CREATE DATABASE IF NOT EXISTS slurm_acct_db;"
            f"CREATE USER IF NOT EXISTS 'slurm'@'127.0.0.1' IDENTIFIED BY '{pw}';"
            f"CREATE USER IF NOT EXISTS 'slurm'@'localhost' IDENTIFIED BY '{pw}';"
            "GRANT ALL ON slurm_acct_db.* TO 'slurm'@'127.0.0.1';"
            "GRANT ALL ON slurm_acct_db.* TO 'slurm'@'localhost';"
            "FLUSH PRIVILEGES;"
        )

    def _sql(self, sql: str, check: bool = True) -> subprocess.CompletedProcess:
        res = subprocess.run(
            [_which("mariadb"), "--no-defaults", f"--socket={self.db_socket}", "-uroot", "-e", sql],
            capture_output=True,
            text=True,
            timeout=30,
        )
        if check and res.returncode != 0:
            raise SlurmUnavailable(f"SQL failed: {res.stderr.strip()}")
        return res

    def _write_configs(self) -> None:
        common_auth = "AuthType=auth/munge\n"
        dbd = (
            common_auth
            + f"DbdHost=localhost\nDbdAddr=127.0.0.1\nDbdPort={self.ports['dbd']}\nSlurmUser=root\n"
            f"LogFile={self.logs / 'slurmdbd.log'}\nPidFile={self.run / 'slurmdbd.pid'}\nDebugLevel=info\n"
            "StorageType=accounting_storage/mysql\nStorageHost=127.0.0.1\n"
            f"StoragePort={self.ports['mysql']}\nStorageUser=slurm\nStoragePass={self.db_pass}\n"
            "StorageLoc=slurm_acct_db\n"
        )
        dbd_conf = self.etc / "slurmdbd.conf"
        dbd_conf.write_text(dbd)
        dbd_conf.chmod(0o600)
        conf = (
            f"ClusterName={self.cluster}\n"
            f"SlurmctldHost={self.node}(127.0.0.1)\n" + common_auth + "CryptoType=crypto/munge\n"
            "SlurmUser=root\nSlurmdUser=root\n"
            f"SlurmctldPort={self.ports['ctld']}\nSlurmdPort={self.ports['slurmd']}\n"
            f"StateSaveLocation={self.workdir / 'state'}\nSlurmdSpoolDir={self.workdir / 'spool'}\n"
            f"SlurmctldPidFile={self.run / 'slurmctld.pid'}\nSlurmdPidFile={self.run / 'slurmd.pid'}\n"
            f"SlurmctldLogFile={self.logs / 'slurmctld.log'}\nSlurmdLogFile={self.logs / 'slurmd.log'}\n"
            "SlurmctldDebug=info\nSlurmdDebug=info\n"
            "ProctrackType=proctrack/linuxproc\nTaskPlugin=task/none\n"
            "MpiDefault=none\nSwitchType=switch/none\nLaunchParameters=use_interactive_step\n"
            "SchedulerType=sched/backfill\nSelectType=select/cons_tres\nSelectTypeParameters=CR_CPU_Memory\n"
            "AccountingStorageType=accounting_storage/slurmdbd\nAccountingStorageHost=localhost\n"
            f"AccountingStoragePort={self.ports['dbd']}\nAccountingStorageEnforce=associations\n"
            "AccountingStoreFlags=job_comment\n"
            "JobAcctGatherType=jobacct_gather/linux\nJobAcctGatherFrequency=5\nJobCompType=jobcomp/none\n"
            "SlurmctldParameters=enable_configless\n"
            "MinJobAge=300\nReturnToService=2\nSlurmdTimeout=60\nInactiveLimit=0\nKillWait=5\n"
            # declared CPUs/memory may exceed the hardware (a test node that accepts a real job's request)
            + ("SlurmdParameters=config_overrides\n" if self.oversubscribed else "")
            + f"NodeName={self.node} NodeAddr=127.0.0.1 CPUs={self.cpus} RealMemory={self.real_memory_mb} "
            "State=UNKNOWN\n"
            f"PartitionName={self.partition} Nodes={self.node} Default=YES MaxTime=INFINITE State=UP\n"
        )
        self.slurm_conf.write_text(conf)

    def _start_slurmdbd(self, timeout: float) -> None:
        self._spawn("slurmdbd", [_which("slurmdbd"), "-D"])
        self._wait("slurmdbd", lambda: _port_open(self.ports["dbd"]), timeout, proc="slurmdbd")

    def _register_accounting(self) -> None:
        def ok():
            return self.cmd("sacctmgr", "-i", "add", "cluster", self.cluster, check=False).returncode == 0

        self._wait("sacctmgr add cluster", ok, 8, proc="slurmdbd")
        self.cmd("sacctmgr", "-i", "add", "account", self.account, f"cluster={self.cluster}")
        self.cmd(
            "sacctmgr", "-i", "add", "user", "root", f"account={self.account}", f"cluster={self.cluster}"
        )

    def _start_slurmctld(self, timeout: float) -> None:
        self._spawn("slurmctld", [_which("slurmctld"), "-D", "-i", "-f", str(self.slurm_conf)])

        def ok():
            return "UP" in self.cmd("scontrol", "ping", check=False).stdout

        self._wait("slurmctld", ok, timeout, proc="slurmctld")

    def _start_slurmd(self, timeout: float) -> None:
        # Configless slurmd (like most modern clusters): it fetches slurm.conf from slurmctld and links
        # /run/slurm/conf to its cache, which is where the `srun` that the SLURM executor's job step runs inside
        # each job finds the config (the job step strips SLURM_CONF from srun's environment).
        env = self.env()
        env.pop("SLURM_CONF")
        self._spawn(
            "slurmd",
            [_which("slurmd"), "-D", "--conf-server", f"127.0.0.1:{self.ports['ctld']}", "-N", self.node],
            env=env,
        )

        def ok():
            state = self.cmd("sinfo", "-h", "-N", "-o", "%T", "-n", self.node, check=False).stdout.strip()
            if state.startswith(("down", "drain")):
                self.cmd("scontrol", "update", f"nodename={self.node}", "state=resume", check=False)
            return state.startswith(("idle", "mixed", "allocated"))

        self._wait("slurmd / node idle", ok, timeout, proc="slurmd")


def smoke(cluster: SlurmCluster) -> dict:
    """Submit one trivial batch job and return its sacct row (proves submit → run → accounting)."""
    out = cluster.cmd(
        "sbatch",
        "--parsable",
        "-A",
        cluster.account,
        "-p",
        cluster.partition,
        "--job-name",
        "gunw-smoke",
        "-c",
        "1",
        "--mem",
        "100",
        "-t",
        "2",
        f"--output={cluster.workdir / 'smoke-%j.out'}",
        "--wrap",
        "hostname; echo smoke-ok",
    ).stdout.strip()
    job_id = out.split(";")[0]
    cluster.wait_for_job(job_id)
    row = cluster.sacct(
        "JobID",
        "JobName",
        "Account",
        "State",
        "ExitCode",
        "AllocCPUS",
        "ReqMem",
        "Timelimit",
        job_ids=[job_id],
    )[0]
    row["output"] = (cluster.workdir / f"smoke-{job_id}.out").read_text()
    return row


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument(
        "action",
        choices=["check", "smoke", "up"],
        help="check: print why unavailable; "
        "smoke: start, run one job, stop; up: start and keep running until Ctrl-C",
    )
    ap.add_argument("--workdir", type=Path, default=None, help="state directory (default: a temp dir)")
    ap.add_argument(
        "--cpus", type=int, default=None, help="CPUs declared for the node (default: the machine's)"
    )
    ap.add_argument(
        "--memory-mb", type=int, default=None, help="node RealMemory in MB (default: 85%% of RAM)"
    )
    args = ap.parse_args(argv)
    reason = why_unavailable()
    if args.action == "check" or reason:
        print(reason or "ok: SLURM harness can run here")
        return 1 if reason else 0
    cluster = SlurmCluster(args.workdir, cpus=args.cpus, real_memory_mb=args.memory_mb)
    t0 = time.monotonic()
    cluster.start()
    print(f"install {cluster.install_seconds:.1f}s, start {cluster.start_seconds:.1f}s")
    print(f"export SLURM_CONF={cluster.slurm_conf}", flush=True)
    try:
        if args.action == "smoke":
            print(smoke(cluster))
        else:
            print("cluster up; Ctrl-C (SIGINT) or SIGTERM stops it", flush=True)
            signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT, signal.SIGTERM})
            signal.sigwait({signal.SIGINT, signal.SIGTERM})
    finally:
        cluster.stop()
        print(f"total {time.monotonic() - t0:.1f}s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
