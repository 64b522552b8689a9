"""Push an export directory to the Hugging Face Hub with the real ``huggingface_hub`` client.

The files are uploaded as written (the data files the manifest names + README.md card + manifest.json),
so the Hub copy is byte-identical to the local one and ``load_dataset(repo, config)`` reads the card's
``configs``. Data files of an earlier push that this export no longer has are deleted in the same commit,
so a re-push with another ladder or without validation leaves no stale sizes behind. Every failure
becomes a HubError naming the repo and the fix; the local export is complete before we start.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from redstar_data.errors import HubError

# Export formats whose files the Hub's dataset loader reads (hf_disk is a local save_to_disk folder);
# on push, stale data files of these formats are deleted.
HUB_FORMATS = ("parquet", "jsonl")
DATA_PATTERNS = [f"*.{f}" for f in HUB_FORMATS]


@dataclass(frozen=True)
class Pushed:
    """Where a push went: the full repo id (the Hub adds the user's namespace to a bare NAME) and commit."""

    repo_id: str
    commit_url: str


def export_files(out_dir: Path) -> list[str]:
    """The files to upload, from ``manifest.json``: every rung's data files, then the card and manifest.

    The manifest (not a glob) decides, so exactly the files the card's ``configs`` name go up, whatever
    else the folder holds (``hf/`` save_to_disk copies, jsonl beside parquet).
    """
    try:
        manifest = json.loads((out_dir / "manifest.json").read_text(encoding="utf-8"))
    except (OSError, ValueError) as e:
        raise HubError(
            f"{out_dir} is not a redstar export (no readable manifest.json): {e}",
            hint="push the folder `redstar export` wrote",
        ) from e
    data = sorted({f for rung in manifest.get("rungs", []) for f in rung.get("files", {}).values()})
    if not data:
        raise HubError(
            f"{out_dir} has no data file the Hub can load (output.formats has neither parquet nor jsonl)",
            hint="add parquet to the recipe's output.formats, export again, then push",
        )
    return [*data, "README.md", "manifest.json"]


def push_export(out_dir: Path, repo: str, *, private: bool = True, token: str | None = None) -> Pushed:
    """Create (if needed) the dataset repo and upload the export in ``out_dir`` as one commit."""
    files = export_files(out_dir)
    try:
        from huggingface_hub import HfApi
        from huggingface_hub.errors import HfHubHTTPError, OfflineModeIsEnabled
    except ImportError as e:  # pragma: no cover - datasets depends on huggingface_hub
        raise HubError("huggingface_hub is not installed", hint="pip install 'redstar[hub]'") from e
    where = f"the export is complete locally in {out_dir}"
    api = HfApi(token=token)
    try:
        url = api.create_repo(repo, repo_type="dataset", private=private, exist_ok=True)
        # a bare NAME is created under the token's user: upload to the id the Hub answered with
        repo_id = url.repo_id
        info = api.upload_folder(
            repo_id=repo_id,
            repo_type="dataset",
            folder_path=str(out_dir),
            allow_patterns=files,
            delete_patterns=DATA_PATTERNS,
            commit_message=f"redstar export {out_dir.name}",
        )
    except OfflineModeIsEnabled as e:
        raise HubError(
            f"cannot push to {repo}: the Hub is unreachable (offline mode is on); {where}",
            hint=f"unset HF_HUB_OFFLINE and run `redstar export ... --push {repo}` again, or upload {out_dir} later",
        ) from e
    except HfHubHTTPError as e:
        status = getattr(getattr(e, "response", None), "status_code", None)
        if status in (401, 403):
            raise HubError(
                f"authentication failed for repo {repo} (HTTP {status}); {where}",
                hint="set HF_TOKEN to a token with write access (or run `hf auth login`) and push again",
            ) from e
        raise HubError(
            f"pushing to {repo} failed (HTTP {status}): {e}; {where}",
            hint="check the repo name and your network, then push again",
        ) from e
    except Exception as e:  # network boundary: httpx connection errors, bad repo names, ...
        raise HubError(
            f"cannot push to {repo}: {type(e).__name__}: {e}; {where}",
            hint="check the network (and HF_ENDPOINT), then push again",
        ) from e
    return Pushed(repo_id=repo_id, commit_url=str(getattr(info, "commit_url", info)))
