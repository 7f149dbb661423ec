"""The two-node journey through nginx only (deploy/two_nodes.sh starts the nodes and nginx, then runs this).

nginx answers on three ports: one balanced over both nodes, and one pinned to each node (the same shipped
snippet, deploy/nginx/kunshan-app.conf). Cookies belong to the host, not the port, so one browser session
crosses all three; the X-Upstream header the test configuration adds says which node answered.
Each step prints one line; the first failure stops the run with a non-zero exit.
"""

import argparse
import http.client
import re
import ssl
import sys
import uuid

import requests
from requests.adapters import HTTPAdapter

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n% two-node smoke " + uuid.uuid4().hex.encode() + b"\n"
CSRF_RE = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')


class FromAddress(HTTPAdapter):
    """Connect from another loopback address (127.0.0.0/8), as a second client on the network would."""

    def __init__(self, address: str):
        self.address = address
        super().__init__()

    def init_poolmanager(self, *args, **kwargs):
        kwargs["source_address"] = (self.address, 0)
        super().init_poolmanager(*args, **kwargs)


class Journey:
    def __init__(self, options):
        self.o = options
        self.nodes = {f"127.0.0.1:{port}": name for port, name in zip(options.node_ports.split(","), "AB", strict=True)}

    def client(self, address: str = "127.0.0.1") -> requests.Session:
        session = requests.Session()
        session.verify = self.o.ca
        session.trust_env = False  # no proxy, and this CA rather than a bundle named in the environment
        session.mount("https://", FromAddress(address))
        return session

    def node(self, response) -> str:
        """Which app node answered, or "nginx" for a response nginx made itself."""
        upstream = response.headers.get("X-Upstream", "")
        return self.nodes.get(upstream.split(",")[-1].strip(), upstream or "nginx")

    @staticmethod
    def ok(condition: bool, what: str, *detail) -> None:
        if not condition:
            print(f"FAIL {what}", *detail, file=sys.stderr)
            sys.exit(1)
        print(f"ok   {what}")

    def csrf(self, session, url: str) -> str:
        page = session.get(url)
        match = CSRF_RE.search(page.text)
        if page.status_code != 200 or not match:
            self.ok(False, f"GET {url}: a form with a CSRF token", page.status_code)
        return match.group(1)

    def post(self, session, base: str, path: str, data: dict, **kwargs):
        # Django takes the CSRF cookie's secret as the form's token as well as a masked one from a page.
        token = kwargs.pop("csrf_from", None) or session.cookies.get("csrftoken")
        # A browser sends Origin with every form post; Django compares it with the Host nginx passes on.
        return session.post(
            base + path,
            data={"csrfmiddlewaretoken": token, **data},
            headers={"Origin": base},
            allow_redirects=False,
            **kwargs,
        )

    def sign_in(self, session, base: str, username: str, password: str, **headers):
        token = self.csrf(session, base + "/login/")
        return session.post(
            base + "/login/",
            data={"csrfmiddlewaretoken": token, "username": username, "password": password},
            headers={"Origin": base, **headers},
            allow_redirects=False,
        )

    # --- the steps ---------------------------------------------------------------------------

    def static_files_come_from_nginx(self):
        login = self.client().get(self.o.balanced + "/login/", headers={"Accept-Encoding": "gzip"})
        self.ok(login.status_code == 200 and self.node(login) in "AB", "the login page comes from an app node")
        self.ok(login.headers.get("Content-Encoding") == "gzip", "HTML is gzipped by nginx")
        stylesheet = re.search(r'href="(/static/[^"]+\.css)"', login.text)
        self.ok(bool(stylesheet), "the page links a hashed stylesheet")
        css = self.client().get(self.o.balanced + stylesheet.group(1), headers={"Accept-Encoding": "gzip"})
        self.ok(css.status_code == 200, f"GET {stylesheet.group(1)}", css.status_code)
        self.ok(self.node(css) == "nginx", "the stylesheet is served by nginx, not by a node", css.headers)
        cache = css.headers.get("Cache-Control", "")
        self.ok("max-age=31536000" in cache and "immutable" in cache, f"with long cache headers ({cache})")
        missing = self.client().get(self.o.balanced + "/static/no-such-file.css")
        self.ok(missing.status_code == 404 and self.node(missing) == "nginx", "a missing static file is nginx's 404")
        json_reply = self.client().get(self.o.balanced + "/passes/keys.json", headers={"Accept-Encoding": "gzip"})
        self.ok(json_reply.status_code == 200, "GET /passes/keys.json")

    def session_crosses_nodes(self) -> requests.Session:
        browser = self.client()
        signed_in = self.sign_in(browser, self.o.node_a, "demo_enterprise", self.o.demo_password)
        self.ok(
            signed_in.status_code == 302 and self.node(signed_in) == "A",
            "demo_enterprise signs in on node A",
            signed_in.status_code,
            self.node(signed_in),
        )
        on_b = browser.get(self.o.node_b + "/filings/", allow_redirects=False)
        self.ok(
            on_b.status_code == 200 and self.node(on_b) == "B", "and carries on on node B, signed in", on_b.status_code
        )
        on_a = browser.get(self.o.node_a + "/filings/", allow_redirects=False)
        self.ok(on_a.status_code == 200 and self.node(on_a) == "A", "and on node A again")
        seen = {self.node(browser.get(self.o.balanced + "/filings/", allow_redirects=False)) for _ in range(6)}
        self.ok(seen == {"A", "B"}, f"the balanced port spreads the session's requests over both nodes ({seen})")
        anonymous = self.client().get(self.o.node_b + "/filings/", allow_redirects=False)
        self.ok(anonymous.status_code == 302 and "/login/" in anonymous.headers["Location"], "without it: login")
        return browser

    def upload_on_one_node_download_on_the_other(self, browser):
        started = self.post(browser, self.o.node_a, "/filings/new/", {})
        self.ok(started.status_code == 302, "a filing is started on node A", started.status_code)
        filing = re.search(r"/filings/(\d+)/", started.headers["Location"]).group(1)
        path = f"/filings/{filing}/materials/"
        token = self.csrf(browser, self.o.node_a + path)
        uploaded = self.post(
            browser,
            self.o.node_a,
            path,
            {"kind": "prevention_plan"},
            files={"file": ("防控方案.pdf", PDF, "application/pdf")},
            csrf_from=token,
        )
        self.ok(uploaded.status_code == 302 and self.node(uploaded) == "A", "a material is uploaded through node A")
        page = browser.get(self.o.node_b + path)
        material = re.search(r"/filings/materials/(\d+)/", page.text)
        self.ok(page.status_code == 200 and bool(material), "node B lists it")
        download = browser.get(self.o.node_b + material.group(0))
        self.ok(
            download.status_code == 200 and self.node(download) == "B" and download.content == PDF,
            "and sends back the same bytes from the shared storage",
            download.status_code,
            len(download.content),
        )
        # Only the headers of a 40 MB upload: nginx answers from Content-Length, before any body is sent.
        host, port = self.o.balanced.removeprefix("https://").split(":")
        connection = http.client.HTTPSConnection(host, int(port), context=ssl.create_default_context(cafile=self.o.ca))
        connection.putrequest("POST", path)
        connection.putheader("Content-Type", "multipart/form-data; boundary=x")
        connection.putheader("Content-Length", str(40 * 1024 * 1024))
        connection.endheaders()
        too_big = connection.getresponse()
        self.ok(
            too_big.status == 413 and not too_big.getheader("X-Upstream"),
            "a body over client_max_body_size (32 MB) is refused by nginx, never reaching a node",
            too_big.status,
        )
        connection.close()

    def lockout_keys_on_the_client_address(self):
        limit = self.o.lockout_limit
        user = "demo_hr"
        attacker = self.client("127.0.0.2")
        for attempt in range(limit):
            base = (self.o.node_a, self.o.node_b)[attempt % 2]
            failed = self.sign_in(attacker, base, user, "wrong-password")
            self.ok(failed.status_code in (200, 429), f"a wrong password from 127.0.0.2 on node {'AB'[attempt % 2]}")
        locked = self.sign_in(attacker, self.o.node_b, user, self.o.demo_password)
        self.ok(locked.status_code == 429, "127.0.0.2 is locked out, on either node", locked.status_code)
        spoofed = self.sign_in(
            attacker, self.o.node_a, user, self.o.demo_password, **{"X-Forwarded-For": "203.0.113.9"}
        )
        self.ok(spoofed.status_code == 429, "an X-Forwarded-For written by the client changes nothing")
        colleague = self.client("127.0.0.3")
        allowed = self.sign_in(colleague, self.o.balanced, user, self.o.demo_password)
        self.ok(allowed.status_code == 302, "the same user from 127.0.0.3 signs in: the lock is on the address")

    def json_is_gzipped(self):
        commander = self.client()
        signed_in = self.sign_in(commander, self.o.balanced, "demo_commander", self.o.demo_password)
        self.ok(signed_in.status_code == 302, "demo_commander signs in through the balanced port")
        figures = commander.get(
            self.o.balanced + "/dashboard/city/data/figures.json", headers={"Accept-Encoding": "gzip"}
        )
        self.ok(
            figures.status_code == 200
            and figures.headers.get("Content-Type", "").startswith("application/json")
            and figures.headers.get("Content-Encoding") == "gzip"
            and bool(figures.json()),
            "the city dashboard's figures (JSON) come gzipped",
            figures.status_code,
            figures.headers,
        )

    def pass_verifies_on_both_nodes(self):
        for name, base in (("A", self.o.node_a), ("B", self.o.node_b)):
            reply = self.client().get(
                f"{base}/passes/verify/{self.o.pass_token}", headers={"Accept": "application/json"}
            )
            self.ok(
                reply.status_code == 200 and self.node(reply) == name and reply.json().get("status") == "valid",
                f"a pass verifies as valid through node {name}",
                reply.status_code,
                reply.text[:200],
            )
        forged = self.o.pass_token[:-4] + ("AAAA" if not self.o.pass_token.endswith("AAAA") else "BBBB")
        reply = self.client().get(f"{self.o.balanced}/passes/verify/{forged}", headers={"Accept": "application/json"})
        self.ok(reply.status_code == 200 and reply.json().get("status") != "valid", "a forged one does not")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    for name in ("--ca", "--balanced", "--node-a", "--node-b", "--node-ports", "--pass-token", "--demo-password"):
        parser.add_argument(name, required=True)
    parser.add_argument("--lockout-limit", type=int, required=True)
    journey = Journey(parser.parse_args())
    journey.static_files_come_from_nginx()
    browser = journey.session_crosses_nodes()
    journey.upload_on_one_node_download_on_the_other(browser)
    journey.lockout_keys_on_the_client_address()
    journey.json_is_gzipped()
    journey.pass_verifies_on_both_nodes()
    print("two-node journey: every step passed")


if __name__ == "__main__":
    main()
