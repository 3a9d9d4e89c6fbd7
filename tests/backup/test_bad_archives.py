"""Archives a restore refuses with one line, writing nothing: truncated, forged, too new."""

from __future__ import annotations

import hashlib
import io
import json
import tarfile
from pathlib import Path

import pytest

from tests.backup.helpers import database, node_app, run, table_names
from tests.backup.test_restore import source  # noqa: F401 - the module's backup

SECRET = b"-----BEGIN PRIVATE KEY----- forged"


def _members(archive: Path) -> list[tuple[tarfile.TarInfo, bytes]]:
    with tarfile.open(archive) as tar:
        return [(m, tar.extractfile(m).read()) for m in tar.getmembers()]


def _write(path: Path, members: list[tuple[tarfile.TarInfo, bytes | None]]) -> Path:
    with tarfile.open(path, "w:gz") as tar:
        for info, data in members:
            if data is None:
                tar.addfile(info)
            else:
                info.size = len(data)
                tar.addfile(info, io.BytesIO(data))
    return path


def _with_manifest(members, change) -> list:
    info, data = members[0]
    manifest = json.loads(data)
    change(manifest)
    return [(info, json.dumps(manifest).encode()), *members[1:]]


def _extra(name: str, kind: bytes = tarfile.REGTYPE, link: str = "") -> tarfile.TarInfo:
    info = tarfile.TarInfo(name)
    info.type, info.linkname = kind, link
    return info


def truncated(archive: Path, path: Path) -> Path:
    data = archive.read_bytes()
    path.write_bytes(data[: len(data) * 2 // 3])
    return path


def parent_path(archive: Path, path: Path) -> Path:
    return _write(path, [*_members(archive), (_extra("../outside.txt"), SECRET)])


def parent_path_in_manifest(archive: Path, path: Path) -> Path:
    entry = {"size": len(SECRET), "sha256": hashlib.sha256(SECRET).hexdigest()}
    members = _with_manifest(_members(archive), lambda m: m["files"].update({"../x": entry}))
    return _write(path, [*members, (_extra("../x"), SECRET)])


def absolute_path(archive: Path, path: Path) -> Path:
    return _write(path, [*_members(archive), (_extra("/tmp/commons-forged.txt"), SECRET)])


def symlink(archive: Path, path: Path) -> Path:
    name = "uploads/ab/" + "ab" * 32
    return _write(path, [*_members(archive), (_extra(name, tarfile.SYMTYPE, "/etc/passwd"), None)])


def hardlink(archive: Path, path: Path) -> Path:
    name = "uploads/ab/" + "ab" * 32
    return _write(path, [*_members(archive), (_extra(name, tarfile.LNKTYPE, "/etc/passwd"), None)])


def tampered(archive: Path, path: Path) -> Path:
    members = _members(archive)
    changed = []
    for info, data in members:
        if info.name == "database/actor.jsonl":
            data = data.replace(b"PRIVATE KEY", b"PRIVATE KEZ")
        changed.append((info, data))
    return _write(path, changed)


def bad_rows(archive: Path, path: Path) -> Path:
    """Rows the database refuses, with a manifest edited to match them."""
    members = _members(archive)
    row = b'{"id": 1, "iri": null}\n'
    entry = {"size": len(row), "sha256": hashlib.sha256(row).hexdigest()}
    members = _with_manifest(members, lambda m: m["files"].update({"database/actor.jsonl": entry}))
    return _write(path, [(i, row if i.name == "database/actor.jsonl" else d) for i, d in members])


def newer_schema(archive: Path, path: Path) -> Path:
    members = _with_manifest(_members(archive), lambda m: m.update(schema_revision="9999"))
    return _write(path, members)


def not_a_backup(archive: Path, path: Path) -> Path:
    path.write_text("id,title\n1,Une expérience\n")
    return path


@pytest.mark.parametrize(
    ("forge", "reason"),
    [
        (truncated, "truncated or damaged"),
        (parent_path, "refused"),
        (parent_path_in_manifest, "unexpected file '../x'"),
        (absolute_path, "refused"),
        (symlink, "is not a regular file"),
        (hardlink, "is not a regular file"),
        (tampered, "does not match the manifest"),
        (bad_rows, "rows cannot be restored"),
        (newer_schema, "schema revision '9999' is unknown"),
        (not_a_backup, "not a backup archive"),
    ],
)
def test_a_bad_archive_is_refused_in_one_line_and_nothing_is_written(
    source,  # noqa: F811
    tmp_path,
    forge,
    reason,
):
    _, _, archive = source
    bad = forge(archive, tmp_path / "bad.tar.gz")
    url = database("test", "refusing", tmp_path / "db")
    target = node_app(tmp_path / "restored", url)

    result = run(target, "restore", str(bad))

    assert result.exit_code != 0
    assert result.stderr.count("\n") == 1 and result.stderr.startswith("Error: "), result.stderr
    assert reason in result.stderr
    assert table_names(url) == []
    assert sorted(p.name for p in (tmp_path / "restored").iterdir()) == ["secret_key"]
    assert not (tmp_path / "outside.txt").exists()
    assert not Path("/tmp/commons-forged.txt").exists()


def test_a_restore_onto_a_node_in_use_is_refused(source, tmp_path):  # noqa: F811
    app, _, archive = source

    result = run(app, "restore", str(archive))

    assert result.exit_code != 0
    assert "is not empty" in result.stderr and result.stderr.count("\n") == 1


def test_a_backup_of_another_address_is_refused(source, tmp_path):  # noqa: F811
    """Its IRIs would not match the node's address: peers would not recognise them."""
    _, _, archive = source
    url = database("test", "elsewhere", tmp_path / "db")
    target = node_app(tmp_path / "restored", url, base_url="http://other.test")

    result = run(target, "restore", str(archive))

    assert result.exit_code != 0
    assert "COMMONS_BASE_URL=http://node.test" in result.stderr
    assert table_names(url) == []
