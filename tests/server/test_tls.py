"""The local certificate authority: created once, reused, strict-verifier-proof certificates."""

from __future__ import annotations

import ipaddress
import socket
import ssl
import stat
import threading

import pytest
from cryptography import x509

from sdssim.server.tls import LocalCA, client_env, default_ca_dir


def test_the_ca_is_created_once_and_then_reused(tmp_path) -> None:
    first = LocalCA.load_or_create(tmp_path / "ca")
    again = LocalCA.load_or_create(tmp_path / "ca")
    assert first.cert_pem == again.cert_pem == (tmp_path / "ca" / "ca.pem").read_bytes()
    assert stat.S_IMODE((tmp_path / "ca" / "ca-key.pem").stat().st_mode) == 0o600
    constraints = first.cert.extensions.get_extension_for_class(x509.BasicConstraints).value
    usage = first.cert.extensions.get_extension_for_class(x509.KeyUsage).value
    assert constraints.ca and usage.key_cert_sign


def test_servers_started_together_share_one_ca(tmp_path) -> None:
    found: list[bytes] = []

    def load() -> None:
        found.append(LocalCA.load_or_create(tmp_path / "ca").cert_pem)

    threads = [threading.Thread(target=load) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(found) == 4 and len(set(found)) == 1


def test_server_certificates_name_their_hosts_and_chain_to_the_ca(tmp_path) -> None:
    ca = LocalCA.load_or_create(tmp_path)
    issued = ca.issue(["graph.microsoft.com", "localhost", "127.0.0.1"])
    cert = x509.load_pem_x509_certificate(issued.cert_file.read_bytes())
    cert.verify_directly_issued_by(ca.cert)
    names = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    assert names.get_values_for_type(x509.DNSName) == ["graph.microsoft.com", "localhost"]
    assert names.get_values_for_type(x509.IPAddress) == [ipaddress.ip_address("127.0.0.1")]
    assert stat.S_IMODE(issued.key_file.stat().st_mode) == 0o600


def test_a_strict_tls_handshake_accepts_the_certificate_and_checks_the_name(tmp_path) -> None:
    ca = LocalCA.load_or_create(tmp_path)
    issued = ca.issue(["graph.microsoft.com"])
    server_ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    server_ctx.load_cert_chain(issued.cert_file, issued.key_file)
    client_ctx = ssl.create_default_context(cafile=str(ca.cert_file))
    client_ctx.verify_flags |= ssl.VERIFY_X509_STRICT

    def handshake(name: str) -> str:
        listener = socket.create_server(("127.0.0.1", 0))
        port = listener.getsockname()[1]

        def accept() -> None:
            conn, _ = listener.accept()
            try:
                with server_ctx.wrap_socket(conn, server_side=True):
                    pass
            except (ssl.SSLError, OSError):
                pass

        thread = threading.Thread(target=accept)
        thread.start()
        try:
            with socket.create_connection(("127.0.0.1", port)) as raw, \
                    client_ctx.wrap_socket(raw, server_hostname=name) as tls:
                return tls.version() or ""
        finally:
            thread.join()
            listener.close()

    assert handshake("graph.microsoft.com").startswith("TLS")
    with pytest.raises(ssl.SSLCertVerificationError):
        handshake("example.com")


def test_a_broken_ca_directory_is_a_clear_error(tmp_path) -> None:
    (tmp_path / "ca.pem").write_text("not a certificate")
    (tmp_path / "ca-key.pem").write_text("not a key")
    with pytest.raises(ValueError, match="holds no usable sdssim CA"):
        LocalCA.load_or_create(tmp_path)
    assert (tmp_path / "ca.pem").read_text() == "not a certificate"   # nothing overwritten


def test_a_key_from_another_ca_is_refused(tmp_path) -> None:
    LocalCA.load_or_create(tmp_path / "a")
    LocalCA.load_or_create(tmp_path / "b")
    (tmp_path / "a" / "ca-key.pem").write_bytes((tmp_path / "b" / "ca-key.pem").read_bytes())
    with pytest.raises(ValueError, match="does not belong to ca.pem"):
        LocalCA.load_or_create(tmp_path / "a")


def test_an_unwritable_ca_directory_is_a_clear_error(tmp_path) -> None:
    (tmp_path / "file").write_text("x")
    with pytest.raises(ValueError, match="cannot use the CA directory"):
        LocalCA.load_or_create(tmp_path / "file" / "ca")


def test_the_default_directory_is_per_user(monkeypatch, tmp_path) -> None:
    monkeypatch.delenv("SDSSIM_CA_DIR", raising=False)
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path))
    assert default_ca_dir() == tmp_path / "sdssim" / "ca"
    monkeypatch.setenv("SDSSIM_CA_DIR", str(tmp_path / "mine"))
    assert default_ca_dir() == tmp_path / "mine"
    assert client_env("/x/ca.pem") == {"SSL_CERT_FILE": "/x/ca.pem",
                                       "REQUESTS_CA_BUNDLE": "/x/ca.pem",
                                       "NODE_EXTRA_CA_CERTS": "/x/ca.pem"}
