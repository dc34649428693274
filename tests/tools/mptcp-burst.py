#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""Open many MPTCP connections at once, for event-storm tests.

  mptcp-burst.py server PORT            accept and drain connections
  mptcp-burst.py client ADDR PORT N     open N connections as fast as
                                        possible, send one byte on each (an
                                        MPTCP connection takes subflows only
                                        once data was acknowledged), print
                                        "open N", then hold them until
                                        SIGTERM
"""
import selectors
import signal
import socket
import sys

IPPROTO_MPTCP = 262


def server(port):
    lsock = socket.socket(socket.AF_INET, socket.SOCK_STREAM, IPPROTO_MPTCP)
    lsock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    lsock.bind(("0.0.0.0", port))
    lsock.listen(4096)
    lsock.setblocking(False)
    sel = selectors.DefaultSelector()
    sel.register(lsock, selectors.EVENT_READ)
    print("READY", flush=True)
    while True:
        for key, _ in sel.select():
            if key.fileobj is lsock:
                try:
                    conn, _ = lsock.accept()
                except BlockingIOError:
                    continue
                conn.setblocking(False)
                sel.register(conn, selectors.EVENT_READ)
            else:
                try:
                    data = key.fileobj.recv(65536)
                except (BlockingIOError, ConnectionError):
                    continue
                if not data:
                    sel.unregister(key.fileobj)
                    key.fileobj.close()


def client(addr, port, count):
    conns = []
    for _ in range(count):
        s = socket.socket(socket.AF_INET, socket.SOCK_STREAM, IPPROTO_MPTCP)
        s.connect((addr, port))
        s.send(b"x")
        conns.append(s)
    print(f"open {len(conns)}", flush=True)
    signal.sigwait({signal.SIGTERM, signal.SIGINT})


def main():
    signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGTERM, signal.SIGINT})
    if len(sys.argv) == 3 and sys.argv[1] == "server":
        signal.pthread_sigmask(signal.SIG_UNBLOCK,
                               {signal.SIGTERM, signal.SIGINT})
        server(int(sys.argv[2]))
    elif len(sys.argv) == 5 and sys.argv[1] == "client":
        client(sys.argv[2], int(sys.argv[3]), int(sys.argv[4]))
    else:
        print(__doc__, file=sys.stderr)
        sys.exit(64)


if __name__ == "__main__":
    main()
