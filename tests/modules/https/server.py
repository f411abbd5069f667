"""Loopback servers for the https lab test, all bound to 127.0.0.1:
- HTTPS on port_ok with a certificate from the test CA (the host trusts it);
- HTTPS on port_unknown with a certificate from a CA the host does not know
  (the chain is sent whole, so the client sees a self-signed CA in it);
- a small CONNECT proxy on proxy_port that logs each CONNECT line and tunnels
  only to 127.0.0.1 (whatever host name was asked), so nothing leaves the
  machine.
Files are served from root. The process ends by itself after `lifetime`
seconds so a test that dies never leaves it behind for long."""
import http.server
import os
import select
import socket
import socketserver
import ssl
import sys
import threading

HEAD_LIMIT = 16384


class Files(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format, *args):
        sys.stderr.write("https: " + format % args + "\n")


def serve_https(port, chain, key):
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(chain, key)
    server = http.server.ThreadingHTTPServer(("127.0.0.1", port), Files)
    server.socket = context.wrap_socket(server.socket, server_side=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()


class Tunnel(socketserver.BaseRequestHandler):
    log_path = ""

    def handle(self):
        head = b""
        while b"\r\n\r\n" not in head and len(head) < HEAD_LIMIT:
            data = self.request.recv(4096)
            if not data:
                return
            head += data
        line = head.split(b"\r\n", 1)[0].decode("latin-1")
        with open(self.log_path, "a") as log:
            log.write(line + "\n")
        parts = line.split()
        if len(parts) != 3 or parts[0] != "CONNECT":
            self.request.sendall(b"HTTP/1.1 405 Method Not Allowed\r\nContent-Length: 0\r\n\r\n")
            return
        port = int(parts[1].rsplit(":", 1)[1])
        upstream = socket.create_connection(("127.0.0.1", port), timeout=10)
        self.request.sendall(b"HTTP/1.1 200 Connection established\r\n\r\n")
        self.relay(upstream)

    def relay(self, upstream):
        sockets = [self.request, upstream]
        while True:
            readable, _, _ = select.select(sockets, [], [], 30)
            if not readable:
                break
            for s in readable:
                data = s.recv(65536)
                if not data:
                    upstream.close()
                    return
                (upstream if s is self.request else self.request).sendall(data)
        upstream.close()


def main():
    root, port_ok, chain_ok, key_ok, port_unknown, chain_unknown, key_unknown, proxy_port, proxy_log, lifetime = sys.argv[1:]
    os.chdir(root)
    serve_https(int(port_ok), chain_ok, key_ok)
    serve_https(int(port_unknown), chain_unknown, key_unknown)
    Tunnel.log_path = proxy_log
    socketserver.ThreadingTCPServer.daemon_threads = True
    proxy = socketserver.ThreadingTCPServer(("127.0.0.1", int(proxy_port)), Tunnel)
    threading.Thread(target=proxy.serve_forever, daemon=True).start()
    threading.Event().wait(float(lifetime))


if __name__ == "__main__":
    main()
