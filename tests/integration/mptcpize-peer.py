# SPDX-License-Identifier: GPL-2.0-or-later
"""A plain TCP peer for the mptcpize tests: it never asks for MPTCP itself.

  python3 mptcpize-peer.py server ADDR PORT
      listen with socket(family, SOCK_STREAM) (protocol 0); print
      "listening proto=N"; for each connection print "accepted proto=N",
      answer the first line L with "echo L", then wait for the peer to close.
  python3 mptcpize-peer.py client ADDR PORT [HOLD_S]
      connect with socket.create_connection (protocol IPPROTO_TCP from
      getaddrinfo); print "connected proto=N", send "ping", print
      "reply <answer>", then keep the connection open HOLD_S seconds.

N is the socket's SO_PROTOCOL: 6 for TCP, 262 for MPTCP. Lines are flushed.
"""
import socket
import sys
import time


def proto(sock):
    return sock.getsockopt(socket.SOL_SOCKET, socket.SO_PROTOCOL)


def server(addr, port):
    family = socket.AF_INET6 if ":" in addr else socket.AF_INET
    lsock = socket.socket(family, socket.SOCK_STREAM)
    lsock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    lsock.bind((addr, port))
    lsock.listen(8)
    print("listening proto=%d" % proto(lsock), flush=True)
    while True:
        conn, _ = lsock.accept()
        print("accepted proto=%d" % proto(conn), flush=True)
        with conn, conn.makefile("rwb") as f:
            line = f.readline()
            f.write(b"echo " + line)
            f.flush()
            while conn.recv(4096):
                pass


def client(addr, port, hold):
    sock = socket.create_connection((addr, port), timeout=10)
    print("connected proto=%d" % proto(sock), flush=True)
    sock.sendall(b"ping\n")
    reply = sock.makefile("rb").readline().decode().strip()
    print("reply %s" % reply, flush=True)
    time.sleep(hold)
    sock.close()


if __name__ == "__main__":
    if sys.argv[1] == "server":
        server(sys.argv[2], int(sys.argv[3]))
    else:
        client(sys.argv[2], int(sys.argv[3]),
               float(sys.argv[4]) if len(sys.argv) > 4 else 0)
