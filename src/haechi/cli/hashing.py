"""``haechi hash``: the hashes of files, as haechi and Meta's tools compute them."""

from __future__ import annotations

import os
import sys
from dataclasses import replace
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.table import Table

from haechi.cli.common import EnvFactory, JsonOpt, err, guarded, out, print_json
from haechi.errors import ConfigError

if TYPE_CHECKING:
    from haechi.hashing.media import MediaHashes
    from haechi.hashing.video import VideoHashes


def media_json(path: Path, media: MediaHashes) -> dict[str, Any]:
    """The stable JSON form of ``haechi hash``."""
    return {
        "path": str(path),
        "pdq": media.pdq.hex if media.pdq else None,
        "quality": media.pdq.quality if media.pdq else None,
        "md5": media.md5,
        "sha256": media.sha256,
        "outcome": media.outcome.value,
        "error": media.error,
        "video": video_json(media.video) if media.video else None,
    }


def video_json(video: VideoHashes, frames: bool = False) -> dict[str, Any]:
    """A video's hashing summary; with ``frames``, every kept frame too."""
    doc: dict[str, Any] = {
        "container": video.container,
        "codec": video.codec,
        "width": video.width,
        "height": video.height,
        "frame_rate": video.frame_rate,
        "duration": video.duration,
        "sampled": video.sampled,
        "kept": len(video.frames),
        "low_quality": video.low_quality,
        "folded": video.folded,
        "limited": video.limited,
    }
    if frames:
        doc["frames"] = [
            {"frame": f.frame, "quality": f.pdq.quality, "pdq": f.pdq.hex, "timestamp": f.timestamp}
            for f in video.frames
        ]
    return doc


def write_feature_file(folder: Path, video: Path, text: str) -> Path:
    """Write ``<folder>/<video file name>.txt`` atomically: one feature file per video."""
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / f"{video.name}.txt"
    partial_file = target.with_name(f".{target.name}.partial")
    try:
        partial_file.write_text(text, encoding="ascii")
        os.replace(partial_file, target)
    except OSError as exc:
        raise ConfigError(f"cannot write {target}: {exc.strerror or exc}") from None
    return target


def _video_summary(video: VideoHashes) -> str:
    kept = f"{len(video.frames)} of {video.sampled} sampled frames kept"
    if video.low_quality or video.folded:
        kept += f" ({video.low_quality} low quality, {video.folded} repeats folded)"
    summary = f"video {video.width}x{video.height} {video.codec}, {video.duration:.1f} s: {kept}"
    if video.limited:
        summary += f"; [yellow]{video.limited}[/]"
    return summary


def mount(app: typer.Typer, env: EnvFactory) -> None:
    """Add ``haechi hash`` to ``app``."""

    @app.command("hash")
    def hash_cmd(
        files: Annotated[list[Path], typer.Argument(help="Image or video files to hash.")],
        as_json: JsonOpt = False,
        exact: Annotated[
            bool,
            typer.Option(help="Full-size JPEG decode, bit-exact with Meta's reference tool."),
        ] = False,
        frames: Annotated[
            bool,
            typer.Option(
                "--frames",
                help="A video's kept frames as Meta's vPDQ feature file, exactly as Meta's "
                "tools read it (frame_number,quality,pdq_hex,timestamp lines, nothing else): "
                "on stdout for one video, or one <video name>.txt per video with --out-dir.",
            ),
        ] = False,
        out_dir: Annotated[
            Path | None,
            typer.Option("--out-dir", help="With --frames: write each video's feature file here."),
        ] = None,
    ) -> None:
        """Print the PDQ hash, quality, MD5 and SHA-256 of each file; for a video, a summary of
        its frame hashes (--frames: the frames themselves, as a vPDQ feature file)."""
        from haechi.hashing.media import hash_file
        from haechi.scan.pipeline import hash_options

        if frames and not as_json and out_dir is None and len(files) > 1:
            raise typer.BadParameter(
                "--frames writes one feature file per video: give one video, or --out-dir DIR "
                "for several (a header line would make the output unreadable to Meta's tools)"
            )
        if out_dir is not None and not frames:
            raise typer.BadParameter("--out-dir goes with --frames")
        base = env().settings
        settings = base.model_copy(update={"exact_decode": exact or base.exact_decode})
        options = replace(hash_options(settings, dihedral=False), local=False)
        failed = 0
        table = Table("file", "pdq", "quality", "md5", "sha256", box=None)
        for path in files:
            media = guarded(partial(hash_file, path, options))
            if media.error:
                failed += 1
            if as_json:
                doc = media_json(path, media)
                if media.video is not None and frames:
                    doc["video"] = video_json(media.video, frames=True)
                print_json(doc)
            elif frames and media.video is not None:
                text = media.video.signature.to_vpdq()
                if out_dir is None:
                    sys.stdout.write(text)
                else:
                    written = guarded(partial(write_feature_file, out_dir, path, text))
                    err.print(f"wrote {written}")
            elif frames and media.error is None:
                err.print(f"[red]{path}: not a video; --frames is for videos[/]")
                failed += 1
            elif media.video is not None:
                table.add_row(str(path), _video_summary(media.video), "", media.md5, media.sha256)
            elif media.pdq is None:
                table.add_row(str(path), f"[red]{media.error}[/]", "", media.md5, media.sha256)
            else:
                q = str(media.pdq.quality)
                if not media.pdq.reliable(settings.pdq_min_quality):
                    q = f"[yellow]{q} (low)[/]"
                table.add_row(str(path), media.pdq.hex, q, media.md5, media.sha256)
        if not as_json and table.row_count:
            out.print(table)
        if failed:
            raise typer.Exit(1)
