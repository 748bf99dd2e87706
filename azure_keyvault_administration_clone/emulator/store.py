"""SQLite persistence of the emulator's state.

One connection serves every thread, guarded by a re-entrant lock, so each
method runs as one atomic step. Multi-step changes use :meth:`Store.transaction`.
"""

from __future__ import annotations

import json
import sqlite3
import threading
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Dict, Iterator, List, Optional, Tuple, Union

SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (
    key TEXT PRIMARY KEY,
    value TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS role_definitions (
    name TEXT PRIMARY KEY COLLATE NOCASE,
    body TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS role_assignments (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    name TEXT NOT NULL UNIQUE COLLATE NOCASE,
    scope TEXT NOT NULL,
    principal_id TEXT NOT NULL,
    role_definition_id TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS settings (
    name TEXT PRIMARY KEY,
    value TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS key_versions (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    name TEXT NOT NULL COLLATE NOCASE,
    version TEXT NOT NULL,
    kty TEXT NOT NULL,
    material TEXT NOT NULL,
    key_ops TEXT NOT NULL,
    attributes TEXT NOT NULL,
    tags TEXT,
    UNIQUE (name, version)
);
CREATE TABLE IF NOT EXISTS deleted_keys (
    name TEXT PRIMARY KEY COLLATE NOCASE,
    deleted_date INTEGER NOT NULL,
    scheduled_purge_date INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS jobs (
    job_id TEXT PRIMARY KEY,
    kind TEXT NOT NULL,
    operation TEXT NOT NULL,
    status TEXT NOT NULL,
    status_details TEXT,
    error_code TEXT,
    error_message TEXT,
    start_time INTEGER NOT NULL,
    end_time INTEGER,
    container_uri TEXT
);
"""


@dataclass(frozen=True)
class KeyVersion:
    """One stored version of a key.

    :ivar material: JSON with the private key (``pem`` for RSA and EC, ``k`` for
        oct) and, for EC, the curve name.
    :ivar attributes: Key Vault ``attributes`` object in wire form.
    """

    name: str
    version: str
    kty: str
    material: str
    key_ops: List[str]
    attributes: Dict[str, Any]
    tags: Optional[Dict[str, str]]

    def to_record(self) -> Dict[str, Any]:
        """Return the JSON form used in backup folders."""
        return {
            "attributes": self.attributes,
            "keyOps": self.key_ops,
            "kty": self.kty,
            "material": self.material,
            "name": self.name,
            "tags": self.tags,
            "version": self.version,
        }

    @classmethod
    def from_record(cls, record: Dict[str, Any]) -> KeyVersion:
        """Rebuild a version from :meth:`to_record` output."""
        return cls(
            name=str(record["name"]),
            version=str(record["version"]),
            kty=str(record["kty"]),
            material=str(record["material"]),
            key_ops=list(record["keyOps"]),
            attributes=dict(record["attributes"]),
            tags=record.get("tags"),
        )


@dataclass(frozen=True)
class DeletedState:
    """Soft-delete timestamps of a key, in Unix seconds."""

    deleted_date: int
    scheduled_purge_date: int


@dataclass(frozen=True)
class AssignmentRow:
    """A stored role assignment."""

    name: str
    scope: str
    principal_id: str
    role_definition_id: str


@dataclass
class JobRow:
    """A stored backup or restore job.

    :ivar kind: ``backup`` or ``restore``: the first segment of the status URL.
    :ivar operation: ``backup``, ``prebackup``, ``restore``, ``prerestore`` or
        ``selective``.
    """

    job_id: str
    kind: str
    operation: str
    status: str
    status_details: Optional[str]
    error_code: Optional[str]
    error_message: Optional[str]
    start_time: int
    end_time: Optional[int]
    container_uri: Optional[str]


class Store:
    """Tables of one emulator instance.

    :param database: Path of the SQLite file, or ``None`` for an in-memory database.
    """

    def __init__(self, database: Optional[Path]) -> None:
        target = ":memory:" if database is None else str(database)
        self._lock = threading.RLock()
        self._connection = sqlite3.connect(
            target, check_same_thread=False, isolation_level=None
        )
        self._connection.row_factory = sqlite3.Row
        with self._lock:
            if database is not None:
                self._connection.execute("PRAGMA journal_mode=WAL")
            self._connection.executescript(SCHEMA)

    def close(self) -> None:
        """Close the connection."""
        with self._lock:
            self._connection.close()

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """Hold the lock and run the body in one SQLite transaction."""
        with self._lock:
            self._connection.execute("BEGIN IMMEDIATE")
            try:
                yield self._connection
            except BaseException:
                self._connection.execute("ROLLBACK")
                raise
            self._connection.execute("COMMIT")

    def _query(self, sql: str, parameters: Tuple[Any, ...] = ()) -> List[sqlite3.Row]:
        with self._lock:
            return self._connection.execute(sql, parameters).fetchall()

    # -- meta --------------------------------------------------------------

    def get_meta(self, key: str) -> Optional[str]:
        """Return a stored meta value, or ``None``."""
        rows = self._query("SELECT value FROM meta WHERE key = ?", (key,))
        return str(rows[0]["value"]) if rows else None

    def get_or_create_meta(self, key: str, default: str) -> str:
        """Return the meta value for ``key``, storing ``default`` if it is unset."""
        with self.transaction() as connection:
            connection.execute(
                "INSERT OR IGNORE INTO meta (key, value) VALUES (?, ?)", (key, default)
            )
            row = connection.execute(
                "SELECT value FROM meta WHERE key = ?", (key,)
            ).fetchone()
        return str(row["value"])

    # -- role definitions --------------------------------------------------

    def list_role_definitions(self) -> List[Dict[str, Any]]:
        """Return the custom role definitions in wire form, in creation order."""
        rows = self._query("SELECT body FROM role_definitions ORDER BY rowid")
        return [json.loads(row["body"]) for row in rows]

    def get_role_definition(self, name: str) -> Optional[Dict[str, Any]]:
        """Return a custom role definition, or ``None``."""
        rows = self._query("SELECT body FROM role_definitions WHERE name = ?", (name,))
        return json.loads(rows[0]["body"]) if rows else None

    def put_role_definition(self, name: str, body: Dict[str, Any]) -> None:
        """Create or replace a custom role definition."""
        with self.transaction() as connection:
            connection.execute(
                "INSERT INTO role_definitions (name, body) VALUES (?, ?) "
                "ON CONFLICT (name) DO UPDATE SET body = excluded.body",
                (name, json.dumps(body)),
            )

    def delete_role_definition(self, name: str) -> Optional[Dict[str, Any]]:
        """Delete a custom role definition and return it, or ``None`` if absent."""
        with self.transaction() as connection:
            row = connection.execute(
                "SELECT body FROM role_definitions WHERE name = ?", (name,)
            ).fetchone()
            if row is None:
                return None
            connection.execute("DELETE FROM role_definitions WHERE name = ?", (name,))
        body: Dict[str, Any] = json.loads(row["body"])
        return body

    # -- role assignments --------------------------------------------------

    def list_assignments(self) -> List[AssignmentRow]:
        """Return every role assignment in creation order."""
        rows = self._query(
            "SELECT name, scope, principal_id, role_definition_id "
            "FROM role_assignments ORDER BY seq"
        )
        return [_assignment_from_row(row) for row in rows]

    def get_assignment(self, name: str) -> Optional[AssignmentRow]:
        """Return a role assignment by name, or ``None``."""
        rows = self._query(
            "SELECT name, scope, principal_id, role_definition_id "
            "FROM role_assignments WHERE name = ?",
            (name,),
        )
        return _assignment_from_row(rows[0]) if rows else None

    def insert_assignment(self, row: AssignmentRow) -> Optional[AssignmentRow]:
        """Insert ``row`` unless its name exists; return the existing row if it does."""
        with self.transaction() as connection:
            existing = connection.execute(
                "SELECT name, scope, principal_id, role_definition_id "
                "FROM role_assignments WHERE name = ?",
                (row.name,),
            ).fetchone()
            if existing is not None:
                return _assignment_from_row(existing)
            connection.execute(
                "INSERT INTO role_assignments "
                "(name, scope, principal_id, role_definition_id) "
                "VALUES (?, ?, ?, ?)",
                (row.name, row.scope, row.principal_id, row.role_definition_id),
            )
        return None

    def delete_assignment(self, name: str) -> Optional[AssignmentRow]:
        """Delete a role assignment and return it, or ``None`` if absent."""
        with self.transaction() as connection:
            existing = connection.execute(
                "SELECT name, scope, principal_id, role_definition_id "
                "FROM role_assignments WHERE name = ?",
                (name,),
            ).fetchone()
            if existing is None:
                return None
            connection.execute("DELETE FROM role_assignments WHERE name = ?", (name,))
        return _assignment_from_row(existing)

    # -- settings ----------------------------------------------------------

    def get_setting(self, name: str) -> Optional[str]:
        """Return a stored setting value, or ``None`` when it still has its default."""
        rows = self._query("SELECT value FROM settings WHERE name = ?", (name,))
        return str(rows[0]["value"]) if rows else None

    def set_setting(self, name: str, value: str) -> None:
        """Store a setting value."""
        with self.transaction() as connection:
            connection.execute(
                "INSERT INTO settings (name, value) VALUES (?, ?) "
                "ON CONFLICT (name) DO UPDATE SET value = excluded.value",
                (name, value),
            )

    # -- keys --------------------------------------------------------------

    def add_key_version(self, key: KeyVersion) -> None:
        """Store a new version of a key."""
        with self.transaction() as connection:
            _insert_key_version(connection, key)

    def key_versions(self, name: str) -> List[KeyVersion]:
        """Return every version of ``name``, oldest first (empty if unknown)."""
        rows = self._query(
            "SELECT * FROM key_versions WHERE name = ? ORDER BY seq", (name,)
        )
        return [_key_from_row(row) for row in rows]

    def latest_keys(self, *, deleted: bool) -> List[KeyVersion]:
        """Return the newest version of every active (or every deleted) key."""
        membership = "IN" if deleted else "NOT IN"
        rows = self._query(
            "SELECT * FROM key_versions WHERE seq IN "
            "(SELECT MAX(seq) FROM key_versions GROUP BY name COLLATE NOCASE) "
            f"AND name {membership} (SELECT name FROM deleted_keys) ORDER BY name"
        )
        return [_key_from_row(row) for row in rows]

    def deleted_state(self, name: str) -> Optional[DeletedState]:
        """Return the soft-delete state of ``name``, or ``None`` if not deleted."""
        rows = self._query(
            "SELECT deleted_date, scheduled_purge_date FROM deleted_keys "
            "WHERE name = ?",
            (name,),
        )
        if not rows:
            return None
        return DeletedState(
            int(rows[0]["deleted_date"]), int(rows[0]["scheduled_purge_date"])
        )

    def mark_deleted(self, name: str, state: DeletedState) -> None:
        """Put ``name`` into the soft-deleted state."""
        with self.transaction() as connection:
            connection.execute(
                "INSERT OR REPLACE INTO deleted_keys "
                "(name, deleted_date, scheduled_purge_date) "
                "VALUES (?, ?, ?)",
                (name, state.deleted_date, state.scheduled_purge_date),
            )

    def recover(self, name: str) -> None:
        """Take ``name`` out of the soft-deleted state."""
        with self.transaction() as connection:
            connection.execute("DELETE FROM deleted_keys WHERE name = ?", (name,))

    def purge(self, name: str) -> None:
        """Remove every version and the soft-delete state of ``name``."""
        with self.transaction() as connection:
            connection.execute("DELETE FROM key_versions WHERE name = ?", (name,))
            connection.execute("DELETE FROM deleted_keys WHERE name = ?", (name,))

    def restore_key(self, versions: List[KeyVersion]) -> Tuple[int, int]:
        """Restore backed-up versions of one key and return (restored, not overwritten).

        Versions of a key that currently exists and is not deleted are never
        overwritten. A deleted key is replaced by the backed-up versions.
        """
        if not versions:
            return (0, 0)
        name = versions[0].name
        with self.transaction() as connection:
            present = connection.execute(
                "SELECT COUNT(*) AS n FROM key_versions WHERE name = ?", (name,)
            ).fetchone()["n"]
            deleted = connection.execute(
                "SELECT 1 FROM deleted_keys WHERE name = ?", (name,)
            ).fetchone()
            if present and deleted is None:
                return (0, len(versions))
            connection.execute("DELETE FROM key_versions WHERE name = ?", (name,))
            connection.execute("DELETE FROM deleted_keys WHERE name = ?", (name,))
            for version in versions:
                _insert_key_version(connection, version)
        return (len(versions), 0)

    # -- whole-state snapshot ------------------------------------------------

    def export_state(self) -> Dict[str, Any]:
        """Return keys, custom roles, assignments and settings as JSON-ready data."""
        with self._lock:
            keys = [
                _key_from_row(row).to_record()
                for row in self._connection.execute(
                    "SELECT * FROM key_versions ORDER BY seq"
                )
            ]
            deleted = {
                str(row["name"]): {
                    "deletedDate": int(row["deleted_date"]),
                    "scheduledPurgeDate": int(row["scheduled_purge_date"]),
                }
                for row in self._connection.execute("SELECT * FROM deleted_keys")
            }
            return {
                "keys": {"versions": keys, "deleted": deleted},
                "roleDefinitions": self.list_role_definitions(),
                "roleAssignments": [
                    {
                        "name": row.name,
                        "principalId": row.principal_id,
                        "roleDefinitionId": row.role_definition_id,
                        "scope": row.scope,
                    }
                    for row in self.list_assignments()
                ],
                "settings": {
                    str(row["name"]): str(row["value"])
                    for row in self._connection.execute("SELECT * FROM settings")
                },
            }

    def replace_state(self, state: Dict[str, Any]) -> None:
        """Replace keys, custom roles, assignments and settings with ``state``.

        ``state`` has the shape of :meth:`export_state`. Nothing changes when any
        part of it is malformed.
        """
        versions = [
            KeyVersion.from_record(record) for record in state["keys"]["versions"]
        ]
        deleted = {
            str(name): DeletedState(
                int(value["deletedDate"]), int(value["scheduledPurgeDate"])
            )
            for name, value in state["keys"]["deleted"].items()
        }
        definitions = [dict(body) for body in state["roleDefinitions"]]
        assignments = [
            AssignmentRow(
                name=str(item["name"]),
                scope=str(item["scope"]),
                principal_id=str(item["principalId"]),
                role_definition_id=str(item["roleDefinitionId"]),
            )
            for item in state["roleAssignments"]
        ]
        settings = {str(name): str(value) for name, value in state["settings"].items()}
        with self.transaction() as connection:
            for table in (
                "key_versions",
                "deleted_keys",
                "role_definitions",
                "role_assignments",
                "settings",
            ):
                connection.execute(f"DELETE FROM {table}")
            for version in versions:
                _insert_key_version(connection, version)
            for name, deleted_state in deleted.items():
                connection.execute(
                    "INSERT INTO deleted_keys "
                    "(name, deleted_date, scheduled_purge_date) "
                    "VALUES (?, ?, ?)",
                    (
                        name,
                        deleted_state.deleted_date,
                        deleted_state.scheduled_purge_date,
                    ),
                )
            for body in definitions:
                connection.execute(
                    "INSERT INTO role_definitions (name, body) VALUES (?, ?)",
                    (str(body["name"]), json.dumps(body)),
                )
            for row in assignments:
                connection.execute(
                    "INSERT INTO role_assignments "
                    "(name, scope, principal_id, role_definition_id) "
                    "VALUES (?, ?, ?, ?)",
                    (row.name, row.scope, row.principal_id, row.role_definition_id),
                )
            for name, value in settings.items():
                connection.execute(
                    "INSERT INTO settings (name, value) VALUES (?, ?)", (name, value)
                )

    # -- jobs --------------------------------------------------------------

    def insert_job_if_idle(self, job: JobRow) -> Optional[str]:
        """Insert ``job`` unless a job is in progress; else return that job's id."""
        with self.transaction() as connection:
            running = connection.execute(
                "SELECT job_id FROM jobs WHERE status = 'InProgress' LIMIT 1"
            ).fetchone()
            if running is not None:
                return str(running["job_id"])
            connection.execute(
                "INSERT INTO jobs VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                _job_values(job),
            )
        return None

    def update_job(self, job: JobRow) -> None:
        """Store the current fields of ``job``."""
        with self.transaction() as connection:
            connection.execute(
                "UPDATE jobs SET status = ?, status_details = ?, error_code = ?, "
                "error_message = ?, end_time = ?, container_uri = ? WHERE job_id = ?",
                (
                    job.status,
                    job.status_details,
                    job.error_code,
                    job.error_message,
                    job.end_time,
                    job.container_uri,
                    job.job_id,
                ),
            )

    def get_job(self, job_id: str) -> Optional[JobRow]:
        """Return a job by id, or ``None``."""
        rows = self._query("SELECT * FROM jobs WHERE job_id = ?", (job_id,))
        if not rows:
            return None
        row = rows[0]
        return JobRow(
            job_id=str(row["job_id"]),
            kind=str(row["kind"]),
            operation=str(row["operation"]),
            status=str(row["status"]),
            status_details=row["status_details"],
            error_code=row["error_code"],
            error_message=row["error_message"],
            start_time=int(row["start_time"]),
            end_time=None if row["end_time"] is None else int(row["end_time"]),
            container_uri=row["container_uri"],
        )

    def fail_unfinished_jobs(self, end_time: int, message: str) -> List[str]:
        """Mark every in-progress job Failed (after a restart) and return their ids."""
        with self.transaction() as connection:
            rows = connection.execute(
                "SELECT job_id FROM jobs WHERE status = 'InProgress'"
            ).fetchall()
            connection.execute(
                "UPDATE jobs SET status = 'Failed', status_details = ?, "
                "error_code = 'InternalError', error_message = ?, end_time = ? "
                "WHERE status = 'InProgress'",
                (message, message, end_time),
            )
        return [str(row["job_id"]) for row in rows]


def _assignment_from_row(row: sqlite3.Row) -> AssignmentRow:
    return AssignmentRow(
        name=str(row["name"]),
        scope=str(row["scope"]),
        principal_id=str(row["principal_id"]),
        role_definition_id=str(row["role_definition_id"]),
    )


def _key_from_row(row: sqlite3.Row) -> KeyVersion:
    tags = row["tags"]
    return KeyVersion(
        name=str(row["name"]),
        version=str(row["version"]),
        kty=str(row["kty"]),
        material=str(row["material"]),
        key_ops=json.loads(row["key_ops"]),
        attributes=json.loads(row["attributes"]),
        tags=None if tags is None else json.loads(tags),
    )


def _insert_key_version(connection: sqlite3.Connection, key: KeyVersion) -> None:
    connection.execute(
        "INSERT INTO key_versions "
        "(name, version, kty, material, key_ops, attributes, tags) "
        "VALUES (?, ?, ?, ?, ?, ?, ?)",
        (
            key.name,
            key.version,
            key.kty,
            key.material,
            json.dumps(key.key_ops),
            json.dumps(key.attributes),
            None if key.tags is None else json.dumps(key.tags),
        ),
    )


def _job_values(job: JobRow) -> Tuple[Union[str, int, None], ...]:
    return (
        job.job_id,
        job.kind,
        job.operation,
        job.status,
        job.status_details,
        job.error_code,
        job.error_message,
        job.start_time,
        job.end_time,
        job.container_uri,
    )
