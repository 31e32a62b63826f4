"""ctypes binding to libespeak-ng from the ``espeakng-loader`` wheel (no system package).

eSpeak NG keeps static state between utterances (the pitch "flutter" phase, the noise
generator, wave-generator phases), so the same call gives different samples depending on
what was synthesised before. To make every utterance a pure function of its arguments the
library is loaded fresh for each call and unloaded afterwards (``dlclose`` resets its static
variables; about 10 ms per call). The library is not thread-safe: parallelise with processes.
"""

from __future__ import annotations

import ctypes
from dataclasses import dataclass
from pathlib import Path

import numpy as np

_AUDIO_OUTPUT_SYNCHRONOUS = 2
_INITIALIZE_DONT_EXIT = 0x8000  # return an error instead of calling exit() on missing data
_CHARS_UTF8 = 1
_SSML = 0x10
_POS_CHARACTER = 1
# espeak_PARAMETER enum values
_RATE, _VOLUME, _PITCH, _RANGE, _WORDGAP = 1, 2, 3, 4, 7

_CALLBACK = ctypes.CFUNCTYPE(
    ctypes.c_int, ctypes.POINTER(ctypes.c_short), ctypes.c_int, ctypes.c_void_p
)


class EspeakError(RuntimeError):
    """The eSpeak NG library could not be loaded or refused a request."""


@dataclass(frozen=True)
class SpeechRequest:
    """One utterance for eSpeak: text (SSML when ``ssml``) and the engine's own parameters.

    Ranges are eSpeak's: rate 80..450 words/min, volume 0..200, pitch and range 0..100
    (50 = the voice's default), word_gap in units of 10 ms.
    """

    text: str
    voice: str  # e.g. "en+m3"
    rate: int = 175
    volume: int = 100
    pitch: int = 50
    range: int = 50
    word_gap: int = 0
    ssml: bool = True
    noise_seed: int = 0  # seeds eSpeak's own noise generator (breathy variants)


def _paths() -> tuple[str, str]:
    try:
        import espeakng_loader
    except ImportError as exc:  # a declared dependency; say which one is missing
        raise EspeakError("the synthetic corpus needs the 'espeakng-loader' package") from exc
    return str(espeakng_loader.get_library_path()), str(espeakng_loader.get_data_path())


def _check_unloaded(lib_path: str) -> None:
    """Fail loudly if something else in this process keeps libespeak-ng loaded: its static
    state would then leak between utterances and break byte-identical rebuilds."""
    maps = Path("/proc/self/maps")
    if maps.exists() and lib_path in maps.read_text():
        raise EspeakError(
            f"{lib_path} stays loaded after dlclose (another module in this process holds it);"
            " build the synthetic corpus in a fresh process (python -m benchmark corpus synth)"
        )


def synthesize(req: SpeechRequest) -> tuple[np.ndarray, int]:
    """Render ``req`` to int16 samples; returns ``(samples, sample_rate)`` (22050 Hz)."""
    import _ctypes

    lib_path, data_path = _paths()
    chunks: list[np.ndarray] = []

    def collect(wav, n, _events):  # called synchronously from espeak_Synth
        if n > 0 and wav:
            chunks.append(np.ctypeslib.as_array(wav, shape=(n,)).copy())
        return 0

    callback = _CALLBACK(collect)  # kept alive until the library is unloaded
    lib = ctypes.CDLL(lib_path)
    try:
        lib.espeak_Initialize.argtypes = [ctypes.c_int, ctypes.c_int, ctypes.c_char_p, ctypes.c_int]
        sr = lib.espeak_Initialize(_AUDIO_OUTPUT_SYNCHRONOUS, 0, data_path.encode(),
                                   _INITIALIZE_DONT_EXIT)
        if sr <= 0:
            raise EspeakError(f"espeak_Initialize failed (data path {data_path!r})")
        try:
            lib.espeak_SetSynthCallback(callback)
            lib.espeak_ng_SetRandSeed(ctypes.c_long(req.noise_seed))
            if lib.espeak_SetVoiceByName(req.voice.encode()) != 0:
                raise EspeakError(f"eSpeak voice {req.voice!r} not found")
            for param, value in ((_RATE, req.rate), (_VOLUME, req.volume), (_PITCH, req.pitch),
                                 (_RANGE, req.range), (_WORDGAP, req.word_gap)):
                if lib.espeak_SetParameter(param, int(value), 0) != 0:
                    raise EspeakError(f"espeak_SetParameter({param}, {value}) failed")
            text = req.text.encode("utf-8")
            flags = _CHARS_UTF8 | (_SSML if req.ssml else 0)
            err = lib.espeak_Synth(text, len(text) + 1, 0, _POS_CHARACTER, 0, flags, None, None)
            if err != 0:
                raise EspeakError(f"espeak_Synth returned error {err} for {req.text!r}")
            lib.espeak_Synchronize()
        finally:
            lib.espeak_Terminate()
    finally:
        _ctypes.dlclose(lib._handle)
        del lib
    _check_unloaded(lib_path)
    if not chunks:
        raise EspeakError(f"eSpeak produced no audio for {req.text!r} with voice {req.voice!r}")
    return np.concatenate(chunks), int(sr)
