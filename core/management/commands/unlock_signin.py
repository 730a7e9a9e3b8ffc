from django.core.management.base import BaseCommand, CommandError

from core.signin_protection import unlock_username


class Command(BaseCommand):
    help = (
        "Unlock sign-in for a username locked after too many failed attempts from several "
        "addresses (audited as auth.account_unlocked, without an acting user)."
    )

    def add_arguments(self, parser):
        parser.add_argument("username")

    def handle(self, *args, username, **options):
        if not unlock_username(username=username):
            raise CommandError(f"sign-in with {username!r} is not locked")
        self.stdout.write(f"sign-in with {username!r} unlocked")
