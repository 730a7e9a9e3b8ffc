"""Run the test OpenID Connect provider: ``python -m tests.oidc_provider.serve SPEC.json``.

SPEC names the port, a working folder, the users (username, password, e-mail, claims) and the
one client application (id, secret, redirect URIs). A fresh RSA key is generated into the
working folder, the SQLite database is migrated and filled, then the server runs on 127.0.0.1
until it is killed. It prints "ready" once it listens.
"""

import json
import os
import sys
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa


def write_key(folder: Path) -> Path:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    path = folder / "signing-key.pem"
    path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return path


def fill(spec: dict) -> None:
    from django.contrib.auth.models import User
    from oauth2_provider.models import Application

    for account in spec["users"]:
        User.objects.create_user(
            account["username"], email=account.get("email", ""), password=account["password"]
        )
    client = spec["client"]
    Application.objects.create(
        name="budgetscreen",
        client_id=client["id"],
        client_secret=client["secret"],
        client_type=Application.CLIENT_CONFIDENTIAL,
        authorization_grant_type=Application.GRANT_AUTHORIZATION_CODE,
        redirect_uris=" ".join(client["redirect_uris"]),
        algorithm=Application.RS256_ALGORITHM,
        skip_authorization=False,
    )


def main(spec_path: str) -> None:
    spec = json.loads(Path(spec_path).read_text(encoding="utf-8"))
    folder = Path(spec["dir"])
    os.environ["OIDC_TEST_PORT"] = str(spec["port"])
    os.environ["OIDC_TEST_DIR"] = str(folder)
    os.environ["OIDC_TEST_KEY_FILE"] = str(write_key(folder))
    os.environ["OIDC_TEST_CLAIMS"] = json.dumps(
        {account["username"]: account.get("claims", {}) for account in spec["users"]}
    )
    os.environ["DJANGO_SETTINGS_MODULE"] = "tests.oidc_provider.settings"
    import django
    from django.core.management import call_command
    from django.core.servers.basehttp import WSGIServer, run
    from django.core.wsgi import get_wsgi_application

    django.setup()
    call_command("migrate", verbosity=0, interactive=False)
    fill(spec)
    print("ready", flush=True)
    run("127.0.0.1", spec["port"], get_wsgi_application(), threading=True, server_cls=WSGIServer)


if __name__ == "__main__":
    main(sys.argv[1])
