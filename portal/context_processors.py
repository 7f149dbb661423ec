from portal.navigation import menu_for


def navigation(request) -> dict:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"nav_items": []}
    return {
        "nav_items": menu_for(user, request.resolver_match),
        "unread_notifications": user.notifications.filter(read_at__isnull=True).count(),
    }
