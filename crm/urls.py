"""Project URLs. Everything requires a login (LoginRequiredMiddleware) except the login page,
the language switch, which the login page itself offers, and the site's icon."""

from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_not_required
from django.templatetags.static import static
from django.urls import include, path
from django.views.generic import RedirectView
from django.views.i18n import set_language


class FaviconView(RedirectView):
    """Browsers ask for /favicon.ico whatever a page links: send them to the icon, a static
    file whose name production hashes, so it is looked up when asked."""

    def get_redirect_url(self, *args, **kwargs):
        return static("favicon.svg")


urlpatterns = [
    # The home page (the workbench) and /customers/.
    path("", include("customers.urls")),
    path("dashboards/", include("analytics.urls")),
    path("marketing/", include("marketing.urls")),
    path("products/", include("products.urls")),
    path("accounts/login/", auth_views.LoginView.as_view(), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path(
        "accounts/password/",
        auth_views.PasswordChangeView.as_view(),
        name="password_change",
    ),
    path(
        "accounts/password/done/",
        auth_views.PasswordChangeDoneView.as_view(),
        name="password_change_done",
    ),
    path("i18n/setlang/", login_not_required(set_language), name="set_language"),
    path("favicon.ico", login_not_required(FaviconView.as_view()), name="favicon"),
    path("admin/", admin.site.urls),
]
