"""Sources over HTTP: a feed behind a redirect to a private address, OAI-PMH endpoints that
answer an error, loop on their resumption token or never answer. A real HTTP server on
127.0.0.1 plays the misbehaving sites; the node's own client fetches."""

from __future__ import annotations

import contextlib
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from federation.http import SafeClient
from server.importer.errors import SourceError
from server.importer.run import open_reader
from tests.importer.conftest import DATA, run_import

OAI_HEAD = (
    '<?xml version="1.0" encoding="UTF-8"?>'
    '<OAI-PMH xmlns="http://www.openarchives.org/OAI/2.0/">'
    "<responseDate>2024-01-01T00:00:00Z</responseDate>"
)
RECORD = (
    "<record><header><identifier>oai:loop:1</identifier><datestamp>2024-01-01</datestamp>"
    '</header><metadata><oai_dc:dc xmlns:oai_dc="http://www.openarchives.org/OAI/2.0/oai_dc/" '
    'xmlns:dc="http://purl.org/dc/elements/1.1/"><dc:title>Boucle</dc:title></oai_dc:dc>'
    "</metadata></record>"
)


class Site(BaseHTTPRequestHandler):
    def log_message(self, *args) -> None:  # quiet
        pass

    def _send(self, status: int, body: bytes = b"", **headers: str) -> None:
        # The client may have given up waiting (the timeout test): nothing more to say.
        with contextlib.suppress(OSError):
            self._answer(status, body, headers)

    def _answer(self, status: int, body: bytes, headers: dict[str, str]) -> None:
        self.send_response(status)
        for name, value in headers.items():
            self.send_header(name.replace("_", "-"), value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self) -> None:
        path = self.path.split("?")[0]
        if path == "/feed.rss":
            self._send(200, (DATA / "spip.rss").read_bytes(), Content_Type="application/rss+xml")
        elif path == "/moved.rss":
            self._send(302, Location="http://10.20.30.40/feed.rss")
        elif path == "/oai-error":
            body = f'{OAI_HEAD}<error code="badArgument">no such set</error></OAI-PMH>'
            self._send(200, body.encode(), Content_Type="text/xml")
        elif path == "/oai-loop":
            body = (
                f"{OAI_HEAD}<ListRecords>{RECORD}<resumptionToken>again</resumptionToken>"
                "</ListRecords></OAI-PMH>"
            )
            self._send(200, body.encode(), Content_Type="text/xml")
        elif path == "/oai-slow":
            time.sleep(5)
            self._send(200, b"", Content_Type="text/xml")
        else:
            self._send(404)


@pytest.fixture(scope="module")
def site():
    server = ThreadingHTTPServer(("127.0.0.1", 0), Site)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


@pytest.fixture
def client():
    """The node's client as a LAN deployment sets it: this one private address allowed."""
    return SafeClient(allowed_networks=["127.0.0.1/32"], allow_http=True)


def test_a_feed_is_read_over_http(site, client):
    reader, fmt = open_reader(f"{site}/feed.rss", None, client=client)
    assert (fmt, reader.total) == ("rss", 3)


def test_a_feed_redirecting_to_a_private_address_is_refused(site, client):
    with pytest.raises(SourceError, match=r"10\.20\.30\.40 is not a public address"):
        open_reader(f"{site}/moved.rss", None, client=client)


def test_the_node_refuses_a_private_address_from_the_command_line(node, site):
    """A node with default settings fetches no private address at all."""
    https = site.replace("http://", "https://")  # plain http would be refused before that
    result = run_import(node.test_cli_runner(), f"{https}/feed.rss")
    assert result.exit_code == 1 and "127.0.0.1 is not a public address" in result.output


def test_an_oai_error_is_told(site, client):
    with pytest.raises(SourceError, match=r"answered an error \(BadArgument: no such set\)"):
        open_reader(f"{site}/oai-error", "oai", client=client)


def test_a_resumption_token_loop_is_stopped(site, client):
    with pytest.raises(SourceError, match="gives the resumption token 'again' twice: it loops"):
        open_reader(f"{site}/oai-loop", "oai", client=client)


def test_an_endpoint_that_does_not_answer_times_out(site, client):
    with pytest.raises(SourceError, match=r"took over 1 s; nothing was imported"):
        open_reader(f"{site}/oai-slow", "oai", client=client, seconds=1)
