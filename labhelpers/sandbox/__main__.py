"""python -m labhelpers.sandbox serve|stop|env|advance|audit — the sandbox's command line (DESIGN.md)."""
from __future__ import annotations

import argparse
import json
import shlex
import sys
from datetime import datetime, timezone
from pathlib import Path

from . import server
from .store import StateDamaged


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m labhelpers.sandbox",
                                     description="The embedded Azure sandbox of the CMK lab.")
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("serve", help="run the sandbox in the foreground")
    p.add_argument("--state", required=True, type=Path)
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", default=0, type=int)
    p.add_argument("--rbac-delay", default=0.0, type=float, metavar="SECONDS",
                   help="new role assignments take effect only after this many seconds")
    p.add_argument("--timing", choices=["fast", "azure"], default="fast",
                   help="azure: long operations, provisioning states and role propagation as Azure times them")
    p.add_argument("--time-scale", type=float, default=1.0, metavar="F",
                   help="with --timing azure: multiply Azure's durations by F (0.05: twenty times faster)")
    p.add_argument("--accept-newer-api-versions", action="store_true",
                   help="also serve date api-versions newer than the table (data/api-versions.json)")
    p.add_argument("--leased", type=float, metavar="GRACE", default=None,
                   help="stop once no process has held a lease on the sandbox for GRACE seconds "
                        "(how the lab starts it)")
    p = sub.add_parser("stop", help="stop the sandbox serving a state dir")
    p.add_argument("--state", required=True, type=Path)
    p = sub.add_parser("env", help="print the shell lines that point a client at the sandbox")
    p.add_argument("--state", required=True, type=Path)
    p = sub.add_parser("advance", help="move the sandbox clock forward by an ISO-8601 duration")
    p.add_argument("--state", required=True, type=Path)
    p.add_argument("duration", help="e.g. P7D, P6M, PT2H")
    p = sub.add_parser("audit", help="print the Key Vault audit log (AuditEvent records) as JSON lines")
    p.add_argument("--state", required=True, type=Path)
    p.add_argument("--vault", help="only this vault")
    args = parser.parse_args(argv)

    if args.command == "serve":
        if args.host not in ("127.0.0.1", "localhost"):
            parser.error("the sandbox listens on loopback only")
        try:
            server.serve(args.state, args.host, args.port, args.rbac_delay, lease_grace=args.leased,
                         accept_newer_api_versions=args.accept_newer_api_versions, timing=args.timing,
                         time_scale=args.time_scale)
        except (server.AlreadyServing, StateDamaged) as exc:
            print(exc, file=sys.stderr)
            return 1
        return 0
    if args.command == "stop":
        pid = server.stop(args.state)
        print(f"No sandbox is running for {args.state}." if pid is None else f"Stopped the sandbox (pid {pid}).")
        return 0
    if args.command == "env":
        info = server.running_info(args.state)
        if info is None:
            print(f"No sandbox is running for {args.state}; start one with "
                  f"'python -m labhelpers.sandbox serve --state {args.state}'.", file=sys.stderr)
            return 1
        for name, value in server.client_env(info).items():
            print(f"unset {name}" if value is None else f"export {name}={shlex.quote(value)}")
        return 0
    if not (args.state / "sandbox.db").exists():       # a typo must not seed a new, empty sandbox
        print(f"No sandbox state in {args.state}; start one with "
              f"'python -m labhelpers.sandbox serve --state {args.state}'.", file=sys.stderr)
        return 1
    from .context import Sandbox
    try:
        sb = Sandbox(args.state)
    except StateDamaged as exc:
        print(exc, file=sys.stderr)
        return 1
    if args.command == "advance":
        try:
            now = sb.clock.advance(args.duration)
        except ValueError as exc:
            parser.error(str(exc))
        print(f"sandbox time is now {datetime.fromtimestamp(now, timezone.utc).isoformat(timespec='seconds')}")
        return 0
    from .providers.keyvault import audit
    for record in audit.read(sb, args.vault):
        print(json.dumps(record))
    return 0


if __name__ == "__main__":
    sys.exit(main())
