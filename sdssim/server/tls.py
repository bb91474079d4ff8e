"""A local certificate authority for ``sdssim serve --tls`` and ``--proxy``.

sdssim creates one CA per user, once, and keeps it in a directory
(:func:`default_ca_dir`, or ``--ca-dir``):

* ``ca.pem`` — the CA certificate, the one file a client must trust
  (``SSL_CERT_FILE``, ``REQUESTS_CA_BUNDLE``, ``NODE_EXTRA_CA_CERTS``,
  ``curl --cacert``); also served at ``GET /_sdssim/ca.pem``;
* ``ca-key.pem`` — its private key (mode 0600, never leaves the directory);
* ``server-<digest>.pem`` / ``server-<digest>-key.pem`` — the server
  certificate for one set of names, issued afresh at every start.

The CA is a real X.509 CA (``basicConstraints CA:TRUE``, ``keyCertSign``),
the server certificates carry ``subjectAltName``, ``serverAuth`` and the
authority key identifier, as strict verifiers (Python 3.13, Node, curl)
require.  Keys are ECDSA P-256.  Certificate validity is the one place outside
:mod:`sdssim.server.clock` that reads the wall clock: a certificate is valid
from a wall time, and nothing in a Graph answer depends on it.

Creating the CA is serialized by a lock file, so two servers started at once
share one CA instead of overwriting each other's.
"""

from __future__ import annotations

import contextlib
import datetime as _dt
import hashlib
import ipaddress
import os
import ssl
from collections.abc import Iterator, Sequence
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from sdssim.atomic import write_atomic

__all__ = ["LocalCA", "ServerCert", "default_ca_dir", "client_env", "LOOPBACK_NAMES",
           "INTERCEPTED_HOSTS"]

#: the names of a ``--tls`` server certificate
LOOPBACK_NAMES = ("localhost", "127.0.0.1", "::1")
#: the hosts ``--proxy`` serves itself (everything else is refused)
INTERCEPTED_HOSTS = ("graph.microsoft.com", "login.microsoftonline.com")

_CA_NAME = "sdssim local CA (testing only)"
_CA_DAYS = 3650
_SERVER_DAYS = 397


def default_ca_dir() -> Path:
    """``$SDSSIM_CA_DIR``, else ``$XDG_DATA_HOME/sdssim/ca`` (``~/.local/share/sdssim/ca``)."""
    explicit = os.environ.get("SDSSIM_CA_DIR")
    if explicit:
        return Path(explicit)
    base = os.environ.get("XDG_DATA_HOME") or os.path.join(Path.home(), ".local", "share")
    return Path(base) / "sdssim" / "ca"


def client_env(ca_file: Path | str) -> dict[str, str]:
    """The environment variables that make common clients trust ``ca_file``."""
    path = str(ca_file)
    return {"SSL_CERT_FILE": path, "REQUESTS_CA_BUNDLE": path, "NODE_EXTRA_CA_CERTS": path}


class ServerCert:
    """A server certificate and key on disk (paths for uvicorn / ``ssl``)."""

    def __init__(self, cert_file: Path, key_file: Path, names: tuple[str, ...]) -> None:
        self.cert_file = cert_file
        self.key_file = key_file
        self.names = names


class LocalCA:
    """The CA in ``directory``; :meth:`load_or_create` makes it the first time."""

    def __init__(self, directory: Path, cert: x509.Certificate,
                 key: ec.EllipticCurvePrivateKey) -> None:
        self.directory = directory
        self.cert = cert
        self.key = key

    @property
    def cert_file(self) -> Path:
        return self.directory / "ca.pem"

    @property
    def cert_pem(self) -> bytes:
        return self.cert.public_bytes(serialization.Encoding.PEM)

    def client_context(self) -> ssl.SSLContext:
        """An ``ssl`` client context trusting this CA only (for httpx ``verify=``)."""
        return ssl.create_default_context(cafile=str(self.cert_file))

    @classmethod
    def load_or_create(cls, directory: Path | str | None = None) -> LocalCA:
        """The CA kept in ``directory`` (default :func:`default_ca_dir`), created if absent.

        Raises ``ValueError`` with a readable message when the directory holds a
        broken or half-written CA, or cannot be written.
        """
        path = Path(directory) if directory is not None else default_ca_dir()
        try:
            path.mkdir(parents=True, exist_ok=True, mode=0o700)
            with _locked(path / ".lock"):
                cert_file, key_file = path / "ca.pem", path / "ca-key.pem"
                if cert_file.exists() or key_file.exists():
                    return cls._load(path, cert_file, key_file)
                cert, key = _new_ca()
                write_atomic(key_file, _key_pem(key), private=True)
                write_atomic(cert_file, cert.public_bytes(serialization.Encoding.PEM))
                return cls(path, cert, key)
        except OSError as exc:
            raise ValueError(f"cannot use the CA directory {path}: {exc.strerror or exc}") \
                from None

    @classmethod
    def _load(cls, path: Path, cert_file: Path, key_file: Path) -> LocalCA:
        try:
            cert = x509.load_pem_x509_certificate(cert_file.read_bytes())
            key = serialization.load_pem_private_key(key_file.read_bytes(), password=None)
        except (OSError, ValueError, TypeError) as exc:
            raise ValueError(
                f"{path} holds no usable sdssim CA ({exc}); delete ca.pem and ca-key.pem "
                "there (clients trusting the old CA must then trust the new one)") from None
        spki = (serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
        if not isinstance(key, ec.EllipticCurvePrivateKey) or \
                key.public_key().public_bytes(*spki) != cert.public_key().public_bytes(*spki):
            raise ValueError(f"{path}: ca-key.pem does not belong to ca.pem")
        return cls(path, cert, key)

    def issue(self, names: Sequence[str]) -> ServerCert:
        """A fresh server certificate for ``names`` (DNS names and IP addresses)."""
        names = tuple(dict.fromkeys(names))
        key = ec.generate_private_key(ec.SECP256R1())
        now = _dt.datetime.now(_dt.timezone.utc)
        alt: list[x509.GeneralName] = []
        for name in names:
            try:
                alt.append(x509.IPAddress(ipaddress.ip_address(name)))
            except ValueError:
                alt.append(x509.DNSName(name))
        ca_ski = self.cert.extensions.get_extension_for_class(x509.SubjectKeyIdentifier).value
        cert = (
            x509.CertificateBuilder()
            .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, names[0])]))
            .issuer_name(self.cert.subject)
            .public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - _dt.timedelta(hours=1))
            .not_valid_after(now + _dt.timedelta(days=_SERVER_DAYS))
            .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
            .add_extension(x509.KeyUsage(
                digital_signature=True, content_commitment=False, key_encipherment=False,
                data_encipherment=False, key_agreement=False, key_cert_sign=False,
                crl_sign=False, encipher_only=False, decipher_only=False), critical=True)
            .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]),
                           critical=False)
            .add_extension(x509.SubjectAlternativeName(alt), critical=False)
            .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()),
                           critical=False)
            .add_extension(x509.AuthorityKeyIdentifier.from_issuer_subject_key_identifier(
                ca_ski), critical=False)
            .sign(self.key, hashes.SHA256())
        )
        digest = hashlib.sha256("\n".join(names).encode()).hexdigest()[:12]
        cert_file = self.directory / f"server-{digest}.pem"
        key_file = self.directory / f"server-{digest}-key.pem"
        write_atomic(key_file, _key_pem(key), private=True)
        write_atomic(cert_file, cert.public_bytes(serialization.Encoding.PEM))
        return ServerCert(cert_file, key_file, names)


def _new_ca() -> tuple[x509.Certificate, ec.EllipticCurvePrivateKey]:
    key = ec.generate_private_key(ec.SECP256R1())
    now = _dt.datetime.now(_dt.timezone.utc)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, _CA_NAME),
                      x509.NameAttribute(NameOID.ORGANIZATION_NAME, "sdssim")])
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - _dt.timedelta(hours=1))
        .not_valid_after(now + _dt.timedelta(days=_CA_DAYS))
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(x509.KeyUsage(
            digital_signature=False, content_commitment=False, key_encipherment=False,
            data_encipherment=False, key_agreement=False, key_cert_sign=True, crl_sign=True,
            encipher_only=False, decipher_only=False), critical=True)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()),
                       critical=False)
        .sign(key, hashes.SHA256())
    )
    return cert, key


def _key_pem(key: ec.EllipticCurvePrivateKey) -> bytes:
    return key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                             serialization.NoEncryption())


@contextlib.contextmanager
def _locked(lock_file: Path) -> Iterator[None]:
    try:
        import fcntl
    except ImportError:  # Windows: no advisory locks; creation races are then possible
        yield
        return
    with open(lock_file, "a") as fh:
        fcntl.flock(fh.fileno(), fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(fh.fileno(), fcntl.LOCK_UN)
