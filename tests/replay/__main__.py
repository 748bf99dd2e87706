"""Serve recordings over HTTPS until SIGTERM or SIGINT.

Usage: ``python -m tests.replay RECORDING.json [RECORDING.json ...]``

The command prints ``export NAME=value`` lines for a shell to ``eval``, then
serves. At shutdown it prints every mismatch to stderr and exits with status 1
if there was any (or, with ``--require-all-used``, if entries were left).
"""

from __future__ import annotations

import argparse
import logging
import shlex
import signal
import sys
import threading
from pathlib import Path
from typing import Optional

from .recording import load_recording
from .server import ReplayServer

_LOGGER = logging.getLogger("tests.replay")


def _parse_args(argv: Optional[list[str]]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m tests.replay",
        description="Serve test-proxy recordings, one after another, over HTTPS "
        "on a loopback address.",
    )
    parser.add_argument(
        "recordings", nargs="+", type=Path, help="recording JSON files, in order"
    )
    parser.add_argument(
        "--host",
        default="127.0.0.1",
        choices=["127.0.0.1", "::1"],
        help="loopback address to bind (default: 127.0.0.1)",
    )
    parser.add_argument(
        "--port", type=int, default=0, help="TCP port to bind (default: a free port)"
    )
    parser.add_argument(
        "--require-all-used",
        action="store_true",
        help="also exit with status 1 when recorded entries were never requested",
    )
    parser.add_argument(
        "--verbose", action="store_true", help="log every request to stderr"
    )
    return parser.parse_args(argv)


def main(argv: Optional[list[str]] = None) -> int:
    """Run the replay server and return the process exit status."""
    args = _parse_args(argv)
    logging.basicConfig(
        level=logging.DEBUG if args.verbose else logging.INFO,
        stream=sys.stderr,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    try:
        recordings = [load_recording(path) for path in args.recordings]
    except (OSError, ValueError, KeyError) as error:
        print(f"error: cannot load recording: {error}", file=sys.stderr)
        return 2

    stop = threading.Event()

    def request_stop(signum: int, _frame: object) -> None:
        _LOGGER.info("received signal %d, shutting down", signum)
        stop.set()

    signal.signal(signal.SIGTERM, request_stop)
    signal.signal(signal.SIGINT, request_stop)

    server = ReplayServer(recordings, host=args.host, port=args.port).start()
    try:
        for name, value in server.env.items():
            print(f"export {name}={shlex.quote(value)}")
        sys.stdout.flush()
        while not stop.wait(0.5):
            pass
    finally:
        server.stop()

    replayer = server.replayer
    for error in replayer.errors:
        print(f"mismatch: {error}", file=sys.stderr)
    unused = replayer.unused_entries()
    if unused:
        print(f"{len(unused)} recorded entries were not requested:", file=sys.stderr)
        for entry in unused:
            print(f"  {entry.describe()}", file=sys.stderr)
    print(
        f"served {len(replayer.served)} of {len(replayer.entries)} entries,"
        f" skipped {len(replayer.skipped)}, {len(replayer.errors)} mismatches",
        file=sys.stderr,
    )
    if replayer.errors:
        return 1
    if unused and args.require_all_used:
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
