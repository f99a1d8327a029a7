"""The register's and the watches' lists are paginated and sortable like every other list of
the pages, in the page and in the JSON API alike: banks, a bank's entries, watches, a watch's
history, and the statistics' table; an unknown sort key is a 400, never a silent default."""

from __future__ import annotations

from datetime import timedelta

from tests.web.conftest import Server, SignedInClient

from haechi.members.model import Role
from haechi.store.models import ScanRow
from haechi.testkit.hits import photo_bytes


def register(client: SignedInClient, bank: str, names: list[str]) -> None:
    files = [("files", (f"{n}.jpg", photo_bytes(n), "image/jpeg")) for n in names]
    answer = client.http.post(
        f"/api/v1/banks/{bank}/entries", files=files, headers={"X-CSRF-Token": client.csrf}
    )
    assert answer.status_code == 201, answer.text


def test_banks_and_entries_page_and_sort(server: Server) -> None:
    analyst = server.sign_in(server.add("ana", Role.ANALYST))
    register(analyst, "zeta", ["coffee"])
    register(analyst, "alpha", ["astronaut", "chelsea"])
    register(analyst, "mid", ["coffee", "astronaut", "chelsea"])

    listed = analyst.get("/api/v1/banks", params={"per_page": 2})
    assert [b["bank"] for b in listed.json()] == ["alpha", "mid"]
    assert listed.headers["x-total-count"] == "3" and listed.headers["x-page"] == "1/2"
    by_size = analyst.get("/api/v1/banks", params={"sort": "entries", "order": "desc"}).json()
    assert [(b["bank"], b["entries"]) for b in by_size] == [("mid", 3), ("alpha", 2), ("zeta", 1)]
    assert analyst.get("/api/v1/banks", params={"sort": "secret"}).status_code == 400

    page = analyst.get("/banks", params={"sort": "entries", "order": "asc", "per_page": 2}).text
    assert page.index(">zeta<") < page.index(">alpha<") and ">mid<" not in page
    assert 'rel="next"' in page and "sort=entries" in page
    assert analyst.get("/banks", params={"sort": "secret"}).status_code == 400

    newest = analyst.get("/api/v1/banks/mid/entries").json()
    oldest = analyst.get("/api/v1/banks/mid/entries", params={"order": "asc"}).json()
    ids = [e["entry"] for e in oldest["entries"]]
    assert ids == sorted(ids) and [e["entry"] for e in newest["entries"]] == ids[::-1]
    html = analyst.get("/banks/mid", params={"order": "asc"}).text
    assert html.index(f">{ids[0]}<") < html.index(f">{ids[2]}<")
    assert 'id="sort-entries"' in html and "order=desc" in html


def test_watches_and_their_history_page_and_sort(server: Server) -> None:
    analyst = server.sign_in(server.add("ana", Role.ANALYST))
    for target, every in (("https://b.example/", "6h"), ("https://a.example/", "1d")):
        assert analyst.post("/watches", {"target": target, "every": every}).status_code == 303
    listed = analyst.get("/api/v1/watches", params={"sort": "target"})
    assert [w["target"] for w in listed.json()] == ["https://a.example/", "https://b.example/"]
    assert listed.headers["x-total-count"] == "2"
    slowest = analyst.get("/api/v1/watches", params={"sort": "every", "order": "desc"}).json()
    assert slowest[0]["every_seconds"] == 86400
    html = analyst.get("/watches", params={"sort": "target", "order": "desc"}).text
    assert html.index("https://b.example/") < html.index("https://a.example/")
    assert analyst.get("/watches", params={"sort": "nope"}).status_code == 400

    watch = next(w for w in listed.json() if w["target"] == "https://b.example/")
    start = server.clock()
    with server.db.session() as session:  # five past runs of the watch, one of another URL
        for i, hits in enumerate((3, 0, 7, 1, 2)):
            session.add(
                ScanRow(
                    target=watch["target"],
                    kind="web",
                    started_at=start + timedelta(hours=6 * i),
                    finished_at=start + timedelta(hours=6 * i, minutes=1),
                    hits_found=hits,
                )
            )
        session.add(ScanRow(target="https://a.example/", kind="web", started_at=start))
    one = analyst.get(f"/api/v1/watches/{watch['id']}", params={"per_page": 2}).json()
    assert one["history_page"]["total"] == 5 and one["history_page"]["pages"] == 3
    assert [s["hits"] for s in one["history"]] == [2, 1]  # newest first
    most = analyst.get(
        f"/api/v1/watches/{watch['id']}", params={"sort": "hits", "order": "desc", "page": 1}
    ).json()
    assert [s["hits"] for s in most["history"]] == [7, 3, 2, 1, 0]
    page = analyst.get(f"/watches/{watch['id']}", params={"per_page": 2, "page": 3}).text
    assert 'rel="prev"' in page and 'rel="next"' not in page
    assert analyst.get(f"/watches/{watch['id']}", params={"sort": "x"}).status_code == 400


def test_the_statistics_table_sorts(server: Server) -> None:
    reviewer = server.sign_in(server.add("rev", Role.REVIEWER))
    page = reviewer.get("/stats", params={"sort": "median", "order": "desc"})
    assert page.status_code == 200 and "sort=median" in page.text
    assert reviewer.get("/stats", params={"sort": "nope"}).status_code == 400
    assert reviewer.get("/api/v1/stats", params={"sort": "removed"}).json() == []
    assert reviewer.get("/api/v1/stats", params={"sort": "nope"}).status_code == 400


def test_jobs_page_and_sort(server: Server) -> None:
    analyst = server.sign_in(server.add("ana", Role.ANALYST))
    for n in range(3):
        body = {"target": f"https://site{n}.example/"}
        queued = analyst.http.post(
            "/api/v1/jobs/scans", json=body, headers={"X-CSRF-Token": analyst.csrf}
        )
        assert queued.status_code == 201, queued.text
    newest = analyst.get("/api/v1/jobs", params={"limit": 2})
    assert [j["args"]["target"] for j in newest.json()] == [
        "https://site2.example/",
        "https://site1.example/",
    ]
    assert newest.headers["x-total-count"] == "3" and newest.headers["x-page"] == "1/2"
    oldest = analyst.get("/api/v1/jobs", params={"limit": 2, "page": 2, "order": "asc"}).json()
    assert [j["args"]["target"] for j in oldest] == ["https://site2.example/"]
    assert analyst.get("/api/v1/jobs", params={"sort": "args"}).status_code == 400
    page = analyst.get("/jobs", params={"per_page": 2, "order": "asc", "kind": "scan"}).text
    assert page.index("site0.example") < page.index("site1.example")
    assert "site2.example" not in page and 'rel="next"' in page and "kind=scan" in page
