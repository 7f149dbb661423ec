import time

from django.conf import settings
from django.utils.cache import add_never_cache_headers, cc_delim_re


class NoStoreForAuthenticatedMiddleware:
    """Pages shown to a signed-in user may hold personal data: no browser or proxy may keep them.

    Static files are served by WhiteNoise before this runs, so they stay cacheable.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated and not _declared_public(response):
            add_never_cache_headers(response)
        return response


def _declared_public(response) -> bool:
    # A view that marks its answer `public` (the pass-signing public keys) says it holds nothing personal.
    return "public" in cc_delim_re.split(response.get("Cache-Control", "").lower())


class SessionIdleRefreshMiddleware:
    """The idle timeout without a session write on every request.

    SESSION_SAVE_EVERY_REQUEST would write the session (an UPDATE and a commit) on every request: at a
    checkpoint's peak that write costs more than the verification itself. Instead a signed-in session's
    expiry is pushed forward at most once per SESSION_REFRESH_SECONDS, so a session ends between
    SESSION_COOKIE_AGE - SESSION_REFRESH_SECONDS and SESSION_COOKIE_AGE after its last request, never later.
    Goes right after SessionMiddleware, so that it marks the session before SessionMiddleware saves it.
    """

    STAMP = "_refreshed_at"

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        session = getattr(request, "session", None)
        if session is None or session.is_empty():
            return response
        now = int(time.time())
        # A session saved anyway (it changed) takes the stamp for free; otherwise only once a minute.
        due = session.modified or now - session.get(self.STAMP, 0) >= settings.SESSION_REFRESH_SECONDS
        # Only a session that holds something (a signed-in user): a stale cookie must not create one.
        if due and session.keys() - {self.STAMP}:
            session[self.STAMP] = now
        return response


def stamp_session_on_login(sender, request, user, **kwargs):
    """Signing in saves the session: stamp it then, so the first requests after it write nothing.
    (Also covers the test client's force_login, which saves the session without any middleware.)"""
    session = getattr(request, "session", None)
    if session is not None:
        session[SessionIdleRefreshMiddleware.STAMP] = int(time.time())
