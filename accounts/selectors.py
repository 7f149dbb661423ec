def notification_list_for(user):
    return user.notifications.order_by("-created_at", "-pk")
