from reference.models import Community


def demo_community_count() -> int:
    """Demo communities still in use: a go-live task for administrators until the real 社区(村) are loaded."""
    return Community.objects.filter(is_demo=True).count()
