"""A small client for haechi's hash-check API: the image is hashed here and never sent.

::

    from haechi.client import HaechiClient

    with HaechiClient("https://haechi.example", key) as haechi:
        if haechi.check_image(upload_bytes).match:
            refuse_the_upload()
"""

from haechi.client.client import CheckResult, HaechiClient, HaechiClientError, Match

__all__ = ["CheckResult", "HaechiClient", "HaechiClientError", "Match"]
