"""A caller's SPARQL never makes the server reach the network: SERVICE is refused on the parsed
query wherever it hides, and words that merely look like it are not refused."""

from __future__ import annotations

import socket
import threading

import pytest
from conftest import signed_in


class Listener:
    """A TCP port on loopback that counts the connections it is offered."""

    def __init__(self) -> None:
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(8)
        self.sock.settimeout(0.2)
        self.port = self.sock.getsockname()[1]
        self.connections = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._accept, daemon=True)
        self._thread.start()

    def _accept(self) -> None:
        while not self._stop.is_set():
            try:
                conn, _ = self.sock.accept()
            except OSError:
                continue
            self.connections += 1
            conn.close()

    def close(self) -> None:
        self._stop.set()
        self._thread.join()
        self.sock.close()


@pytest.fixture
def listener():
    server = Listener()
    yield server
    server.close()


@pytest.fixture
def researcher(writable):
    client, _ = writable
    return signed_in(client.application, "researcher", ("all:read", "sparql"))


HIDDEN_SERVICES = {
    "behind a string holding <": 'SELECT * WHERE {{ BIND("<" AS ?a) SERVICE <{url}> {{ ?x ?p ?o }} BIND(">" AS ?b) }}',
    "behind a comment holding <": "SELECT * WHERE {{ # <\n SERVICE <{url}> {{ ?x ?p ?o }} # >\n }}",
    "in lower and mixed case": "ASK {{ sErViCe <{url}> {{ ?s ?p ?o }} }}",
    "silent": "SELECT * WHERE {{ SERVICE SILENT <{url}> {{ ?s ?p ?o }} }}",
    "escaped with \\u": "SELECT * WHERE {{ \\u0053ERVICE <{url}> {{ ?s ?p ?o }} }}",
    "through a prefixed name": "PREFIX x: <{url}> SELECT * WHERE {{ SERVICE x: {{ ?s ?p ?o }} }}",
    "with a variable endpoint": "SELECT * WHERE {{ BIND(<{url}> AS ?e) SERVICE ?e {{ ?s ?p ?o }} }}",
    "in a nested group": "SELECT * WHERE {{ {{ {{ SERVICE <{url}> {{ ?s ?p ?o }} }} }} }}",
    "in OPTIONAL": "SELECT * WHERE {{ ?s ?p ?o OPTIONAL {{ SERVICE <{url}> {{ ?s ?q ?v }} }} }}",
    "in UNION": "SELECT * WHERE {{ {{ ?s ?p ?o }} UNION {{ SERVICE <{url}> {{ ?s ?p ?o }} }} }}",
    "in MINUS": "SELECT * WHERE {{ ?s ?p ?o MINUS {{ SERVICE <{url}> {{ ?s ?p ?o }} }} }}",
    "in GRAPH": "SELECT * WHERE {{ GRAPH ?g {{ SERVICE <{url}> {{ ?s ?p ?o }} }} }}",
    "in FILTER EXISTS": "SELECT * WHERE {{ ?s ?p ?o FILTER EXISTS {{ SERVICE <{url}> {{ ?s ?p ?o }} }} }}",
    "in FILTER NOT EXISTS": "SELECT * WHERE {{ ?s ?p ?o FILTER NOT EXISTS {{ SERVICE <{url}> {{ ?a ?b ?c }} }} }}",
    "in a subquery": "SELECT * WHERE {{ {{ SELECT ?s WHERE {{ SERVICE <{url}> {{ ?s ?p ?o }} }} }} }}",
    "in CONSTRUCT": "CONSTRUCT {{ ?s ?p ?o }} WHERE {{ SERVICE <{url}> {{ ?s ?p ?o }} }}",
    "in DESCRIBE": "DESCRIBE ?s WHERE {{ SERVICE <{url}> {{ ?s ?p ?o }} }}",
}


@pytest.mark.parametrize("case", sorted(HIDDEN_SERVICES))
def test_service_is_refused_wherever_it_hides_and_nothing_reaches_the_network(researcher, listener, case) -> None:
    query = HIDDEN_SERVICES[case].format(url=f"http://127.0.0.1:{listener.port}/x")
    for response in (researcher.post("/api/v1/sparql", data=query, content_type="application/sparql-query"),
                     researcher.get("/api/v1/sparql", query_string={"query": query}),
                     researcher.post("/api/v1/sparql", data={"query": query})):
        assert response.status_code == 400, response.get_data(as_text=True)
        assert response.mimetype == "application/problem+json"
        assert "SERVICE is not allowed" in response.get_json()["detail"]
    assert listener.connections == 0
    assert researcher.get("/api/v1/sparql", query_string={"query": "ASK { ?s ?p ?o }"}).status_code == 200


@pytest.mark.parametrize("query", [
    "SELECT ?service WHERE { ?service ?p ?o } LIMIT 1",
    'SELECT ?s WHERE { ?s ?p "SERVICE <http://127.0.0.1:1/>" } LIMIT 1',
    "SELECT ?s WHERE { ?s ?p ?o } LIMIT 1 # SERVICE <http://127.0.0.1:1/> { }",
    "PREFIX service: <urn:x:> SELECT ?s WHERE { ?s service:p ?o } LIMIT 1",
])
def test_words_that_only_look_like_service_are_answered(researcher, query) -> None:
    response = researcher.post("/api/v1/sparql", data=query, content_type="application/sparql-query")
    assert response.status_code == 200, response.get_data(as_text=True)


def test_syntax_errors_and_unknown_prefixes_are_400_with_a_position(researcher) -> None:
    broken = researcher.post("/api/v1/sparql", data="SELECT * WHERE {\n ?s ?p }",
                             content_type="application/sparql-query")
    assert broken.status_code == 400 and "line 2" in broken.get_json()["detail"]
    unknown = researcher.post("/api/v1/sparql", data="SELECT * WHERE { ?s nope:p ?o }",
                              content_type="application/sparql-query")
    assert unknown.status_code == 400 and unknown.mimetype == "application/problem+json"
