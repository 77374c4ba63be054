"""Earthdata (and optional CDSE) credentials, read-only, never printed.

Sources, in order: environment (EARTHDATA_USERNAME / EARTHDATA_PASSWORD), then the netrc entry for
``urs.earthdata.nasa.gov`` (``$NETRC`` or ``~/.netrc``). Nothing is ever written; the password lives only in a
``Credentials`` object whose repr/str hide it, so it cannot leak into logs, config dumps or pair.json.
"""

from __future__ import annotations

import argparse
import netrc
import os
import sys
from dataclasses import dataclass, field
from pathlib import Path

EARTHDATA_HOST = "urs.earthdata.nasa.gov"
CDSE_HOST = "dataspace.copernicus.eu"
ENV_VARS = {
    EARTHDATA_HOST: ("EARTHDATA_USERNAME", "EARTHDATA_PASSWORD"),
    CDSE_HOST: ("CDSE_USERNAME", "CDSE_PASSWORD"),
}


class MissingCredentialsError(RuntimeError):
    """No usable credentials; the message says where they are looked up (never what they are)."""


@dataclass(frozen=True)
class Credentials:
    username: str
    password: str = field(repr=False)
    source: str = ""

    def __repr__(self) -> str:  # the dataclass repr already hides the password; keep the user name out too
        return f"Credentials(host-login from {self.source}, username=<hidden>, password=<hidden>)"

    __str__ = __repr__

    def as_tuple(self) -> tuple[str, str]:
        return self.username, self.password


def _netrc_path() -> Path:
    return Path(os.environ.get("NETRC") or Path.home() / ".netrc").expanduser()


def find(host: str = EARTHDATA_HOST, env: dict | None = None, netrc_file: str | os.PathLike | None = None):
    """Credentials for `host`, or None. Environment first (both variables must be set), then netrc."""
    env = os.environ if env is None else env
    user_var, pass_var = ENV_VARS.get(host, (None, None))
    if user_var and env.get(user_var) and env.get(pass_var):
        return Credentials(env[user_var], env[pass_var], source=f"${user_var}/${pass_var}")
    path = Path(netrc_file).expanduser() if netrc_file else _netrc_path()
    if path.is_file():
        try:
            auth = netrc.netrc(str(path)).authenticators(host)
        except (netrc.NetrcParseError, OSError):
            # the parse error text can quote the file's content: never pass it on
            raise MissingCredentialsError(
                f"{path} could not be parsed as a netrc file; fix its syntax"
            ) from None
        if auth and auth[0] and auth[2]:
            return Credentials(auth[0], auth[2], source=str(path))
    return None


def require(host: str = EARTHDATA_HOST, env: dict | None = None, netrc_file=None) -> Credentials:
    """Credentials for `host` or MissingCredentialsError with the fix."""
    creds = find(host, env=env, netrc_file=netrc_file)
    if creds is None:
        user_var, pass_var = ENV_VARS.get(host, ("<USER>", "<PASSWORD>"))
        where = Path(netrc_file).expanduser() if netrc_file else _netrc_path()
        raise MissingCredentialsError(
            f"missing credentials for {host}: no ${user_var}/${pass_var} in the environment and no "
            f"'machine {host} login ... password ...' entry in {where}. Add one of them "
            f"(Earthdata accounts: https://urs.earthdata.nasa.gov/users/new); they are read, never written or logged"
        )
    return creds


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description="Check that Earthdata credentials are configured (prints where from, never the values)."
    )
    parser.add_argument("--host", default=EARTHDATA_HOST, help=f"netrc machine (default {EARTHDATA_HOST})")
    args = parser.parse_args(argv)
    try:
        creds = require(args.host)
    except MissingCredentialsError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    print(f"credentials for {args.host} found in {creds.source}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
