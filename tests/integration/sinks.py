"""Small real function endpoints for tests: an HTTP server that records every event."""
import http.server
import json
import threading
import time


class HttpSink:
    """POST target on 127.0.0.1 that records event bodies; `fail` decides 500s per event."""

    def __init__(self):
        self.events = []
        self.lock = threading.Lock()
        self.fail = lambda event: False
        self.delay = 0.0  # seconds each invocation takes
        sink = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                event = json.loads(body)
                failing = sink.fail(event)
                if sink.delay:
                    time.sleep(sink.delay)  # a function that takes its time
                with sink.lock:
                    sink.events.append({"event": event, "failed": failing, "path": self.path})
                self.send_response(500 if failing else 200)
                self.send_header("Content-Length", "2")
                self.end_headers()
                self.wfile.write(b"{}")

            def log_message(self, *args):
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/invoke"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def records(self, only_ok=True):
        """Every record received (from successful invocations only, by default), in order."""
        with self.lock:
            events = list(self.events)
        out = []
        for e in events:
            if only_ok and e["failed"]:
                continue
            for key, records in e["event"]["records"].items():
                out.extend(records)
        return out

    def close(self):
        self.server.shutdown()
        self.server.server_close()
