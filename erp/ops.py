"""Backups (issue #20): `manage.py backup DIR` writes the PostgreSQL database as a pg_dump
custom-format archive, the uploaded files as a tar archive and a manifest with the row count of
every table; `manage.py restore DIR` loads them into the (empty) database of DATABASE_URL and
checks the row counts against the manifest. pg_dump/pg_restore are PostgreSQL's own tools: the
dump is consistent (one snapshot) while the application keeps running.
"""

from __future__ import annotations

import json
import os
import subprocess
import tarfile
from pathlib import Path

from django.conf import settings
from django.db import connections

DUMP = "database.dump"
MEDIA = "media.tar.gz"
MANIFEST = "manifest.json"


class BackupError(Exception):
    pass


def _pg_env(alias: str = "default") -> tuple[list[str], dict[str, str]]:
    cfg = settings.DATABASES[alias]
    if not cfg["ENGINE"].endswith("postgresql"):
        raise BackupError("backup and restore need PostgreSQL (DATABASE_URL=postgres://…)")
    env = dict(os.environ)
    if cfg.get("PASSWORD"):
        env["PGPASSWORD"] = str(cfg["PASSWORD"])
    args = ["-h", str(cfg.get("HOST") or "127.0.0.1"), "-p", str(cfg.get("PORT") or 5432)]
    if cfg.get("USER"):
        args += ["-U", str(cfg["USER"])]
    return args + ["-d", str(cfg["NAME"])], env


def table_counts(alias: str = "default") -> dict[str, int]:
    """Rows per table of the public schema (exact counts, one statement)."""
    with connections[alias].cursor() as cur:
        cur.execute("SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY tablename")
        tables = [r[0] for r in cur.fetchall()]
        if not tables:
            return {}
        sql = " UNION ALL ".join(f"SELECT %s, count(*) FROM {connections[alias].ops.quote_name(t)}" for t in tables)
        cur.execute(sql, tables)
        return {name: int(n) for name, n in cur.fetchall()}


def backup(target: Path) -> dict:
    target.mkdir(parents=True, exist_ok=True)
    conn_args, env = _pg_env()
    counts = table_counts()
    out = subprocess.run(
        ["pg_dump", "--format=custom", "--no-owner", "--no-privileges", "-f", str(target / DUMP), *conn_args],
        env=env,
        capture_output=True,
        text=True,
    )
    if out.returncode:
        raise BackupError(out.stderr.strip() or "pg_dump failed")
    media = Path(settings.MEDIA_ROOT)
    with tarfile.open(target / MEDIA, "w:gz") as tar:
        if media.exists():
            tar.add(media, arcname="media")
    manifest = {"tables": counts, "database": DUMP, "media": MEDIA}
    (target / MANIFEST).write_text(json.dumps(manifest, indent=1, sort_keys=True), encoding="utf-8")
    return manifest


def restore(source: Path, *, media_root: Path | None = None) -> dict[str, tuple[int, int]]:
    """Load a backup into the empty database of DATABASE_URL; returns the tables whose row
    counts differ from the manifest (expected, found) — empty when the round trip is exact."""
    manifest = json.loads((source / MANIFEST).read_text(encoding="utf-8"))
    if any(table_counts().values()):
        raise BackupError("the target database is not empty: restore into a new database")
    conn_args, env = _pg_env()
    out = subprocess.run(
        [
            "pg_restore",
            "--no-owner",
            "--no-privileges",
            "--clean",
            "--if-exists",
            "--exit-on-error",
            *conn_args,
            str(source / DUMP),
        ],
        env=env,
        capture_output=True,
        text=True,
    )
    if out.returncode:
        raise BackupError(out.stderr.strip() or "pg_restore failed")
    media_root = Path(media_root or settings.MEDIA_ROOT)
    with tarfile.open(source / MEDIA, "r:gz") as tar:
        members = [m for m in tar.getmembers() if m.name.startswith("media")]
        media_root.mkdir(parents=True, exist_ok=True)
        for m in members:
            m.name = m.name[len("media") :].lstrip("/") or "."
        tar.extractall(media_root, members=members, filter="data")
    found = table_counts()
    return {t: (n, found.get(t, 0)) for t, n in manifest["tables"].items() if found.get(t, 0) != n}
