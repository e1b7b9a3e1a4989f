#!/usr/bin/env python3
"""A minimal static HTTP server for the import benchmark (standard library only).

  serve-list.py --dir DIR --port PORT [--bind 127.0.0.1]

Answers GET and HEAD for the files of DIR (no subdirectories, no listing) with 200, Content-Type text/plain and
Content-Length, and nothing else: no ETag and no Last-Modified, so it never answers 304 and every import run
downloads the whole body (unlike python3 -m http.server, which honours If-Modified-Since). The file is opened
at each request, so replacing it (or repointing a symlink) switches the list served. Logs one line per request
to stderr.
"""

import argparse
import os
import shutil
import sys
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    root = "."

    def _open(self):
        name = self.path.split("?", 1)[0].lstrip("/")
        if not name or "/" in name or name.startswith("."):
            return None
        try:
            return open(os.path.join(self.root, name), "rb")
        except OSError:
            return None

    def _head(self, f):
        if f is None:
            self.send_response(404)
            self.send_header("Content-Length", "0")
            self.end_headers()
            return False
        self.send_response(200)
        self.send_header("Content-Type", "text/plain; charset=us-ascii")
        self.send_header("Content-Length", str(os.fstat(f.fileno()).st_size))
        self.end_headers()
        return True

    def do_HEAD(self):
        f = self._open()
        try:
            self._head(f)
        finally:
            if f:
                f.close()

    def do_GET(self):
        f = self._open()
        try:
            if self._head(f):
                shutil.copyfileobj(f, self.wfile, 1 << 20)
        finally:
            if f:
                f.close()


def main(argv):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--dir", required=True)
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--bind", default="127.0.0.1")
    args = parser.parse_args(argv)
    Handler.root = args.dir
    server = ThreadingHTTPServer((args.bind, args.port), Handler)
    print("serve-list: serving %s on http://%s:%d/" % (args.dir, args.bind, args.port), file=sys.stderr, flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
