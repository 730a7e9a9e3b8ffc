"""Single sign-on through OpenID Connect (core/oidc.py): 404 while it is not configured."""

from django.urls import path

from . import oidc

urlpatterns = [
    path("authenticate/", oidc.AuthenticateView.as_view(), name="oidc_authenticate"),
    path("callback/", oidc.CallbackView.as_view(), name="oidc_callback"),
]
