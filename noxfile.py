"""Development sessions: samples, samples-replay, tests, benchmarks, lint, mypy."""

import nox

nox.options.sessions = ["lint", "mypy", "tests"]
nox.options.reuse_existing_virtualenvs = True

SOURCES = [
    "azure_keyvault_administration_clone",
    "benchmarks",
    "tests",
    "samples",
    "noxfile.py",
]


@nox.session
def tests(session: nox.Session) -> None:
    """Run the whole test suite: unit, replay, emulator and sample tests."""
    session.install("-e", ".[test]")
    session.run("pytest", "-q", "-p", "no:cacheprovider", *session.posargs)


@nox.session
def samples(session: nox.Session) -> None:
    """Run every sample against a freshly started local emulator."""
    session.install("-e", ".[test]")
    session.run("python", "-m", "tests.sample_runner", "emulator", *session.posargs)


@nox.session(name="samples-replay")
def samples_replay(session: nox.Session) -> None:
    """Run the sync samples against a replay of recorded live traffic."""
    session.install("-e", ".[test]")
    session.run("python", "-m", "tests.sample_runner", "replay", *session.posargs)


@nox.session
def benchmarks(session: nox.Session) -> None:
    """Time the clone against the original package on the same calls."""
    session.install("-e", ".[test]")
    session.run("python", "benchmarks/bench_clients.py")


@nox.session
def lint(session: nox.Session) -> None:
    """Check formatting and lint rules with ruff."""
    session.install("ruff>=0.5")
    session.run("ruff", "check", *SOURCES)
    session.run("ruff", "format", "--check", *SOURCES)


@nox.session
def mypy(session: nox.Session) -> None:
    """Type-check the package with mypy --strict."""
    session.install("-e", ".[emulator]", "mypy>=1.10")
    session.run("mypy", "--strict", "azure_keyvault_administration_clone")
