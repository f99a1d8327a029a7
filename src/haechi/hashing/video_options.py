"""How a video is sampled and hashed, and the caps that keep a hostile one in bounds."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

from haechi.hashing.signals import PDQ_RELIABLE_QUALITY


@dataclass(frozen=True)
class VideoLimits:
    """Caps that keep one hostile video from taking the machine down."""

    max_pixels: int = 36_000_000
    """Pixels per frame (8K UHD is 33.2 million); a larger video is refused."""
    max_seconds: float = 4 * 3600.0
    """Only the first this many seconds are hashed."""
    max_frames: int = 20_000
    """Sampled frames hashed at most."""
    max_decode_seconds: float = 600.0
    """Wall time spent decoding one file at most."""
    max_errors: int = 200
    """Damaged packets tolerated before giving up on the rest of the file."""


@dataclass(frozen=True)
class VideoOptions:
    """How to sample and hash a video."""

    fps: float = 1.0
    """Sampled frames per second of video (vPDQ's default is one)."""
    threads: int = 0
    """Threads for decoding and hashing together; 0 means one per core."""
    fold_distance: int = 6
    """Consecutive frames within this many bits of the last kept frame are folded into it."""
    min_quality: int = PDQ_RELIABLE_QUALITY
    """Frames whose PDQ quality is below this are dropped, as vPDQ's matcher does."""
    keyframe_slack: float = 0.25
    """A keyframe this far (as a share of the sampling step) into a window stands for it."""
    skip: Literal["none", "nonref", "bidir"] = "bidir"
    """Frames H.264/HEVC decoders may skip: ``nonref`` those no frame refers to, ``bidir``
    every B-frame (x264 and most encoders refer to B-frames from B-frames only, so the P-frames
    and keyframes sampled are intact; ``bench/video.py`` measures agreement with a full
    decode), ``none`` nothing."""
    mirror: bool = False
    """Queries: also hash each frame's mirror image (flipped re-uploads are common)."""
    dihedral: bool = False
    """Queries: also hash each frame's turns and other mirror images (all eight, from one
    DCT, as for stills); implies ``mirror``."""
    content: bool = False
    """Queries: also hash the picture inside flat borders (letterboxed re-uploads)."""
    regions: bool = False
    """Queries: also hash the picture inside caption bars or screenshot chrome."""
    local: bool = False
    """Queries: keep the keypoints and working view of frames picked by
    :class:`~haechi.hashing.video_local.Thinning`, for the local-features stage."""
    key_frames: bool = False
    """Banks: keep the keypoints and crop hashes of representative frames (``vorb``)."""
    crop: bool = False
    """Banks: also hash each frame's centre 95 % (re-uploads cropped by about 5 %)."""
    centre: bool = False
    """Banks and queries: also hash each frame's centre 70 %, clear of corner logos."""
    limits: VideoLimits = field(default_factory=VideoLimits)
