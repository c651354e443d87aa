"""Small real function endpoints for tests: an HTTP server that records every event."""
import http.server
import json
import socket
import threading
import time


class HttpSink:
    """POST target on 127.0.0.1 that records event bodies; `fail` decides 500s per event, `hang`
    which events it sits on for `hang_seconds` (past the function's timeout: recorded as failed),
    `delay` how long every invocation takes, `respond` what it answers (bytes; None: {}). `refuse()` closes the port, `serve()` reopens it.
    keep_alive: HTTP/1.1, connections stay open between invocations (`connections` counts them;
    `restart()` drops every one, as a function's server restarting does)."""

    def __init__(self, keep_alive=False, tls=None):
        self.tls = tls  # (certificate file, key file): served over TLS, the URL https://
        self.events = []
        self.lock = threading.Lock()
        self.fail = lambda event: False
        self.respond = lambda event: None  # the response body (bytes), if not {}
        self.hang = lambda event: False
        self.hang_seconds = 0.0
        self.delay = 0.0  # seconds each invocation takes
        self.connections = 0
        self.open_connections = set()
        sink = self

        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1" if keep_alive else "HTTP/1.0"

            def setup(self):
                super().setup()
                with sink.lock:
                    sink.connections += 1
                    sink.open_connections.add(self.connection)

            def finish(self):
                with sink.lock:
                    sink.open_connections.discard(self.connection)
                super().finish()
            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                event = json.loads(body)
                failing = sink.fail(event)
                if sink.hang(event):
                    time.sleep(sink.hang_seconds)  # the caller has given up by now
                    failing = True
                if sink.delay:
                    time.sleep(sink.delay)  # a function that takes its time
                with sink.lock:
                    sink.events.append({"event": event, "failed": failing, "path": self.path,
                                        "headers": dict(self.headers)})
                body = sink.respond(event) or b"{}"
                self.send_response(500 if failing else 200)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args):
                pass

        self.handler = Handler
        self.port = 0
        self.serve()
        self.url = f"{'https' if tls else 'http'}://127.0.0.1:{self.port}/invoke"

    def serve(self):
        """Listens (again, on the same port after `refuse`)."""
        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", self.port), self.handler)
        self.server.daemon_threads = True
        if self.tls:
            import ssl
            context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
            context.load_cert_chain(*self.tls)
            self.server.socket = context.wrap_socket(self.server.socket, server_side=True)
        self.port = self.server.server_address[1]
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def restart(self):
        """Stops listening, drops every open connection, and listens again on the same port."""
        self.close()
        with self.lock:
            conns = list(self.open_connections)
        for c in conns:
            try:
                c.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
        self.serve()

    def refuse(self):
        """Closes the listening socket: connections to the function are refused until `serve`."""
        self.close()

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
