"""A stand-in SMS gateway on 127.0.0.1, for the tests, the benchmark and local trials: it
speaks the protocol of marketing/channels/gateway.py, checks signatures, takes batches,
recognises a resubmission by its client message id (counting it as a duplicate, never as a
second message), refuses the numbers it is told to (e.g. 空号), and sends delivery
receipts the way real gateways do: late, in batches, out of order and some twice. It can
also send a customer's reply (e.g. "TD"), signed the same way.

    gateway = StandinGateway(secret="s", receipts_url="http://127.0.0.1:8000/marketing/gateway/receipts/")
    url = gateway.start()          # SMS_GATEWAY_URL
    ...
    gateway.stop()

or `python -m marketing.channels.standin --secret s --receipts-url ... --replies-url ...`.
Receipts go to `receipts_url` by a thread of their own; without one they wait for
`receipt_posts()`, which hands over the signed requests for a test to post itself.
"""

from __future__ import annotations

import argparse
import datetime
import itertools
import json
import random
import sys
import threading
import time
import urllib.error
import urllib.request
from collections import Counter
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from .gateway import (
    ACCOUNT_HEADER,
    SIGNATURE_HEADER,
    TIMESTAMP_HEADER,
    signature_valid,
    signed_headers,
)

SEND_PATH = "/sms/send"


class StandinGateway:
    def __init__(
        self,
        *,
        secret: str,
        account: str = "standin",
        receipts_url: str = "",
        replies_url: str = "",
        reject: dict[str, str] | None = None,
        undeliverable: dict[str, str] | None = None,
        receipt_delay: float = 0.5,
        receipt_batch: int = 50,
        duplicate_every: int = 0,
        stale_every: int = 0,
        latency: float = 0.0,
        stall_after: int | None = None,
        seed: int = 16,
        host: str = "127.0.0.1",
        port: int = 0,
    ) -> None:
        self.secret = secret
        self.account = account
        self.receipts_url = receipts_url
        self.replies_url = replies_url
        self.reject = dict(reject or {})  # refused at submission: mobile -> reason
        self.undeliverable = dict(undeliverable or {})  # taken, then a failed receipt
        self.receipt_delay = receipt_delay
        self.receipt_batch = receipt_batch
        self.duplicate_every = duplicate_every  # every n-th receipt is posted twice
        self.stale_every = stale_every  # every n-th message also gets a late, older "sent"
        self.latency = latency
        self.stall_after = stall_after  # hold the answer once this many were taken
        self.outage = 0  # the next n submissions are answered 503
        self.host, self.port = host, port
        self.random = random.Random(seed)
        self.lock = threading.Lock()
        self.accepted: dict[str, dict] = {}  # client message id -> what was taken
        self.duplicates: Counter[str] = Counter()  # client message id -> resubmissions
        self.rejected: dict[str, str] = {}  # client message id -> reason
        self.batches: list[int] = []  # the size of each submission it answered
        self.refused_signatures = 0
        self.receipts_posted = 0
        self.stalled = threading.Event()
        self._release = threading.Event()
        self._stop = threading.Event()
        self._pending: list[tuple[float, dict]] = []
        self._ids = itertools.count(1)
        self._server: ThreadingHTTPServer | None = None
        self._threads: list[threading.Thread] = []

    # -- running ------------------------------------------------------------------------------

    def start(self) -> str:
        """Serve on a free port (or the one given); returns the submission URL."""
        gateway = self

        class Handler(_Handler):
            standin = gateway

        self._server = ThreadingHTTPServer((self.host, self.port), Handler)
        self._server.daemon_threads = True
        self.port = self._server.server_address[1]
        self._spawn(self._server.serve_forever)
        if self.receipts_url:
            self._spawn(self._post_receipts_forever)
        return self.url

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}{SEND_PATH}"

    def stop(self) -> None:
        self._stop.set()
        self._release.set()
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
        for thread in self._threads:
            thread.join(timeout=5)

    def release(self) -> None:
        """Let a held answer go (it may find its caller gone)."""
        self._release.set()

    def _spawn(self, target) -> None:
        thread = threading.Thread(target=target, daemon=True)
        thread.start()
        self._threads.append(thread)

    # -- what it took -------------------------------------------------------------------------

    def accepted_per_mobile(self) -> Counter:
        with self.lock:
            return Counter(item["mobile"] for item in self.accepted.values())

    @property
    def duplicate_submissions(self) -> int:
        with self.lock:
            return sum(self.duplicates.values())

    # -- submissions --------------------------------------------------------------------------

    def submit(self, messages: list) -> list[dict]:
        """Take a batch; the answer for each message."""
        results = []
        now = time.monotonic()
        with self.lock:
            for message in messages:
                client_id = str(message["client_msgid"])
                mobile = str(message["mobile"])
                if client_id in self.accepted:
                    self.duplicates[client_id] += 1
                    msgid = self.accepted[client_id]["msgid"]
                    results.append(
                        {"client_msgid": client_id, "status": "duplicate", "msgid": msgid}
                    )
                elif mobile in self.reject:
                    self.rejected[client_id] = self.reject[mobile]
                    results.append(
                        {
                            "client_msgid": client_id,
                            "status": "rejected",
                            "reason": self.reject[mobile],
                        }
                    )
                else:
                    msgid = f"SG{next(self._ids):010d}"
                    self.accepted[client_id] = {
                        "msgid": msgid,
                        "mobile": mobile,
                        "text": str(message.get("text", "")),
                    }
                    self._receipts_schedule(now, msgid, client_id, mobile)
                    results.append(
                        {"client_msgid": client_id, "status": "accepted", "msgid": msgid}
                    )
            self.batches.append(len(messages))
        return results

    def _receipts_schedule(self, now: float, msgid: str, client_id: str, mobile: str) -> None:
        number = len(self.accepted)
        reported = datetime.datetime.now(datetime.UTC)
        receipt = {"msgid": msgid, "client_msgid": client_id, "mobile": mobile}
        if mobile in self.undeliverable:
            final = {**receipt, "status": "failed", "reason": self.undeliverable[mobile]}
        else:
            final = {**receipt, "status": "delivered", "reason": ""}
        final["reported_at"] = (reported + datetime.timedelta(seconds=1)).isoformat()
        self._pending.append((now + self.receipt_delay, final))
        if self.duplicate_every and number % self.duplicate_every == 0:
            self._pending.append((now + 2 * self.receipt_delay, final))
        if self.stale_every and number % self.stale_every == 0:
            older = {**receipt, "status": "sent", "reason": "", "reported_at": reported.isoformat()}
            self._pending.append((now + 2 * self.receipt_delay, older))

    # -- receipts and replies -----------------------------------------------------------------

    def receipt_posts(self, *, everything: bool = False) -> list[tuple[bytes, dict]]:
        """The signed requests (body, headers) of the receipts due now (all of them with
        `everything`): in batches, each batch shuffled."""
        now = time.monotonic()
        with self.lock:
            due = [item for at, item in self._pending if everything or at <= now]
            self._pending = [
                (at, item) for at, item in self._pending if not (everything or at <= now)
            ]
        self.random.shuffle(due)
        return [
            self._signed({"receipts": due[start : start + self.receipt_batch]})
            for start in range(0, len(due), self.receipt_batch)
        ]

    def reply_post(
        self,
        mobile: str,
        text: str,
        *,
        reply_id: str | None = None,
        at: datetime.datetime | None = None,
    ) -> tuple[bytes, dict]:
        """The signed request of a customer's reply."""
        reply = {
            "id": reply_id or f"MO{next(self._ids):010d}",
            "mobile": mobile,
            "text": text,
            "replied_at": (at or datetime.datetime.now(datetime.UTC)).isoformat(),
        }
        return self._signed({"replies": [reply]})

    def post_reply(self, mobile: str, text: str, **kwargs) -> int:
        """Post a reply to `replies_url`; the HTTP status it got."""
        body, headers = self.reply_post(mobile, text, **kwargs)
        return _post(self.replies_url, body, headers)

    def _signed(self, payload: dict) -> tuple[bytes, dict]:
        body = json.dumps(payload, ensure_ascii=False).encode()
        return body, signed_headers(account=self.account, secret=self.secret, body=body)

    def _post_receipts_forever(self) -> None:
        while not self._stop.wait(0.2):
            for body, headers in self.receipt_posts():
                if _post(self.receipts_url, body, headers) == 200:
                    self.receipts_posted += len(json.loads(body)["receipts"])


def _post(url: str, body: bytes, headers: dict) -> int:
    if not url.startswith("http://"):
        return 0
    request = urllib.request.Request(url, data=body, headers=headers, method="POST")  # noqa: S310
    try:
        with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310
            return response.status
    except urllib.error.HTTPError as error:
        return error.code
    except (urllib.error.URLError, OSError):
        return 0


class _Handler(BaseHTTPRequestHandler):
    standin: StandinGateway
    protocol_version = "HTTP/1.1"

    def log_message(self, format, *args) -> None:
        pass

    def do_GET(self) -> None:
        self._answer(200, {"ok": True})

    def do_POST(self) -> None:
        gateway = self.standin
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length)
        if self.path != SEND_PATH:
            self._answer(404, {"error": "no such endpoint"})
            return
        valid = self.headers.get(ACCOUNT_HEADER) == gateway.account and signature_valid(
            secret=gateway.secret,
            timestamp=self.headers.get(TIMESTAMP_HEADER, ""),
            given=self.headers.get(SIGNATURE_HEADER, ""),
            body=body,
        )
        if not valid:
            with gateway.lock:
                gateway.refused_signatures += 1
            self._answer(401, {"error": "bad signature"})
            return
        try:
            messages = json.loads(body)["messages"]
            if not isinstance(messages, list):
                raise TypeError
            for message in messages:
                message["client_msgid"], message["mobile"]
        except (ValueError, KeyError, TypeError):
            self._answer(400, {"error": "malformed batch"})
            return
        with gateway.lock:
            outage = gateway.outage > 0
            if outage:
                gateway.outage -= 1
        if outage:
            self._answer(503, {"error": "try again later"})
            return
        if gateway.latency:
            time.sleep(gateway.latency)
        results = gateway.submit(messages)
        if (
            gateway.stall_after is not None
            and len(gateway.accepted) >= gateway.stall_after
            and not gateway.stalled.is_set()
        ):
            gateway.stalled.set()
            gateway._release.wait(timeout=120)
        self._answer(200, {"results": results})

    def _answer(self, status: int, payload: dict) -> None:
        data = json.dumps(payload, ensure_ascii=False).encode()
        try:
            self.send_response(status)
            self.send_header("Content-Type", "application/json; charset=utf-8")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)
        except OSError:
            pass  # the caller is gone (a killed worker)


def main() -> None:
    parser = argparse.ArgumentParser(description="A stand-in SMS gateway on 127.0.0.1.")
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--secret", required=True)
    parser.add_argument("--account", default="standin")
    parser.add_argument("--receipts-url", default="")
    parser.add_argument("--replies-url", default="")
    parser.add_argument("--receipt-delay", type=float, default=2.0)
    parser.add_argument("--duplicate-every", type=int, default=5)
    parser.add_argument(
        "--fail",
        action="append",
        default=[],
        metavar="MOBILE=REASON",
        help="a number whose messages fail with a receipt, e.g. 13800000000=空号",
    )
    arguments = parser.parse_args()
    undeliverable = dict(item.split("=", 1) for item in arguments.fail)
    gateway = StandinGateway(
        secret=arguments.secret,
        account=arguments.account,
        receipts_url=arguments.receipts_url,
        replies_url=arguments.replies_url,
        receipt_delay=arguments.receipt_delay,
        duplicate_every=arguments.duplicate_every,
        undeliverable=undeliverable,
        port=arguments.port,
    )
    sys.stdout.write(f"SMS_GATEWAY_URL={gateway.start()}\n")
    sys.stdout.flush()
    try:
        while True:
            time.sleep(5)
            sys.stdout.write(
                f"accepted {len(gateway.accepted)}, duplicates {gateway.duplicate_submissions}, "
                f"rejected {len(gateway.rejected)}, receipts posted {gateway.receipts_posted}\n",
            )
            sys.stdout.flush()
    except KeyboardInterrupt:
        gateway.stop()


if __name__ == "__main__":
    main()
