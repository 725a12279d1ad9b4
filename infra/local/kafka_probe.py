"""Readiness probe for the local Kafka broker, without client libraries.

Sends one Metadata request (v4, all topics) over the Kafka wire protocol and
succeeds when the broker answers with at least one live broker.
Usage: python3 kafka_probe.py HOST PORT [TIMEOUT_SECONDS]
Exit 0 when ready, 1 otherwise (reason on stderr).
"""
import socket
import struct
import sys

METADATA = 3
VERSION = 4


def recv_exact(sock, n):
    buf = b""
    while len(buf) < n:
        chunk = sock.recv(n - len(buf))
        if not chunk:
            raise ConnectionError("connection closed by broker")
        buf += chunk
    return buf


def probe(host, port, timeout):
    client_id = b"itsm-infra-probe"
    header = struct.pack(">hhih", METADATA, VERSION, 1, len(client_id)) + client_id
    # topics: null array (all topics); allow_auto_topic_creation: false
    body = struct.pack(">i", -1) + b"\x00"
    request = header + body
    with socket.create_connection((host, port), timeout=timeout) as sock:
        sock.settimeout(timeout)
        sock.sendall(struct.pack(">i", len(request)) + request)
        size = struct.unpack(">i", recv_exact(sock, 4))[0]
        response = recv_exact(sock, size)
    correlation_id, _throttle_ms, broker_count = struct.unpack(">iii", response[:12])
    if correlation_id != 1:
        raise ValueError("unexpected correlation id %d" % correlation_id)
    return broker_count


def main():
    host = sys.argv[1] if len(sys.argv) > 1 else "127.0.0.1"
    port = int(sys.argv[2]) if len(sys.argv) > 2 else 9092
    timeout = float(sys.argv[3]) if len(sys.argv) > 3 else 3.0
    try:
        brokers = probe(host, port, timeout)
    except Exception as exc:  # any failure means "not ready yet"
        print("kafka %s:%d not ready: %s" % (host, port, exc), file=sys.stderr)
        return 1
    if brokers < 1:
        print("kafka %s:%d answers but has no live broker yet" % (host, port), file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
