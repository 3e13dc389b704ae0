"""Static files storage: ServeStatic's CompressedStaticFilesStorage (a .br and a .gz beside each
text file, served by Accept-Encoding in backend/asgi.py), made incremental: a file whose
compressed copies already carry its modification time (ServeStatic stamps them so) is not
compressed again, so `collectstatic` in scripts/setup.sh stays quick after the first run."""

from __future__ import annotations

import os
from typing import Any

from servestatic.compress import Compressor
from servestatic.storage import CompressedStaticFilesStorage


class _IncrementalCompressor(Compressor):
    def compress(self, path: str | os.PathLike[str]) -> list[str]:
        path = os.fspath(path)
        mtime = os.stat(path).st_mtime
        suffixes = [s for s, on in ((".br", self.use_brotli), (".gz", self.use_gzip)) if on]
        done = [
            path + s
            for s in suffixes
            if os.path.exists(path + s) and os.stat(path + s).st_mtime == mtime
        ]
        if done and len(done) == len(suffixes):
            return done
        return super().compress(path)


class IncrementalCompressedStaticFilesStorage(CompressedStaticFilesStorage):
    def create_compressor(self, **kwargs: Any) -> Compressor:
        return _IncrementalCompressor(**kwargs)
