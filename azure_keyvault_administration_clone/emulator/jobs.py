"""Backup and restore jobs with the service's long-running-operation lifecycle.

A job is stored as ``InProgress`` when it is accepted and completes after the
configured job duration, on a timer or on the first status poll after that
time, whichever comes first. Only one job runs at a time. Problems that the
service reports asynchronously (a malformed SAS token, a missing container or
folder, an unreadable backup) do not fail the initial request. They make the
job end ``Failed`` with both ``error`` and ``statusDetails`` set.

A backup folder contains one JSON file per part of the state (see
:data:`BACKUP_FILES`) plus ``manifest.json``. A full backup captures the state
when the job is accepted. The container directory is created on demand by a
backup, but a restore from a missing container or folder fails.
"""

from __future__ import annotations

import datetime
import json
import logging
import threading
import time
import uuid
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, Dict, Optional, Tuple

from .blobs import BlobContainer, sas_problem
from .errors import ServiceError
from .store import JobRow, KeyVersion, Store

logger = logging.getLogger(__name__)

#: Status URL family (first path segment) of each operation.
JOB_KINDS: Dict[str, str] = {
    "backup": "backup",
    "prebackup": "backup",
    "restore": "restore",
    "prerestore": "restore",
    "selective": "restore",
}

#: File name of each part of :meth:`Store.export_state` in a backup folder.
BACKUP_FILES: Dict[str, str] = {
    "keys": "keys.json",
    "roleDefinitions": "roleDefinitions.json",
    "roleAssignments": "roleAssignments.json",
    "settings": "settings.json",
}
MANIFEST_FILE = "manifest.json"

#: Reason recorded for jobs that were in progress when the emulator stopped.
UNFINISHED_JOB_MESSAGE = (
    "The emulator stopped before the job finished. Start the operation again."
)
BACKUP_FORMAT_VERSION = 1


@dataclass(frozen=True)
class JobRequest:
    """A validated backup or restore request.

    :ivar operation: One of the keys of :data:`JOB_KINDS`.
    :ivar sas_token: SAS query string; ignored when ``use_managed_identity`` is set.
    :ivar folder: Backup folder to read (restore operations only).
    :ivar key_name: Key to restore (selective restore only).
    """

    operation: str
    container: BlobContainer
    sas_token: Optional[str]
    use_managed_identity: bool
    folder: Optional[str] = None
    key_name: Optional[str] = None


class JobFailure(Exception):
    """Reason a job ended ``Failed``, reported as ``error`` and ``statusDetails``."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


@dataclass
class _PendingJob:
    request: JobRequest
    snapshot: Optional[Dict[str, Any]]
    started: datetime.datetime
    timer: Optional[threading.Timer]


class JobRunner:
    """Starts, completes and reports backup and restore jobs.

    :param store: State the jobs read and replace.
    :param hsm_name: Name used in backup folder names.
    :param job_seconds: Time from acceptance to completion, in seconds.
    """

    def __init__(self, store: Store, *, hsm_name: str, job_seconds: float) -> None:
        self._store = store
        self._hsm_name = hsm_name
        self._job_seconds = job_seconds
        self._lock = threading.Lock()
        self._pending: Dict[str, _PendingJob] = {}
        self._closed = False

    def start(self, request: JobRequest) -> JobRow:
        """Accept ``request`` and return the new ``InProgress`` job.

        :raises ServiceError: 409 ``Conflict`` while another job is in progress.
        """
        started = datetime.datetime.now(datetime.timezone.utc)
        job = JobRow(
            job_id=uuid.uuid4().hex,
            kind=JOB_KINDS[request.operation],
            operation=request.operation,
            status="InProgress",
            status_details=None,
            error_code=None,
            error_message=None,
            start_time=int(started.timestamp()),
            end_time=None,
            container_uri=None,
        )
        snapshot = self._store.export_state() if request.operation == "backup" else None
        with self._lock:
            running = self._store.insert_job_if_idle(job)
            if running is not None:
                raise ServiceError(
                    409,
                    "Conflict",
                    f"Another backup or restore operation (job {running}) is in "
                    "progress. Wait until it finishes, then retry.",
                )
            timer = threading.Timer(
                self._job_seconds, self._complete, args=(job.job_id,)
            )
            timer.daemon = True
            self._pending[job.job_id] = _PendingJob(request, snapshot, started, timer)
            timer.start()
        logger.info(
            "Job %s (%s) started for container %s",
            job.job_id,
            request.operation,
            request.container.uri,
        )
        return job

    def get(self, job_id: str) -> Optional[JobRow]:
        """Return job ``job_id``, completing it first if its duration has passed."""
        with self._lock:
            pending = self._pending.get(job_id)
        if pending is not None:
            elapsed = datetime.datetime.now(datetime.timezone.utc) - pending.started
            if elapsed.total_seconds() >= self._job_seconds:
                self._complete(job_id)
        return self._store.get_job(job_id)

    def close(self) -> None:
        """Cancel the timers of unfinished jobs; they are failed on the next start."""
        with self._lock:
            self._closed = True
            for pending in self._pending.values():
                if pending.timer is not None:
                    pending.timer.cancel()

    def _complete(self, job_id: str) -> None:
        with self._lock:
            if self._closed:
                return
            pending = self._pending.pop(job_id, None)
            if pending is None:
                return
            job = self._store.get_job(job_id)
            if job is None:
                return
            try:
                details, container_uri = self._execute(pending)
            except JobFailure as failure:
                finished = replace(
                    job,
                    status="Failed",
                    status_details=failure.message,
                    error_code=failure.code,
                    error_message=failure.message,
                    end_time=int(time.time()),
                )
            except Exception as error:
                logger.exception("Job %s (%s) crashed", job_id, job.operation)
                finished = replace(
                    job,
                    status="Failed",
                    status_details=f"Internal error: {error}",
                    error_code="InternalError",
                    error_message=f"Internal error: {error}",
                    end_time=int(time.time()),
                )
            else:
                finished = replace(
                    job,
                    status="Succeeded",
                    status_details=details,
                    container_uri=container_uri,
                    end_time=int(time.time()),
                )
            self._store.update_job(finished)
        logger.info(
            "Job %s (%s) finished: %s%s",
            job_id,
            job.operation,
            finished.status,
            f" ({finished.error_code})" if finished.error_code else "",
        )

    def _execute(self, pending: _PendingJob) -> Tuple[Optional[str], Optional[str]]:
        """Run the job's work and return ``(statusDetails, container URI)``."""
        request = pending.request
        if not request.use_managed_identity:
            problem = sas_problem(request.sas_token or "")
            if problem:
                raise JobFailure("BadRequest", problem)

        if request.operation == "backup":
            assert pending.snapshot is not None
            folder = self._write_backup(
                request.container, pending.snapshot, pending.started
            )
            return None, f"{request.container.uri}/{folder}"
        if request.operation == "prebackup":
            return None, None

        assert request.folder is not None
        state = read_backup(request.container, request.folder)
        if request.operation == "restore":
            try:
                self._store.replace_state(state)
            except (KeyError, TypeError, ValueError, AttributeError) as error:
                raise JobFailure(
                    "InvalidBackup",
                    f"Invalid backup provided in folder {request.folder}: {error}",
                ) from error
            return None, None
        if request.operation == "prerestore":
            return None, None

        assert request.key_name is not None
        restored, kept = self._restore_key(state, request.key_name, request.folder)
        return (
            f"Number of successful key versions restored: {restored}, "
            f"Number of key versions could not overwrite: {kept}"
        ), None

    def _write_backup(
        self,
        container: BlobContainer,
        snapshot: Dict[str, Any],
        started: datetime.datetime,
    ) -> str:
        container.directory.mkdir(parents=True, exist_ok=True)
        stamp = started.strftime("%Y%m%d%H%M%S")
        hundredths = started.microsecond // 10000
        for offset in range(100):
            name = f"mhsm-{self._hsm_name}-{stamp}{(hundredths + offset) % 100:02d}"
            directory = container.folder(name)
            try:
                directory.mkdir()
            except FileExistsError:
                continue
            break
        else:
            raise JobFailure(
                "Conflict", f"No free backup folder name for time {stamp}."
            )
        for part, file_name in BACKUP_FILES.items():
            _write_json(directory / file_name, snapshot[part])
        _write_json(
            directory / MANIFEST_FILE,
            {
                "formatVersion": BACKUP_FORMAT_VERSION,
                "hsmName": self._hsm_name,
                "createdOn": started.isoformat(),
            },
        )
        return name

    def _restore_key(
        self, state: Dict[str, Any], key_name: str, folder: str
    ) -> Tuple[int, int]:
        versions = [
            KeyVersion.from_record(record)
            for record in state["keys"]["versions"]
            if str(record["name"]).lower() == key_name.lower()
        ]
        if not versions:
            raise JobFailure(
                "KeyNotFound",
                f"Key {key_name} was not found in backup folder {folder}.",
            )
        return self._store.restore_key(versions)


def read_backup(container: BlobContainer, folder: str) -> Dict[str, Any]:
    """Load the state saved in a backup folder.

    :raises JobFailure: when the container or folder does not exist or a file is
        missing or malformed.
    """
    if not container.directory.is_dir():
        raise JobFailure(
            "ContainerNotFound", f"The blob container {container.uri} does not exist."
        )
    directory = container.folder(folder)
    if not directory.is_dir():
        raise JobFailure(
            "FolderNotFound",
            f"Invalid backup provided: folder {folder} was not found in container "
            f"{container.uri}.",
        )
    state: Dict[str, Any] = {}
    try:
        for part, file_name in BACKUP_FILES.items():
            state[part] = json.loads((directory / file_name).read_text("utf-8"))
        for record in state["keys"]["versions"]:
            KeyVersion.from_record(record)
    except (OSError, ValueError, KeyError, TypeError) as error:
        raise JobFailure(
            "InvalidBackup", f"Invalid backup provided in folder {folder}: {error}"
        ) from error
    return state


def _write_json(path: Path, data: Any) -> None:
    path.write_text(json.dumps(data, indent=2, sort_keys=True), "utf-8")


def job_body(job: JobRow) -> Dict[str, Any]:
    """Return the status body of ``job`` in wire form (keys unsorted)."""
    error: Optional[Dict[str, str]] = None
    if job.error_code is not None:
        error = {"code": job.error_code, "message": job.error_message or ""}
    body: Dict[str, Any] = {
        "status": job.status,
        "statusDetails": job.status_details,
        "error": error,
        "startTime": job.start_time,
        "endTime": job.end_time,
        "jobId": job.job_id,
    }
    if job.kind == "backup":
        body["azureStorageBlobContainerUri"] = job.container_uri
    return body
