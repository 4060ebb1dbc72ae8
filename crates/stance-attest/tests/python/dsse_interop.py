"""Interop oracle for stance attestations, driven by tests/interop.rs.

Uses only third-party implementations to check stance's output and to produce
input for stance:
  - securesystemslib: DSSE Envelope (PAE, base64, signatures), keys, key ids
  - in-toto: its DSSE Metadata loader and signature check
  - in-toto-attestation: the Statement v1 protobuf model and its validation
  - rfc8785: the canonical JSON the report subject digest is defined over
  - jsonschema: the predicate schema

Subcommands (all print one JSON object on stdout; exit 0 = ok, 1 = rejected):
  verify ENVELOPE PUBKEY_PEM
  keyid PUBKEY_PEM
  sign OUTDIR REPORT_JSON ATTESTED_AT
  sign-with PRIVATE_PEM OUT REPORT_JSON ATTESTED_AT
  schema SCHEMA INSTANCE
  bundle BUNDLE PUBKEY_PEM   (needs sigstore-protobuf-specs)
"""

import base64
import hashlib
import json
import os
import sys

import jsonschema
import rfc8785
from cryptography.hazmat.primitives import serialization
from google.protobuf import json_format
from in_toto.models.metadata import Envelope as InTotoEnvelope
from in_toto.models.metadata import Metadata
from in_toto_attestation.v1 import statement_pb2
from in_toto_attestation.v1.statement import Statement
from securesystemslib.dsse import Envelope
from securesystemslib.signer import CryptoSigner, SSlibKey

PAYLOAD_TYPE = "application/vnd.in-toto+json"
STATEMENT_TYPE = "https://in-toto.io/Statement/v1"
PREDICATE_TYPE = "https://stance.dev/attestation/posture/v1"
REPORT_SUBJECT = "stance-posture-report.json"


def out(obj, code=0):
    print(json.dumps(obj, sort_keys=True))
    sys.exit(code)


def load_public(path):
    with open(path, "rb") as f:
        return SSlibKey.from_crypto(serialization.load_pem_public_key(f.read()))


def report_digest(report):
    return hashlib.sha256(rfc8785.dumps(report)).hexdigest()


def cmd_verify(envelope_path, pubkey_path):
    key = load_public(pubkey_path)
    with open(envelope_path, encoding="utf-8") as f:
        data = json.load(f)
    checks = []
    try:
        env = Envelope.from_dict(json.loads(json.dumps(data)))
        env.verify([key], 1)
        checks.append("securesystemslib-dsse")
        # The in-toto package's own DSSE loader and signature check.
        meta = Metadata.from_dict(json.loads(json.dumps(data)))
        if not isinstance(meta, InTotoEnvelope):
            out({"ok": False, "reason": "in-toto did not read a DSSE envelope"}, 1)
        meta.verify_signature(key.to_dict() | {"keyid": key.keyid})
        checks.append("in-toto-metadata")
    except Exception as e:  # noqa: BLE001 - any failure is a rejection here
        out({"ok": False, "reason": f"{type(e).__name__}: {e}"}, 1)
    if env.payload_type != PAYLOAD_TYPE:
        out({"ok": False, "reason": "payload type"}, 1)
    # Strict protobuf JSON parse: unknown members fail.
    pb = json_format.Parse(env.payload.decode("utf-8"), statement_pb2.Statement())
    Statement.copy_from_pb(pb).validate()
    checks.append("in-toto-attestation-statement")
    stmt = json.loads(env.payload)
    if stmt["_type"] != STATEMENT_TYPE or stmt["predicateType"] != PREDICATE_TYPE:
        out({"ok": False, "reason": "statement or predicate type"}, 1)
    for s in stmt["subject"]:
        if s.get("name") == REPORT_SUBJECT:
            if s["digest"]["sha256"] != report_digest(stmt["predicate"]["report"]):
                out({"ok": False, "reason": "report digest (rfc8785) mismatch"}, 1)
            checks.append("report-digest-rfc8785")
    out({"ok": True, "keyid": key.keyid, "checks": checks, "level": stmt["predicate"]["level"]})


def cmd_keyid(pubkey_path):
    out({"keyid": load_public(pubkey_path).keyid})


def statement_for(report, attested_at):
    # Built from docs/attestation.md alone, not by calling stance.
    predicate = {
        "report": report,
        "level": report["posture"]["level"],
        "tier": "release",
        "policy": {"decision": "allow", "tier": "release", "required_level": "L3", "reasons": ["made by securesystemslib"]},
        "stance_version": "python-interop",
        "attested_at": attested_at,
    }
    return {
        "_type": STATEMENT_TYPE,
        "subject": [{"name": REPORT_SUBJECT, "digest": {"sha256": report_digest(report)}}],
        "predicateType": PREDICATE_TYPE,
        "predicate": predicate,
    }


def signed_envelope(signer, statement):
    env = Envelope(json.dumps(statement, indent=1).encode("utf-8"), PAYLOAD_TYPE, {})
    env.sign(signer)
    return env.to_dict()


def write_json(path, obj):
    with open(path, "w", encoding="utf-8") as f:
        json.dump(obj, f)


def cmd_sign(outdir, report_path, attested_at):
    with open(report_path, encoding="utf-8") as f:
        report = json.load(f)
    stmt = statement_for(report, attested_at)
    made = {}
    for name, signer in [
        ("ed25519", CryptoSigner.generate_ed25519()),
        ("ecdsa", CryptoSigner.generate_ecdsa()),
        ("ecdsa-custom-keyid", CryptoSigner.generate_ecdsa(keyid="ci-release-key-2026")),
    ]:
        pub = signer._private_key.public_key().public_bytes(  # noqa: SLF001 - test helper
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        )
        with open(os.path.join(outdir, f"{name}.pub.pem"), "wb") as f:
            f.write(pub)
        env = signed_envelope(signer, stmt)
        write_json(os.path.join(outdir, f"{name}.intoto.json"), env)
        sig = base64.b64decode(env["signatures"][0]["sig"])
        made[name] = {"keyid": signer.public_key.keyid, "sig_len": len(sig), "sig_first_byte": sig[0]}
    out({"ok": True, "made": made})


def cmd_sign_with(private_path, out_path, report_path, attested_at):
    with open(private_path, "rb") as f:
        private = serialization.load_pem_private_key(f.read(), password=None)
    signer = CryptoSigner(private)
    with open(report_path, encoding="utf-8") as f:
        report = json.load(f)
    write_json(out_path, signed_envelope(signer, statement_for(report, attested_at)))
    out({"ok": True, "keyid": signer.public_key.keyid})


def cmd_schema(schema_path, instance_path):
    with open(schema_path, encoding="utf-8") as f:
        schema = json.load(f)
    with open(instance_path, encoding="utf-8") as f:
        instance = json.load(f)
    cls = jsonschema.validators.validator_for(schema)
    cls.check_schema(schema)
    errors = sorted(cls(schema).iter_errors(instance), key=lambda e: list(e.path))
    if errors:
        out({"ok": False, "errors": [f"{list(e.path)}: {e.message}"[:300] for e in errors[:5]]}, 1)
    out({"ok": True, "validator": cls.__name__})


def cmd_bundle(bundle_path, pubkey_path):
    # Sigstore's own protobuf-specs models read the bundle; the DSSE envelope inside
    # is then checked with securesystemslib.
    from sigstore_protobuf_specs.dev.sigstore.bundle.v1 import Bundle

    with open(bundle_path, encoding="utf-8") as f:
        data = json.load(f)
    bundle = Bundle.from_dict(data)
    key = load_public(pubkey_path)
    env = Envelope.from_dict(json.loads(json.dumps(data["dsseEnvelope"])))
    try:
        env.verify([key], 1)
    except Exception as e:  # noqa: BLE001
        out({"ok": False, "reason": f"{type(e).__name__}: {e}"}, 1)
    if bytes(bundle.dsse_envelope.payload) != env.payload:
        out({"ok": False, "reason": "protobuf and JSON views of the payload differ"}, 1)
    out({
        "ok": True,
        "media_type": bundle.media_type,
        "hint": bundle.verification_material.public_key.hint,
        "payload_type": bundle.dsse_envelope.payload_type,
    })


def main():
    cmd, args = sys.argv[1], sys.argv[2:]
    handlers = {
        "verify": cmd_verify,
        "keyid": cmd_keyid,
        "sign": cmd_sign,
        "sign-with": cmd_sign_with,
        "schema": cmd_schema,
        "bundle": cmd_bundle,
    }
    handlers[cmd](*args)


if __name__ == "__main__":
    main()
