"""Run the samples against the local emulator or a replay of recorded traffic.

``python -m tests.sample_runner emulator`` starts the emulator as a separate
process, reads the ``export`` lines it prints, runs every sample with that
environment and stops the emulator. ``python -m tests.sample_runner replay``
runs each sync sample against a replay server loaded with the recordings of
the same calls. Either exits non-zero if any sample fails.
"""

import argparse
import os
import shlex
import subprocess
import sys
import time
from pathlib import Path
from typing import Dict, Iterator, List, Optional, Sequence

from tests.reference import RECORDINGS_DIR, REPOSITORY_ROOT

SAMPLES_DIR = REPOSITORY_ROOT / "samples"
SAMPLE_TIMEOUT_SECONDS = 180
EMULATOR_START_TIMEOUT_SECONDS = 60
EMULATOR_EXPORTS = (
    "MANAGED_HSM_URL",
    "SSL_CERT_FILE",
    "REQUESTS_CA_BUNDLE",
    "IDENTITY_ENDPOINT",
    "IDENTITY_HEADER",
)
# Inputs the samples read besides what the emulator exports. No storage is
# contacted: the emulator maps the container URL to a local folder.
SAMPLE_INPUTS = {
    "CLIENT_OBJECT_ID": "3b1f8d2e-6a4c-4e1b-9c7d-5f2a8e0b4d61",
    "CONTAINER_URL": "https://emulatorstorage.blob.core.windows.net/backups",
    "SAS_TOKEN": "sv=2024-08-04&ss=b&srt=co&sp=rwdlac&se=2099-01-01&sig=emulator",
    "KEYS_VERIFY_CHALLENGE_RESOURCE": "false",
}
# Recordings that contain the calls each sync sample makes, in order.
REPLAY_RECORDINGS = {
    "hello_world.py": ["test_access_control.pyTestAccessControltest_role_definitions"],
    "access_control_operations.py": [
        "test_access_control.pyTestAccessControltest_role_definitions",
        "test_access_control.pyTestAccessControltest_role_assignment",
    ],
    "backup_restore_operations.py": [
        "test_backup_client.pyTestBackupClientTeststest_full_backup_and_restore_2025",
    ],
    "selective_key_restore.py": [
        "test_backup_client.pyTestBackupClientTeststest_selective_key_restore",
    ],
    "settings_operations.py": [
        "test_settings_client.pyTestSettingstest_update_settings",
        "test_settings_client.pyTestSettingstest_list_settings",
    ],
}
# Variables that could point a credential or client at a real service.
_SCRUBBED_PREFIXES = ("AZURE_", "MSI_", "IDENTITY_", "MANAGED_HSM_")


def sample_paths() -> List[Path]:
    return sorted(
        path for path in SAMPLES_DIR.glob("*.py") if not path.name.startswith("_")
    )


def base_environment() -> Dict[str, str]:
    env = {
        name: value
        for name, value in os.environ.items()
        if not name.startswith(_SCRUBBED_PREFIXES)
    }
    env.update(SAMPLE_INPUTS)
    env["PYTHONPATH"] = os.pathsep.join(
        part for part in (str(REPOSITORY_ROOT), env.get("PYTHONPATH")) if part
    )
    return env


def run_sample(path: Path, env: Dict[str, str]) -> subprocess.CompletedProcess:  # type: ignore[type-arg]
    print(f"--- {path.name}", flush=True)
    result = subprocess.run(
        [sys.executable, str(path)],
        env=env,
        cwd=str(SAMPLES_DIR),
        capture_output=True,
        text=True,
        timeout=SAMPLE_TIMEOUT_SECONDS,
    )
    sys.stdout.write(result.stdout)
    sys.stderr.write(result.stderr)
    status = "ok" if result.returncode == 0 else f"FAILED (exit {result.returncode})"
    print(f"--- {path.name}: {status}", flush=True)
    return result


def parse_exports(lines: Sequence[str]) -> Dict[str, str]:
    exports = {}
    for line in lines:
        if line.startswith("export "):
            name, _, value = line[len("export ") :].strip().partition("=")
            parsed = shlex.split(value)
            exports[name] = parsed[0] if parsed else ""
    return exports


class EmulatorProcess:
    """The emulator, started as a separate process with ``python -m``."""

    def __init__(self, extra_args: Sequence[str] = ()) -> None:
        self.args = [
            sys.executable,
            "-m",
            "azure_keyvault_administration_clone.emulator",
            "--in-memory",
            "--port",
            "0",
            "--job-seconds",
            "0.3",
            *extra_args,
        ]
        self.process: Optional[subprocess.Popen] = None  # type: ignore[type-arg]
        self.exports: Dict[str, str] = {}

    def __enter__(self) -> "EmulatorProcess":
        self.process = subprocess.Popen(
            self.args,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            text=True,
            env=base_environment(),
        )
        deadline = time.monotonic() + EMULATOR_START_TIMEOUT_SECONDS
        lines: List[str] = []
        assert self.process.stdout is not None
        while not all(name in self.exports for name in EMULATOR_EXPORTS):
            if time.monotonic() > deadline or self.process.poll() is not None:
                self.__exit__()
                raise RuntimeError(
                    "The emulator did not print its export lines; output so far: "
                    + "".join(lines)
                )
            line = self.process.stdout.readline()
            if line:
                lines.append(line)
                self.exports = parse_exports(lines)
        return self

    def __exit__(self, *args: object) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


def run_against_emulator(names: Sequence[str] = ()) -> int:
    paths = [path for path in sample_paths() if not names or path.name in names]
    failures = []
    with EmulatorProcess() as emulator:
        env = base_environment()
        env.update(emulator.exports)
        for path in paths:
            if run_sample(path, env).returncode != 0:
                failures.append(path.name)
    return _report(paths, failures)


def recordings_for(sample: str) -> List[Path]:
    paths = []
    for prefix in REPLAY_RECORDINGS[sample]:
        matches = sorted((RECORDINGS_DIR / "python").glob(prefix + "*.json"))
        if len(matches) != 1:
            raise RuntimeError(
                f"Expected one recording named {prefix}*, found {matches}"
            )
        paths.append(matches[0])
    return paths


def iter_replay_runs(
    names: Sequence[str] = (),
) -> Iterator["tuple[str, subprocess.CompletedProcess, List[str]]"]:  # type: ignore[type-arg]
    from tests.replay import Replayer, ReplayServer
    from tests.replay.recording import load_recording

    for sample, _ in REPLAY_RECORDINGS.items():
        if names and sample not in names:
            continue
        recordings = [load_recording(path) for path in recordings_for(sample)]
        replayer = Replayer(recordings, fast_forward_polls=True)
        with ReplayServer(replayer) as server:
            env = base_environment()
            env.update(server.env)
            env.pop("SAS_TOKEN")  # the recorded backups used the managed identity
            result = run_sample(SAMPLES_DIR / sample, env)
            errors = [str(error) for error in server.replayer.errors]
        yield sample, result, errors


def run_against_replay(names: Sequence[str] = ()) -> int:
    failures = []
    ran = []
    for sample, result, errors in iter_replay_runs(names):
        ran.append(sample)
        for error in errors:
            print(f"--- {sample}: replay mismatch: {error}", file=sys.stderr)
        if result.returncode != 0 or errors:
            failures.append(sample)
    return _report(ran, failures)


def _report(ran: Sequence[object], failures: Sequence[str]) -> int:
    print(f"{len(ran) - len(failures)} passed, {len(failures)} failed", flush=True)
    return 1 if failures or not ran else 0


def main(argv: Optional[Sequence[str]] = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tests.sample_runner")
    parser.add_argument("target", choices=["emulator", "replay"])
    parser.add_argument("samples", nargs="*", help="sample file names (default: all)")
    options = parser.parse_args(argv)
    if options.target == "emulator":
        return run_against_emulator(options.samples)
    return run_against_replay(options.samples)


if __name__ == "__main__":
    sys.exit(main())
