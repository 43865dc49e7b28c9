"""moto's server, as the tests, the demo and the benchmarks run it.

Usage: moto_server.py -H HOST -p PORT [--tls-port PORT --tls-dir DIR]

Differences from `moto_server`, each because moto is looser than AWS where our product relies on
AWS's behaviour:

1. A race in the threaded server: IAMBackend.get_roles returns a live view of the roles dict, so
   two stacks creating roles at the same time (our deploy creates both solutions' stacks
   concurrently) can fail one CreateStack with "RuntimeError: dictionary changed size during
   iteration" and leave that stack CREATE_IN_PROGRESS for ever. A snapshot of the values keeps
   the behaviour and removes the race.
2. HTTPS beside HTTP. With `--tls-port`, the same moto (one state) also listens with TLS, using a
   certificate for 127.0.0.1 and localhost signed by a throw-away CA that is generated into
   `--tls-dir` (`ca.pem`, `server.pem`, `server-key.pem`) unless it is already there. Clients
   trust `ca.pem` (the CLI through `SSL_CERT_FILE`).
3. Bucket policies see the transport. moto evaluates a bucket's policy for object operations
   (GetObject, PutObject, DeleteObject, DeleteObjects) but gives it no request context, knows only
   the `StringEquals` condition operator (it treats any other as matched), and turns a statement
   whose condition does not hold into an explicit deny. AWS instead evaluates `aws:SecureTransport`
   (true over TLS) with the `Bool` operator, and a statement whose condition does not hold does
   not apply. Here: the context carries `aws:SecureTransport` of the connection the request came
   on, `Bool` is known, and a statement whose condition does not hold is neutral. So a TLS-only
   policy denies plain HTTP and allows HTTPS, as on AWS. moto still does not evaluate bucket
   policies for bucket-level operations (ListObjectsV2, GetBucketTagging, …); AWS does.
"""

import argparse
import datetime
import ipaddress
import os
import sys
import threading

from moto.iam import models as iam_models
from moto.iam import access_control, policy_conditions
from moto.s3 import models as s3_models


def _roles_snapshot(self):
    return list(self.roles.values())


iam_models.IAMBackend.get_roles = _roles_snapshot

# --- bucket policies see the transport -------------------------------------------------------

_request = threading.local()


def _bool_condition(expected, actual):
    wanted = expected if isinstance(expected, list) else [expected]
    return str(actual).lower() in [str(value).lower() for value in wanted]


policy_conditions.CONDITION_OPERATIONS["Bool"] = _bool_condition

_statement_permitted = access_control.IAMPolicyStatement.is_action_permitted


def _statement_applies_only_when_its_condition_holds(
    self, action, resource="*", principal=None, incoming_condition_values=None
):
    if self._statement.get("Condition") and not self._check_conditions(
        incoming_condition_values
    ):
        return access_control.PermissionResult.NEUTRAL
    return _statement_permitted(
        self, action, resource, principal, incoming_condition_values
    )


access_control.IAMPolicyStatement.is_action_permitted = (
    _statement_applies_only_when_its_condition_holds
)


def _bucket_permission_in_context(self, action, resource):
    if self.policy is None:
        return access_control.PermissionResult.NEUTRAL
    secure = "true" if getattr(_request, "secure", False) else "false"
    policy = access_control.IAMPolicy(self.policy.decode())
    return policy.is_action_permitted(
        action, resource, incoming_condition_values={"aws:SecureTransport": secure}
    )


s3_models.FakeBucket.get_permission = _bucket_permission_in_context


class TransportAware:
    """WSGI middleware: records, per request thread, whether the request came over TLS."""

    def __init__(self, app):
        self.app = app

    def __call__(self, environ, start_response):
        _request.secure = environ.get("wsgi.url_scheme") == "https"
        return self.app(environ, start_response)


# --- the throw-away certificate authority ----------------------------------------------------


def ensure_certificates(directory):
    """Writes ca.pem, server.pem and server-key.pem into `directory` unless all are there."""
    names = [os.path.join(directory, n) for n in ("ca.pem", "server.pem", "server-key.pem")]
    if all(os.path.exists(n) for n in names):
        return names[1], names[2]
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

    os.makedirs(directory, exist_ok=True)
    now = datetime.datetime.now(datetime.timezone.utc)
    start, end = now - datetime.timedelta(hours=1), now + datetime.timedelta(days=30)
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "connect-returns test CA")])
    ca = (
        x509.CertificateBuilder()
        .subject_name(ca_name)
        .issuer_name(ca_name)
        .public_key(ca_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(start)
        .not_valid_after(end)
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=False, content_commitment=False, key_encipherment=False,
                data_encipherment=False, key_agreement=False, key_cert_sign=True,
                crl_sign=True, encipher_only=False, decipher_only=False,
            ),
            critical=True,
        )
        .sign(ca_key, hashes.SHA256())
    )
    key = ec.generate_private_key(ec.SECP256R1())
    server = (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")]))
        .issuer_name(ca_name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(start)
        .not_valid_after(end)
        .add_extension(
            x509.SubjectAlternativeName(
                [x509.IPAddress(ipaddress.ip_address("127.0.0.1")), x509.DNSName("localhost")]
            ),
            critical=False,
        )
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
        .sign(ca_key, hashes.SHA256())
    )
    pem = serialization.Encoding.PEM
    # Written to temporary names and renamed, so a reader never sees half a file.
    for path, data in (
        (names[2], key.private_bytes(pem, serialization.PrivateFormat.PKCS8,
                                     serialization.NoEncryption())),
        (names[1], server.public_bytes(pem)),
        (names[0], ca.public_bytes(pem)),
    ):
        with open(path + ".tmp", "wb") as out:
            out.write(data)
        os.replace(path + ".tmp", path)
    return names[1], names[2]


# --- the server ------------------------------------------------------------------------------


def main(argv):
    from werkzeug.serving import make_server

    from moto.moto_server.werkzeug_app import (
        DomainDispatcherApplication,
        MotoRequestHandler,
        create_backend_app,
    )

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-H", "--host", default="127.0.0.1")
    parser.add_argument("-p", "--port", type=int, required=True)
    parser.add_argument("--tls-port", type=int)
    parser.add_argument("--tls-dir")
    args = parser.parse_args(argv)
    if (args.tls_port is None) != (args.tls_dir is None):
        parser.error("--tls-port and --tls-dir go together")
    os.environ.setdefault("MOTO_PORT", str(args.port))

    app = DomainDispatcherApplication(create_backend_app)
    app = TransportAware(app)
    servers = [
        make_server(args.host, args.port, app, threaded=True, request_handler=MotoRequestHandler)
    ]
    if args.tls_port is not None:
        cert, key = ensure_certificates(args.tls_dir)
        servers.append(
            make_server(
                args.host, args.tls_port, app, threaded=True,
                request_handler=MotoRequestHandler, ssl_context=(cert, key),
            )
        )
    threads = [threading.Thread(target=s.serve_forever, daemon=True) for s in servers]
    for thread in threads:
        thread.start()
    try:
        for thread in threads:
            thread.join()
    except KeyboardInterrupt:
        pass


if __name__ == "__main__":
    main(sys.argv[1:])
