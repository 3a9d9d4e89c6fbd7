"""A person in headless Chromium signs in and publishes; every main page is accessible."""

from __future__ import annotations

import os
import shutil
from pathlib import Path
from urllib.parse import quote

import pytest

pytestmark = [pytest.mark.slow, pytest.mark.browser]

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
AXE = Path(
    os.environ.get("COMMONS_AXE_JS")
    or Path(__file__).parent / "node/node_modules/axe-core/axe.min.js"
)
REQUIRED = os.environ.get("COMMONS_REQUIRE_BROWSER") == "1"
PASSWORD = "a long enough password"


def _missing() -> str | None:
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return "Playwright for Python is not installed (pip install '.[test]')"
    if not CHROMIUM:
        return "Chromium is not installed (apt-get install chromium)"
    if not AXE.exists():
        return f"axe-core is not installed ({AXE}; npm install --prefix tests/e2e/node axe-core@4)"
    return None


@pytest.fixture(scope="module")
def browser():
    reason = _missing()
    if reason:
        if REQUIRED:
            pytest.fail(f"browser tests required but {reason}")
        pytest.skip(reason)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path=CHROMIUM,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-quic",
                "--no-first-run",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
            ],
        )
        yield chromium
        chromium.close()


@pytest.fixture(scope="module")
def site(tmp_path_factory, browser):
    """One demo node served by `commons serve`, with an editor and an admin."""
    from tests.e2e.harness import Node

    node = Node(
        "browser", tmp_path_factory.mktemp("browser"), os.environ.get("COMMONS_TEST_DATABASE_URL")
    )
    node.setup(demo=True)
    node.cli(
        "user",
        "create",
        "admin@example.org",
        "--role",
        "admin",
        "--password-stdin",
        input=PASSWORD + "\n",
    )
    node.start()
    yield node
    node.stop()


@pytest.fixture
def page(browser):
    # Our pages forbid foreign scripts (CSP); axe is injected by the test, so let it in.
    context = browser.new_context(bypass_csp=True, locale="fr-FR")
    page = context.new_page()
    yield page
    context.close()


def _sign_in(page, site, email: str) -> None:
    page.goto(f"{site.base_url}/signin")
    page.fill("input[name=email]", email)
    page.fill("input[name=password]", PASSWORD)
    page.click("main button[type=submit]")
    page.wait_for_load_state()


def _serious_violations(page) -> list[str]:
    page.add_script_tag(path=str(AXE))
    result = page.evaluate("async () => await axe.run(document, {resultTypes: ['violations']})")
    return [
        f"{v['id']} ({v['impact']}): {v['help']} — {[n['target'] for n in v['nodes']][:3]}"
        for v in result["violations"]
        if v["impact"] in ("serious", "critical")
    ]


def test_an_editor_signs_in_and_publishes_an_experience(site, page):
    """Given an editor, when she fills the form and publishes, then the page shows her story."""
    _sign_in(page, site, f"editor-{site.name}@example.org")
    page.goto(f"{site.base_url}/experiences/new")
    page.fill("input[name=title_fr]", "Un jardin partagé au pied des immeubles")
    page.fill("textarea[name=summary_fr]", "Des habitants cultivent ensemble une parcelle.")
    page.fill("textarea[name=body_fr]", "Le projet est **né** d'une discussion de palier.")
    page.click("button[value=publish]")
    page.wait_for_load_state()
    assert "/experiences/" in page.url and not page.url.endswith("/new")
    assert page.locator("h1").inner_text() == "Un jardin partagé au pied des immeubles"
    assert page.locator("main strong", has_text="né").count() == 1
    page.goto(f"{site.base_url}/experiences")
    assert page.get_by_text("Un jardin partagé au pied des immeubles").count() >= 1


@pytest.mark.parametrize(
    "path",
    [
        "/",
        "/experiences",
        "/principles",
        "/resources",
        "/themes",
        "/territories",
        "/signin",
        "/ns",
        "/themes/local-savings",
        "/territories/loos-en-gohelle",
        "/search",
        "/search?q=ville&kind=experience",
    ],
)
@pytest.mark.parametrize("lang", ["fr", "en"])
def test_public_pages_have_no_serious_accessibility_violation(site, page, path, lang):
    """axe-core finds no serious or critical violation on the main pages, in both languages."""
    # The interface language is chosen as a reader does: the switch, then back to the page.
    response = page.goto(f"{site.base_url}/language/{lang}?next={quote(path)}")
    assert response.status < 400
    assert page.locator("html").get_attribute("lang") == lang
    assert _serious_violations(page) == []


def test_an_item_page_and_the_editor_pages_are_accessible(site, page):
    """An experience page, the new-item forms and the admin pages pass axe-core too."""
    page.goto(f"{site.base_url}/experiences")
    page.locator("main .card-title a").first.click()
    page.wait_for_load_state()
    assert _serious_violations(page) == []
    _sign_in(page, site, "admin@example.org")
    for path in (
        "/experiences/new",
        "/principles/new",
        "/resources/new",
        "/admin/",
        "/admin/accounts",
        "/admin/settings",
        "/admin/themes",
        "/admin/federation/",
    ):
        response = page.goto(f"{site.base_url}{path}")
        assert response.status == 200, path
        assert _serious_violations(page) == [], path


def test_a_visitor_searches_from_the_header_narrows_by_a_facet_and_removes_it(site, page):
    """Given the demo, a word in the header box lists items; a facet narrows, one click widens."""
    page.goto(f"{site.base_url}/territories")
    page.fill("#site-search-q", "ville")
    page.press("#site-search-q", "Enter")
    page.wait_for_load_state()
    assert "/search" in page.url and "q=ville" in page.url
    hits = page.locator("main .card.hit")
    everything = hits.count()
    assert everything > 0
    kind = page.locator(".facet:has(#facet-kind) a.facet-value").last
    label = kind.locator(".facet-label").inner_text()
    count = int(
        page.locator(".facet:has(#facet-kind) li")
        .last.locator(".facet-count")
        .inner_text()
        .split()[0]
    )
    kind.click()
    page.wait_for_load_state()
    assert "kind=" in page.url and "q=ville" in page.url
    assert hits.count() == min(count, 20) and count < everything
    chip = page.locator(".active-filters a.filter-chip")
    assert label in chip.inner_text()
    assert page.locator(".facet:has(#facet-kind) a.facet-selected").count() == 1
    chip.click()
    page.wait_for_load_state()
    assert "kind=" not in page.url and "q=ville" in page.url
    assert hits.count() == everything


def test_the_atlas_leads_from_a_concept_to_its_items(site, page):
    """Given the atlas, when a person clicks a concept, then its panel leads to its items."""
    page.goto(f"{site.base_url}/atlas?lang=en")
    graph = page.locator("[data-atlas]")
    graph.wait_for(state="visible")
    page.wait_for_function("() => document.querySelector('[data-atlas] canvas') !== null")
    # A click on the drawn concept: Cytoscape reports where it put the node.
    position = page.evaluate(
        """() => {
            const box = document.querySelector('[data-atlas]').getBoundingClientRect();
            const cy = document.querySelector('[data-atlas]')._cyreg.cy;
            const node = cy.nodes().filter(n => n.data('url') === '/themes/local-savings')[0];
            const p = node.renderedPosition();
            return {x: box.left + p.x, y: box.top + p.y};
        }"""
    )
    page.mouse.click(position["x"], position["y"])
    link = page.locator("[data-atlas-panel] .atlas-items-link")
    link.wait_for(state="visible")
    assert link.inner_text() == "Local savings"
    link.click()
    page.wait_for_load_state()
    assert page.url.startswith(f"{site.base_url}/themes/local-savings")
    assert page.locator("h1").inner_text() == "Local savings"
    assert _serious_violations(page) == []


def test_the_atlas_is_keyboard_friendly_and_accessible(site, page):
    """The graph takes arrow keys, and the atlas page passes axe-core."""
    page.goto(f"{site.base_url}/atlas?lang=fr")
    page.locator("[data-atlas] canvas").first.wait_for()
    page.locator("[data-atlas]").focus()
    page.keyboard.press("ArrowRight")
    assert page.locator("[data-atlas-panel] .atlas-items-link").count() == 1
    assert _serious_violations(page) == []


def test_a_territory_page_shows_its_items_on_a_map(site, page):
    """Given a region with items in its towns, its page shows markers, without any tile."""
    page.goto(f"{site.base_url}/language/en?next=/territories/hauts-de-france")
    markers = page.locator(".map .leaflet-marker-icon")
    markers.first.wait_for()
    assert markers.count() >= 2
    markers.first.click()
    popup = page.locator(".leaflet-popup-content a").first
    popup.wait_for(state="visible")
    assert popup.get_attribute("href").startswith("/territories/")
    # Leaflet fades a popup in: check its contrast once it is fully shown, not half-faded.
    page.wait_for_function(
        "getComputedStyle(document.querySelector('.leaflet-popup')).opacity === '1'"
    )
    assert _serious_violations(page) == []
