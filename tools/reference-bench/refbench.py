"""The reference's side of `bivdiff bench --preset e2e`: the same workload (ControlNet-canny + ZeroScope, random
full-size models from the bench's cache, 4 frames 256x256, 10 DDIM steps, mixing ratio 0.5, guidance 7.5) on
diffusers 0.23's models and torch, with the loops as the reference writes them:

- frame-wise generation: one StableDiffusionControlNetPipeline call per frame, as BIVDiff's
  models/ControlNet/infer.py does: ControlNet and UNet on the [negative; positive] batch of 2, then the VAE decode;
- frame encoding: vae.encode of all frames at once (BIVDiff's inference.py);
- mixed inversion: per step the image UNet on all frames, then the video UNet (models/mixed_inversion.py), the image
  UNet inflated as BIVDiff's StableDiffusion3D is: self-attention over every frame's tokens (FullyFrameAttention);
- temporal smoothing: the video UNet on the guidance batch of 2 (models/video_smoothing.py), then one VAE decode.

Prompt embeddings are random (the text encoders' few calls are left out). Prints JSON: stage wall times, and per
network its load time and every call's time.

    refbench.py [--models DIR] [--frames N] [--size PX] [--steps N] [--ratio A]
"""
import argparse
import json
import os
import statistics
import time

import torch
from diffusers import DDIMScheduler
from diffusers.models import AutoencoderKL, ControlNetModel, UNet2DConditionModel, UNet3DConditionModel
from diffusers.models.attention_processor import AttnProcessor

GUIDANCE = 7.5
calls = {}


def timed(name, fn, *args, **kwargs):
    start = time.perf_counter()
    out = fn(*args, **kwargs)
    calls.setdefault(name, []).append(time.perf_counter() - start)
    return out


def load(name, cls, folder):
    model = timed("load " + name, cls.from_pretrained, folder)
    model.eval()
    return model


class FullyFrameAttnProcessor:
    """BIVDiff's StableDiffusion3D/attention.py FullyFrameAttention: queries, keys and values of all frames at once."""

    def __init__(self, frames):
        self.frames = frames

    def __call__(self, attn, hidden_states, encoder_hidden_states=None, attention_mask=None, temb=None, scale=1.0):
        bf, tokens, channels = hidden_states.shape
        videos = bf // self.frames

        def across(x):
            return attn.head_to_batch_dim(x.reshape(videos, self.frames * tokens, channels))

        q, k, v = across(attn.to_q(hidden_states)), across(attn.to_k(hidden_states)), across(attn.to_v(hidden_states))
        probs = attn.get_attention_scores(q, k, None)
        h = attn.batch_to_head_dim(torch.bmm(probs, v)).reshape(bf, tokens, channels)
        return attn.to_out[1](attn.to_out[0](h))


def inflate(unet, frames):
    unet.set_attn_processor({name: FullyFrameAttnProcessor(frames) if name.endswith("attn1.processor")
                             else AttnProcessor() for name in unet.attn_processors})
    return unet


def ddim_reverse(scheduler, eps, t, z, previous):
    """A DDIM inversion step from `previous` to the noisier `t` (host arithmetic only: its cost is not timed apart)."""
    a_t = scheduler.alphas_cumprod[t]
    a_prev = scheduler.alphas_cumprod[previous] if previous >= 0 else scheduler.final_alpha_cumprod
    x0 = (z - (1 - a_prev) ** 0.5 * eps) / a_prev ** 0.5
    return a_t ** 0.5 * x0 + (1 - a_t) ** 0.5 * eps


def run(models, frames, size, steps, ratio):
    g = torch.Generator().manual_seed(0)
    latent = size // 8
    scheduler = DDIMScheduler.from_pretrained(os.path.join(models, "sd15-pipeline", "scheduler"))
    emb = torch.randn(2, 77, 768, generator=g)           # [negative; positive]
    emb_video = torch.randn(2, 77, 1024, generator=g)
    condition = torch.rand(frames, 3, size, size, generator=g)
    stages = {}

    start = time.perf_counter()
    unet = load("unet2d", UNet2DConditionModel, os.path.join(models, "sd15-unet"))
    controlnet = load("controlnet", ControlNetModel, os.path.join(models, "controlnet-v11p-canny"))
    vae = load("vae", AutoencoderKL, os.path.join(models, "sd15-vae"))
    images = []
    for i in range(frames):
        scheduler.set_timesteps(steps)
        x = torch.randn(1, 4, latent, latent, generator=g) * scheduler.init_noise_sigma
        image = torch.cat([condition[i:i + 1]] * 2)
        for t in scheduler.timesteps:
            x_in = scheduler.scale_model_input(torch.cat([x] * 2), t)
            down, mid = timed("controlnet", controlnet, x_in, t, encoder_hidden_states=emb, controlnet_cond=image,
                              return_dict=False)
            eps = timed("unet2d", unet, x_in, t, encoder_hidden_states=emb, down_block_additional_residuals=down,
                        mid_block_additional_residual=mid).sample
            uncond, cond = eps.chunk(2)
            x = scheduler.step(uncond + GUIDANCE * (cond - uncond), t, x).prev_sample
        images.append(timed("vae_decode", vae.decode, x / vae.config.scaling_factor).sample)
    stages["frame-wise generation"] = time.perf_counter() - start
    del controlnet

    start = time.perf_counter()
    video = torch.cat(images).clamp(-1, 1)
    latents = timed("vae_encode", vae.encode, video).latent_dist.sample(generator=g) * vae.config.scaling_factor
    stages["frame encoding"] = time.perf_counter() - start

    start = time.perf_counter()
    image_unet = inflate(unet, frames)
    video_unet = load("unet3d", UNet3DConditionModel, os.path.join(models, "zeroscope-v2-576w-unet"))
    scheduler.set_timesteps(steps)
    timesteps = scheduler.timesteps.flip(0)
    z_image = latents                                     # (F, 4, h, w)
    z_video = latents.permute(1, 0, 2, 3).unsqueeze(0)   # (1, 4, F, h, w)
    for j, t in enumerate(timesteps):
        previous = int(timesteps[j - 1]) if j > 0 else -1
        eps = timed("unet_inflated", image_unet, z_image, t,
                    encoder_hidden_states=emb[:1].repeat(frames, 1, 1)).sample
        z_image = ddim_reverse(scheduler, eps, t, z_image, previous)
        eps = timed("unet3d (inversion)", video_unet, z_video, t, encoder_hidden_states=emb_video[:1]).sample
        z_video = ddim_reverse(scheduler, eps, t, z_video, previous)
    z = ratio * z_image.permute(1, 0, 2, 3).unsqueeze(0) + (1 - ratio) * z_video
    stages["mixed inversion"] = time.perf_counter() - start
    del unet, image_unet

    start = time.perf_counter()
    scheduler.set_timesteps(steps)
    x = z
    for t in scheduler.timesteps:
        x_in = scheduler.scale_model_input(torch.cat([x] * 2), t)
        eps = timed("unet3d (smoothing)", video_unet, x_in, t, encoder_hidden_states=emb_video).sample
        uncond, cond = eps.chunk(2)
        x = scheduler.step(uncond + GUIDANCE * (cond - uncond), t, x).prev_sample
    stages["temporal smoothing"] = time.perf_counter() - start

    start = time.perf_counter()
    timed("vae_decode (video)", vae.decode, x.permute(0, 2, 1, 3, 4).reshape(frames, 4, latent, latent)
          / vae.config.scaling_factor)
    stages["VAE decode"] = time.perf_counter() - start
    return stages


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--models", default=os.path.join(os.environ.get("TMPDIR", "/tmp"), "bivdiff-bench"))
    p.add_argument("--frames", type=int, default=4)
    p.add_argument("--size", type=int, default=256)
    p.add_argument("--steps", type=int, default=10)
    p.add_argument("--ratio", type=float, default=0.5)
    p.add_argument("--threads", type=int, default=os.cpu_count())
    a = p.parse_args()
    torch.set_num_threads(a.threads)
    torch.set_grad_enabled(False)
    start = time.perf_counter()
    stages = run(a.models, a.frames, a.size, a.steps, a.ratio)
    print(json.dumps({
        "torch": torch.__version__, "threads": torch.get_num_threads(),
        "malloc": os.environ.get("GLIBC_TUNABLES", ""), "total_s": time.perf_counter() - start, "stages_s": stages,
        "calls": {name: {"n": len(t), "median_s": statistics.median(t), "sum_s": sum(t)} for name, t in calls.items()},
    }, indent=1))


if __name__ == "__main__":
    main()
