"""The portal's settings with the bench's URLconf: production keeps no no-op URL (used by bench.verify)."""

from kunshan_resume.settings import *  # noqa: F403

ROOT_URLCONF = "bench.verify_urls"
