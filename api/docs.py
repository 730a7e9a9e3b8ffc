"""The API reference page: Swagger UI from drf-spectacular-sidecar, served by the app.

The split view sends its start-up script as a file of its own (``?script``), so the page runs
under the strict Content-Security-Policy (no inline script); our template also drops the
inline ``<style>`` of drf-spectacular's own.
"""

from drf_spectacular.views import SpectacularSwaggerSplitView
from rest_framework.authentication import SessionAuthentication


class DocsView(SpectacularSwaggerSplitView):
    template_name = "api/swagger_ui.html"
    authentication_classes = [SessionAuthentication]
    permission_classes: list = []
    throttle_classes: list = []
