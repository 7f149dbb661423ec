"""The signed-in user from the cache rather than a database query on every request.

Every page loads request.user; at a checkpoint's peak that primary-key query (and the connection
health check before it) is most of what verifying a pass costs. The user is cached for a short
time and dropped whenever the row is saved or deleted (see accounts.apps), so deactivating a user,
changing a role or a password takes effect on the next request. A bulk `QuerySet.update()` of users
bypasses that and is seen within USER_CACHE_SECONDS.
"""

from django.conf import settings
from django.contrib.auth.backends import ModelBackend
from django.core.cache import cache


def user_cache_key(user_id) -> str:
    return f"auth:user:{user_id}"


class CachedModelBackend(ModelBackend):
    def get_user(self, user_id):
        key = user_cache_key(user_id)
        user = cache.get(key)
        if user is None:
            user = super().get_user(user_id)  # None for a missing or inactive user: not cached
            if user is not None:
                cache.set(key, user, settings.USER_CACHE_SECONDS)
        return user if self.user_can_authenticate(user) else None


def forget_cached_user(sender, instance, **kwargs) -> None:
    cache.delete(user_cache_key(instance.pk))


def stamp_last_login(sender, user, **kwargs) -> None:
    """Django's update_last_login without user.save(): no history record and no cache eviction for a sign-in."""
    from django.utils import timezone

    user.last_login = timezone.now()
    type(user).objects.filter(pk=user.pk).update(last_login=user.last_login)
