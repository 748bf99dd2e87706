"""Every sample, run as a user would: a separate process against the emulator,
and the sync samples against a replay of recorded live traffic."""

from typing import Dict, Iterator

import pytest

from tests.sample_runner import (
    REPLAY_RECORDINGS,
    EmulatorProcess,
    base_environment,
    iter_replay_runs,
    run_sample,
    sample_paths,
)

SAMPLES = sample_paths()


@pytest.fixture(scope="module")
def emulator_env() -> Iterator[Dict[str, str]]:
    with EmulatorProcess() as emulator:
        env = base_environment()
        env.update(emulator.exports)
        yield env


def test_every_sample_has_async_twin() -> None:
    names = {path.name for path in SAMPLES}
    sync_names = {name for name in names if not name.endswith("_async.py")}

    missing = {name for name in sync_names if name[:-3] + "_async.py" not in names}
    assert not missing, f"samples without an _async version: {sorted(missing)}"


def test_every_sync_sample_has_replay() -> None:
    sync_names = {path.name for path in SAMPLES if not path.name.endswith("_async.py")}

    assert sync_names == set(REPLAY_RECORDINGS)


@pytest.mark.parametrize("path", SAMPLES, ids=[path.name for path in SAMPLES])
def test_sample_runs_against_emulator(path, emulator_env) -> None:  # type: ignore[no-untyped-def]
    result = run_sample(path, emulator_env)

    assert result.returncode == 0, result.stderr[-3000:]
    assert "Traceback" not in result.stderr
    assert "Unclosed" not in result.stderr


@pytest.mark.parametrize("sample", sorted(REPLAY_RECORDINGS))
def test_sample_runs_against_replay(sample: str) -> None:
    ((name, result, errors),) = list(iter_replay_runs([sample]))

    assert name == sample
    assert result.returncode == 0, result.stderr[-3000:]
    assert errors == []
