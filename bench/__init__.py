"""`make bench`: a Kunshan-scale data generator and the list-page benchmarks that run on it.

Everything runs in a throwaway test database created with Django's own machinery, so the
developer's database is never read or written. Run with `python -m bench --help`.
"""
