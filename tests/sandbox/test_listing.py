"""Paging, keyset paging, filters, hidden-by-default rules and batch shapes."""

from __future__ import annotations

from loader.sandbox import SandboxServer
from tests.sandbox.api_client import Api


def _keyset(api: Api, path: str, **params: object) -> list[int]:
    ids: list[int] = []
    previous = 0
    while True:
        results = api.get(path, previousId=previous, orderById="ASC", size=37, **params)["results"]
        if not results:
            return ids
        ids.extend(r["id"] for r in results)
        previous = results[-1]["id"]


def test_page_and_previous_id_walk_the_same_ids(api: Api) -> None:
    for path in ("/invoices", "/ledgerreceipts", "/businesspartners", "/referencepayments", "/payments"):
        by_page: list[int] = []
        page = 0
        while True:
            body = api.get(path, page=page, size=37, orderById="ASC")
            by_page.extend(r["id"] for r in body["results"])
            assert body["meta"]["pageNumber"] == page and body["meta"]["resultCount"] == len(body["results"])
            if len(body["results"]) < 37:
                break
            page += 1
        assert by_page == sorted(by_page) and len(set(by_page)) == len(by_page)
        assert by_page == _keyset(api, path), path
        assert body["meta"]["totalCount"] == len(by_page)


def test_default_order_is_id_descending_and_size_is_capped(api: Api) -> None:
    ids = [r["id"] for r in api.get("/invoices")["results"]]
    assert len(ids) == 50 and ids == sorted(ids, reverse=True)
    assert api.raw("GET", "/invoices", params={"size": 201}).status_code == 400
    assert api.raw("GET", "/invoices", params={"page": -1}).status_code == 400


def test_products_page_only_by_previous_id(api: Api) -> None:
    first = api.get("/products", size=5)
    assert first["meta"]["pageNumber"] == 0
    ids = [p["id"] for p in first["results"]]
    again = api.get("/products", size=5, page=3)  # no page parameter: ignored
    assert [p["id"] for p in again["results"]] == ids == sorted(ids)
    nxt = api.get("/products", size=5, previousId=ids[-1])
    assert all(p["id"] > ids[-1] for p in nxt["results"])


def test_version_window_is_inclusive(api: Api) -> None:
    rows = api.walk("/invoices", orderById="ASC")
    pivot = sorted(r["version"] for r in rows)[len(rows) // 2]
    window = api.walk("/invoices", versionStartDate=pivot, versionEndDate=pivot)
    assert window and all(r["version"] == pivot for r in window)
    later = api.walk("/invoices", versionStartDate=pivot)
    assert {r["id"] for r in later} == {r["id"] for r in rows if r["version"] >= pivot}
    ordered = [r["version"] for r in api.walk("/invoices", versionStartDate=pivot, orderByVersion="ASC")]
    assert ordered == sorted(ordered)


def test_date_created_type_and_status_filters(api: Api) -> None:
    rows = api.walk("/invoices")
    march = api.walk("/invoices", startDate="2025-03-01", endDate="2025-03-31")
    assert {r["id"] for r in march} == {r["id"] for r in rows if "2025-03-01" <= r["date"] <= "2025-03-31"}
    created = api.walk("/invoices", createdStartDate="2025-03-01T00:00:00", createdEndDate="2025-03-31T23:59:59")
    assert {r["id"] for r in created} == {r["id"] for r in rows if "2025-03-01" <= r["created"][:10] <= "2025-03-31"}
    purchases = api.walk("/invoices", types="PURCHASE_INVOICE,TRAVEL_INVOICE")
    assert purchases and {r["type"] for r in purchases} == {"PURCHASE_INVOICE", "TRAVEL_INVOICE"}
    paid = api.walk("/invoices", status="PAID")
    assert paid and all(r["status"] == "PAID" for r in paid)
    receipts = api.walk("/ledgerreceipts", types="SALARY")
    assert len(receipts) >= 30 and all(r["type"] == "SALARY" for r in receipts)


def test_hidden_by_default(shared_sandbox: SandboxServer, api: Api) -> None:
    truth = shared_sandbox.truth
    invoices = truth.records("invoices")
    listed = {r["id"] for r in api.walk("/invoices")}
    offers = {r["id"] for r in api.walk("/invoices", isOffer="true")}
    assert offers and not listed & offers
    assert offers == {i for i, r in invoices.items() if r["isOffer"]}
    assert listed | offers == set(invoices)

    partners = truth.records("business_partners")
    active = {r["id"] for r in api.walk("/businesspartners")}
    inactive = {r["id"] for r in api.walk("/businesspartners", active="false")}
    assert inactive and active == {i for i, p in partners.items() if p["registryInfo"]["active"]}
    assert active | inactive == set(partners)

    products = truth.records("products")
    default = {p["id"] for p in api.get("/products", size=200)["results"]}
    travel = {p["id"] for p in api.get("/products", size=200, type="TRAVEL")["results"]}
    assert travel and not default & travel and default | travel == set(products)

    persons = api.get("/persons", size=200)["results"]
    everyone = api.get("/persons", size=200, includeInactive="true")["results"]
    assert all(p["registryInfo"]["active"] for p in persons) and len(everyone) > len(persons)


def test_partner_name_header_filter(api: Api) -> None:
    someone = api.get("/businesspartners", size=1)["results"][0]
    found = api.get("/businesspartners", headers={"name": someone["name"][:6]})["results"]
    assert someone["id"] in {p["id"] for p in found}


def test_batch_shapes(api: Api) -> None:
    ids = [r["id"] for r in api.get("/invoices", size=5, orderById="ASC")["results"]]
    assert isinstance(api.get(f"/invoices/{ids[0]}"), dict)
    several = api.get(f"/invoices/{ids[2]},{ids[0]},{ids[2]},999999")
    assert [i["id"] for i in several] == [ids[0], ids[2]]
    only_one = api.get(f"/invoices/{ids[0]},999999")
    assert isinstance(only_one, list) and len(only_one) == 1
    too_many = ",".join(str(10000 + n) for n in range(201))
    assert api.raw("GET", f"/invoices/{too_many}").status_code == 400
    assert len(api.get("/invoices/" + ",".join(str(ids[0] + n) for n in range(200)))) == 200
    assert api.raw("GET", "/invoices/999998,999999").status_code == 404
    receipts = [r["id"] for r in api.get("/ledgerreceipts", size=3)["results"]]
    assert isinstance(api.get(f"/ledgerreceipts/{receipts[0]}"), dict)
    assert len(api.get("/ledgerreceipts/" + ",".join(map(str, receipts)))) == 3
    assert api.raw("GET", "/ledgerreceipts/1").status_code == 404
    partner = api.get("/businesspartners", size=1)["results"][0]["id"]
    assert isinstance(api.get(f"/businesspartners/{partner}"), dict)
    assert isinstance(api.get(f"/businesspartners/{partner},{partner}"), list)


def test_payment_events_both_endpoints(api: Api) -> None:
    paid = api.get("/invoices", status="PAID", size=5)["results"]
    per_invoice = [api.get(f"/invoices/{p['id']}/paymentevents")["results"] for p in paid]
    assert all(len(events) == 1 for events in per_invoice)
    bulk = api.get("/payments/paymentevents", invoiceId=",".join(str(p["id"]) for p in paid))["results"]
    assert sorted(e["id"] for e in bulk) == sorted(events[0]["id"] for events in per_invoice)
    assert api.raw("GET", "/payments/paymentevents").status_code == 400


def test_bank_statements_have_nested_and_child_events(api: Api) -> None:
    statements = api.walk("/bankstatements", startDate="2025-01-01", endDate="2025-03-31")
    assert statements and all("2025-01-01" <= s["startDate"] <= "2025-03-31" for s in statements)
    assert any(e.get("event") for s in statements for e in s["events"])
    for s in statements:
        assert s["endBalance"] == s["startBalance"] + sum(e["sum"] for e in s["events"])
    assert api.get("/bankstatements", headers={"accountNumber": "FI000"})["results"] == []
