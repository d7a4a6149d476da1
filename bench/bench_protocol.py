"""Throughput and latency of the trm/1 protocol core (one process, one core).

    .venv/bin/python bench/bench_protocol.py [--quick] [--budget SECONDS] [--versus-raw-only]

First, side by side in one run, ``protocol.seal`` + ``protocol.open_`` against the same
JWS + JWE work written directly on the ``cryptography`` primitives (``RawJose``: canonical
JSON, Ed25519 sign, ephemeral X25519, Concat KDF, AES-256-GCM, then decrypt, verify and
parse the payload, with none of trm/1's checks): the core's time per round trip over the
raw one, for 1 KB, 4 KB and 64 KB bodies (the target is at most 1.5). The two are
interleaved in rounds so that a change of the machine's load hits both alike; the
message is built once, outside the timing, on both sides.

Then the full table:

For bodies of about 1 KB, 4 KB and 64 KB (an identity verification request whose
document copy is padded), and N = 2,000 and 20,000 messages, it prints:

* build+seal per second (sign with Ed25519, encrypt with ECDH-ES/A256GCM to X25519);
* open+verify per second (decrypt, verify, check envelope, body schema, replay);
* combined (build+seal+open per message);
* p50/p95/p99 latency of each phase, in milliseconds;
* peak memory: tracemalloc's peak over a traced pass of up to 2,000 messages, and the
  process's maximum resident set size at the end of the cell.

Each cell stops early when it exceeds its time budget (default 180 s) and says so, so the
script always ends by itself. ``--quick`` runs N = 200 and 2,000 instead.
"""

from __future__ import annotations

import argparse
import base64
import copy
import json
import os
import platform
import resource
import sys
import time
import tracemalloc
import uuid
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "src"))

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey, X25519PublicKey
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.concatkdf import ConcatKDFHash

from trm.exchange import protocol, vectors
from trm.exchange.trustlist import canonical_json

SIZES = {"1 KB": 1024, "4 KB": 4096, "64 KB": 65536}


def body_of_size(size: int) -> dict[str, Any]:
    body = copy.deepcopy(vectors.SAMPLE_BODIES["identity_verification_request"])
    body["document_copies"] = [{"kind": "id_card", "media_type": "image/jpeg", "data": "AAAA"}]
    padding = size - len(canonical_json(body))
    body["document_copies"][0]["data"] = "A" * (4 + max(0, padding - padding % 4))
    return body


class Cell:
    def __init__(self, net: Any, body: dict[str, Any]) -> None:
        self.net = net
        self.body = body
        self.sender = net.keys["xk.sig"]
        self.recipient = net.trust_list.encryption_key("al.nrm", vectors.NOW)
        self.ours = [net.keys["al.enc.2025"], net.keys["al.enc.2026"]]
        self.seen: set[str] = set()

    def one(self) -> tuple[int, int, int]:
        """Build+seal then open one message; returns (bytes, seal ns, open ns)."""
        start = time.perf_counter_ns()
        message = vectors.sample_message(
            "identity_verification_request", body=self.body, message_id=uuid.uuid4(), now=vectors.NOW
        )
        token = protocol.seal(message, sender_key=self.sender, recipient_key=self.recipient, now=vectors.NOW)
        sealed = time.perf_counter_ns()
        opened = protocol.open_(
            token,
            our_node_id="al.nrm",
            our_keys=self.ours,
            trust_list=self.net.trust_list,
            now=vectors.NOW,
            seen=self.seen,
        )
        done = time.perf_counter_ns()
        self.seen.add(opened.id)
        return len(token), sealed - start, done - sealed


def _b64encode(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _b64decode(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


class RawJose:
    """The JWS-in-JWE round trip of trm/1 on the bare ``cryptography`` primitives.

    The same algorithms and bytes as docs/protocol.md §6 (canonical JSON payload, the
    canonical JWS header, the JWE header with an ephemeral X25519 ``epk``, Concat KDF with
    ``enc`` A256GCM, a random IV), and none of trm/1's checks: the floor any implementation
    in Python pays for the cryptography, the encoding and the JSON.
    """

    def __init__(self, net: Any) -> None:
        self.sig = net.keys["xk.sig"]._okp.private_key
        self.sig_public = net.keys["xk.sig"]._okp.public_key
        self.sig_kid = net.keys["xk.sig"].kid
        enc = net.keys["al.enc.2026"]
        self.enc = enc._okp.private_key
        self.enc_public = enc._okp.public_key
        self.enc_kid = enc.kid
        assert isinstance(self.sig, Ed25519PrivateKey) and isinstance(self.sig_public, Ed25519PublicKey)
        assert isinstance(self.enc, X25519PrivateKey) and isinstance(self.enc_public, X25519PublicKey)

    @staticmethod
    def _cek(shared: bytes) -> bytes:
        info = b"".join(len(p).to_bytes(4, "big") + p for p in (b"A256GCM", b"", b"")) + (256).to_bytes(4, "big")
        return ConcatKDFHash(algorithm=hashes.SHA256(), length=32, otherinfo=info).derive(shared)

    def seal(self, envelope: dict[str, Any]) -> str:
        b64 = _b64encode
        header = json.dumps({"alg": "Ed25519", "kid": self.sig_kid, "typ": "trm1+jws"}, separators=(",", ":"))
        signing_input = f"{b64(header.encode())}.{b64(canonical_json(envelope))}"
        jws = f"{signing_input}.{b64(self.sig.sign(signing_input.encode('ascii')))}"
        ephemeral = X25519PrivateKey.generate()
        epk = {"crv": "X25519", "x": b64(ephemeral.public_key().public_bytes_raw()), "kty": "OKP"}
        jwe_header = {"alg": "ECDH-ES", "enc": "A256GCM", "kid": self.enc_kid, "typ": "trm1+jwe", "cty": "trm1+jws"}
        protected = b64(json.dumps({**jwe_header, "epk": epk}, separators=(",", ":")).encode())
        iv = os.urandom(12)
        sealed = AESGCM(self._cek(ephemeral.exchange(self.enc_public))).encrypt(
            iv, jws.encode("ascii"), protected.encode("ascii")
        )
        return ".".join([protected, "", b64(iv), b64(sealed[:-16]), b64(sealed[-16:])])

    def open(self, token: str) -> dict[str, Any]:
        protected, _, iv, ciphertext, tag = token.split(".")
        header = json.loads(_b64decode(protected))
        peer = X25519PublicKey.from_public_bytes(_b64decode(header["epk"]["x"]))
        jws = AESGCM(self._cek(self.enc.exchange(peer))).decrypt(
            _b64decode(iv),
            _b64decode(ciphertext) + _b64decode(tag),
            protected.encode("ascii"),
        )
        signing_input, _, signature = jws.rpartition(b".")
        json.loads(_b64decode(signing_input.split(b".")[0].decode()))
        self.sig_public.verify(_b64decode(signature.decode()), signing_input)
        payload: dict[str, Any] = json.loads(_b64decode(signing_input.split(b".")[1].decode()))
        return payload


def versus_raw(net: Any, n: int) -> None:
    """The core's seal+open against ``RawJose`` on the same message, one of each in turn.

    Each round trip is timed on its own and the medians are compared: a pause of this
    process (other work on the machine) lands in a few samples of either side, not in
    the figure.
    """
    raw = RawJose(net)
    cell = Cell(net, body_of_size(4096))
    print(f"seal+open round trip, core vs the same JWS+JWE on the cryptography primitives ({n} of each, alternated)")
    print(f"{'body':>6} | {'raw p50 us':>10} {'core p50 us':>11} | {'raw/s':>6} {'core/s':>6} | {'core / raw':>10}")
    for label, size in SIZES.items():
        cell.body = body_of_size(size)
        message = vectors.sample_message("identity_verification_request", body=cell.body, now=vectors.NOW)
        envelope = message.to_envelope()
        assert raw.open(raw.seal(envelope)) == envelope
        raw_ns: list[int] = []
        core_ns: list[int] = []
        for _ in range(n):
            start = time.perf_counter_ns()
            raw.open(raw.seal(envelope))
            middle = time.perf_counter_ns()
            token = protocol.seal(message, sender_key=cell.sender, recipient_key=cell.recipient, now=vectors.NOW)
            protocol.open_(
                token, our_node_id="al.nrm", our_keys=cell.ours, trust_list=net.trust_list, now=vectors.NOW, seen=()
            )
            raw_ns.append(middle - start)
            core_ns.append(time.perf_counter_ns() - middle)
        raw_us, core_us = percentile(raw_ns, 50) * 1e3, percentile(core_ns, 50) * 1e3
        print(
            f"{label:>6} | {raw_us:>10.0f} {core_us:>11.0f} | {1e6 / raw_us:>6.0f} {1e6 / core_us:>6.0f} | "
            f"{core_us / raw_us:>9.2f}x",
            flush=True,
        )
    print()


def percentile(values: list[int], q: float) -> float:
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(q / 100 * len(ordered)) - 1))
    return ordered[index] / 1e6


def run_cell(net: Any, label: str, size: int, n: int, budget: float) -> dict[str, Any]:
    cell = Cell(net, body_of_size(size))
    seal_ns: list[int] = []
    open_ns: list[int] = []
    token_bytes = 0
    deadline = time.monotonic() + budget
    for _ in range(n):
        token_bytes, sealed, opened = cell.one()
        seal_ns.append(sealed)
        open_ns.append(opened)
        if time.monotonic() > deadline:
            break
    traced = min(len(seal_ns), 2000)
    memory_cell = Cell(net, body_of_size(size))
    tracemalloc.start()
    for _ in range(traced):
        memory_cell.one()
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    done = len(seal_ns)
    total_seal = sum(seal_ns) / 1e9
    total_open = sum(open_ns) / 1e9
    return {
        "label": label,
        "n": n,
        "done": done,
        "token": token_bytes,
        "seal_rate": done / total_seal,
        "open_rate": done / total_open,
        "both_rate": done / (total_seal + total_open),
        "seal_p": [percentile(seal_ns, q) for q in (50, 95, 99)],
        "open_p": [percentile(open_ns, q) for q in (50, 95, 99)],
        "both_p": [percentile([a + b for a, b in zip(seal_ns, open_ns, strict=True)], q) for q in (50, 95, 99)],
        "peak_mib": peak / 2**20,
        "traced": traced,
        "rss_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    }


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="N = 200 and 2,000")
    parser.add_argument("--budget", type=float, default=180.0, help="seconds per cell before stopping early")
    parser.add_argument("--versus-raw-only", action="store_true", help="only the side-by-side comparison")
    args = parser.parse_args(argv)
    counts = (200, 2000) if args.quick else (2000, 20000)
    net = vectors._Network()
    one, five, _ = os.getloadavg()
    print(f"trm/1 protocol core — Python {platform.python_version()} on {platform.machine()}, one process")
    print(f"load average {one:.2f} / {five:.2f}")
    versus_raw(net, 500 if args.quick else 2000)
    if args.versus_raw_only:
        return 0
    print("build+seal = build, Ed25519 sign, ECDH-ES/A256GCM encrypt; open = decrypt, verify, all checks")
    header = (
        f"{'body':>6} {'N':>6} {'token':>7} | {'seal/s':>7} {'open/s':>7} {'both/s':>7} | "
        f"{'seal p50/p95/p99 ms':>20} | {'open p50/p95/p99 ms':>20} | {'both p50/p95/p99 ms':>20} | "
        f"{'peak MiB':>8} {'RSS MiB':>7}"
    )
    print(header)
    print("-" * len(header))
    for n in counts:
        for label, size in SIZES.items():
            r = run_cell(net, label, size, n, args.budget)
            stopped = "" if r["done"] == n else f"  (stopped after {r['done']} by the time budget)"
            print(
                f"{label:>6} {n:>6} {r['token']:>7} | {r['seal_rate']:>7.0f} {r['open_rate']:>7.0f} "
                f"{r['both_rate']:>7.0f} | "
                + " | ".join("/".join(f"{v:.2f}" for v in r[k]).rjust(20) for k in ("seal_p", "open_p", "both_p"))
                + f" | {r['peak_mib']:>8.2f} {r['rss_mib']:>7.0f}{stopped}",
                flush=True,
            )
    print("peak MiB = tracemalloc peak over a traced pass of min(N, 2000) messages; RSS = process maximum so far")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
