from server.models import Item
from vocab.validation import validate


def test_partners_end_to_end(admin_client, node):
    r = admin_client.post("/experiences/new", data={"language": "fr", "license": "https://creativecommons.org/licenses/by-sa/4.0/", "title_fr": "Avec partenaires", "partners_fr": "La Région et l'ADEME", "action": "publish"})
    assert r.status_code == 303, r.get_data(as_text=True)[:3000]
    page = admin_client.get(r.headers["Location"]).get_data(as_text=True)
    assert "ADEME" in page
    with node.app_context():
        item = Item.by_slug("experience", "avec-partenaires")
        assert item.partners == {"fr": "La Région et l'ADEME"}
        doc = item.to_object().to_jsonld()
        assert doc["partners"] == {"fr": "La Région et l'ADEME"}
        assert validate(doc) == []
    edit = admin_client.get(r.headers["Location"] + "/edit").get_data(as_text=True)
    assert "ADEME" in edit
