"""The demo's TOML data files and their loader (server/demo/load.py)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from server.cli import commons
from server.demo import content, load
from server.demo.load import SET_NAMES, DemoDataError, load_set
from vocab.thesaurus import default_themes


@pytest.fixture
def data_copy(tmp_path: Path) -> Path:
    """A copy of the demo data folder that a test may break."""
    return Path(shutil.copytree(load.DATA_DIR, tmp_path / "data"))


@pytest.mark.parametrize("name", SET_NAMES)
def test_every_set_loads_with_its_references_resolved(name):
    """Each set loads; its items name themes of the thesaurus and places and experiences it has."""
    content_set = load_set(name)
    theme_slugs = {theme.id.rsplit("/", 1)[-1].rsplit("#", 1)[-1] for theme in default_themes()}
    places = {territory["slug"] for territory in content_set["TERRITORIES"]}
    experiences = {entry["slug"] for entry in content_set["EXPERIENCES"]}
    items = content_set["EXPERIENCES"] + content_set["PRINCIPLES"] + content_set["RESOURCES"]
    assert items and content_set["NODE"]["name"]["fr"]
    for entry in items:
        assert set(entry["themes"]) <= theme_slugs, entry["slug"]
        assert set(entry.get("territories", [])) <= places, entry["slug"]
        assert set(entry.get("derived_from", [])) <= experiences, entry["slug"]
    for territory in content_set["TERRITORIES"]:
        assert territory.get("parent") in places | {None}, territory["slug"]
    assert all("url" in resource for resource in content_set["RESOURCES"])  # None if not given


def test_the_default_set_is_set_a():
    """The names seed_demo reads from server.demo.content are set "a"."""
    expected = load_set("a")
    for part in ("NODE", "TERRITORIES", "EXPERIENCES", "PRINCIPLES", "RESOURCES"):
        assert getattr(content, part) == expected[part]


def test_markdown_and_wrapped_lines_read_back_as_written():
    """A narrative keeps its line breaks; a wrapped summary reads back as one line."""
    loos = load_set("a")["EXPERIENCES"][0]
    assert loos["narrative"]["fr"].startswith("## Une commune parmi les quatre fondatrices\n\n")
    assert loos["narrative"]["fr"].endswith("restent à raconter par leurs acteurs.\n")
    assert "\n" not in loos["summary"]["fr"] and "  " not in loos["summary"]["fr"]
    assert "la Fabrique des transitions. La fiche" in loos["summary"]["fr"]


def test_a_toml_syntax_error_names_the_file(data_copy):
    """A file that does not parse gives one line naming the file and the place of the error."""
    broken = data_copy / "b" / "principles.toml"
    broken.write_text(broken.read_text() + "\nslug = \n")
    with pytest.raises(DemoDataError) as error:
        load_set("b", data_copy)
    message = str(error.value)
    assert message.startswith(f"{broken}: ") and "line" in message
    assert "\n" not in message


def test_a_missing_required_key_names_the_file_the_entry_and_the_key(data_copy):
    """An item without a required key is refused before it reaches seed_demo."""
    path = data_copy / "c" / "resources.toml"
    text = path.read_text()
    path.write_text(text.replace('resource_type = "', 'kind_of_resource = "', 1))
    with pytest.raises(DemoDataError) as error:
        load_set("c", data_copy)
    message = str(error.value)
    assert message.startswith(f"{path}: [[resource]] number 1 (")
    assert "lacks required key(s) ['resource_type']" in message


@pytest.mark.parametrize(
    ("relative", "old", "new", "expected"),
    [
        ("a/node.toml", '"lille",', '"atlantis",', "territories not in"),
        ("a/experiences.toml", "lessons.fr", "lesson.fr", "unknown key(s) ['lesson']"),
        ("a/principles.toml", 'language = "fr"', "language = 1", "'language' must be a string"),
        ("b/experiences.toml", '"2021-04-19"', "2021-04-19", "'period_start' must be a date"),
        ("c/resources.toml", "[[resource]]", 'note = "x"\n[[resource]]', "top-level keys ['note']"),
    ],
)
def test_content_that_does_not_fit_the_schema_names_the_file(
    data_copy, relative, old, new, expected
):
    """Unknown places and keys, wrong value types and wrong tables are each one line."""
    path = data_copy / relative
    text = path.read_text()
    assert old in text
    path.write_text(text.replace(old, new, 1))
    with pytest.raises(DemoDataError, match=r"^\S+\.toml: ") as error:
        load_set(relative.split("/")[0] if "/" in relative else "a", data_copy)
    assert expected in str(error.value) and str(path) in str(error.value)


def test_a_missing_file_names_it(data_copy):
    """A set without one of its files says which."""
    (data_copy / "a" / "resources.toml").unlink()
    with pytest.raises(DemoDataError, match="resources.toml: No such file"):
        load_set("a", data_copy)


def test_seed_demo_reports_a_broken_file_in_one_line(runner, data_copy, monkeypatch):
    """`commons seed-demo` stops with an error line naming the file, not a traceback."""
    broken = data_copy / "b" / "node.toml"
    broken.write_text("[node\n")
    monkeypatch.setattr(load, "DATA_DIR", data_copy)
    result = runner.invoke(commons, ["seed-demo", "--set", "b"])
    assert result.exit_code == 1
    assert result.output.startswith(f"Error: {broken}: ")
    assert result.output.count("\n") == 1 and "Traceback" not in result.output
