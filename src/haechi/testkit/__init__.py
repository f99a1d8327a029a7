"""Real photos, re-upload edits and robustness measurement shared by tests, demos and benches.

Everything here is deterministic and offline: photos come from the sample files inside the
scikit-image wheel, unrelated images from a seeded generator.
"""

from haechi.testkit.photos import (
    CROP_SOURCE_FILES,
    EXCLUDED_FILES,
    REGISTERED_FILES,
    NamedImage,
    registered_photos,
    sample_image,
    unrelated_images,
)
from haechi.testkit.robustness import (
    MATCH_RADIUS,
    FalseMatch,
    FalseMatchReport,
    TransformResult,
    lossless_bytes,
    measure_false_matches,
    measure_transforms,
    nearest_variant,
    pdq_of_image,
    pdq_variants,
)
from haechi.testkit.transforms import TRANSFORMS, Transform

__all__ = [
    "CROP_SOURCE_FILES",
    "EXCLUDED_FILES",
    "MATCH_RADIUS",
    "REGISTERED_FILES",
    "TRANSFORMS",
    "FalseMatch",
    "FalseMatchReport",
    "NamedImage",
    "Transform",
    "TransformResult",
    "lossless_bytes",
    "measure_false_matches",
    "measure_transforms",
    "nearest_variant",
    "pdq_of_image",
    "pdq_variants",
    "registered_photos",
    "sample_image",
    "unrelated_images",
]
