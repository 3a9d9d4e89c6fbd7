"""Every form, driven with empty, oversized and malformed values: never a 500, always a reason."""

from __future__ import annotations

from urllib.parse import urlsplit

import pytest
from sqlalchemy import func, select

from server.extensions import db
from server.models import Item, Territory, Theme
from server.models.item import item_territory, item_theme
from tests.conftest import make_user
from tests.server.factories import make_item, make_territory, make_theme

CC = "https://creativecommons.org/licenses/by-sa/4.0/"
BIG = "x" * 200_000
MANY = "\n".join(f"Entry {n}" for n in range(10_000))
TEXTS = {
    "experience": ["title", "summary", "body", "circumstances", "lessons", "limits"],
    "principle": ["title", "summary", "body"],
    "resource": ["title", "summary", "body"],
}
ITEM = {"language": "fr", "license": CC, "title_fr": "Titre", "resource_type": "guide"}


@pytest.fixture
def world(admin_client, node):
    """An admin, and one of every record a form can edit."""
    region = make_territory(node, "Région")
    with node.app_context():
        ids = {"territory": Territory.by_slug(region).id}
    theme = make_theme(node, "Thème", "Theme")
    with node.app_context():
        ids["theme"] = Theme.by_slug(theme).id
    paths = {kind: make_item(node, kind, f"{kind} existant") for kind in TEXTS}
    with node.app_context():
        ids["experience"] = Item.by_slug("experience", "experience-existant").id
    ids["user"] = make_user(node, "member@example.org", "reader")
    return {
        "app": node,
        "client": admin_client,
        "ids": ids,
        "paths": paths,
        "theme": theme,
        "territory": region,
    }


def item_forms(world):
    """Yield (form path, kind) for every new-item and edit-item form."""
    for kind, path in world["paths"].items():
        yield f"/{path.split('/')[1]}/new", kind
        yield f"{path}/edit", kind


def post(world, path: str, data: dict, lang: str = "en"):
    response = world["client"].post(f"{path}?lang={lang}", data=data)
    assert response.status_code < 500, (path, response.status_code)
    return response, response.get_data(as_text=True)


def assert_refused(response, page: str, message: str) -> None:
    assert response.status_code in {400, 413, 422, 429}, response.status_code
    assert message in page, message
    assert 'class="error-summary"' in page or 'class="error-message"' in page


def test_empty_item_forms_ask_for_a_title_language_and_licence(world):
    """Given every item form sent empty, then each comes back asking for the required fields."""
    for path, _kind in item_forms(world):
        response, page = post(world, path, {})
        assert_refused(response, page, "This field is required.")
        assert "Choose a value from the list." in page


def test_oversized_texts_in_every_item_form_are_refused(world):
    """Given 200 kB in every text field of every item form, then each says the text is too long."""
    for path, kind in item_forms(world):
        data = {**ITEM, **{f"{name}_{lang}": BIG for name in TEXTS[kind] for lang in ("fr", "en")}}
        response, page = post(world, path, {**data, "action": "preview"})
        assert_refused(response, page, "This text is too long")


def test_ten_thousand_list_entries_are_refused(world):
    """Given 10,000 authors, organisations and links, then the form says: too many lines."""
    for path, _kind in item_forms(world):
        data = {**ITEM, "authors": MANY, "organisations": MANY, "links": MANY}
        response, page = post(world, path, data)
        assert_refused(response, page, "Give at most 200 lines.")


def test_ten_thousand_repeated_choices_do_not_break_anything(world):
    """Given the same theme ticked 10,000 times, then the item is saved with that theme once."""
    ids = world["ids"]
    response, _ = post(
        world,
        "/experiences/new",
        {
            **ITEM,
            "title_fr": "Répété",
            "theme_ids": [str(ids["theme"])] * 10_000,
            "territory_ids": [str(ids["territory"])] * 10_000,
        },
    )
    assert response.status_code == 303
    slug = urlsplit(response.headers["Location"]).path.rsplit("/", 1)[1]
    with world["app"].app_context():
        item = Item.by_slug("experience", slug)
        assert item.label() == "Répété"
        assert [theme.id for theme in item.themes] == [ids["theme"]]
        assert [territory.id for territory in item.territories] == [ids["territory"]]
        for table in (item_theme, item_territory):
            stored = select(func.count()).select_from(table).where(table.c.item_id == item.id)
            assert db.session.scalar(stored) == 1, table.name


def assert_each_refused(world, paths, base: dict | None, cases) -> None:
    """Post `base` with each case's changes to every path; each must come back explained.

    A case whose changes are None posts nothing at all (the empty form).
    """
    for changes, message in cases:
        data = {} if changes is None else {**(base or {}), **changes}
        for path in paths:
            response, page = post(world, path, data)
            assert response.status_code in {400, 413, 422, 429}, (
                path,
                changes,
                response.status_code,
            )
            assert message in page, (path, changes, message)


EXPERIENCE_CASES = [
    ({"period_start": "2024-13-45"}, "Give a date as YYYY-MM-DD"),
    ({"period_end": "31/12/2024"}, "Give a date as YYYY-MM-DD"),
    ({"period_start": "2024-02-30"}, "Give a date as YYYY-MM-DD"),
    ({"theme_ids": "abc"}, "Choose values from the list."),
    ({"theme_ids": "99999"}, "Choose values from the list."),
    ({"territory_ids": "-1"}, "Choose values from the list."),
    ({"links": "not a web address"}, "Line 1: give a web address"),
    ({"links": "javascript:alert(1) click"}, "Line 1: give a web address"),
    ({"language": "xx!!"}, "Choose a value from the list."),
    ({"language": ""}, "Choose a value from the list."),
    ({"license": "https://evil.example/licence"}, "Choose a value from the list."),
]


def test_malformed_experience_values_are_explained(world):
    """Given each malformed experience value, when saved or previewed, then the form explains it."""
    for action in ("draft", "preview"):
        base = {**ITEM, "action": action}
        assert_each_refused(world, ["/experiences/new"], base, EXPERIENCE_CASES)


def test_period_ending_before_it_starts_is_refused(world):
    """Given an end date before the start date, then the end field says so."""
    data = {**ITEM, "period_start": "2020-05-01", "period_end": "2019-01-01"}
    response, page = post(world, "/experiences/new", data)
    assert_refused(response, page, "The end of the period comes before its start.")
    assert 'id="period_end-error"' in page


def test_malformed_principle_values_are_explained(world):
    """Given an unknown or non-numeric experience id, then the principle form explains it."""
    cases = [
        ({"derived_from_ids": "abc"}, "Choose values from the list."),
        ({"derived_from_ids": "424242"}, "Choose values from the list."),
    ]
    assert_each_refused(world, ["/principles/new"], ITEM, cases)


def test_malformed_resource_values_are_explained(world):
    """Given a bad address or kind, then the resource form explains it."""
    cases = [
        ({"resource_url": "javascript:alert(1)"}, "Give a web address starting with http"),
        ({"resource_url": "ftp://example.org/file"}, "Give a web address starting with http"),
        ({"resource_url": "https://" + "x" * 2000}, "This address is too long."),
        ({"resource_type": "spaceship"}, "Choose a value from the list."),
    ]
    assert_each_refused(world, ["/resources/new"], ITEM, cases)


def test_malformed_territory_values_are_explained(world):
    """Given bad territory values on the new and edit forms, then the form explains each."""
    cases = [
        (None, "This field is required."),
        ({"name_fr": BIG, "name_en": BIG, "code": BIG}, "This text is too long"),
        ({"latitude": "999", "longitude": "2"}, "Latitude is between -90 and 90."),
        ({"latitude": "45", "longitude": "-999"}, "Longitude is between -180 and 180."),
        ({"latitude": "abc", "longitude": "2"}, "Give a number"),
        ({"latitude": "nan", "longitude": "inf"}, "Give a number"),
        ({"latitude": "45"}, "Give both latitude and longitude, or neither."),
        ({"parent": "abc"}, "Choose a value from the list."),
        ({"parent": "99999"}, "Choose a value from the list."),
        ({"kind": "planet"}, "Choose a value from the list."),
        ({"same_as": "not a url"}, "Line 1: give a web address"),
        ({"same_as": MANY}, "Give at most 200 lines."),
    ]
    paths = ["/admin/territories/new", f"/admin/territories/{world['territory']}/edit"]
    assert_each_refused(world, paths, {"name_fr": "Lieu", "kind": "commune"}, cases)


def test_malformed_theme_values_are_explained(world):
    """Given bad concept values on the new and edit forms, then the form explains each."""
    cases = [
        (None, "This field is required."),
        (
            {"pref_label_fr": BIG, "pref_label_en": BIG, "definition_fr": BIG},
            "This text is too long",
        ),
        ({"broader_ids": "abc"}, "Choose values from the list."),
        ({"related_ids": "99999"}, "Choose values from the list."),
        ({"exact_match": "not a url"}, "Line 1: give a web address"),
        ({"close_match": MANY}, "Give at most 200 lines."),
    ]
    paths = ["/admin/themes/new", f"/admin/themes/{world['theme']}/edit"]
    assert_each_refused(world, paths, {"pref_label_fr": "Concept"}, cases)


def test_a_concept_cannot_be_its_own_broader_concept(world):
    """Given a concept, when it is made broader than itself, then the form refuses."""
    own = {"pref_label_fr": "Thème", "broader_ids": str(world["ids"]["theme"])}
    response, page = post(world, f"/admin/themes/{world['theme']}/edit", own)
    assert_refused(response, page, "Choose values from the list.")


SETTINGS = {"name": "Nœud", "default_license": CC, "languages": "fr, en"}


def test_malformed_settings_are_explained(world):
    """Given bad node settings, then the settings form explains each problem."""
    cases = [
        (None, "This field is required."),
        ({"name": BIG}, "Give the node a name of at most 200 characters."),
        ({"description_fr": BIG, "description_en": BIG}, "This text is too long"),
        ({"languages": "fr, 123, !!"}, "Give a language tag such as"),
        ({"languages": ""}, "Give at least one language."),
        ({"languages": BIG}, "This text is too long"),
        ({"default_license": "not a licence"}, "Choose a value from the list."),
    ]
    assert_each_refused(world, ["/admin/settings"], SETTINGS, cases)


def test_malformed_accounts_are_explained(world):
    """Given bad account values, then the new-account form explains each problem."""
    cases = [
        (None, "This field is required."),
        ({"email": BIG, "display_name": BIG, "password": BIG}, "This email address is not valid."),
        ({"email": "not-an-email"}, "This email address is not valid."),
        ({"role": "god"}, "Choose a value from the list."),
        ({"password": "short"}, "The password needs at least 10 characters."),
        ({"display_name": BIG}, "This text is too long"),
    ]
    user = {"email": "new@example.org", "role": "reader", "password": "a long enough password"}
    assert_each_refused(world, ["/admin/accounts"], user, cases)


def test_malformed_role_changes_are_explained(world):
    """Given an unknown role, when an admin changes a member to it, then the page says why."""
    cases = [({"role": role}, "Choose a role from the list.") for role in ("", "god", BIG)]
    assert_each_refused(world, [f"/admin/accounts/{world['ids']['user']}/role"], {}, cases)


def test_malformed_signin_is_explained(client, node):
    """Given an empty or oversized sign-in, then the form explains it."""
    cases = [
        ({}, "This field is required."),
        ({"email": BIG, "password": "x"}, "This email address is not valid."),
        ({"email": "a@example.org", "password": BIG}, "This password is too long."),
    ]
    for data, message in cases:
        response = client.post("/signin?lang=en", data=data)
        assert_refused(response, response.get_data(as_text=True), message)


def test_invalid_forms_speak_french_to_french_readers(world):
    """Given a French reader, when forms are invalid, then the messages are in French."""
    _, page = post(world, "/experiences/new", {}, lang="fr")
    assert "Ce champ est obligatoire." in page and "Choisissez une valeur dans la liste." in page
    _, page = post(world, "/admin/settings", {**SETTINGS, "languages": "fr, !!"}, lang="fr")
    assert "Indiquez une étiquette de langue" in page
    place = {"name_fr": "Lieu", "kind": "commune", "latitude": "999", "longitude": "1"}
    _, page = post(world, "/admin/territories/new", place, lang="fr")
    assert "La latitude est comprise entre -90 et 90." in page
    _, page = post(world, "/experiences/new", {**ITEM, "period_start": "2024-13-45"}, lang="fr")
    assert "Indiquez une date au format AAAA-MM-JJ" in page


def test_forms_for_unknown_records_are_not_found(world):
    """Given no such record, when its edit form is asked for or posted, then the answer is 404."""
    for path in [
        "/experiences/nope/edit",
        "/principles/nope/edit",
        "/resources/nope/edit",
        "/admin/themes/nope/edit",
        "/admin/territories/nope/edit",
    ]:
        assert world["client"].get(path).status_code == 404, path
        assert world["client"].post(path, data={}).status_code == 404, path


def test_control_characters_are_dropped_not_stored(world):
    """Given NUL and other control characters in text, when saved, then they are simply gone."""
    data = {"name_fr": "Ca\x00en", "kind": "commune", "code": "14\x0b118"}
    response, _ = post(world, "/admin/territories/new", data)
    assert response.status_code == 303
    with world["app"].app_context():
        place = Territory.by_slug("caen")
        assert place.name == {"fr": "Caen"} and place.code == "14118"


def test_addresses_with_control_characters_are_not_found(world):
    """Given addresses no record can have, when asked for, then the answer is 404."""
    for path in [
        "/experiences/a%00b",
        "/themes/a%00b",
        "/territories/%01",
        "/admin/themes/a%00/edit",
        "/files/1/a%00.pdf",
        "/experiences/" + "x" * 300,
    ]:
        assert world["client"].get(path).status_code == 404, path
