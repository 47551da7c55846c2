"""CSRF on every form, login rate limits and the security headers every answer carries."""

from __future__ import annotations

import math
import time
from typing import Any

from flask import Flask, Response, current_app, render_template
from flask_limiter import Limiter, RateLimitExceeded
from flask_limiter.util import get_remote_address
from flask_wtf.csrf import CSRFError, CSRFProtect
from werkzeug.middleware.proxy_fix import ProxyFix

from shared.web.hardening import nul_in_request

csrf = CSRFProtect()
#: Per client address; a shared Redis counts across every dashboard process.
LOGIN_LIMIT = "10 per minute"

#: No inline script or style anywhere: the pages load /static files only.
CONTENT_SECURITY_POLICY = "; ".join(
    (
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "connect-src 'self'",
        "object-src 'none'",
        "base-uri 'none'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    )
)
SECURITY_HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "Cross-Origin-Opener-Policy": "same-origin",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=()",
}


def init_app(app: Flask) -> None:
    trust_proxies(app, app.config["DASHBOARD_TRUSTED_PROXIES"])
    csrf.init_app(app)
    app.before_request(_refuse_nul_characters)
    app.after_request(_add_security_headers)
    app.register_error_handler(CSRFError, _csrf_refused)
    app.register_error_handler(404, _not_found)
    app.register_error_handler(RateLimitExceeded, _too_many_sign_ins)


def limit_logins(app: Flask) -> None:
    """Rate-limit sign-in attempts; call once the views are registered.

    A limiter per app (Flask-Limiter keeps its settings on the instance), applied to the login
    view here rather than by a decorator at import time.
    """
    limiter = Limiter(key_func=get_remote_address, app=app)
    app.extensions["syndikat_login_limiter"] = limiter  # the view holds it only weakly
    login_view = app.view_functions["auth.login"]
    login_limited = limiter.limit(LOGIN_LIMIT, methods=["POST"])(login_view)
    app.view_functions["auth.login"] = login_limited  # type: ignore[assignment]  # Flask-Limiter types the wrapped view as sync or async


def trust_proxies(app: Flask, proxies: int) -> None:
    """Behind `proxies` reverse proxies, take the client's address, the scheme and the host from
    their X-Forwarded-For, -Proto and -Host headers (the last `proxies` values, which those
    proxies wrote), so the sign-in limit counts per client rather than per proxy and the CSRF
    check knows the page came over HTTPS. Off (0) unless configured: anyone can send those
    headers to a dashboard that is reached directly."""
    if proxies > 0:
        app.wsgi_app = ProxyFix(  # type: ignore[method-assign]
            app.wsgi_app, x_for=proxies, x_proto=proxies, x_host=proxies
        )


def _add_security_headers(response: Response) -> Response:
    for name, value in SECURITY_HEADERS.items():
        response.headers.setdefault(name, value)
    if response.mimetype == "text/html":
        # Pages show live data and user content: never from a shared or back-button cache.
        response.headers.setdefault("Cache-Control", "no-store")
    return response


def _refuse_nul_characters() -> Any:
    """No URL, header or form field may hold a NUL character: PostgreSQL cannot store one in
    text (a sign-in or search with one would be a 500), and no setting, term or sentence needs
    one."""
    if nul_in_request(form=True):
        message = "This request was refused: it contains a NUL character."
        return render_template("dashboard/error.html", status=400, message=message), 400
    return None


def _not_found(error: Exception) -> Any:
    message = "There is nothing here: the link is wrong, or what it pointed to is gone."
    return render_template("dashboard/error.html", status=404, message=message), 404


def _too_many_sign_ins(error: RateLimitExceeded) -> Any:
    """The dashboard's own page, with when to try again (also as `Retry-After`)."""
    wait = _seconds_until_reset()
    message = (
        f"Too many sign-in attempts from this address: try again in {wait} seconds. "
        "Failed attempts are in the audit log."
    )
    page = render_template("dashboard/error.html", status=429, message=message)
    return page, 429, {"Retry-After": str(wait)}


def _seconds_until_reset() -> int:
    limiter: Limiter = current_app.extensions["syndikat_login_limiter"]
    current = limiter.current_limit
    if current is None:
        return 60  # the limit's window, as a fair guess
    # reset_at is whole seconds while the clock is not: never say more than the window.
    window = current.limit.get_expiry()
    return min(window, max(1, math.ceil(current.reset_at - time.time())))


def _csrf_refused(error: CSRFError) -> Any:
    message = f"This form was refused: {error.description} Reload the page and try again."
    return render_template("dashboard/error.html", status=400, message=message), 400
