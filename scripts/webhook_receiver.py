"""A webhook receiver for trying casework out: prints one line per event it receives
(type, case id, check type) and answers 204.

    python3 scripts/webhook_receiver.py 9000

casework refuses webhooks to loopback addresses unless allowed, so start casework with
CASEWORK_WEBHOOK_ALLOWED_HOSTS='["127.0.0.1"]' to send them here. Standard library only;
it does not verify signatures (casework.webhooks.signing.verify does).
"""

from __future__ import annotations

import json
import sys
from http.server import BaseHTTPRequestHandler, HTTPServer


class Receiver(BaseHTTPRequestHandler):
    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        event = json.loads(body or b"{}")
        data = event.get("data") or {}
        case = (data.get("case") or {}).get("id") or data.get("id")
        check = (data.get("check") or {}).get("type") or ""
        print(event.get("type"), case, check, flush=True)
        self.send_response(204)
        self.end_headers()

    def log_message(self, format: str, *args: object) -> None:
        """Quiet: the events are the output."""


if __name__ == "__main__":
    port = int(sys.argv[1]) if len(sys.argv) > 1 else 9000
    print(f"receiving webhooks on http://127.0.0.1:{port}/", flush=True)
    HTTPServer(("127.0.0.1", port), Receiver).serve_forever()
