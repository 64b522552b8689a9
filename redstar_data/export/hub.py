"""Push an export directory to the Hugging Face Hub with the real ``huggingface_hub`` client.

The files are uploaded as written (parquet + README.md card + manifest.json), so the Hub copy is
byte-identical to the local one and ``load_dataset(repo, config)`` reads the card's ``configs``. Every
failure becomes a HubError naming the repo and the fix; the local export is complete before we start.
"""

from __future__ import annotations

from pathlib import Path

from redstar_data.errors import HubError


def push_export(out_dir: Path, repo: str, *, private: bool = True, token: str | None = None) -> str:
    """Create (if needed) the dataset repo and upload ``out_dir``; returns the commit URL."""
    try:
        from huggingface_hub import HfApi
        from huggingface_hub.errors import HfHubHTTPError, OfflineModeIsEnabled
    except ImportError as e:  # pragma: no cover - datasets depends on huggingface_hub
        raise HubError("huggingface_hub is not installed", hint="pip install 'redstar[hub]'") from e
    where = f"the export is complete locally in {out_dir}"
    api = HfApi(token=token)
    try:
        api.create_repo(repo, repo_type="dataset", private=private, exist_ok=True)
        info = api.upload_folder(
            repo_id=repo,
            repo_type="dataset",
            folder_path=str(out_dir),
            allow_patterns=["*.parquet", "**/*.parquet", "README.md", "manifest.json"],
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
    return str(getattr(info, "commit_url", info))
