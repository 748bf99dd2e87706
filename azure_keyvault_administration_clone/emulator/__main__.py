"""Command-line entry point of the emulator (``python -m ...emulator``)."""

from __future__ import annotations

import argparse
import logging
import sys
from pathlib import Path
from typing import Dict, List, Optional

from .options import (
    DEFAULT_DATA_DIR,
    DEFAULT_HSM_NAME,
    DEFAULT_PRINCIPAL_ID,
    DEFAULT_TENANT_ID,
    EmulatorOptions,
)
from .server import export_lines, run_forever


def build_parser() -> argparse.ArgumentParser:
    """Return the argument parser with every option documented."""
    parser = argparse.ArgumentParser(
        prog="mhsm-emulator",
        description=(
            "Local Managed HSM emulator over HTTPS. Once listening it prints "
            "'export NAME=value' lines for MANAGED_HSM_URL, SSL_CERT_FILE, "
            "REQUESTS_CA_BUNDLE, IDENTITY_ENDPOINT and IDENTITY_HEADER to stdout. "
            "Logs go to stderr."
        ),
    )
    parser.add_argument(
        "--host",
        default="127.0.0.1",
        help="loopback address to bind: 127.0.0.1, ::1 or localhost. Other "
        "addresses are rejected (default: %(default)s)",
    )
    parser.add_argument(
        "--port",
        type=int,
        default=0,
        help="TCP port, where 0 picks a free port that MANAGED_HSM_URL in the "
        "output names (default: %(default)s)",
    )

    storage = parser.add_mutually_exclusive_group()
    storage.add_argument(
        "--data-dir",
        type=Path,
        default=None,
        help="directory for the SQLite database, TLS files and blob folders, "
        f"kept across restarts (default: {DEFAULT_DATA_DIR})",
    )
    storage.add_argument(
        "--in-memory",
        action="store_true",
        help="keep state in memory. TLS files and blobs go to a temporary "
        "directory removed at exit",
    )

    parser.add_argument(
        "--name",
        default=DEFAULT_HSM_NAME,
        help="HSM name used in backup folder names mhsm-<name>-<UTC time> "
        "(default: %(default)s)",
    )
    parser.add_argument(
        "--tenant-id",
        default=DEFAULT_TENANT_ID,
        help="tenant id in the 401 challenge and in token tid claims "
        "(default: %(default)s)",
    )
    parser.add_argument(
        "--principal-id",
        default=DEFAULT_PRINCIPAL_ID,
        help="principal (token oid) granted Managed HSM Administrator, Crypto User "
        "and Crypto Officer at scope /. Identity-endpoint tokens are for it "
        "unless the request names another principal (default: %(default)s)",
    )

    parser.add_argument(
        "--job-seconds",
        type=float,
        default=1.0,
        help="duration of every backup and restore job, in seconds "
        "(default: %(default)s)",
    )
    parser.add_argument(
        "--retry-after",
        type=int,
        default=None,
        help="Retry-After header of job responses, in whole seconds "
        "(default: job seconds rounded up)",
    )

    parser.add_argument(
        "--cert",
        type=Path,
        default=None,
        help="PEM server certificate to serve instead of a generated one (needs --key)",
    )
    parser.add_argument(
        "--key", type=Path, default=None, help="PEM private key of --cert"
    )
    parser.add_argument(
        "--ca-file",
        type=Path,
        default=None,
        help="CA bundle exported as SSL_CERT_FILE and REQUESTS_CA_BUNDLE "
        "(default: the generated CA, or --cert when given)",
    )

    parser.add_argument(
        "--log-level",
        default="INFO",
        choices=["DEBUG", "INFO", "WARNING", "ERROR"],
        help="level of the log written to stderr (default: %(default)s)",
    )
    return parser


def _print_exports(env: Dict[str, str]) -> None:
    # The export lines are the documented stdout interface of the server.
    sys.stdout.write("\n".join(export_lines(env)) + "\n")
    sys.stdout.flush()


def main(argv: Optional[List[str]] = None) -> int:
    """Parse ``argv``, run the emulator until interrupted and return the exit code."""
    parser = build_parser()
    arguments = parser.parse_args(argv)
    logging.basicConfig(
        level=arguments.log_level,
        stream=sys.stderr,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    data_dir = arguments.data_dir
    if data_dir is None and not arguments.in_memory:
        data_dir = DEFAULT_DATA_DIR
    options = EmulatorOptions(
        data_dir=data_dir,
        in_memory=arguments.in_memory,
        host=arguments.host,
        port=arguments.port,
        name=arguments.name,
        tenant_id=arguments.tenant_id,
        principal_id=arguments.principal_id,
        job_seconds=arguments.job_seconds,
        retry_after=arguments.retry_after,
        cert_file=arguments.cert,
        key_file=arguments.key,
        ca_file=arguments.ca_file,
    )
    try:
        options.validate()
    except ValueError as error:
        parser.error(str(error))
    try:
        run_forever(options, _print_exports)
    except OSError as error:
        logging.getLogger(__name__).error(
            "Could not start the emulator on %s port %d: %s",
            options.host,
            options.port,
            error,
        )
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
