from portal.navigation import menu_for


def _is_partial(request) -> bool:
    """An htmx request swaps a fragment (the checkpoint's result box, a list's rows) and never shows the
    menu: it pays for neither the menu nor the unread count. A history restore (the back button after a
    pushed URL, when htmx's cache misses) does show the whole page, so it gets them."""
    headers = request.headers
    return headers.get("HX-Request") == "true" and headers.get("HX-History-Restore-Request") != "true"


def navigation(request) -> dict:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated or _is_partial(request):
        return {"nav_items": []}
    return {
        "nav_items": menu_for(user, request.resolver_match),
        "unread_notifications": user.notifications.filter(read_at__isnull=True).count(),
    }
