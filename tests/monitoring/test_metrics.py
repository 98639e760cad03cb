"""/metrics as Prometheus reads it: counts that move with the requests, endpoint names for labels, the pool's
gauges, the sign-in throttle's refusals; and who may read it (an internal address or the token, else 404)."""
from __future__ import annotations

import ipaddress
import re
from pathlib import Path

import pytest
from prometheus_client import REGISTRY
from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy import create_engine, event
from sqlalchemy.pool import QueuePool, SingletonThreadPool

from config import ConfigError, load_config
from lms.core.metrics import watch_pool
from tests.helpers import csrf_token

OUTSIDE = {"REMOTE_ADDR": "203.0.113.7"}  # a documentation address: not in the default LMS_METRICS_ALLOW
TOKEN = "scrape-token-0123456789-abcdefghij"


def scrape(client, **kwargs) -> dict:
    """{(sample name, sorted labels): value} of one scrape, parsed by prometheus_client's own parser."""
    response = client.get("/metrics", **kwargs)
    assert response.status_code == 200, response.status_code
    assert response.headers["Content-Type"].startswith("text/plain")
    samples = {}
    for family in text_string_to_metric_families(response.get_data(as_text=True)):
        for sample in family.samples:
            samples[(sample.name, tuple(sorted(sample.labels.items())))] = sample.value
    return samples


def value(samples: dict, name: str, **labels) -> float:
    return samples.get((name, tuple(sorted(labels.items()))), 0.0)


def labels_of(samples: dict, name: str, label: str) -> set[str]:
    return {dict(key)[label] for key in (k[1] for k in samples if k[0] == name) if label in dict(key)}


@pytest.mark.db
def test_requests_are_counted_by_endpoint_name_method_and_status_class(client):
    before = scrape(client)
    codes = [client.get(f"/verify/{code}").status_code for code in ("AAAA2222BBBB", "CCCC3333DDDD", "EEEE4444FFFF")]
    assert codes == [404, 404, 404]  # no such certificates: still the verify page's requests
    assert client.get("/no/such/page/12345").status_code == 404
    assert client.open("/", method="BREW").status_code == 405
    after = scrape(client)

    counted = "lms_http_requests_total"
    assert value(after, counted, endpoint="learning.verify", method="GET", status_class="4xx") == \
        value(before, counted, endpoint="learning.verify", method="GET", status_class="4xx") + 3
    assert value(after, counted, endpoint="unmatched", method="GET", status_class="4xx") == \
        value(before, counted, endpoint="unmatched", method="GET", status_class="4xx") + 1
    # A method a client invents adds no series of its own.
    assert value(after, counted, endpoint="unmatched", method="other", status_class="4xx") == \
        value(before, counted, endpoint="unmatched", method="other", status_class="4xx") + 1
    # The scrape before this one is counted too.
    assert value(after, counted, endpoint="main.metrics", method="GET", status_class="2xx") >= 1

    timed = "lms_http_request_duration_seconds_count"
    assert value(after, timed, endpoint="learning.verify") == value(before, timed, endpoint="learning.verify") + 3
    assert value(after, "lms_http_request_duration_seconds_sum", endpoint="learning.verify") > \
        value(before, "lms_http_request_duration_seconds_sum", endpoint="learning.verify")
    slowest = value(after, "lms_http_request_duration_seconds_bucket", endpoint="learning.verify", le="+Inf")
    assert slowest == value(after, timed, endpoint="learning.verify")

    # Labels are the URL map's endpoint names, never a path or an id from one. (The counters are the process's:
    # labels already there before came from other apps a test built in this process, such as the benchmarks'.)
    endpoints = labels_of(after, counted, "endpoint") | labels_of(after, "lms_http_request_duration_seconds_bucket",
                                                                   "endpoint")
    earlier = labels_of(before, counted, "endpoint") | labels_of(before, "lms_http_request_duration_seconds_bucket",
                                                                 "endpoint")
    assert endpoints - earlier <= {rule.endpoint for rule in client.application.url_map.iter_rules()} | {"unmatched"}
    assert not any("/" in name or "AAAA" in name for name in endpoints)
    assert labels_of(after, counted, "method") <= {"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS", "other"}
    assert labels_of(after, counted, "status_class") <= {"1xx", "2xx", "3xx", "4xx", "5xx"}


@pytest.mark.db
def test_reading_the_metrics_asks_the_database_nothing(client, app, db):
    from lms.extensions import db as database

    statements = []
    listener = lambda *args: statements.append(args[2])  # noqa: E731
    event.listen(database.engine, "before_cursor_execute", listener)
    try:
        assert client.get("/metrics").status_code == 200
        assert client.get("/metrics", environ_base=OUTSIDE).status_code == 404
    finally:
        event.remove(database.engine, "before_cursor_execute", listener)
    assert statements == []


@pytest.mark.db
def test_the_throttles_refusals_are_counted(client, world):
    before = scrape(client)
    email = world["trainee"].email
    codes = []
    for _ in range(7):
        page = client.get("/login", environ_base={"REMOTE_ADDR": "10.9.8.7"})
        codes.append(client.post("/login", environ_base={"REMOTE_ADDR": "10.9.8.7"}, data={
            "email": email, "password": "wrong-password", "csrf_token": csrf_token(page.get_data(as_text=True))},
        ).status_code)
    assert codes == [200] * 5 + [429] * 2
    after = scrape(client)
    name = "lms_login_refusals_total"
    assert value(after, name, purpose="login", scope="account") == \
        value(before, name, purpose="login", scope="account") + 2
    assert value(after, name, purpose="login", scope="address") == value(before, name, purpose="login", scope="address")


# --- who may read them ---------------------------------------------------------------------------------------

@pytest.fixture()
def metrics_config(app, monkeypatch):
    """Set LMS_METRICS_TOKEN / LMS_METRICS_ALLOW of the running app for one test."""
    def configure(token: str = "", allow: str | None = None):
        monkeypatch.setitem(app.config, "METRICS_TOKEN", token)
        if allow is not None:
            monkeypatch.setitem(app.config, "METRICS_ALLOW",
                                tuple(ipaddress.ip_network(n) for n in allow.split(",") if n))
    return configure


def not_found_like_any_other(client, response):
    """A refusal looks like an address where nothing is: same status and page title, nothing of the metrics."""
    unknown = client.get("/nothing-here", environ_base=OUTSIDE)
    title = re.compile(r"<title>(.*?)</title>", re.S)
    body = response.get_data(as_text=True)
    return (response.status_code == unknown.status_code == 404
            and title.search(body).group(1) == title.search(unknown.get_data(as_text=True)).group(1)
            and "lms_" not in body and "WWW-Authenticate" not in response.headers)


@pytest.mark.db
def test_other_addresses_get_not_found_without_the_token(client, metrics_config):
    metrics_config(token=TOKEN)
    assert not_found_like_any_other(client, client.get("/metrics", environ_base=OUTSIDE))
    for wrong in ("Bearer " + TOKEN[:-1], "Bearer " + TOKEN + "x", "Basic " + TOKEN, TOKEN, "Bearer", "Bearer  "):
        refused = client.get("/metrics", environ_base=OUTSIDE, headers={"Authorization": wrong})
        assert not_found_like_any_other(client, refused), wrong
    # The token is a header, never a query parameter (those end up in access logs).
    assert client.get(f"/metrics?token={TOKEN}", environ_base=OUTSIDE).status_code == 404
    # The client's own X-Forwarded-For is not believed without LMS_TRUSTED_PROXIES.
    assert client.get("/metrics", environ_base=OUTSIDE, headers={"X-Forwarded-For": "127.0.0.1"}).status_code == 404


@pytest.mark.db
def test_the_token_opens_them_from_anywhere(client, metrics_config):
    metrics_config(token=TOKEN)
    samples = scrape(client, environ_base=OUTSIDE, headers={"Authorization": f"Bearer {TOKEN}"})
    assert any(name == "lms_http_requests_total" for name, _ in samples)
    scrape(client, environ_base=OUTSIDE, headers={"Authorization": f"bearer {TOKEN}"})  # the scheme's case is free


@pytest.mark.db
def test_without_a_configured_token_no_bearer_opens_them(client, metrics_config):
    metrics_config(token="")
    for given in ("Bearer ", "Bearer none", f"Bearer {TOKEN}"):
        assert client.get("/metrics", environ_base=OUTSIDE, headers={"Authorization": given}).status_code == 404


@pytest.mark.db
def test_the_allowed_networks_decide_by_address(client, metrics_config):
    # The default: loopback only, IPv4 and IPv6 (and IPv4 seen through a dual-stack socket).
    for address in ("127.0.0.1", "::1", "::ffff:127.0.0.1"):
        scrape(client, environ_base={"REMOTE_ADDR": address})
    for address in ("127.0.0.2", "10.0.0.1", "::2", "", "unix-socket"):
        assert client.get("/metrics", environ_base={"REMOTE_ADDR": address}).status_code == 404, address
    metrics_config(allow="203.0.113.0/24,fd00::/8")
    scrape(client, environ_base=OUTSIDE)
    scrape(client, environ_base={"REMOTE_ADDR": "fd12::5"})
    assert client.get("/metrics").status_code == 404  # 127.0.0.1 is no longer listed
    metrics_config(allow="")
    assert client.get("/metrics").status_code == 404  # none: the token only


@pytest.mark.db
def test_a_proxy_the_settings_do_not_know_of_opens_nothing(client, metrics_config):
    """nginx in front with LMS_TRUSTED_PROXIES left at 0: every request comes from 127.0.0.1, the public's
    too. The X-Forwarded-For header nginx adds shows it, and the address rule is then not applied."""
    through_nginx = {"X-Forwarded-For": "203.0.113.7"}
    assert client.get("/metrics", headers=through_nginx).status_code == 404
    metrics_config(token=TOKEN)
    scrape(client, headers={**through_nginx, "Authorization": f"Bearer {TOKEN}"})  # the token still opens it


def test_behind_a_proxy_the_address_it_vouches_for_decides(database_url, tmp_path):
    """With LMS_TRUSTED_PROXIES=1 the connection comes from the proxy (127.0.0.1): the client named in the
    proxy's X-Forwarded-For entry is the one checked, so the public going through nginx is refused."""
    from lms import create_app
    from lms.extensions import db

    app = create_app({"TESTING": True, "SECRET_KEY": "test", "INSTANCE_PATH": str(tmp_path),
                      "SQLALCHEMY_DATABASE_URI": database_url, "TRUSTED_PROXIES": 1})
    try:
        client = app.test_client()
        proxy = {"REMOTE_ADDR": "127.0.0.1"}
        assert client.get("/metrics", environ_base=proxy, headers={"X-Forwarded-For": "203.0.113.7"}).status_code == 404
        # A client writing 127.0.0.1 itself: the proxy appends the real address, which is the one believed.
        spoofed = client.get("/metrics", environ_base=proxy, headers={"X-Forwarded-For": "127.0.0.1, 203.0.113.7"})
        assert spoofed.status_code == 404
        # Prometheus on the machine, asking gunicorn directly (no proxy header): loopback.
        assert client.get("/metrics", environ_base=proxy).status_code == 200
    finally:
        with app.app_context():
            db.engine.dispose()


@pytest.mark.parametrize(("variable", "value", "message"), [
    ("LMS_METRICS_ALLOW", "10.0.0.1/8", "LMS_METRICS_ALLOW: '10.0.0.1/8' is not an address or a network"),
    ("LMS_METRICS_ALLOW", "intranet", "LMS_METRICS_ALLOW: 'intranet' is not an address or a network"),
    ("LMS_METRICS_TOKEN", "short", "LMS_METRICS_TOKEN must be at least 24 characters"),
    ("LMS_LOG_FORMAT", "xml", "LMS_LOG_FORMAT must be one of text, json"),
])
def test_wrong_settings_stop_with_a_message_naming_them(monkeypatch, tmp_path, variable, value, message):
    monkeypatch.setenv(variable, value)
    with pytest.raises(ConfigError, match=re.escape(message)):
        load_config(SECRET_KEY="x", INSTANCE_PATH=str(tmp_path))


def test_the_settings_read_networks_and_none(monkeypatch, tmp_path):
    monkeypatch.setenv("LMS_METRICS_ALLOW", " 10.0.0.0/8 , 192.0.2.5,fd00::/8 ")
    config = load_config(SECRET_KEY="x", INSTANCE_PATH=str(tmp_path))
    assert [str(n) for n in config["METRICS_ALLOW"]] == ["10.0.0.0/8", "192.0.2.5/32", "fd00::/8"]
    monkeypatch.setenv("LMS_METRICS_ALLOW", "none")
    assert load_config(SECRET_KEY="x", INSTANCE_PATH=str(tmp_path))["METRICS_ALLOW"] == ()
    monkeypatch.delenv("LMS_METRICS_ALLOW")
    assert [str(n) for n in load_config(SECRET_KEY="x", INSTANCE_PATH=str(tmp_path))["METRICS_ALLOW"]] == \
        ["127.0.0.1/32", "::1/128"]


# --- the database pool -----------------------------------------------------------------------------------------

def gauge(name: str) -> float:
    return REGISTRY.get_sample_value(name)


def test_the_pool_gauges_follow_checkouts_and_overflow(tmp_path: Path):
    engine = create_engine(f"sqlite:///{tmp_path / 'pool.sqlite3'}", poolclass=QueuePool, pool_size=2,
                           max_overflow=3)
    watch_pool(engine)
    try:
        assert gauge("lms_db_pool_size") == 2
        base = gauge("lms_db_pool_checked_out")
        connections = [engine.connect() for _ in range(3)]
        assert gauge("lms_db_pool_checked_out") == base + 3
        assert gauge("lms_db_pool_overflow") == 1  # the third is beyond the pool's size
        connections.pop().close()  # back in the pool, idle: three connections are still open
        assert gauge("lms_db_pool_checked_out") == base + 2 and gauge("lms_db_pool_overflow") == 1
        for connection in connections:
            connection.close()  # the last one back finds the pool full (two idle) and is closed
        assert gauge("lms_db_pool_checked_out") == base and gauge("lms_db_pool_overflow") == 0
        with engine.connect():
            assert gauge("lms_db_pool_checked_out") == base + 1 and gauge("lms_db_pool_overflow") == 0
    finally:
        engine.dispose()


def test_a_pool_without_a_size_counts_what_is_in_use(tmp_path: Path):
    engine = create_engine("sqlite://", poolclass=SingletonThreadPool)  # SQLite in memory: one per thread
    watch_pool(engine)
    try:
        base = gauge("lms_db_pool_checked_out")
        with engine.connect():
            assert gauge("lms_db_pool_checked_out") == base + 1
        assert gauge("lms_db_pool_checked_out") == base
    finally:
        engine.dispose()
