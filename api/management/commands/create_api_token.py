"""``manage.py create_api_token USERNAME --scope read|write [--expires DAYS]``: prints the token
once (only its hash is kept)."""

from django.core.management.base import BaseCommand, CommandError

from api.models import TokenScope
from api.services import ApiTokenError, create_api_token
from directory.models import User


class Command(BaseCommand):
    help = "Create an API token for a user (a service account) and print it once."

    def add_arguments(self, parser):
        parser.add_argument("username")
        parser.add_argument("--scope", choices=TokenScope.values, default=TokenScope.READ)
        parser.add_argument("--expires", type=int, metavar="DAYS", default=None)
        parser.add_argument("--name", default="")

    def handle(self, *args, username, scope, expires, name, **options):
        user = User.objects.filter(username=username).first()
        if user is None:
            raise CommandError(f"No user named {username!r}.")
        try:
            issued = create_api_token(
                actor=None, user=user, scope=scope, name=name, expires_in_days=expires
            )
        except ApiTokenError as error:
            raise CommandError(str(error)) from None
        self.stdout.write(issued.secret)
        self.stderr.write(
            f"Token {issued.token.prefix} for {username} ({scope}"
            + (f", expires {issued.token.expires_at:%Y-%m-%d}" if expires else "")
            + "). It is shown only now; only its hash is stored."
        )
