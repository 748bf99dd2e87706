"""Compare the clone's per-call cost with the original azure-keyvault-administration.

Both libraries run the same calls through the same in-memory azure-core
transport, which returns recorded live responses, so the numbers measure
client-side work only: request building, the pipeline, authentication and
response parsing. Run with ``nox -s benchmarks``.
"""

import json
import statistics
import sys
import time
import timeit
import tracemalloc
from pathlib import Path
from typing import Any, Callable, Dict, List, Tuple

from azure.core.credentials import AccessToken
from azure.core.pipeline.transport import HttpTransport
from azure.core.rest import HttpRequest
from azure.core.rest._http_response_impl import HttpResponseImpl

REFERENCE = Path(__file__).resolve().parents[2] / "shared" / "reference"
VAULT_URL = "https://bench.managedhsm.azure.net"
REPEATS = 5


class _Response(HttpResponseImpl):
    def __init__(self, request: HttpRequest, status: int, body: bytes) -> None:
        super().__init__(
            request=request,
            internal_response=None,
            status_code=status,
            headers={"Content-Type": "application/json; charset=utf-8"},
            reason="OK",
            content_type="application/json",
            stream_download_generator=None,
        )
        self._content = body
        self._is_closed = True


class CannedTransport(HttpTransport):  # type: ignore[type-arg]
    """Return one canned JSON body for every request, without any network I/O."""

    def __init__(self, body: bytes) -> None:
        self.body = body

    def send(self, request: Any, **kwargs: Any) -> Any:
        return _Response(request, 200, self.body)

    def open(self) -> None:
        pass

    def close(self) -> None:
        pass

    def __exit__(self, *args: Any) -> None:
        pass


class Credential:
    def get_token(self, *scopes: str, **kwargs: Any) -> AccessToken:
        return AccessToken("bench-token", int(time.time()) + 3600)


def recorded_role_list() -> bytes:
    path = next((REFERENCE / "recordings" / "python").glob("*role_definitions*.json"))
    entries = json.loads(path.read_text())["Entries"]
    body = next(
        entry["ResponseBody"] for entry in entries if entry["StatusCode"] == 200
    )
    return json.dumps(body).encode()


def preauthorized(module: Any) -> None:
    """Seed the package's challenge cache so that no probe round trip is timed."""
    header = (
        'Bearer authorization="https://login.microsoftonline.com/tenant", '
        'resource="https://managedhsm.azure.net"'
    )
    if module == "clone":
        from azure_keyvault_administration_clone._internal.challenge import (
            CHALLENGE_CACHE,
            HttpChallenge,
        )

        CHALLENGE_CACHE.set(VAULT_URL, HttpChallenge(header))
    else:
        from azure.keyvault.administration._internal import (
            HttpChallenge as OriginalChallenge,
        )
        from azure.keyvault.administration._internal import (
            HttpChallengeCache,
        )

        HttpChallengeCache.set_challenge_for_url(
            VAULT_URL, OriginalChallenge(VAULT_URL, header)
        )


def scenarios(body: bytes) -> Dict[str, Dict[str, Callable[[], Any]]]:
    import azure.keyvault.administration as original

    import azure_keyvault_administration_clone as clone

    preauthorized("clone")
    preauthorized("original")
    result: Dict[str, Dict[str, Callable[[], Any]]] = {}
    for name, package in (("clone", clone), ("original", original)):
        client = package.KeyVaultAccessControlClient(
            VAULT_URL, Credential(), transport=CannedTransport(body)
        )
        result.setdefault("list_role_definitions", {})[name] = lambda c=client: list(
            c.list_role_definitions("/")
        )
        result.setdefault("construct_client", {})[name] = lambda p=package: (
            p.KeyVaultAccessControlClient(
                VAULT_URL, Credential(), transport=CannedTransport(body)
            )
        )
    return result


def time_per_call(function: Callable[[], Any]) -> float:
    timer = timeit.Timer(function)
    number, _ = timer.autorange()
    samples = [seconds / number for seconds in timer.repeat(REPEATS, number)]
    return statistics.median(samples)


def peak_memory(function: Callable[[], Any], calls: int = 50) -> int:
    function()
    tracemalloc.start()
    for _ in range(calls):
        function()
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return peak


def main() -> int:
    body = recorded_role_list()
    rows: List[Tuple[str, float, float, int, int]] = []
    cases = scenarios(body)
    listed = cases["list_role_definitions"]
    clone_names = [role.name for role in listed["clone"]()]
    original_names = [role.name for role in listed["original"]()]
    # Timing is meaningless unless both libraries parse the same result.
    assert clone_names and clone_names == original_names, "results differ"
    for scenario, functions in cases.items():
        clone_time = time_per_call(functions["clone"])
        original_time = time_per_call(functions["original"])
        clone_peak = peak_memory(functions["clone"])
        original_peak = peak_memory(functions["original"])
        rows.append((scenario, clone_time, original_time, clone_peak, original_peak))

    print(f"Python {sys.version.split()[0]}, median of {REPEATS} runs per scenario")
    print(
        f"{'scenario':<24}{'clone us':>10}{'orig us':>10}{'time x':>8}"
        f"{'clone KiB':>11}{'orig KiB':>10}{'mem x':>7}"
    )
    for scenario, clone_time, original_time, clone_peak, original_peak in rows:
        print(
            f"{scenario:<24}{clone_time * 1e6:>10.1f}{original_time * 1e6:>10.1f}"
            f"{clone_time / original_time:>8.2f}{clone_peak / 1024:>11.1f}"
            f"{original_peak / 1024:>10.1f}{clone_peak / original_peak:>7.2f}"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
