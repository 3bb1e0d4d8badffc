"""A pure-Python stand-in for the safetensors package, which Debian does not ship: enough for diffusers'
from_pretrained to read the bench's .safetensors files (load_file only)."""
__version__ = "0.4.0"


class SafetensorError(Exception):
    pass


from . import torch  # noqa: E402,F401  diffusers calls safetensors.torch.load_file
