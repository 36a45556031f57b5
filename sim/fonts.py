"""Chinese font set-up for matplotlib.

Charts in hqsim carry Chinese labels (department and group names, titles).
Matplotlib's default DejaVu Sans has no CJK glyphs, so every chart would show
empty boxes and emit "Glyph ... missing from font(s)" warnings. The
pylopdf-fonts-zh-cn package ships Noto Sans SC (OFL), which covers both Chinese
and Latin text. ``configure_matplotlib`` registers that font with matplotlib
and makes it the first sans-serif family, with common system CJK fonts after
it for machines where the package font is missing.
"""

from __future__ import annotations

import logging
import threading
from pathlib import Path

import matplotlib
from matplotlib import font_manager

logger = logging.getLogger(__name__)

# Tried in this order after the packaged font: Windows, macOS, then the usual
# Linux CJK packages, and DejaVu Sans (matplotlib's own font, Latin only).
SYSTEM_FALLBACK_FAMILIES = [
    "Microsoft YaHei",
    "PingFang SC",
    "Noto Sans CJK SC",
    "Source Han Sans SC",
    "WenQuanYi Micro Hei",
    "DejaVu Sans",
]

_lock = threading.Lock()
_configured_family: str | None = None


def _packaged_font_path() -> Path | None:
    """Return the path of the packaged Noto Sans SC file, or None if it is missing."""
    try:
        import pylopdf_fonts_zh_cn
    except ImportError:
        logger.warning(
            "Package pylopdf-fonts-zh-cn is not installed; Chinese labels fall "
            "back to system fonts. Install it with: pip install pylopdf-fonts-zh-cn"
        )
        return None

    path = Path(pylopdf_fonts_zh_cn.sans_path())
    if not path.is_file():
        logger.warning(
            "Font file %s from pylopdf-fonts-zh-cn not found; Chinese labels fall "
            "back to system fonts. Reinstall the package to restore it.",
            path,
        )
        return None
    return path


def _register_packaged_font() -> str | None:
    """Add the packaged font to matplotlib's font manager and return its family name."""
    path = _packaged_font_path()
    if path is None:
        return None

    try:
        font_manager.fontManager.addfont(str(path))
    except (OSError, RuntimeError) as error:
        logger.warning(
            "Font file %s could not be loaded (%s); Chinese labels fall back to "
            "system fonts.",
            path,
            error,
        )
        return None
    return font_manager.FontProperties(fname=str(path)).get_name()


def _first_installed_family(families: list[str]) -> str:
    """Return the first family in ``families`` registered with matplotlib, else DejaVu Sans."""
    installed = {entry.name for entry in font_manager.fontManager.ttflist}
    for family in families:
        if family in installed:
            return family
    return "DejaVu Sans"


def _select_agg_if_no_backend() -> None:
    """Select the non-interactive Agg backend unless a backend is already chosen.

    A backend chosen by the caller, by MPLBACKEND or by a host such as Streamlit
    or Jupyter is left alone.
    """
    if matplotlib.get_backend(auto_select=False) is None:
        matplotlib.use("Agg")


def _apply_rc_params(family: str) -> None:
    fallbacks = [name for name in SYSTEM_FALLBACK_FAMILIES if name != family]
    matplotlib.rcParams["font.sans-serif"] = [family, *fallbacks]
    matplotlib.rcParams["font.family"] = "sans-serif"
    # The ASCII hyphen-minus is in every font, the Unicode minus sign may not be.
    matplotlib.rcParams["axes.unicode_minus"] = False


def _rc_params_match(family: str) -> bool:
    sans_serif = matplotlib.rcParams["font.sans-serif"]
    return (
        bool(sans_serif)
        and sans_serif[0] == family
        and matplotlib.rcParams["font.family"] == ["sans-serif"]
        and not matplotlib.rcParams["axes.unicode_minus"]
    )


def configure_matplotlib() -> str:
    """Set matplotlib up to draw Chinese text and return the font family used.

    The first call registers the packaged Noto Sans SC font. If the font is
    missing, it logs a warning and uses the first installed family of
    ``SYSTEM_FALLBACK_FAMILIES`` instead. Later calls only check the rcParams
    and set them again if something (``matplotlib.rcdefaults()``, a style
    context) has reset them. The function is safe to call from several threads.
    """
    global _configured_family

    with _lock:
        if _configured_family is not None and _rc_params_match(_configured_family):
            return _configured_family

        if _configured_family is None:
            _select_agg_if_no_backend()
            family = _register_packaged_font()
            if family is None:
                family = _first_installed_family(SYSTEM_FALLBACK_FAMILIES)
                if family == "DejaVu Sans":
                    logger.warning(
                        "No Chinese font found; Chinese labels will render as empty "
                        "boxes. Install pylopdf-fonts-zh-cn or a system CJK font."
                    )
                else:
                    logger.warning("Using system font family %r for Chinese labels.", family)
            _configured_family = family

        _apply_rc_params(_configured_family)
        return _configured_family
