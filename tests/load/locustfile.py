"""A realistic shopper mix against OCOP Village's demo catalog, for Locust.

Each simulated shopper searches (the storefront search page and the JSON API), opens
product pages, and now and then buys: opens a product, adds it to the cart, opens the checkout
and places a cash-on-delivery order, as a browser does (session cookies, CSRF tokens, the
form's idempotency key). Every request is checked: an unexpected status or page counts as a
failure.

    locust -f tests/load/locustfile.py Shopper --headless -u 16 -r 16 -t 60s --host http://127.0.0.1:8080

(`Buyer` instead of `Shopper`: checkouts only.)

With OCOP_THINK=0 shoppers do not pause between requests (a capacity test). With
OCOP_HOSTS="http://a:8080 http://b:8081" each shopper sticks to one of the listed app
instances (spread evenly), to load several instances sharing one database.
"""
import itertools
import os
import random
import re
from urllib.parse import urlencode

from locust import FastHttpUser, between, task

QUERIES = ["tra", "mat ong", "ca phe", "gao", "nuoc mam", "ruou", "banh", "tra shan tuyet", "hat de"]
HOSTS = os.environ.get("OCOP_HOSTS", "").split()
# Where to note each placed order's page (the fault tests open them after a crash).
PLACED_LOG = os.environ.get("OCOP_PLACED_LOG")
_next_host = itertools.cycle(HOSTS) if HOSTS else None
CSRF = re.compile(r'name="csrf" value="([0-9a-f]+)"')
LISTING = re.compile(r'name="listing" value="([0-9a-f-]{36})"')
KEY = re.compile(r'name="idempotency_key" value="([0-9a-f-]{36})"')
# The pack size the product page has checked, when the product comes in several.
SIZE = re.compile(r'name="variant" value="(\d+)" required checked')


class Shopper(FastHttpUser):
    # OCOP_THINK=0: no pause between a shopper's requests (to find the capacity).
    wait_time = between(0.0, 0.0) if os.environ.get("OCOP_THINK") == "0" else between(0.05, 0.3)

    def on_start(self):
        if _next_host is not None:
            self.client.base_url = next(_next_host)
        found = self.client.get("/api/v1/search?per_page=100", name="/api/v1/search").json()
        self.products = [h["slug"] for h in found["hits"]]
        self.in_stock = [h["slug"] for h in found["hits"] if h["in_stock"]]

    @task(6)
    def search_page(self):
        with self.client.get(
            "/search?" + urlencode({"q": random.choice(QUERIES)}), name="/search", catch_response=True
        ) as r:
            if r.status_code != 200 or "search-layout" not in r.text:
                r.failure(f"search page: {r.status_code}")

    @task(3)
    def search_api(self):
        query = {"q": random.choice(QUERIES), "stars": random.choice(["", "4,5"])}
        self.client.get("/api/v1/search?" + urlencode(query), name="/api/v1/search")

    @task(6)
    def product_page(self):
        self.client.get(f"/products/{random.choice(self.products)}", name="/products/{slug}")

    @task(1)
    def buy(self):
        slug = random.choice(self.in_stock)
        page = self.client.get(f"/products/{slug}", name="/products/{slug}").text
        csrf, listing = CSRF.search(page), LISTING.search(page)
        if not (csrf and listing):
            return  # sold out since the list was read
        data = {"csrf": csrf.group(1), "listing": listing.group(1), "quantity": "1"}
        size = SIZE.search(page)
        if size:
            data["variant"] = size.group(1)
        with self.client.post(
            "/cart/add",
            data=data,
            name="/cart/add",
            allow_redirects=False,
            catch_response=True,
        ) as r:
            if r.status_code != 303:
                r.failure(f"add to cart: {r.status_code}")
                return
        form = self.client.get("/checkout", name="/checkout").text
        key = KEY.search(form)
        if key is None:
            return  # the cart emptied (sold out meanwhile)
        with self.client.post(
            "/checkout",
            data={
                "csrf": csrf.group(1),
                "idempotency_key": key.group(1),
                "name": "Người mua thử tải",
                "email": "tai@example.vn",
                "phone": "0912 345 678",
                "province": "ha-noi",
                "commune": "phường Hoàn Kiếm",
                "street": "1 Tràng Tiền",
                "delivery": "home",
                "payment": "cod",
            },
            name="/checkout (place)",
            allow_redirects=False,
            catch_response=True,
        ) as r:
            # A product sold out between the cart and the checkout is a 400 with a message.
            location = r.headers.get("location", "")
            if r.status_code == 303 and "/orders/OV-" in location:
                r.success()
                if PLACED_LOG:
                    with open(PLACED_LOG, "a") as log:
                        log.write(location + "\n")
            elif r.status_code == 400 and "hết" in r.text:
                r.success()
            else:
                r.failure(f"checkout: {r.status_code}")


class Buyer(Shopper):
    """Only checkouts, as fast as they come: the fault tests kill the app under this load."""

    wait_time = between(0.0, 0.05)
    tasks = [Shopper.buy]
