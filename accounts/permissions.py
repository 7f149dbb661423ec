from django.core.exceptions import PermissionDenied

from accounts.models import Role

# Everyone who reads across enterprises: district and industry staff, commanders, administrators.
STAFF_ROLES = (Role.DISTRICT_STAFF, Role.AUTHORITY_STAFF, Role.COMMANDER, Role.ADMIN)


def require_role(user, roles) -> None:
    """A role that may not use a feature gets 403.

    Views call it after fetching any object through its scoped selector, so an object out of the
    user's scope is a 404 whatever the role.
    """
    if user.role not in roles:
        raise PermissionDenied


def require_admin(user) -> None:
    require_role(user, (Role.ADMIN,))
