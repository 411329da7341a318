"""The webhook's serving certificate: self-signed, made at startup with ``cryptography``.

Called once by ``serving`` before it listens. The certificate is its own CA: its PEM goes into
the webhook configuration's ``caBundle`` (``webhooks``), so the API server trusts exactly this
process and nothing else. A restarted operator makes a new key and re-patches the bundle; the
chart runs one operator replica, so one bundle is always the right one. Composes the library's
primitives only (ECDSA P-256, SHA-256); writes nothing but the two PEM files it is asked for,
the key readable by the owner only.
"""

from __future__ import annotations

import datetime as dt
import ipaddress
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

VALIDITY = dt.timedelta(days=365)


@dataclass(frozen=True)
class ServingCert:
    """Where the PEM files are, and the certificate's PEM (the caBundle)."""

    cert_path: Path
    key_path: Path
    cert_pem: bytes


def _name(host: str) -> x509.GeneralName:
    try:
        return x509.IPAddress(ipaddress.ip_address(host))
    except ValueError:
        return x509.DNSName(host)


def _usage() -> x509.KeyUsage:
    return x509.KeyUsage(
        digital_signature=True,
        key_cert_sign=True,
        content_commitment=False,
        key_encipherment=False,
        data_encipherment=False,
        key_agreement=False,
        crl_sign=False,
        encipher_only=False,
        decipher_only=False,
    )


def self_signed(*, hosts: Sequence[str], now: dt.datetime, directory: Path) -> ServingCert:
    """A fresh key and a certificate naming ``hosts`` (DNS names or IPs), written to
    ``directory/tls.crt`` and ``tls.key``."""
    if not hosts:
        raise ValueError("a serving certificate needs at least one host name")
    key = ec.generate_private_key(ec.SECP256R1())
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, hosts[0])])
    cert = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + VALIDITY)
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(_usage(), critical=True)
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
        .add_extension(x509.SubjectAlternativeName([_name(h) for h in hosts]), critical=False)
        .sign(key, hashes.SHA256())
    )
    directory.mkdir(parents=True, exist_ok=True, mode=0o700)
    paths = ServingCert(
        cert_path=directory / "tls.crt",
        key_path=directory / "tls.key",
        cert_pem=cert.public_bytes(serialization.Encoding.PEM),
    )
    paths.key_path.touch(mode=0o600)
    paths.key_path.chmod(0o600)  # before the key is in it, even if the file was there
    paths.key_path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    paths.cert_path.write_bytes(paths.cert_pem)
    return paths
