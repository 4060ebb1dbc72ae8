"""Reference verifier for bench/attest.sh: securesystemslib verifying the same envelope.

usage: bench_verify.py ENVELOPE_JSONL PUBKEY_PEM N

Per iteration: parse the envelope JSON, decode it (securesystemslib Envelope.from_dict),
verify the signature (Envelope.verify) and parse the statement JSON. That is less work
than `stance verify` does (no predicate, digest, time or tier checks), so the ratio
flatters the reference.
"""

import json
import sys
import time

from cryptography.hazmat.primitives.serialization import load_pem_public_key
from securesystemslib.dsse import Envelope
from securesystemslib.signer import SSlibKey


def main():
    path, pub, n = sys.argv[1], sys.argv[2], int(sys.argv[3])
    with open(path, encoding="utf-8") as f:
        line = f.readline()
    with open(pub, "rb") as f:
        key = SSlibKey.from_crypto(load_pem_public_key(f.read()))
    start = time.perf_counter()
    for _ in range(n):
        env = Envelope.from_dict(json.loads(line))
        env.verify([key], 1)
        statement = json.loads(env.payload)
        assert statement["predicateType"] == "https://stance.dev/attestation/posture/v1"
    rate = n / (time.perf_counter() - start)
    print(f"{rate:.0f}")


if __name__ == "__main__":
    main()
