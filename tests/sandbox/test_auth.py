"""Token grants, the sign-in redirect flow, expiry, revocation and the invoiceable-API refusal."""

from __future__ import annotations

import threading
import time
from http.server import BaseHTTPRequestHandler, HTTPServer
from urllib.parse import parse_qs, urlsplit

import requests
from sandbox_contract import validate

from loader.sandbox import SandboxConfig, SandboxServer


class _Receiver(BaseHTTPRequestHandler):
    received: dict[str, list[str]] = {}

    def do_GET(self) -> None:
        type(self).received = parse_qs(urlsplit(self.path).query)
        body = b"signed in"
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        pass


def _token(sb: SandboxServer, **form: str) -> requests.Response:
    return requests.post(sb.token_url, data=form, timeout=10)


def test_authorization_code_flow_end_to_end(fresh_sandbox: SandboxServer) -> None:
    receiver = HTTPServer(("127.0.0.1", 0), _Receiver)
    threading.Thread(target=receiver.serve_forever, daemon=True).start()
    redirect_uri = f"http://127.0.0.1:{receiver.server_address[1]}/callback"
    try:
        session = requests.Session()
        page = session.get(fresh_sandbox.login_url, params={"response_type": "code", "client_id": "sandbox-client",
                                                            "redirect_uri": redirect_uri, "state": "xyz"}, timeout=10)
        assert page.status_code == 200 and 'name="company"' in page.text
        # submit the login form as a browser would; requests follows the 302 to the receiver
        answer = session.post(fresh_sandbox.login_url, data={
            "response_type": "code", "client_id": "sandbox-client", "redirect_uri": redirect_uri, "state": "xyz",
            "username": "sandbox-user", "password": "sandbox-password", "company": str(fresh_sandbox.company_ids[0])},
            timeout=10)
        assert answer.status_code == 200 and answer.text == "signed in"
        assert answer.history[0].status_code == 302
    finally:
        receiver.shutdown()
    assert _Receiver.received["state"] == ["xyz"]
    code = _Receiver.received["code"][0]
    creds = {"client_id": "sandbox-client", "client_secret": "sandbox-secret"}
    tokens = _token(fresh_sandbox, grant_type="authorization_code", code=code, redirect_uri=redirect_uri, **creds)
    assert tokens.status_code == 200
    validate(tokens.json(), "POST", "/oauth/token")
    body = tokens.json()
    assert body["token_type"] == "bearer" and body["refresh_token"]
    company = requests.get(fresh_sandbox.base_url + "/company", timeout=10,
                           headers={"Authorization": f"Bearer {body['access_token']}"})
    assert company.json()["id"] == fresh_sandbox.company_ids[0]
    # the code is single-use
    again = _token(fresh_sandbox, grant_type="authorization_code", code=code, redirect_uri=redirect_uri, **creds)
    assert again.status_code == 400 and again.json()["error"] == "invalid_grant"
    # refresh rotates: the new refresh token works, the old one does not
    rotated = _token(fresh_sandbox, grant_type="refresh_token", refresh_token=body["refresh_token"], **creds)
    assert rotated.status_code == 200 and rotated.json()["refresh_token"] != body["refresh_token"]
    stale = _token(fresh_sandbox, grant_type="refresh_token", refresh_token=body["refresh_token"], **creds)
    assert stale.status_code == 400
    fresh_sandbox.revoke_tokens(rotated.json()["refresh_token"])
    revoked = _token(fresh_sandbox, grant_type="refresh_token", refresh_token=rotated.json()["refresh_token"], **creds)
    assert revoked.status_code == 400


def test_wrong_credentials_are_401_with_oauth_error(fresh_sandbox: SandboxServer) -> None:
    good = fresh_sandbox.credentials()
    for override in ({"client_secret": "wrong"}, {"api_key": "wrong"}, {"client_id": "other"}):
        response = _token(fresh_sandbox, grant_type="client_credentials", **{**good, **override})
        assert response.status_code == 401
        validate(response.json(), "POST", "/oauth/token", 401)
    missing = _token(fresh_sandbox, grant_type="client_credentials", client_id="sandbox-client")
    assert missing.status_code == 400 and missing.json()["error"] == "invalid_request"


def test_expired_token_is_401() -> None:
    with SandboxServer(SandboxConfig(documents=50, token_lifetime=1, rate_limit=0)) as sb:
        access = _token(sb, grant_type="client_credentials", **sb.credentials()).json()
        assert access["expires_in"] == 1
        headers = {"Authorization": f"Bearer {access['access_token']}"}
        # (No request before the sleep: on a busy machine it could arrive after the 1 s already.)
        time.sleep(1.1)
        assert requests.get(sb.base_url + "/company", headers=headers, timeout=10).status_code == 401
        # ... and after N requests, at a known point whatever the machine's speed
        sb.set_token_lifetime(3600)
        sb.set_token_max_uses(2)
        headers = {"Authorization": "Bearer " + _token(sb, grant_type="client_credentials", **sb.credentials())
                   .json()["access_token"]}
        codes = [requests.get(sb.base_url + "/company", headers=headers, timeout=10).status_code for _ in range(3)]
        assert codes == [200, 200, 401]
        sb.set_token_max_uses(0)
        # advancing the virtual clock past the lifetime expires tokens as well
        sb.set_token_lifetime(60)
        headers = {"Authorization": "Bearer " + _token(sb, grant_type="client_credentials", **sb.credentials())
                   .json()["access_token"]}
        sb.advance_clock(61)
        assert requests.get(sb.base_url + "/company", headers=headers, timeout=10).status_code == 401


def test_invoiceable_api_clients_off_refuses_tokens() -> None:
    with SandboxServer(SandboxConfig(documents=50, invoiceable_api_disabled=True, companies=2, rate_limit=0)) as sb:
        response = _token(sb, grant_type="client_credentials", **sb.credentials())
        assert response.status_code == 403
        assert response.json()["error"] == "unauthorized_client"
        assert "invoiceable API clients" in response.json()["error_description"]
        sb.set_invoiceable_api(True, company_index=1)
        assert _token(sb, grant_type="client_credentials", **sb.credentials(1)).status_code == 200


def test_each_company_has_its_own_key_and_data(shared_sandbox: SandboxServer) -> None:
    ids = []
    for index in (0, 1):
        access = _token(shared_sandbox, grant_type="client_credentials", **shared_sandbox.credentials(index)).json()
        headers = {"Authorization": f"Bearer {access['access_token']}"}
        ids.append(requests.get(shared_sandbox.base_url + "/sessioninfo", headers=headers, timeout=10)
                   .json()["companyId"])
    assert ids == shared_sandbox.company_ids and ids[0] != ids[1]
    assert shared_sandbox.credentials(1)["api_key"] == "sandbox-api-key-2"
