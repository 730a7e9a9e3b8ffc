"""Role checks for views. Object-level checks live in each app's permissions module."""

from functools import wraps

from django.core.exceptions import PermissionDenied


def role_required(*roles):
    """403 unless the signed-in user holds one of ``roles`` (anonymous users never get here:
    the login-required middleware sends them to the login page first)."""

    def decorator(view):
        @wraps(view)
        def wrapper(request, *args, **kwargs):
            if not request.user.has_role(*roles):
                raise PermissionDenied
            return view(request, *args, **kwargs)

        return wrapper

    return decorator
