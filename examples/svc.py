# SPDX-License-Identifier: GPL-2.0-only
"""A small service that uses the network: what `--no-network` takes away.

It serves a health endpoint on 127.0.0.1 and then calls it, as services
call their dependencies. Confined, the call fails with EPERM while the
rest of the program (the server thread, files, computation) goes on.
"""
import http.server
import threading
import urllib.request


class Health(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        self.send_response(200)
        self.end_headers()
        self.wfile.write(b"ok\n")

    def log_message(self, *args):
        pass


def main():
    server = http.server.HTTPServer(("127.0.0.1", 0), Health)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    url = f"http://127.0.0.1:{server.server_port}/health"
    try:
        with urllib.request.urlopen(url, timeout=5) as r:
            print(f"svc: GET {url} -> {r.status} {r.read().decode().strip()}")
    except OSError as e:
        print(f"svc: GET {url} failed: {getattr(e, 'reason', e)}")
    print("svc: done")


if __name__ == "__main__":
    main()
