#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""A small but real OpenID Connect provider for the tests, on loopback.

Discovery document, an authorization endpoint that approves the configured
test user at once (no login page), a token endpoint that checks the client
secret, the redirect URI and PKCE (S256) and hands out each code once, a
JWKS, and ID tokens signed with RS256 (or ES256). The test configures it
with POST /test/config (JSON): the user's claims, and "tamper" to make it
issue a bad ID token on purpose (signature, alg_none, hs256, audience,
nonce, expired, issuer) so that the server's checks can be seen refusing it.

Prints "listening on http://127.0.0.1:PORT" on stdout once ready.
"""

import argparse
import base64
import hashlib
import hmac
import json
import secrets
import sys
import threading
import time
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature


def b64url(data):
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def int_bytes(n, length=None):
    length = length or (n.bit_length() + 7) // 8
    return n.to_bytes(length, "big")


class Provider:
    def __init__(self, client_id, client_secret):
        self.client_id = client_id
        self.client_secret = client_secret
        self.issuer = None
        self.lock = threading.Lock()
        self.rsa_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        self.ec_key = ec.generate_private_key(ec.SECP256R1())
        self.codes = {}
        self.config = {
            "redirect_uri": None,
            "sub": "test-subject-1",
            "email": "social@example.com",
            "email_verified": True,
            "name": "Social Person",
            "tamper": None,
            "alg": "RS256",
            "deny": False,
            "code_seconds": 60,
        }
        self.token_requests = 0

    def jwks(self):
        rsa_numbers = self.rsa_key.public_key().public_numbers()
        ec_numbers = self.ec_key.public_key().public_numbers()
        return {
            "keys": [
                {"kty": "RSA", "kid": "rsa-1", "use": "sig", "alg": "RS256",
                 "n": b64url(int_bytes(rsa_numbers.n)), "e": b64url(int_bytes(rsa_numbers.e))},
                {"kty": "EC", "kid": "ec-1", "use": "sig", "alg": "ES256", "crv": "P-256",
                 "x": b64url(int_bytes(ec_numbers.x, 32)), "y": b64url(int_bytes(ec_numbers.y, 32))},
            ]
        }

    def id_token(self, grant):
        cfg = grant["config"]
        now = int(time.time())
        claims = {
            "iss": self.issuer,
            "aud": self.client_id,
            "azp": self.client_id,
            "sub": cfg["sub"],
            "iat": now,
            "exp": now + 300,
            "nonce": grant["nonce"],
        }
        if cfg["email"] is not None:
            claims["email"] = cfg["email"]
            claims["email_verified"] = cfg["email_verified"]
        if cfg["name"] is not None:
            claims["name"] = cfg["name"]
        tamper = cfg["tamper"]
        if tamper == "audience":
            claims["aud"] = "someone-else"
            claims.pop("azp")
        elif tamper == "nonce":
            claims["nonce"] = "not-the-nonce"
        elif tamper == "expired":
            claims["iat"] = now - 3600
            claims["exp"] = now - 600
        elif tamper == "issuer":
            claims["iss"] = self.issuer + "/other"

        alg = cfg["alg"]
        if tamper == "alg_none":
            alg = "none"
        elif tamper == "hs256":
            alg = "HS256"
        header = {"alg": alg, "typ": "JWT"}
        if alg == "RS256":
            header["kid"] = "rsa-1"
        elif alg == "ES256":
            header["kid"] = "ec-1"
        signing_input = (b64url(json.dumps(header).encode()) + "." +
                         b64url(json.dumps(claims).encode())).encode()
        if alg == "RS256":
            signature = self.rsa_key.sign(signing_input, padding.PKCS1v15(), hashes.SHA256())
        elif alg == "ES256":
            r, s = decode_dss_signature(self.ec_key.sign(signing_input, ec.ECDSA(hashes.SHA256())))
            signature = int_bytes(r, 32) + int_bytes(s, 32)
        elif alg == "HS256":
            # The confusion attack: the RSA public key's modulus as an HMAC secret.
            secret = int_bytes(self.rsa_key.public_key().public_numbers().n)
            signature = hmac.new(secret, signing_input, hashlib.sha256).digest()
        else:
            signature = b""
        if tamper == "signature":
            signature = bytes([signature[0] ^ 1]) + signature[1:]
        return signing_input.decode() + "." + b64url(signature)


class Handler(BaseHTTPRequestHandler):
    provider = None

    def log_message(self, fmt, *args):
        sys.stderr.write("oidc-provider: " + (fmt % args) + "\n")

    def send(self, status, body=None, headers=()):
        data = json.dumps(body).encode() if body is not None else b""
        self.send_response(status)
        for name, value in headers:
            self.send_header(name, value)
        if body is not None:
            self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.send_header("Cache-Control", "no-store")
        self.end_headers()
        self.wfile.write(data)

    def redirect(self, base, params):
        sep = "&" if "?" in base else "?"
        self.send(302, headers=[("Location", base + sep + urllib.parse.urlencode(params))])

    def do_GET(self):
        p = self.provider
        url = urllib.parse.urlsplit(self.path)
        if url.path == "/.well-known/openid-configuration":
            self.send(200, {
                "issuer": p.issuer,
                "authorization_endpoint": p.issuer + "/authorize",
                "token_endpoint": p.issuer + "/token",
                "jwks_uri": p.issuer + "/jwks",
                "response_types_supported": ["code"],
                "subject_types_supported": ["public"],
                "id_token_signing_alg_values_supported": ["RS256", "ES256"],
                "code_challenge_methods_supported": ["S256"],
                "token_endpoint_auth_methods_supported": ["client_secret_post",
                                                          "client_secret_basic"],
            })
        elif url.path == "/jwks":
            self.send(200, p.jwks())
        elif url.path == "/authorize":
            self.authorize(urllib.parse.parse_qs(url.query))
        else:
            self.send(404, {"error": "not_found"})

    def authorize(self, query):
        p = self.provider
        q = {k: v[0] for k, v in query.items()}
        with p.lock:
            cfg = dict(p.config)
        if q.get("client_id") != p.client_id:
            return self.send(400, {"error": "unauthorized_client"})
        redirect_uri = q.get("redirect_uri")
        if redirect_uri is None or redirect_uri != cfg["redirect_uri"]:
            return self.send(400, {"error": "invalid_request",
                                   "error_description": "redirect_uri not registered"})
        state = q.get("state", "")
        if (q.get("response_type") != "code" or "openid" not in q.get("scope", "").split()
                or q.get("code_challenge_method") != "S256" or not q.get("code_challenge")
                or not q.get("nonce")):
            return self.redirect(redirect_uri, {"error": "invalid_request", "state": state})
        if cfg["deny"]:
            return self.redirect(redirect_uri, {"error": "access_denied", "state": state})
        code = secrets.token_urlsafe(32)
        with p.lock:
            p.codes[code] = {
                "redirect_uri": redirect_uri,
                "challenge": q["code_challenge"],
                "nonce": q["nonce"],
                "expires": time.time() + cfg["code_seconds"],
                "used": False,
                "config": cfg,
            }
        self.redirect(redirect_uri, {"code": code, "state": state})

    def read_body(self):
        length = int(self.headers.get("Content-Length", "0"))
        return self.rfile.read(length).decode()

    def do_POST(self):
        p = self.provider
        url = urllib.parse.urlsplit(self.path)
        body = self.read_body()
        if url.path == "/test/config":
            with p.lock:
                p.config.update(json.loads(body))
            return self.send(204)
        if url.path != "/token":
            return self.send(404, {"error": "not_found"})
        form = {k: v[0] for k, v in urllib.parse.parse_qs(body).items()}
        client_id, client_secret = form.get("client_id"), form.get("client_secret")
        auth = self.headers.get("Authorization", "")
        if auth.startswith("Basic "):
            user, _, secret = base64.b64decode(auth[6:]).decode().partition(":")
            client_id, client_secret = (urllib.parse.unquote_plus(user),
                                        urllib.parse.unquote_plus(secret))
        if client_id != p.client_id or not hmac.compare_digest(client_secret or "",
                                                                p.client_secret):
            return self.send(401, {"error": "invalid_client"})
        if form.get("grant_type") != "authorization_code":
            return self.send(400, {"error": "unsupported_grant_type"})
        with p.lock:
            p.token_requests += 1
            grant = p.codes.get(form.get("code", ""))
            reused = grant is not None and grant["used"]
            if grant is not None:
                grant["used"] = True
        if grant is None or reused or grant["expires"] < time.time():
            return self.send(400, {"error": "invalid_grant"})
        if form.get("redirect_uri") != grant["redirect_uri"]:
            return self.send(400, {"error": "invalid_grant",
                                   "error_description": "redirect_uri differs"})
        verifier = form.get("code_verifier", "")
        if b64url(hashlib.sha256(verifier.encode()).digest()) != grant["challenge"]:
            return self.send(400, {"error": "invalid_grant",
                                   "error_description": "PKCE verification failed"})
        self.send(200, {
            "access_token": secrets.token_urlsafe(32),
            "token_type": "Bearer",
            "expires_in": 3600,
            "id_token": p.id_token(grant),
        })


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--client-id", default="cascade-test")
    parser.add_argument("--client-secret", default="test-secret")
    args = parser.parse_args()

    provider = Provider(args.client_id, args.client_secret)
    Handler.provider = provider
    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    provider.issuer = "http://127.0.0.1:%d" % server.server_address[1]
    print("listening on " + provider.issuer, flush=True)
    # The test holds our stdin: when it ends (even by a crash), so do we.
    threading.Thread(target=lambda: (sys.stdin.read(), server.shutdown()), daemon=True).start()
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass


if __name__ == "__main__":
    main()
