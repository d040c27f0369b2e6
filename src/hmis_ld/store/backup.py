"""Backups, restores and N-Quads dumps of a store (storage only: nothing of the web API here).

A backup is a folder. Of an embedded store it is Oxigraph's own backup (a RocksDB
checkpoint): one consistent moment, taken by the process that holds the store while it keeps
serving, made of hard links to the store's immutable files when on the same file system;
the folder is itself a store that hmis-ld or `oxigraph serve --location` opens. Of a SPARQL
engine it is `store.nq`, its whole dataset (one snapshot on Oxigraph). A dump is
one N-Quads file (gzip when named `.gz`), for moving to another engine.
"""

from __future__ import annotations

import gzip
import os
import shutil
import tarfile
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import IO

import pyoxigraph as ox

from hmis_ld.store.base import Store
from hmis_ld.store.embedded import EmbeddedStore
from hmis_ld.store.remote import RemoteStore, StoreError

DUMP_NAME = "store.nq"  # the dump inside a backup folder of a SPARQL engine
BLOCK = 1 << 20


class BackupError(Exception):
    """A backup, restore or dump that cannot be done as asked; says what to do instead."""


def refusal(store: Store) -> str | None:
    """Why `store` cannot be backed up, if it cannot."""
    if isinstance(store, EmbeddedStore) and store.path is None:
        return "an in-memory store has no folder to back up: dump it instead"
    return None


def backup(store: Store, target: str | Path) -> Path:
    """A consistent copy of `store` in the new (or empty) folder `target`, taken while the
    store keeps serving."""
    if (why := refusal(store)) is not None:
        raise BackupError(why)
    target = _new_folder(target)
    if isinstance(store, EmbeddedStore):
        target.rmdir()  # Oxigraph creates the folder itself
        store.checkpoint(target)
    else:
        dump(store, target / DUMP_NAME)
    return target


def dump(store: Store, file: str | Path) -> None:
    """Every quad, the default graph's included, as N-Quads (gzip for a `.gz` name) in the new
    file `file`; a dump that fails leaves no file."""
    file = Path(file)
    if file.exists():
        raise BackupError(f"{file} already exists")
    try:
        with _open(file, "xb") as out:
            if not isinstance(store, EmbeddedStore | RemoteStore):
                raise BackupError(f"cannot dump a {type(store).__name__}")
            store.write_nquads(out)
    except StoreError as exc:
        file.unlink(missing_ok=True)
        raise BackupError(str(exc)) from None
    except BaseException:
        file.unlink(missing_ok=True)
        raise


def restore_folder(source: str | Path, folder: str | Path, *, force: bool = False) -> None:
    """Restore a backup or a dump into the embedded store folder `folder`: new, empty, or
    (with `force`) a store whose data it replaces. The restore is built beside `folder` and
    moved into place at the end, so one that fails leaves `folder` as it was."""
    source, folder = Path(source), Path(folder)
    _check_source(source)
    if folder.exists() and any(folder.iterdir()):
        if not is_store_folder(folder):
            raise BackupError(f"{folder} holds files but no store: restore into a new folder")
        existing = EmbeddedStore(folder)  # a store that a server holds stops here (StoreHeld)
        empty = existing.is_empty()
        existing.close()
        if not (empty or force):
            raise BackupError(f"the store {folder} holds data: restore into a new folder, or give --force to "
                              "replace its data with the backup's")
    folder.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{folder.name}.restoring-", dir=folder.parent))
    try:
        if is_folder_backup(source):  # a store folder: its files are the restore
            shutil.copytree(source, staging / "store", ignore=shutil.ignore_patterns("LOCK"))
        else:
            store = EmbeddedStore(staging / "store")
            try:
                _load(source, store)
            finally:
                store.close()
        if folder.exists():
            shutil.rmtree(folder)
        (staging / "store").rename(folder)
    finally:
        shutil.rmtree(staging, ignore_errors=True)


def restore_store(source: str | Path, store: Store, *, force: bool = False) -> None:
    """Restore a backup or a dump into `store` (a SPARQL engine): empty, or (with `force`)
    emptied first."""
    source = Path(source)
    _check_source(source)
    if not store.is_empty():
        if not force:
            raise BackupError("the store holds data: restore into an empty store, or give --force to replace "
                              "its data with the backup's")
        store.update("DROP ALL")
    _load(source, store)


def _check_source(source: Path) -> None:
    if not is_folder_backup(source):
        dump_file(source)  # says what is wrong with it


def _load(source: Path, store: Store) -> None:
    if is_folder_backup(source):
        store.bulk_load(ox.Store.read_only(str(source)).quads_for_pattern(None, None, None, None))
    else:
        with _open(dump_file(source), "rb") as data:
            try:
                store.bulk_load(ox.parse(data, format=ox.RdfFormat.N_QUADS))
            except (SyntaxError, OSError, EOFError) as exc:  # gzip's errors are OSError and EOFError
                raise BackupError(f"{source} is not a readable N-Quads dump: {exc}") from None
    store.optimize()


def is_folder_backup(source: Path) -> bool:
    """Whether `source` is an embedded store's backup (a store folder), not a dump."""
    return source.is_dir() and is_store_folder(source)


def dump_file(source: Path) -> Path:
    """The N-Quads file of a dump or of a SPARQL engine's backup folder."""
    if source.is_dir():
        for name in (DUMP_NAME, DUMP_NAME + ".gz"):
            if (source / name).is_file():
                return source / name
        raise BackupError(f"{source} is neither a backup folder nor holds {DUMP_NAME}")
    if not source.is_file():
        raise BackupError(f"no backup or dump at {source}")
    return source


def is_store_folder(folder: Path) -> bool:
    """A RocksDB folder: its CURRENT file names its MANIFEST (a backup has no IDENTITY file)."""
    return (folder / "CURRENT").is_file() and any(folder.glob("MANIFEST-*"))


def tar_stream(store: Store) -> Iterator[bytes]:
    """A backup of `store` as an uncompressed tar stream of its files, for sending while the
    store serves. The backup is taken before the first chunk; its temporary folder is beside
    the store's (hard links, no copy) and goes when the stream ends or is abandoned."""
    beside = store.path.parent if isinstance(store, EmbeddedStore) and store.path is not None else None
    scratch = Path(tempfile.mkdtemp(prefix=".hmis-ld-backup-", dir=beside))
    try:
        folder = backup(store, scratch / "backup")
    except BaseException:
        shutil.rmtree(scratch, ignore_errors=True)
        raise
    return _tar_chunks(folder, scratch)


def _tar_chunks(folder: Path, scratch: Path) -> Iterator[bytes]:
    try:
        for path in sorted(folder.iterdir()):
            if not path.is_file() or path.name == "LOCK":
                continue
            info = tarfile.TarInfo(path.name)
            info.size, info.mtime, info.mode = path.stat().st_size, int(path.stat().st_mtime), 0o600
            yield info.tobuf(format=tarfile.PAX_FORMAT)
            with path.open("rb") as f:
                while block := f.read(BLOCK):
                    yield block
            if info.size % tarfile.BLOCKSIZE:
                yield tarfile.NUL * (tarfile.BLOCKSIZE - info.size % tarfile.BLOCKSIZE)
        yield tarfile.NUL * (2 * tarfile.BLOCKSIZE)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


def untar(stream: IO[bytes], target: str | Path) -> int:
    """Write the files of a backup's tar stream into the new (or empty) folder `target`;
    the number of files. Only plain files with plain names are written: a stream cannot
    place anything outside `target`."""
    target = _new_folder(target)
    written: list[Path] = []
    try:
        with tarfile.open(fileobj=stream, mode="r|") as archive:
            for member in archive:
                if not member.isfile() or member.name != os.path.basename(member.name) or member.name in (".", ".."):
                    raise BackupError(f"not a backup: the archive holds {member.name!r}")
                source = archive.extractfile(member)
                assert source is not None  # a regular file
                written.append(target / member.name)
                with written[-1].open("xb") as out:
                    shutil.copyfileobj(source, out, BLOCK)
        if not written:
            raise BackupError("not a backup: the archive is empty")
    except BaseException:  # a stream cut short leaves no half backup behind
        for path in written:
            path.unlink(missing_ok=True)
        raise
    return len(written)


def _new_folder(target: str | Path) -> Path:
    """`target`, created, or refused when it already holds anything."""
    target = Path(target)
    if target.exists() and (not target.is_dir() or any(target.iterdir())):
        raise BackupError(f"{target} already exists and is not an empty folder")
    target.mkdir(parents=True, exist_ok=True)
    return target


def _open(file: str | Path, mode: str) -> IO[bytes]:
    # level 6: most of level 9's size at a fraction of its time
    return gzip.open(file, mode, compresslevel=6) if str(file).endswith(".gz") else open(file, mode)


