"""Certificates for the local control plane, made with ``cryptography``.

Sits at the start of ``ControlPlane.start``: one CA signs the API server's serving certificate
(SANs 127.0.0.1, localhost) and every client certificate (CN = user, O = groups), and a separate
RSA key signs ServiceAccount tokens. Nothing here talks to a process; it only writes PEM files.
"""

from __future__ import annotations

import datetime as dt
import ipaddress
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

__all__ = ["CertificateAuthority", "IssuedCert", "write_service_account_key"]

_VALIDITY = dt.timedelta(days=30)


@dataclass(frozen=True)
class IssuedCert:
    """Paths of a certificate and its private key, both PEM."""

    cert: Path
    key: Path


def _write_key(path: Path, key: ec.EllipticCurvePrivateKey | rsa.RSAPrivateKey) -> None:
    path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    path.chmod(0o600)


class CertificateAuthority:
    """A throwaway CA kept in ``directory``; reloaded when it already exists there."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self.cert_path = directory / "ca.crt"
        self.key_path = directory / "ca.key"
        directory.mkdir(parents=True, exist_ok=True)
        if self.cert_path.exists() and self.key_path.exists():
            loaded = serialization.load_pem_private_key(self.key_path.read_bytes(), None)
            assert isinstance(loaded, ec.EllipticCurvePrivateKey)
            self._key = loaded
            self._cert = x509.load_pem_x509_certificate(self.cert_path.read_bytes())
        else:
            self._key = ec.generate_private_key(ec.SECP256R1())
            name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "fog-compute-testbed-ca")])
            now = dt.datetime.now(dt.UTC)
            self._cert = (
                x509.CertificateBuilder()
                .subject_name(name)
                .issuer_name(name)
                .public_key(self._key.public_key())
                .serial_number(x509.random_serial_number())
                .not_valid_before(now - dt.timedelta(minutes=5))
                .not_valid_after(now + _VALIDITY)
                .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
                .add_extension(
                    x509.KeyUsage(
                        digital_signature=True,
                        key_cert_sign=True,
                        crl_sign=True,
                        content_commitment=False,
                        key_encipherment=False,
                        data_encipherment=False,
                        key_agreement=False,
                        encipher_only=False,
                        decipher_only=False,
                    ),
                    critical=True,
                )
                .sign(self._key, hashes.SHA256())
            )
            _write_key(self.key_path, self._key)
            self.cert_path.write_bytes(self._cert.public_bytes(serialization.Encoding.PEM))

    def issue(
        self,
        name: str,
        *,
        common_name: str,
        organizations: Sequence[str] = (),
        server: bool = False,
        extra_sans: Sequence[str] = (),
    ) -> IssuedCert:
        """Issue a client (default) or serving certificate and write ``name.crt``/``name.key``.

        A serving certificate names localhost and 127.0.0.1, plus ``extra_sans`` (IP addresses
        or DNS names)."""
        paths = IssuedCert(self.directory / f"{name}.crt", self.directory / f"{name}.key")
        if paths.cert.exists() and paths.key.exists():
            return paths
        key = ec.generate_private_key(ec.SECP256R1())
        attributes = [x509.NameAttribute(NameOID.COMMON_NAME, common_name)]
        attributes += [x509.NameAttribute(NameOID.ORGANIZATION_NAME, o) for o in organizations]
        now = dt.datetime.now(dt.UTC)
        usage = ExtendedKeyUsageOID.SERVER_AUTH if server else ExtendedKeyUsageOID.CLIENT_AUTH
        builder = (
            x509.CertificateBuilder()
            .subject_name(x509.Name(attributes))
            .issuer_name(self._cert.subject)
            .public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - dt.timedelta(minutes=5))
            .not_valid_after(now + _VALIDITY)
            .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
            .add_extension(x509.ExtendedKeyUsage([usage]), critical=False)
        )
        if server:
            builder = builder.add_extension(
                x509.SubjectAlternativeName(
                    [
                        x509.DNSName("localhost"),
                        x509.IPAddress(ipaddress.ip_address("127.0.0.1")),
                        *(_san(name) for name in extra_sans),
                    ]
                ),
                critical=False,
            )
        cert = builder.sign(self._key, hashes.SHA256())
        _write_key(paths.key, key)
        paths.cert.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
        return paths


def _san(name: str) -> x509.GeneralName:
    try:
        return x509.IPAddress(ipaddress.ip_address(name))
    except ValueError:
        return x509.DNSName(name)


def write_service_account_key(path: Path) -> Path:
    """Write the RSA key that signs and verifies ServiceAccount tokens, once."""
    if not path.exists():
        _write_key(path, rsa.generate_private_key(public_exponent=65537, key_size=2048))
    return path
