"""A class of submissions: on one machine in parallel jobs (``batch``, ``jobs``), on Dask
(``distributed``), with progress (``progress``), and the class gradebook and summary (``classreport``).
"""
