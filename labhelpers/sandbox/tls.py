"""The sandbox's certificate authority and the server certificate it issues for Azure's host names.
Made once per state dir and kept, so a CA bundle handed to clients stays valid across restarts.
Python ≥ 3.13 verifies strictly: the CA carries keyUsage and SKI, the leaf carries AKI and EKU."""
from __future__ import annotations

import datetime as dt
from pathlib import Path

import certifi
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from .files import write_private

# Every host the sandbox terminates TLS for. A wildcard covers one DNS label, which is what vault
# names and custom sub-domains are.
SERVED_NAMES = [
    "management.azure.com",
    "login.microsoftonline.com",
    "login.windows.net",
    "graph.microsoft.com",
    "*.vault.azure.net",
    "*.cognitiveservices.azure.com",
    "*.services.ai.azure.com",
    "*.openai.azure.com",
]


def ensure_tls(state_dir: Path) -> dict[str, Path]:
    """Create (once) the CA, the server certificate and the client CA bundle; return their paths."""
    paths = {"ca": state_dir / "ca.pem", "ca_key": state_dir / "ca.key",
             "cert": state_dir / "tls.pem", "key": state_dir / "tls.key",
             "bundle": state_dir / "ca-bundle.pem"}
    if not all(p.exists() for p in paths.values()) or not _covers_served_names(paths["cert"]):
        _create(paths)
    return paths


def _covers_served_names(cert_path: Path) -> bool:
    """False for a certificate made before a host was added (a state dir from an older sandbox)."""
    try:
        cert = x509.load_pem_x509_certificate(cert_path.read_bytes())
        san = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
        names = san.get_values_for_type(x509.DNSName)
    except (ValueError, x509.ExtensionNotFound):
        return False
    return set(SERVED_NAMES) <= set(names)


def _create(paths: dict[str, Path]) -> None:
    now = dt.datetime.now(dt.timezone.utc)
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca_name = x509.Name([x509.NameAttribute(NameOID.ORGANIZATION_NAME, "CMK Lab Sandbox"),
                         x509.NameAttribute(NameOID.COMMON_NAME, "CMK Lab Sandbox Root CA")])
    ca_ski = x509.SubjectKeyIdentifier.from_public_key(ca_key.public_key())
    ca = (x509.CertificateBuilder().subject_name(ca_name).issuer_name(ca_name)
          .public_key(ca_key.public_key()).serial_number(x509.random_serial_number())
          .not_valid_before(now - dt.timedelta(days=1)).not_valid_after(now + dt.timedelta(days=3650))
          .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
          .add_extension(x509.KeyUsage(digital_signature=True, key_cert_sign=True, crl_sign=True,
                                       content_commitment=False, key_encipherment=False,
                                       data_encipherment=False, key_agreement=False,
                                       encipher_only=False, decipher_only=False), critical=True)
          .add_extension(ca_ski, critical=False)
          .sign(ca_key, hashes.SHA256()))
    key = ec.generate_private_key(ec.SECP256R1())
    leaf = (x509.CertificateBuilder()
            .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, SERVED_NAMES[0])]))
            .issuer_name(ca_name).public_key(key.public_key()).serial_number(x509.random_serial_number())
            .not_valid_before(now - dt.timedelta(days=1)).not_valid_after(now + dt.timedelta(days=825))
            .add_extension(x509.SubjectAlternativeName([x509.DNSName(n) for n in SERVED_NAMES]), critical=False)
            .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
            .add_extension(x509.KeyUsage(digital_signature=True, key_encipherment=False, key_cert_sign=False,
                                         crl_sign=False, content_commitment=False, data_encipherment=False,
                                         key_agreement=False, encipher_only=False, decipher_only=False),
                           critical=True)
            .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
            .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
            .add_extension(x509.AuthorityKeyIdentifier.from_issuer_subject_key_identifier(ca_ski), critical=False)
            .sign(ca_key, hashes.SHA256()))
    pem = serialization.Encoding.PEM

    def private(k) -> bytes:
        return k.private_bytes(pem, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    write_private(paths["ca_key"], private(ca_key))
    write_private(paths["key"], private(key))
    ca_pem = ca.public_bytes(pem)
    paths["cert"].write_bytes(leaf.public_bytes(pem) + ca_pem)
    # The public roots plus ours: clients keep reaching nothing else, but the bundle stays a normal one.
    paths["bundle"].write_bytes(Path(certifi.where()).read_bytes().rstrip(b"\n") + b"\n" + ca_pem)
    paths["ca"].write_bytes(ca_pem)
