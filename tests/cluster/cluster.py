#!/usr/bin/env python3
"""The production topology under a mixed load, with nothing lost.

Several app instances (a release build) share one PostgreSQL database, one Meilisearch, one
S3-compatible bucket and one SMTP server. For a bounded time:

- shoppers search and browse on every instance;
- buyers check out carts of products from several sellers on every instance;
- a seller edits price, description, stock (restocks) and state through the seller API;
- an officer delists products through the officers' page;
- a registry import revokes certificates (the command line);
- a rebuild of the search index runs (the command line);
- one instance is killed with SIGKILL and restarted.

During the run, every hiding change (revoked, delisted, paused) is watched until search stops
finding it; afterwards, once the outbox is drained, it checks and prints:

- for every listing: stock + units sold = stock at the start + restocks (no oversell, no lost
  sale);
- the index equals the database for every listing (`ocop-village search verify`);
- no hidden product was findable longer than the stated bound after its change returned;
- every e-mail was sent once (Message-IDs in the SMTP server, one per outbox entry), except a
  message the killed instance had handed to the SMTP server but not yet recorded as sent:
  delivery is at least once (README), so such a message may come twice, its first copy
  received just before the kill; any other repeat fails the test;
- every order whose checkout answered with its page exists;
- no half-written record (`ocop-village check`).

Then, if Locust is given, the shopper mix's throughput and p99 on one instance and on two.

    tests/cluster/run.sh BIN PYTHON POSTGRES_URL   (see run.sh for the services it starts)

Configuration comes from the environment run.sh sets (OCOP_CLUSTER_*).
"""
import atexit
import json
import os
import random
import re
import signal
import statistics
import subprocess
import sys
import threading
import time
from datetime import datetime
import uuid

import requests

BIN = os.environ["OCOP_CLUSTER_BIN"]
DATABASE_URL = os.environ["DATABASE_URL"]
WORK = os.environ["OCOP_CLUSTER_WORK"]
SECONDS = float(os.environ.get("OCOP_CLUSTER_SECONDS", "60"))
INSTANCES = int(os.environ.get("OCOP_CLUSTER_INSTANCES", "3"))
MAILDEV_API = os.environ["OCOP_CLUSTER_MAILDEV_API"]
LOCUST = os.environ.get("OCOP_CLUSTER_LOCUST", "")
LOAD_SECONDS = int(os.environ.get("OCOP_CLUSTER_LOAD_SECONDS", "20"))
REGISTRY = os.environ["OCOP_CLUSTER_REGISTRY"]
FIRST_PORT = 18201
# A hidden product may still be found for at most this long after its change returned.
BOUND = 15.0

CSRF = re.compile(r'name="csrf" value="([0-9a-f]+)"')
KEY = re.compile(r'name="idempotency_key" value="([0-9a-f-]{36})"')
SIZE = re.compile(r'name="variant" value="(\d+)" required checked')
TOKEN = re.compile(r"<code>(ocop_[0-9a-f]+)</code>")

lock = threading.Lock()
stop = threading.Event()
latencies = {}  # kind -> [seconds]
failures = []  # (kind, detail)
placed = []  # order page paths
turned_away = []  # checkouts refused with a clear message: a product sold out or left the shop meanwhile
# The messages of those refusals (storefront/i18n/vi.toml: cart.error.not_for_sale, not_enough).
LEFT_THE_SHOP = ("Sản phẩm này không còn được bán.", "Chỉ còn ")
restocks = {}  # listing pid -> units added
hidden = []  # (certificate_no, why, time the change returned)
lags = []  # (certificate_no, why, seconds until search stopped finding it)
killed_at = []  # when the instance was killed (Unix time)
events = []  # (time, text)


def note(text):
    with lock:
        events.append((time.time(), text))
    print(f"  [{time.strftime('%H:%M:%S')}] {text}", flush=True)


def record(kind, seconds):
    with lock:
        latencies.setdefault(kind, []).append(seconds)


def fail(kind, detail):
    with lock:
        failures.append((kind, detail))


def received_at(message):
    """When the SMTP server received a message (maildev's `time`, UTC), as a Unix time."""
    stamp = message.get("time") or message.get("date")
    return datetime.fromisoformat(stamp.replace("Z", "+00:00")).timestamp()


def sent_at_the_kill(times, killed_at):
    """Two copies, the first received in the second around the SIGKILL (the killed instance
    had handed it over and not yet recorded it) and the second after it (the claim lapsed and
    another instance sent it): the at-least-once case, not a fencing failure."""
    return (len(times) == 2 and bool(killed_at)
            and killed_at[0] - 1.0 <= times[0] <= killed_at[0] + 0.5 < times[1])


def psql(sql):
    out = subprocess.run(["psql", DATABASE_URL, "-tAc", sql], check=True, capture_output=True, text=True)
    return [line.split("|") for line in out.stdout.strip().splitlines() if line]


def env_for(n):
    env = dict(os.environ)
    env.update({"PORT": str(FIRST_PORT + n), "DATA_DIR": f"{WORK}/instance-{n}", "RUST_LOG": "warn"})
    return env


class Instance:
    def __init__(self, n):
        self.n = n
        self.url = f"http://127.0.0.1:{FIRST_PORT + n}"
        self.process = None

    def start(self):
        os.makedirs(f"{WORK}/instance-{self.n}", exist_ok=True)
        log = open(f"{WORK}/instance-{self.n}.log", "a")
        self.process = subprocess.Popen([BIN, "serve"], env=env_for(self.n), stdout=log, stderr=log)
        deadline = time.time() + 120
        while time.time() < deadline:
            try:
                if requests.get(self.url + "/readyz", timeout=2).status_code == 200:
                    return
            except requests.RequestException:
                pass
            if self.process.poll() is not None:
                break
            time.sleep(0.3)
        print(open(f"{WORK}/instance-{self.n}.log").read()[-3000:])
        raise SystemExit(f"instance {self.n} did not start")

    def kill(self):
        self.process.send_signal(signal.SIGKILL)
        self.process.wait()

    def stop(self):
        if self.process and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.process.kill()


def command(*args, check=True):
    env = env_for(99)
    os.makedirs(env["DATA_DIR"], exist_ok=True)
    return subprocess.run([BIN, *args], env=env, check=check, capture_output=True, text=True)


def backlog():
    return int(psql("SELECT COUNT(*) FROM outbox WHERE done_at IS NULL")[0][0])


def wait_for_quiet(limit=90):
    deadline = time.time() + limit
    while time.time() < deadline:
        if backlog() == 0:
            return True
        time.sleep(0.5)
    return False


def session(base, email, password):
    s = requests.Session()
    page = s.get(base + "/account/login", timeout=10).text
    token = CSRF.search(page).group(1)
    r = s.post(base + "/account/login", data={"csrf": token, "email": email, "password": password},
               allow_redirects=False, timeout=10)
    assert r.status_code == 303, f"sign-in of {email}: {r.status_code}"
    return s


def timed(kind, call):
    started = time.time()
    try:
        response = call()
    except requests.RequestException as e:
        # A killed instance drops its connections: a client retries elsewhere.
        fail(kind, f"connection: {e.__class__.__name__}")
        return None
    record(kind, time.time() - started)
    return response


def shopper(hosts, queries, slugs):
    rng = random.Random()
    while not stop.is_set():
        base = rng.choice(hosts())
        pick = rng.random()
        if pick < 0.4:
            r = timed("search page", lambda: requests.get(base + "/search", params={"q": rng.choice(queries)}, timeout=10))
        elif pick < 0.7:
            r = timed("search API", lambda: requests.get(
                base + "/api/v1/search", params={"q": rng.choice(queries), "stars": rng.choice(["", "4,5"])}, timeout=10))
        else:
            r = timed("product page", lambda: requests.get(base + "/products/" + rng.choice(slugs), timeout=10))
        if r is not None and r.status_code not in (200, 404):
            fail("shopper", f"{r.status_code} {r.url}")


def buyer(hosts, by_seller):
    rng = random.Random()
    sellers = list(by_seller)
    while not stop.is_set():
        base = rng.choice(hosts())
        s = requests.Session()
        try:
            for seller in rng.sample(sellers, rng.randint(1, 3)):
                slug = rng.choice(by_seller[seller])
                page = s.get(base + "/products/" + slug, timeout=10).text
                csrf = CSRF.search(page)
                listing = re.search(r'name="listing" value="([0-9a-f-]{36})"', page)
                if not (csrf and listing):
                    continue  # sold out or hidden meanwhile
                data = {"csrf": csrf.group(1), "listing": listing.group(1), "quantity": "1"}
                size = SIZE.search(page)
                if size:
                    data["variant"] = size.group(1)  # the pack size the page has checked
                s.post(base + "/cart/add", data=data, allow_redirects=False, timeout=10)
            form = s.get(base + "/checkout", timeout=10).text
            key, csrf = KEY.search(form), CSRF.search(form)
            if not (key and csrf):
                continue
            started = time.time()
            r = s.post(base + "/checkout", data={
                "csrf": csrf.group(1), "idempotency_key": key.group(1), "name": "Người mua cụm",
                "email": "cum@example.vn", "phone": "0912 345 678", "province": "ha-noi",
                "commune": "phường Hoàn Kiếm", "street": "1 Tràng Tiền", "delivery": "home", "payment": "cod",
            }, allow_redirects=False, timeout=20)
            record("checkout", time.time() - started)
            location = r.headers.get("location", "")
            if r.status_code == 303 and "/orders/OV-" in location:
                with lock:
                    placed.append(location)
            elif r.status_code == 409 and any(why in r.text for why in LEFT_THE_SHOP):
                with lock:
                    turned_away.append(key.group(1))  # sold out or hidden between the cart and the checkout
            else:
                said = re.search(r'role="alert">(.*?)</div>', r.text, re.S)
                fail("checkout", f"{r.status_code} {re.sub('<[^>]+>', ' ', said.group(1)).strip() if said else ''}")
        except requests.RequestException as e:
            fail("buyer", f"connection: {e.__class__.__name__}")


def searchable(base, certificate_no):
    r = requests.get(base + "/api/v1/search", params={"q": certificate_no, "per_page": 50}, timeout=10)
    if r.status_code != 200:
        return None
    return any(h["certificate_no"] == certificate_no for h in r.json()["hits"])


def watch(hosts, certificate_no, why, changed_at):
    """Polls search until the hidden product is no longer found; records how long it took."""
    while True:
        found = searchable(random.choice(hosts()), certificate_no)
        if found is False:
            with lock:
                lags.append((certificate_no, why, time.time() - changed_at))
            return
        if time.time() - changed_at > 60:
            with lock:
                lags.append((certificate_no, why, float("inf")))
            return
        time.sleep(0.1)


def hide(hosts, certificate_no, why):
    changed_at = time.time()
    with lock:
        hidden.append((certificate_no, why, changed_at))
    threading.Thread(target=watch, args=(hosts, certificate_no, why, changed_at), daemon=True).start()


def seller(hosts, token, listings):
    """The demo seller's phone app: prices, descriptions, restocks, one pause."""
    rng = random.Random(7)
    paused = False
    while not stop.is_set():
        base = rng.choice(hosts())
        pid, cert = rng.choice(listings)
        pick = rng.random()
        headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
        if pick < 0.3:
            body, kind = {"price_vnd": rng.randrange(50, 500) * 1000}, "seller: price"
        elif pick < 0.6:
            body, kind = {"description_vi": f"Mô tả {uuid.uuid4().hex[:8]}"}, "seller: description"
        elif pick < 0.95 or paused:
            body, kind = {"stock_delta": rng.randint(1, 5)}, "seller: restock"
        else:
            body, kind = {"state": "paused"}, "seller: pause"
        try:
            started = time.time()
            r = requests.patch(f"{base}/api/v1/seller/listings/{pid}", data=json.dumps(body), headers=headers, timeout=10)
            record(kind, time.time() - started)
        except requests.RequestException as e:
            fail(kind, f"connection: {e.__class__.__name__}")
            continue
        if r.status_code == 200:
            if "stock_delta" in body:
                with lock:
                    restocks[pid] = restocks.get(pid, 0) + body["stock_delta"]
            if body.get("state") == "paused":
                paused = True
                listings = [(p, c) for p, c in listings if p != pid]
                hide(hosts, cert, "paused by the seller")
        elif r.status_code != 409:  # 409: e.g. delisted by the officer meanwhile
            fail(kind, f"{r.status_code} {r.text[:200]}")
        time.sleep(0.05)


def officer(hosts, slugs_with_certs, times):
    s = session(hosts()[0], "canbo@ocop.demo", "demo-canbo-2026")
    for at, (slug, cert) in zip(times, slugs_with_certs):
        while time.time() < at and not stop.is_set():
            time.sleep(0.1)
        if stop.is_set():
            return
        page = s.get(hosts()[0] + "/officer", timeout=10).text
        token = CSRF.search(page).group(1)
        r = s.post(hosts()[0] + "/officer/listings/delist",
                   data={"csrf": token, "product": "/products/" + slug, "reason": "nhãn không đúng quy định"},
                   allow_redirects=False, timeout=10)
        if r.status_code in (200, 303):
            note(f"officer delisted {cert}")
            hide(hosts, cert, "delisted by the officer")
        else:
            fail("officer", f"{r.status_code}")


def sampler(samples):
    """Every 10 s during the load: no half-written record, no negative stock."""
    while not stop.wait(10):
        checked = command("check", check=False)
        negative = int(psql("SELECT COUNT(*) FROM listings WHERE stock < 0")[0][0])
        with lock:
            samples.append((checked.returncode == 0 and negative == 0, checked.stdout.strip()[-200:]))


def revoking_registry(certificates):
    """The demo registry as seeded (the sample, its dates moved to the seeding day: taken from
    the database) with `certificates` revoked."""
    import csv as csvlib
    seeded = {row[0]: (row[1], row[2]) for row in
              psql("SELECT certificate_no, recognized_on, expires_on FROM registry_certificates")}
    path = f"{WORK}/registry-revoked.csv"
    with open(REGISTRY, encoding="utf-8", newline="") as src, open(path, "w", encoding="utf-8", newline="") as out:
        out.write(src.readline())  # the comment line
        reader = csvlib.DictReader(src)
        writer = csvlib.DictWriter(out, fieldnames=reader.fieldnames, lineterminator="\n")
        writer.writeheader()
        for row in reader:
            number = row["certificate_no"]
            if number in seeded:
                row["recognized_on"], row["expires_on"] = seeded[number]
            if number in certificates:
                row["status"] = "revoked"
            writer.writerow(row)
    return path


def search_log_lines():
    """What the instances logged about search writes: why a hidden product stayed found."""
    pattern = re.compile(r"search (sync|rebuild|writer|index)|rebuil|lease", re.I)
    for n in range(INSTANCES):
        lines = [line.rstrip() for line in open(f"{WORK}/instance-{n}.log", errors="replace") if pattern.search(line)]
        print(f"    instance {n}: {len(lines)} log lines about search writes" + (", the last ones:" if lines else ""))
        for line in lines[-15:]:
            print("      " + line[:300])


def percentile(values, q):
    values = sorted(values)
    return values[min(len(values) - 1, int(round((len(values) - 1) * q)))] if values else 0.0


def main():
    print(f"== cluster: {INSTANCES} instances, one PostgreSQL, one Meilisearch, one bucket, one SMTP server; {SECONDS:.0f} s of mixed load")
    seeded = command("seed", "--demo")
    print("  " + seeded.stdout.splitlines()[0])
    instances = [Instance(n) for n in range(INSTANCES)]
    atexit.register(lambda: [i.stop() for i in instances])
    for instance in instances:
        instance.start()
    alive = {i.url for i in instances}
    hosts = lambda: sorted(alive)  # noqa: E731
    assert wait_for_quiet(), "the outbox did not drain after start-up"
    for _ in range(60):
        if command("search", "verify", check=False).returncode == 0:
            break
        time.sleep(1)
    base = instances[0].url
    catalog = requests.get(base + "/api/v1/search", params={"per_page": 100}, timeout=10).json()["hits"]
    catalog += requests.get(base + "/api/v1/search", params={"per_page": 100, "page": 2}, timeout=10).json()["hits"]
    slugs = [h["slug"] for h in catalog]
    by_seller = {}
    for h in catalog:
        if h["in_stock"]:
            by_seller.setdefault(h["seller_name"], []).append(h["slug"])

    # The demo seller's listings and an API token made on its account page.
    seller_session = session(base, "nguoiban@ocop.demo", "demo-nguoiban-2026")
    account = seller_session.get(base + "/account", timeout=10).text
    made = seller_session.post(base + "/account/tokens", data={"csrf": CSRF.search(account).group(1), "name": "cluster test"}, timeout=10)
    token = TOKEN.search(made.text).group(1)
    mine = requests.get(base + "/api/v1/seller/listings", headers={"Authorization": f"Bearer {token}"},
                        timeout=10).json()["listings"]
    seller_listings = [(l["pid"], l["certificate_no"]) for l in mine if l["state"] == "published"]
    seller_certs = {c for _, c in seller_listings}
    seller_province = psql(
        "SELECT c.province_code FROM listings l JOIN registry_certificates c ON c.id = l.certificate_id "
        f"WHERE l.pid = '{seller_listings[0][0]}'")[0][0]
    province_products = requests.get(base + "/api/v1/search", params={"province": seller_province, "per_page": 100},
                                      timeout=10).json()["hits"]
    to_delist = [(h["slug"], h["certificate_no"]) for h in province_products if h["certificate_no"] not in seller_certs][:2]
    others = [h["certificate_no"] for h in catalog
              if h["certificate_no"] not in seller_certs and h["certificate_no"] not in {c for _, c in to_delist}]
    to_revoke = set(random.Random(3).sample(others, 3))

    # The start: every listing's stock, and no mail yet in the SMTP server.
    start_stock = {pid: int(stock) for pid, stock in psql("SELECT pid, stock FROM listings")}
    start_checkout = int(psql("SELECT COALESCE(MAX(id), 0) FROM checkouts")[0][0])
    start_mail_id = int(psql("SELECT COALESCE(MAX(id), 0) FROM outbox")[0][0])
    requests.delete(MAILDEV_API + "/email/all", timeout=10)
    queries = ["tra", "mat ong", "ca phe", "gao", "nuoc mam", "ruou", "banh", "tra shan tuyet", "ha giang", "tea"]

    t0 = time.time()
    threads = [threading.Thread(target=shopper, args=(hosts, queries, slugs)) for _ in range(6)]
    threads += [threading.Thread(target=buyer, args=(hosts, by_seller)) for _ in range(5)]
    threads.append(threading.Thread(target=seller, args=(hosts, token, seller_listings)))
    threads.append(threading.Thread(target=officer, args=(hosts, to_delist, [t0 + SECONDS * 0.2, t0 + SECONDS * 0.7])))
    samples = []
    threads.append(threading.Thread(target=sampler, args=(samples,)))
    for t in threads:
        t.start()

    def at(fraction):
        while time.time() < t0 + SECONDS * fraction:
            time.sleep(0.1)

    at(0.3)
    imported = command("registry", "import", revoking_registry(to_revoke), "--by", "cluster test")
    note("registry import: " + imported.stdout.strip().splitlines()[-1][:160])
    for cert in to_revoke:
        hide(hosts, cert, "revoked in the registry")
    at(0.45)
    rebuild = subprocess.Popen([BIN, "search", "reindex"], env=env_for(98), stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    note("search reindex started")
    at(0.6)
    victim = instances[1]
    alive.discard(victim.url)
    victim.kill()
    killed_at.append(time.time())
    note(f"instance {victim.n} killed with SIGKILL")
    time.sleep(3)
    victim.start()
    alive.add(victim.url)
    note(f"instance {victim.n} restarted")
    out, _ = rebuild.communicate(timeout=600)
    note("search reindex: " + out.strip().splitlines()[-1][:160])
    at(1.0)
    stop.set()
    for t in threads:
        t.join(timeout=60)
    elapsed = time.time() - t0
    print(f"  load stopped after {elapsed:.0f} s; waiting for the outbox to drain")

    problems = []
    if not wait_for_quiet():
        problems.append(f"the outbox still holds {backlog()} entries")
    verified = None
    for _ in range(20):
        verified = command("search", "verify", check=False)
        if verified.returncode == 0:
            break
        time.sleep(0.5)
    print("  search verify: " + verified.stdout.strip().splitlines()[0])
    if verified.returncode != 0:
        problems.append("the index differs from the database:\n" + verified.stdout)

    # Stock: now + sold since the start = at the start + restocks, listing by listing.
    sold = {pid: int(n) for pid, n in psql(
        "SELECT l.pid, COALESCE(SUM(i.quantity), 0) FROM listings l "
        "JOIN order_items i ON i.listing_id = l.id JOIN orders o ON o.id = i.order_id "
        "JOIN checkouts c ON c.id = o.checkout_id "
        f"WHERE c.id > {start_checkout} "
        "AND o.state <> 'cancelled' AND c.outlet_id IS NULL GROUP BY l.pid")}
    now_stock = {pid: int(stock) for pid, stock in psql("SELECT pid, stock FROM listings")}
    wrong = [(pid, start_stock[pid], sold.get(pid, 0), restocks.get(pid, 0), now_stock[pid])
             for pid in start_stock
             if now_stock[pid] + sold.get(pid, 0) != start_stock[pid] + restocks.get(pid, 0)]
    print(f"  stock: {len(start_stock)} listings, {sum(sold.values())} units sold, {sum(restocks.values())} restocked, "
          f"{len(wrong)} listings off")
    if wrong:
        problems.append(f"stock does not add up for {len(wrong)} listings (pid, start, sold, restocked, now): {wrong[:5]}")

    # Hidden products: each stopped being found within the bound.
    late = [lag for lag in lags if lag[2] > BOUND]
    if len(lags) < len(hidden):
        time.sleep(BOUND)
    worst = max((lag[2] for lag in lags), default=0.0)
    print(f"  hidden products: {len(hidden)} changes (revoked, delisted, paused); gone from search within "
          f"{worst:.2f} s at worst (bound {BOUND:.0f} s)")
    for cert, why, lag in sorted(lags, key=lambda x: -x[2]):
        print(f"    {cert}: {why}, gone after {lag:.2f} s")
    if late or len(lags) < len(hidden):
        search_log_lines()
        problems.append(f"hidden products still found after {BOUND} s: {late} ({len(lags)} of {len(hidden)} watched to the end)")

    # Mail: one message per outbox entry, none twice, unless it was in flight at the kill.
    messages = requests.get(MAILDEV_API + "/email", timeout=30).json()
    received = {}
    for m in messages:
        mid = m.get("messageId") or m.get("headers", {}).get("message-id")
        received.setdefault(mid, []).append(received_at(m))
    repeated = {mid: sorted(times) for mid, times in received.items() if len(times) > 1}
    in_flight = {mid: times for mid, times in repeated.items() if sent_at_the_kill(times, killed_at)}
    duplicates = {mid: times for mid, times in repeated.items() if mid not in in_flight}
    expected = {f"outbox-{n}@127.0.0.1" for (n,) in psql(
        f"SELECT id FROM outbox WHERE topic = 'mail.send' AND id > {start_mail_id} AND done_at IS NOT NULL")}
    got = {i.strip("<>") for i in received if i}
    missing_mail = expected - got
    print(f"  e-mail: {len(messages)} messages, {len(duplicates)} sent twice, {len(in_flight)} in flight at "
          f"the kill and sent again (at least once), {len(missing_mail)} recorded as sent but missing")
    if duplicates or missing_mail:
        problems.append(f"mail: {len(duplicates)} duplicates {sorted(duplicates)[:5]}, "
                        f"missing {sorted(missing_mail)[:5]}")

    # Every order the shoppers saw confirmed is there.
    refs = sorted({p.rsplit("/", 1)[-1].split("?")[0] for p in placed})
    present = set()
    for i in range(0, len(refs), 200):
        chunk = ",".join(f"'{r}'" for r in refs[i:i + 200])
        present |= {r for (r,) in psql(f"SELECT reference FROM checkouts WHERE reference IN ({chunk})")}
    lost = [r for r in refs if r not in present]
    print(f"  orders: {len(refs)} confirmed to shoppers, {len(lost)} missing; {len(turned_away)} refused with a "
          f"clear message (a product sold out or left the shop between the cart and the checkout)")
    if lost or not refs:
        problems.append(f"confirmed orders missing: {lost[:5]}" if lost else "no checkout was placed")

    bad_samples = [text for ok, text in samples if not ok]
    print(f"  samples during the load: {len(samples)} integrity checks, {len(bad_samples)} failed")
    if bad_samples:
        problems.append(f"integrity broken during the load: {bad_samples[:3]}")
    checked = command("check", check=False)
    print("  integrity: " + checked.stdout.strip().splitlines()[-1])
    if checked.returncode != 0:
        problems.append(checked.stdout)

    print(f"  {'requests':<22}{'count':>7}{'p50 ms':>9}{'p99 ms':>9}")
    for kind in sorted(latencies):
        values = latencies[kind]
        print(f"  {kind:<22}{len(values):>7}{percentile(values, 0.5) * 1000:>9.1f}{percentile(values, 0.99) * 1000:>9.1f}")
    total = sum(len(v) for v in latencies.values())
    print(f"  {total} requests in {elapsed:.0f} s ({total / elapsed:.0f}/s) with one instance killed; "
          f"{len(failures)} failed (connections cut by the kill, retried elsewhere)")
    refused = [f for f in failures if not f[1].startswith("connection")]
    if refused:
        problems.append(f"requests refused: {refused[:10]}")

    if LOCUST:
        throughput(instances)
    for instance in instances:
        instance.stop()
    if problems:
        print("CLUSTER TEST FAILED:")
        for p in problems:
            print("  - " + p)
        sys.exit(1)
    print("== cluster test passed: nothing lost")


def throughput(instances):
    """The shopper mix (Locust, no pauses) on one instance, then spread over two."""
    print(f"== throughput: the Locust shopper mix, 16 users without pauses, {LOAD_SECONDS} s each")
    for label, hosts in (("1 instance", instances[:1]), ("2 instances", instances[:2])):
        csv = f"{WORK}/load-{len(hosts)}"
        env = dict(os.environ, OCOP_THINK="0", OCOP_HOSTS=" ".join(h.url for h in hosts))
        subprocess.run([LOCUST, "-f", os.path.join(os.path.dirname(__file__), "..", "load", "locustfile.py"), "Shopper",
                        "--headless", "-u", "16", "-r", "16", "-t", f"{LOAD_SECONDS}s", "--host", hosts[0].url,
                        "--csv", csv, "--only-summary"], env=env, capture_output=True, check=False)
        import csv as csvlib
        rows = {r["Name"]: r for r in csvlib.DictReader(open(csv + "_stats.csv"))}
        a = rows["Aggregated"]
        print(f"  {label:<12} {float(a['Requests/s']):>7.0f} req/s   p50 {a['50%']:>4} ms   p99 {a['99%']:>5} ms   "
              f"failures {a['Failure Count']} of {a['Request Count']}")


if __name__ == "__main__":
    main()
